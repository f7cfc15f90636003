package admin

import (
	"context"

	"loginguard/shared/domain"
	"loginguard/shared/secret"
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
// org has no such app).
func (s *Service) DeleteApp(ctx context.Context, orgID, clientID string) error {
	return s.Store.DeleteApp(ctx, OrgID(orgID), clientID)
}
