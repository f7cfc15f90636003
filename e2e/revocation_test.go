package e2e

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/secret"
)

// Sessions that end when they should (issue 13): deactivation, a password
// change or reset, an app's deletion and an admin's or the user's "end"
// make every path refuse the session at once; the admin does it with the
// real lgadmin binary, as an operator would.

// admin runs lgadmin against the stack and returns its standard output.
func (s *stack) admin(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(s.lgadmin, args...)
	cmd.Env = s.cliEnv
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("lgadmin %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errOut.String())
	}
	return out.String()
}

// oauthLoginWith runs the OAuth password flow through one connected app.
func (s *stack) oauthLoginWith(t *testing.T, a account, clientID, clientSecret string) string {
	t.Helper()
	r := s.form(t, "/services/oauth2/token", nil, url.Values{"grant_type": {"password"}, "client_id": {clientID}, "client_secret": {clientSecret},
		"username": {a.username}, "password": {a.password}})
	var tok map[string]string
	json.Unmarshal([]byte(r.body), &tok)
	if r.status != 200 || tok["access_token"] == "" {
		t.Fatalf("OAuth login: %d %s", r.status, r.body)
	}
	return tok["access_token"]
}

// liveSessions are one user's sessions of each type.
type liveSessions struct{ soap, oauth, ui string }

func (s *stack) openAll(t *testing.T, a account) liveSessions {
	t.Helper()
	ui := s.browserLogin(t, a.username, a.password, nil)
	if ui.cookies[sidCookie] == "" {
		t.Fatalf("browser login: %d %.300s", ui.status, ui.body)
	}
	return liveSessions{soap: s.soapLogin(t, a.username, a.password), oauth: s.oauthLogin(t, a, ""), ui: ui.cookies[sidCookie]}
}

// refusedEverywhere checks an API session on the authorizer, userinfo and
// the id URL, and a browser session on the home page and the settings
// pages; it returns the paths that still accept them.
func (s *stack) stillAccepted(t *testing.T, a account, ls liveSessions) []string {
	t.Helper()
	u, err := s.st.User(t.Context(), a.username)
	if err != nil {
		t.Fatal(err)
	}
	var open []string
	for kind, sid := range map[string]string{"SOAP": ls.soap, "OAuth": ls.oauth} {
		if sid == "" {
			continue
		}
		bearer := map[string]string{"Authorization": "Bearer " + sid}
		for _, path := range []string{"/api/whoami", "/services/oauth2/userinfo", "/id/" + u.OrgID + "/" + u.ID} {
			if r := s.do(t, "GET", path, nil, bearer, ""); r.status == 200 {
				open = append(open, kind+" session at "+path)
			}
		}
	}
	if ls.ui != "" {
		for _, path := range []string{"/", "/settings/password"} {
			if r := s.do(t, "GET", path, map[string]string{sidCookie: ls.ui}, nil, ""); r.status == 200 {
				open = append(open, "browser session at "+path)
			}
		}
		r := s.do(t, "POST", "/session/refresh", map[string]string{sidCookie: ls.ui}, map[string]string{"X-CSRF-Token": secret.CSRFToken(ls.ui)}, "")
		if r.status == 200 {
			open = append(open, "browser session at the idle-timeout refresh")
		}
	}
	return open
}

