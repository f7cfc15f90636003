package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/ids"
	"loginguard/shared/secret"
	"loginguard/shared/transport/oauth"
)

type oauthStep struct {
	OK             bool   `json:"ok"`
	Code           string `json:"code"`
	Message        string `json:"message"`
	UserID         string `json:"user_id"`
	OrganizationID string `json:"organization_id"`
	Username       string `json:"username"`
	InstanceURL    string `json:"instanceUrl"`
}

type oauthRun struct {
	Login               oauthStep `json:"login"`
	Identity            oauthStep `json:"identity"`
	Revoke              oauthStep `json:"revoke"`
	IdentityAfterRevoke oauthStep `json:"identityAfterRevoke"`
}

func (s *stack) app(t *testing.T, orgID string) (string, string) {
	t.Helper()
	id, sec, _ := secret.NewClientCredentials(rand.Reader)
	if err := s.st.CreateApp(context.Background(), domain.ConnectedApp{ClientID: id, OrgID: orgID, Name: "e2e",
		SecretHash: secret.Digest(secret.PurposeClientSecret, sec)}); err != nil {
		t.Fatal(err)
	}
	return id, sec
}

func (s *stack) jsforceOAuth(t *testing.T, clientID, clientSecret, username, password string) oauthRun {
	t.Helper()
	in, _ := json.Marshal(map[string]string{"loginUrl": s.baseURL, "clientId": clientID, "clientSecret": clientSecret, "username": username, "password": password})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, "node", filepath.Join(s.root, "e2e", "js", "oauth.mjs"), string(in))
	cmd.Stdout, cmd.Stderr = &out, &errOut
	runErr := cmd.Run()
	var r oauthRun
	if err := json.Unmarshal(out.Bytes(), &r); err != nil || r.Login.Code == "HARNESS_ERROR" {
		t.Fatalf("jsforce harness: %v %v %s\n%s\n%s", err, runErr, r.Login.Message, out.String(), errOut.String())
	}
	return r
}

func TestJsforceOAuth2PasswordFlow(t *testing.T) {
	s := startStack(t)
	t.Run("login, identity, revoke", func(t *testing.T) {
		t.Parallel()
		a := s.account(t, nil, nil)
		cid, csec := s.app(t, a.org.ID)
		r := s.jsforceOAuth(t, cid, csec, a.username, a.password+a.token)
		if !r.Login.OK || r.Login.InstanceURL != s.baseURL {
			t.Fatalf("login: %+v", r.Login)
		}
		org18, _ := ids.To18(a.org.ID)
		if !r.Identity.OK || r.Identity.OrganizationID != org18 || r.Identity.Username != a.username {
			t.Fatalf("identity: %+v", r.Identity)
		}
		if !r.Revoke.OK {
			t.Fatalf("revoke: %+v", r.Revoke)
		}
		if r.IdentityAfterRevoke.OK {
			t.Fatal("a revoked token still answers the id URL")
		}
	})
	t.Run("a wrong password is invalid_grant", func(t *testing.T) {
		t.Parallel()
		a := s.account(t, nil, nil)
		cid, csec := s.app(t, a.org.ID)
		r := s.jsforceOAuth(t, cid, csec, a.username, "wrong-"+a.token)
		if r.Login.OK || r.Login.Code != "invalid_grant" || r.Login.Message != "authentication failure" {
			t.Fatalf("login: %+v", r.Login)
		}
	})
	t.Run("an unknown client is invalid_client_id", func(t *testing.T) {
		t.Parallel()
		a := s.account(t, nil, nil)
		r := s.jsforceOAuth(t, "3MVG9nope", "nope", a.username, a.password+a.token)
		if r.Login.OK || r.Login.Code != "invalid_client_id" {
			t.Fatalf("login: %+v", r.Login)
		}
	})
	t.Run("a wrong client secret is invalid_client", func(t *testing.T) {
		t.Parallel()
		a := s.account(t, nil, nil)
		cid, _ := s.app(t, a.org.ID)
		r := s.jsforceOAuth(t, cid, "wrong-secret", a.username, a.password+a.token)
		if r.Login.OK || r.Login.Code != "invalid_client" {
			t.Fatalf("login: %+v", r.Login)
		}
	})
}

func TestOAuthWireFacts(t *testing.T) {
	s := startStack(t)
	a := s.account(t, nil, nil)
	cid, csec := s.app(t, a.org.ID)
	post := func(path, ct, body string) (int, map[string]string) {
		resp, err := http.Post(s.baseURL+path, ct, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var m map[string]string
		json.Unmarshal(b, &m)
		return resp.StatusCode, m
	}
	form := url.Values{"grant_type": {"password"}, "client_id": {cid}, "client_secret": {csec}, "username": {a.username}, "password": {a.password + a.token}}
	code, m := post("/services/oauth2/token", "application/x-www-form-urlencoded", form.Encode())
	if code != 200 || m["token_type"] != "Bearer" || m["signature"] != oauth.Sign(csec, m["id"], m["issued_at"]) || !strings.HasPrefix(m["access_token"], a.org.ID+"!") {
		t.Fatalf("token answer %d %v", code, m)
	}
	token := m["access_token"]
	get := func(path, auth string) int {
		req, _ := http.NewRequest("GET", s.baseURL+path, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := get("/services/oauth2/userinfo", "Bearer "+token); c != 200 {
		t.Fatalf("userinfo with the token: %d", c)
	}
	if c := get("/services/oauth2/userinfo", ""); c != 401 {
		t.Fatalf("userinfo without a header: %d; want 401", c)
	}
	if c := get("/services/oauth2/userinfo", "Bearer "+a.org.ID+"!made-up"); c != 403 {
		t.Fatalf("userinfo with a bad token: %d; want 403", c)
	}
	// Bad input: 400 with a clear error, never a 5xx.
	for name, tc := range map[string]struct{ ct, body, want string }{
		"wrong content type":        {"application/json", `{"grant_type":"password"}`, "invalid_request"},
		"duplicate fields":          {"application/x-www-form-urlencoded", form.Encode() + "&username=x", "invalid_request"},
		"missing fields":            {"application/x-www-form-urlencoded", "grant_type=password&client_id=" + cid, "invalid_request"},
		"oversized body":            {"application/x-www-form-urlencoded", form.Encode() + "&pad=" + strings.Repeat("x", 20<<10), "invalid_request"},
		"another grant type":        {"application/x-www-form-urlencoded", "grant_type=client_credentials&client_id=" + cid, "unsupported_grant_type"},
		"a code without its client": {"application/x-www-form-urlencoded", "grant_type=authorization_code&code=x", "invalid_request"},
	} {
		code, m := post("/services/oauth2/token", tc.ct, tc.body)
		if code < 400 || code > 499 || m["error"] != tc.want || m["error_description"] == "" {
			t.Errorf("%s: %d %v; want 4xx %s with a description", name, code, m, tc.want)
		}
	}
	if code, m := post("/services/oauth2/revoke", "application/x-www-form-urlencoded", "token="+url.QueryEscape(token)); code != 200 {
		t.Fatalf("revoke: %d %v", code, m)
	}
	if c := get("/services/oauth2/userinfo", "Bearer "+token); c != 403 {
		t.Fatalf("userinfo after revoke: %d; want 403", c)
	}
	if code, _ := post("/services/oauth2/revoke", "application/x-www-form-urlencoded", "token="+url.QueryEscape(token)); code != 400 {
		t.Fatalf("revoking twice: %d; want 400", code)
	}
}
