package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"loginguard/shared/admin"
	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

// ---- Users ----

// UserListView is /setup/users: the org's users, and the form that
// creates one when the admin may.
type UserListView struct {
	Console
	Users     []UserRow
	CanCreate bool
	Profiles  []domain.Profile // the create form's choices
	New       NewUserForm      // a refused create form, as sent (never its password)
}

// UserRow is one user of the list.
type UserRow struct {
	admin.UserRecord
	Path, LastLogin string
}

// NewUserForm is the create form's fields but the password.
type NewUserForm struct {
	Username, Email, FirstName, LastName, ProfileID string
}

// UserPageView is /setup/users/{username}: one user, their sessions and
// activated browsers, and a form for every change the admin may make.
type UserPageView struct {
	Console
	Record   admin.UserRecord
	Action   string
	Zone     string // the admin's, where every time is shown
	Sessions []UserSession
	Devices  []UserDevice
	// What the admin may do here (the use case checks again).
	CanManage, CanReset, CanEndSessions bool
	LastLogin                           string
}

// UserSession is one live session of the user, as the page lists it.
type UserSession struct {
	Ref, Type, Via, IP, Level, Started, LastSeen string
}

// UserDevice is one activated browser of the user.
type UserDevice struct {
	ID, Activated, IP, Client, Via string
}

// userNotices are what a user's page says after a change (?m=).
var userNotices = map[string]string{
	"created":          "User created. Their first security token was sent to their email address.",
	"created-no-token": "User created, but no security token could be sent: reset it once mail works again.",
	"activated":        "User activated.",
	"deactivated":      "User deactivated: every session of theirs has ended.",
	"unlocked":         "User unlocked: they may log in again.",
	"reset-link-sent":  "A link to choose a new password was sent to the user by email.",
	"token-sent":       "A new security token was sent to the user by email. Their previous token no longer works.",
	"totp-removed":     "The authenticator app was removed: the user enrols a new one at their next login that needs it.",
	"session-ended":    "The session has ended.",
	"sessions-ended":   "Every session of the user has ended.",
	"device-revoked":   "The browser was revoked: it is asked for a verification code at its next login.",
	"devices-revoked":  "Every activated browser of the user was revoked.",
}

// shownAt is a time as the admin reads it, in their zone ("" for none).
func shownAt(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format("2 Jan 2006, 15:04 MST")
}

func (h *Handler) users(r *request, c console) *response {
	return h.showUsers(r, c, "", http.StatusOK)
}

// showUsers lists the admin's org; after a refused create (errMsg) with
// the form as sent.
func (h *Handler) showUsers(r *request, c console, errMsg string, status int) *response {
	us, err := h.Admin.Users(r.ctx, c.actor, c.user.OrgID)
	if err != nil {
		if resp := h.consoleRefusal(r, c, err); resp != nil {
			return resp
		}
		errMsg = pageMessage(err)
	}
	v := UserListView{Console: c.frame(r, "Users", "/setup/users"), CanCreate: c.may(policy.AdminUsers)}
	loc, now := adminZone(c.user), h.Admin.Now()
	for _, u := range us {
		v.Users = append(v.Users, UserRow{UserRecord: admin.UserRecordOf(u, now), Path: recordPath("/setup/users/", u.Username),
			LastLogin: shownAt(u.LastLoginAt, loc)})
	}
	if v.CanCreate {
		if v.Profiles, err = h.Admin.Profiles(r.ctx, c.actor, c.user.OrgID); err != nil && errMsg == "" {
			errMsg = pageMessage(err)
		}
	}
	if f := r.form; f != nil {
		v.New = NewUserForm{Username: f.Get("username"), Email: f.Get("email"), FirstName: f.Get("first-name"),
			LastName: f.Get("last-name"), ProfileID: f.Get("profile")}
	}
	v.Error = errMsg
	return (&response{status: status}).html(Render(v))
}

