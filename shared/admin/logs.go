package admin

import (
	"context"

	"loginguard/shared/domain"
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

// History lists login history, newest first.
func (s *Service) History(ctx context.Context, q HistoryQuery) ([]domain.LoginEvent, error) {
	if err := q.Check(); err != nil {
		return nil, err
	}
	f := domain.HistoryFilter{Username: q.Tried, Limit: int32(q.Limit)}
	if q.Org != "" {
		f.OrgID = OrgID(q.Org)
	}
	if q.User != "" {
		u, err := s.Store.User(ctx, q.User)
		if err != nil {
			return nil, err
		}
		f.UserID = u.ID
	}
	return s.Store.History(ctx, f)
}

// AuditTrail lists an org's audit trail, newest first: every credential
// change and refusal.
func (s *Service) AuditTrail(ctx context.Context, orgID string, limit int) ([]domain.AuditEvent, error) {
	if err := CheckLimit(limit); err != nil {
		return nil, err
	}
	return s.Store.AuditTrail(ctx, OrgID(orgID), int32(limit))
}
