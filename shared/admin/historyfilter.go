package admin

import (
	"context"
	"strings"
	"time"

	"loginguard/shared/account"
	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

// LineFilter narrows a login history listing beyond its subject: a time
// window, an outcome and a login type. The console's Login History page
// and its download read history through it; the admin API's
// /login-history can too (FilteredHistory), so both filter alike.
type LineFilter struct {
	Since  time.Time // inclusive; zero: no lower bound
	Before time.Time // exclusive (a page's cursor: the last line's time); zero: none
	// Outcome is "success", "failed" or "" (both), in any case.
	Outcome string
	// LoginType is SOAP, REST, UI or "" (every type), in any case.
	LoginType string
}

// ErrOutcome: an outcome filter other than success or failed.
var ErrOutcome = &domain.Error{Code: domain.CodeInvalidQuery, Message: "The outcome must be Success or Failed."}

// ErrLoginType: a login type filter other than SOAP, REST or UI.
var ErrLoginType = &domain.Error{Code: domain.CodeInvalidQuery, Message: "The login type must be SOAP, REST or UI."}

// Check refuses an outcome or login type that no line has.
func (f LineFilter) Check() error {
	switch strings.ToLower(strings.TrimSpace(f.Outcome)) {
	case "", "success", "failed":
	default:
		return ErrOutcome
	}
	switch strings.ToUpper(strings.TrimSpace(f.LoginType)) {
	case "", policy.LoginSOAP, policy.LoginREST, policy.LoginUI:
	default:
		return ErrLoginType
	}
	return nil
}

// Empty: the filter keeps every line.
func (f LineFilter) Empty() bool {
	return f.Since.IsZero() && f.Before.IsZero() && strings.TrimSpace(f.Outcome) == "" && strings.TrimSpace(f.LoginType) == ""
}

// Keeps: e passes the filter.
func (f LineFilter) Keeps(e domain.LoginEvent) bool {
	outcome := strings.ToLower(strings.TrimSpace(f.Outcome))
	loginType := strings.TrimSpace(f.LoginType)
	switch {
	case !f.Since.IsZero() && e.At.Before(f.Since), !f.Before.IsZero() && !e.At.Before(f.Before),
		outcome == "success" && !e.Allowed, outcome == "failed" && e.Allowed,
		loginType != "" && !strings.EqualFold(strings.TrimSpace(e.LoginType), loginType):
		return false
	}
	return true
}

// FilteredHistory is History narrowed by f: at most q.Limit lines, newest
// first, of those f keeps among the subject's latest MaxLines lines (the
// store filters nothing but the subject, so a filter reads MaxLines).
func (s *Service) FilteredHistory(ctx context.Context, actor account.Actor, q HistoryQuery, f LineFilter) ([]domain.LoginEvent, error) {
	if err := f.Check(); err != nil {
		return nil, err
	}
	limit := q.Limit
	if err := CheckLimit(limit); err != nil {
		return nil, err
	}
	if !f.Empty() {
		q.Limit = MaxLines
	}
	evs, err := s.History(ctx, actor, q)
	if err != nil {
		return nil, err
	}
	kept := evs[:0]
	for _, e := range evs {
		if !f.Keeps(e) {
			continue
		}
		if kept = append(kept, e); len(kept) == limit {
			break
		}
	}
	return kept, nil
}

// ExportHistory is FilteredHistory for a download (a CSV file): the
// action is AdminExportHistory (so the org's "View Event Log Files"
// identity-verification policy applies), and the export is written to the
// audit trail. A download whose audit line cannot be written is refused:
// no export goes unrecorded.
func (s *Service) ExportHistory(ctx context.Context, actor account.Actor, q HistoryQuery, f LineFilter) ([]domain.LoginEvent, error) {
	q.Export = true
	evs, err := s.FilteredHistory(ctx, actor, q, f)
	if err != nil {
		return nil, err
	}
	target := q.User
	if target == "" {
		target = OrgID(q.Org)
	}
	ev := actor.AuditEvent(s.Now(), "", "", target, string(policy.AdminExportHistory), account.OutcomeDone)
	if err := s.Store.Audit(ctx, ev); err != nil {
		return nil, err
	}
	return evs, nil
}
