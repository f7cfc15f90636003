package e2e

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"loginguard/shared/domain"
	"loginguard/shared/secret"
)

// The attacker's view, through the whole local stack: each test holds one
// thing (a password, a token, a session of one channel, a cookie) and tries
// it where it must not work. SECURITY.md lists the invariants these prove.
// The attacker's client is plain HTTP, as curl would be: no browser, no
// cookie jar, no redirects followed.

// web is one raw HTTP exchange with the stack.
type web struct {
	status  int
	body    string
	header  http.Header
	cookies map[string]string // Set-Cookie values by name ("" for a cleared one)
}

func (s *stack) do(t *testing.T, method, path string, cookies map[string]string, header map[string]string, body string) web {
	t.Helper()
	req, err := http.NewRequest(method, s.baseURL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	for k, v := range cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	c := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	w := web{status: resp.StatusCode, body: string(b), header: resp.Header, cookies: map[string]string{}}
	for _, c := range resp.Cookies() {
		// The functions percent-escape what cannot stand in a cookie; a
		// browser hands values back as set, and they mean the unescaped value.
		v, err := url.PathUnescape(c.Value)
		if err != nil {
			t.Fatalf("cookie %s: %v", c.Name, err)
		}
		w.cookies[c.Name] = v
	}
	return w
}

// form posts a form with the given cookies.
func (s *stack) form(t *testing.T, path string, cookies map[string]string, f url.Values) web {
	t.Helper()
	return s.do(t, "POST", path, cookies, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, f.Encode())
}

var sessionIDInSOAP = regexp.MustCompile(`<sessionId>([^<]+)</sessionId>`)

// soapLogin logs in through the SOAP partner API and returns the session id.
func (s *stack) soapLogin(t *testing.T, username, password string) string {
	t.Helper()
	r := s.do(t, "POST", "/services/Soap/u/50.0", nil, soapHeaders, soapEnvelope(username, password))
	m := sessionIDInSOAP.FindStringSubmatch(r.body)
	if r.status != 200 || m == nil {
		t.Fatalf("SOAP login: %d %s", r.status, r.body)
	}
	return m[1]
}

// soapLogout posts logout with sid in the SessionHeader; true when it ended a session.
func (s *stack) soapLogout(t *testing.T, sid string) bool {
	t.Helper()
	env := `<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Header><SessionHeader xmlns="urn:partner.soap.sforce.com"><sessionId>` +
		html.EscapeString(sid) + `</sessionId></SessionHeader></se:Header><se:Body><logout xmlns="urn:partner.soap.sforce.com"/></se:Body></se:Envelope>`
	r := s.do(t, "POST", "/services/Soap/u/50.0", nil, map[string]string{"Content-Type": "text/xml", "SOAPAction": `""`}, env)
	if r.status != 200 && !strings.Contains(r.body, "INVALID_SESSION_ID") {
		t.Fatalf("SOAP logout: %d %s", r.status, r.body)
	}
	return r.status == 200
}

// oauthLogin runs the OAuth username-password flow and returns the access token.
func (s *stack) oauthLogin(t *testing.T, a account, secretSuffix string) string {
	t.Helper()
	cid, csec := s.app(t, a.org.ID)
	r := s.form(t, "/services/oauth2/token", nil, url.Values{"grant_type": {"password"}, "client_id": {cid}, "client_secret": {csec},
		"username": {a.username}, "password": {a.password + secretSuffix}})
	var tok map[string]string
	json.Unmarshal([]byte(r.body), &tok)
	if r.status != 200 || tok["access_token"] == "" {
		t.Fatalf("OAuth login: %d %s", r.status, r.body)
	}
	return tok["access_token"]
}

var csrfInForm = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// pageCSRF reads the CSRF token of the form on a page.
func pageCSRF(t *testing.T, r web) string {
	t.Helper()
	m := csrfInForm.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no CSRF token on the page (%d): %.300s", r.status, r.body)
	}
	return html.UnescapeString(m[1])
}

// browserLogin posts the login form as a browser would (its CSRF cookie
// first) and returns what the answer set: the session cookie on a direct
// login, or the challenge cookie, and the cookies the browser now holds.
func (s *stack) browserLogin(t *testing.T, username, password string, jar map[string]string) web {
	t.Helper()
	if jar == nil {
		jar = map[string]string{}
	}
	page := s.do(t, "GET", "/login", jar, nil, "")
	for k, v := range page.cookies {
		jar[k] = v
	}
	r := s.form(t, "/login", jar, url.Values{"csrf": {pageCSRF(t, page)}, "username": {username}, "password": {password}})
	for k, v := range r.cookies {
		jar[k] = v
	}
	r.cookies = jar
	return r
}

