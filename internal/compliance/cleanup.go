package compliance

import (
	"context"
	"errors"
	"time"
)

// Catalog upkeep (职权清理与动态调整): a catalog evaluation whenever an item
// version takes effect and for the whole catalog on request (the monthly
// check), the cleanup list, and the legal affairs office's approval (审定)
// of adjustments made by department admins.
//
// Catalog warnings belong to no case: their case_no is "" and their key is
// the item code (the catalog rules set it so); the store folds
// "catalog|<item code>" into the dedupe key, so one item raises each rule at
// most once however often it is checked. They are listed with
// GET /api/v1/warnings?family=catalog, the key naming the item.

// Approval statuses of an item version.
const (
	ApprovalApproved = "approved" // in force (or superseded by a later approved version)
	ApprovalPending  = "pending"  // a department admin's adjustment awaiting the legal office
	ApprovalRejected = "rejected" // turned down by the legal office; never in force
)

// ItemApproval is the approval state of one item version. By and At are who
// decided (approved or rejected) and when; a legal office's own save is
// approved by its author at once.
type ItemApproval struct {
	ApprovalStatus string     `json:"approval_status"`
	By             string     `json:"approved_by,omitempty"`
	At             *time.Time `json:"approved_at"`
	Note           string     `json:"review_note,omitempty"`
}

// ItemVersion is one stored version of an item with its approval state.
type ItemVersion struct {
	PowerItem
	ItemApproval
}

// CatalogFacts is what a catalog evaluation sees as input.catalog.
type CatalogFacts struct {
	LastCaseAt    *time.Time // when the item's latest case was accepted; nil: never
	CasesTotal    int64
	ItemCreatedAt time.Time // when the item's first version was stored
}

// CatalogRecord is the outcome of one catalog evaluation of an item.
type CatalogRecord struct {
	ItemCode       string
	DepartmentCode string
	Findings       []Finding
	Revision       int64
	At             time.Time
}

// CatalogStore keeps item versions with their approval and gives the facts
// of catalog evaluations.
type CatalogStore interface {
	// SaveItemVersion stores it as the next version of its code, with the
	// approval state given.
	SaveItemVersion(ctx context.Context, it PowerItem, a ItemApproval) (ItemVersion, error)
	// ApprovedItem returns the latest approved version of an item, or ErrNotFound.
	ApprovedItem(ctx context.Context, code string) (PowerItem, error)
	// ItemVersion returns one version with its approval state.
	ItemVersion(ctx context.Context, code string, version int) (ItemVersion, error)
	// ItemHistory returns up to limit versions of an item after version
	// after, oldest first.
	ItemHistory(ctx context.Context, code string, after, limit int) ([]ItemVersion, error)
	// PendingItems lists up to limit pending versions by code and version,
	// after the one at after when it is not nil, of one department when
	// dept is not empty.
	PendingItems(ctx context.Context, dept string, after *ItemVersionKey, limit int) ([]ItemVersion, error)
	// CountPendingItems counts the pending versions, of one department when
	// dept is not empty.
	CountPendingItems(ctx context.Context, dept string) (int64, error)
	// ReviewItem sets the approval of a pending version; ok is false (and
	// nothing changes) when the version is no longer pending.
	ReviewItem(ctx context.Context, code string, version int, a ItemApproval) (ok bool, err error)
	// InForceItems returns the latest approved version of every item, of one
	// department when dept is not empty, by code.
	InForceItems(ctx context.Context, dept string) ([]PowerItem, error)
	// CatalogFacts returns the facts of an item's use.
	CatalogFacts(ctx context.Context, code string) (CatalogFacts, error)
	// RecordCatalogCheck stores the warnings of a catalog evaluation; those
	// already stored for the same item are kept, not duplicated. It returns
	// how many were new.
	RecordCatalogCheck(ctx context.Context, rec CatalogRecord) (int, error)
}

