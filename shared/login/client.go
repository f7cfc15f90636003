package login

import (
	"context"
	"errors"

	"loginguard/shared/domain"
	"loginguard/shared/secret"
)

// AppStore reads connected apps (OAuth clients).
type AppStore interface {
	App(ctx context.Context, clientID string) (domain.ConnectedApp, error)
}

// Errors of client authentication.
var (
	ErrUnknownClient = &domain.Error{Code: domain.CodeUnknownClient, Reason: "UNKNOWN_CLIENT", Message: "client identifier invalid"}
	ErrBadClient     = &domain.Error{Code: domain.CodeBadClient, Reason: "INVALID_CLIENT_SECRET", Message: "invalid client credentials"}
	// ErrPublicClient: a public app (no secret) asked for the password
	// grant; it logs users in through the browser (code with PKCE).
	ErrPublicClient = &domain.Error{Code: domain.CodePublicClient, Reason: "PUBLIC_CLIENT", Message: "a public app cannot use the password grant"}
)

// AuthenticateClient checks a confidential OAuth client's id and secret (compared in
// constant time against the stored digest). It runs before the user's
// login, so a wrong client never counts toward a user's lockout.
func AuthenticateClient(ctx context.Context, st AppStore, clientID, clientSecret string) (domain.ConnectedApp, error) {
	app, err := st.App(ctx, clientID)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.ConnectedApp{}, ErrUnknownClient
	}
	if err != nil {
		return domain.ConnectedApp{}, internal(err)
	}
	if app.OAuth.Public {
		return domain.ConnectedApp{}, ErrPublicClient
	}
	if !secret.MatchDigest(secret.PurposeClientSecret, clientSecret, app.SecretHash) {
		return domain.ConnectedApp{}, ErrBadClient
	}
	return app, nil
}