const (
	sidCookie       = "__Host-sid"
	challengeCookie = "__Host-lg_challenge"
	deviceCookie    = "__Host-lg_device"
	csrfCookie      = "__Host-lg_csrf"
	stepUpCookie    = "__Host-lg_stepup"
)

// TestAttackASessionWorksOnlyOnItsChannel tries each kind of session at
// every place a session is accepted. SOAP and REST sessions are API
// sessions, interchangeable as in Salesforce; a browser session works only
// on the pages; an API session never opens the pages (it was granted
// without the browser's emailed code, two-factor for UI logins or device
// activation).
func TestAttackASessionWorksOnlyOnItsChannel(t *testing.T) {
	s := startStack(t)
	// From the org's trusted range every channel logs in with the password
	// alone, and keeps doing so after a place below resets the token.
	a := s.account(t, func(o *domain.Org) { o.TrustedRanges = ranges(t, "127.0.0.0-127.0.0.255") }, nil)
	sessions := map[string]func(t *testing.T) string{
		"SOAP": func(t *testing.T) string { return s.soapLogin(t, a.username, a.password) },
		"REST": func(t *testing.T) string { return s.oauthLogin(t, a, "") },
		"UI": func(t *testing.T) string {
			r := s.browserLogin(t, a.username, a.password, nil)
			if r.cookies[sidCookie] == "" {
				t.Fatalf("browser login: %d, cookies %v", r.status, r.cookies)
			}
			return r.cookies[sidCookie]
		},
	}
	bearer := func(sid string) map[string]string { return map[string]string{"Authorization": "Bearer " + sid} }
	places := []struct {
		name string
		// works tries the session there and reports whether it was accepted.
		works func(t *testing.T, sid string) bool
		api   bool // accepted for API sessions, else for browser sessions only
	}{
		{"the home page", func(t *testing.T, sid string) bool {
			r := s.do(t, "GET", "/", map[string]string{sidCookie: sid}, nil, "")
			return r.status == 200 && strings.Contains(r.body, secret.CSRFToken(sid))
		}, false},
		{"the password page", func(t *testing.T, sid string) bool {
			return s.do(t, "GET", "/settings/password", map[string]string{sidCookie: sid}, nil, "").status == 200
		}, false},
		{"the token reset", func(t *testing.T, sid string) bool {
			r := s.form(t, "/settings/security-token", map[string]string{sidCookie: sid}, url.Values{"csrf": {secret.CSRFToken(sid)}})
			return r.status == 303 && r.header.Get("Location") == "/?m=token-sent"
		}, false},
		{"the step-up page", func(t *testing.T, sid string) bool {
			r := s.do(t, "GET", "/login/step-up?resource=reports", map[string]string{sidCookie: sid}, nil, "")
			return r.status == 200
		}, false},
		{"the idle-timeout refresh", func(t *testing.T, sid string) bool {
			r := s.do(t, "POST", "/session/refresh", map[string]string{sidCookie: sid}, map[string]string{"X-CSRF-Token": secret.CSRFToken(sid)}, "")
			return r.status == 200
		}, false},
		{"the session authorizer", func(t *testing.T, sid string) bool {
			return s.do(t, "GET", "/api/whoami", nil, bearer(sid), "").status == 200
		}, true},
		{"userinfo", func(t *testing.T, sid string) bool {
			return s.do(t, "GET", "/services/oauth2/userinfo", nil, bearer(sid), "").status == 200
		}, true},
	}
	for kind, open := range sessions {
		for _, p := range places {
			want := p.api == (kind != "UI")
			t.Run(kind+" session at "+p.name, func(t *testing.T) {
				sid := open(t)
				if got := p.works(t, sid); got != want {
					t.Fatalf("accepted = %v; want %v", got, want)
				}
			})
		}
	}
	// Ending a session is also a use: only its own channel may end it.
	t.Run("SOAP logout cannot end a browser session", func(t *testing.T) {
		sid := sessions["UI"](t)
		if s.soapLogout(t, sid) {
			t.Fatal("SOAP logout ended a browser session")
		}
		if s.do(t, "GET", "/", map[string]string{sidCookie: sid}, nil, "").status != 200 {
			t.Fatal("the browser session did not survive")
		}
	})
	t.Run("OAuth revoke cannot end a browser session", func(t *testing.T) {
		sid := sessions["UI"](t)
		if r := s.form(t, "/services/oauth2/revoke", nil, url.Values{"token": {sid}}); r.status == 200 {
			t.Fatal("revoke ended a browser session")
		}
		if s.do(t, "GET", "/", map[string]string{sidCookie: sid}, nil, "").status != 200 {
			t.Fatal("the browser session did not survive")
		}
	})
	t.Run("the pages' logout cannot end an API session", func(t *testing.T) {
		sid := sessions["SOAP"](t)
		s.form(t, "/logout", map[string]string{sidCookie: sid}, url.Values{"csrf": {secret.CSRFToken(sid)}})
		if s.do(t, "GET", "/api/whoami", nil, bearer(sid), "").status != 200 {
			t.Fatal("the API session did not survive the pages' logout")
		}
	})
	t.Run("a session ended by SOAP logout is refused at once everywhere", func(t *testing.T) {
		sid := sessions["SOAP"](t)
		if s.do(t, "GET", "/api/whoami", nil, bearer(sid), "").status != 200 {
			t.Fatal("the session does not work to begin with")
		}
		if !s.soapLogout(t, sid) {
			t.Fatal("SOAP logout failed")
		}
		if r := s.do(t, "GET", "/api/whoami", nil, bearer(sid), ""); r.status != 403 {
			t.Fatalf("the authorizer after logout: %d; want 403 (no decision is reused)", r.status)
		}
		if r := s.do(t, "GET", "/services/oauth2/userinfo", nil, bearer(sid), ""); r.status != 403 {
			t.Fatalf("userinfo after logout: %d; want 403", r.status)
		}
	})
	t.Run("a token in the URL is not read", func(t *testing.T) {
		sid := sessions["REST"](t)
		r := s.do(t, "GET", "/services/oauth2/userinfo?oauth_token="+url.QueryEscape(sid), nil, nil, "")
		if r.status != 401 {
			t.Fatalf("userinfo with the token in the URL only: %d %s; want 401", r.status, r.body)
		}
	})
}

