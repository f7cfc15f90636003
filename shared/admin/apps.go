package admin

import (
	"context"
	"errors"

	"loginguard/shared/domain"
	"loginguard/shared/secret"
	"loginguard/shared/sessions"
)

// NewApp is a connected app just created, with its client secret in clear:
// it is stored only as a digest, so this is the one time it can be shown.
type NewApp struct {
	domain.ConnectedApp
	ClientSecret string
}

// CreateApp creates a connected app (an OAuth client) of an org.
func (s *Service) CreateApp(ctx context.Context, orgID, name string) (NewApp, error) {
	if err := CheckName(name); err != nil {
		return NewApp{}, err
	}
	id, sec, err := secret.NewClientCredentials(s.Rand)
	if err != nil {
		return NewApp{}, err
	}
	app := domain.ConnectedApp{ClientID: id, OrgID: OrgID(orgID), Name: name, CreatedAt: s.Now(),
		SecretHash: secret.Digest(secret.PurposeClientSecret, sec)}
	if err := s.Store.CreateApp(ctx, app); err != nil {
		return NewApp{}, err
	}
	return NewApp{ConnectedApp: app, ClientSecret: sec}, nil
}

// Apps lists an org's connected apps.
func (s *Service) Apps(ctx context.Context, orgID string) ([]domain.ConnectedApp, error) {
	return s.Store.Apps(ctx, OrgID(orgID))
}

// DeleteApp deletes a connected app of an org (domain.ErrNotFound when the
// org has no such app) and ends every session its logins opened. Deleting
// an app already deleted ends what is left of its sessions (after a failure).
func (s *Service) DeleteApp(ctx context.Context, orgID, clientID string) (sessions.Report, error) {
	orgID = OrgID(orgID)
	err := s.Store.DeleteApp(ctx, orgID, clientID)
	if errors.Is(err, domain.ErrNotFound) {
		// Gone already: a retry still finishes ending its sessions.
		r, sweepErr := s.Sessions.EndApp(ctx, orgID, clientID)
		if sweepErr != nil || r.Ended > 0 {
			return r, sweepErr
		}
		return r, err
	}
	if err != nil {
		return sessions.Report{}, err
	}
	return s.Sessions.EndApp(ctx, orgID, clientID)
}