// createUser creates a user as the form says, and opens their page
// (saying once whether their first security token went out); the password
// is neither shown again nor logged.
func (h *Handler) createUser(r *request, c console) *response {
	f := r.form
	n := admin.NewUser{OrgID: c.user.OrgID, ProfileID: f.Get("profile"), Username: strings.TrimSpace(f.Get("username")),
		Email: strings.TrimSpace(f.Get("email")), FirstName: strings.TrimSpace(f.Get("first-name")),
		LastName: strings.TrimSpace(f.Get("last-name")), Password: f.Get("password"), Why: "Your user was created"}
	created, err := h.Admin.CreateUser(r.ctx, c.actor, n)
	if errors.Is(err, domain.ErrNotFound) {
		return h.showUsers(r, c, "Choose one of your organisation's profiles.", http.StatusBadRequest)
	}
	if err != nil {
		if resp := h.consoleRefusal(r, c, err); resp != nil {
			return resp
		}
		return h.showUsers(r, c, pageMessage(err), statusOf(err, http.StatusBadRequest))
	}
	m := "created"
	if created.TokenErr != nil {
		h.Log.WarnContext(r.ctx, "a created user's first security token was not sent", "error", created.TokenErr.Error())
		m = "created-no-token"
	}
	return redirect(recordPath("/setup/users/", created.User.Username) + "?m=" + m)
}

func (h *Handler) userPage(r *request, c console) *response {
	return h.showUser(r, c, "", http.StatusOK)
}

// showUser shows the user the path names, their sessions and browsers;
// errMsg is a refused change's message.
func (h *Handler) showUser(r *request, c console, errMsg string, status int) *response {
	u, devs, err := h.Admin.Devices(r.ctx, c.actor, recordName(r))
	if err == nil {
		var live []domain.Session
		if live, err = h.Admin.SessionsOf(r.ctx, c.actor, c.user.OrgID, u.Username); err == nil {
			return h.renderUser(r, c, u, devs, live, errMsg, status)
		}
	}
	if errors.Is(err, domain.ErrNotFound) {
		return consoleNotFound(r, c, "/setup/users", "There is no such user in your organisation.")
	}
	if resp := h.consoleRefusal(r, c, err); resp != nil {
		return resp
	}
	return consoleNotFound(r, c, "/setup/users", pageMessage(err))
}

func (h *Handler) renderUser(r *request, c console, u domain.User, devs []admin.Device, live []domain.Session, errMsg string, status int) *response {
	loc := adminZone(c.user)
	v := UserPageView{Console: c.frame(r, u.FullName(), "/setup/users"), Record: admin.UserRecordOf(u, h.Admin.Now()),
		Action: recordPath("/setup/users/", u.Username), Zone: loc.String(), LastLogin: shownAt(u.LastLoginAt, loc),
		CanManage: c.may(policy.AdminUsers), CanReset: c.may(policy.AdminUnlockReset), CanEndSessions: c.may(policy.AdminSessions)}
	for _, s := range live {
		v.Sessions = append(v.Sessions, UserSession{Ref: s.Ref(), Type: s.Type(), Via: sessionVia(s), IP: s.IP,
			Level: levelName(s.Level), Started: shownAt(s.CreatedAt, loc), LastSeen: shownAt(s.LastSeenAt, loc)})
	}
	for _, d := range devs {
		v.Devices = append(v.Devices, UserDevice{ID: d.ID, Activated: shownAt(d.ActivatedAt, loc), IP: d.IP,
			Client: sessionVia(domain.Session{Client: d.Client, LoginType: policy.LoginUI}), Via: d.Via})
	}
	v.Notice = noticeOf(r, userNotices)
	v.Error = errMsg
	return (&response{status: status}).html(Render(v))
}

// userChange is one change of a user's page: what it does, as the admin
// use case, and the notice after it.
type userChange struct {
	notice string
	do     func(h *Handler, r *request, c console, username string) error
}

