package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"loginguard/internal/openapi"
	"loginguard/internal/testenv"
	"loginguard/shared/domain"
	"loginguard/shared/secret"
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
		{"GET /services/admin/v1/audit-trail", "/audit-trail?limit=5", "", 200, `"records":[`},
		{"GET /services/admin/v1/health-check", "/health-check", "", 200, `"code":"IDV_IP_ADDRESSES_NONE"`},
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

// adminOK is an admin API call that must answer 200 with has in its body.
func (s *stack) adminOK(t *testing.T, doc *openapi.Doc, sid, route, path, body, has string) string {
	t.Helper()
	r := s.adminCall(t, doc, sid, route, path, body)
	if r.status != 200 || !strings.Contains(r.body, has) {
		t.Fatalf("%s %s: %d %s; want 200 with %s", route, path, r.status, r.body, has)
	}
	return r.body
}

// jsonField is one string member of a JSON object answer.
func jsonField(t *testing.T, body, name string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	v, _ := m[name].(string)
	return v
}

// adminStack is a stack with an org whose admin (Manage Users and
// Customize Application) is logged in by SOAP: the session sid.
func adminStack(t *testing.T) (*stack, *openapi.Doc, domain.Org, account, string) {
	t.Helper()
	s := startStack(t)
	o, admins := s.orgAndProfile(t, nil, func(p *domain.Profile) { p.Name, p.ManageUsers, p.CustomizeApplication = "Admins", true, true })
	adm := s.userIn(t, o, admins)
	return s, openapi.Load(t), o, adm, s.soapLogin(t, adm.username, adm.password+adm.token)
}

