package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"html"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"loginguard/shared/domain"
	"loginguard/shared/ids"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
)

const cliCallback = "http://localhost:1717/OauthRedirect"

// webApp creates a connected app for the web-server flow in org: public
// (PKCE, no secret) or confidential; its secret ("" for a public app).
func (s *stack) webApp(t *testing.T, orgID, clientID string, public bool, refresh policy.RefreshPolicy) string {
	t.Helper()
	var sec string
	app := domain.ConnectedApp{ClientID: clientID, OrgID: orgID, Name: "Web " + clientID, CreatedAt: time.Now(),
		OAuth: policy.OAuthApp{Public: public, Callbacks: []string{cliCallback}, RequirePKCE: true, Scopes: policy.DefaultScopes, Refresh: refresh}}
	if !public {
		var err error
		if _, sec, err = secret.NewClientCredentials(rand.Reader); err != nil {
			t.Fatal(err)
		}
		app.SecretHash = secret.Digest(secret.PurposeClientSecret, sec)
	}
	if err := s.st.CreateApp(context.Background(), app); err != nil {
		t.Fatal(err)
	}
	return sec
}

var metaRefresh = regexp.MustCompile(`http-equiv="refresh" content="0;url=([^"]+)"`)

// backTo is where a page returning to the app sends the browser.
func backTo(t *testing.T, r web) *url.URL {
	t.Helper()
	m := metaRefresh.FindStringSubmatch(r.body)
	if r.status != 200 || m == nil {
		t.Fatalf("no return to the app (%d): %.400s", r.status, r.body)
	}
	u, err := url.Parse(html.UnescapeString(strings.TrimPrefix(m[1], "0;url=")))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// authorizeAsBrowser runs the authorization request as a browser without
// JavaScript would (a cookie jar, no redirects followed), logging in and
// allowing the app, and returns where the browser goes back to the app.
func (s *stack) authorizeAsBrowser(t *testing.T, a account, q url.Values) *url.URL {
	t.Helper()
	jar := map[string]string{}
	keep := func(r web) web {
		for k, v := range r.cookies {
			jar[k] = v
		}
		return r
	}
	r := keep(s.do(t, "GET", "/services/oauth2/authorize?"+q.Encode(), jar, nil, ""))
	if r.status != 303 || r.header.Get("Location") != "/services/oauth2/authorize/continue" {
		return backTo(t, r)
	}
	if r = keep(s.do(t, "GET", "/services/oauth2/authorize/continue", jar, nil, "")); r.header.Get("Location") != "/login?m=authorize" {
		t.Fatalf("without a session: %d %s; want the login page", r.status, r.header.Get("Location"))
	}
	if r = keep(s.browserLogin(t, a.username, a.password, jar)); r.header.Get("Location") != "/services/oauth2/authorize/continue" {
		t.Fatalf("the login: %d %s %.300s; want back to the request", r.status, r.header.Get("Location"), r.body)
	}
	page := keep(s.do(t, "GET", "/services/oauth2/authorize/continue", jar, nil, ""))
	if page.status != 200 || !strings.Contains(page.body, `id="approve-form"`) {
		t.Fatalf("the approval page: %d %.400s", page.status, page.body)
	}
	done := keep(s.form(t, "/services/oauth2/authorize/continue", jar, url.Values{"csrf": {pageCSRF(t, page)}, "decision": {"allow"}}))
	return backTo(t, done)
}

func (s *stack) tokenGrant(t *testing.T, f url.Values) (int, map[string]string) {
	t.Helper()
	r := s.form(t, "/services/oauth2/token", nil, f)
	out := map[string]string{}
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		t.Fatalf("token answer %d: %s", r.status, r.body)
	}
	return r.status, out
}

func (s *stack) userinfoStatus(t *testing.T, token string) int {
	t.Helper()
	return s.do(t, "GET", "/services/oauth2/userinfo", nil, map[string]string{"Authorization": "Bearer " + token}, "").status
}

