package e2e

import (
	"bufio"
	"encoding/json"
	"html"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
)

// The per-source throttle through the whole stack (SECURITY.md, invariant
// 13): failures from one address, on any channel and against any user,
// count together; past the limit every channel refuses that address early,
// each in its own client's terms, and spends no hash on it.
//
// An instance learns that a source is past the limit from its own count or
// by reading it (shared/login/throttle.go); one emulator per function makes
// each channel one instance, so the test knows which instance saw what.

// from is the header that makes the gateway (--trust-forwarded-for) see
// the request as coming from ip; "" is the TCP peer, 127.0.0.1.
func from(ip string, h map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		out[k] = v
	}
	if ip != "" {
		out["X-Forwarded-For"] = ip
	}
	return out
}

var soapHeaders = map[string]string{"Content-Type": "text/xml", "SOAPAction": `""`}

// soapEnvelope is a partner API login request.
func soapEnvelope(username, password string) string {
	return `<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Body><login xmlns="urn:partner.soap.sforce.com"><username>` +
		html.EscapeString(username) + `</username><password>` + html.EscapeString(password) + `</password></login></se:Body></se:Envelope>`
}

func (s *stack) soapFrom(t *testing.T, ip, username, password string) web {
	t.Helper()
	return s.do(t, "POST", "/services/Soap/u/50.0", nil, from(ip, soapHeaders), soapEnvelope(username, password))
}

func (s *stack) oauthFrom(t *testing.T, ip, clientID, clientSecret, username, password string) web {
	t.Helper()
	f := url.Values{"grant_type": {"password"}, "client_id": {clientID}, "client_secret": {clientSecret}, "username": {username}, "password": {password}}
	return s.do(t, "POST", "/services/oauth2/token", nil, from(ip, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}), f.Encode())
}

// pageFrom posts the login form from ip as a browser would (the page's
// CSRF cookie and token first).
func (s *stack) pageFrom(t *testing.T, ip, username, password string) web {
	t.Helper()
	page := s.do(t, "GET", "/login", nil, from(ip, nil), "")
	f := url.Values{"csrf": {pageCSRF(t, page)}, "username": {username}, "password": {password}}
	return s.do(t, "POST", "/login", page.cookies, from(ip, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}), f.Encode())
}

// retryAfter is the answer's Retry-After in seconds; 0 when absent.
func retryAfter(t *testing.T, r web) int {
	t.Helper()
	v := r.header.Get("Retry-After")
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		t.Fatalf("Retry-After %q is not a number of seconds", v)
	}
	return n
}

