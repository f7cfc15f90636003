package admin

import (
	"context"

	"loginguard/shared/account"
	"loginguard/shared/domain"
	"loginguard/shared/policy"
	"loginguard/shared/sessions"
)

// SessionsOf lists the live sessions of a user (username set) or of an org,
// newest first.
func (s *Service) SessionsOf(ctx context.Context, actor account.Actor, orgID, username string) ([]domain.Session, error) {
	if username == "" {
		if err := s.allow(ctx, actor, policy.AdminReadSetup, OrgID(orgID), OrgID(orgID)); err != nil {
			return nil, err
		}
		return s.Sessions.List(ctx, OrgID(orgID), "")
	}
	u, err := s.userFor(ctx, actor, policy.AdminReadSetup, username)
	if err != nil {
		return nil, err
	}
	return s.Sessions.List(ctx, u.OrgID, u.ID)
}

// EndSession ends the session with reference ref (domain.Session.Ref) in an org.
func (s *Service) EndSession(ctx context.Context, actor account.Actor, orgID, ref string) (domain.Session, error) {
	if err := s.allow(ctx, actor, policy.AdminSessions, OrgID(orgID), ref); err != nil {
		return domain.Session{}, err
	}
	return s.Sessions.End(ctx, OrgID(orgID), "", ref)
}

// EndUserSessions ends every session of a user; running it again after a
// failure finishes the job.
func (s *Service) EndUserSessions(ctx context.Context, actor account.Actor, username string) (sessions.Report, error) {
	u, err := s.userFor(ctx, actor, policy.AdminSessions, username)
	if err != nil {
		return sessions.Report{}, err
	}
	return s.Sessions.EndAll(ctx, u.Username)
}