// itemInForce returns the version new cases are accepted under: the latest
// approved one (the latest one with a store that keeps no approvals).
func (s *Catalog) itemInForce(ctx context.Context, code string) (PowerItem, error) {
	cs := s.store
	return cs.ApprovedItem(ctx, code)
}

// saveItemVersion stores a new version: in force at once when the legal
// office makes it, pending its approval when a department admin does. A
// version in force is evaluated by the catalog rules. With a store that
// keeps no approvals every version is in force at once.
func (s *Catalog) saveItemVersion(ctx context.Context, who *Account, it PowerItem) (PowerItem, error) {
	cs := s.store
	defer s.forCases.forget(it.Code) // once stored, or failed when it may have been
	a := ItemApproval{ApprovalStatus: ApprovalPending}
	if who.Role == RoleLegal {
		at := it.CreatedAt
		a = ItemApproval{ApprovalStatus: ApprovalApproved, By: who.Username, At: &at}
	}
	v, err := cs.SaveItemVersion(ctx, it, a)
	if err != nil {
		return PowerItem{}, err
	}
	if v.ApprovalStatus == ApprovalApproved {
		s.checkSavedItem(ctx, &v.PowerItem)
	}
	return v.PowerItem, nil
}

// evaluateItem runs the catalog rules on one item version, now.
func (s *Catalog) evaluateItem(ctx context.Context, cs CatalogStore, it *PowerItem) (Evaluation, error) {
	d, err := s.department(ctx, it.DepartmentCode)
	if err != nil {
		return Evaluation{}, err
	}
	facts, err := cs.CatalogFacts(ctx, it.Code)
	if err != nil {
		return Evaluation{}, err
	}
	ev, err := s.eval.Evaluate(ctx, &Input{Event: EventCatalog, Now: s.now(), Department: d, Item: it, Catalog: &facts})
	if err != nil {
		return ev, err
	}
	// Only the catalog family speaks about the catalog; other rules have
	// nothing to say without a case, and are ignored should they say it.
	kept := ev.Findings[:0:0]
	for _, f := range ev.Findings {
		if f.Family() == "catalog" {
			kept = append(kept, f)
		}
	}
	ev.Findings = kept
	return ev, nil
}

// checkItem evaluates an item version and stores the warnings found. It
// returns how many were new.
func (s *Catalog) checkItem(ctx context.Context, cs CatalogStore, it *PowerItem) (int, error) {
	ev, err := s.evaluateItem(ctx, cs, it)
	if err != nil {
		return 0, err
	}
	return cs.RecordCatalogCheck(ctx, CatalogRecord{ItemCode: it.Code, DepartmentCode: it.DepartmentCode,
		Findings: ev.Findings, Revision: ev.Revision, At: s.now().UTC()})
}

// checkSavedItem runs the catalog evaluation of a version that has just
// taken effect; a failure is logged and does not undo the save (the monthly
// check catches up).
func (s *Catalog) checkSavedItem(ctx context.Context, it *PowerItem) {
	if _, err := s.checkItem(ctx, s.store, it); err != nil {
		s.log.ErrorContext(ctx, "catalog evaluation failed", "item", it.Code, "version", it.Version, "error", err)
	}
}

// CatalogCheckResult counts what a catalog check did.
type CatalogCheckResult struct {
	Items       int `json:"items"`        // items in force, cancelled ones excluded
	Evaluated   int `json:"evaluated"`    // evaluated and recorded
	Failed      int `json:"failed"`       // evaluation failed; logged
	NewWarnings int `json:"new_warnings"` // warnings stored
}

