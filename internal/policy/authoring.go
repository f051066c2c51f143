package policy

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"powercheck/internal/compliance"
)

// Authoring is the legal affairs office's loop: draft a module, validate and
// test it against the whole set, publish the drafts as a new revision, roll
// back to an earlier one. A published revision is active on this node at
// once and on every other node within its poll interval.
type Authoring struct {
	engine *Engine
	store  compliance.DraftStore
	now    func() time.Time
}

// NewAuthoring returns the authoring service of engine over store.
func NewAuthoring(engine *Engine, store compliance.DraftStore) *Authoring {
	return &Authoring{engine: engine, store: store, now: time.Now}
}

// ModuleState is a module as the office sees it.
type ModuleState = compliance.ModuleState

// RuleInfo is one entry of the rule catalogue.
type RuleInfo = compliance.RuleInfo

// invalid turns compile problems into the caller's 422.
func invalid(err error) error {
	var ce *CompileError
	if errors.As(err, &ce) {
		return (&compliance.Error{Class: compliance.ClassInvalid, Code: "policy_invalid",
			Message: "策略未通过校验：" + ce.Problems[0].Chinese, Err: err}).WithDetails(ce.Problems)
	}
	return err
}

// check compiles modules with params and runs their tests; any failure is
// a 422.
func (a *Authoring) check(ctx context.Context, modules []Module, params []byte) (*Compiled, error) {
	c, err := a.engine.CompileWith(ctx, 0, modules, params)
	if err != nil {
		return nil, invalid(err)
	}
	results, err := a.engine.RunTests(ctx, modules)
	if err != nil {
		return nil, invalid(err)
	}
	var failed []Problem
	for _, r := range results {
		if !r.Passed {
			failed = append(failed, Problem{Module: r.Module, Line: r.Line, Column: 1, Code: "test_failed",
				Message: fmt.Sprintf("test %s failed: %s", r.Name, r.Error),
				Chinese: fmt.Sprintf("测试 %s 未通过：%s", r.Name, r.Error)})
		}
	}
	if len(failed) > 0 {
		return nil, (&compliance.Error{Class: compliance.ClassInvalid, Code: "policy_tests_failed",
			Message: fmt.Sprintf("策略测试未通过（%d 项）：%s", len(failed), failed[0].Chinese)}).WithDetails(failed)
	}
	return c, nil
}

// newest returns the newest stored revision: what drafts are laid over and
// what a publish or a rollback is made over. It may be newer than this
// node's active revision, when another node published since this one last
// polled; building on the active one would undo that publish.
func (a *Authoring) newest(ctx context.Context) (compliance.PolicyRevision, error) {
	rev, err := a.store.LatestRevision(ctx)
	if errors.Is(err, compliance.ErrNotFound) {
		return rev, ErrNoPolicies
	}
	return rev, err
}

// candidateSet is what publishing now would activate: the newest
// revision's modules and parameters with the drafts laid over them.
type candidateSet struct {
	modules []Module
	params  []byte // canonical JSON
	drafts  []compliance.PolicyDraft
	base    compliance.PolicyRevision
}

// candidate returns the modules and parameters that publishing now would
// activate, the drafts they were made of and the revision they were laid
// over.
func (a *Authoring) candidate(ctx context.Context) (candidateSet, error) {
	base, err := a.newest(ctx)
	if err != nil {
		return candidateSet{base: base}, err
	}
	drafts, err := a.store.Drafts(ctx)
	if err != nil {
		return candidateSet{base: base}, err
	}
	params := effectiveParams(base.Params)
	if d, ok := paramsDraft(drafts); ok {
		params = []byte(d.Source)
	}
	return candidateSet{modules: overlay(base.Modules, drafts), params: params, drafts: drafts, base: base}, nil
}

// paramsDraft finds the draft of the parameters among drafts.
func paramsDraft(drafts []compliance.PolicyDraft) (compliance.PolicyDraft, bool) {
	for _, d := range drafts {
		if d.Module == ParamsDraft {
			return d, true
		}
	}
	return compliance.PolicyDraft{}, false
}

