package web

import (
	"net/http"
	"net/url"
	"strings"

	"loginguard/shared/account"
	"loginguard/shared/domain"
	"loginguard/shared/policy"
	"loginguard/shared/settings"
)

// The console: the setup pages under /setup/, each on the admin use case
// (shared/admin) as the signed-in user, so that its permissions and the
// org's identity-verification policies are exactly the admin API's and
// lgadmin's. The pages are forms: no script is needed; every POST carries
// the session's CSRF token (readForm) and every page the login pages'
// security headers.

// consoleRoute serves one console page's GET or POST, for the signed-in
// admin c.
type consoleRoute func(h *Handler, r *request, c console) *response

// consoleRoutes are the console's pages, by method and path.
var consoleRoutes = map[string]consoleRoute{
	"GET /setup":                   func(_ *Handler, _ *request, _ console) *response { return redirect(consoleSections[0].Path) },
	"GET /setup/session-settings":  (*Handler).sessionSettings,
	"POST /setup/session-settings": (*Handler).saveSessionSettings,
	"GET /setup/profiles":          (*Handler).profiles,
	"GET /setup/users":             (*Handler).users,
	"POST /setup/users":            (*Handler).createUser,

	// Network Access, Password Policies, Identity Verification, Health
	// Check (console_security.go).
	"GET /setup/network-access":         (*Handler).networkAccess,
	"POST /setup/network-access":        (*Handler).editNetworkAccess,
	"GET /setup/password-policies":      (*Handler).passwordPolicies,
	"POST /setup/password-policies":     (*Handler).savePasswordPolicies,
	"GET /setup/identity-verification":  (*Handler).identityVerification,
	"POST /setup/identity-verification": (*Handler).saveIdentityVerification,
	"GET /setup/health-check":           (*Handler).healthCheck,

	// Connected Apps and Login History (console_apps.go, console_history.go).
	"GET /setup/apps":          (*Handler).connectedApps,
	"POST /setup/apps":         (*Handler).changeApps,
	"GET /setup/login-history": (*Handler).loginHistory,
}

// ConsoleSection is one entry of the console's navigation.
type ConsoleSection struct{ Path, Title string }

// consoleSections are the console's navigation, in order.
var consoleSections = []ConsoleSection{
	{"/setup/session-settings", "Session Settings"},
	{"/setup/network-access", "Network Access"},
	{"/setup/password-policies", "Password Policies"},
	{"/setup/profiles", "Profiles"},
	{"/setup/users", "Users"},
	{"/setup/apps", "Connected Apps"},
	{"/setup/login-history", "Login History"},
	{"/setup/identity-verification", "Identity Verification"},
	{"/setup/health-check", "Health Check"},
}

// console is a console request's admin: the signed-in session and user,
// as the actor of the admin use case.
type console struct {
	signed
	actor account.Actor
}

// may: the admin holds the permission act needs (the page offers the
// change; the use case checks it again when it is made).
func (c console) may(act policy.AdminAction) bool { return c.actor.May(act, c.user.OrgID) }

// consoleNotices are what a console page says after a redirect (?m=).
var consoleNotices = map[string]string{
	"saved":      "Saved.",
	"stepped-up": "Your session is now High Assurance: make the change again.",
}

// frame is the console's part of a page titled title, in section path.
func (c console) frame(r *request, title, path string) Console {
	v := Console{Page: c.page(r, title), Name: c.user.FullName(), OrgName: c.user.Policy.OrgName,
		Sections: consoleSections, Current: path}
	if r.method != http.MethodPost {
		v.Notice = consoleNotices[r.ev.QueryStringParameters["m"]]
	}
	return v
}

// serveConsole routes a /setup request: to the login page without a
// session, to the page with one.
func (h *Handler) serveConsole(r *request) *response {
	method := r.method
	if method == http.MethodHead {
		method = http.MethodGet
	}
	route, found := consoleRouteOf(method, r.path)
	if !found || h.Admin == nil {
		if _, get := consoleRouteOf(http.MethodGet, r.path); get {
			return h.errorPage(http.StatusMethodNotAllowed, "This page does not accept that request.")
		}
		return h.errorPage(http.StatusNotFound, "There is no page here.")
	}
	s, resp := h.signedIn(r)
	if resp != nil {
		return resp
	}
	return route(h, r, console{signed: s, actor: h.actor(r, s)})
}

