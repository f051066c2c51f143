package checker

import "powercheck/internal/sqlstore"

// SQLStores hands each service the parts of st it reads and writes. A
// service whose storage spans several capabilities gets those parts joined;
// the compiler checks that they hold all that the service's storage
// interface asks for.
func SQLStores(st *sqlstore.Store) Stores {
	cases := casesParts{st.Cases(), st.Warnings(), st.Approvals()}
	return Stores{
		Lookup:   lookupParts{st.Accounts(), st.Catalog()},
		Catalog:  st.Catalog(),
		Accounts: st.Accounts(),
		Audit:    auditParts{st.Audit(), st.Accounts()},
		Patrols:  patrolsParts{st.Patrols(), st.Accounts()},
		Reports:  reportsParts{st.Reports(), st.Dashboard(), st.Accounts()},
		Supervision: supervisionParts{st.Warnings(), st.Approvals(), st.SpotChecks(), st.Accounts(),
			st.Cases()},
		Public: publicParts{st.Public(), st.Catalog(), st.Dashboard(), st.Approvals(), st.Cases(),
			st.Accounts()},
		Cases:     cases,
		Deadlines: cases,
		Policies:  policiesParts{st.Cases(), st.Approvals(), st.Accounts()},
		Documents: documentsParts{st.Documents(), st.Warnings()},
		Dashboard: st.Dashboard(),
	}
}

// A part with a method of its own name (Patrols.Patrols, SpotChecks.SpotChecks,
// Documents.Documents) is embedded under one of these names, so that the
// method, not the field, is promoted.
type (
	patrolsPart    = sqlstore.Patrols
	spotChecksPart = sqlstore.SpotChecks
	documentsPart  = sqlstore.Documents
)

// Each type below joins the parts of the store that one service (or two
// alike) uses; no two of the parts have a method of the same name.
type (
	// lookupParts: departments and items, for the services' caches.
	lookupParts struct {
		*sqlstore.Accounts
		*sqlstore.Catalog
	}
	// auditParts: the audit log, and the accounts it counts.
	auditParts struct {
		*sqlstore.Audit
		*sqlstore.Accounts
	}
	// patrolsParts: the patrols, and the departments to close days of.
	patrolsParts struct {
		*patrolsPart
		*sqlstore.Accounts
	}
	// reportsParts: the reports, their statistics and the bulletin's
	// facts, the accounts that sign them.
	reportsParts struct {
		*sqlstore.Reports
		*sqlstore.Dashboard
		*sqlstore.Accounts
	}
	// supervisionParts: the warnings' lifecycle and export, approvals,
	// spot checks, the accounts that act and the cases checked.
	supervisionParts struct {
		*sqlstore.Warnings
		*sqlstore.Approvals
		*spotChecksPart
		*sqlstore.Accounts
		*sqlstore.Cases
	}
	// publicParts: what the public side shows of the catalog, the
	// statistics and the cases.
	publicParts struct {
		*sqlstore.Public
		*sqlstore.Catalog
		*sqlstore.Dashboard
		*sqlstore.Approvals
		*sqlstore.Cases
		*sqlstore.Accounts
	}
	// casesParts: cases and steps, their warnings and approvals; the
	// deadline sweeper uses the same.
	casesParts struct {
		*sqlstore.Cases
		*sqlstore.Warnings
		*sqlstore.Approvals
	}
	// policiesParts: the steps the impact dry run replays, their
	// approvals and the departments.
	policiesParts struct {
		*sqlstore.Cases
		*sqlstore.Approvals
		*sqlstore.Accounts
	}
	// documentsParts: the documents and the warnings' histories they
	// append to.
	documentsParts struct {
		*documentsPart
		*sqlstore.Warnings
	}
)
