package notify

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"powercheck/internal/compliance"
)

// fanOutBatch is how many events one pass of Deliver reads at a time.
const fanOutBatch = 100

// Deliver routes the events not yet routed to the inboxes of their
// recipients and returns how many events it routed. Any number of nodes may
// run it at once: a notification is unique per event and account, so an
// event routed twice is still in each inbox once. The events read at once
// are routed in one transaction, each group of recipients read once.
func (s *Service) Deliver(ctx context.Context) (int, error) {
	n := 0
	for {
		events, err := s.store.UnroutedEvents(ctx, fanOutBatch)
		if err != nil || len(events) == 0 {
			return n, err
		}
		rs, err := s.Routes(ctx)
		if err != nil {
			return n, err
		}
		members := &memberCache{store: s.store}
		var ns []Notification
		seqs := make([]int64, len(events))
		for i, e := range events {
			of, err := s.notificationsOf(ctx, members, rs, e)
			if err != nil {
				return n, fmt.Errorf("route event %s: %w", e.ID, err)
			}
			ns = append(ns, of...)
			seqs[i] = e.Seq
		}
		if err := s.store.RouteEvents(ctx, seqs, ns); err != nil {
			return n, fmt.Errorf("route %d events from %s: %w", len(events), events[0].ID, err)
		}
		n += len(events)
		if len(events) < fanOutBatch || ctx.Err() != nil {
			return n, ctx.Err()
		}
	}
}

// memberCache reads each group of recipients once for the events routed
// together.
type memberCache struct {
	store  Store
	groups map[string][]Member
	one    map[string]*Member // nil: no such active account
}

// active is ActiveMembers, read once per roles and department.
func (m *memberCache) active(ctx context.Context, roles []compliance.Role, dept string) ([]Member, error) {
	key := fmt.Sprint(roles, "/", dept)
	if ms, ok := m.groups[key]; ok {
		return ms, nil
	}
	ms, err := m.store.ActiveMembers(ctx, roles, dept)
	if err != nil {
		return nil, err
	}
	if m.groups == nil {
		m.groups = map[string][]Member{}
	}
	m.groups[key] = ms
	return ms, nil
}

// member is ActiveMember, read once per username; nil when there is no
// such active account.
func (m *memberCache) member(ctx context.Context, username string) (*Member, error) {
	if p, ok := m.one[username]; ok {
		return p, nil
	}
	var p *Member
	switch got, err := m.store.ActiveMember(ctx, username); {
	case errors.Is(err, compliance.ErrNotFound):
	case err != nil:
		return nil, err
	default:
		p = &got
	}
	if m.one == nil {
		m.one = map[string]*Member{}
	}
	m.one[username] = p
	return p, nil
}

// notificationsOf returns one notification for each recipient of e.
func (s *Service) notificationsOf(ctx context.Context, members *memberCache, rs Routes, e compliance.Event) ([]Notification, error) {
	who, err := recipients(ctx, members, rs, e)
	if err != nil {
		return nil, err
	}
	title, summary, link := describe(e)
	title, summary = cut(title, 120), cut(summary, 500)
	ns := make([]Notification, 0, len(who))
	for _, u := range who {
		ns = append(ns, Notification{EventID: e.ID, Event: e.Name, At: e.At, Title: title, Summary: summary, Link: link,
			Account: u, Department: e.Department})
	}
	return ns, nil
}

// recipients returns the usernames that hear e, each once, sorted.
func recipients(ctx context.Context, members *memberCache, rs Routes, e compliance.Event) ([]string, error) {
	f := factsOf(e)
	var roles []compliance.Role
	handler := false
	for _, r := range rs.Routes {
		if !r.matches(e, f) {
			continue
		}
		for _, role := range r.Roles {
			roles = append(roles, compliance.Role(role))
		}
		if r.Approver && f.approverRole.Valid() {
			roles = append(roles, f.approverRole)
		}
		handler = handler || r.Handler
	}
	slices.Sort(roles)
	roles = slices.Compact(roles)
	var out []string
	var dept, district []compliance.Role
	for _, r := range roles {
		if r.DepartmentScoped() {
			dept = append(dept, r)
		} else {
			district = append(district, r)
		}
	}
	for _, g := range []struct {
		roles []compliance.Role
		dept  string
	}{{district, ""}, {dept, e.Department}} {
		if len(g.roles) == 0 {
			continue
		}
		ms, err := members.active(ctx, g.roles, g.dept)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			out = append(out, m.Username)
		}
	}
	if handler && e.Account != "" {
		m, err := members.member(ctx, e.Account)
		switch {
		case err != nil:
			return nil, err
		case m == nil:
		// A department's account hears only its own department's events.
		case !m.Role.DepartmentScoped() || m.Department == e.Department:
			out = append(out, m.Username)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
