package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"loginguard/shared/account"
	"loginguard/shared/domain"
	"loginguard/shared/transport/apigw"
)

// "Forgot your password?" and the reset page its mail links to.

// forgotSent is the forgot form's one answer, whoever the name is.
const forgotSent = "If that user name is ours and has an email address, we've sent it a link to reset the password. " +
	"It is valid for 1 hour. No email after a few minutes? Check the user name and ask again, or contact your administrator."

func (h *Handler) forgotPage(r *request, v ForgotView, status int) *response {
	resp := &response{status: status}
	v.Title = "Forgot your password?"
	v.CSRF = h.preToken(r, resp)
	return resp.html(Render(v))
}

func (h *Handler) forgotPost(r *request) *response {
	name := strings.TrimSpace(r.form.Get("username"))
	err := h.Accounts.RequestPasswordReset(r.ctx, account.ForgotRequest{Username: name, IP: r.ip, Client: r.client, BaseURL: linkBase(r)})
	v := ForgotView{Username: name}
	if err == nil {
		v.Notice, v.Sent = forgotSent, true
		return h.forgotPage(r, v, http.StatusOK)
	}
	if domain.ErrorCode(err) == domain.CodeUnknown {
		h.Log.ErrorContext(r.ctx, "password reset request failed", "error", err.Error())
	}
	v.Error = pageMessage(err)
	resp := h.forgotPage(r, v, statusOf(err, http.StatusOK))
	if e := domain.AsError(err); e.RetryAfter > 0 {
		resp.headers["Retry-After"] = strconv.Itoa(int(e.RetryAfter / time.Second))
	}
	return resp
}

// linkBase is the origin the reset link points to: the domain API Gateway
// says it was reached on (not a header the client chose), with the scheme
// and port it forwards.
func linkBase(r *request) string {
	host := r.ev.RequestContext.DomainName
	if host == "" {
		return apigw.BaseURL(r.ev)
	}
	proto := "https"
	if apigw.Header(r.ev, "x-forwarded-proto") == "http" {
		proto = "http"
	}
	if port := apigw.Header(r.ev, "x-forwarded-port"); port != "" && port != "443" && port != "80" {
		host += ":" + port
	}
	return proto + "://" + host
}

// resetLink is the link the browser opened, from its cookie: the link's
// query is moved there at once (resetPage), so the secret leaves the
// address bar, the history and the page's HTML.
func (h *Handler) resetLink(r *request) account.ResetLink {
	l := account.ResetLink{Device: r.cookies[cookieDevice], IP: r.ip, Client: r.client}
	if v := r.cookies[cookieReset]; v != "" {
		if i := strings.LastIndexByte(v, ' '); i > 0 {
			l.Username, l.Token = v[:i], v[i+1:]
		}
	}
	return l
}

func (h *Handler) resetPage(r *request) *response {
	q := r.ev.QueryStringParameters
	if q["u"] != "" && q["t"] != "" && len(q["u"]) <= 256 && len(q["t"]) <= 64 {
		resp := redirect("/login/reset")
		resp.cookies = append(resp.cookies, Cookie(cookieReset, q["u"]+" "+q["t"], int(account.ResetLinkTTL/time.Second)))
		return resp
	}
	l := h.resetLink(r)
	p, err := h.Accounts.OpenPasswordReset(r.ctx, l)
	if err != nil {
		return h.resetRefused(r, err)
	}
	return h.resetForm(r, l, p, "", http.StatusOK)
}

func (h *Handler) resetForm(r *request, l account.ResetLink, p account.ResetPending, errMsg string, status int) *response {
	resp := &response{status: status}
	v := ResetView{Page: Page{Title: "Choose a new password", Error: errMsg}, Username: l.Username, Pending: p}
	v.CSRF = h.preToken(r, resp)
	resp.html(Render(v))
	resp.headers["cache-control"] = "no-store"
	return resp
}

// resetRefused: a link that no longer works sends back to the forgot page.
func (h *Handler) resetRefused(r *request, err error) *response {
	if domain.ErrorCode(err) == domain.CodeUnknown {
		h.Log.ErrorContext(r.ctx, "password reset failed", "error", err.Error())
	}
	return h.forgotPage(r, ForgotView{Page: Page{Error: pageMessage(err)}}, statusOf(err, http.StatusOK)).clear(cookieReset)
}

func (h *Handler) resetPost(r *request) *response {
	l := h.resetLink(r)
	err := h.Accounts.CompletePasswordReset(r.ctx, account.ResetAnswer{ResetLink: l, Code: r.form.Get("code"),
		Password: r.form.Get("new"), Confirm: r.form.Get("confirm")})
	if err == nil {
		// The password is set; every session of the user ended with it.
		return redirect("/login?m=reset").clear(cookieSession).clear(cookieReset)
	}
	if errors.Is(err, account.ErrResetLinkGone) {
		return h.resetRefused(r, err)
	}
	e := domain.AsError(err)
	if e.Code == domain.CodeInvalidCode && e.TriesLeft <= 0 {
		return h.resetRefused(r, err)
	}
	p, perr := h.Accounts.OpenPasswordReset(r.ctx, l)
	if perr != nil {
		// The link stopped working with this answer (or the password was
		// set and something after it failed): err says what happened.
		return h.resetRefused(r, err)
	}
	if e.Code == domain.CodeUnknown {
		h.Log.ErrorContext(r.ctx, "password reset failed", "error", err.Error())
	}
	return h.resetForm(r, l, p, pageMessage(err), statusOf(err, http.StatusOK))
}
