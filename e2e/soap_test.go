package e2e

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/ids"
	"loginguard/shared/policy"
)

func ranges(t *testing.T, spec string) policy.IPRanges {
	t.Helper()
	rs, err := policy.ParseIPRanges(spec)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// TestJsforceSOAPLogin drives an unmodified jsforce (conn.login, conn.logout)
// through the local gateway and the real SoapFunction binary. The client is
// always 127.0.0.1, so "trusted" and "untrusted" are made by the org's and
// profile's ranges around that address.
func TestJsforceSOAPLogin(t *testing.T) {
	s := startStack(t)

	t.Run("password and token from an untrusted IP logs in", func(t *testing.T) {
		t.Parallel()
		a := s.account(t, nil, nil)
		r := s.jsforce(t, "login", a.username, a.password+a.token)
		if !r.OK {
			t.Fatalf("login failed: %s", r.Message)
		}
		org18, _ := ids.To18(a.org.ID)
		if r.OrganizationID != org18 || len(r.UserID) != 18 || !strings.HasPrefix(r.UserID, "005") {
			t.Errorf("ids: org %q user %q; want 18-character ids (org %s)", r.OrganizationID, r.UserID, org18)
		}
		if r.InstanceURL != s.baseURL {
			t.Errorf("instanceUrl %q; want the serverUrl to point back at %s", r.InstanceURL, s.baseURL)
		}
		if !r.SessionIDShape || r.SessionOrg != a.org.ID {
			t.Errorf("session id is not {15-char org id}!{opaque}")
		}
	})
	t.Run("password alone from an org trusted range logs in", func(t *testing.T) {
		t.Parallel()
		a := s.account(t, func(o *domain.Org) { o.TrustedRanges = ranges(t, "127.0.0.0-127.0.0.255") }, nil)
		if r := s.jsforce(t, "login", a.username, a.password); !r.OK {
			t.Fatalf("login failed: %s", r.Message)
		}
	})
	t.Run("password alone from inside a profile range logs in", func(t *testing.T) {
		t.Parallel()
		a := s.account(t, nil, func(p *domain.Profile) { p.LoginIPRanges = ranges(t, "127.0.0.1") })
		if r := s.jsforce(t, "login", a.username, a.password); !r.OK {
			t.Fatalf("login failed: %s", r.Message)
		}
	})
	t.Run("outside every profile range is denied even with the token", func(t *testing.T) {
		t.Parallel()
		a := s.account(t, func(o *domain.Org) { o.TrustedRanges = ranges(t, "127.0.0.1") },
			func(p *domain.Profile) { p.LoginIPRanges = ranges(t, "10.0.0.0-10.0.0.255") })
		r := s.jsforce(t, "login", a.username, a.password+a.token)
		if r.OK || r.Code != "LOGIN_DURING_RESTRICTED_DOMAIN" {
			t.Fatalf("got %+v; want LOGIN_DURING_RESTRICTED_DOMAIN", r)
		}
	})
	t.Run("outside login hours is denied", func(t *testing.T) {
		t.Parallel()
		closed := "mon=00:00-00:00,tue=00:00-00:00,wed=00:00-00:00,thu=00:00-00:00,fri=00:00-00:00,sat=00:00-00:00,sun=00:00-00:00"
		a := s.account(t, nil, func(p *domain.Profile) {
			h, err := policy.ParseLoginHours("UTC", closed)
			if err != nil {
				t.Fatal(err)
			}
			p.LoginHours = h
		})
		r := s.jsforce(t, "login", a.username, a.password+a.token)
		if r.OK || r.Code != "LOGIN_DURING_RESTRICTED_TIME" {
			t.Fatalf("got %+v; want LOGIN_DURING_RESTRICTED_TIME", r)
		}
	})
	t.Run("a missing token is LOGIN_MUST_USE_SECURITY_TOKEN", func(t *testing.T) {
		t.Parallel()
		a := s.account(t, nil, nil)
		r := s.jsforce(t, "login", a.username, a.password)
		if r.OK || r.Code != "LOGIN_MUST_USE_SECURITY_TOKEN" {
			t.Fatalf("got %+v; want LOGIN_MUST_USE_SECURITY_TOKEN", r)
		}
		// jsforce shows faultstring undecoded: an escaped apostrophe would
		// reach its users as "company&apos;s".
		if !strings.Contains(r.Message, "outside of your company's trusted networks") || strings.Contains(r.Message, "&") {
			t.Fatalf("jsforce shows %q; want the text with a plain apostrophe and no entity", r.Message)
		}
	})
	t.Run("a wrong password is INVALID_LOGIN with Salesforce's text", func(t *testing.T) {
		t.Parallel()
		a := s.account(t, nil, nil)
		r := s.jsforce(t, "login", a.username, "Wrong-pass1"+a.token)
		want := "INVALID_LOGIN: Invalid username, password, security token; or user locked out."
		if r.OK || r.Message != want {
			t.Fatalf("got %+v; want %q", r, want)
		}
		if u := s.jsforce(t, "login", "nobody@e2e.example", "Wrong-pass1"+a.token); u.Message != want {
			t.Fatalf("unknown user answered %q; want the same text", u.Message)
		}
	})
	t.Run("lockout after M bad attempts, and an admin unlock", func(t *testing.T) {
		t.Parallel()
		a := s.account(t, func(o *domain.Org) { o.Lockout = policy.Lockout{MaxAttempts: 3, Period: 15 * time.Minute} }, nil)
		for i := 0; i < 3; i++ {
			if r := s.jsforce(t, "login", a.username, "bad-guess-"+a.token); r.Code != "INVALID_LOGIN" {
				t.Fatalf("bad attempt %d: %+v", i+1, r)
			}
		}
		if r := s.jsforce(t, "login", a.username, a.password+a.token); r.OK || r.Code != "INVALID_LOGIN" {
			t.Fatalf("locked user with the right password: %+v; want INVALID_LOGIN", r)
		}
		if err := s.st.Unlock(context.Background(), a.username); err != nil {
			t.Fatal(err)
		}
		if r := s.jsforce(t, "login", a.username, a.password+a.token); !r.OK {
			t.Fatalf("after unlock: %+v", r)
		}
	})
	t.Run("logout ends the session", func(t *testing.T) {
		t.Parallel()
		a := s.account(t, nil, nil)
		r := s.jsforce(t, "login-logout", a.username, a.password+a.token)
		if !r.OK || r.Logout == nil || !r.Logout.OK {
			t.Fatalf("login/logout: %+v logout %+v", r, r.Logout)
		}
		if r.LogoutAgain == nil || r.LogoutAgain.OK || r.LogoutAgain.Code != "INVALID_SESSION_ID" {
			t.Fatalf("a call with the ended session: %+v; want INVALID_SESSION_ID", r.LogoutAgain)
		}
	})
}

// TestBadInputThroughTheGateway posts hostile bodies over HTTP: each gets a
// SOAP fault from the function (HTTP 500 with a Fault body), never a crash
// or a gateway error.
func TestBadInputThroughTheGateway(t *testing.T) {
	s := startStack(t)
	const env = `<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Body>%s</se:Body></se:Envelope>`
	login := `<login xmlns="urn:partner.soap.sforce.com"><username>a@b.example</username><password>x</password></login>`
	wrap := func(body string) string { return strings.Replace(env, "%s", body, 1) }
	tests := []struct {
		name, body, contentType string
	}{
		{"malformed XML", wrap(`<login xmlns="urn:partner.soap.sforce.com"><username>a`), "text/xml"},
		{"a DOCTYPE", `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]>` + wrap(login), "text/xml"},
		{"a body over 64 KiB", wrap(strings.Replace(login, "<password>x", "<password>"+strings.Repeat("x", 65<<10), 1)), "text/xml"},
		{"wrong envelope namespace", strings.Replace(wrap(login), "http://schemas.xmlsoap.org/soap/envelope/", "urn:wrong", 1), "text/xml"},
		{"wrong operation namespace", wrap(strings.Replace(login, "urn:partner.soap.sforce.com", "urn:wrong", 1)), "text/xml"},
		{"unknown operation", wrap(`<query xmlns="urn:partner.soap.sforce.com"><queryString>x</queryString></query>`), "text/xml"},
		{"missing fields", wrap(`<login xmlns="urn:partner.soap.sforce.com"><username>a@b.example</username></login>`), "text/xml"},
		{"non-UTF-8", wrap(strings.Replace(login, "a@b", "a\xff\xfe@b", 1)), "text/xml"},
		{"wrong content type", wrap(login), "application/json"},
		{"empty body", "", "text/xml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, err := http.Post(s.baseURL+"/services/Soap/u/50.0", tt.contentType, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 500 || !strings.Contains(string(b), "Fault>") || !strings.Contains(string(b), "<faultcode>") {
				t.Fatalf("status %d body %s; want a SOAP fault with HTTP 500", resp.StatusCode, b)
			}
		})
	}
	t.Run("a chunked body without Content-Length works", func(t *testing.T) {
		pr, pw := io.Pipe()
		go func() {
			pw.Write([]byte(wrap(login)[:40]))
			pw.Write([]byte(wrap(login)[40:]))
			pw.Close()
		}()
		req, _ := http.NewRequest("POST", s.baseURL+"/services/Soap/u/54.0", pr)
		req.Header.Set("Content-Type", "text/xml")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), "INVALID_LOGIN") {
			t.Fatalf("chunked login for an unknown user: %d %s; want INVALID_LOGIN", resp.StatusCode, b)
		}
	})
}
