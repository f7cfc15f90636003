package e2e

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/ids"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
)

// TestSessionAuthorizerThroughTheGateway runs the Lambda authorizer as API
// Gateway does, in front of the sample protected function.
func TestSessionAuthorizerThroughTheGateway(t *testing.T) {
	s := startStack(t)
	orgID, _ := ids.New("00D", rand.Reader)
	userID, _ := ids.New("005", rand.Reader)
	closed, _ := policy.ParseLoginHours("UTC", "mon=00:00-00:00,tue=00:00-00:00,wed=00:00-00:00,thu=00:00-00:00,fri=00:00-00:00,sat=00:00-00:00,sun=00:00-00:00")
	// session stores a session as a login would, changed by mod, and returns its id.
	session := func(mod func(*domain.Session)) string {
		id, _ := secret.NewSessionID(orgID, rand.Reader)
		now := time.Now()
		sess := domain.Session{IDHash: secret.Digest(secret.PurposeSession, id), UserID: userID, OrgID: orgID, Username: "u@e2e.example",
			IP: "127.0.0.1", Level: string(policy.LevelStandard), LoginType: "REST", Timeout: 15 * time.Minute,
			CreatedAt: now, LastSeenAt: now,
			HighAssurance: map[string]policy.Action{"setup": policy.ActionBlock, "reports": policy.ActionRaise}}
		if mod != nil {
			mod(&sess)
		}
		if err := s.st.OpenSession(context.Background(), sess, domain.LoginEvent{At: now, UserID: userID, OrgID: orgID, Username: "u@e2e.example", Reason: "SUCCESS", Allowed: true}); err != nil {
			t.Fatal(err)
		}
		return id
	}
	call := func(method, path, token string) (int, map[string]any, http.Header) {
		req, _ := http.NewRequest(method, s.baseURL+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var m map[string]any
		json.Unmarshal(b, &m)
		return resp.StatusCode, m, resp.Header
	}

	tests := []struct {
		name         string
		mod          func(*domain.Session)
		method, path string
		want         int
		check        func(t *testing.T, m map[string]any, h http.Header)
	}{
		{"a valid session passes who it is to the backend", nil, "GET", "/api/whoami", 200, func(t *testing.T, m map[string]any, _ http.Header) {
			if m["userId"] != userID || m["orgId"] != orgID || m["level"] != "STANDARD" || m["readOnly"] != false {
				t.Errorf("backend saw %v", m)
			}
		}},
		{"an idle-expired session is refused", func(s *domain.Session) { s.LastSeenAt = time.Now().Add(-16 * time.Minute) }, "GET", "/api/whoami", 403, nil},
		{"another IP is refused when sessions are locked to their IP", func(s *domain.Session) { s.IP = "10.9.9.9"; s.LockIP = true }, "GET", "/api/whoami", 403, nil},
		{"after login hours a GET still reads", func(s *domain.Session) { s.Hours = closed }, "GET", "/api/whoami", 200, func(t *testing.T, m map[string]any, _ http.Header) {
			if m["readOnly"] != true {
				t.Errorf("read-only not passed on: %v", m)
			}
		}},
		{"after login hours a POST is refused", func(s *domain.Session) { s.Hours = closed }, "POST", "/api/whoami", 403, nil},
		{"a Block resource refuses a Standard session", nil, "GET", "/api/setup/users", 403, nil},
		{"a Block resource admits a High Assurance session", func(s *domain.Session) { s.Level = string(policy.LevelHighAssurance) }, "GET", "/api/setup/users", 200, nil},
		{"a Raise resource answers with the step-up challenge", nil, "GET", "/api/reports/q1", 401, func(t *testing.T, m map[string]any, h http.Header) {
			if m["error"] != "insufficient_user_authentication" || !strings.Contains(h.Get("WWW-Authenticate"), "insufficient_user_authentication") {
				t.Errorf("step-up answer %v %v", m, h)
			}
		}},
		{"a Block resource spelled in capitals still blocks", nil, "GET", "/api/SETUP/users", 403, nil},
		{"a Block resource behind an empty segment is refused", nil, "GET", "/api//setup/users", 403, nil},
		{"a Block resource behind a dot segment is refused", nil, "GET", "/api/./setup/users", 403, nil},
		{"a Block resource percent-encoded still blocks", nil, "GET", "/api/%73etup/users", 403, nil},
		{"a Raise resource spelled otherwise still asks to step up", nil, "GET", "/api/Reports", 401, nil},
		{"a browser session is not a bearer token", func(s *domain.Session) { s.LoginType = "UI" }, "GET", "/api/whoami", 403, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, m, h := call(tt.method, tt.path, session(tt.mod))
			if code != tt.want {
				t.Fatalf("status %d (%v); want %d", code, m, tt.want)
			}
			if tt.check != nil {
				tt.check(t, m, h)
			}
		})
	}
	t.Run("no token is 401 and a made-up one 403", func(t *testing.T) {
		if code, _, _ := call("GET", "/api/whoami", ""); code != 401 {
			t.Fatalf("no token: %d", code)
		}
		if code, _, _ := call("GET", "/api/whoami", orgID+"!made-up"); code != 403 {
			t.Fatalf("made-up token: %d", code)
		}
	})
	t.Run("a session from a real OAuth login passes", func(t *testing.T) {
		a := s.account(t, nil, nil)
		cid, csec := s.app(t, a.org.ID)
		form := url.Values{"grant_type": {"password"}, "client_id": {cid}, "client_secret": {csec}, "username": {a.username}, "password": {a.password + a.token}}
		resp, err := http.PostForm(s.baseURL+"/services/oauth2/token", form)
		if err != nil {
			t.Fatal(err)
		}
		var tok map[string]string
		json.NewDecoder(resp.Body).Decode(&tok)
		resp.Body.Close()
		if code, m, _ := call("GET", "/api/whoami", tok["access_token"]); code != 200 || m["orgId"] != a.org.ID {
			t.Fatalf("whoami with a real session: %d %v", code, m)
		}
	})
}
