package admin

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"loginguard/shared/account"
	"loginguard/shared/domain"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
	"loginguard/shared/sessions"
)

// NewApp is a connected app just created, with its client secret in clear:
// it is stored only as a digest, so this is the one time it can be shown.
type NewApp struct {
	domain.ConnectedApp
	ClientSecret string
}

// AppSpec is a connected app to create: its name, its OAuth policy, and
// for a well-known public app (the Salesforce CLI's PlatformCLI) the
// client id it is known by.
type AppSpec struct {
	Name     string
	ClientID string // "" for a generated one; only a public app may choose
	OAuth    policy.OAuthApp
}

// ErrClientIDChosen: only a public app may choose its client id.
var ErrClientIDChosen = invalid(domain.CodeInvalidField,
	"Only a public app (--public) may choose its client id: a confidential app's is generated with its secret.")

// CreateApp creates a connected app (an OAuth client) of an org. A
// confidential app gets a generated client id and secret (shown once); a
// public app has no secret.
func (s *Service) CreateApp(ctx context.Context, actor account.Actor, orgID string, spec AppSpec) (NewApp, error) {
	if err := s.allow(ctx, actor, policy.AdminConnectedApps, OrgID(orgID), spec.Name); err != nil {
		return NewApp{}, err
	}
	if err := CheckName(spec.Name); err != nil {
		return NewApp{}, err
	}
	if spec.OAuth.Public {
		spec.OAuth.RequirePKCE = true
	}
	if err := invalidSettings(spec.OAuth.Validate()); err != nil {
		return NewApp{}, err
	}
	id, sec, err := secret.NewClientCredentials(s.Rand)
	if err != nil {
		return NewApp{}, err
	}
	app := domain.ConnectedApp{ClientID: id, OrgID: OrgID(orgID), Name: spec.Name, CreatedAt: s.Now(), OAuth: spec.OAuth}
	switch {
	case spec.ClientID != "" && !spec.OAuth.Public:
		return NewApp{}, ErrClientIDChosen
	case spec.ClientID != "":
		if err := checkClientID(spec.ClientID); err != nil {
			return NewApp{}, err
		}
		app.ClientID = spec.ClientID
	}
	if spec.OAuth.Public {
		sec = "" // a public app keeps no secret
	} else {
		app.SecretHash = secret.Digest(secret.PurposeClientSecret, sec)
	}
	if err := s.Store.CreateApp(ctx, app); err != nil {
		return NewApp{}, err
	}
	return NewApp{ConnectedApp: app, ClientSecret: sec}, nil
}

// checkClientID accepts a chosen client id: 3 to 255 letters, digits,
// '.', '_' or '-'.
func checkClientID(id string) error {
	if len(id) < 3 || len(id) > 255 || strings.Trim(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != "" {
		return invalid(domain.CodeInvalidField, fmt.Sprintf("The client id %q must be 3 to 255 letters, digits, '.', '_' or '-'.", id))
	}
	return nil
}

// Apps lists an org's connected apps.
func (s *Service) Apps(ctx context.Context, actor account.Actor, orgID string) ([]domain.ConnectedApp, error) {
	if err := s.allow(ctx, actor, policy.AdminReadSetup, OrgID(orgID), OrgID(orgID)); err != nil {
		return nil, err
	}
	return s.Store.Apps(ctx, OrgID(orgID))
}

// DeleteApp deletes a connected app of an org (domain.ErrNotFound when the
// org has no such app) and ends every session its logins opened. Deleting
// an app already deleted ends what is left of its sessions (after a failure).
func (s *Service) DeleteApp(ctx context.Context, actor account.Actor, orgID, clientID string) (sessions.Report, error) {
	orgID = OrgID(orgID)
	if err := s.allow(ctx, actor, policy.AdminConnectedApps, orgID, clientID); err != nil {
		return sessions.Report{}, err
	}
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