// CheckCatalog evaluates every item in force (cancelled ones excluded) and
// stores the warnings found: the monthly catalog check. who nil is the system.
func (s *Catalog) CheckCatalog(ctx context.Context, who *Account) (CatalogCheckResult, error) {
	if err := authorizeJob(who, ActRunJobs); err != nil {
		return CatalogCheckResult{}, err
	}
	cs := s.store
	items, err := cs.InForceItems(ctx, "")
	if err != nil {
		return CatalogCheckResult{}, err
	}
	var res CatalogCheckResult
	for i := range items {
		it := &items[i]
		if it.Status == ItemCancelled {
			continue
		}
		res.Items++
		n, err := s.checkItem(ctx, cs, it)
		if err != nil {
			if ctx.Err() != nil {
				return res, err
			}
			s.log.ErrorContext(ctx, "catalog evaluation failed", "item", it.Code, "version", it.Version, "error", err)
			res.Failed++
			continue
		}
		res.Evaluated++
		res.NewWarnings += n
	}
	return res, nil
}

// CleanupReason is one reason an item is flagged for cleanup.
type CleanupReason struct {
	Rule    string `json:"rule"`
	Level   string `json:"level"`
	Message string `json:"message"`
}

// CleanupItem is an item in force that the catalog rules flag now.
type CleanupItem struct {
	Code           string          `json:"code"`
	Version        int             `json:"version"`
	Name           string          `json:"name"`
	Category       string          `json:"category"`
	DepartmentCode string          `json:"department_code"`
	Status         string          `json:"status"`
	Reasons        []CleanupReason `json:"reasons"`
}

// CatalogCleanup is the cleanup list (职权清理): every item in force that
// the catalog rules flag when evaluated now, with the reasons.
type CatalogCleanup struct {
	PolicyRevision int64         `json:"policy_revision"`
	CheckedAt      time.Time     `json:"checked_at"`
	Items          []CleanupItem `json:"items"`
}

// Cleanup evaluates the items in force now (cancelled ones excluded), of
// one department or all, and lists those flagged. Nothing is stored.
func (s *Catalog) Cleanup(ctx context.Context, who *Account, dept string) (CatalogCleanup, error) {
	if err := Authorize(who, ActReadCleanup, dept); err != nil {
		return CatalogCleanup{}, err
	}
	if who.Role.DepartmentScoped() {
		dept = who.DepartmentCode
	}
	cs := s.store
	items, err := cs.InForceItems(ctx, dept)
	if err != nil {
		return CatalogCleanup{}, err
	}
	out := CatalogCleanup{CheckedAt: s.now().UTC(), Items: []CleanupItem{}}
	for i := range items {
		it := &items[i]
		if it.Status == ItemCancelled {
			continue
		}
		ev, err := s.evaluateItem(ctx, cs, it)
		if err != nil {
			return CatalogCleanup{}, err
		}
		out.PolicyRevision = ev.Revision
		if len(ev.Findings) == 0 {
			continue
		}
		ci := CleanupItem{Code: it.Code, Version: it.Version, Name: it.Name, Category: it.Category,
			DepartmentCode: it.DepartmentCode, Status: it.Status}
		for _, f := range ev.Findings {
			ci.Reasons = append(ci.Reasons, CleanupReason{Rule: f.Rule, Level: f.Level, Message: f.Message})
		}
		out.Items = append(out.Items, ci)
	}
	return out, nil
}

// MaxItemPageSize bounds one page of item versions: a version may hold
// MaxJSONBytes of legal bases, flow and discretion.
const MaxItemPageSize = 50

// ItemVersionKey is a version's place in the pending list: by code, then
// version.
type ItemVersionKey struct {
	Code    string
	Version int
}

// pendingScope is the department whose pending adjustments the account
// reads: all ("") for the legal office, its own for a department admin.
func pendingScope(who *Account) (string, error) {
	if err := Authorize(who, ActReadPendingItems, ""); err != nil {
		return "", err
	}
	if who.Role.DepartmentScoped() {
		return who.DepartmentCode, nil
	}
	return "", nil
}

func checkItemPage(limit int) error {
	if limit <= 0 || limit > MaxItemPageSize {
		return Errorf(ClassBadRequest, "invalid_limit", "limit 须在 1–%d 之间", MaxItemPageSize)
	}
	return nil
}

