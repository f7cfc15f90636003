package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Cookie is a Set-Cookie value. Every cookie here is Secure, HttpOnly,
// SameSite=Lax and Path=/ (what the __Host- prefix demands); maxAge 0
// makes a cookie that ends with the browser session.
func Cookie(name, value string, maxAge int) string {
	c := http.Cookie{Name: name, Value: escapeCookieValue(value), MaxAge: maxAge, Path: "/",
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode}
	return c.String()
}

// ClearCookie expires a cookie.
func ClearCookie(name string) string { return Cookie(name, "", -1) }

// SecurityHeaders go on every answer: no inline script, no framing, no
// referrer leaks, no sniffing, HTTPS only, nothing cached.
var SecurityHeaders = map[string]string{
	"content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
	"referrer-policy":            "no-referrer",
	"x-content-type-options":     "nosniff",
	"x-frame-options":            "DENY",
	"strict-transport-security":  "max-age=63072000; includeSubDomains",
	"permissions-policy":         "camera=(), microphone=(), geolocation=()",
	"cross-origin-opener-policy": "same-origin",
	"cache-control":              "no-store",
}

// ParseCookies reads the cookies of a payload 2.0 event (its cookies
// array: API Gateway and cmd/local give one cookie an element); the first
// of a repeated name wins, and one that does not parse is skipped.
func ParseCookies(list []string) map[string]string {
	m := map[string]string{}
	for _, line := range list {
		cs, err := http.ParseCookie(line)
		if err != nil {
			continue
		}
		for _, c := range cs {
			if _, seen := m[c.Name]; !seen {
				m[c.Name] = unescapeCookieValue(c.Value)
			}
		}
	}
	return m
}

// Our ids and tokens (base64url, session ids with '!') are cookie-octets
// (RFC 6265) and go out as they are. A remembered user name may hold any
// character, and net/http drops what a cookie cannot carry, so those
// bytes, and '%' itself, are percent-escaped; PathUnescape also reads
// the query-escaped values that earlier versions set.
func escapeCookieValue(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if c := v[i]; cookieOctet(c) && c != '%' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func unescapeCookieValue(v string) string {
	if u, err := url.PathUnescape(v); err == nil {
		return u
	}
	return v
}

// cookieOctet is RFC 6265's cookie-octet: visible ASCII but '"', ',', ';' and '\\'.
func cookieOctet(c byte) bool {
	return c > ' ' && c < 0x7f && c != '"' && c != ',' && c != ';' && c != '\\'
}
