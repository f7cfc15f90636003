// Package authz is the OAuth 2.0 authorization server's use case: the
// web-server flow (authorization code with PKCE, RFC 6749 §4.1 and RFC 7636)
// that the login page runs, the code's redemption and the refresh token
// grant that the token endpoint runs, and the refresh token's revocation.
// The login decision itself is the login page's (shared/login.Browser): an
// authorization is issued only to a browser session that decision opened.
package authz

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/secret"
)

// Store is what the flow needs of storage.
type Store interface {
	App(ctx context.Context, clientID string) (domain.ConnectedApp, error)
	UserByID(ctx context.Context, id string) (domain.User, error)
	PutAuthRequest(ctx context.Context, r domain.AuthRequest) error
	AuthRequest(ctx context.Context, idHash string, now time.Time) (domain.AuthRequest, error)
	EndAuthRequest(ctx context.Context, idHash string) error
	PutAuthCode(ctx context.Context, c domain.AuthCode) error
	AuthCode(ctx context.Context, idHash string, now time.Time) (domain.AuthCode, error)
	ClaimAuthCode(ctx context.Context, c domain.AuthCode, now time.Time) (domain.AuthCode, error)
	PutRefreshToken(ctx context.Context, t domain.RefreshToken) error
	RefreshToken(ctx context.Context, idHash string, now time.Time) (domain.RefreshToken, error)
	UseRefreshToken(ctx context.Context, t domain.RefreshToken, next string, now time.Time) error
	DeleteRefreshToken(ctx context.Context, idHash string) (domain.RefreshToken, error)
	EndRefreshChain(ctx context.Context, idHash string) (int, error)
	Approved(ctx context.Context, userID, clientID string) (bool, error)
	Approve(ctx context.Context, userID, orgID, clientID string, at time.Time) error
	OpenSession(ctx context.Context, s domain.Session, ev domain.LoginEvent) error
	EndSession(ctx context.Context, idHash string, loginTypes []string, now time.Time) error
	Record(ctx context.Context, ev domain.LoginEvent) error
}

// Service runs the flow. Build it once per process.
type Service struct {
	Store Store
	Rand  io.Reader
	Now   func() time.Time
	Log   *slog.Logger
	// IDTokens mints OpenID Connect id_tokens; nil: the openid scope
	// gives none.
	IDTokens IDTokenMinter
}

// IDTokenMinter makes an id_token for u, logged in at authTime, to the
// app clientID, beside accessToken (its at_hash), for issuer base.
type IDTokenMinter interface {
	IDToken(ctx context.Context, base string, u domain.User, clientID, nonce, accessToken string, authTime, now time.Time) (string, error)
}

// Lifetimes.
const (
	RequestTTL = 10 * time.Minute // from /authorize to the code: the login page's time
	CodeTTL    = 2 * time.Minute  // a code is redeemed at once by its client
)

// Error is an OAuth error (RFC 6749 §4.1.2.1 and §5.2), with the HTTP
// status the token endpoint answers it with. Redirect is where an
// /authorize error goes (the request's registered redirect URI, its state
// added); "" for one shown on a page of ours: a request whose client or
// redirect URI cannot be trusted is never redirected.
type Error struct {
	Status      int
	Code        string
	Description string
	Redirect    string
}

func (e *Error) Error() string { return e.Code + ": " + e.Description }

func oauthErr(status int, code, desc string) *Error {
	return &Error{Status: status, Code: code, Description: desc}
}

// Errors of the token endpoint, in Salesforce's words where it has them.
var (
	ErrInvalidCode     = oauthErr(400, "invalid_grant", "invalid authorization code")
	ErrCodeVerifier    = oauthErr(400, "invalid_grant", "invalid code verifier")
	ErrRedirectMatch   = oauthErr(400, "invalid_grant", "redirect_uri must match configuration")
	ErrRefreshExpired  = oauthErr(400, "invalid_grant", "expired access/refresh token")
	ErrInactiveUser    = oauthErr(400, "invalid_grant", "inactive user")
	ErrUnknownClient   = oauthErr(400, "invalid_client_id", "client identifier invalid")
	ErrBadClientSecret = oauthErr(400, "invalid_client", "invalid client credentials")
	ErrUnauthorized    = oauthErr(400, "unauthorized_client", "this grant type is not allowed for this app")
	ErrUnexpected      = oauthErr(500, "server_error", "an unexpected error occurred; please try again")
)

func missing(param string) *Error {
	return oauthErr(400, "invalid_request", "missing required parameter: "+param)
}

