package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"loginguard/internal/testenv"
	"loginguard/shared/domain"
	"loginguard/shared/passwords"
	"loginguard/shared/policy"
)

// expiredAccount is a user of an org whose passwords expire after 30 days,
// whose password was set 40 days ago.
func (s *stack) expiredAccount(t *testing.T) account {
	t.Helper()
	o, p := s.orgAndProfile(t, func(o *domain.Org) { o.Password.ExpiryDays = 30 }, nil)
	return s.expiredUserIn(t, o, p)
}

// expiredUserIn is a user of o and p whose password was set 40 days ago.
func (s *stack) expiredUserIn(t *testing.T, o domain.Org, p domain.Profile) account {
	t.Helper()
	a := testenv.SeedUser(t, s.st, o, p, testenv.Params(fastParams), testenv.User(func(u *domain.User) {
		u.Username = "user-" + u.ID + "@e2e.example"
		u.Email, u.FirstName, u.LastName = u.Username, "Eve", "Tester"
		u.PasswordChangedAt = time.Now().Add(-40 * 24 * time.Hour)
	}))
	return account{org: o, profile: p, username: a.User.Username, password: a.Password, token: a.Token}
}

// zeepStep is one call of e2e/py/zeep_partner.py.
type zeepStep struct {
	OK              bool   `json:"ok"`
	Code            string `json:"code"`
	FaultCode       string `json:"faultcode"`
	Message         string `json:"message"`
	PasswordExpired bool   `json:"passwordExpired"`
	UserID          string `json:"userId"`
	UserName        string `json:"userName"`
	ServerURL       string `json:"serverUrl"`
}

type zeepRun struct {
	Login          zeepStep  `json:"login"`
	UserInfo       *zeepStep `json:"userInfo"`
	SetBadPassword *zeepStep `json:"setBadPassword"`
	SetPassword    *zeepStep `json:"setPassword"`
	UserInfoAfter  *zeepStep `json:"userInfoAfter"`
	Harness        string    `json:"harness"`
}

// zeep runs e2e/py/zeep_partner.py with Debian's python3 and python3-zeep
// (make test installs it), on Salesforce's partner WSDL of API 38.0.
func (s *stack) zeep(t *testing.T, in map[string]string) zeepRun {
	t.Helper()
	in["wsdl"] = filepath.Join(s.root, "e2e", "testdata", "partner-38.0.wsdl")
	in["loginUrl"] = s.baseURL
	arg, _ := json.Marshal(in)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, python3, filepath.Join(s.root, "e2e", "py", "zeep_partner.py"), string(arg))
	cmd.Stdout, cmd.Stderr = &out, &errOut
	runErr := cmd.Run()
	var r zeepRun
	if err := json.Unmarshal(out.Bytes(), &r); err != nil || r.Harness != "" {
		t.Fatalf("zeep harness: %v %v %s\nstdout: %s\nstderr: %s", err, runErr, r.Harness, out.String(), errOut.String())
	}
	return r
}

// python3 is Debian's, where apt puts python3-zeep (not any other Python
// on the PATH).
const python3 = "/usr/bin/python3"

