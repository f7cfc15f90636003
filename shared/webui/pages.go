package webui

import (
	"bytes"
	"embed"
	"encoding/base64"
	"image/png"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"

	"loginguard/shared/login"
	"loginguard/shared/markup"
	"loginguard/shared/policy"
	"loginguard/shared/store"
)

//go:embed assets
var assets embed.FS

var (
	appCSS    = mustRead("assets/app.css")
	sessionJS = mustRead("assets/session.js")
	tpl       = map[string]*markup.Template{}
)

func init() {
	names, err := fs.Glob(assets, "assets/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".html")
		tpl[base] = markup.Must(base, mustRead(n))
	}
}

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
	QR           string // data: URI of the enrolment QR code
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

type passwordView struct {
	page
	User store.User
}

type usersView struct {
	page
	User  store.User
	Users []store.User
}

const brand = markup.HTML(`<div class="brand"><span class="logo" aria-hidden="true">◆</span> loginguard</div>`)
const foot = markup.HTML(`<footer class="foot">Protected by loginguard · <span>Your connection is private</span></footer>`)

// fill fills a page template; the templates are fixed and tested, so a
// mistake here is a bug: it panics in tests, and shows a plain error page
// in production (render).
func fill(name string, v markup.Vars) markup.HTML {
	h, err := tpl[name].HTML(v)
	if err != nil {
		panic(err)
	}
	return h
}

// common are the values every page shares.
func common(p page, extra markup.Vars) markup.Vars {
	v := markup.Vars{
		"head": fill("layout", markup.Vars{"title": p.Title}), "brand": brand, "foot": foot, "csrf": p.CSRF,
		"title": p.Title, "messages": markup.Join(
			markup.If(p.Notice != "", fillSmall(noticeFrag, p.Notice)),
			markup.If(p.Error != "", fillSmall(errorFrag, p.Error))),
	}
	for k, x := range extra {
		v[k] = x
	}
	return v
}

// One-value fragments ({{m}}).
var (
	noticeFrag   = markup.Must("notice", `<p class="notice" role="status">{{m}}</p>`)
	errorFrag    = markup.Must("error", `<p class="error" role="alert" id="form-error">{{m}}</p>`)
	mutedFrag    = markup.Must("muted", `<span class="muted">{{m}}</span>`)
	plainFrag    = markup.Must("plain", `{{m}}`)
	resourceFrag = markup.Must("resource", `<p class="hint">Needed to open <strong>{{m}}</strong>: it requires a High Assurance session.</p>`)
)

func fillSmall(t *markup.Template, m string) markup.HTML {
	h, err := t.HTML(markup.Vars{"m": m})
	if err != nil {
		panic(err)
	}
	return h
}

func topbar(p page, u store.User) markup.HTML {
	return fill("topbar", markup.Vars{"csrf": p.CSRF, "name": u.FullName()})
}

func onOff(cond bool, on, off string) string {
	if cond {
		return on
	}
	return off
}

func renderLogin(v loginView) markup.HTML {
	return fill("login", common(v.page, markup.Vars{
		"username":             v.Username,
		"formAutocomplete":     markup.If(!v.Autocomplete, ` autocomplete="off"`),
		"userAutocomplete":     onOff(v.Autocomplete, "username", "off"),
		"passwordAutocomplete": onOff(v.Autocomplete, "current-password", "off"),
		"userAutofocus":        markup.If(v.Username == "", " autofocus"),
		"passwordAutofocus":    markup.If(v.Username != "", " autofocus"),
	}))
}

func renderVerify(v verifyView) markup.HTML {
	var intro markup.HTML
	label := "Code from your authenticator app"
	switch v.Pending.Kind {
	case policy.ChallengeEmailCode:
		intro = fill("verify-email", markup.Vars{"sentTo": v.Pending.MaskedEmail})
		label = "Verification code"
	case policy.ChallengeTOTPEnrol:
		intro = fill("verify-enrol", markup.Vars{"qr": v.QR, "secret": v.Pending.EnrolSecret,
			"groups": strings.Join(v.SecretGroups, " ")})
	default:
		intro = fill("verify-totp", markup.Vars{"username": v.Pending.Username})
	}
	cancel := markup.HTML(`<p><a href="/">Cancel and go back to home</a></p>`)
	if !v.StepUp {
		cancel = fill("verify-cancel", markup.Vars{"csrf": v.CSRF})
	}
	return fill("verify", common(v.page, markup.Vars{
		"intro": intro, "action": v.Action, "codeLabel": label, "cancel": cancel,
		"resourceNote": markup.If(v.Resource != "", fillSmall(resourceFrag, v.Resource)),
	}))
}

func renderHome(v homeView) markup.HTML {
	level := levelName(v.Session.Level)
	return fill("home", common(v.page, markup.Vars{
		"topbar": topbar(v.page, v.User), "name": v.User.FullName(),
		"expiresIn": strconv.FormatInt(v.ExpiresIn, 10), "idleTimeout": strconv.FormatInt(v.IdleTimeout, 10),
		"username": v.User.Username, "email": v.User.Email, "orgName": v.User.Policy.OrgName, "orgId": v.User.OrgID,
		"profile": v.User.Policy.ProfileName, "level": level, "levelClass": onOff(level == "High Assurance", " strong", ""),
		"loggedIn": when(v.Session.CreatedAt), "ip": v.Session.IP, "expiresAt": when(v.ExpiresAt), "timeout": span(v.Session.Timeout),
		"manageUsers": markup.If(v.User.Policy.ManageUsers, `<a class="button secondary" href="/setup/users" id="manage-users">Manage users</a>`),
	}))
}

func renderPassword(v passwordView) markup.HTML {
	return fill("password", common(v.page, markup.Vars{
		"topbar": topbar(v.page, v.User), "username": v.User.Username, "email": v.User.Email,
	}))
}

func renderUsers(v usersView) markup.HTML {
	var rows []markup.HTML
	for _, u := range v.Users {
		action := fillSmall(mutedFrag, "no email: no token")
		email := fillSmall(mutedFrag, "none")
		if u.Email != "" {
			action = fill("users-reset", markup.Vars{"csrf": v.CSRF, "username": u.Username})
			email = fillSmall(plainFrag, u.Email)
		}
		rows = append(rows, fill("users-row", markup.Vars{"name": u.FullName(), "username": u.Username,
			"email": email, "status": onOff(u.Active, "Active", "Inactive"), "action": action}))
	}
	return fill("users", common(v.page, markup.Vars{
		"topbar": topbar(v.page, v.User), "orgName": v.User.Policy.OrgName, "rows": markup.Join(rows...),
	}))
}

func renderError(p page) markup.HTML { return fill("error", common(p, nil)) }

// render draws a page. A template mistake (a bug) gives a plain page
// instead of a half-drawn one.
func render(v any) (out string) {
	defer func() {
		if recover() != nil {
			out = "<!doctype html><title>Error</title><p>The page could not be shown.</p>"
		}
	}()
	var h markup.HTML
	switch v := v.(type) {
	case loginView:
		h = renderLogin(v)
	case verifyView:
		h = renderVerify(v)
	case homeView:
		h = renderHome(v)
	case passwordView:
		h = renderPassword(v)
	case usersView:
		h = renderUsers(v)
	case page:
		h = renderError(v)
	default:
		panic("no such page")
	}
	return string(h)
}

func when(t time.Time) string { return t.UTC().Format("2 Jan 2006, 15:04 MST") }

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
func qrDataURI(text string) string {
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
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes())
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