// userChanges are the user page's changes, by the form's "do".
var userChanges = map[string]userChange{
	"activate": {"activated", func(h *Handler, r *request, c console, name string) error {
		_, _, err := h.Admin.SetActive(r.ctx, c.actor, name, true)
		return err
	}},
	"deactivate": {"deactivated", func(h *Handler, r *request, c console, name string) error {
		_, _, err := h.Admin.SetActive(r.ctx, c.actor, name, false)
		return err
	}},
	"unlock": {"unlocked", func(h *Handler, r *request, c console, name string) error {
		_, err := h.Admin.Unlock(r.ctx, c.actor, name)
		return err
	}},
	"reset-password": {"reset-link-sent", func(h *Handler, r *request, c console, name string) error {
		_, err := h.Admin.SendResetLink(r.ctx, c.actor, name, linkBase(r))
		return err
	}},
	"reset-token": {"token-sent", func(h *Handler, r *request, c console, name string) error {
		_, err := h.Admin.ResetToken(r.ctx, c.actor, name)
		return err
	}},
	"remove-totp": {"totp-removed", func(h *Handler, r *request, c console, name string) error {
		_, err := h.Admin.RemoveTOTP(r.ctx, c.actor, name)
		return err
	}},
	"end-session": {"session-ended", func(h *Handler, r *request, c console, name string) error {
		return h.endUserSession(r, c, name, r.form.Get("ref"))
	}},
	"end-sessions": {"sessions-ended", func(h *Handler, r *request, c console, name string) error {
		_, err := h.Admin.EndUserSessions(r.ctx, c.actor, name)
		return err
	}},
	"revoke-device": {"device-revoked", func(h *Handler, r *request, c console, name string) error {
		if id := r.form.Get("device"); len(id) < admin.DeviceIDLen {
			return errNoDevice
		}
		_, err := h.Admin.RevokeDevice(r.ctx, c.actor, name, r.form.Get("device"))
		return err
	}},
	"revoke-devices": {"devices-revoked", func(h *Handler, r *request, c console, name string) error {
		return h.Admin.RevokeAllDevices(r.ctx, c.actor, name)
	}},
}

// The refusals of a user page's form that the use case does not make.
var (
	errNoDevice  = &domain.Error{Code: domain.CodeInvalidField, Message: "That browser is not among the user's activated browsers (reload the page)."}
	errNoSession = &domain.Error{Code: domain.CodeInvalidField, Message: "That session is not among the user's live sessions (it may have ended already)."}
)

// endUserSession ends the session ref if it is one of the user's: the
// user's page ends only that user's sessions.
func (h *Handler) endUserSession(r *request, c console, username, ref string) error {
	live, err := h.Admin.SessionsOf(r.ctx, c.actor, c.user.OrgID, username)
	if err != nil {
		return err
	}
	for _, s := range live {
		if ref != "" && s.Ref() == ref {
			_, err := h.Admin.EndSession(r.ctx, c.actor, c.user.OrgID, ref)
			return err
		}
	}
	return errNoSession
}

// changeUser makes the change the user page's form names, and shows the
// page again: with its notice, or the refusal.
func (h *Handler) changeUser(r *request, c console) *response {
	ch, ok := userChanges[r.form.Get("do")]
	if !ok {
		return h.showUser(r, c, "This form asks for no change this page makes.", http.StatusBadRequest)
	}
	name := recordName(r)
	if err := ch.do(h, r, c, name); err != nil {
		if errors.Is(err, domain.ErrNotFound) {
			return consoleNotFound(r, c, "/setup/users", "There is no such user, session or browser in your organisation.")
		}
		if resp := h.consoleRefusal(r, c, err); resp != nil {
			return resp
		}
		return h.showUser(r, c, pageMessage(err), statusOf(err, http.StatusBadRequest))
	}
	return redirect(recordPath("/setup/users/", name) + "?m=" + url.QueryEscape(ch.notice))
}

// orNever is a time shown, or "never".
func orNever(at string) string {
	if at == "" {
		return "never"
	}
	return at
}

// deviceVia says how a browser was activated, in words.
func deviceVia(via string) string {
	if w, ok := map[string]string{"FIRST_LOGIN": "first login", "VERIFICATION_CODE": "verification code",
		"TOTP": "authenticator app"}[via]; ok {
		return w
	}
	return strings.ToLower(strings.ReplaceAll(via, "_", " "))
}