func TestThrottledSourceOnEveryChannel(t *testing.T) {
	const limit = 3
	s := startStackWith(t, stackOptions{trustForwardedFor: true, pool: 1, env: map[string]string{
		"SOURCE_FAILURE_LIMIT": strconv.Itoa(limit), "SOURCE_FAILURE_WINDOW": "10m", "SOURCE_EXEMPT_RANGES": "198.51.100.200",
	}})
	o, p := s.orgAndProfile(t, nil, nil)
	users := []account{s.userIn(t, o, p), s.userIn(t, o, p), s.userIn(t, o, p)}
	victim := s.userIn(t, o, p)
	cid, csec := s.app(t, o.ID)
	const attacker = "203.0.113.9"

	// A spray: one wrong password per user, one on each channel.
	if r := s.soapFrom(t, attacker, users[0].username, "Spring2026!"); !strings.Contains(r.body, "INVALID_LOGIN") {
		t.Fatalf("a wrong SOAP password: %d %s", r.status, r.body)
	}
	if r := s.oauthFrom(t, attacker, cid, csec, users[1].username, "Spring2026!"); r.status != 400 || !strings.Contains(r.body, "invalid_grant") {
		t.Fatalf("a wrong OAuth password: %d %s", r.status, r.body)
	}
	if r := s.pageFrom(t, attacker, users[2].username, "Spring2026!"); r.status != 200 || r.cookies["sid"] != "" || retryAfter(t, r) != 0 {
		t.Fatalf("a wrong password on the login page: %d %.300s", r.status, r.body)
	}

	// Now the address is throttled everywhere, even with the right
	// password of a user it never tried: no channel checks it.
	soap := s.soapFrom(t, attacker, victim.username, victim.password+victim.token)
	if soap.status != 500 || !strings.Contains(soap.body, "<faultcode>sf:REQUEST_LIMIT_EXCEEDED</faultcode>") || strings.Contains(soap.body, "<sessionId>") {
		t.Fatalf("SOAP from a throttled source: want the sf:REQUEST_LIMIT_EXCEEDED fault, got %d %s", soap.status, soap.body)
	}
	oauth := s.oauthFrom(t, attacker, cid, csec, victim.username, victim.password+victim.token)
	var oe map[string]string
	json.Unmarshal([]byte(oauth.body), &oe)
	if oauth.status != 429 || oe["error"] != "temporarily_unavailable" || oe["access_token"] != "" {
		t.Fatalf("OAuth from a throttled source: want 429 temporarily_unavailable, got %d %s", oauth.status, oauth.body)
	}
	page := s.pageFrom(t, attacker, victim.username, victim.password)
	if page.status != 429 || !strings.Contains(page.body, "Too many failed logins from your network address") || page.cookies["sid"] != "" {
		t.Fatalf("the login page from a throttled source: want 429 and the message, got %d %.500s", page.status, page.body)
	}
	for name, r := range map[string]web{"SOAP": soap, "OAuth": oauth, "login page": page} {
		if n := retryAfter(t, r); n < 600 || n > 1200 {
			t.Errorf("%s: Retry-After %d s, want the rest of the 10-minute window and the next one", name, n)
		}
	}

	// The throttle is the address's, not the user's: from elsewhere the
	// victim logs in on every channel.
	if r := s.soapFrom(t, "203.0.113.10", victim.username, victim.password+victim.token); !strings.Contains(r.body, "<sessionId>") {
		t.Fatalf("SOAP from another source: %d %s", r.status, r.body)
	}
	if r := s.oauthFrom(t, "203.0.113.10", cid, csec, victim.username, victim.password+victim.token); r.status != 200 {
		t.Fatalf("OAuth from another source: %d %s", r.status, r.body)
	}

	// IPv6: the source is the /64.
	for i := 0; i < limit; i++ {
		s.soapFrom(t, "2001:db8:1:2::"+strconv.Itoa(i+1), users[0].username, "Summer2026!")
	}
	if r := s.soapFrom(t, "2001:db8:1:2::abcd", victim.username, victim.password+victim.token); !strings.Contains(r.body, "sf:REQUEST_LIMIT_EXCEEDED") {
		t.Fatalf("another address of a throttled /64: want the fault, got %d %s", r.status, r.body)
	}
	if r := s.soapFrom(t, "2001:db8:1:3::1", victim.username, victim.password+victim.token); !strings.Contains(r.body, "<sessionId>") {
		t.Fatalf("the next /64 is another source: %d %s", r.status, r.body)
	}

	// An exempt address (SOURCE_EXEMPT_RANGES) is never counted or refused.
	for i := 0; i < 2*limit; i++ {
		s.soapFrom(t, "198.51.100.200", users[1].username, "Autumn2026!")
	}
	if r := s.soapFrom(t, "198.51.100.200", victim.username, victim.password+victim.token); !strings.Contains(r.body, "<sessionId>") {
		t.Fatalf("an exempt source after %d failures: %d %s", 2*limit, r.status, r.body)
	}

	// An unmodified jsforce from a throttled address (the TCP peer, no
	// forwarded-for) reports Salesforce's code.
	for i := 0; i < limit; i++ {
		s.soapFrom(t, "", users[2].username, "Winter2026!")
	}
	if r := s.jsforce(t, "login", victim.username, victim.password+victim.token); r.OK || r.Code != "REQUEST_LIMIT_EXCEEDED" {
		t.Fatalf("jsforce from a throttled source: want REQUEST_LIMIT_EXCEEDED, got %+v", r)
	}

	// No throttled attempt reached a hash: each one's metric line says so.
	throttled := 0
	for _, m := range s.metricLines(t) {
		if m.Outcome != "SOURCE_THROTTLED" {
			continue
		}
		throttled++
		if m.PasswordHashes != 0 {
			t.Errorf("a throttled %s attempt computed %d password hashes", m.LoginType, m.PasswordHashes)
		}
	}
	if want := 5; throttled != want { // SOAP, OAuth, page, IPv6, jsforce
		t.Errorf("%d throttled attempts in the metrics, want %d", throttled, want)
	}
}

// metric is one login metric line (shared/metrics) in the gateway's log.
type metric struct {
	LoginType      string  `json:"LoginType"`
	Outcome        string  `json:"Outcome"`
	PasswordHashes uint64  `json:"PasswordHashes"`
	LoginDuration  float64 `json:"LoginDuration"` // milliseconds
}

// metricLines reads every login metric line the functions wrote.
func (s *stack) metricLines(t *testing.T) []metric {
	t.Helper()
	f, err := os.Open(s.logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []metric
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		i := strings.IndexByte(line, '{')
		if i < 0 || !strings.Contains(line, `"LoginDuration"`) {
			continue
		}
		var m metric
		if json.Unmarshal([]byte(line[i:]), &m) == nil && m.Outcome != "" {
			out = append(out, m)
		}
	}
	return out
}