// The admin API's user work through the gateway: a user created and
// logging in with the mailed token; a password reset link and a new token
// by mail (the old token stops working); sessions listed by reference and
// ended; browsers revoked; a TOTP key removed; a View Setup user refused
// with Manage Users named.
func TestAdminAPIUsers(t *testing.T) {
	s, doc, o, _, sid := adminStack(t)
	viewer := s.userIn(t, o, testenv.SeedProfile(t, s.st, o, func(p *domain.Profile) { p.Name, p.ViewSetup = "Viewers", true }))
	plain := testenv.SeedProfile(t, s.st, o, func(p *domain.Profile) { p.Name = "Standard" })
	const root = "/services/admin/v1"

	// Created, answered without the password, and able to log in.
	name := "created-" + o.ID + "@e2e.example"
	pw := "Fresh-Passw0rd-e2e"
	body := s.adminOK(t, doc, sid, "POST "+root+"/users", "/users",
		`{"username":"`+name+`","email":"`+name+`","firstName":"Cre","lastName":"Ated","profileId":"`+plain.ID+`","password":"`+pw+`"}`, `"note":"security token sent to `+name)
	if strings.Contains(body, pw) {
		t.Fatalf("the answer echoes the password: %s", body)
	}
	first := s.newestToken(t, name)
	created := s.soapLogin(t, name, pw+first)
	other := s.soapLogin(t, name, pw+first)
	user := "/users/" + url.PathEscape(name)

	// A reset link to this deployment's login page.
	s.adminOK(t, doc, sid, "POST "+root+"/users/{username}/password-reset-link", user+"/password-reset-link", "", `"loginUrl":"`+s.baseURL+`"`)
	if !testenv.HasMail(testenv.Mails(t, s.sesURL, name), s.baseURL+"/login/reset?u=") {
		t.Fatal("no reset link to this deployment reached the user")
	}
	// A new token by mail; the first stops working.
	s.adminOK(t, doc, sid, "POST "+root+"/users/{username}/security-token", user+"/security-token", "", `"sentTo":"`+name)
	next := s.newestToken(t, name)
	if next == first || s.loginWorks(t, name, pw+first) || !s.loginWorks(t, name, pw+next) {
		t.Fatal("after the reset the old token must fail and the new one work")
	}

	// Sessions by reference: one ended, then the rest.
	list := s.adminOK(t, doc, sid, "GET "+root+"/users/{username}/sessions", user+"/sessions", "", `"ref":"`)
	var sessions []struct{ Ref string }
	json.Unmarshal([]byte(list), &sessions)
	if strings.Contains(list, created) || strings.Contains(list, other) || len(sessions) < 2 {
		t.Fatalf("sessions: %s", list)
	}
	s.adminOK(t, doc, sid, "DELETE "+root+"/sessions/{ref}", "/sessions/"+sessions[0].Ref, "", `"ended":"`+sessions[0].Ref)
	if after := s.adminOK(t, doc, sid, "GET "+root+"/users/{username}/sessions", user+"/sessions", "", "["); strings.Contains(after, sessions[0].Ref) {
		t.Fatalf("the ended session is still listed: %s", after)
	}
	s.adminOK(t, doc, sid, "POST "+root+"/users/{username}/sessions/end", user+"/sessions/end", "", `"sessionsEnded":`)
	if st := s.userinfoStatus(t, created); st != 401 && st != 403 {
		t.Errorf("a session after every one was ended: userinfo %d", st)
	}
	if st := s.userinfoStatus(t, other); st != 401 && st != 403 {
		t.Errorf("a session after every one was ended: userinfo %d", st)
	}

	// Browsers: one revoked by its id, then all.
	u, err := s.st.User(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	for _, cookie := range []string{"browser-one", "browser-two"} {
		if err := s.st.AddDevice(context.Background(), u, secret.Digest(secret.PurposeDevice, cookie), domain.Device{ActivatedAt: time.Now(), IP: "127.0.0.1", Via: "VERIFICATION_CODE"}); err != nil {
			t.Fatal(err)
		}
	}
	id := secret.Digest(secret.PurposeDevice, "browser-one")[:16]
	s.adminOK(t, doc, sid, "GET "+root+"/users/{username}/devices", user+"/devices", "", `"id":"`+id)
	s.adminOK(t, doc, sid, "DELETE "+root+"/users/{username}/devices/{deviceId}", user+"/devices/"+id, "", `"revoked":"`+id)
	s.adminOK(t, doc, sid, "DELETE "+root+"/users/{username}/devices", user+"/devices", "", `"revoked":"all"`)
	if left := s.adminOK(t, doc, sid, "GET "+root+"/users/{username}/devices", user+"/devices", "", "["); left != "[]" {
		t.Fatalf("browsers left: %s", left)
	}

	// A TOTP key removed.
	if err := s.st.SetTOTPKey(context.Background(), name, "sealed-elsewhere"); err != nil {
		t.Fatal(err)
	}
	s.adminOK(t, doc, sid, "DELETE "+root+"/users/{username}/totp", user+"/totp", "", `"hasTotpKey":false`)

	// View Setup reads, and is refused every change with Manage Users named.
	vsid := s.soapLogin(t, viewer.username, viewer.password+viewer.token)
	s.adminOK(t, doc, vsid, "GET "+root+"/users/{username}/sessions", user+"/sessions", "", "[")
	for _, c := range [][2]string{{"POST " + root + "/users", "/users"}, {"POST " + root + "/users/{username}/security-token", user + "/security-token"},
		{"DELETE " + root + "/users/{username}/devices", user + "/devices"}} {
		b := ""
		if c[1] == "/users" {
			b = `{"username":"x-` + o.ID + `@e2e.example","profileId":"` + plain.ID + `","password":"` + pw + `"}`
		}
		r := s.adminCall(t, doc, vsid, c[0], c[1], b)
		if r.status != 403 || apiCode(r.body) != domain.CodeNotPermitted || !strings.Contains(r.body, "Manage Users") {
			t.Errorf("%s as View Setup: %d %s", c[0], r.status, r.body)
		}
	}
	// The CLI and the API refuse a taken user name alike.
	r := s.adminCall(t, doc, sid, "POST "+root+"/users", "/users", `{"username":"`+name+`","profileId":"`+plain.ID+`","password":"`+pw+`"}`)
	cli := s.adminFails(t, "user", "create", "--org", o.ID, "--profile", plain.ID, "--username", name, "--password", pw)
	if r.status != 409 || apiCode(r.body) != cli {
		t.Errorf("a taken name: API %d %s, CLI %q", r.status, r.body, cli)
	}
}

// Connected apps, one-range edits and paging through the gateway.
func TestAdminAPIAppsRangesAndPages(t *testing.T) {
	s, doc, o, adm, sid := adminStack(t)
	spare := testenv.SeedProfile(t, s.st, o, func(p *domain.Profile) { p.Name = "Spare" })
	const root = "/services/admin/v1"

	// An app: its secret shown once, listed without it, deleted.
	created := s.adminOK(t, doc, sid, "POST "+root+"/apps", "/apps", `{"name":"Loader","callbacks":["https://loader.example/cb"]}`, `"clientSecret":"`)
	id, sec := jsonField(t, created, "clientId"), jsonField(t, created, "clientSecret")
	if list := s.adminOK(t, doc, sid, "GET "+root+"/apps", "/apps", "", id); strings.Contains(list, sec) {
		t.Fatalf("the list shows the secret: %s", list)
	}
	s.adminOK(t, doc, sid, "DELETE "+root+"/apps/{clientId}", "/apps/"+id, "", `"deleted":"`+id)
	if list := s.adminOK(t, doc, sid, "GET "+root+"/apps", "/apps", "", "["); strings.Contains(list, id) {
		t.Fatalf("a deleted app is listed: %s", list)
	}

	// One range at a time: added, edited, deleted; an invalid one refused
	// with the seed's rule, by the CLI with the same code.
	prof := "/profiles/" + spare.ID + "/login-ip-ranges"
	s.adminOK(t, doc, sid, "POST "+root+"/profiles/{profileId}/login-ip-ranges", prof, `{"start":"198.51.100.0","end":"198.51.100.255"}`, `"loginIpRanges":["198.51.100.0-198.51.100.255"]`)
	s.adminOK(t, doc, sid, "PUT "+root+"/profiles/{profileId}/login-ip-ranges/{ipRange}", prof+"/198.51.100.0-198.51.100.255", `{"start":"198.51.100.0","end":"198.51.100.127"}`, `"loginIpRanges":["198.51.100.0-198.51.100.127"]`)
	s.adminOK(t, doc, sid, "DELETE "+root+"/profiles/{profileId}/login-ip-ranges/{ipRange}", prof+"/198.51.100.0-198.51.100.127", "", `"loginIpRanges":[]`)
	s.adminOK(t, doc, sid, "POST "+root+"/org/trusted-ranges", "/org/trusted-ranges", `{"start":"203.0.113.0","end":"203.0.113.255"}`, `"trustedIpRanges":["203.0.113.0-203.0.113.255"]`)
	s.adminOK(t, doc, sid, "PUT "+root+"/org/trusted-ranges/{ipRange}", "/org/trusted-ranges/"+url.PathEscape("203.0.113.0-203.0.113.255"), `{"start":"203.0.113.8"}`, `"trustedIpRanges":["203.0.113.8"]`)
	s.adminOK(t, doc, sid, "DELETE "+root+"/org/trusted-ranges/{ipRange}", "/org/trusted-ranges/203.0.113.8", "", `"trustedIpRanges":[]`)
	r := s.adminCall(t, doc, sid, "POST "+root+"/org/trusted-ranges", "/org/trusted-ranges", `{"start":"10.0.0.9","end":"10.0.0.1"}`)
	cli := s.adminFails(t, "org", "set", o.ID, "--trusted-ranges", "10.0.0.9-10.0.0.1")
	if r.status != 400 || apiCode(r.body) != cli || !strings.Contains(r.body, "the start address must not be greater than the end address") {
		t.Errorf("a reversed range: API %d %s, CLI %q", r.status, r.body, cli)
	}

	// Login history in pages of two: every login once.
	for range 4 {
		s.soapLogin(t, adm.username, adm.password+adm.token)
	}
	seen := map[string]bool{}
	lines, cursor := 0, ""
	for pages := 0; pages < 10; pages++ {
		path := "/login-history?type=SOAP&outcome=Success&limit=2&user=" + url.QueryEscape(adm.username)
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		var p struct {
			Records    []struct{ At, Username string }
			NextCursor string
		}
		json.Unmarshal([]byte(s.adminOK(t, doc, sid, "GET "+root+"/login-history", path, "", `"records":`)), &p)
		lines += len(p.Records)
		for _, l := range p.Records {
			seen[l.At+l.Username] = true
		}
		if cursor = p.NextCursor; cursor == "" {
			break
		}
	}
	if lines != 5 || cursor != "" {
		t.Errorf("%d lines in pages of two, cursor %q; want the 5 SOAP logins", lines, cursor)
	}
	// The audit trail in pages of one: a token reset and a refusal.
	s.adminOK(t, doc, sid, "POST "+root+"/users/{username}/security-token", "/users/"+url.PathEscape(adm.username)+"/security-token", "", `"sentTo":`)
	plain := s.userIn(t, o, testenv.SeedProfile(t, s.st, o))
	s.adminCall(t, doc, s.soapLogin(t, plain.username, plain.password+plain.token), "GET "+root+"/org", "/org", "")
	var actions []string
	for cursor, pages := "", 0; pages == 0 || cursor != ""; pages++ {
		var p struct {
			Records    []struct{ Action string }
			NextCursor string
		}
		json.Unmarshal([]byte(s.adminOK(t, doc, sid, "GET "+root+"/audit-trail", "/audit-trail?limit=1&cursor="+url.QueryEscape(cursor), "", `"records":`)), &p)
		for _, l := range p.Records {
			actions = append(actions, l.Action)
		}
		if cursor = p.NextCursor; pages > 10 {
			t.Fatal("the trail does not end")
		}
	}
	if len(actions) != 2 || actions[1] != "TOKEN_RESET" {
		t.Errorf("the trail in pages of one: %v; want the refusal, then the token reset", actions)
	}
}
