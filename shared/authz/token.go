package authz

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/login"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
)

// The token endpoint's grants of the web-server flow: a code's redemption
// and a refresh; and the refresh token's revocation.

// TokenQuery is an authorization_code or refresh_token grant request.
type TokenQuery struct {
	ClientID, ClientSecret string
	Code, CodeVerifier     string // authorization_code
	RedirectURI            string // authorization_code
	RefreshToken           string // refresh_token
	IP                     netip.Addr
	Client                 string // user agent
	Base                   string // the issuer's origin, for the id_token
}

// Tokens is a grant's answer. The clear tokens exist only here: never log them.
type Tokens struct {
	AccessToken  string
	RefreshToken string // "" when none is issued (no refresh scope; a refresh without rotation)
	IDToken      string // "" unless openid was granted and id_tokens are configured
	Scopes       []policy.Scope
	User         domain.User
	Session      domain.Session
	App          domain.ConnectedApp
}

// Via values of the history lines the grants write.
const (
	ViaAuthorizationCode policy.Via = "AUTHORIZATION_CODE"
	ViaRefreshToken      policy.Via = "REFRESH_TOKEN"
)

// client authenticates a token request's app: a confidential app by its
// secret (compared in constant time against the digest), a public app by
// its id alone, having none.
func (s *Service) client(ctx context.Context, clientID, clientSecret string) (domain.ConnectedApp, error) {
	if clientID == "" {
		return domain.ConnectedApp{}, missing("client_id")
	}
	app, err := s.Store.App(ctx, clientID)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.ConnectedApp{}, ErrUnknownClient
	}
	if err != nil {
		return domain.ConnectedApp{}, domain.Internal(err)
	}
	if !app.OAuth.Public && !secret.MatchDigest(secret.PurposeClientSecret, clientSecret, app.SecretHash) {
		return domain.ConnectedApp{}, ErrBadClientSecret
	}
	return app, nil
}

// Exchange redeems an authorization code (RFC 6749 §4.1.3, RFC 7636 §4.6):
// the code must be live, the app's, for the same redirect URI and the PKCE
// verifier of its challenge. It is claimed in one conditional write that
// also records what it issues, so a second use (a stolen code, a replay)
// finds and ends the first use's session and refresh token.
func (s *Service) Exchange(ctx context.Context, q TokenQuery) (Tokens, error) {
	app, err := s.client(ctx, q.ClientID, q.ClientSecret)
	if err != nil {
		return Tokens{}, err
	}
	switch {
	case q.Code == "":
		return Tokens{}, missing("code")
	case q.RedirectURI == "":
		return Tokens{}, missing("redirect_uri")
	case len(q.Code) > 128:
		return Tokens{}, ErrInvalidCode
	}
	now := s.Now()
	c, err := s.Store.AuthCode(ctx, secret.Digest(secret.PurposeAuthCode, q.Code), now)
	if errors.Is(err, domain.ErrNotFound) || err == nil && c.ClientID != app.ClientID {
		return Tokens{}, ErrInvalidCode
	}
	if err != nil {
		return Tokens{}, domain.Internal(err)
	}
	if q.RedirectURI != c.RedirectURI {
		return Tokens{}, ErrRedirectMatch
	}
	if c.CodeChallenge == "" && q.CodeVerifier != "" || c.CodeChallenge != "" && !secret.MatchPKCE(q.CodeVerifier, c.CodeChallenge) {
		return Tokens{}, ErrCodeVerifier
	}
	sid, err := secret.NewSessionID(c.OrgID, s.Rand)
	if err != nil {
		return Tokens{}, domain.Internal(err)
	}
	var refresh string
	if policy.Refreshable(c.Scopes) {
		if refresh, err = secret.NewOpaque(s.Rand); err != nil {
			return Tokens{}, domain.Internal(err)
		}
	}
	claim := c
	claim.Session, claim.Refresh = secret.Digest(secret.PurposeSession, sid), digestOrNone(refresh)
	first, err := s.Store.ClaimAuthCode(ctx, claim, now)
	if errors.Is(err, domain.ErrReplay) {
		s.replayed(ctx, first, q, now)
		return Tokens{}, ErrInvalidCode
	}
	if errors.Is(err, domain.ErrNotFound) {
		return Tokens{}, ErrInvalidCode
	}
	if err != nil {
		return Tokens{}, domain.Internal(err)
	}
	u, err := s.user(ctx, c.UserID, c.Gen)
	if err != nil {
		return Tokens{}, err
	}
	g := grant{app: app, u: u, scopes: c.Scopes, level: c.Level, authTime: c.AuthTime, grant: c.IDHash, nonce: c.Nonce}
	return s.issue(ctx, g, sid, refresh, time.Time{}, q, ViaAuthorizationCode, now)
}

