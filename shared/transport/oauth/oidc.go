package oauth

// OpenID Connect on the OAuth function: the discovery document and the key
// set are public documents (no token, no secret; cached for five minutes,
// readable from any origin),
// served only when an id_token key is configured, and IDTokenFor is the
// one place a user becomes an id_token's claims.

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"loginguard/shared/domain"
	"loginguard/shared/oidc"
	"loginguard/shared/transport/apigw"
)

// The OpenID Connect routes, as template.yaml declares them.
const (
	RouteDiscovery = "GET /.well-known/openid-configuration"
	RouteKeys      = "GET /id/keys"
)

// IDTokenLifetime is how long an id_token is valid. A client checks it once,
// on receipt (it is no session: the access token is); the margin covers a
// client whose clock runs some minutes ahead.
const IDTokenLifetime = 15 * time.Minute

// ErrNoIDTokens: no id_token key is configured (ID_TOKEN_KMS_KEY).
var ErrNoIDTokens = errors.New("oauth: no id_token key is configured")

// IDTokenFor is the id_token of u for the client clientID, issued by base
// (the login URL's origin) at now: the subject is u's id URL, nonce is the
// authorization request's ("" for none), accessToken the one issued with it
// (bound by at_hash; "" for none), authTime when u authenticated.
func IDTokenFor(ctx context.Context, s oidc.Signer, base string, u domain.User, clientID, nonce, accessToken string, authTime, now time.Time) (string, error) {
	if s == nil {
		return "", ErrNoIDTokens
	}
	return oidc.IDToken(ctx, s, oidc.Claims{
		Issuer: base, Subject: apigw.IdentityURL(base, u.OrgID, u.ID), Audience: clientID,
		IssuedAt: now, Expiry: now.Add(IDTokenLifetime), AuthTime: authTime, Nonce: nonce, AccessToken: accessToken,
		Name: u.FullName(), GivenName: u.FirstName, FamilyName: u.LastName, PreferredUsername: u.Username,
		// As userinfo says it: the address is the one the user's mail reaches.
		Email: u.Email, EmailVerified: u.Email != "", Zoneinfo: u.TimeZone, Locale: u.Locale,
	})
}

// Minter mints the token endpoint's id_tokens (authz.IDTokenMinter) with
// Signer, as IDTokenFor.
type Minter struct{ Signer oidc.Signer }

// IDToken is IDTokenFor with m's signer.
func (m Minter) IDToken(ctx context.Context, base string, u domain.User, clientID, nonce, accessToken string, authTime, now time.Time) (string, error) {
	return IDTokenFor(ctx, m.Signer, base, u, clientID, nonce, accessToken, authTime, now)
}

// openID answers the discovery document and the key set; 404 without an
// id_token key, as a deployment that signs none offers neither.
func (h *Handler) openID(req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, string) {
	if h.IDTokens == nil {
		return textResponse(404, "Not Found"), "NO_ID_TOKENS"
	}
	var body []byte
	if req.RouteKey == RouteDiscovery {
		body = oidc.Discovery(apigw.BaseURL(req))
	} else {
		body = oidc.JWKS(h.IDTokens.Public())
	}
	resp := jsonResponse(200, body)
	resp.Headers["Cache-Control"] = "public, max-age=300"
	// A browser-based client reads them from its own origin; they hold
	// nothing a page of any origin may not see.
	resp.Headers["Access-Control-Allow-Origin"] = "*"
	delete(resp.Headers, "Pragma")
	return resp, "OPENID_DOCUMENT"
}
