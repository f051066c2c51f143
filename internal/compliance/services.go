package compliance

import (
	"fmt"
	"sync/atomic"
	"time"
)

// The services below each hold one capability of the checker. Each is
// built complete by its constructor from the shared Core, the pieces of
// the store it uses and the services it calls; the order of the
// constructors is the order of their dependencies:
//
//	Catalog, Accounts, Audit, Patrols
//	Reports      (Patrols, Accounts)
//	Supervision
//	Public       (Catalog)
//	Cases        (Catalog, Supervision, Public, Reports, Patrols)
//	Deadlines    (Supervision)
//	Policies     (Patrols)
//	Documents    (Accounts, Supervision)
//	Dashboard    (Reports, Patrols)

// CatalogStorage is what Catalog reads and writes.
type CatalogStorage interface {
	ItemStore
	CatalogStore
}

// Catalog keeps the catalog of powers: items, their versions and
// approvals, and the catalog checks.
type Catalog struct {
	*Core
	store CatalogStorage
	// forCases are the versions new cases were recently accepted under.
	forCases recent[string, PowerItem]
}

// NewCatalog returns the catalog over store.
func NewCatalog(core *Core, store CatalogStorage) *Catalog {
	return &Catalog{Core: core, store: store}
}

// AccountsStorage is what Accounts reads and writes.
type AccountsStorage interface {
	DepartmentStore
	Credentials
	AccountStore
	SettingsStore
	CalendarStore
}

// Accounts keeps departments, accounts, the district's settings and the
// holiday calendar.
type Accounts struct {
	*Core
	store    AccountsStorage
	settings settingsCache // the district's names
}

// NewAccounts returns the accounts over store. Every new settings value is
// handed to sink (the policy engine's input.settings), when it is not nil;
// RefreshSettings hands it the one in force.
func NewAccounts(core *Core, store AccountsStorage, sink func(Settings)) *Accounts {
	a := &Accounts{Core: core, store: store}
	a.settings.sink = sink
	return a
}

// AuditStorage is what Audit reads and writes.
type AuditStorage interface {
	AuditStore
	AuditReader
	AuditObjectStore
	AuditStateStore
	AuditEffectsProbe
	WriteTracker
	IntentStore
	AccountCounter
	AuditLease
}

// Audit keeps the audit log: it records changes, seals and verifies the
// chain and keeps its checkpoints.
type Audit struct {
	*Core
	store    AuditStorage
	auditKey []byte // seals audit entries; nil: plain hashes
	// auditCheckpoint reads the newest checkpoint kept outside the
	// database; nil: none is kept.
	auditCheckpoint CheckpointSource
	// sequencer is told of each entry appended here, so that it chains
	// it without waiting for its next poll.
	sequencer *sequencerBell
	// intentBound is how old an audit intent must be for recovery to
	// complete it (see RecoverIntents).
	intentBound time.Duration
}

// SetIntentBound sets how old an audit intent must be before the
// sequencer and verification complete it; 0 or less: DefaultIntentBound.
// It is set before the service starts.
func (s *Audit) SetIntentBound(d time.Duration) {
	if d <= 0 {
		d = DefaultIntentBound
	}
	s.intentBound = d
}

// NewAudit returns the audit log over store. key seals its entries (nil:
// plain hashes); checkpoints, when not nil, returns the newest checkpoint
// kept outside the database, which VerifyAuditLog checks the log reaches.
func NewAudit(core *Core, store AuditStorage, key []byte, checkpoints CheckpointSource) (*Audit, error) {
	if key != nil && len(key) < MinAuditKey {
		return nil, fmt.Errorf("audit key: %d bytes, want at least %d", len(key), MinAuditKey)
	}
	return &Audit{Core: core, store: store, auditKey: key, auditCheckpoint: checkpoints, sequencer: newSequencerBell(),
		intentBound: DefaultIntentBound}, nil
}

// PatrolsStorage is what Patrols reads and writes.
type PatrolsStorage interface {
	PatrolStore
	DepartmentLister
}

// Patrols keeps the daily patrols and their ledger.
type Patrols struct {
	*Core
	store PatrolsStorage
}

// NewPatrols returns the patrols over store.
func NewPatrols(core *Core, store PatrolsStorage) *Patrols {
	return &Patrols{Core: core, store: store}
}

