package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

// TestNoAuthorizerAnswerIsReused holds the template to "no decision is
// reused for a request it was not made for": the local gateway caches the
// authorizer's answers exactly as API Gateway would for this template, so
// with a cache on, each of these gets the first request's allow.
func TestNoAuthorizerAnswerIsReused(t *testing.T) {
	s := startStack(t)
	a := s.account(t, func(o *domain.Org) { o.HighAssurance = map[string]policy.Action{"setup": policy.ActionBlock} }, nil)
	cid, csec := s.app(t, a.org.ID)
	login := func(t *testing.T) string {
		form := url.Values{"grant_type": {"password"}, "client_id": {cid}, "client_secret": {csec}, "username": {a.username}, "password": {a.password + a.token}}
		resp, err := http.PostForm(s.baseURL+"/services/oauth2/token", form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var tok map[string]string
		json.NewDecoder(resp.Body).Decode(&tok)
		if tok["access_token"] == "" {
			t.Fatalf("OAuth login: %d %v", resp.StatusCode, tok)
		}
		return tok["access_token"]
	}
	call := func(t *testing.T, method, path, token string) int {
		req, _ := http.NewRequest(method, s.baseURL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	t.Run("the very next request after a logout is refused", func(t *testing.T) {
		token := login(t)
		if code := call(t, "GET", "/api/whoami", token); code != 200 {
			t.Fatalf("before logout: %d", code)
		}
		resp, err := http.Post(s.baseURL+"/services/oauth2/revoke", "application/x-www-form-urlencoded", strings.NewReader("token="+url.QueryEscape(token)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("revoke: %d", resp.StatusCode)
		}
		if code := call(t, "GET", "/api/whoami", token); code != 403 {
			t.Fatalf("after logout: %d; want 403 (an answer from before the logout was reused)", code)
		}
	})
	t.Run("an allow for one route does not open another", func(t *testing.T) {
		token := login(t)
		if code := call(t, "GET", "/api/whoami", token); code != 200 {
			t.Fatalf("whoami: %d", code)
		}
		if code := call(t, "GET", "/api/setup/users", token); code != 403 {
			t.Fatalf("a Block resource with a Standard session: %d; want 403 (the allow for /api/whoami was reused)", code)
		}
	})
}
