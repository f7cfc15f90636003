package e2e

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os/exec"
	"strings"
	"testing"

	"loginguard/internal/openapi"
	"loginguard/internal/testenv"
	"loginguard/shared/domain"
)

// adminCall is one admin API request with a session, its answer checked
// against the OpenAPI file.
func (s *stack) adminCall(t *testing.T, doc *openapi.Doc, sid, route, path, body string) web {
	t.Helper()
	method, _, _ := strings.Cut(route, " ")
	h := map[string]string{"Authorization": "Bearer " + sid}
	if body != "" {
		h["Content-Type"] = "application/json"
	}
	r := s.do(t, method, "/services/admin/v1"+path, nil, h, body)
	doc.Answers(t, route, r.status, r.body)
	return r
}

// adminFails runs lgadmin --json where it must fail and returns the code
// it prints.
func (s *stack) adminFails(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(s.lgadmin, append(args, "--json")...)
	cmd.Env = s.cliEnv
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err == nil {
		t.Fatalf("lgadmin %s succeeded: %s", strings.Join(args, " "), out.String())
	}
	var e struct{ ErrorCode string }
	json.Unmarshal(out.Bytes(), &e)
	return e.ErrorCode
}

func apiCode(body string) string {
	var e []struct{ ErrorCode, Message string }
	if json.Unmarshal([]byte(body), &e) != nil || len(e) != 1 {
		return ""
	}
	return e[0].ErrorCode
}

// The admin API through the gateway and the session authorizer: an admin
// logged in by SOAP reads and changes the org, a profile and a user; a user
// without the permission is refused with it named; the CLI and the API
// refuse the same bad input with the same code.
func TestAdminAPI(t *testing.T) {
	s := startStack(t)
	doc := openapi.Load(t)
	o, admins := s.orgAndProfile(t, nil, func(p *domain.Profile) { p.Name, p.ManageUsers, p.CustomizeApplication = "Admins", true, true })
	adm := s.userIn(t, o, admins)
	target := s.userIn(t, o, testenv.SeedProfile(t, s.st, o, func(p *domain.Profile) { p.Name = "Targets" }))
	plain := s.userIn(t, o, testenv.SeedProfile(t, s.st, o, func(p *domain.Profile) { p.Name = "Standard" }))
	spare := testenv.SeedProfile(t, s.st, o, func(p *domain.Profile) { p.Name = "Spare" }) // no user's: its changes end no session
	sid := s.soapLogin(t, adm.username, adm.password+adm.token)
	other := s.soapLogin(t, plain.username, plain.password+plain.token)
	s.soapLogin(t, target.username, target.password+target.token) // a session for deactivate to end
	user := "/users/" + url.PathEscape(target.username)

	for _, c := range []struct {
		route, path, body string
		status            int
		has               string
	}{
		{"GET /services/admin/v1/org", "/org", "", 200, `"name":"Acme E2E"`},
		{"PATCH /services/admin/v1/org", "/org", `{"lockoutMaxAttempts":"3","sessionTimeout":"1h","trustedIpRanges":["192.0.2.0-192.0.2.255"]}`, 200, `"lockoutMaxAttempts":"3"`},
		{"GET /services/admin/v1/profiles", "/profiles", "", 200, `"name":"Targets"`},
		{"GET /services/admin/v1/profiles/{profileId}", "/profiles/" + spare.ID, "", 200, `"name":"Spare"`},
		{"PATCH /services/admin/v1/profiles/{profileId}", "/profiles/" + spare.ID, `{"loginIpRanges":["198.51.100.0-198.51.100.255"],"viewSetup":true}`, 200, `"viewSetup":true`},
		{"GET /services/admin/v1/users", "/users", "", 200, target.username},
		{"GET /services/admin/v1/users/{username}", user, "", 200, target.username},
		{"POST /services/admin/v1/users/{username}/unlock", user + "/unlock", "", 200, `"locked":false`},
		{"POST /services/admin/v1/users/{username}/deactivate", user + "/deactivate", "", 200, `"sessionsEnded":1`},
		{"POST /services/admin/v1/users/{username}/activate", user + "/activate", "", 200, `"active":true`},
		{"GET /services/admin/v1/login-history", "/login-history?outcome=Success&type=SOAP&limit=5", "", 200, adm.username},
		{"GET /services/admin/v1/audit-trail", "/audit-trail?limit=5", "", 200, `[`},
		{"GET /services/admin/v1/health-check", "/health-check", "", 200, `"grade":`},
	} {
		if r := s.adminCall(t, doc, sid, c.route, c.path, c.body); r.status != c.status || !strings.Contains(r.body, c.has) {
			t.Errorf("%s: %d %s; want %d with %s", c.route, r.status, r.body, c.status, c.has)
		}
	}

	// A user without Customize Application is refused, the permission named.
	r := s.adminCall(t, doc, other, "PATCH /services/admin/v1/org", "/org", `{"rememberMe":true}`)
	if r.status != 403 || apiCode(r.body) != domain.CodeNotPermitted || !strings.Contains(r.body, "Customize Application") {
		t.Errorf("without the permission: %d %s", r.status, r.body)
	}
	// No session: the authorizer refuses before the function runs.
	if r := s.do(t, "GET", "/services/admin/v1/org", nil, nil, ""); r.status != 401 && r.status != 403 {
		t.Errorf("no session: %d %s", r.status, r.body)
	}

	// The same bad input, the same code from the CLI and the API.
	for _, c := range []struct {
		name, body string
		flags      []string
	}{
		{"a lockout value out of range", `{"lockoutMaxAttempts":"4"}`, []string{"--lockout-max", "4"}},
		{"a reversed IP range", `{"trustedIpRanges":["10.0.0.9-10.0.0.1"]}`, []string{"--trusted-ranges", "10.0.0.9-10.0.0.1"}},
		{"a password length out of range", `{"passwordMinLength":7}`, []string{"--password-min-length", "7"}},
	} {
		r := s.adminCall(t, doc, sid, "PATCH /services/admin/v1/org", "/org", c.body)
		cli := s.adminFails(t, append([]string{"org", "set", o.ID}, c.flags...)...)
		if r.status != 400 || apiCode(r.body) == "" || apiCode(r.body) != cli {
			t.Errorf("%s: API %d %s, CLI %q", c.name, r.status, r.body, cli)
		}
	}
}
