package web

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"loginguard/shared/account"
	"loginguard/shared/domain"
	"loginguard/shared/login"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
)

// Messages the home and setup pages show after a change (?m=).
var done = map[string]string{
	"token-sent":       "We sent you a new security token by email. Your previous token no longer works.",
	"password-changed": "Your password was changed. We sent you a new security token by email; your previous token no longer works.",
	"stepped-up":       "Your session is now High Assurance.",
	"session-ended":    "That session has ended: whoever used it must log in again.",
	"others-ended":     "Every other session of yours has ended. This one goes on.",
}

// signed is a signed-in request's session, its time left and its user.
type signed struct {
	sess domain.Session
	left time.Duration
	user domain.User
}

// signedIn is the session and user of a request, or the answer to give
// instead: to the login page when there is no session, a refusal when the
// session may not act (after login hours).
func (h *Handler) signedIn(r *request) (signed, *response) {
	sess, left, err := h.session(r)
	if err != nil {
		switch domain.ErrorCode(err) {
		case domain.CodeSessionDenied:
			return signed{}, h.errorPage(statusOf(err, http.StatusForbidden), pageMessage(err))
		case domain.CodeInvalidSession:
			if r.cookies[cookieSession] == "" {
				return signed{}, redirect("/login")
			}
			return signed{}, redirect("/login?m=expired").clear(cookieSession)
		}
		h.Log.ErrorContext(r.ctx, "session check failed", "error", err.Error())
		return signed{}, h.errorPage(http.StatusServiceUnavailable, "We couldn't check your session just now. Try again in a moment.")
	}
	u, err := h.Users.User(r.ctx, sess.Username)
	if err == nil && u.ID != sess.UserID {
		err = errors.New("the session's user name now belongs to another user")
	}
	if err != nil {
		h.Log.ErrorContext(r.ctx, "reading signed-in user failed", "error", err.Error())
		return signed{}, h.errorPage(http.StatusServiceUnavailable, "We couldn't load your details just now. Try again in a moment.")
	}
	return signed{sess, left, u}, nil
}

// page is the layout's part of a page shown with session s: the forms'
// CSRF token and the idle-timeout prompt's timing.
func (s signed) page(r *request, title string) Page {
	return Page{Title: title, CSRF: secret.CSRFToken(r.cookies[cookieSession]),
		SignedIn: true, ExpiresIn: int64(s.left / time.Second), IdleTimeout: int64(s.sess.Timeout / time.Second)}
}

// actor is the signed-in user as the one who asks for a change, from
// this session (which their own password change keeps).
func (h *Handler) actor(r *request, s signed) account.Actor {
	return account.Actor{User: s.user, IP: r.ip.String(), Via: "UI", Session: s.sess.IDHash, Level: policy.Level(s.sess.Level)}
}

// changeError turns a refused change into what the page says, and its status.
func (h *Handler) changeError(r *request, err error) (string, int) {
	if domain.ErrorCode(err) == domain.CodeUnknown {
		h.Log.ErrorContext(r.ctx, "credential change failed", "error", err.Error())
		return changeFailed, statusOf(err, http.StatusServiceUnavailable)
	}
	return pageMessage(err), statusOf(err, http.StatusOK)
}

// resetToken is "Reset my security token" on the home page.
func (h *Handler) resetToken(r *request) *response {
	s, resp := h.signedIn(r)
	if resp != nil {
		return resp
	}
	u := s.user
	if err := h.Accounts.ResetToken(r.ctx, h.actor(r, s), u); err != nil {
		msg, status := h.changeError(r, err)
		return h.home(r, msg, status)
	}
	return redirect("/?m=token-sent")
}

func (h *Handler) passwordPage(r *request, errMsg string, status int) *response {
	s, resp := h.signedIn(r)
	if resp != nil {
		return resp
	}
	v := PasswordView{Page: s.page(r, "Change your password"), User: s.user}
	v.Error = errMsg
	return (&response{status: status}).html(Render(v))
}

