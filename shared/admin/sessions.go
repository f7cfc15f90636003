package admin

import (
	"context"

	"loginguard/shared/domain"
	"loginguard/shared/sessions"
)

// SessionsOf lists the live sessions of a user (username set) or of an org,
// newest first.
func (s *Service) SessionsOf(ctx context.Context, orgID, username string) ([]domain.Session, error) {
	if username == "" {
		return s.Sessions.List(ctx, OrgID(orgID), "")
	}
	u, err := s.Store.User(ctx, username)
	if err != nil {
		return nil, err
	}
	return s.Sessions.List(ctx, u.OrgID, u.ID)
}

// EndSession ends the session with reference ref (domain.Session.Ref) in an org.
func (s *Service) EndSession(ctx context.Context, orgID, ref string) (domain.Session, error) {
	return s.Sessions.End(ctx, OrgID(orgID), "", ref)
}

// EndUserSessions ends every session of a user; running it again after a
// failure finishes the job.
func (s *Service) EndUserSessions(ctx context.Context, username string) (sessions.Report, error) {
	u, err := s.Store.User(ctx, username)
	if err != nil {
		return sessions.Report{}, err
	}
	return s.Sessions.EndAll(ctx, u.Username)
}
