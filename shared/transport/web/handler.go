package web

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"loginguard/shared/account"
	"loginguard/shared/admin"
	"loginguard/shared/authz"
	"loginguard/shared/domain"
	"loginguard/shared/login"
	"loginguard/shared/metrics"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
	"loginguard/shared/sessions"
	"loginguard/shared/transport/apigw"
)

// Handler serves the pages.
type Handler struct {
	Browser  *login.Browser
	Accounts *account.Service
	Authz    *authz.Service // the OAuth authorization endpoint; nil: not offered
	Users    Users
	Sessions *sessions.Service // the home page's session list and its "end" buttons
	Admin    *admin.Service    // the console's pages under /setup/ (console.go); nil: not offered
	Log      *slog.Logger
	Metrics  *metrics.Emitter // may be nil
}

// Users reads the signed-in user for the home page.
type Users interface {
	User(ctx context.Context, username string) (domain.User, error)
}

// MaxBody caps a form post: the largest form here is a few hundred bytes.
const MaxBody = 8 << 10

// Cookie names. The __Host- prefix makes the browser refuse them unless
// Secure, Path=/ and without Domain: no subdomain can set or read them.
const (
	cookieSession   = "__Host-sid"
	cookieChallenge = "__Host-lg_challenge"
	cookieDevice    = "__Host-lg_device"
	cookieCSRF      = "__Host-lg_csrf"
	cookieUser      = "__Host-lg_user"
	cookieStepUp    = "__Host-lg_stepup"
	cookieReset     = "__Host-lg_reset" // the reset link opened: its user name and secret
	// What the login page remembers and offers (switcher.go).
	cookieUsers = "__Host-lg_users"
	cookieOffer = "__Host-lg_offer"
	cookieKeep  = "__Host-lg_keep"
)

// deviceMaxAge is the activation cookie's life: the most browsers keep one
// (400 days). Revoking it (admin CLI) makes it worthless at once.
const deviceMaxAge = 400 * 24 * 3600

// Messages the login page shows after a redirect (?m=).
var notices = map[string]string{
	"loggedout": "You have logged out.",
	"timeout":   "You were logged out because your session was idle for too long. Log in again to continue.",
	"expired":   "Your session has ended. Log in again to continue.",
	"verify":    "Your verification has expired or was already used. Log in again.",
	"reset":     "Your password was changed, and your other sessions ended. Log in with the new password; a new security token was emailed to you.",
	"authorize": "Log in to allow the app that sent you here.",
}

// request is one request as the pages see it.
type request struct {
	ev      events.APIGatewayV2HTTPRequest
	method  string
	path    string
	ip      netip.Addr
	client  string
	cookies map[string]string
	form    url.Values
	ctx     context.Context
}

// response is built up by a page.
type response struct {
	status  int
	headers map[string]string
	cookies []string
	body    string
}

// Handle is the Lambda handler.
func (h *Handler) Handle(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	r := &request{ev: ev, method: ev.RequestContext.HTTP.Method, path: ev.RawPath, ctx: ctx,
		client: apigw.Header(ev, "user-agent"), cookies: ParseCookies(ev.Cookies)}
	if r.path == "" {
		r.path = ev.RequestContext.HTTP.Path
	}
	r.ip, _ = netip.ParseAddr(ev.RequestContext.HTTP.SourceIP)
	resp := h.route(r)
	return resp.event(), nil
}