// consoleRefusal is the answer to a refused console request that replaces
// the page: the step-up page where the org asks a High Assurance session
// for the area (Raise), coming back here once raised; a page naming the
// missing permission (or the area's Block); a failure of ours. nil: the
// refusal is the input's, for the form to show (its message).
func (h *Handler) consoleRefusal(r *request, c console, err error) *response {
	e := domain.AsError(err)
	switch e.Code {
	case domain.CodeHighAssuranceRequired:
		// A refused POST is sent again from the page once raised.
		return redirect("/login/step-up?resource=" + url.QueryEscape(string(e.Area)) + "&return=" + url.QueryEscape(r.path))
	case domain.CodeNotPermitted, domain.CodeSessionDenied:
		v := c.frame(r, "Insufficient privileges", r.path)
		v.Error = pageMessage(err)
		return (&response{status: http.StatusForbidden}).html(Render(v))
	case domain.CodeUnknown:
		h.Log.ErrorContext(r.ctx, "console request failed", "path", r.path, "error", err.Error())
		v := c.frame(r, "Not saved", r.path)
		v.Error = changeFailed
		return (&response{status: statusOf(err, http.StatusServiceUnavailable)}).html(Render(v))
	}
	return nil
}

// consoleReturn is where a step-up goes back to: a console page, never
// another site or page.
func consoleReturn(to string) (string, bool) {
	u, err := url.Parse(to)
	if err != nil || u.IsAbs() || u.Host != "" || u.RawQuery != "" || u.Fragment != "" ||
		!strings.HasPrefix(u.Path, "/setup/") || strings.Contains(u.Path, "//") || strings.Contains(u.Path, "\\") {
		return "", false
	}
	if _, page := consoleRouteOf(http.MethodGet, u.Path); !page {
		return "", false
	}
	return u.Path, true
}

// sentence is a label as a heading: its first letter capitalised ("lock
// sessions to IP" → "Lock sessions to IP").
func sentence(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// ---- Session Settings ----

// sessionSettingsFields are the org settings on Session Settings, in order
// (Salesforce's Setup > Session Settings).
var sessionSettingsFields = []string{"session-timeout", "lock-sessions-to-ip", "lockout-max", "lockout-period",
	"familiar-place-lockout", "two-factor-level", "password-level", "high-assurance",
	"login-page-caching", "user-switching", "remember-me", "timezone"}

func (h *Handler) sessionSettings(r *request, c console) *response {
	return h.orgSettingsPage(r, c, orgForm{path: "/setup/session-settings", title: "Session Settings",
		intro: "How long sessions last, what they are bound to, when a user is locked out, and what the login page offers.",
		act:   policy.AdminOrgSettings, fields: sessionSettingsFields}, "", http.StatusOK)
}

func (h *Handler) saveSessionSettings(r *request, c console) *response {
	return h.saveOrgSettings(r, c, orgForm{path: "/setup/session-settings", title: "Session Settings",
		act: policy.AdminOrgSettings, fields: sessionSettingsFields})
}

// orgForm is a console page of org settings: where it is, its title, the
// action its change is, and the settings it shows (by flag name).
type orgForm struct {
	path, title, intro string
	act                policy.AdminAction
	fields             []string
}

// orgSettingsPage shows f's settings of the admin's org, as a form when the
// admin may change them.
func (h *Handler) orgSettingsPage(r *request, c console, f orgForm, errMsg string, status int) *response {
	o, err := h.Admin.Org(r.ctx, c.actor, c.user.OrgID)
	if err != nil {
		if resp := h.consoleRefusal(r, c, err); resp != nil {
			return resp
		}
		errMsg = pageMessage(err)
	}
	shown := o.OrgSettings
	if r.form != nil {
		// A refused form is shown as it was sent, to correct.
		_ = settings.ApplyForm(settings.Org, &shown, settings.Env{}, r.form, f.fields...)
	}
	v := SettingsView{Console: c.frame(r, f.title, f.path), Intro: f.intro, Action: f.path,
		Fields: settings.Form(settings.Org, shown, f.fields...), CanEdit: c.may(f.act)}
	v.Error = errMsg
	return (&response{status: status}).html(Render(v))
}

// saveOrgSettings changes f's settings as the form says, in one
// conditional write of the org (the admin use case's), and shows the page
// again: saved, or with the refusal's message.
func (h *Handler) saveOrgSettings(r *request, c console, f orgForm) *response {
	_, err := h.Admin.UpdateOrg(r.ctx, c.actor, c.user.OrgID, func(s *domain.OrgSettings) error {
		return settings.ApplyForm(settings.Org, s, settings.Env{}, r.form, f.fields...)
	})
	if err != nil {
		if resp := h.consoleRefusal(r, c, err); resp != nil {
			return resp
		}
		return h.orgSettingsPage(r, c, f, pageMessage(err), statusOf(err, http.StatusBadRequest))
	}
	return redirect(f.path + "?m=saved")
}
