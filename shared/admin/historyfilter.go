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
// and its download and the admin API's /login-history read history
// through it (FilteredHistory), so they filter and page alike.
type LineFilter struct {
	Since  time.Time // inclusive; zero: no lower bound
	Before time.Time // exclusive; zero: no upper bound
	// Outcome is "success", "failed" or "" (both), in any case.
	Outcome string
	// LoginType is SOAP, REST, UI or "" (every type), in any case.
	LoginType string
}

// ErrOutcome: an outcome filter other than success or failed.
var ErrOutcome = &domain.Error{Code: domain.CodeInvalidQuery, Message: "The outcome must be Success or Failed."}

// ErrLoginType: a login type filter other than SOAP, REST or UI.
var ErrLoginType = &domain.Error{Code: domain.CodeInvalidQuery, Message: "The login type must be SOAP, REST or UI."}

// Check refuses an outcome or login type that no line has: the console,
// whose form offers only those, refuses anything else.
func (f LineFilter) Check() error {
	if err := f.checkOutcome(); err != nil {
		return err
	}
	switch strings.ToUpper(strings.TrimSpace(f.LoginType)) {
	case "", policy.LoginSOAP, policy.LoginREST, policy.LoginUI:
	default:
		return ErrLoginType
	}
	return nil
}

// checkOutcome refuses an outcome Keeps cannot apply (it would keep every
// line). A login type no line has needs no refusal: it keeps none.
func (f LineFilter) checkOutcome() error {
	switch strings.ToLower(strings.TrimSpace(f.Outcome)) {
	case "", "success", "failed":
		return nil
	}
	return ErrOutcome
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

// HistoryPage is one page of a filtered listing: its lines, newest first,
// and the cursor of the next page (a line's ID, for HistoryQuery.Before;
// "" on the last page).
type HistoryPage struct {
	Lines []domain.LoginEvent
	Next  string
}

// FilteredHistory is a page of History narrowed by f: at most q.Limit
// lines f keeps, newest first, from q.Before on. The store filters by
// subject only, so with a filter one page reads a window of MaxLines lines
// (without, q.Limit); a page that ends before its window does carries on
// from its last line, one whose window ran out from the window's last, so
// paging reaches every line. It stops at the first line older than
// f.Since: none after it can be kept. It refuses an unknown outcome but
// not an unknown login type (an empty page): the admin API documents the
// type as open (SOAP, REST, UI, ...); the console checks its form itself.
func (s *Service) FilteredHistory(ctx context.Context, actor account.Actor, q HistoryQuery, f LineFilter) (HistoryPage, error) {
	if err := f.checkOutcome(); err != nil {
		return HistoryPage{}, err
	}
	limit := q.Limit
	if err := CheckLimit(limit); err != nil {
		return HistoryPage{}, err
	}
	if !f.Empty() {
		q.Limit = MaxLines
	}
	read, err := s.History(ctx, actor, q)
	if err != nil {
		return HistoryPage{}, err
	}
	return f.page(read, limit, q.Limit), nil
}

// page is the lines of read (newest first, a window of window lines) that
// f keeps, at most limit, and where the next page starts.
func (f LineFilter) page(read []domain.LoginEvent, limit, window int) HistoryPage {
	var p HistoryPage
	for i, e := range read {
		if !f.Since.IsZero() && e.At.Before(f.Since) {
			return p
		}
		if !f.Keeps(e) {
			continue
		}
		if p.Lines = append(p.Lines, e); len(p.Lines) == limit {
			if i < len(read)-1 || len(read) == window {
				p.Next = e.ID
			}
			return p
		}
	}
	if len(read) == window && len(read) > 0 {
		p.Next = read[len(read)-1].ID
	}
	return p
}

// ExportHistory is FilteredHistory for a download (a CSV file): the
// action is AdminExportHistory (so the org's "View Event Log Files"
// identity-verification policy applies), and the export is written to the
// audit trail. A download whose audit line cannot be written is refused:
// no export goes unrecorded.
func (s *Service) ExportHistory(ctx context.Context, actor account.Actor, q HistoryQuery, f LineFilter) (HistoryPage, error) {
	q.Export = true
	p, err := s.FilteredHistory(ctx, actor, q, f)
	if err != nil {
		return HistoryPage{}, err
	}
	target := q.User
	if target == "" {
		target = OrgID(q.Org)
	}
	ev := actor.AuditEvent(s.Now(), "", "", target, string(policy.AdminExportHistory), account.OutcomeDone)
	if err := s.Store.Audit(ctx, ev); err != nil {
		return HistoryPage{}, err
	}
	return p, nil
}
