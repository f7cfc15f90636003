package policy

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// A connected app's OAuth policy (Salesforce's Connected App settings):
// who it is (public or confidential), where codes may go (callback URLs,
// matched exactly), what it may ask for (scopes), whether PKCE is required,
// and how long its refresh tokens last.

// Scope is an OAuth scope a connected app may be granted.
type Scope string

// The scopes offered, as Salesforce names them.
const (
	ScopeAPI           Scope = "api"
	ScopeWeb           Scope = "web"
	ScopeRefreshToken  Scope = "refresh_token"
	ScopeOfflineAccess Scope = "offline_access" // refresh_token's OpenID Connect name
	ScopeOpenID        Scope = "openid"
	ScopeID            Scope = "id"
	ScopeProfile       Scope = "profile"
	ScopeEmail         Scope = "email"
	ScopeFull          Scope = "full"
)

// Scopes are the offered scopes, in the order they are listed.
var Scopes = []Scope{ScopeAPI, ScopeWeb, ScopeRefreshToken, ScopeOfflineAccess, ScopeOpenID, ScopeID, ScopeProfile, ScopeEmail, ScopeFull}

// DefaultScopes are a new app's allowed scopes.
var DefaultScopes = []Scope{ScopeAPI, ScopeWeb, ScopeRefreshToken, ScopeOfflineAccess, ScopeOpenID, ScopeID, ScopeProfile, ScopeEmail}

// RefreshMode is a connected app's refresh token policy.
type RefreshMode string

const (
	// RefreshUntilRevoked: a refresh token works until it is revoked
	// (Salesforce's default, "Refresh token is valid until revoked").
	RefreshUntilRevoked RefreshMode = "UNTIL_REVOKED"
	// RefreshExpire: a refresh token works for RefreshPolicy.TTL after it
	// was issued ("Expire refresh token after").
	RefreshExpire RefreshMode = "EXPIRE"
	// RefreshRotate: each use gives a new refresh token and ends the one
	// used; a used one presented again ends the whole grant (its newer
	// tokens and sessions too), as a stolen copy would be.
	RefreshRotate RefreshMode = "ROTATE"
)

// RefreshPolicy is how long an app's refresh tokens last.
type RefreshPolicy struct {
	Mode RefreshMode
	TTL  time.Duration // RefreshExpire: from issue; RefreshRotate: idle, 0 for none
}

// OAuthApp is a connected app's OAuth policy.
type OAuthApp struct {
	// Public: the app cannot keep a secret (a CLI, a desktop app); it has
	// none, and must use PKCE.
	Public bool
	// Callbacks are the redirect URIs codes may go to, matched exactly.
	Callbacks []string
	// RequirePKCE: every authorization request must carry a
	// code_challenge (always, for a public app).
	RequirePKCE bool
	// Scopes the app may be granted.
	Scopes  []Scope
	Refresh RefreshPolicy
}

// DefaultOAuthApp is a confidential app's policy when nothing is chosen:
// no callback (the password flow only), PKCE asked for, the default
// scopes, refresh tokens valid until revoked.
var DefaultOAuthApp = OAuthApp{RequirePKCE: true, Scopes: DefaultScopes, Refresh: RefreshPolicy{Mode: RefreshUntilRevoked}}

// MaxCallbacks bounds an app's callback URLs.
const MaxCallbacks = 20

// Validate says what is wrong with a policy an admin chose, or nil.
func (a OAuthApp) Validate() error {
	if len(a.Callbacks) > MaxCallbacks {
		return invalid("callback URLs", fmt.Sprintf("at most %d", MaxCallbacks))
	}
	for _, c := range a.Callbacks {
		if err := checkCallback(c); err != nil {
			return err
		}
	}
	if a.Public && !a.RequirePKCE {
		return invalid("PKCE", "a public app must require PKCE: it has no secret to prove the code is its own")
	}
	if len(a.Scopes) == 0 {
		return invalid("scopes", "choose at least one of "+scopeNames())
	}
	for _, s := range a.Scopes {
		if !slices.Contains(Scopes, s) {
			return invalid("scopes", fmt.Sprintf("%q is not one of %s", s, scopeNames()))
		}
	}
	switch a.Refresh.Mode {
	case RefreshUntilRevoked:
		if a.Refresh.TTL != 0 {
			return invalid("refresh token policy", "a token valid until revoked has no lifetime")
		}
	case RefreshExpire:
		if a.Refresh.TTL < time.Minute || a.Refresh.TTL > 5*365*24*time.Hour {
			return invalid("refresh token policy", "the lifetime is 1 minute to 5 years")
		}
	case RefreshRotate:
		if a.Refresh.TTL < 0 || a.Refresh.TTL > 5*365*24*time.Hour {
			return invalid("refresh token policy", "the idle lifetime is 0 (none) to 5 years")
		}
	default:
		return invalid("refresh token policy", "one of until-revoked, expire:DURATION, rotate[:DURATION]")
	}
	return nil
}