func (h *Handler) changePassword(r *request) *response {
	s, resp := h.signedIn(r)
	if resp != nil {
		return resp
	}
	next := r.form.Get("new")
	if next != r.form.Get("confirm") {
		return h.passwordPage(r, "The new password and its confirmation differ. Type them again.", http.StatusOK)
	}
	if err := h.Accounts.ChangePassword(r.ctx, h.actor(r, s), r.form.Get("current"), next); err != nil {
		msg, status := h.changeError(r, err)
		return h.passwordPage(r, msg, status)
	}
	return redirect("/?m=password-changed")
}

// stepUpAction is where the step-up form posts: the step-up page, with
// the resource it is for and the console page to go back to.
func stepUpAction(r *request) string {
	q := url.Values{}
	if res := r.ev.QueryStringParameters["resource"]; res != "" {
		q.Set("resource", res)
	}
	if back, ok := consoleReturn(r.ev.QueryStringParameters["return"]); ok {
		q.Set("return", back)
	}
	if len(q) == 0 {
		return "/login/step-up"
	}
	return "/login/step-up?" + q.Encode()
}

// steppedUp is where a raised session goes: back to the console page that
// asked for it, or home.
func steppedUp(r *request) string {
	if back, ok := consoleReturn(r.ev.QueryStringParameters["return"]); ok {
		return back + "?m=stepped-up"
	}
	return "/?m=stepped-up"
}

// stepUpPage asks for a TOTP code to raise the session to High Assurance
// (where the session authorizer sends a Standard session that reached a
// Raise resource).
func (h *Handler) stepUpPage(r *request) *response {
	s, resp := h.signedIn(r)
	if resp != nil {
		return resp
	}
	if id := r.cookies[cookieStepUp]; id != "" {
		if p, err := h.Browser.PendingOf(r.ctx, id, r.cookies[cookieSession]); err == nil {
			return h.challengePage(r, p, &s, "", http.StatusOK)
		}
	}
	out, err := h.Browser.StartStepUp(r.ctx, s.sess, s.user, r.cookies[cookieDevice], r.ip, r.client)
	if errors.Is(err, login.ErrAlreadyHighAssurance) {
		return redirect(steppedUp(r))
	}
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeUnknown {
			h.Log.ErrorContext(r.ctx, "step-up failed", "error", err.Error())
		}
		return h.home(r, pageMessage(err), http.StatusOK)
	}
	page := h.challengePage(r, out.Pending, &s, "", http.StatusOK)
	page.cookies = append(page.cookies, Cookie(cookieStepUp, out.ChallengeID, int(login.ChallengeTTL/time.Second)))
	return page
}

func (h *Handler) stepUpPost(r *request) *response {
	s, resp := h.signedIn(r)
	if resp != nil {
		return resp
	}
	id := r.cookies[cookieStepUp]
	out, err := h.Browser.AnswerStepUp(r.ctx, r.cookies[cookieSession], login.BrowserAnswer{
		ChallengeID: id, Code: r.form.Get("code"), Device: r.cookies[cookieDevice], IP: r.ip, Client: r.client})
	if err == nil && out.ChallengeID != "" {
		// The emailed code passed: now the authenticator app to enrol.
		page := h.challengePage(r, out.Pending, &s, "", http.StatusOK)
		page.cookies = append(page.cookies, Cookie(cookieStepUp, out.ChallengeID, int(login.ChallengeTTL/time.Second)))
		return page
	}
	if err == nil {
		return redirect(steppedUp(r)).clear(cookieStepUp)
	}
	if e := domain.AsError(err); e.Code == domain.CodeInvalidCode && e.TriesLeft > 0 {
		if p, perr := h.Browser.PendingOf(r.ctx, id, r.cookies[cookieSession]); perr == nil {
			return h.challengePage(r, p, &s, pageMessage(e), http.StatusOK)
		}
	}
	if domain.ErrorCode(err) == domain.CodeUnknown {
		h.Log.ErrorContext(r.ctx, "step-up failed", "error", err.Error())
	}
	return h.home(r, pageMessage(err), http.StatusOK).clear(cookieStepUp)
}
