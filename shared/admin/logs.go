package admin

import (
	"context"

	"loginguard/shared/account"
	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

// MaxLines bounds one history or audit query.
const MaxLines = 1000

// The refusals of a query.
var (
	ErrOneSubject = &domain.Error{Code: domain.CodeInvalidQuery,
		Message: "give exactly one of a user, a user name tried, or an org"}
	ErrLimit = &domain.Error{Code: domain.CodeInvalidLimit, Message: "the limit must be from 1 to 1000"}
)

// HistoryQuery asks for login history of exactly one subject.
type HistoryQuery struct {
	User  string // an existing user's user name
	Tried string // a user name that matched nobody
	Org   string // an org's id: every user of the org
	Limit int    // at most this many lines, newest first
	// Before continues a listing: lines older than the one whose Key it is.
	Before string
	// Export: the lines are for download (a CSV file, Salesforce's
	// "Download"), which is AdminExportHistory and so passes the org's
	// "View Event Log Files" identity-verification policy.
	Export bool
}

// Check is the query's rules; History runs it first.
func (q HistoryQuery) Check() error {
	n := 0
	for _, v := range []string{q.User, q.Tried, q.Org} {
		if v != "" {
			n++
		}
	}
	if n != 1 {
		return ErrOneSubject
	}
	return CheckLimit(q.Limit)
}

// CheckLimit refuses a number of lines outside 1 to MaxLines.
func CheckLimit(limit int) error {
	if limit < 1 || limit > MaxLines {
		return ErrLimit
	}
	return nil
}

// ErrTriedOfNoOrg: the history of a user name that matched nobody is of
// no org, so only the CLI reads it.
var ErrTriedOfNoOrg = &domain.Error{Code: domain.CodeNotPermitted,
	Message: "The login history of a user name that matched nobody belongs to no org: only the operator's lgadmin reads it."}

// History lists login history, newest first.
func (s *Service) History(ctx context.Context, actor account.Actor, q HistoryQuery) ([]domain.LoginEvent, error) {
	if err := q.Check(); err != nil {
		return nil, err
	}
	f := domain.HistoryFilter{Username: q.Tried, Limit: int32(q.Limit), Before: q.Before}
	act := policy.AdminReadHistory
	if q.Export {
		act = policy.AdminExportHistory
	}
	switch {
	case q.Org != "":
		f.OrgID = OrgID(q.Org)
		if err := s.allow(ctx, actor, act, f.OrgID, f.OrgID); err != nil {
			return nil, err
		}
	case q.User != "":
		u, err := s.userFor(ctx, actor, act, q.User)
		if err != nil {
			return nil, err
		}
		f.UserID = u.ID
	case !actor.IsCLI():
		return nil, s.refuse(ctx, actor, act, q.Tried, ErrTriedOfNoOrg)
	}
	return s.Store.History(ctx, f)
}

// AuditTrail lists an org's audit trail, newest first: every credential
// change and refusal.
func (s *Service) AuditTrail(ctx context.Context, actor account.Actor, orgID string, limit int) ([]domain.AuditEvent, error) {
	return s.AuditTrailBefore(ctx, actor, orgID, "", limit)
}

// AuditTrailBefore lists an org's audit trail, newest first, from the line
// older than the one whose Key before is ("": from the newest).
func (s *Service) AuditTrailBefore(ctx context.Context, actor account.Actor, orgID, before string, limit int) ([]domain.AuditEvent, error) {
	if err := CheckLimit(limit); err != nil {
		return nil, err
	}
	if err := s.allow(ctx, actor, policy.AdminReadAudit, OrgID(orgID), OrgID(orgID)); err != nil {
		return nil, err
	}
	return s.Store.AuditTrailBefore(ctx, OrgID(orgID), before, int32(limit))
}