// checkCallback accepts an absolute URL without a fragment: https, or
// http only to a loopback host (a CLI's local listener), or a custom
// scheme (a desktop app's).
func checkCallback(c string) error {
	u, err := url.Parse(c)
	if err != nil || u.Scheme == "" || u.Fragment != "" || strings.ContainsAny(c, " \t\r\n") {
		return invalid("callback URL", fmt.Sprintf("%q is not an absolute URL without a fragment", c))
	}
	switch u.Scheme {
	case "https":
		if u.Host == "" {
			return invalid("callback URL", fmt.Sprintf("%q has no host", c))
		}
	case "http":
		if h := u.Hostname(); h != "localhost" && h != "127.0.0.1" && h != "::1" {
			return invalid("callback URL", fmt.Sprintf("%q: plain http only to localhost, 127.0.0.1 or [::1] (a local listener); use https", c))
		}
	case "javascript", "data", "file", "vbscript":
		return invalid("callback URL", fmt.Sprintf("%q: the %s scheme is never a callback", c, u.Scheme))
	}
	return nil
}

func scopeNames() string {
	names := make([]string, len(Scopes))
	for i, s := range Scopes {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

// Callback reports whether uri is one of the app's callback URLs, exactly
// (RFC 6749 §3.1.2.3, as Salesforce compares them).
func (a OAuthApp) Callback(uri string) bool {
	return uri != "" && slices.Contains(a.Callbacks, uri)
}

// Grant is the scopes an authorization request gets: those asked for
// (space-separated; none asked: every allowed one), each of which the app
// must allow. An error names the first scope it does not.
func (a OAuthApp) Grant(requested string) ([]Scope, error) {
	fields := strings.Fields(requested)
	if len(fields) == 0 {
		return slices.Clone(a.Scopes), nil
	}
	var out []Scope
	for _, f := range fields {
		s := Scope(f)
		if !slices.Contains(a.Scopes, s) {
			return nil, fmt.Errorf("the scope %q is not allowed for this app", f)
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

// Refreshable reports whether scopes give a refresh token.
func Refreshable(scopes []Scope) bool {
	return slices.Contains(scopes, ScopeRefreshToken) || slices.Contains(scopes, ScopeOfflineAccess)
}

// ScopeString is scopes as OAuth writes them, space-separated.
func ScopeString(scopes []Scope) string {
	names := make([]string, len(scopes))
	for i, s := range scopes {
		names[i] = string(s)
	}
	return strings.Join(names, " ")
}

// ParseRefreshPolicy reads the CLI's form: "until-revoked", "expire:720h",
// "rotate" or "rotate:720h".
func ParseRefreshPolicy(s string) (RefreshPolicy, error) {
	mode, ttl, hasTTL := strings.Cut(strings.ToLower(strings.TrimSpace(s)), ":")
	var p RefreshPolicy
	switch mode {
	case "until-revoked", "":
		p.Mode = RefreshUntilRevoked
	case "expire":
		p.Mode = RefreshExpire
	case "rotate":
		p.Mode = RefreshRotate
	default:
		return RefreshPolicy{}, invalid("refresh token policy", fmt.Sprintf("%q: one of until-revoked, expire:DURATION, rotate[:DURATION]", s))
	}
	if hasTTL {
		d, err := time.ParseDuration(ttl)
		if err != nil {
			return RefreshPolicy{}, invalid("refresh token policy", fmt.Sprintf("%q is not a duration (720h, 90m)", ttl))
		}
		p.TTL = d
	}
	if p.Mode == RefreshExpire && !hasTTL {
		return RefreshPolicy{}, invalid("refresh token policy", "expire needs a lifetime: expire:720h")
	}
	return p, OAuthApp{RequirePKCE: true, Scopes: DefaultScopes, Refresh: p}.Validate()
}

// ParseScopes reads a comma- or space-separated list of scopes.
func ParseScopes(s string) ([]Scope, error) {
	var out []Scope
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		sc := Scope(strings.ToLower(f))
		if !slices.Contains(Scopes, sc) {
			return nil, invalid("scopes", fmt.Sprintf("%q is not one of %s", f, scopeNames()))
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	return out, nil
}
