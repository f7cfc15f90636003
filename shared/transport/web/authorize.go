package web

import (
	"errors"
	"net/http"

	"loginguard/shared/authz"
	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

// The OAuth 2.0 authorization endpoint (the web-server flow): the app
// sends the browser to /services/oauth2/authorize; the request waits behind
// a cookie while the login page runs its whole decision; then the approval
// page, once per app; then back to the app with a code.

const (
	cookieAuthz = "__Host-lg_authz" // the pending request's id (its digest is stored)
	routeAuthz  = "/services/oauth2/authorize"
	routeResume = "/services/oauth2/authorize/continue"
)

// scopeWords says what each scope lets an app do, for the approval page.
var scopeWords = map[policy.Scope]string{
	policy.ScopeAPI:           "Access your data through the APIs (api)",
	policy.ScopeWeb:           "Use your session in the browser (web)",
	policy.ScopeRefreshToken:  "Stay signed in: keep access while you are not using it (refresh_token)",
	policy.ScopeOfflineAccess: "Stay signed in: keep access while you are not using it (offline_access)",
	policy.ScopeOpenID:        "Know who you are (openid)",
	policy.ScopeID:            "Read your identity: user name, name, email (id)",
	policy.ScopeProfile:       "Read your profile: name, time zone, language (profile)",
	policy.ScopeEmail:         "Read your email address (email)",
	policy.ScopeFull:          "Everything you can do (full)",
}

func (h *Handler) authorize(r *request) *response {
	q := r.ev.QueryStringParameters
	b, err := h.Authz.Begin(r.ctx, authz.AuthorizeQuery{
		ResponseType: q["response_type"], ClientID: q["client_id"], RedirectURI: q["redirect_uri"], Scope: q["scope"],
		State: q["state"], CodeChallenge: q["code_challenge"], CodeChallengeMethod: q["code_challenge_method"],
		Nonce: q["nonce"], Prompt: q["prompt"],
	})
	if err != nil {
		return h.authzError(r, err, "")
	}
	resp := redirect(routeResume)
	resp.cookies = append(resp.cookies, Cookie(cookieAuthz, b.ID, int(authz.RequestTTL.Seconds())))
	if b.Req.ForceLogin {
		// prompt=login: this browser's session does not count; the login
		// page opens a new one (authz checks it is newer than the request).
		resp.clear(cookieSession)
	}
	return resp
}

// authzError shows a refused request: back to the app where its redirect
// URI can be trusted, else on a page of ours.
func (h *Handler) authzError(r *request, err error, app string) *response {
	var oe *authz.Error
	if errors.As(err, &oe) {
		if oe.Redirect != "" {
			return h.backToApp(app, oe.Redirect).clear(cookieAuthz)
		}
		return h.errorPage(http.StatusBadRequest, "This sign-in request cannot go on: "+oe.Description+" ("+oe.Code+").").clear(cookieAuthz)
	}
	if domain.ErrorCode(err) == domain.CodeUnknown {
		h.Log.ErrorContext(r.ctx, "authorization failed", "error", err.Error())
		return h.errorPage(http.StatusServiceUnavailable, "We couldn't complete the sign-in just now. Go back to the app and try again.")
	}
	return h.errorPage(http.StatusBadRequest, pageMessage(err)).clear(cookieAuthz)
}

// backToApp is the page that returns the browser to an app.
func (h *Handler) backToApp(app, to string) *response {
	if app == "" {
		app = "the app"
	}
	return (&response{status: http.StatusOK}).html(Render(BackView{AppName: app, To: to}))
}

// resume is the pending request's next step for this browser: the login
// page without a session (or with one older than a prompt=login request),
// the approval page, or back to the app.
func (h *Handler) resume(r *request) *response {
	p, err := h.Authz.Request(r.ctx, r.cookies[cookieAuthz])
	if errors.Is(err, authz.ErrRequestGone) && r.get() {
		// An app's request this browser left behind (or one answered
		// meanwhile): the login it waited for goes home instead.
		return redirect("/").clear(cookieAuthz)
	}
	if err != nil {
		return h.authzError(r, err, "")
	}
	s, resp := h.signedIn(r)
	if resp != nil {
		if loc := resp.headers["location"]; resp.status == http.StatusSeeOther && (loc == "/login" || loc == "/login?m=expired") {
			return redirect("/login?m=authorize")
		}
		return resp
	}
	var approve *bool
	if !r.get() {
		d := r.form.Get("decision") == "allow"
		approve = &d
	}
	step, err := h.Authz.Continue(r.ctx, p, s.sess, s.user, approve, r.ip.String())
	switch {
	case err != nil:
		return h.authzError(r, err, p.App.Name)
	case step.NeedLogin:
		return redirect("/login?m=authorize")
	case step.NeedApproval:
		v := ApproveView{Page: s.page(r, "Allow access?"), AppName: p.App.Name, Username: s.user.Username}
		for _, sc := range p.Req.Scopes {
			v.Scopes = append(v.Scopes, scopeWords[sc])
		}
		return (&response{status: http.StatusOK}).html(Render(v))
	}
	return h.backToApp(p.App.Name, step.Redirect).clear(cookieAuthz)
}
