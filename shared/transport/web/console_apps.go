package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"loginguard/shared/admin"
	"loginguard/shared/domain"
	"loginguard/shared/policy"
	"loginguard/shared/sessions"
)

// ---- Connected Apps ----

// The console's Connected Apps (Setup > App Manager): the org's OAuth
// clients, a form to create one (its client secret shown once, in the
// answer to the form: it is stored only as a digest, and never travels in
// a URL or a log), and a delete button that ends the app's sessions.

const appsPath = "/setup/apps"

// AppForm is the create form as sent, kept as text to show again.
type AppForm struct {
	Name, ClientID, Callbacks string
	Public, PKCE              bool
	Scopes                    []string
	Refresh, RefreshTTL       string // until-revoked, expire, rotate; a duration (720h)
}

// defaultAppForm is the empty form: lgadmin app create's defaults.
func defaultAppForm() AppForm {
	return AppForm{PKCE: true, Scopes: scopeNames(policy.DefaultScopes), Refresh: "until-revoked"}
}

// AppRow is one connected app as the list shows it.
type AppRow struct {
	Name, ClientID, Kind, PKCE, Scopes, Refresh, Created string
	Callbacks                                            []string
}

// AppsView is the Connected Apps page; Created is the app just made (its
// secret shown this once), nil on every other answer.
type AppsView struct {
	Console
	Zone       string
	Apps       []AppRow
	CanEdit    bool
	Form       AppForm
	AllScopes  []string
	Created    *admin.NewApp
	CreatedRow AppRow
	// Retry is an app deleted whose sessions were not all ended: its
	// delete, sent again, ends the rest.
	Retry string
}

func (h *Handler) connectedApps(r *request, c console) *response {
	v := h.appsView(r, c, defaultAppForm())
	if r.ev.QueryStringParameters["m"] == "app-deleted" {
		// Only a number comes from the query: nothing a link can make the page say.
		n, _ := strconv.Atoi(r.ev.QueryStringParameters["n"])
		v.Notice = "The app was deleted; " + plural(n, "session") + " it had opened ended."
	}
	return h.appsPage(r, c, v, nil, http.StatusOK)
}

// appsView is the page with the org's apps and the form f.
func (h *Handler) appsView(r *request, c console, f AppForm) AppsView {
	return AppsView{Console: c.frame(r, "Connected Apps", appsPath), Zone: adminZone(c.user).String(), CanEdit: c.may(policy.AdminConnectedApps),
		Form: f, AllScopes: scopeNames(policy.Scopes)}
}

// appsPage lists the org's apps into v and shows it, with err's message
// (an input refusal) when err is not nil.
func (h *Handler) appsPage(r *request, c console, v AppsView, err error, status int) *response {
	apps, listErr := h.Admin.Apps(r.ctx, c.actor, c.user.OrgID)
	if listErr != nil {
		if resp := h.consoleRefusal(r, c, listErr); resp != nil {
			return resp
		}
		err = listErr
	}
	zone := adminZone(c.user)
	for _, a := range apps {
		v.Apps = append(v.Apps, appRow(a, zone))
	}
	if err != nil {
		v.Error = pageMessage(err)
	}
	return (&response{status: status}).html(Render(v))
}

// changeApps is the page's forms, both posted to the page itself (so a
// step-up comes back to it): a delete button (delete: the client id), or
// the create form.
func (h *Handler) changeApps(r *request, c console) *response {
	if _, del := r.form["delete"]; del {
		return h.deleteApp(r, c)
	}
	return h.createApp(r, c)
}

// createApp is the create form: the new app and its secret on the answer
// itself (no redirect: the secret is in no URL and in no later page).
func (h *Handler) createApp(r *request, c console) *response {
	f := appFormOf(r.form)
	spec, err := f.spec()
	if err == nil {
		var app admin.NewApp
		if app, err = h.Admin.CreateApp(r.ctx, c.actor, c.user.OrgID, spec); err == nil {
			v := h.appsView(r, c, defaultAppForm())
			v.Created, v.CreatedRow = &app, appRow(app.ConnectedApp, adminZone(c.user))
			v.Notice = "Connected app " + app.Name + " created."
			return h.appsPage(r, c, v, nil, http.StatusOK)
		}
		if resp := h.consoleRefusal(r, c, err); resp != nil {
			return resp
		}
	}
	return h.appsPage(r, c, h.appsView(r, c, f), err, statusOf(err, http.StatusBadRequest))
}