func digestOrNone(refresh string) string {
	if refresh == "" {
		return ""
	}
	return secret.Digest(secret.PurposeRefreshToken, refresh)
}

// replayed ends what the first redemption of a code issued: a code used
// twice was seen by someone else.
func (s *Service) replayed(ctx context.Context, first domain.AuthCode, q TokenQuery, now time.Time) {
	var errs []error
	if first.Session != "" {
		if err := s.Store.EndSession(ctx, first.Session, []string{policy.LoginREST}, now); err != nil && !errors.Is(err, domain.ErrNotFound) {
			errs = append(errs, err)
		}
	}
	if first.Refresh != "" {
		if _, err := s.Store.EndRefreshChain(ctx, first.Refresh); err != nil {
			errs = append(errs, err)
		}
	}
	s.endGrantSessions(ctx, first.OrgID, first.UserID, first.IDHash, now)
	ev := domain.LoginEvent{At: now, Username: first.Username, UserID: first.UserID, OrgID: first.OrgID, IP: q.IP.String(),
		LoginType: policy.LoginREST, Client: q.Client, Reason: string(ReasonCodeReused), Via: string(ViaAuthorizationCode)}
	if err := s.Store.Record(ctx, ev); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil && s.Log != nil {
		s.Log.ErrorContext(ctx, "a reused authorization code's grant not wholly ended", "user_id", first.UserID, "error", err.Error())
	}
}

// Reasons of the history lines of refused grants.
const (
	ReasonCodeReused    policy.Reason = "AUTHORIZATION_CODE_REUSED"
	ReasonRefreshReused policy.Reason = "REFRESH_TOKEN_REUSED"
)

// SessionLister finds a grant's sessions to end them (the store).
type SessionLister interface {
	SessionsOf(ctx context.Context, orgID, userID string, now time.Time) ([]domain.Session, error)
	EndSessions(ctx context.Context, idHashes []string) (int, error)
}

// endGrantSessions ends every live session of the user that descends from
// grant (when the store can list them).
func (s *Service) endGrantSessions(ctx context.Context, orgID, userID, grant string, now time.Time) {
	l, ok := s.Store.(SessionLister)
	if !ok || grant == "" {
		return
	}
	all, err := l.SessionsOf(ctx, orgID, userID, now)
	var ids []string
	for _, se := range all {
		if se.Grant == grant {
			ids = append(ids, se.IDHash)
		}
	}
	if err == nil && len(ids) > 0 {
		_, err = l.EndSessions(ctx, ids)
	}
	if err != nil && s.Log != nil {
		s.Log.ErrorContext(ctx, "a grant's sessions not all ended", "user_id", userID, "error", err.Error())
	}
}

// user reads the user a grant is for: active, and with the session
// generation it was issued under (a later one: its sessions were ended,
// and so is the grant).
func (s *Service) user(ctx context.Context, id string, gen int64) (domain.User, error) {
	u, err := s.Store.UserByID(ctx, id)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.User{}, ErrInactiveUser
	}
	if err != nil {
		return domain.User{}, domain.Internal(err)
	}
	if !u.Active {
		return domain.User{}, ErrInactiveUser
	}
	if u.SessionGen != gen {
		return domain.User{}, ErrRefreshExpired
	}
	return u, nil
}

