package web

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

	"loginguard/shared/domain"
	"loginguard/shared/login"
	"loginguard/shared/markup"
	"loginguard/shared/policy"
)

//go:embed assets
var assets embed.FS

var (
	AppCSS    = mustRead("assets/app.css")
	SessionJS = mustRead("assets/session.js")
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

// Page is what every page's layout needs.
type Page struct {
	Title    string
	Notice   string // a neutral message (logged out, timed out)
	Error    string
	CSRF     string
	SignedIn bool
}

type LoginView struct {
	Page
	Username     string
	Autocomplete bool // the org allows caching and autocomplete on the login page
}

type VerifyView struct {
	Page
	Action       string // where the code is posted
	StepUp       bool   // raising a signed-in session, not logging in
	Resource     string // the resource the step-up is for
	Pending      login.Pending
	QR           string // data: URI of the enrolment QR code
	SecretGroups []string
}

type HomeView struct {
	Page
	User        domain.User
	Session     domain.Session
	ExpiresIn   int64 // seconds until the idle timeout, as of this page
	IdleTimeout int64 // the session's idle timeout in seconds
	ExpiresAt   time.Time
}

type PasswordView struct {
	Page
	User domain.User
}

type UsersView struct {
	Page
	User  domain.User
	Users []domain.User
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
func common(p Page, extra markup.Vars) markup.Vars {
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

func topbar(p Page, u domain.User) markup.HTML {
	return fill("topbar", markup.Vars{"csrf": p.CSRF, "name": u.FullName()})
}

func onOff(cond bool, on, off string) string {
	if cond {
		return on
	}
	return off
}

func renderLogin(v LoginView) markup.HTML {
	return fill("login", common(v.Page, markup.Vars{
		"username":             v.Username,
		"formAutocomplete":     markup.If(!v.Autocomplete, ` autocomplete="off"`),
		"userAutocomplete":     onOff(v.Autocomplete, "username", "off"),
		"passwordAutocomplete": onOff(v.Autocomplete, "current-password", "off"),
		"userAutofocus":        markup.If(v.Username == "", " autofocus"),
		"passwordAutofocus":    markup.If(v.Username != "", " autofocus"),
	}))
}

func renderVerify(v VerifyView) markup.HTML {
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
	return fill("verify", common(v.Page, markup.Vars{
		"intro": intro, "action": v.Action, "codeLabel": label, "cancel": cancel,
		"resourceNote": markup.If(v.Resource != "", fillSmall(resourceFrag, v.Resource)),
	}))
}

func renderHome(v HomeView) markup.HTML {
	level := levelName(v.Session.Level)
	return fill("home", common(v.Page, markup.Vars{
		"topbar": topbar(v.Page, v.User), "name": v.User.FullName(),
		"expiresIn": strconv.FormatInt(v.ExpiresIn, 10), "idleTimeout": strconv.FormatInt(v.IdleTimeout, 10),
		"username": v.User.Username, "email": v.User.Email, "orgName": v.User.Policy.OrgName, "orgId": v.User.OrgID,
		"profile": v.User.Policy.ProfileName, "level": level, "levelClass": onOff(level == "High Assurance", " strong", ""),
		"loggedIn": when(v.Session.CreatedAt), "ip": v.Session.IP, "expiresAt": when(v.ExpiresAt), "timeout": Span(v.Session.Timeout),
		"manageUsers": markup.If(v.User.Policy.ManageUsers, `<a class="button secondary" href="/setup/users" id="manage-users">Manage users</a>`),
	}))
}

func renderPassword(v PasswordView) markup.HTML {
	return fill("password", common(v.Page, markup.Vars{
		"topbar": topbar(v.Page, v.User), "username": v.User.Username, "email": v.User.Email,
	}))
}

func renderUsers(v UsersView) markup.HTML {
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
	return fill("users", common(v.Page, markup.Vars{
		"topbar": topbar(v.Page, v.User), "orgName": v.User.Policy.OrgName, "rows": markup.Join(rows...),
	}))
}

func renderError(p Page) markup.HTML { return fill("error", common(p, nil)) }

// Render draws a page: v is one of the views, or a Page for an error page. A template mistake (a bug) gives a plain page
// instead of a half-drawn one.
func Render(v any) (out string) {
	defer func() {
		if recover() != nil {
			out = "<!doctype html><title>Error</title><p>The page could not be shown.</p>"
		}
	}()
	var h markup.HTML
	switch v := v.(type) {
	case LoginView:
		h = renderLogin(v)
	case VerifyView:
		h = renderVerify(v)
	case HomeView:
		h = renderHome(v)
	case PasswordView:
		h = renderPassword(v)
	case UsersView:
		h = renderUsers(v)
	case Page:
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

// Span says a duration the way people do: "15 minutes", "2 hours".
func Span(d time.Duration) string {
	unit, n := "minute", int(d/time.Minute)
	if d >= time.Hour && d%time.Hour == 0 {
		unit, n = "hour", int(d/time.Hour)
	}
	if n != 1 {
		unit += "s"
	}
	return strconv.Itoa(n) + " " + unit
}

// QRDataURI draws the enrolment URL as a QR code PNG, inline: the key never
// leaves this page for another request.
func QRDataURI(text string) string {
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

// Groups splits a key into groups of n for reading aloud or typing.
func Groups(s string, n int) []string {
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