func TestRevocationEndsEverySessionOnEveryPath(t *testing.T) {
	s := startStack(t)
	trusted := func(o *domain.Org) { o.TrustedRanges = ranges(t, "127.0.0.0-127.0.0.255") }
	api := func(p *domain.Profile) { p.APIEnabled = true }

	t.Run("deactivation ends them all; reactivation opens none again", func(t *testing.T) {
		a := s.account(t, trusted, api)
		ls := s.openAll(t, a)
		if open := s.stillAccepted(t, a, ls); len(open) != 9 {
			t.Fatalf("before: accepted at %v; want all 9 places", open)
		}
		out := s.admin(t, "", "user", "deactivate", a.username)
		start := time.Now()
		if !strings.Contains(out, "3 sessions ended") {
			t.Fatalf("lgadmin user deactivate said:\n%s\nwant 3 sessions ended", out)
		}
		if open := s.stillAccepted(t, a, ls); len(open) > 0 {
			t.Fatalf("after deactivation, still accepted at %v", open)
		}
		t.Logf("every path refused %v after lgadmin returned", time.Since(start))
		if s.soapLogout(t, ls.soap) {
			t.Fatal("SOAP logout accepted the ended session")
		}
		s.admin(t, "", "user", "activate", a.username)
		if open := s.stillAccepted(t, a, ls); len(open) > 0 {
			t.Fatalf("after reactivation, old sessions accepted at %v", open)
		}
		fresh := s.soapLogin(t, a.username, a.password)
		if s.do(t, "GET", "/api/whoami", nil, map[string]string{"Authorization": "Bearer " + fresh}, "").status != 200 {
			t.Fatal("a new login after reactivation does not work")
		}
	})

	t.Run("a password change in the browser ends the other sessions, not the current one", func(t *testing.T) {
		a := s.account(t, trusted, api)
		ls := s.openAll(t, a)
		current := s.browserLogin(t, a.username, a.password, nil).cookies
		page := s.do(t, "GET", "/settings/password", current, nil, "")
		next := "New-Horse-Battery-7"
		r := s.form(t, "/settings/password", current, url.Values{"csrf": {pageCSRF(t, page)}, "current": {a.password}, "new": {next}, "confirm": {next}})
		if r.status != 303 || r.header.Get("Location") != "/?m=password-changed" {
			t.Fatalf("password change: %d %s %.300s", r.status, r.header.Get("Location"), r.body)
		}
		if open := s.stillAccepted(t, a, ls); len(open) > 0 {
			t.Fatalf("after the change, other sessions still accepted at %v", open)
		}
		if open := s.stillAccepted(t, a, liveSessions{ui: current[sidCookie]}); len(open) != 3 {
			t.Fatalf("the session the change was made from: accepted at %v; want all 3 browser places", open)
		}
	})

	t.Run("an admin password reset ends them all", func(t *testing.T) {
		a := s.account(t, trusted, api)
		ls := s.openAll(t, a)
		s.admin(t, "Reset-Horse-Battery-8\n", "user", "reset-password", a.username, "--password-stdin")
		if open := s.stillAccepted(t, a, ls); len(open) > 0 {
			t.Fatalf("after the reset, still accepted at %v", open)
		}
	})

	t.Run("deleting a connected app ends its sessions only", func(t *testing.T) {
		a := s.account(t, trusted, api)
		gone, goneSecret := s.app(t, a.org.ID)
		kept, keptSecret := s.app(t, a.org.ID)
		viaGone, viaKept := s.oauthLoginWith(t, a, gone, goneSecret), s.oauthLoginWith(t, a, kept, keptSecret)
		soap := s.soapLogin(t, a.username, a.password)
		out := s.admin(t, "", "app", "delete", "--org", a.org.ID, gone)
		if !strings.Contains(out, "sessions ended:") || !strings.Contains(out, "1") {
			t.Fatalf("lgadmin app delete said:\n%s", out)
		}
		if open := s.stillAccepted(t, a, liveSessions{oauth: viaGone}); len(open) > 0 {
			t.Fatalf("the deleted app's token still accepted at %v", open)
		}
		if open := s.stillAccepted(t, a, liveSessions{oauth: viaKept, soap: soap}); len(open) != 6 {
			t.Fatalf("the other app's token and the SOAP session: accepted at %v; want all 6 places", open)
		}
	})

	t.Run("lgadmin session list and end", func(t *testing.T) {
		a := s.account(t, trusted, api)
		ls := s.openAll(t, a)
		var listed []struct {
			Ref, Type, App, SourceIP, Started, LastActivity, SecurityLevel, Expires string
		}
		out := s.admin(t, "", "session", "list", "--user", a.username, "--json")
		if err := json.Unmarshal([]byte(out), &listed); err != nil || len(listed) != 3 {
			t.Fatalf("session list --json: %v\n%s", err, out)
		}
		types := map[string]string{}
		for _, l := range listed {
			types[l.Type] = l.Ref
			if len(l.Ref) != domain.RefLen || l.SourceIP != "127.0.0.1" || l.Started == "" || l.Expires == "" || l.SecurityLevel != "STANDARD" {
				t.Errorf("listed %+v", l)
			}
			if l.Type == "OAuth" && !strings.Contains(l.App, "e2e") {
				t.Errorf("an OAuth session names its app: %+v", l)
			}
		}
		if len(types) != 3 || types["UI"] == "" || types["SOAP"] == "" || types["OAuth"] == "" {
			t.Fatalf("types listed: %v; want UI, SOAP and OAuth", types)
		}
		for _, sid := range []string{ls.soap, ls.oauth, ls.ui} {
			if strings.Contains(out, sid) || strings.Contains(out, secret.Digest(secret.PurposeSession, sid)) {
				t.Fatal("session list shows a session id or its whole digest")
			}
		}
		if text := s.admin(t, "", "session", "list", "--org", a.org.ID); !strings.Contains(text, types["SOAP"]) || !strings.Contains(text, "LAST ACTIVITY") {
			t.Fatalf("session list --org:\n%s", text)
		}
		s.admin(t, "", "session", "end", types["SOAP"], "--org", a.org.ID)
		if open := s.stillAccepted(t, a, liveSessions{soap: ls.soap}); len(open) > 0 {
			t.Fatalf("the ended SOAP session still accepted at %v", open)
		}
		if open := s.stillAccepted(t, a, liveSessions{oauth: ls.oauth, ui: ls.ui}); len(open) != 6 {
			t.Fatalf("the others: accepted at %v; want all 6 places", open)
		}
		if out := s.admin(t, "", "session", "end", "--user", a.username); !strings.Contains(out, "sessions ended: 2") {
			t.Fatalf("session end --user said:\n%s", out)
		}
		if open := s.stillAccepted(t, a, ls); len(open) > 0 {
			t.Fatalf("after session end --user, still accepted at %v", open)
		}
	})

	t.Run("log out everywhere else, in Chromium", func(t *testing.T) {
		a := s.account(t, trusted, api)
		soap := s.soapLogin(t, a.username, a.password)
		if run := s.browse(t, "end-others", a, nil); !run.OK {
			t.Fatalf("%s (steps %v)", run.Error, run.Steps)
		}
		if open := s.stillAccepted(t, a, liveSessions{soap: soap}); len(open) > 0 {
			t.Fatalf("the SOAP session ended from the home page still accepted at %v", open)
		}
	})
}
