package policy

import (
	"context"

	"powercheck/internal/compliance"
)

// ParamChanges lists the rule parameters the drafts change against the
// active revision: what a dry run of the candidate compares.
func (a *Authoring) ParamChanges(ctx context.Context) ([]compliance.ParamChange, error) {
	cand, err := a.candidate(ctx)
	if err != nil {
		return nil, err
	}
	var active []byte
	if c := a.engine.Active(); c != nil {
		active = c.Params
	}
	return paramChanges(active, cand.params), nil
}

// Params returns the rule parameters in force, the draft and the schema.
func (a *Authoring) Params(ctx context.Context) (compliance.ParamsState, error) {
	active := a.engine.Active()
	if active == nil {
		return compliance.ParamsState{}, ErrNoPolicies
	}
	drafts, err := a.store.Drafts(ctx)
	if err != nil {
		return compliance.ParamsState{}, err
	}
	st := compliance.ParamsState{Revision: active.Revision, Active: effectiveParams(active.Params), Schema: ParamsSchema()}
	if d, ok := paramsDraft(drafts); ok {
		at := d.UpdatedAt
		st.Draft, st.UpdatedBy, st.UpdatedAt = []byte(d.Source), d.UpdatedBy, &at
	}
	return st, nil
}

// SaveParams validates doc against the parameters' schema and saves it as
// the draft of the parameters, published with the module drafts. Nothing
// is saved when validation fails.
func (a *Authoring) SaveParams(ctx context.Context, by string, doc []byte) (compliance.ParamsState, error) {
	canon, err := ValidateParams(doc)
	if err != nil {
		return compliance.ParamsState{}, err
	}
	cand, err := a.candidate(ctx)
	if err != nil {
		return compliance.ParamsState{}, err
	}
	// The modules must still compile with the new numbers.
	if _, err := a.engine.CompileWith(ctx, 0, cand.modules, canon); err != nil {
		return compliance.ParamsState{}, invalid(err)
	}
	d := compliance.PolicyDraft{Module: ParamsDraft, Source: string(canon), UpdatedBy: by, UpdatedAt: a.now().UTC()}
	if err := a.store.SaveDraft(ctx, d); err != nil {
		return compliance.ParamsState{}, err
	}
	return a.Params(ctx)
}