// PendingItems lists up to limit adjustments awaiting approval, after the
// one at after when it is not nil: all of them for the legal office, a
// department admin's own department's.
func (s *Catalog) PendingItems(ctx context.Context, who *Account, after *ItemVersionKey, limit int) ([]ItemVersion, error) {
	dept, err := pendingScope(who)
	if err != nil {
		return nil, err
	}
	if err := checkItemPage(limit); err != nil {
		return nil, err
	}
	cs := s.store
	vs, err := cs.PendingItems(ctx, dept, after, limit)
	return nonNil(vs), err
}

// countPendingItems counts the adjustments awaiting approval that
// PendingItems lists.
func (s *Catalog) countPendingItems(ctx context.Context, who *Account) (int, error) {
	dept, err := pendingScope(who)
	if err != nil {
		return 0, err
	}
	cs := s.store
	n, err := cs.CountPendingItems(ctx, dept)
	return int(n), err
}

// ItemVersions lists up to limit versions of an item after version after,
// oldest first, with who made and who approved each.
func (s *Catalog) ItemVersions(ctx context.Context, who *Account, code string, after, limit int) ([]ItemVersion, error) {
	cs := s.store
	// The latest version's department decides who sees the item.
	latest, err := s.store.Item(ctx, code, 0)
	if errors.Is(err, ErrNotFound) || (err == nil && !who.CanSeeDepartment(latest.DepartmentCode)) {
		return nil, Errorf(ClassNotFound, "item_not_found", "权力事项 %s 不存在", code)
	}
	if err != nil {
		return nil, err
	}
	if err := checkItemPage(limit); err != nil {
		return nil, err
	}
	vs, err := cs.ItemHistory(ctx, code, max(after, 0), limit)
	return nonNil(vs), err
}

// MaxReviewNote bounds the note of an approval or a rejection.
const MaxReviewNote = 1000

// ReviewItem approves (approve true) or rejects a pending version: the
// legal office's 审定. An approved version takes effect at once and is
// evaluated by the catalog rules; a version older than the one in force
// cannot be approved any more.
func (s *Catalog) ReviewItem(ctx context.Context, who *Account, code string, version int, approve bool, note string) (ItemVersion, error) {
	if err := Authorize(who, ActReviewItem, ""); err != nil {
		return ItemVersion{}, err
	}
	if err := CheckNote(note, MaxReviewNote); err != nil {
		return ItemVersion{}, err
	}
	cs := s.store
	v, err := cs.ItemVersion(ctx, code, version)
	if errors.Is(err, ErrNotFound) {
		return ItemVersion{}, Errorf(ClassNotFound, "item_not_found", "权力事项 %s 第 %d 版不存在", code, version)
	}
	if err != nil {
		return ItemVersion{}, err
	}
	if v.ApprovalStatus != ApprovalPending {
		return ItemVersion{}, Errorf(ClassConflict, "not_pending", "权力事项 %s 第 %d 版不是待审定状态（%s）", code, version, v.ApprovalStatus)
	}
	if approve {
		if cur, err := cs.ApprovedItem(ctx, code); err == nil && cur.Version > version {
			return ItemVersion{}, Errorf(ClassConflict, "superseded", "权力事项 %s 已有更新的生效版本（第 %d 版），第 %d 版不能再审定通过", code, cur.Version, version)
		} else if err != nil && !errors.Is(err, ErrNotFound) {
			return ItemVersion{}, err
		}
	}
	at := s.now().UTC()
	a := ItemApproval{ApprovalStatus: ApprovalRejected, By: who.Username, At: &at, Note: note}
	if approve {
		a.ApprovalStatus = ApprovalApproved
	}
	ok, err := cs.ReviewItem(ctx, code, version, a)
	s.forCases.forget(code)
	if err != nil {
		return ItemVersion{}, err
	}
	if !ok {
		return ItemVersion{}, Errorf(ClassConflict, "not_pending", "权力事项 %s 第 %d 版已被审定", code, version)
	}
	v.ItemApproval = a
	if approve {
		s.checkSavedItem(ctx, &v.PowerItem)
	}
	return v, nil
}
