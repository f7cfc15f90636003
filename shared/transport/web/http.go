package web

import (
	"net/url"
	"strconv"
	"strings"
)

// Cookie is a Set-Cookie value. Every cookie here is Secure, HttpOnly,
// SameSite=Lax and Path=/ (what the __Host- prefix demands); maxAge 0
// makes a cookie that ends with the browser session.
func Cookie(name, value string, maxAge int) string {
	c := name + "=" + url.QueryEscape(value) + "; Path=/; Secure; HttpOnly; SameSite=Lax"
	if maxAge > 0 {
		c += "; Max-Age=" + strconv.Itoa(maxAge)
	}
	return c
}

// ClearCookie expires a cookie.
func ClearCookie(name string) string {
	return name + "=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax"
}

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
// array); the first of a repeated name wins.
func ParseCookies(list []string) map[string]string {
	m := map[string]string{}
	for _, line := range list {
		for _, part := range strings.Split(line, ";") {
			name, value, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok {
				continue
			}
			if v, err := url.QueryUnescape(value); err == nil {
				value = v
			}
			if _, seen := m[name]; !seen {
				m[name] = value
			}
		}
	}
	return m
}
