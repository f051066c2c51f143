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
// event routed twice is still in each inbox once.
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
		for _, e := range events {
			ns, err := s.notificationsOf(ctx, rs, e)
			if err != nil {
				return n, fmt.Errorf("route event %s: %w", e.ID, err)
			}
			if err := s.store.RouteEvent(ctx, e.Seq, ns); err != nil {
				return n, fmt.Errorf("route event %s: %w", e.ID, err)
			}
			n++
		}
		if len(events) < fanOutBatch || ctx.Err() != nil {
			return n, ctx.Err()
		}
	}
}

// notificationsOf returns one notification for each recipient of e.
func (s *Service) notificationsOf(ctx context.Context, rs Routes, e compliance.Event) ([]Notification, error) {
	who, err := s.recipients(ctx, rs, e)
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
func (s *Service) recipients(ctx context.Context, rs Routes, e compliance.Event) ([]string, error) {
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
		ms, err := s.store.ActiveMembers(ctx, g.roles, g.dept)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			out = append(out, m.Username)
		}
	}
	if handler && e.Account != "" {
		m, err := s.store.ActiveMember(ctx, e.Account)
		switch {
		case errors.Is(err, compliance.ErrNotFound):
		case err != nil:
			return nil, err
		// A department's account hears only its own department's events.
		case !m.Role.DepartmentScoped() || m.Department == e.Department:
			out = append(out, m.Username)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
