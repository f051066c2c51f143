package sqlstore

// The store is made of parts, one per capability, each keeping the storage
// interfaces of that capability's consumers (see conformance.go). The parts
// share the connection; a write that touches several tables (a step: the
// step, its case, its warnings, their events and the dashboard's counters)
// is one method of one part, in one transaction, and the helpers the parts
// share are package functions over a transaction or methods of conn.

// Accounts keeps the departments, the accounts and their tokens, the
// district's settings and the holiday calendar.
type Accounts struct{ *conn }

// Sessions keeps the console's passwords and sessions.
type Sessions struct{ *conn }

// Catalog keeps the power items: their versions, their review and the
// catalog checks.
type Catalog struct{ *conn }

// Cases keeps cases and their steps: recording steps and re-checks, case
// lists, the deadline sweeper's ticks and the steps the impact dry run
// replays.
type Cases struct{ *conn }

// Warnings reads warnings (lists, exports, by case) and moves them through
// their lifecycle.
type Warnings struct{ *conn }

// Approvals keeps the signed approvals of cases and finds the cases
// waiting for one.
type Approvals struct{ *conn }

// SpotChecks keeps the spot checks and their samples.
type SpotChecks struct{ *conn }

// Documents keeps the printed documents and their numbers.
type Documents struct{ *conn }

// Patrols keeps the patrols and the patrol days closed.
type Patrols struct{ *conn }

// Reports keeps the monthly figures, the explanations and their scans, and
// the months closed.
type Reports struct{ *conn }

// Dashboard counts: the dashboard's figures from the rollup, the warning
// statistics and the quarterly bulletin's facts.
type Dashboard struct{ *conn }

// Public keeps what the public side reads besides the catalog and the
// statistics: the query code key and the cases closed.
type Public struct{ *conn }

// Audit keeps the audit log, its effects and head, and reads the stored
// state of audited objects.
type Audit struct{ *conn }

// Revisions keeps the policy revisions and drafts.
type Revisions struct{ *conn }

// Notifications keeps the outbox's events, their routing and the inboxes.
type Notifications struct{ *conn }

// Webhooks keeps the webhook endpoints, their deliveries, and the mail
// digest's settings and claims.
type Webhooks struct{ *conn }

// parts are the parts of a Store, over its connection.
type parts struct {
	accounts      Accounts
	sessions      Sessions
	catalog       Catalog
	cases         Cases
	warnings      Warnings
	approvals     Approvals
	spotChecks    SpotChecks
	documents     Documents
	patrols       Patrols
	reports       Reports
	dashboard     Dashboard
	public        Public
	audit         Audit
	revisions     Revisions
	notifications Notifications
	webhooks      Webhooks
}

func newStore(c *conn) *Store {
	return &Store{conn: c, parts: parts{
		accounts: Accounts{c}, sessions: Sessions{c}, catalog: Catalog{c}, cases: Cases{c},
		warnings: Warnings{c}, approvals: Approvals{c}, spotChecks: SpotChecks{c},
		documents: Documents{c}, patrols: Patrols{c}, reports: Reports{c}, dashboard: Dashboard{c},
		public: Public{c}, audit: Audit{c}, revisions: Revisions{c},
		notifications: Notifications{c}, webhooks: Webhooks{c},
	}}
}

// Accounts returns the store's departments, accounts, settings and calendar.
func (s *Store) Accounts() *Accounts { return &s.accounts }

// Sessions returns the store's passwords and sessions.
func (s *Store) Sessions() *Sessions { return &s.sessions }

// Catalog returns the store's power items.
func (s *Store) Catalog() *Catalog { return &s.catalog }

// Cases returns the store's cases and steps.
func (s *Store) Cases() *Cases { return &s.cases }

// Warnings returns the store's warnings.
func (s *Store) Warnings() *Warnings { return &s.warnings }

// Approvals returns the store's signed approvals.
func (s *Store) Approvals() *Approvals { return &s.approvals }

// SpotChecks returns the store's spot checks.
func (s *Store) SpotChecks() *SpotChecks { return &s.spotChecks }

// Documents returns the store's printed documents.
func (s *Store) Documents() *Documents { return &s.documents }

// Patrols returns the store's patrols.
func (s *Store) Patrols() *Patrols { return &s.patrols }

// Reports returns the store's monthly reports and explanations.
func (s *Store) Reports() *Reports { return &s.reports }

// Dashboard returns the store's figures and statistics.
func (s *Store) Dashboard() *Dashboard { return &s.dashboard }

// Public returns what the store keeps for the public side.
func (s *Store) Public() *Public { return &s.public }

// Audit returns the store's audit log.
func (s *Store) Audit() *Audit { return &s.audit }

// Revisions returns the store's policy revisions and drafts.
func (s *Store) Revisions() *Revisions { return &s.revisions }

// Notifications returns the store's outbox and inboxes.
func (s *Store) Notifications() *Notifications { return &s.notifications }

// Webhooks returns the store's webhooks and mail digests.
func (s *Store) Webhooks() *Webhooks { return &s.webhooks }
