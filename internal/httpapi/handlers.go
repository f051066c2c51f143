package httpapi

import "log/slog"

// handlers are the API's handlers, one type per capability, each holding
// only the services it calls. Errors, bodies and the signed-in account are
// read and answered through the package's functions (fail, respond,
// bindJSON, account), so no handler type needs a base of its own.
//
// A zero handlers (every field nil) still yields the whole route table:
// the table only takes method values, so it can be listed without a
// server (apiRoutes).
type handlers struct {
	sessions      *sessionsAPI
	accounts      *accountsAPI
	catalog       *catalogAPI
	cases         *casesAPI
	supervision   *supervisionAPI
	audit         *auditAPI
	reports       *reportsAPI
	patrols       *patrolsAPI
	policies      *policiesAPI
	documents     *documentsAPI
	notifications *notificationsAPI
	webhooks      *webhooksAPI
	public        *publicAPI
	docs          *docsAPI
}

// newHandlers builds every handler type over the services it calls.
// failures is shared with authentication: wrong passwords, tokens and
// public query codes count against an address together.
func newHandlers(svcs Services, authoring Authoring, policies PolicyState, cfg Config, log *slog.Logger, failures *failureCounter) handlers {
	return handlers{
		sessions: &sessionsAPI{sessions: cfg.Sessions, accounts: svcs.Accounts, auditLog: svcs.Audit, failures: failures,
			log: log, cookieSecure: cfg.CookieSecure},
		accounts:      &accountsAPI{accounts: svcs.Accounts},
		catalog:       &catalogAPI{catalog: svcs.Catalog},
		cases:         &casesAPI{cases: svcs.Cases, deadlines: svcs.Deadlines, policies: policies},
		supervision:   &supervisionAPI{supervision: svcs.Supervision, cases: svcs.Cases, log: log},
		audit:         &auditAPI{auditLog: svcs.Audit},
		reports:       &reportsAPI{reports: svcs.Reports, dashboard: svcs.Dashboard},
		patrols:       &patrolsAPI{patrols: svcs.Patrols},
		policies:      &policiesAPI{authoring: authoring, policies: policies, dryRun: svcs.Policies},
		documents:     &documentsAPI{docs: svcs.Documents, supervision: svcs.Supervision, authoring: authoring},
		notifications: &notificationsAPI{inbox: cfg.Notifications},
		webhooks:      &webhooksAPI{hooks: cfg.Webhooks, mail: cfg.Mail},
		public:        &publicAPI{public: svcs.Public, failures: failures},
		docs:          &docsAPI{log: log},
	}
}