// TestWebServerFlowWithPKCEAndRefreshTokens: a confidential app's code with
// PKCE, its redemption, a refresh, a revocation; and each refusal as RFC
// 6749 and Salesforce answer it.
func TestWebServerFlowWithPKCEAndRefreshTokens(t *testing.T) {
	s := startStack(t)
	a := s.account(t, nil, nil)
	cid := "3MVGweb" + a.org.ID
	sec := s.webApp(t, a.org.ID, cid, false, policy.RefreshPolicy{Mode: policy.RefreshUntilRevoked})
	verifier := strings.Repeat("v", 20) + "-" + strings.Repeat("9", 30)
	q := url.Values{"response_type": {"code"}, "client_id": {cid}, "redirect_uri": {cliCallback}, "state": {"st-1"},
		"scope": {"api refresh_token"}, "code_challenge": {secret.PKCEChallenge(verifier)}}

	back := s.authorizeAsBrowser(t, a, q)
	code := back.Query().Get("code")
	if back.Scheme+"://"+back.Host+back.Path != cliCallback || code == "" || back.Query().Get("state") != "st-1" {
		t.Fatalf("back to %s; want the callback with a code and the state", back)
	}
	grant := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {cid}, "client_secret": {sec},
		"redirect_uri": {cliCallback}, "code_verifier": {verifier}}
	bad := func(mod func(url.Values)) url.Values {
		f := url.Values{}
		for k, v := range grant {
			f[k] = v
		}
		mod(f)
		return f
	}
	for _, tt := range []struct {
		name string
		f    url.Values
		code string
		desc string
	}{
		{"a wrong verifier", bad(func(f url.Values) { f.Set("code_verifier", strings.Repeat("w", 50)) }), "invalid_grant", "invalid code verifier"},
		{"no verifier", bad(func(f url.Values) { f.Del("code_verifier") }), "invalid_grant", "invalid code verifier"},
		{"another redirect URI", bad(func(f url.Values) { f.Set("redirect_uri", "http://localhost:1717/Other") }), "invalid_grant", "redirect_uri must match configuration"},
		{"a wrong client secret", bad(func(f url.Values) { f.Set("client_secret", "wrong") }), "invalid_client", "invalid client credentials"},
		{"an unknown code", bad(func(f url.Values) { f.Set("code", "nope") }), "invalid_grant", "invalid authorization code"},
	} {
		if st, out := s.tokenGrant(t, tt.f); st != 400 || out["error"] != tt.code || out["error_description"] != tt.desc {
			t.Errorf("%s: %d %v; want 400 %s %q", tt.name, st, out, tt.code, tt.desc)
		}
	}
	st, tok := s.tokenGrant(t, grant)
	if st != 200 || tok["access_token"] == "" || tok["refresh_token"] == "" || tok["instance_url"] != s.baseURL ||
		!strings.Contains(tok["id"], "/id/") || tok["scope"] != "api refresh_token" || tok["signature"] == "" {
		t.Fatalf("the code's redemption: %d %v", st, tok)
	}
	if got := s.userinfoStatus(t, tok["access_token"]); got != 200 {
		t.Fatalf("userinfo with the access token: %d", got)
	}
	// A refresh gives a new access token; the refresh token stays (no rotation).
	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"]}, "client_id": {cid}, "client_secret": {sec}}
	st, again := s.tokenGrant(t, refresh)
	if st != 200 || again["access_token"] == "" || again["access_token"] == tok["access_token"] || again["refresh_token"] != "" || again["id"] != tok["id"] {
		t.Fatalf("refresh: %d %v", st, again)
	}
	// The code again: refused, and what its first use issued is ended.
	if st, out := s.tokenGrant(t, grant); st != 400 || out["error"] != "invalid_grant" {
		t.Fatalf("the code reused: %d %v", st, out)
	}
	if got := s.userinfoStatus(t, tok["access_token"]); got != 403 {
		t.Errorf("the first access token after the code's reuse: %d; want 403 (ended)", got)
	}
	if st, out := s.tokenGrant(t, refresh); st != 400 || out["error_description"] != "expired access/refresh token" {
		t.Errorf("the refresh token after the code's reuse: %d %v; want ended", st, out)
	}
	if got := s.userinfoStatus(t, again["access_token"]); got != 403 {
		t.Errorf("the refreshed access token after the code's reuse: %d; want 403 (the grant ended)", got)
	}
}

