package domain

import (
	"time"

	"loginguard/shared/policy"
)

// The OAuth 2.0 web-server flow's records: a pending authorization request
// (between /authorize and the login page), an authorization code, a refresh
// token, and a user's approval of an app. Each secret is kept only as a
// digest (secret.PurposeAuthRequest, PurposeAuthCode, PurposeRefreshToken).

// AuthRequest is an /authorize request waiting for the browser's login.
type AuthRequest struct {
	IDHash               string
	ClientID             string
	RedirectURI          string
	State                string
	Scopes               []policy.Scope
	CodeChallenge        string // S256; "" where the app does not require PKCE and none was sent
	Nonce                string
	ForceLogin           bool // prompt=login: only a login after this request will do
	ForceConsent         bool // prompt=consent: ask for approval even if given before
	CreatedAt, ExpiresAt time.Time
}

// AuthCode is an authorization code, issued to the user of a browser
// session for an app; single use. Session and Refresh are the digests of
// the access session and refresh token its redemption issues, chosen
// before it is claimed, so that a second use can end both.
type AuthCode struct {
	IDHash        string
	ClientID      string
	RedirectURI   string
	UserID        string
	OrgID         string
	Username      string
	Scopes        []policy.Scope
	CodeChallenge string
	Nonce         string
	Level         string    // the browser session's security level
	AuthTime      time.Time // when the user logged in
	Gen           int64     // the user's session generation when it was issued
	IP            string
	Used          bool
	Session       string
	Refresh       string
	CreatedAt     time.Time
	ExpiresAt     time.Time
}

// RefreshToken is a refresh token of an app for a user. Grant is the
// authorization code's digest it descends from (one per login: every
// rotation keeps it); ReplacedBy, under the rotate policy, the digest of
// the token that replaced it (a replaced token presented again ends the
// whole grant).
type RefreshToken struct {
	IDHash     string
	ClientID   string
	UserID     string
	OrgID      string
	Username   string
	Scopes     []policy.Scope
	Level      string
	AuthTime   time.Time
	Gen        int64 // the user's session generation when it was issued: a later one (a revocation) ends it
	Grant      string
	ReplacedBy string
	CreatedAt  time.Time
	LastUsedAt time.Time
	ExpiresAt  time.Time // zero: until revoked
}