// TestAnExpiredPasswordOverTheAPIs: jsforce's SOAP login throws on
// passwordExpired (its own behaviour, to avoid refreshing a restricted
// session forever), the OAuth password grant answers invalid_grant, and
// zeep, on the real v38 partner WSDL, logs in, is refused everything but
// setPassword, sets the password, and then logs in normally.
func TestAnExpiredPasswordOverTheAPIs(t *testing.T) {
	s := startStack(t)
	a := s.expiredAccount(t)

	if r := s.jsforce(t, "login", a.username, a.password+a.token); r.OK || r.Message != "Unable to login because the used password has expired." {
		t.Fatalf("jsforce on an expired password: %+v; want its own error", r)
	}
	cid, csec := s.app(t, a.org.ID)
	if r := s.jsforceOAuth(t, cid, csec, a.username, a.password+a.token); r.Login.OK || r.Login.Code != "invalid_grant" || !strings.Contains(r.Login.Message, "password expired") {
		t.Fatalf("jsforce OAuth on an expired password: %+v; want invalid_grant: password expired", r.Login)
	}

	// The restricted session reaches nothing behind the authorizer, nor
	// OAuth's identity endpoints.
	sid := s.soapLogin(t, a.username, a.password+a.token)
	if r := s.do(t, "GET", "/api/whoami", nil, map[string]string{"Authorization": "Bearer " + sid}, ""); r.status != 403 {
		t.Errorf("the API behind the authorizer: %d %s; want 403", r.status, r.body)
	}
	if r := s.do(t, "GET", "/services/oauth2/userinfo", nil, map[string]string{"Authorization": "Bearer " + sid}, ""); r.status != 403 || !strings.Contains(r.body, "INVALID_OPERATION_WITH_EXPIRED_PASSWORD") {
		t.Errorf("userinfo: %d %s; want 403 INVALID_OPERATION_WITH_EXPIRED_PASSWORD", r.status, r.body)
	}

	const next = "Quartz-Meadow-Lantern-71"
	r := s.zeep(t, map[string]string{"op": "set-password", "username": a.username, "password": a.password + a.token,
		"newPassword": next, "badPassword": "password1"})
	if !r.Login.OK || !r.Login.PasswordExpired || !strings.HasSuffix(r.Login.ServerURL, "/services/Soap/u/38.0/"+a.org.ID) {
		t.Fatalf("zeep login: %+v; want passwordExpired=true and the serverUrl", r.Login)
	}
	if r.UserInfo == nil || r.UserInfo.OK || r.UserInfo.Code != "INVALID_OPERATION_WITH_EXPIRED_PASSWORD" ||
		r.UserInfo.Message != "INVALID_OPERATION_WITH_EXPIRED_PASSWORD: The users password has expired, you must call SetPassword before attempting any other API operations" {
		t.Fatalf("getUserInfo with the restricted session: %+v", r.UserInfo)
	}
	if r.SetBadPassword == nil || r.SetBadPassword.OK || r.SetBadPassword.Code != "INVALID_NEW_PASSWORD" {
		t.Fatalf("setPassword to a common password: %+v; want INVALID_NEW_PASSWORD", r.SetBadPassword)
	}
	if r.SetPassword == nil || !r.SetPassword.OK {
		t.Fatalf("setPassword: %+v", r.SetPassword)
	}
	if r.UserInfoAfter == nil || r.UserInfoAfter.OK || r.UserInfoAfter.Code != "INVALID_SESSION_ID" {
		t.Fatalf("the restricted session after setPassword: %+v; want it ended", r.UserInfoAfter)
	}
	if w := s.do(t, "GET", "/services/oauth2/userinfo", nil, map[string]string{"Authorization": "Bearer " + sid}, ""); w.status != 403 || !strings.Contains(w.body, "Bad_OAuth_Token") {
		t.Errorf("the other restricted session after setPassword: %d %s; want it ended", w.status, w.body)
	}

	// A new token was mailed with the new password; the old pair is dead.
	tok := s.newestToken(t, a.username)
	if tok == a.token {
		t.Fatal("setPassword kept the old security token")
	}
	if s.loginWorks(t, a.username, a.password+a.token) {
		t.Fatal("the old password and token still log in")
	}
	again := s.zeep(t, map[string]string{"op": "login", "username": a.username, "password": next + tok})
	if !again.Login.OK || again.Login.PasswordExpired || again.UserInfo == nil || !again.UserInfo.OK || again.UserInfo.UserName != a.username {
		t.Fatalf("zeep after setPassword: %+v %+v; want a normal login and getUserInfo", again.Login, again.UserInfo)
	}
	if jr := s.jsforce(t, "login", a.username, next+tok); !jr.OK {
		t.Fatalf("jsforce after setPassword: %+v", jr)
	}
}

// TestAnExpiredPasswordIsChangedOnTheLoginPage drives Chromium through the
// forced change: each refused password shows its rule's message, exactly
// as the policy words it.
func TestAnExpiredPasswordIsChangedOnTheLoginPage(t *testing.T) {
	s := startStack(t)
	o, p := s.orgAndProfile(t, func(o *domain.Org) {
		o.Password = policy.PasswordPolicy{MinLength: 12, Complexity: policy.ComplexityAlphaNumeric, History: 3, ExpiryDays: 30, BlockCommon: true}
	}, nil)
	a := s.expiredUserIn(t, o, p)
	owner := policy.PasswordOwner{Username: a.username, FirstName: "Eve", LastName: "Tester"}
	var violations []map[string]string
	for _, pw := range []string{"Short-1", "Lantern-Quartz-Meadow", strings.Split(a.username, "@")[0] + "-9x", "password1234"} {
		vs := o.Password.Check(pw, owner, passwords.Default())
		if len(vs) == 0 {
			t.Fatalf("%q breaks no rule", pw)
		}
		violations = append(violations, map[string]string{"password": pw, "message": vs[0].Message})
	}
	s.browse(t, "expired-password", a, map[string]any{"newPassword": "Quartz-Meadow-Lantern-71", "violations": violations})
	var forced, allowed int
	for _, e := range s.history(t, a) {
		switch {
		case e.Reason == string(policy.ReasonPasswordExpired) && e.Challenge == string(policy.ChallengeNewPassword):
			forced++
		case e.Allowed && e.Challenge == string(policy.ChallengeNewPassword):
			allowed++
		}
	}
	if forced != 3 || allowed != 1 {
		t.Errorf("history: %d forced changes asked, %d sessions after one; want 3 and 1", forced, allowed)
	}
}
