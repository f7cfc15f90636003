package adminapi

import (
	"context"

	"loginguard/shared/admin"
	"loginguard/shared/transport/apigw"
)

// newUser is the body of POST /users: lgadmin user create's flags.
type newUser struct {
	Username  string `json:"username"`
	Email     string `json:"email"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	ProfileID string `json:"profileId"`
	TimeZone  string `json:"timeZone"`
	// Password: "" mails a link to choose one (admin.NewUser.LinkURL).
	Password string `json:"password"`
}

// createdUser is a new user, and what was mailed them (never a secret).
type createdUser struct {
	admin.UserRecord
	Note string `json:"note"`
}

// createUser creates a user of the caller's org, as lgadmin user create
// does; without a password the user is mailed a link to choose one, to
// the login page of this deployment (loginURL).
func (h *Handler) createUser(ctx context.Context, r request) (any, error) {
	var n newUser
	if err := decode(r, &n); err != nil {
		return nil, err
	}
	for _, f := range [][2]string{{"username", n.Username}, {"profileId", n.ProfileID}} {
		if err := required(f[0], f[1]); err != nil {
			return nil, err
		}
	}
	c, err := h.Admin.CreateUser(ctx, r.actor, admin.NewUser{OrgID: r.actor.User.OrgID, ProfileID: n.ProfileID,
		Username: n.Username, Email: n.Email, FirstName: n.FirstName, LastName: n.LastName, TimeZone: n.TimeZone,
		Password: n.Password, LinkURL: loginURL(r), Why: "Your user was created"})
	if err != nil {
		return nil, err
	}
	return createdUser{UserRecord: admin.UserRecordOf(c.User, h.Admin.Now()), Note: c.Note()}, nil
}

// loginURL is the login page a mailed link points to: this deployment's,
// on the domain API Gateway was reached on (the admin API and the login
// page share one API), never a header the caller chose.
func loginURL(r request) string { return apigw.Origin(r.APIGatewayV2HTTPRequest) }

// resetLinkSent is the answer of a reset link: to whom, and where it points.
type resetLinkSent struct {
	Username string `json:"username"`
	SentTo   string `json:"sentTo"`
	LoginURL string `json:"loginUrl"`
	Link     string `json:"link"`
}

// resetLink mails the user a link to choose a new password (lgadmin user
// reset-password --send-link, with this deployment's login page).
func (h *Handler) resetLink(ctx context.Context, r request) (any, error) {
	base := loginURL(r)
	u, err := h.Admin.SendResetLink(ctx, r.actor, pathParam(r, "username"), base)
	if err != nil {
		return nil, err
	}
	return resetLinkSent{Username: u.Username, SentTo: u.Email, LoginURL: base, Link: "reset link sent to " + u.Email + " (valid 1 hour)"}, nil
}

// tokenSent is the answer of a token reset: the token went by mail only.
type tokenSent struct {
	Username string `json:"username"`
	SentTo   string `json:"sentTo"`
}

func (h *Handler) resetToken(ctx context.Context, r request) (any, error) {
	u, err := h.Admin.ResetToken(ctx, r.actor, pathParam(r, "username"))
	return tokenSent{Username: u.Username, SentTo: u.Email}, err
}

func (h *Handler) removeTOTP(ctx context.Context, r request) (any, error) {
	u, err := h.Admin.RemoveTOTP(ctx, r.actor, pathParam(r, "username"))
	return admin.UserRecordOf(u, h.Admin.Now()), err
}

func (h *Handler) userSessions(ctx context.Context, r request) (any, error) {
	ss, err := h.Admin.SessionsOf(ctx, r.actor, "", pathParam(r, "username"))
	return admin.SessionRecords(ss), err
}

// sessionEnded is the answer of ending one session: its reference.
type sessionEnded struct {
	Ended    string `json:"ended"`
	Username string `json:"username"`
}

func (h *Handler) endSession(ctx context.Context, r request) (any, error) {
	s, err := h.Admin.EndSession(ctx, r.actor, r.actor.User.OrgID, pathParam(r, "ref"))
	return sessionEnded{Ended: s.Ref(), Username: s.Username}, err
}

// ended is how many sessions a request ended.
type ended struct {
	SessionsEnded int `json:"sessionsEnded"`
}

func (h *Handler) endUserSessions(ctx context.Context, r request) (any, error) {
	rep, err := h.Admin.EndUserSessions(ctx, r.actor, pathParam(r, "username"))
	return ended{SessionsEnded: rep.Ended}, err
}

func (h *Handler) devices(ctx context.Context, r request) (any, error) {
	_, ds, err := h.Admin.Devices(ctx, r.actor, pathParam(r, "username"))
	return admin.DeviceRecords(ds), err
}

// revoked names the browser revoked, or "all".
type revoked struct {
	Revoked string `json:"revoked"`
}

func (h *Handler) revokeDevice(ctx context.Context, r request) (any, error) {
	id, err := h.Admin.RevokeDevice(ctx, r.actor, pathParam(r, "username"), pathParam(r, "deviceId"))
	return revoked{Revoked: id}, err
}

func (h *Handler) revokeAllDevices(ctx context.Context, r request) (any, error) {
	return revoked{Revoked: "all"}, h.Admin.RevokeAllDevices(ctx, r.actor, pathParam(r, "username"))
}