// TestAuthorizeRefusals: an unregistered redirect URI is never redirected
// to; the other refusals go back to the app as RFC 6749 §4.1.2.1 says.
func TestAuthorizeRefusals(t *testing.T) {
	s := startStack(t)
	a := s.account(t, nil, nil)
	cid := "PlatformCLI" + a.org.ID
	s.webApp(t, a.org.ID, cid, true, policy.RefreshPolicy{Mode: policy.RefreshRotate})
	challenge := secret.PKCEChallenge(strings.Repeat("c", 43))
	base := url.Values{"response_type": {"code"}, "client_id": {cid}, "redirect_uri": {cliCallback}, "state": {"s"}, "code_challenge": {challenge}}
	with := func(k, v string) url.Values {
		q := url.Values{}
		for kk, vv := range base {
			q[kk] = vv
		}
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
		return q
	}
	for _, tt := range []struct {
		name string
		q    url.Values
		code string
	}{
		{"plain PKCE", with("code_challenge_method", "plain"), "invalid_request"},
		{"no challenge from a public app", with("code_challenge", ""), "invalid_request"},
		{"another response type", with("response_type", "token"), "unsupported_response_type"},
		{"a scope the app does not allow", with("scope", "api chatter_api"), "invalid_scope"},
	} {
		r := s.do(t, "GET", "/services/oauth2/authorize?"+tt.q.Encode(), nil, nil, "")
		back := backTo(t, r)
		if back.Query().Get("error") != tt.code || back.Query().Get("state") != "s" || !strings.HasPrefix(back.String(), cliCallback+"?") {
			t.Errorf("%s: back to %s; want %s with the state", tt.name, back, tt.code)
		}
	}
	for _, tt := range []struct {
		name string
		q    url.Values
	}{
		{"an unregistered redirect URI", with("redirect_uri", "http://localhost:1717/Elsewhere")},
		{"an unknown client", with("client_id", "Nobody")},
	} {
		r := s.do(t, "GET", "/services/oauth2/authorize?"+tt.q.Encode(), nil, nil, "")
		if r.status != 400 || r.header.Get("Location") != "" || metaRefresh.MatchString(r.body) || strings.Contains(r.body, "Elsewhere?") {
			t.Errorf("%s: %d %s; want a page of ours, no redirect", tt.name, r.status, r.header.Get("Location"))
		}
	}
	// A public app has no password grant.
	if st, out := s.tokenGrant(t, url.Values{"grant_type": {"password"}, "client_id": {cid}, "client_secret": {"x"},
		"username": {a.username}, "password": {a.password + a.token}}); st != 400 || out["error"] != "unauthorized_client" {
		t.Errorf("the password grant of a public app: %d %v", st, out)
	}
}

// TestRotatedRefreshTokensEndTheGrantWhenOneComesBack: under the rotate
// policy each refresh retires the token used; a retired one presented
// again (a stolen copy) ends the whole grant.
func TestRotatedRefreshTokensEndTheGrantWhenOneComesBack(t *testing.T) {
	s := startStack(t)
	a := s.account(t, nil, nil)
	cid := "Rotating" + a.org.ID
	s.webApp(t, a.org.ID, cid, true, policy.RefreshPolicy{Mode: policy.RefreshRotate})
	verifier := strings.Repeat("r", 64)
	back := s.authorizeAsBrowser(t, a, url.Values{"response_type": {"code"}, "client_id": {cid}, "redirect_uri": {cliCallback},
		"scope": {"api refresh_token"}, "code_challenge": {secret.PKCEChallenge(verifier)}})
	st, tok := s.tokenGrant(t, url.Values{"grant_type": {"authorization_code"}, "code": {back.Query().Get("code")}, "client_id": {cid},
		"redirect_uri": {cliCallback}, "code_verifier": {verifier}})
	if st != 200 || tok["refresh_token"] == "" || tok["signature"] != "" {
		t.Fatalf("a public app's redemption: %d %v; want a refresh token and no signature (no secret)", st, tok)
	}
	refresh := func(rt string) (int, map[string]string) {
		return s.tokenGrant(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {cid}})
	}
	st, second := refresh(tok["refresh_token"])
	if st != 200 || second["refresh_token"] == "" || second["refresh_token"] == tok["refresh_token"] {
		t.Fatalf("a rotated refresh: %d %v; want a new refresh token", st, second)
	}
	if st, out := refresh(tok["refresh_token"]); st != 400 || out["error"] != "invalid_grant" {
		t.Fatalf("the retired token again: %d %v", st, out)
	}
	if st, out := refresh(second["refresh_token"]); st != 400 || out["error"] != "invalid_grant" {
		t.Errorf("the newest token after the retired one came back: %d %v; want the grant ended", st, out)
	}
	for _, at := range []string{tok["access_token"], second["access_token"]} {
		if got := s.userinfoStatus(t, at); got != 403 {
			t.Errorf("an access token of the ended grant: %d; want 403", got)
		}
	}
}