// deleteApp deletes the app the form names and ends its sessions.
func (h *Handler) deleteApp(r *request, c console) *response {
	id := strings.TrimSpace(r.form.Get("delete"))
	var rep sessions.Report
	err := domain.ErrNotFound // a blank id names no app (and is no key the store takes)
	if id != "" {
		rep, err = h.Admin.DeleteApp(r.ctx, c.actor, c.user.OrgID, id)
	}
	if errors.Is(err, domain.ErrNotFound) {
		err = &domain.Error{Code: domain.CodeInvalidField, Message: "Your org has no app with that client id: it may have been deleted already."}
	}
	if err != nil {
		if resp := h.consoleRefusal(r, c, err); resp != nil {
			return resp
		}
		v, status := h.appsView(r, c, defaultAppForm()), http.StatusBadRequest
		if domain.ErrorCode(err) == sessions.CodeNotAllEnded {
			// Deleted, some sessions left: the same request finishes.
			v.Retry, status = id, http.StatusServiceUnavailable
		}
		return h.appsPage(r, c, v, err, statusOf(err, status))
	}
	return redirect(appsPath + "?m=app-deleted&n=" + strconv.Itoa(rep.Ended))
}

// appFormOf reads the create form.
func appFormOf(form url.Values) AppForm {
	f := AppForm{Name: strings.TrimSpace(form.Get("name")), ClientID: strings.TrimSpace(form.Get("client_id")),
		Callbacks: form.Get("callbacks"), Public: form.Get("public") != "", PKCE: form.Get("pkce") != "",
		Scopes: form["scope"], Refresh: strings.TrimSpace(form.Get("refresh")), RefreshTTL: strings.TrimSpace(form.Get("refresh_ttl"))}
	return f
}

// spec is the form as lgadmin app create's flags would say it: the same
// parsing (policy.ParseScopes, policy.ParseRefreshPolicy) and, in
// CreateApp, the same rules.
func (f AppForm) spec() (admin.AppSpec, error) {
	spec := admin.AppSpec{Name: f.Name, ClientID: f.ClientID,
		OAuth: policy.OAuthApp{Public: f.Public, Callbacks: strings.Fields(f.Callbacks), RequirePKCE: f.PKCE || f.Public}}
	var err error
	if spec.OAuth.Scopes, err = policy.ParseScopes(strings.Join(f.Scopes, " ")); err != nil {
		return spec, invalidField(err)
	}
	refresh := f.Refresh
	if f.RefreshTTL != "" {
		refresh += ":" + f.RefreshTTL
	}
	if spec.OAuth.Refresh, err = policy.ParseRefreshPolicy(refresh); err != nil {
		return spec, invalidField(err)
	}
	return spec, nil
}

// invalidField is a rule's refusal (a policy.ValidationError) as the
// admin use case says it: INVALID_FIELD, with the rule.
func invalidField(err error) error {
	return (&domain.Error{Code: domain.CodeInvalidField, Message: err.Error()}).Wrap(err)
}

func appRow(a domain.ConnectedApp, zone *time.Location) AppRow {
	o := a.OAuth
	row := AppRow{Name: a.Name, ClientID: a.ClientID, Kind: onOff(o.Public, "Public", "Confidential"),
		PKCE: onOff(o.RequirePKCE, "Required", "Optional"), Scopes: policy.ScopeString(o.Scopes),
		Refresh: refreshLabel(o.Refresh), Callbacks: o.Callbacks}
	if !a.CreatedAt.IsZero() {
		row.Created = a.CreatedAt.In(zone).Format("2006-01-02 15:04 MST")
	}
	return row
}

// refreshLabel says an app's refresh token policy as Salesforce's app
// page does.
func refreshLabel(p policy.RefreshPolicy) string {
	switch p.Mode {
	case policy.RefreshExpire:
		return "Expire after " + p.TTL.String()
	case policy.RefreshRotate:
		if p.TTL > 0 {
			return "Rotate on use; expire after " + p.TTL.String() + " unused"
		}
		return "Rotate on use"
	}
	return "Valid until revoked"
}

func scopeNames(scopes []policy.Scope) []string {
	out := make([]string, len(scopes))
	for i, s := range scopes {
		out[i] = string(s)
	}
	return out
}

// has: the form has scope s ticked.
func (f AppForm) has(s string) bool { return slices.Contains(f.Scopes, s) }

// plural is n and its noun ("1 session", "3 sessions").
func plural(n int, noun string) string {
	if n != 1 {
		noun += "s"
	}
	return strconv.Itoa(n) + " " + noun
}
