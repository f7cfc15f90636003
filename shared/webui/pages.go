package webui

import (
	"bytes"
	"embed"
	"encoding/base64"
	"html/template"
	"image/png"
	"strconv"
	"time"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"

	"loginguard/shared/login"
	"loginguard/shared/policy"
	"loginguard/shared/store"
)

//go:embed assets
var assets embed.FS

var (
	appCSS    = mustRead("assets/app.css")
	sessionJS = mustRead("assets/session.js")
	pages     = template.Must(template.New("").Funcs(template.FuncMap{
		"level": levelName,
		"span":  span,
		"when":  func(t time.Time) string { return t.UTC().Format("2 Jan 2006, 15:04 MST") },
	}).ParseFS(assets, "assets/*.html"))
)

func mustRead(name string) string {
	b, err := assets.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// page is what every page's layout needs.
type page struct {
	Title    string
	Notice   string // a neutral message (logged out, timed out)
	Error    string
	CSRF     string
	SignedIn bool
}

type loginView struct {
	page
	Username     string
	Autocomplete bool // the org allows caching and autocomplete on the login page
}

type verifyView struct {
	page
	Action       string // where the code is posted
	StepUp       bool   // raising a signed-in session, not logging in
	Resource     string // the resource the step-up is for
	Pending      login.Pending
	QR           template.URL // data: URI of the enrolment QR code
	SecretGroups []string
}

type homeView struct {
	page
	User        store.User
	Session     store.Session
	ExpiresIn   int64 // seconds until the idle timeout, as of this page
	IdleTimeout int64 // the session's idle timeout in seconds
	ExpiresAt   time.Time
}

func render(name string, v any) string {
	var b bytes.Buffer
	if err := pages.ExecuteTemplate(&b, name+".html", v); err != nil {
		// Templates are fixed and tested; reaching here is a bug.
		return "<!doctype html><title>Error</title><p>The page could not be shown.</p>"
	}
	return b.String()
}

func levelName(l string) string {
	if policy.Level(l) == policy.LevelHighAssurance {
		return "High Assurance"
	}
	return "Standard"
}

// span says a duration the way people do: "15 minutes", "2 hours".
func span(d time.Duration) string {
	unit, n := "minute", int(d/time.Minute)
	if d >= time.Hour && d%time.Hour == 0 {
		unit, n = "hour", int(d/time.Hour)
	}
	if n != 1 {
		unit += "s"
	}
	return strconv.Itoa(n) + " " + unit
}

// qrDataURI draws the enrolment URL as a QR code PNG, inline: the key never
// leaves this page for another request.
func qrDataURI(text string) template.URL {
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return ""
	}
	if code, err = barcode.Scale(code, 220, 220); err != nil {
		return ""
	}
	var b bytes.Buffer
	if err := png.Encode(&b, code); err != nil {
		return ""
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes()))
}

// groups splits a key into groups of n for reading aloud or typing.
func groups(s string, n int) []string {
	var out []string
	for len(s) > n {
		out = append(out, s[:n])
		s = s[n:]
	}
	if s != "" {
		out = append(out, s)
	}
	return out
}