func (h *Handler) route(r *request) *response {
	switch {
	case r.path == "/static/app.css" && r.get():
		return static("text/css; charset=utf-8", AppCSS)
	case r.path == "/static/session.js" && r.get():
		return static("text/javascript; charset=utf-8", SessionJS)
	case r.method != http.MethodGet && r.method != http.MethodHead && r.method != http.MethodPost:
		return h.errorPage(http.StatusMethodNotAllowed, "This page does not accept that request.")
	}
	if r.method == http.MethodPost {
		if resp := h.readForm(r); resp != nil {
			return resp
		}
	}
	if r.path == "/setup" || strings.HasPrefix(r.path, "/setup/") {
		return h.serveConsole(r)
	}
	switch r.path {
	case "/":
		if r.get() {
			return h.home(r, "", http.StatusOK)
		}
	case "/settings/security-token":
		if !r.get() {
			return h.resetToken(r)
		}
	case "/settings/sessions/end":
		if !r.get() {
			return h.endSession(r)
		}
	case "/settings/sessions/end-others":
		if !r.get() {
			return h.endOtherSessions(r)
		}
	case "/settings/password":
		if r.get() {
			return h.passwordPage(r, "", http.StatusOK)
		}
		return h.changePassword(r)
	case "/login":
		if r.get() {
			return h.loginPage(r, "", notices[r.ev.QueryStringParameters["m"]], http.StatusOK)
		}
		// The login form, or a remembered name's switch or forget button.
		if name := r.form.Get("switch"); name != "" {
			return h.switchUser(r, name)
		}
		if name := r.form.Get("forget"); name != "" {
			return h.forgetUser(r, name)
		}
		return h.loginPost(r)
	case "/login/forgot":
		if r.get() {
			return h.forgotPage(r, ForgotView{}, http.StatusOK)
		}
		return h.forgotPost(r)
	case "/login/reset":
		if r.get() {
			return h.resetPage(r)
		}
		return h.resetPost(r)
	case "/login/verify":
		if r.get() {
			return h.verifyPage(r)
		}
		return h.verifyPost(r)
	case "/login/step-up":
		if r.get() {
			return h.stepUpPage(r)
		}
		return h.stepUpPost(r)
	case "/login/cancel":
		if !r.get() {
			h.Browser.Cancel(r.ctx, r.cookies[cookieChallenge])
			return redirect("/login").clear(cookieChallenge)
		}
	case "/logout":
		if !r.get() {
			return h.logout(r)
		}
	case "/session/refresh":
		if !r.get() {
			return h.refresh(r)
		}
	case routeAuthz:
		if r.get() && h.Authz != nil {
			return h.authorize(r)
		}
	case routeResume:
		if h.Authz != nil {
			return h.resume(r)
		}
	default:
		return h.errorPage(http.StatusNotFound, "There is no page here.")
	}
	return h.errorPage(http.StatusMethodNotAllowed, "This page does not accept that request.")
}

func (r *request) get() bool { return r.method == http.MethodGet || r.method == http.MethodHead }

// readForm parses a POST body (form-encoded, capped) and checks its CSRF
// token: the session's where there is a session, else the login form's
// double-submit cookie. A POST of another site is refused before anything.
func (h *Handler) readForm(r *request) *response {
	if site := apigw.Header(r.ev, "sec-fetch-site"); site == "cross-site" || site == "same-site" {
		return h.errorPage(http.StatusForbidden, "This form was sent from another site, so it was refused.")
	}
	body, ok := apigw.Body(r.ev)
	if !ok || len(body) > MaxBody {
		return h.errorPage(http.StatusRequestEntityTooLarge, "The form sent was too large or malformed.")
	}
	ct := apigw.Header(r.ev, "content-type")
	form := url.Values{}
	if strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		var err error
		if form, err = url.ParseQuery(string(body)); err != nil {
			return h.errorPage(http.StatusBadRequest, "The form sent was malformed.")
		}
	} else if len(body) > 0 {
		return h.errorPage(http.StatusUnsupportedMediaType, "Send the form as application/x-www-form-urlencoded.")
	}
	r.form = form
	sent := form.Get("csrf")
	if sent == "" {
		sent = apigw.Header(r.ev, "x-csrf-token")
	}
	if !h.csrfOK(r, sent) {
		h.Log.WarnContext(r.ctx, "form refused: CSRF token missing or wrong", "path", r.path, "ip", r.ip.String())
		return h.errorPage(http.StatusForbidden, "This form has expired or did not come from this site. Go back, reload the page and try again.")
	}
	return nil
}

// csrfOK: the login-flow forms carry the double-submit cookie's value; the
// signed-in forms carry the session's token.
func (h *Handler) csrfOK(r *request, sent string) bool {
	if r.path == "/logout" && r.cookies[cookieSession] == "" {
		// No session, nothing to end: a tab whose session ended in another
		// tab (its idle-timeout prompt logs out too) lands on the login page.
		return true
	}
	if sent == "" {
		return false
	}
	var want string
	switch r.path {
	case "/login", "/login/verify", "/login/cancel", "/login/forgot", "/login/reset":
		want = r.cookies[cookieCSRF]
	default:
		if sid := r.cookies[cookieSession]; sid != "" {
			want = secret.CSRFToken(sid)
		}
	}
	return want != "" && len(want) == len(sent) && subtle.ConstantTimeCompare([]byte(want), []byte(sent)) == 1
}

// preToken is the login flow's CSRF token: the browser's cookie, or a new
// one to set.
func (h *Handler) preToken(r *request, resp *response) string {
	if t := r.cookies[cookieCSRF]; len(t) == 32 {
		return t
	}
	t, err := secret.NewOpaque(h.Browser.Login.Rand)
	if err != nil {
		return ""
	}
	resp.cookies = append(resp.cookies, Cookie(cookieCSRF, t, 0))
	r.cookies[cookieCSRF] = t
	return t
}