// AuthorizeQuery is an /authorize request's parameters.
type AuthorizeQuery struct {
	ResponseType, ClientID, RedirectURI, Scope, State string
	CodeChallenge, CodeChallengeMethod, Nonce, Prompt string
}

// Begun is an /authorize request accepted: the id for the browser's
// cookie (clear; only its digest is stored) and the app.
type Begun struct {
	ID  string
	App domain.ConnectedApp
	Req domain.AuthRequest
}

// Begin checks an /authorize request and stores it for the login page.
// An *Error with no Redirect is shown on a page (an unknown client, a
// redirect URI the app does not list: never redirected to); one with a
// Redirect goes back to the app.
func (s *Service) Begin(ctx context.Context, q AuthorizeQuery) (Begun, error) {
	if q.ClientID == "" {
		return Begun{}, missing("client_id")
	}
	app, err := s.Store.App(ctx, q.ClientID)
	if errors.Is(err, domain.ErrNotFound) {
		return Begun{}, ErrUnknownClient
	}
	if err != nil {
		return Begun{}, domain.Internal(err)
	}
	if q.RedirectURI == "" {
		return Begun{}, missing("redirect_uri")
	}
	if !app.OAuth.Callback(q.RedirectURI) {
		return Begun{}, oauthErr(400, "redirect_uri_mismatch", "redirect_uri must match configuration")
	}
	back := func(code, desc string) error {
		return &Error{Status: 400, Code: code, Description: desc, Redirect: errorURL(q.RedirectURI, code, desc, q.State)}
	}
	if q.ResponseType != "code" {
		return Begun{}, back("unsupported_response_type", "response type not supported: only code is")
	}
	switch q.CodeChallengeMethod {
	case "", "S256":
	case "plain":
		return Begun{}, back("invalid_request", "code_challenge_method plain is not supported: use S256")
	default:
		return Begun{}, back("invalid_request", "unknown code_challenge_method: use S256")
	}
	switch {
	case q.CodeChallenge == "" && (app.OAuth.RequirePKCE || app.OAuth.Public):
		return Begun{}, back("invalid_request", "missing required code challenge: this app requires PKCE (S256)")
	case q.CodeChallenge != "" && (len(q.CodeChallenge) != 43 || !secret.ValidPKCE(q.CodeChallenge)):
		return Begun{}, back("invalid_request", "invalid code_challenge: the S256 challenge is 43 characters of A-Z, a-z, 0-9, -, _")
	}
	scopes, err := app.OAuth.Grant(q.Scope)
	if err != nil {
		return Begun{}, back("invalid_scope", err.Error())
	}
	prompts := strings.Fields(q.Prompt)
	if slices.Contains(prompts, "none") {
		// No page may be shown: this service always shows the login or the
		// approval, so it cannot answer silently.
		return Begun{}, back("login_required", "prompt=none is not supported: the user must log in")
	}
	if len(q.State) > 2048 || len(q.Nonce) > 512 {
		return Begun{}, back("invalid_request", "state or nonce too long")
	}
	id, err := secret.NewOpaque(s.Rand)
	if err != nil {
		return Begun{}, domain.Internal(err)
	}
	now := s.Now()
	r := domain.AuthRequest{IDHash: secret.Digest(secret.PurposeAuthRequest, id), ClientID: app.ClientID, RedirectURI: q.RedirectURI,
		State: q.State, Scopes: scopes, CodeChallenge: q.CodeChallenge, Nonce: q.Nonce,
		ForceLogin: slices.Contains(prompts, "login"), ForceConsent: slices.Contains(prompts, "consent"),
		CreatedAt: now, ExpiresAt: now.Add(RequestTTL)}
	if err := s.Store.PutAuthRequest(ctx, r); err != nil {
		return Begun{}, domain.Internal(err)
	}
	return Begun{ID: id, App: app, Req: r}, nil
}

// errorURL is the redirect URI with an error (RFC 6749 §4.1.2.1).
func errorURL(redirect, code, desc, state string) string {
	q := url.Values{"error": {code}, "error_description": {desc}}
	if state != "" {
		q.Set("state", state)
	}
	return addQuery(redirect, q)
}

func addQuery(uri string, q url.Values) string {
	sep := "?"
	if strings.Contains(uri, "?") {
		sep = "&"
	}
	return uri + sep + q.Encode()
}

// Pending is a stored request, read back for the next step.
type Pending struct {
	Req domain.AuthRequest
	App domain.ConnectedApp
}

// ErrRequestGone: the request expired, was answered, or never was.
var ErrRequestGone = &domain.Error{Code: "OAUTH_REQUEST_EXPIRED", Message: "This sign-in request has expired or was already answered. Go back to the app and start again."}