// grant is what a new access token is issued under.
type grant struct {
	app      domain.ConnectedApp
	u        domain.User
	scopes   []policy.Scope
	level    string
	authTime time.Time
	grant    string
	nonce    string
}

// issue opens the access token's session (with its history line) and
// stores the refresh token, if any (expiring at refreshEnds, or by the
// app's policy when zero).
func (s *Service) issue(ctx context.Context, g grant, sid, refresh string, refreshEnds time.Time, q TokenQuery, via policy.Via, now time.Time) (Tokens, error) {
	u := g.u
	sess := login.NewSession(u, sid, login.Attempt{IP: q.IP, Type: policy.LoginREST, Client: q.Client, App: g.app}, policy.Level(g.level), now)
	sess.Grant = g.grant
	ev := domain.LoginEvent{At: now, Username: u.Username, UserID: u.ID, OrgID: u.OrgID, IP: q.IP.String(), LoginType: policy.LoginREST,
		Client: q.Client, Reason: string(policy.ReasonAllowed), Via: string(via), Allowed: true}
	if err := s.Store.OpenSession(ctx, sess, ev); err != nil {
		return Tokens{}, domain.Internal(err)
	}
	if refresh != "" {
		t := domain.RefreshToken{IDHash: secret.Digest(secret.PurposeRefreshToken, refresh), ClientID: g.app.ClientID, UserID: u.ID,
			OrgID: u.OrgID, Username: u.Username, Scopes: g.scopes, Level: g.level, AuthTime: g.authTime, Gen: u.SessionGen,
			Grant: g.grant, CreatedAt: now, LastUsedAt: now, ExpiresAt: refreshEnds}
		if t.ExpiresAt.IsZero() {
			t.ExpiresAt = refreshExpiry(g.app.OAuth.Refresh, now)
		}
		if err := s.Store.PutRefreshToken(ctx, t); err != nil {
			return Tokens{}, domain.Internal(err)
		}
	}
	out := Tokens{AccessToken: sid, RefreshToken: refresh, Scopes: g.scopes, User: u, Session: sess, App: g.app}
	if slices.Contains(g.scopes, policy.ScopeOpenID) && s.IDTokens != nil {
		tok, err := s.IDTokens.IDToken(ctx, q.Base, u, g.app.ClientID, g.nonce, sid, g.authTime, now)
		if err != nil {
			return Tokens{}, domain.Internal(err)
		}
		out.IDToken = tok
	}
	return out, nil
}

// refreshExpiry is when a refresh token issued at now expires under p:
// zero for never (until revoked).
func refreshExpiry(p policy.RefreshPolicy, now time.Time) time.Time {
	if p.TTL > 0 && (p.Mode == policy.RefreshExpire || p.Mode == policy.RefreshRotate) {
		return now.Add(p.TTL)
	}
	return time.Time{}
}

