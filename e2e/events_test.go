package e2e

import (
	"bufio"
	"encoding/json"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"loginguard/internal/openapi"
	"loginguard/internal/testenv"
	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

// securityEvent is one "security event" line of the stack's log.
type securityEvent struct {
	Msg        string `json:"msg"`
	Source     string `json:"source"`
	DetailType string `json:"detail_type"`
	Bus        string `json:"bus"`
	Detail     struct {
		OrgID, UserID, Username, Reason, Actor string
		Time                                   time.Time
	} `json:"detail"`
}

// securityEvents are the security events in the stack's log so far.
func (s *stack) securityEvents(t *testing.T) []securityEvent {
	t.Helper()
	f, err := os.Open(s.logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []securityEvent
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e securityEvent
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.Msg == "security event" {
			out = append(out, e)
		}
	}
	return out
}

// TestSecurityEventsReachTheLogFromEveryFunction locks a user out through
// each login function (SOAP, OAuth, the login page) and unlocks one
// through the admin API: each change is one structured line in the local
// stack's log, where EventBridge would have it in AWS, and the IAM check
// sees each function's PutEvents.
func TestSecurityEventsReachTheLogFromEveryFunction(t *testing.T) {
	s := startStack(t)
	doc := openapi.Load(t)
	o, p := s.orgAndProfile(t, func(o *domain.Org) { o.Lockout = policy.Lockout{MaxAttempts: 3, Period: 15 * time.Minute} }, nil)
	admins := testenv.SeedProfile(t, s.st, o, func(p *domain.Profile) { p.Name, p.ManageUsers = "Admins", true })
	adm := s.userIn(t, o, admins)
	soapUser, oauthUser, webUser := s.userIn(t, o, p), s.userIn(t, o, p), s.userIn(t, o, p)
	cid, csec := s.app(t, o.ID)
	for i := 0; i < 3; i++ {
		r := s.do(t, "POST", "/services/Soap/u/50.0", nil, soapHeaders, soapEnvelope(soapUser.username, "wrong"+soapUser.password))
		if r.status != 500 || !strings.Contains(r.body, "INVALID_LOGIN") {
			t.Fatalf("SOAP bad login: %d %s", r.status, r.body)
		}
		r = s.form(t, "/services/oauth2/token", nil, url.Values{"grant_type": {"password"}, "client_id": {cid}, "client_secret": {csec},
			"username": {oauthUser.username}, "password": {"wrong" + oauthUser.password}})
		if r.status != 400 {
			t.Fatalf("OAuth bad login: %d %s", r.status, r.body)
		}
		s.browserLogin(t, webUser.username, "wrong"+webUser.password, nil)
	}
	sid := s.soapLogin(t, adm.username, adm.password+adm.token)
	if r := s.adminCall(t, doc, sid, "POST /services/admin/v1/users/{username}/unlock", "/users/"+url.PathEscape(webUser.username)+"/unlock", ""); r.status != 200 {
		t.Fatalf("unlock: %d %s", r.status, r.body)
	}
	want := map[string]string{soapUser.username: "loginguard.Lockout", oauthUser.username: "loginguard.Lockout"}
	got := map[string][]string{}
	for _, e := range s.securityEvents(t) {
		if e.Detail.OrgID != o.ID {
			continue
		}
		if e.Source != "loginguard" || e.Bus != "default" || e.Detail.Time.IsZero() || e.Detail.UserID == "" {
			t.Errorf("event %+v: want source loginguard on the default bus, a time and a user id", e)
		}
		got[e.Detail.Username] = append(got[e.Detail.Username], e.DetailType+" "+e.Detail.Reason+" "+e.Detail.Actor)
	}
	for name, typ := range want {
		if strings.Join(got[name], "|") != typ+" MAX_INVALID_ATTEMPTS " {
			t.Errorf("%s: events %v; want one %s", name, got[name], typ)
		}
	}
	if w := "loginguard.Lockout MAX_INVALID_ATTEMPTS |loginguard.Unlock ADMIN_UNLOCK " + adm.username; strings.Join(got[webUser.username], "|") != w {
		t.Errorf("%s (the login page, then the admin API): events %v; want %s", webUser.username, got[webUser.username], w)
	}
	raw, err := os.ReadFile(s.logPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{soapUser.password, oauthUser.password, webUser.password, sid} {
		if strings.Contains(string(raw), secret) {
			t.Fatal("the log holds a password or a session id")
		}
	}
}
