package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/login"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
)

// The login flow's pages: the login form, its answer, and the
// verification (emailed code, TOTP, enrolment) that may follow.

func (h *Handler) loginPage(r *request, errMsg, notice string, status int) *response {
	resp := &response{status: status}
	last := r.cookies[cookieUser]
	v := LoginView{Page: Page{Title: "Log in", Notice: notice, Error: errMsg}, Autocomplete: last != noCaching,
		Username:      r.form.Get("username"), // what was typed, shown again after a refusal
		OfferRemember: r.cookies[cookieOffer] != "", Remember: r.form.Get("remember") != ""}
	if v.Autocomplete {
		// Caching off wins over user switching: then nothing is offered.
		v.Switch = parseRemembered(r.cookies[cookieUsers]).names()
		if v.Username == "" {
			v.Username = last
		}
	}
	v.CSRF = h.preToken(r, resp)
	return resp.html(Render(v))
}

func (h *Handler) loginPost(r *request) *response {
	username := strings.TrimSpace(r.form.Get("username"))
	remember := r.form.Get("remember") != ""
	began, hashes := time.Now(), secret.Hashes()
	out, err := h.Browser.Start(r.ctx, login.BrowserStart{
		Username: username, Password: r.form.Get("password"), Device: r.cookies[cookieDevice], IP: r.ip, Client: r.client,
		Remember: remember,
	})
	h.emit(out, err, time.Since(began), secret.Hashes()-hashes)
	if err != nil {
		return h.loginError(r, err)
	}
	resp := h.advance(r, out)
	if out.Result == nil {
		// The choice goes with the challenge to the step that opens the session.
		switch {
		case remember:
			resp.cookies = append(resp.cookies, Cookie(cookieKeep, "1", int(login.ChallengeTTL/time.Second)))
		case r.cookies[cookieKeep] != "":
			resp.clear(cookieKeep)
		}
	}
	return resp
}

// advance follows a login step's outcome: to the challenge page, or home
// with the session cookie: a persistent one for a session remembered until
// logout, else one that ends with the browser.
func (h *Handler) advance(r *request, out login.BrowserOutcome) *response {
	if out.Result == nil {
		resp := redirect("/login/verify")
		if out.ChallengeID != "" {
			resp.cookies = append(resp.cookies, Cookie(cookieChallenge, out.ChallengeID, int(login.ChallengeTTL/time.Second)))
		}
		return resp
	}
	home := "/"
	if r.cookies[cookieAuthz] != "" {
		home = routeResume // an app's sign-in request waits for this login
	}
	resp := redirect(home).clear(cookieChallenge)
	maxAge := 0
	if out.Result.Session.Persistent {
		maxAge = rememberMaxAge
	}
	resp.cookies = append(resp.cookies, Cookie(cookieSession, out.Result.SessionID, maxAge))
	if r.cookies[cookieKeep] != "" {
		resp.clear(cookieKeep)
	}
	if out.Device != "" {
		resp.cookies = append(resp.cookies, Cookie(cookieDevice, out.Device, deviceMaxAge))
	}
	r.rememberLogin(resp, out)
	return resp
}

// loginError shows a refused login on the login page: one text for every
// wrong-credentials case; the policy's own denials say what they are.
func (h *Handler) loginError(r *request, err error) *response {
	if domain.ErrorCode(err) == domain.CodeUnknown {
		h.Log.ErrorContext(r.ctx, "browser login failed", "error", err.Error())
	}
	r.form.Del("password")
	resp := h.loginPage(r, loginMessage(err), "", statusOf(err, http.StatusOK))
	if e := domain.AsError(err); e.RetryAfter > 0 {
		if resp.headers == nil {
			resp.headers = map[string]string{}
		}
		resp.headers["Retry-After"] = strconv.Itoa(int(e.RetryAfter / time.Second))
	}
	return resp
}

func (h *Handler) verifyPage(r *request) *response {
	p, err := h.Browser.PendingOf(r.ctx, r.cookies[cookieChallenge], "")
	if err != nil {
		if errors.Is(err, login.ErrChallengeGone) {
			return redirect("/login?m=verify").clear(cookieChallenge)
		}
		return h.errorPage(http.StatusServiceUnavailable, pageMessage(err))
	}
	return h.challengePage(r, p, nil, "", http.StatusOK)
}

// challengePage asks for a login's code, or (s set) the code that steps
// the signed-in session s up.
func (h *Handler) challengePage(r *request, p login.Pending, s *signed, errMsg string, status int) *response {
	if p.Kind == policy.ChallengeNewPassword && s == nil {
		return h.expiredPage(r, p, errMsg, status)
	}
	resp := &response{status: status}
	v := VerifyView{Page: Page{Title: "Verify your identity"}, Pending: p, Action: "/login/verify"}
	if s != nil {
		v.Page = s.page(r, v.Title)
		v.Action, v.StepUp, v.Resource = stepUpAction(r), true, r.ev.QueryStringParameters["resource"]
	} else {
		v.CSRF = h.preToken(r, resp)
	}
	v.Error = errMsg
	switch p.Kind {
	case policy.ChallengeTOTP:
		v.Title = "Enter your verification code"
	case policy.ChallengeTOTPEnrol:
		v.Title = "Connect an authenticator app"
		v.QR = QRDataURI(p.EnrolURL)
		v.SecretGroups = Groups(p.EnrolSecret, 4)
	}
	return resp.html(Render(v))
}

// expiredPage asks for the new password of an expired one, under the
// user's org's rules.
func (h *Handler) expiredPage(r *request, p login.Pending, errMsg string, status int) *response {
	resp := &response{status: status}
	v := ExpiredView{Page: Page{Title: "Change your password", Error: errMsg}, Username: p.Username}
	if u, err := h.Users.User(r.ctx, p.Username); err == nil {
		v.Rules = u.Policy.Password.Describe()
	}
	v.CSRF = h.preToken(r, resp)
	return resp.html(Render(v))
}

func (h *Handler) verifyPost(r *request) *response {
	id := r.cookies[cookieChallenge]
	began, hashes := time.Now(), secret.Hashes()
	var out login.BrowserOutcome
	var err error
	newPassword := r.form.Get("step") == "new-password"
	if newPassword {
		out, err = h.Browser.ChangeExpired(r.ctx, login.BrowserNewPassword{
			ChallengeID: id, Password: r.form.Get("new"), Confirm: r.form.Get("confirm"), Device: r.cookies[cookieDevice], IP: r.ip,
			Client: r.client, Remember: r.cookies[cookieKeep] == "1",
		})
	} else {
		out, err = h.Browser.Answer(r.ctx, login.BrowserAnswer{
			ChallengeID: id, Code: r.form.Get("code"), Device: r.cookies[cookieDevice], IP: r.ip, Client: r.client,
			Remember: r.cookies[cookieKeep] == "1",
		})
	}
	h.emit(out, err, time.Since(began), secret.Hashes()-hashes)
	if err == nil {
		return h.advance(r, out)
	}
	if e := domain.AsError(err); (e.Code == domain.CodeInvalidCode || e.Code == domain.CodeInvalidNewPassword) && e.TriesLeft > 0 {
		p, perr := h.Browser.PendingOf(r.ctx, id, "")
		if perr == nil {
			return h.challengePage(r, p, nil, pageMessage(e), http.StatusOK)
		}
	}
	if domain.ErrorCode(err) == domain.CodeUnknown {
		h.Log.ErrorContext(r.ctx, "browser verification failed", "error", err.Error())
	}
	resp := h.loginPage(r, loginMessage(err), "", http.StatusOK)
	return resp.clear(cookieChallenge)
}