// Refresh runs the refresh_token grant (RFC 6749 §6): a new access token
// for a live refresh token of the app, whose user is still active and has
// had no session revocation since. Under the rotate policy it also issues a
// new refresh token and retires the one used; a retired one presented again
// ends the whole grant. The profile's login hours and IP ranges apply to
// each refresh as to a login.
func (s *Service) Refresh(ctx context.Context, q TokenQuery) (Tokens, error) {
	app, err := s.client(ctx, q.ClientID, q.ClientSecret)
	if err != nil {
		return Tokens{}, err
	}
	if q.RefreshToken == "" {
		return Tokens{}, missing("refresh_token")
	}
	if len(q.RefreshToken) > 128 {
		return Tokens{}, ErrRefreshExpired
	}
	now := s.Now()
	t, err := s.Store.RefreshToken(ctx, secret.Digest(secret.PurposeRefreshToken, q.RefreshToken), now)
	if errors.Is(err, domain.ErrNotFound) || err == nil && t.ClientID != app.ClientID {
		return Tokens{}, ErrRefreshExpired
	}
	if err != nil {
		return Tokens{}, domain.Internal(err)
	}
	if t.ReplacedBy != "" {
		s.reused(ctx, t, q, now)
		return Tokens{}, ErrRefreshExpired
	}
	u, err := s.user(ctx, t.UserID, t.Gen)
	if errors.Is(err, ErrRefreshExpired) {
		// Revoked by a session revocation: gone for good.
		_, _ = s.Store.DeleteRefreshToken(ctx, t.IDHash)
	}
	if err != nil {
		return Tokens{}, err
	}
	if ok, herr := u.Policy.LoginHours.Allows(now); herr != nil || !ok ||
		len(u.Policy.LoginIPRanges) > 0 && !u.Policy.LoginIPRanges.Contains(q.IP) {
		return Tokens{}, oauthErr(400, "invalid_grant", "ip restricted or invalid login hours")
	}
	sid, err := secret.NewSessionID(u.OrgID, s.Rand)
	if err != nil {
		return Tokens{}, domain.Internal(err)
	}
	var next string
	ends := t.ExpiresAt
	if app.OAuth.Refresh.Mode == policy.RefreshRotate {
		if next, err = secret.NewOpaque(s.Rand); err != nil {
			return Tokens{}, domain.Internal(err)
		}
		ends = refreshExpiry(app.OAuth.Refresh, now) // an idle lifetime starts again
	}
	err = s.Store.UseRefreshToken(ctx, t, digestOrNone(next), now)
	if errors.Is(err, domain.ErrReplay) {
		s.reused(ctx, t, q, now)
		return Tokens{}, ErrRefreshExpired
	}
	if errors.Is(err, domain.ErrNotFound) {
		return Tokens{}, ErrRefreshExpired
	}
	if err != nil {
		return Tokens{}, domain.Internal(err)
	}
	g := grant{app: app, u: u, scopes: t.Scopes, level: t.Level, authTime: t.AuthTime, grant: t.Grant}
	return s.issue(ctx, g, sid, next, ends, q, ViaRefreshToken, now)
}

// reused ends a rotated grant whose retired refresh token came back: the
// token's chain and every session of the grant.
func (s *Service) reused(ctx context.Context, t domain.RefreshToken, q TokenQuery, now time.Time) {
	if _, err := s.Store.EndRefreshChain(ctx, t.IDHash); err != nil && s.Log != nil {
		s.Log.ErrorContext(ctx, "a reused refresh token's chain not wholly ended", "user_id", t.UserID, "error", err.Error())
	}
	s.endGrantSessions(ctx, t.OrgID, t.UserID, t.Grant, now)
	ev := domain.LoginEvent{At: now, Username: t.Username, UserID: t.UserID, OrgID: t.OrgID, IP: q.IP.String(),
		LoginType: policy.LoginREST, Client: q.Client, Reason: string(ReasonRefreshReused), Via: string(ViaRefreshToken)}
	if err := s.Store.Record(ctx, ev); err != nil && s.Log != nil {
		s.Log.ErrorContext(ctx, "history line not recorded", "error", err.Error())
	}
}

// RevokeRefresh revokes a refresh token and every session it (and the code
// it came from) issued. false when the token is no refresh token of ours.
func (s *Service) RevokeRefresh(ctx context.Context, token string) (bool, error) {
	if token == "" || len(token) > 128 {
		return false, nil
	}
	now := s.Now()
	t, err := s.Store.RefreshToken(ctx, secret.Digest(secret.PurposeRefreshToken, token), now)
	if errors.Is(err, domain.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, domain.Internal(err)
	}
	// A rotated token's successors go too: the grant is revoked, not one link.
	if _, err := s.Store.EndRefreshChain(ctx, t.IDHash); err != nil {
		return false, domain.Internal(err)
	}
	s.endGrantSessions(ctx, t.OrgID, t.UserID, t.Grant, now)
	return true, nil
}