// webFlowRun is what e2e/js/webflow.mjs prints.
type webFlowRun struct {
	OK             bool              `json:"ok"`
	Error          string            `json:"error"`
	Steps          []string          `json:"steps"`
	Claims         map[string]any    `json:"claims"`
	Userinfo       map[string]string `json:"userinfo"`
	Scope          string            `json:"scope"`
	HasRefresh     bool              `json:"hasRefresh"`
	Refreshed      bool              `json:"refreshed"`
	RefreshedID    bool              `json:"refreshedIDToken"`
	AfterRevoke    string            `json:"afterRevoke"`
	UserID         string            `json:"userId"`
	OrganizationID string            `json:"organizationId"`
	InstanceURL    string            `json:"instanceUrl"`
	Username       string            `json:"username"`
}

func (s *stack) webFlow(t *testing.T, client, clientID, clientSecret string, a account) webFlowRun {
	t.Helper()
	in, _ := json.Marshal(map[string]string{"client": client, "baseUrl": s.baseURL, "clientId": clientID, "clientSecret": clientSecret,
		"redirectUri": cliCallback, "username": a.username, "password": a.password, "chromium": chromiumPath(t)})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, "node", filepath.Join(s.root, "e2e", "js", "webflow.mjs"), string(in))
	cmd.Stdout, cmd.Stderr = &out, &errOut
	runErr := cmd.Run()
	var r webFlowRun
	if err := json.Unmarshal(out.Bytes(), &r); err != nil || !r.OK {
		t.Fatalf("%s: %v %v %s (steps %v)\nstdout: %s\nstderr: %.2000s", client, err, runErr, r.Error, r.Steps, out.String(), errOut.String())
	}
	return r
}

// TestOpenIDConnectAndJsforceOAuth2ThroughTheLoginPage: openid-client
// discovers us, runs the code flow with PKCE through Chromium, validates
// the id_token against the JWKS, reads userinfo, refreshes and revokes;
// jsforce's OAuth2 does the same with its own verifier.
func TestOpenIDConnectAndJsforceOAuth2ThroughTheLoginPage(t *testing.T) {
	s := startStack(t)
	t.Run("openid-client", func(t *testing.T) {
		t.Parallel()
		a := s.account(t, nil, nil)
		cid := "OIDC" + a.org.ID
		sec := s.webApp(t, a.org.ID, cid, false, policy.RefreshPolicy{Mode: policy.RefreshUntilRevoked})
		r := s.webFlow(t, "openid-client", cid, sec, a)
		idURL := s.baseURL + "/id/" + ids.Long(a.org.ID) + "/"
		if sub, _ := r.Claims["sub"].(string); !strings.HasPrefix(sub, idURL) || r.Claims["aud"] != cid || r.Claims["iss"] != s.baseURL ||
			r.Claims["preferred_username"] != a.username || r.Claims["hasAtHash"] != true || r.Claims["hasNonce"] != true {
			t.Errorf("id_token claims: %v", r.Claims)
		}
		if r.Userinfo["sub"] != r.Claims["sub"] || r.Userinfo["preferred_username"] != a.username {
			t.Errorf("userinfo: %v", r.Userinfo)
		}
		if !r.HasRefresh || !r.Refreshed || !r.RefreshedID || r.AfterRevoke != "invalid_grant" {
			t.Errorf("refresh %v/%v (id_token %v), after revoke %q; want a refresh, then invalid_grant", r.HasRefresh, r.Refreshed, r.RefreshedID, r.AfterRevoke)
		}
	})
	t.Run("jsforce OAuth2", func(t *testing.T) {
		t.Parallel()
		a := s.account(t, nil, nil)
		cid := "JSF" + a.org.ID
		sec := s.webApp(t, a.org.ID, cid, false, policy.RefreshPolicy{Mode: policy.RefreshUntilRevoked})
		r := s.webFlow(t, "jsforce", cid, sec, a)
		org18, _ := ids.To18(a.org.ID)
		if r.OrganizationID != org18 || r.InstanceURL != s.baseURL || r.Username != a.username {
			t.Errorf("jsforce after authorize: org %q instance %q user %q", r.OrganizationID, r.InstanceURL, r.Username)
		}
		if !r.Refreshed || r.AfterRevoke == "refreshed" || r.AfterRevoke == "" {
			t.Errorf("refresh %v, after revoke %q; want a refresh, then a refusal", r.Refreshed, r.AfterRevoke)
		}
	})
}

