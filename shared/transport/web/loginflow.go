package web

import (
	"errors"
	"net/http"
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
	remembered := r.cookies[cookieUser]
	// "-": the org turned caching and autocomplete off.
	v := LoginView{Page: Page{Title: "Log in", Notice: notice, Error: errMsg}, Autocomplete: remembered != "-",
		Username: r.form.Get("username")} // what was typed, shown again after a refusal
	if v.Username == "" && v.Autocomplete {
		v.Username = remembered
	}
	v.CSRF = h.preToken(r, resp)
	return resp.html(Render(v))
}

func (h *Handler) loginPost(r *request) *response {
	username := strings.TrimSpace(r.form.Get("username"))
	began := time.Now()
	out, err := h.Browser.Start(r.ctx, login.BrowserStart{
		Username: username, Password: r.form.Get("password"), Device: r.cookies[cookieDevice], IP: r.ip, Client: r.client,
	})
	h.emit(out, err, time.Since(began))
	if err != nil {
		return h.loginError(r, err)
	}
	return h.advance(r, out)
}

// advance follows a login step's outcome: to the challenge page, or home
// with the session cookie.
func (h *Handler) advance(r *request, out login.BrowserOutcome) *response {
	if out.Result == nil {
		resp := redirect("/login/verify")
		if out.ChallengeID != "" {
			resp.cookies = append(resp.cookies, Cookie(cookieChallenge, out.ChallengeID, int(login.ChallengeTTL/time.Second)))
		}
		return resp
	}
	resp := redirect("/").clear(cookieChallenge)
	resp.cookies = append(resp.cookies, Cookie(cookieSession, out.Result.SessionID, 0))
	if out.Device != "" {
		resp.cookies = append(resp.cookies, Cookie(cookieDevice, out.Device, deviceMaxAge))
	}
	if out.NoLoginPageCaching {
		// The org turned caching and autocomplete off: forget the name,
		// and tell the login page not to offer it.
		resp.cookies = append(resp.cookies, Cookie(cookieUser, "-", deviceMaxAge))
	} else {
		resp.cookies = append(resp.cookies, Cookie(cookieUser, out.Result.User.Username, deviceMaxAge))
	}
	return resp
}

// loginError shows a refused login on the login page: one text for every
// wrong-credentials case; the policy's own denials say what they are.
func (h *Handler) loginError(r *request, err error) *response {
	if domain.ErrorCode(err) == domain.CodeUnknown {
		h.Log.ErrorContext(r.ctx, "browser login failed", "error", err.Error())
	}
	r.form.Del("password")
	return h.loginPage(r, loginMessage(err), "", statusOf(err, http.StatusOK))
}

func (h *Handler) verifyPage(r *request) *response {
	p, err := h.Browser.PendingOf(r.ctx, r.cookies[cookieChallenge], "")
	if err != nil {
		if errors.Is(err, login.ErrChallengeGone) {
			return redirect("/login?m=verify").clear(cookieChallenge)
		}
		return h.errorPage(http.StatusServiceUnavailable, pageMessage(err))
	}
	return h.challengePage(r, p, "", http.StatusOK)
}

func (h *Handler) challengePage(r *request, p login.Pending, errMsg string, status int) *response {
	resp := &response{status: status}
	v := VerifyView{Page: Page{Title: "Verify your identity", Error: errMsg}, Pending: p, Action: "/login/verify"}
	if r.path == "/login/step-up" {
		v.Action, v.StepUp, v.Resource = "/login/step-up", true, r.ev.QueryStringParameters["resource"]
		v.CSRF = secret.CSRFToken(r.cookies[cookieSession])
	} else {
		v.CSRF = h.preToken(r, resp)
	}
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

func (h *Handler) verifyPost(r *request) *response {
	id := r.cookies[cookieChallenge]
	began := time.Now()
	out, err := h.Browser.Answer(r.ctx, login.BrowserAnswer{
		ChallengeID: id, Code: r.form.Get("code"), Device: r.cookies[cookieDevice], IP: r.ip, Client: r.client,
	})
	h.emit(out, err, time.Since(began))
	if err == nil {
		return h.advance(r, out)
	}
	if e := domain.AsError(err); e.Code == domain.CodeInvalidCode && e.TriesLeft > 0 {
		p, perr := h.Browser.PendingOf(r.ctx, id, "")
		if perr == nil {
			return h.challengePage(r, p, pageMessage(e), http.StatusOK)
		}
	}
	if domain.ErrorCode(err) == domain.CodeUnknown {
		h.Log.ErrorContext(r.ctx, "browser verification failed", "error", err.Error())
	}
	resp := h.loginPage(r, loginMessage(err), "", http.StatusOK)
	return resp.clear(cookieChallenge)
}
