package web

import (
	"bytes"
	"context"
	"embed"
	"encoding/base64"
	"image/png"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"

	"loginguard/shared/account"
	"loginguard/shared/domain"
	"loginguard/shared/login"
	"loginguard/shared/mail"
	"loginguard/shared/policy"
	"loginguard/shared/settings"
)

//go:embed assets
var assets embed.FS

var (
	AppCSS    = mustRead("assets/app.css")
	SessionJS = mustRead("assets/session.js")
)

func mustRead(name string) string {
	b, err := assets.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// Page is what every page's layout needs.
type Page struct {
	Title  string
	Notice string // a neutral message (logged out, timed out)
	Error  string
	CSRF   string
	// SignedIn: the page is shown with a session (signed.page), whose
	// timing the idle-timeout prompt needs: the seconds left before it
	// idles out, as of this page, and its idle timeout.
	SignedIn    bool
	ExpiresIn   int64
	IdleTimeout int64
}

type LoginView struct {
	Page
	Username     string
	Autocomplete bool // the org allows caching and autocomplete on the login page
	// Switch: the names that logged in here, to switch between ("Enable
	// user switching"); OfferRemember: show "Remember me" ("Remember me
	// until logout"), ticked when Remember.
	Switch                  []string
	OfferRemember, Remember bool
}

type VerifyView struct {
	Page
	Action       string // where the code is posted
	StepUp       bool   // raising a signed-in session, not logging in
	Resource     string // the resource the step-up is for (resourceName shows it)
	Pending      login.Pending
	QR           templ.SafeURL // data: URI of the enrolment QR code (QRDataURI)
	SecretGroups []string
}

// resourceName is how the step-up page names the resource it is for: an
// identity-verification area by the seed's name ("Manage IP Addresses"),
// which the admin saw in Setup, anything else as given.
func resourceName(resource string) string {
	if a := policy.Area(resource); a.Known() {
		return a.Name()
	}
	return resource
}

// ForgotView is the "Forgot your password?" page; Sent after the form's answer.
type ForgotView struct {
	Page
	Username string
	Sent     bool
}

// ResetView is the reset page a reset link opens (the link itself is in
// the browser's cookie only).
type ResetView struct {
	Page
	Username string
	Pending  account.ResetPending
}

// ExpiredView is an expired password's forced change (the login's
// NEW_PASSWORD step), with the rules the new one must meet.
type ExpiredView struct {
	Page
	Username string
	Rules    []string
}

// ApproveView asks for the approval of an app (OAuth's consent).
type ApproveView struct {
	Page
	AppName  string
	Username string
	Scopes   []string // what each granted scope allows, in words
}

// BackView sends the browser back to an app, at To.
type BackView struct {
	AppName string
	To      string
}

type HomeView struct {
	Page
	User      domain.User
	Session   domain.Session
	ExpiresAt time.Time
	Sessions  []domain.Session // the user's live sessions, this one among them
}

type PasswordView struct {
	Page
	User domain.User
}

// Console is every console page's frame: the layout, the signed-in
// admin's name and org, the navigation and the section shown.
type Console struct {
	Page
	Name, OrgName string
	Sections      []ConsoleSection
	Current       string // the path of the section shown
}

// SettingsView is a console page of settings (Session Settings, Password
// Policies...): a form posted to Action, read-only unless CanEdit.
type SettingsView struct {
	Console
	Intro   string
	Action  string
	Fields  []settings.FormField
	CanEdit bool
}

func onOff(cond bool, on, off string) string {
	if cond {
		return on
	}
	return off
}

func codeLabel(kind policy.Challenge) string {
	if kind == policy.ChallengeEmailCode {
		return "Verification code"
	}
	return "Code from your authenticator app"
}

// Render draws a page: v is one of the views, or a Page for an error page.
func Render(v any) string {
	var c templ.Component
	switch v := v.(type) {
	case LoginView:
		c = loginPage(v)
	case VerifyView:
		c = verifyPage(v)
	case ForgotView:
		c = forgotPage(v)
	case ResetView:
		c = resetPage(v)
	case ExpiredView:
		c = expiredPage(v)
	case ApproveView:
		c = approvePage(v)
	case BackView:
		c = backToApp(v)
	case HomeView:
		c = homePage(v)
	case PasswordView:
		c = passwordPage(v)
	case Console:
		c = consoleMessage(v)
	case SettingsView:
		c = settingsPage(v)
	case NetworkAccessView:
		c = networkAccessPage(v)
	case IdentityVerificationView:
		c = identityVerificationPage(v)
	case HealthView:
		c = healthCheckPage(v)
	case ProfileListView:
		c = profileListPage(v)
	case ProfilePageView:
		c = profilePage(v)
	case UserListView:
		c = userListPage(v)
	case UserPageView:
		c = userPage(v)
	case AppsView:
		c = appsPage(v)
	case HistoryView:
		c = historyPage(v)
	case WhyView:
		c = whyPage(v)
	case Page:
		c = errorPage(v)
	}
	var b strings.Builder
	if c == nil || c.Render(context.Background(), &b) != nil {
		// A view without a page is a bug; a strings.Builder never fails.
		return "<!doctype html><title>Error</title><p>The page could not be shown.</p>"
	}
	return b.String()
}

func when(t time.Time) string { return t.UTC().Format("2 Jan 2006, 15:04 MST") }

// sessionVia says what a session came through: its connected app (OAuth),
// or the browser or client that logged in.
func sessionVia(s domain.Session) string {
	switch {
	case s.AppName != "":
		return s.AppName
	case s.Client == "":
		return "unknown client"
	case s.LoginType == policy.LoginUI:
		return mail.BrowserName(s.Client)
	}
	if r := []rune(s.Client); len(r) > 40 {
		return string(r[:39]) + "…"
	}
	return s.Client
}

func highAssurance(l string) bool { return policy.Level(l) == policy.LevelHighAssurance }

func levelName(l string) string {
	if highAssurance(l) {
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
func QRDataURI(text string) templ.SafeURL {
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
	return templ.SafeURL("data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes()))
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