// TestRefreshTokensEndWithTheUsersSessionsAndTheirLifetime: a refresh
// token dies with a revocation of the user's sessions, and at the end of
// its app's lifetime; prompt=login asks for a login even with a session.
func TestRefreshTokensEndWithTheUsersSessionsAndTheirLifetime(t *testing.T) {
	s := startStack(t)
	// From the org's trusted range: every browser login here goes straight in.
	a := s.account(t, func(o *domain.Org) { o.TrustedRanges = ranges(t, "127.0.0.1") }, nil)
	cid := "Expiring" + a.org.ID
	s.webApp(t, a.org.ID, cid, true, policy.RefreshPolicy{Mode: policy.RefreshExpire, TTL: time.Hour})
	tokens := func(jar map[string]string, prompt string) map[string]string {
		t.Helper()
		verifier := strings.Repeat("e", 43)
		q := url.Values{"response_type": {"code"}, "client_id": {cid}, "redirect_uri": {cliCallback},
			"scope": {"api refresh_token"}, "code_challenge": {secret.PKCEChallenge(verifier)}}
		if prompt != "" {
			q.Set("prompt", prompt)
		}
		var back *url.URL
		if jar == nil {
			back = s.authorizeAsBrowser(t, a, q)
		} else {
			// A browser that is signed in already: straight to the code,
			// unless prompt=login sends it to the login page first.
			r := s.do(t, "GET", "/services/oauth2/authorize?"+q.Encode(), jar, nil, "")
			for k, v := range r.cookies {
				jar[k] = v
			}
			r = s.do(t, "GET", "/services/oauth2/authorize/continue", jar, nil, "")
			if prompt == "login" {
				if r.header.Get("Location") != "/login?m=authorize" {
					t.Fatalf("prompt=login with a session: %d %s; want the login page", r.status, r.header.Get("Location"))
				}
				l := s.browserLogin(t, a.username, a.password, jar)
				for k, v := range l.cookies {
					jar[k] = v
				}
				r = s.do(t, "GET", "/services/oauth2/authorize/continue", jar, nil, "")
			}
			back = backTo(t, r)
		}
		st, tok := s.tokenGrant(t, url.Values{"grant_type": {"authorization_code"}, "code": {back.Query().Get("code")}, "client_id": {cid},
			"redirect_uri": {cliCallback}, "code_verifier": {verifier}})
		if st != 200 || tok["refresh_token"] == "" {
			t.Fatalf("redemption: %d %v", st, tok)
		}
		return tok
	}
	refresh := func(rt string) (int, map[string]string) {
		return s.tokenGrant(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {cid}})
	}

	// Ended with the user's sessions.
	first := tokens(nil, "")
	if st, _ := refresh(first["refresh_token"]); st != 200 {
		t.Fatalf("a fresh refresh token: %d", st)
	}
	if _, err := s.st.EndUserSessions(context.Background(), a.username); err != nil {
		t.Fatal(err)
	}
	if st, out := refresh(first["refresh_token"]); st != 400 || out["error_description"] != "expired access/refresh token" {
		t.Errorf("after the user's sessions were ended: %d %v; want the refresh token ended too", st, out)
	}

	// Ended at its lifetime: the stored expiry moved into the past.
	jar := map[string]string{}
	if l := s.browserLogin(t, a.username, a.password, jar); l.cookies[sidCookie] == "" {
		t.Fatalf("browser login: %d %s", l.status, l.header.Get("Location"))
	}
	second := tokens(jar, "")
	key := map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: secret.Digest(secret.PurposeRefreshToken, second["refresh_token"])}}
	if _, err := s.db.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{TableName: aws.String(s.tables.Sessions), Key: key,
		UpdateExpression:          aws.String("SET expiresAt = :past"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":past": &types.AttributeValueMemberN{Value: "1"}}}); err != nil {
		t.Fatal(err)
	}
	if st, out := refresh(second["refresh_token"]); st != 400 || out["error_description"] != "expired access/refresh token" {
		t.Errorf("an expired refresh token: %d %v", st, out)
	}

	// prompt=login: the signed-in browser logs in again before the code.
	tokens(jar, "login")
	var uiLogins int
	for _, e := range s.history(t, a) {
		if e.LoginType == "UI" && e.Allowed {
			uiLogins++
		}
	}
	if uiLogins != 3 {
		t.Errorf("browser logins in history: %d; want 3 (prompt=login asked for one more)", uiLogins)
	}
}
