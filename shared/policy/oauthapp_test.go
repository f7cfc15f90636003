package policy

import (
	"strings"
	"testing"
	"time"
)

func TestOAuthAppValidate(t *testing.T) {
	ok := OAuthApp{Public: true, RequirePKCE: true, Callbacks: []string{"http://localhost:1717/OauthRedirect", "https://app.example/cb", "myapp://cb"},
		Scopes: DefaultScopes, Refresh: RefreshPolicy{Mode: RefreshRotate}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("a good policy: %v", err)
	}
	for _, tt := range []struct {
		name string
		mod  func(*OAuthApp)
		want string
	}{
		{"a public app without PKCE", func(a *OAuthApp) { a.RequirePKCE = false }, "PKCE"},
		{"plain http to a host", func(a *OAuthApp) { a.Callbacks = []string{"http://app.example/cb"} }, "localhost"},
		{"a fragment", func(a *OAuthApp) { a.Callbacks = []string{"https://app.example/cb#x"} }, "fragment"},
		{"a relative URL", func(a *OAuthApp) { a.Callbacks = []string{"/cb"} }, "absolute"},
		{"javascript:", func(a *OAuthApp) { a.Callbacks = []string{"javascript:alert(1)"} }, "never"},
		{"an unknown scope", func(a *OAuthApp) { a.Scopes = []Scope{"chatter_api"} }, "chatter_api"},
		{"no scope", func(a *OAuthApp) { a.Scopes = nil }, "at least one"},
		{"expire without a lifetime", func(a *OAuthApp) { a.Refresh = RefreshPolicy{Mode: RefreshExpire} }, "1 minute"},
		{"until revoked with a lifetime", func(a *OAuthApp) { a.Refresh = RefreshPolicy{Mode: RefreshUntilRevoked, TTL: time.Hour} }, "no lifetime"},
	} {
		a := ok
		tt.mod(&a)
		if err := a.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v; want an error naming %q", tt.name, err, tt.want)
		}
	}
}

func TestOAuthAppCallbackAndGrant(t *testing.T) {
	a := OAuthApp{Callbacks: []string{"http://localhost:1717/OauthRedirect"}, Scopes: []Scope{ScopeAPI, ScopeRefreshToken, ScopeWeb}}
	for uri, want := range map[string]bool{
		"http://localhost:1717/OauthRedirect":   true,
		"http://localhost:1717/OauthRedirect/":  false,
		"http://localhost:1717/oauthredirect":   false,
		"http://localhost:1717/OauthRedirect?x": false,
		"":                                      false,
	} {
		if a.Callback(uri) != want {
			t.Errorf("Callback(%q) = %v", uri, !want)
		}
	}
	if got, err := a.Grant("refresh_token api web refresh_token"); err != nil || ScopeString(got) != "refresh_token api web" || !Refreshable(got) {
		t.Errorf("Grant = %v, %v", got, err)
	}
	if got, err := a.Grant(""); err != nil || len(got) != 3 {
		t.Errorf("Grant of nothing = %v, %v; want every allowed scope", got, err)
	}
	if _, err := a.Grant("api openid"); err == nil || !strings.Contains(err.Error(), "openid") {
		t.Errorf("a scope not allowed: %v", err)
	}
}

func TestParseRefreshPolicy(t *testing.T) {
	for in, want := range map[string]RefreshPolicy{
		"until-revoked": {Mode: RefreshUntilRevoked},
		"expire:720h":   {Mode: RefreshExpire, TTL: 720 * time.Hour},
		"rotate":        {Mode: RefreshRotate},
		"ROTATE:24h":    {Mode: RefreshRotate, TTL: 24 * time.Hour},
	} {
		if got, err := ParseRefreshPolicy(in); err != nil || got != want {
			t.Errorf("ParseRefreshPolicy(%q) = %+v, %v", in, got, err)
		}
	}
	for _, in := range []string{"expire", "forever", "expire:soon", "expire:1s"} {
		if _, err := ParseRefreshPolicy(in); err == nil {
			t.Errorf("ParseRefreshPolicy(%q) accepted", in)
		}
	}
}
