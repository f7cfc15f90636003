package web

import (
	"net/http"

	"loginguard/shared/domain"
	"loginguard/shared/sessions"
)

// The home page's own sessions: "End" for each other one, and "Log out
// everywhere else". A session is named by its reference only
// (domain.Session.Ref), never by its id.

// endSession ends one of the signed-in user's other sessions.
func (h *Handler) endSession(r *request) *response {
	s, resp := h.signedIn(r)
	if resp != nil {
		return resp
	}
	ref := r.form.Get("ref")
	if ref == s.sess.Ref() {
		return h.home(r, "That is this session: use Log out to end it.", http.StatusBadRequest)
	}
	if _, err := h.Sessions.End(r.ctx, s.user.OrgID, s.user.ID, ref); err != nil {
		if domain.ErrorCode(err) == sessions.ErrNoSuchSession.Code {
			return h.home(r, "That session had already ended.", http.StatusOK)
		}
		h.Log.ErrorContext(r.ctx, "ending a session failed", "error", err.Error())
		return h.home(r, "We couldn't end that session just now. Try again in a moment.", http.StatusServiceUnavailable)
	}
	return redirect("/?m=session-ended")
}

// endOtherSessions ends every session of the signed-in user but this one.
func (h *Handler) endOtherSessions(r *request) *response {
	s, resp := h.signedIn(r)
	if resp != nil {
		return resp
	}
	if _, err := h.Sessions.EndOthers(r.ctx, s.user.Username, s.sess.IDHash); err != nil {
		h.Log.ErrorContext(r.ctx, "ending other sessions failed", "error", err.Error())
		return h.home(r, "Not every other session could be ended just now: "+pageMessage(err), http.StatusServiceUnavailable)
	}
	return redirect("/?m=others-ended")
}