func overlay(modules []Module, drafts []compliance.PolicyDraft) []Module {
	byName := map[string]string{}
	for _, m := range modules {
		byName[m.Name] = m.Source
	}
	for _, d := range drafts {
		if d.Module == ParamsDraft {
			continue
		}
		if d.Source == "" {
			delete(byName, d.Module)
		} else {
			byName[d.Module] = d.Source
		}
	}
	out := make([]Module, 0, len(byName))
	for name, src := range byName {
		out = append(out, Module{Name: name, Source: src})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// SaveDraft validates module as part of the whole candidate set (compiled
// strictly, every test passing) and saves it as a draft. An empty source
// drafts the module's removal. Nothing is saved when validation fails.
func (a *Authoring) SaveDraft(ctx context.Context, by, module, source string) (compliance.PolicyDraft, error) {
	if !moduleNamePattern.MatchString(module) {
		return compliance.PolicyDraft{}, compliance.Errorf(compliance.ClassInvalid, "policy_invalid",
			"模块名“%s”不合法：只能由小写字母、数字和下划线组成，并以字母开头", module)
	}
	cand, err := a.candidate(ctx)
	if err != nil {
		return compliance.PolicyDraft{}, err
	}
	d := compliance.PolicyDraft{Module: module, Source: source, UpdatedBy: by, UpdatedAt: a.now().UTC()}
	set := overlay(cand.modules, []compliance.PolicyDraft{d})
	if source == "" && len(set) == len(cand.modules) {
		return compliance.PolicyDraft{}, compliance.Errorf(compliance.ClassNotFound, "policy_not_found", "策略模块 %s 不存在", module)
	}
	if _, err := a.check(ctx, set, cand.params); err != nil {
		return compliance.PolicyDraft{}, err
	}
	if err := a.store.SaveDraft(ctx, d); err != nil {
		return compliance.PolicyDraft{}, err
	}
	return d, nil
}

// Modules lists the active modules and the drafts.
func (a *Authoring) Modules(ctx context.Context) ([]ModuleState, error) {
	active := a.engine.Active()
	if active == nil {
		return nil, ErrNoPolicies
	}
	drafts, err := a.store.Drafts(ctx)
	if err != nil {
		return nil, err
	}
	states := map[string]*ModuleState{}
	for _, m := range active.Modules {
		states[m.Name] = &ModuleState{Module: m.Name, Source: m.Source, State: "active", Rules: rulesOf(m)}
	}
	for _, d := range drafts {
		if d.Module == ParamsDraft {
			continue // see Params
		}
		st, ok := states[d.Module]
		switch {
		case !ok:
			st = &ModuleState{Module: d.Module, State: "new"}
			states[d.Module] = st
		case d.Source == "":
			st.State = "removed"
		default:
			st.State = "draft"
		}
		at := d.UpdatedAt
		st.Draft, st.UpdatedBy, st.UpdatedAt = d.Source, d.UpdatedBy, &at
	}
	out := make([]ModuleState, 0, len(states))
	for _, st := range states {
		out = append(out, *st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Module < out[j].Module })
	return out, nil
}

// MaxPublishNote bounds the note of a published revision.
const MaxPublishNote = 500

// Publish makes the drafts, laid over the newest revision, a new active
// revision. When another publish or rollback stores a revision in between,
// it answers ErrRevisionConflict and publishes nothing.
func (a *Authoring) Publish(ctx context.Context, by, note string) (compliance.PolicyRevision, error) {
	if err := compliance.CheckNote(note, MaxPublishNote); err != nil {
		return compliance.PolicyRevision{}, err
	}
	cand, err := a.candidate(ctx)
	if err != nil {
		return compliance.PolicyRevision{}, err
	}
	modules, base := cand.modules, cand.base
	if len(cand.drafts) == 0 {
		return compliance.PolicyRevision{}, compliance.Errorf(compliance.ClassConflict, "nothing_to_publish", "没有待发布的策略草稿")
	}
	c, err := a.check(ctx, modules, cand.params)
	if err != nil {
		return compliance.PolicyRevision{}, err
	}
	if note == "" {
		note = "发布策略草稿"
	}
	sum := diff(base.Modules, modules)
	sum.Params = changedPaths(base.Params, cand.params)
	rev := compliance.PolicyRevision{Digest: DigestWith(modules, cand.params), Modules: modules, Params: cand.params,
		CreatedBy: by, Note: note, CreatedAt: a.now().UTC(), Summary: sum, Base: base.ID}
	rev, err = a.store.PublishDrafts(ctx, rev, cand.drafts)
	if err != nil {
		return compliance.PolicyRevision{}, err
	}
	c.Revision = rev.ID
	a.engine.Activate(c)
	return rev, nil
}

// Rollback makes an earlier revision's modules active again, as a new
// revision over the newest, so that history only grows. Drafts are kept.
// Like Publish, it answers ErrRevisionConflict when another revision is
// stored in between.
func (a *Authoring) Rollback(ctx context.Context, by string, to int64) (compliance.PolicyRevision, error) {
	base, err := a.newest(ctx)
	if err != nil {
		return compliance.PolicyRevision{}, err
	}
	old, err := a.store.Revision(ctx, to)
	if errors.Is(err, compliance.ErrNotFound) {
		return compliance.PolicyRevision{}, compliance.Errorf(compliance.ClassNotFound, "revision_not_found", "策略修订 %d 不存在", to)
	}
	if err != nil {
		return compliance.PolicyRevision{}, err
	}
	params := effectiveParams(old.Params)
	c, err := a.check(ctx, old.Modules, params)
	if err != nil {
		return compliance.PolicyRevision{}, err
	}
	sum := diff(base.Modules, old.Modules)
	sum.Params = changedPaths(base.Params, params)
	sum.RollbackFrom = to
	rev, err := a.store.CreateRevision(ctx, compliance.PolicyRevision{Digest: DigestWith(old.Modules, params), Modules: old.Modules,
		Params: params, CreatedBy: by, Note: fmt.Sprintf("回滚至修订 %d", to), CreatedAt: a.now().UTC(), Summary: sum, Base: base.ID})
	if err != nil {
		return compliance.PolicyRevision{}, err
	}
	c.Revision = rev.ID
	a.engine.Activate(c)
	return rev, nil
}

// Revisions lists the newest revisions.
func (a *Authoring) Revisions(ctx context.Context, limit int) ([]compliance.PolicyRevision, error) {
	return a.store.ListRevisions(ctx, limit)
}

// Candidate compiles the drafts of modules and parameters over the newest
// revision, without activating them, for a dry run.
func (a *Authoring) Candidate(ctx context.Context) (compliance.Evaluator, error) {
	cand, err := a.candidate(ctx)
	if err != nil {
		return nil, err
	}
	c, err := a.engine.CompileWith(ctx, 0, cand.modules, cand.params)
	if err != nil {
		return nil, invalid(err)
	}
	return &fixed{engine: a.engine, c: c}, nil
}

// Rules is the rule catalogue of the active revision.
func (a *Authoring) Rules() []RuleInfo {
	active := a.engine.Active()
	if active == nil {
		return nil
	}
	var out []RuleInfo
	for _, m := range active.Modules {
		out = append(out, rulesOf(m)...)
	}
	return out
}

// fixed evaluates one compiled set, whatever is active.
type fixed struct {
	engine *Engine
	c      *Compiled
}

func (f *fixed) Evaluate(ctx context.Context, in *compliance.Input) (compliance.Evaluation, error) {
	doc, err := f.engine.document(in)
	if err != nil {
		return compliance.Evaluation{}, err
	}
	return f.c.evaluate(ctx, f.engine.timeout, in.Event, doc)
}

func (f *fixed) View(ctx context.Context, in *compliance.Input) (compliance.TimeView, error) {
	return compliance.TimeView{}, errors.New("policy: a dry run has no view")
}