// ReportsStorage is what Reports reads and writes.
type ReportsStorage interface {
	ReportStore
	ScanStore
	StatsStore
	BulletinStore
	AccountStore
	DepartmentLister
}

// Reports makes the monthly reports and their explanations, the quarterly
// bulletin and the warning statistics.
type Reports struct {
	*Core
	store    ReportsStorage
	patrols  *Patrols
	accounts *Accounts
}

// NewReports returns the reports over store; they count patrols and name
// the district as accounts keeps it.
func NewReports(core *Core, store ReportsStorage, patrols *Patrols, accounts *Accounts) *Reports {
	return &Reports{Core: core, store: store, patrols: patrols, accounts: accounts}
}

// SupervisionStorage is what Supervision reads and writes.
type SupervisionStorage interface {
	LifecycleStore
	ApprovalStore
	SpotCheckStore
	WarningExporter
	AccountStore
	CaseReader
}

// Supervision follows warnings through their lifecycle, takes signed
// approvals, runs spot checks and exports warnings.
type Supervision struct {
	*Core
	store SupervisionStorage
}

// NewSupervision returns the supervision over store.
func NewSupervision(core *Core, store SupervisionStorage) *Supervision {
	return &Supervision{Core: core, store: store}
}

// PublicStorage is what Public reads.
type PublicStorage interface {
	PublicStore
	ApprovalStore
	CaseReader
	DepartmentLister
}

// Public answers the public side: the disclosed catalog, statistics and
// cases looked up with their query codes.
type Public struct {
	*Core
	store   PublicStorage
	catalog *Catalog

	queryCodeKey atomic.Pointer[[]byte] // see queryKey
}

// NewPublic returns the public side over store; items are shown as catalog
// has them in force.
func NewPublic(core *Core, store PublicStorage, catalog *Catalog) *Public {
	return &Public{Core: core, store: store, catalog: catalog}
}

// CasesStorage is what Cases reads and writes.
type CasesStorage interface {
	CaseReader
	StepStore
	RecheckStore
	WarningReader
	CaseListStore
	ApprovalStore
}

// Cases takes the steps of cases, has each one evaluated by the policies
// and stores what they find; it lists cases and re-checks the steps whose
// evaluation failed.
type Cases struct {
	*Core
	store       CasesStorage
	catalog     *Catalog
	supervision *Supervision
	public      *Public
	reports     *Reports
	patrols     *Patrols

	// recheckRevision is the policy revision of the last re-check round;
	// when another one is active, failed steps are re-checked at once.
	recheckRevision atomic.Int64
}

// CaseDeps are the services Cases calls.
type CaseDeps struct {
	Catalog     *Catalog     // the items in force, the items waiting for review
	Supervision *Supervision // lifting overtaken warnings, approvals waiting
	Public      *Public      // the query codes of new cases
	Reports     *Reports     // explanations due, on the workbench
	Patrols     *Patrols     // today's patrols, on the workbench
}

// NewCases returns the cases over store.
func NewCases(core *Core, store CasesStorage, deps CaseDeps) *Cases {
	return &Cases{Core: core, store: store, catalog: deps.Catalog, supervision: deps.Supervision,
		public: deps.Public, reports: deps.Reports, patrols: deps.Patrols}
}

// DeadlinesStorage is what Deadlines reads and writes.
type DeadlinesStorage interface {
	SweepStore
	WarningReader
	ApprovalStore
}

// Deadlines sweeps the open cases whose deadlines are due.
type Deadlines struct {
	*Core
	store       DeadlinesStorage
	supervision *Supervision
}

// NewDeadlines returns the deadline sweeper over store; supervision lifts
// the warnings a sweep overtakes.
func NewDeadlines(core *Core, store DeadlinesStorage, supervision *Supervision) *Deadlines {
	return &Deadlines{Core: core, store: store, supervision: supervision}
}

// PoliciesStorage is what Policies reads.
type PoliciesStorage interface {
	ImpactStore
	ApprovalStore
	DepartmentLister
}

// Policies tells what a candidate policy revision would change.
type Policies struct {
	*Core
	store   PoliciesStorage
	patrols *Patrols
}

// NewPolicies returns the policy dry runs over store; patrols gives the
// patrol days they re-evaluate.
func NewPolicies(core *Core, store PoliciesStorage, patrols *Patrols) *Policies {
	return &Policies{Core: core, store: store, patrols: patrols}
}