// TestAttackEnrolmentNeedsMoreThanThePassword: an attacker with the
// password of a two-factor user who has not enrolled yet tries to enrol
// their own authenticator app from their own browser.
func TestAttackEnrolmentNeedsMoreThanThePassword(t *testing.T) {
	s := startStack(t)
	a := s.account(t, nil, func(p *domain.Profile) { p.TwoFactorUI = true })
	s.returning(t, a) // not the user's first login
	r := s.browserLogin(t, a.username, a.password, nil)
	if r.cookies[sidCookie] != "" {
		t.Fatal("the password alone opened a session")
	}
	page := s.do(t, "GET", "/login/verify", r.cookies, nil, "")
	if enrolSecret.MatchString(page.body) {
		t.Fatalf("enrolment offered on the password alone:\n%.600s", page.body)
	}
	if !strings.Contains(page.body, "We sent a verification code to") {
		t.Fatalf("the verification page does not ask for the emailed code first:\n%.600s", page.body)
	}
}

var enrolSecret = regexp.MustCompile(`data-secret="([A-Z2-7]+)"`)

// TestAttackAStepUpChallengeOpensNothingElse: the holder of a browser
// session starts a step-up, then answers its challenge at the login's own
// verification step, hoping for a new High Assurance session and an
// activation cookie.
func TestAttackAStepUpChallengeOpensNothingElse(t *testing.T) {
	s := startStack(t)
	a := s.account(t, nil, nil)
	login := s.browserLogin(t, a.username, a.password, nil) // first login: a session, an activated browser
	jar := login.cookies
	if jar[sidCookie] == "" || jar[deviceCookie] == "" {
		t.Fatalf("first login: cookies %v", jar)
	}
	step := s.do(t, "GET", "/login/step-up?resource=reports", jar, nil, "")
	m := enrolSecret.FindStringSubmatch(html.UnescapeString(step.body))
	if step.status != 200 || step.cookies[stepUpCookie] == "" || m == nil {
		t.Fatalf("step-up page: %d, cookies %v", step.status, step.cookies)
	}
	code, _ := totp.GenerateCodeCustom(m[1], time.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	stolen := map[string]string{challengeCookie: step.cookies[stepUpCookie], csrfCookie: "c" + strings.Repeat("0", 31)}
	r := s.form(t, "/login/verify", stolen, url.Values{"csrf": {stolen[csrfCookie]}, "code": {code}})
	if r.cookies[sidCookie] != "" || r.cookies[deviceCookie] != "" {
		t.Fatalf("a step-up challenge answered at /login/verify set %v", r.cookies)
	}
	// Nor can another session answer it.
	other := s.browserLogin(t, a.username, a.password, map[string]string{deviceCookie: jar[deviceCookie]})
	if other.cookies[sidCookie] == "" || other.cookies[sidCookie] == jar[sidCookie] {
		t.Fatalf("second session: %v", other.cookies)
	}
	oc := map[string]string{sidCookie: other.cookies[sidCookie], stepUpCookie: step.cookies[stepUpCookie]}
	s.form(t, "/login/step-up", oc, url.Values{"csrf": {secret.CSRFToken(oc[sidCookie])}, "code": {code}})
	home := s.do(t, "GET", "/", map[string]string{sidCookie: oc[sidCookie]}, nil, "")
	if strings.Contains(home.body, "High Assurance") && !strings.Contains(home.body, "Standard") {
		t.Fatal("another session was raised by this session's step-up challenge")
	}
	if u, _ := s.st.User(t.Context(), a.username); u.TOTPSealed != "" {
		t.Fatal("a key was enrolled by answers at the wrong step or from the wrong session")
	}
}

// TestAttackALockoutHoldsOnEveryChannel: failures on one channel lock the
// user on all, and the right password then opens nothing anywhere.
func TestAttackALockoutHoldsOnEveryChannel(t *testing.T) {
	s := startStack(t)
	a := s.account(t, nil, nil)
	cid, csec := s.app(t, a.org.ID)
	for i := 0; i < 10; i++ { // the default maximum is 10
		r := s.do(t, "POST", "/services/Soap/u/50.0", nil, map[string]string{"Content-Type": "text/xml"},
			`<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Body><login xmlns="urn:partner.soap.sforce.com"><username>`+
				a.username+`</username><password>wrong-`+a.token+`</password></login></se:Body></se:Envelope>`)
		if r.status != 500 || !strings.Contains(r.body, "INVALID_LOGIN") {
			t.Fatalf("a wrong password: %d %s", r.status, r.body)
		}
	}
	if r := s.form(t, "/services/oauth2/token", nil, url.Values{"grant_type": {"password"}, "client_id": {cid}, "client_secret": {csec},
		"username": {a.username}, "password": {a.password + a.token}}); r.status != 400 {
		t.Fatalf("OAuth with the right password while locked: %d %s", r.status, r.body)
	}
	if r := s.browserLogin(t, a.username, a.password, nil); r.cookies[sidCookie] != "" || r.cookies[challengeCookie] != "" {
		t.Fatalf("the login page with the right password while locked: %v", r.cookies)
	}
	u, _ := s.st.User(t.Context(), a.username)
	if u.Lock.Attempts != 10 {
		t.Fatalf("attempts %d; want exactly 10 (no refused attempt reached a password check)", u.Lock.Attempts)
	}
}

// TestAttackAnActivationCookieVerifiesOnlyItsOwnUser: a browser activated
// for one user (its cookie copied, say) is a new browser for every other.
func TestAttackAnActivationCookieVerifiesOnlyItsOwnUser(t *testing.T) {
	s := startStack(t)
	o, p := s.orgAndProfile(t, nil, nil)
	mine, theirs := s.userIn(t, o, p), s.userIn(t, o, p)
	first := s.browserLogin(t, mine.username, mine.password, nil) // first login: activates this browser
	if first.cookies[deviceCookie] == "" {
		t.Fatalf("no activation cookie: %v", first.cookies)
	}
	s.returning(t, theirs)
	r := s.browserLogin(t, theirs.username, theirs.password, map[string]string{deviceCookie: first.cookies[deviceCookie]})
	if r.cookies[sidCookie] != "" || r.cookies[challengeCookie] == "" {
		t.Fatalf("another user's activation cookie: cookies %v; want a challenge, no session", r.cookies)
	}
}