// Request reads the pending request behind a cookie.
func (s *Service) Request(ctx context.Context, id string) (Pending, error) {
	if id == "" || len(id) > 64 {
		return Pending{}, ErrRequestGone
	}
	r, err := s.Store.AuthRequest(ctx, secret.Digest(secret.PurposeAuthRequest, id), s.Now())
	if errors.Is(err, domain.ErrNotFound) {
		return Pending{}, ErrRequestGone
	}
	if err != nil {
		return Pending{}, domain.Internal(err)
	}
	app, err := s.Store.App(ctx, r.ClientID)
	if errors.Is(err, domain.ErrNotFound) {
		return Pending{}, ErrRequestGone // the app was deleted meanwhile
	}
	if err != nil {
		return Pending{}, domain.Internal(err)
	}
	return Pending{Req: r, App: app}, nil
}

// Step is what follows for a signed-in browser: the approval page, a new
// login (prompt=login and the session predates the request), or the
// redirect to the app (with a code or an error).
type Step struct {
	NeedLogin    bool
	NeedApproval bool
	Redirect     string
}

// Continue decides the next step of p for the browser session sess of u.
// approve is the approval page's answer (nil before it is asked).
func (s *Service) Continue(ctx context.Context, p Pending, sess domain.Session, u domain.User, approve *bool, ip string) (Step, error) {
	r := p.Req
	if !p.App.OAuth.Callback(r.RedirectURI) {
		// The app's callbacks changed since the request began: its redirect
		// URI is no longer to be trusted with anything, an error included.
		return Step{}, oauthErr(400, "redirect_uri_mismatch", "redirect_uri must match configuration")
	}
	// Stored times are whole seconds: a login in the request's own second
	// counts as after it (the browser's older session cookie was dropped
	// when the request began, so it cannot be the one presented).
	if r.ForceLogin && sess.CreatedAt.Before(r.CreatedAt.Truncate(time.Second)) {
		return Step{NeedLogin: true}, nil
	}
	if p.App.OrgID != u.OrgID {
		return s.answer(ctx, r, errorURL(r.RedirectURI, "access_denied", "this app is not available to users of your org", r.State))
	}
	if approve != nil && !*approve {
		return s.answer(ctx, r, errorURL(r.RedirectURI, "access_denied", "end-user denied authorization", r.State))
	}
	if approve == nil {
		ok, err := s.Store.Approved(ctx, u.ID, p.App.ClientID)
		if err != nil {
			return Step{}, domain.Internal(err)
		}
		if !ok || r.ForceConsent {
			return Step{NeedApproval: true}, nil
		}
	} else if err := s.Store.Approve(ctx, u.ID, u.OrgID, p.App.ClientID, s.Now()); err != nil {
		return Step{}, domain.Internal(err)
	}
	code, err := secret.NewOpaque(s.Rand)
	if err != nil {
		return Step{}, domain.Internal(err)
	}
	now := s.Now()
	c := domain.AuthCode{IDHash: secret.Digest(secret.PurposeAuthCode, code), ClientID: p.App.ClientID, RedirectURI: r.RedirectURI,
		UserID: u.ID, OrgID: u.OrgID, Username: u.Username, Scopes: r.Scopes, CodeChallenge: r.CodeChallenge, Nonce: r.Nonce,
		Level: sess.Level, AuthTime: sess.CreatedAt, Gen: u.SessionGen, IP: ip, CreatedAt: now, ExpiresAt: now.Add(CodeTTL)}
	// The request is claimed first: of two tabs answering it, one gets a code.
	if err := s.Store.EndAuthRequest(ctx, r.IDHash); errors.Is(err, domain.ErrNotFound) {
		return Step{}, ErrRequestGone
	} else if err != nil {
		return Step{}, domain.Internal(err)
	}
	if err := s.Store.PutAuthCode(ctx, c); err != nil {
		return Step{}, domain.Internal(err)
	}
	q := url.Values{"code": {code}}
	if r.State != "" {
		q.Set("state", r.State)
	}
	return Step{Redirect: addQuery(r.RedirectURI, q)}, nil
}

// answer ends the request with an error redirect.
func (s *Service) answer(ctx context.Context, r domain.AuthRequest, redirect string) (Step, error) {
	if err := s.Store.EndAuthRequest(ctx, r.IDHash); errors.Is(err, domain.ErrNotFound) {
		return Step{}, ErrRequestGone
	} else if err != nil {
		return Step{}, domain.Internal(err)
	}
	return Step{Redirect: redirect}, nil
}
