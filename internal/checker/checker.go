// Package checker builds the checker's services: the one place that knows
// which service needs which other, so that the server, the command line,
// the demo loader and the tests all get the same graph.
package checker

import (
	"log/slog"
	"time"

	"powercheck/internal/compliance"
)

// Stores are the storage of each service: what each one reads and writes,
// made of the parts of the store that it uses (see SQLStores).
type Stores struct {
	Lookup      compliance.Lookup
	Catalog     compliance.CatalogStorage
	Accounts    compliance.AccountsStorage
	Audit       compliance.AuditStorage
	Patrols     compliance.PatrolsStorage
	Reports     compliance.ReportsStorage
	Supervision compliance.SupervisionStorage
	Public      compliance.PublicStorage
	Cases       compliance.CasesStorage
	Deadlines   compliance.DeadlinesStorage
	Policies    compliance.PoliciesStorage
	Documents   compliance.DocumentsStorage
	Dashboard   compliance.DashboardStorage
}

// Options are the parts of the services that differ between their users;
// the zero value is fine for tests.
type Options struct {
	// Now is the clock; nil: the wall clock.
	Now func() time.Time
	// Log is the logger; nil: slog.Default().
	Log *slog.Logger
	// Calendar holds the calendar in force (the policy engine); nil: the
	// built-in calendar, kept by the services alone.
	Calendar compliance.CalendarHolder
	// Params gives the rule parameters in force (the policy engine); nil:
	// the shipped ones.
	Params compliance.ParamsSource
	// Settings is handed every new value of the district's settings (the
	// policy engine's input.settings); nil: nobody.
	Settings func(compliance.Settings)
	// Observer is told of evaluations, warnings and sweeps (the metrics);
	// nil: nobody.
	Observer compliance.Observer
	// AuditKey seals the audit entries; nil: plain hashes.
	AuditKey []byte
	// Checkpoints returns the newest audit checkpoint kept outside the
	// database; nil: none is kept.
	Checkpoints compliance.CheckpointSource
	// CredentialTTL is how long an accepted bearer token or session is
	// believed without reading its account again; 0 means
	// compliance.DefaultCredentialTTL, a negative value not at all.
	CredentialTTL time.Duration
}

// Services are the checker's services, wired.
type Services struct {
	Core        *compliance.Core
	Catalog     *compliance.Catalog
	Accounts    *compliance.Accounts
	Audit       *compliance.Audit
	Patrols     *compliance.Patrols
	Reports     *compliance.Reports
	Supervision *compliance.Supervision
	Public      *compliance.Public
	Cases       *compliance.Cases
	Deadlines   *compliance.Deadlines
	Policies    *compliance.Policies
	Documents   *compliance.Documents
	Dashboard   *compliance.Dashboard
}

// New builds every service over its storage in stores, evaluating with
// eval (nil for users that never evaluate). It fails only on a bad audit
// key.
func New(stores Stores, eval compliance.Evaluator, o Options) (*Services, error) {
	core := compliance.NewCore(compliance.CoreConfig{Lookup: stores.Lookup, Eval: eval, Now: o.Now, Log: o.Log,
		Calendar: o.Calendar, Params: o.Params, Observer: o.Observer, Credentials: credentialCache(o.CredentialTTL)})
	audit, err := compliance.NewAudit(core, stores.Audit, o.AuditKey, o.Checkpoints)
	if err != nil {
		return nil, err
	}
	s := &Services{Core: core, Audit: audit}
	s.Catalog = compliance.NewCatalog(core, stores.Catalog)
	s.Accounts = compliance.NewAccounts(core, stores.Accounts, o.Settings)
	s.Patrols = compliance.NewPatrols(core, stores.Patrols)
	s.Reports = compliance.NewReports(core, stores.Reports, s.Patrols, s.Accounts)
	s.Supervision = compliance.NewSupervision(core, stores.Supervision)
	s.Public = compliance.NewPublic(core, stores.Public, s.Catalog)
	s.Cases = compliance.NewCases(core, stores.Cases, compliance.CaseDeps{Catalog: s.Catalog, Supervision: s.Supervision,
		Public: s.Public, Reports: s.Reports, Patrols: s.Patrols})
	s.Deadlines = compliance.NewDeadlines(core, stores.Deadlines, s.Supervision)
	s.Policies = compliance.NewPolicies(core, stores.Policies, s.Patrols)
	s.Documents = compliance.NewDocuments(core, stores.Documents, s.Accounts, s.Supervision)
	s.Dashboard = compliance.NewDashboard(stores.Dashboard, s.Reports, s.Patrols)
	return s, nil
}

// credentialCache returns the cache of accepted credentials for ttl (see
// Options.CredentialTTL). It runs on the wall clock, not Options.Now: its
// entries' age is real time, whatever time the services are told it is.
func credentialCache(ttl time.Duration) *compliance.CredentialCache {
	switch {
	case ttl < 0:
		return nil
	case ttl == 0:
		ttl = compliance.DefaultCredentialTTL
	}
	return compliance.NewCredentialCache(ttl, compliance.DefaultCredentialEntries, nil)
}