// session reads the browser's session for this request; nil when there is none.
func (h *Handler) session(r *request) (domain.Session, time.Duration, error) {
	sid := r.cookies[cookieSession]
	if sid == "" {
		return domain.Session{}, 0, login.ErrInvalidSession
	}
	sess, d, err := h.Browser.Login.CheckSession(r.ctx, sid, login.Use{Channel: policy.ChannelPages, IP: r.ip, SafeMethod: r.get()})
	if err != nil {
		return sess, 0, err
	}
	left := sess.ExpiresAt().Sub(h.Browser.Login.Now())
	if d.Touch {
		left = sess.Timeout
	}
	return sess, left, nil
}

func (h *Handler) home(r *request, errMsg string, status int) *response {
	s, resp := h.signedIn(r)
	if resp != nil {
		return resp
	}
	all, err := h.Sessions.List(r.ctx, s.user.OrgID, s.user.ID)
	if err != nil {
		h.Log.ErrorContext(r.ctx, "listing sessions failed", "error", err.Error())
		all = []domain.Session{s.sess}
		if errMsg == "" {
			errMsg = "We couldn't list your other sessions just now. Reload the page in a moment."
		}
	}
	v := HomeView{Page: s.page(r, "Home"), User: s.user, Session: s.sess, ExpiresAt: h.Browser.Login.Now().Add(s.left), Sessions: all}
	v.Notice, v.Error = done[r.ev.QueryStringParameters["m"]], errMsg
	return (&response{status: status}).html(Render(v))
}

func (h *Handler) logout(r *request) *response {
	if sid := r.cookies[cookieSession]; sid != "" {
		if err := h.Browser.Login.Logout(r.ctx, sid, policy.ChannelPages); err != nil && !errors.Is(err, login.ErrInvalidSession) {
			h.Log.ErrorContext(r.ctx, "logout failed", "error", err.Error())
			return h.errorPage(http.StatusServiceUnavailable, "We couldn't log you out just now. Try again in a moment.")
		}
	}
	m := "loggedout"
	if r.form.Get("reason") == "timeout" {
		m = "timeout"
	}
	return redirect("/login?m=" + m).clear(cookieSession)
}

// refresh is the idle-timeout prompt's "Continue": JSON, for the script.
func (h *Handler) refresh(r *request) *response {
	sess, err := h.Browser.Login.Refresh(r.ctx, r.cookies[cookieSession], login.Use{Channel: policy.ChannelPages, IP: r.ip, SafeMethod: true})
	if err != nil {
		return jsonResponse(statusOf(err, http.StatusUnauthorized), map[string]any{"error": domain.ErrorCode(err)})
	}
	left := sess.ExpiresAt().Sub(h.Browser.Login.Now())
	return jsonResponse(http.StatusOK, map[string]any{"expiresIn": int64(left / time.Second)})
}

// emit writes the login step's metric line (as the API logins do).
func (h *Handler) emit(out login.BrowserOutcome, err error, took time.Duration, hashes uint64) {
	if h.Metrics == nil {
		return
	}
	outcome := "success"
	switch {
	case err != nil && domain.AsError(err).Reason != "":
		outcome = string(domain.AsError(err).Reason)
	case err != nil:
		outcome = domain.ErrorCode(err)
	case out.Result == nil:
		outcome = "challenge"
	}
	_ = h.Metrics.LoginOutcome(time.Now(), "UI", outcome, took, hashes)
}

func (h *Handler) errorPage(status int, msg string) *response {
	return (&response{status: status}).html(Render(Page{Title: http.StatusText(status), Error: msg}))
}

// ---- responses ----

func static(contentType, body string) *response {
	return &response{status: http.StatusOK, body: body, headers: map[string]string{
		"content-type": contentType, "cache-control": "public, max-age=300",
	}}
}

func redirect(to string) *response {
	return &response{status: http.StatusSeeOther, headers: map[string]string{"location": to}}
}

func jsonResponse(status int, v any) *response {
	b, _ := json.Marshal(v)
	return &response{status: status, body: string(b), headers: map[string]string{"content-type": "application/json"}}
}

func (resp *response) html(body string) *response {
	resp.body = body
	if resp.headers == nil {
		resp.headers = map[string]string{}
	}
	resp.headers["content-type"] = "text/html; charset=utf-8"
	return resp
}

// clear expires a cookie.
func (resp *response) clear(name string) *response {
	resp.cookies = append(resp.cookies, ClearCookie(name))
	return resp
}

func (resp *response) event() events.APIGatewayV2HTTPResponse {
	headers := map[string]string{}
	for k, v := range SecurityHeaders {
		headers[k] = v
	}
	for k, v := range resp.headers {
		headers[k] = v
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: resp.status, Headers: headers, Cookies: resp.cookies, Body: resp.body}
}
