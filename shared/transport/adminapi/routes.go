package adminapi

import (
	"context"
	"strconv"
	"time"

	"loginguard/shared/admin"
	"loginguard/shared/domain"
	"loginguard/shared/settings"
)

// endpoint is one route's work: its answer, or the error that refuses it.
type endpoint struct {
	write bool // changes something: refused to a read-only session
	serve func(h *Handler, ctx context.Context, r request) (any, error)
}

// endpoints are the routes, by API Gateway's route key (template.yaml's
// AdminFunction events; docs/admin-api.openapi.json describes each).
var endpoints = map[string]endpoint{
	"GET " + Root + "/org":                          {serve: (*Handler).org},
	"PATCH " + Root + "/org":                        {write: true, serve: (*Handler).updateOrg},
	"GET " + Root + "/profiles":                     {serve: (*Handler).profiles},
	"GET " + Root + "/profiles/{profileId}":         {serve: (*Handler).profile},
	"PATCH " + Root + "/profiles/{profileId}":       {write: true, serve: (*Handler).updateProfile},
	"GET " + Root + "/users":                        {serve: (*Handler).users},
	"GET " + Root + "/users/{username}":             {serve: (*Handler).user},
	"POST " + Root + "/users/{username}/unlock":     {write: true, serve: (*Handler).unlock},
	"POST " + Root + "/users/{username}/activate":   {write: true, serve: setActive(true)},
	"POST " + Root + "/users/{username}/deactivate": {write: true, serve: setActive(false)},
	"GET " + Root + "/login-history":                {serve: (*Handler).history},
	"GET " + Root + "/audit-trail":                  {serve: (*Handler).auditTrail},
	"GET " + Root + "/health-check":                 {serve: (*Handler).healthCheck},

	"POST " + Root + "/users":                                            {write: true, serve: (*Handler).createUser},
	"POST " + Root + "/users/{username}/password-reset-link":             {write: true, serve: (*Handler).resetLink},
	"POST " + Root + "/users/{username}/security-token":                  {write: true, serve: (*Handler).resetToken},
	"DELETE " + Root + "/users/{username}/totp":                          {write: true, serve: (*Handler).removeTOTP},
	"GET " + Root + "/users/{username}/sessions":                         {serve: (*Handler).userSessions},
	"POST " + Root + "/users/{username}/sessions/end":                    {write: true, serve: (*Handler).endUserSessions},
	"DELETE " + Root + "/sessions/{ref}":                                 {write: true, serve: (*Handler).endSession},
	"GET " + Root + "/users/{username}/devices":                          {serve: (*Handler).devices},
	"DELETE " + Root + "/users/{username}/devices":                       {write: true, serve: (*Handler).revokeAllDevices},
	"DELETE " + Root + "/users/{username}/devices/{deviceId}":            {write: true, serve: (*Handler).revokeDevice},
	"GET " + Root + "/apps":                                              {serve: (*Handler).apps},
	"POST " + Root + "/apps":                                             {write: true, serve: (*Handler).createApp},
	"DELETE " + Root + "/apps/{clientId}":                                {write: true, serve: (*Handler).deleteApp},
	"POST " + Root + "/org/trusted-ranges":                               {write: true, serve: (*Handler).trustedRange},
	"PUT " + Root + "/org/trusted-ranges/{ipRange}":                      {write: true, serve: (*Handler).trustedRange},
	"DELETE " + Root + "/org/trusted-ranges/{ipRange}":                   {write: true, serve: (*Handler).trustedRange},
	"POST " + Root + "/profiles/{profileId}/login-ip-ranges":             {write: true, serve: (*Handler).loginIPRange},
	"PUT " + Root + "/profiles/{profileId}/login-ip-ranges/{ipRange}":    {write: true, serve: (*Handler).loginIPRange},
	"DELETE " + Root + "/profiles/{profileId}/login-ip-ranges/{ipRange}": {write: true, serve: (*Handler).loginIPRange},
}

// Routes are the route keys served.
func Routes() []string {
	out := make([]string, 0, len(endpoints))
	for k := range endpoints {
		out = append(out, k)
	}
	return out
}

func (h *Handler) org(ctx context.Context, r request) (any, error) {
	o, err := h.Admin.Org(ctx, r.actor, r.actor.User.OrgID)
	return settings.OrgView(o), err
}

// updateOrg changes the settings the document names, as lgadmin org set
// does the flags given.
func (h *Handler) updateOrg(ctx context.Context, r request) (any, error) {
	doc, err := document(r)
	if err != nil {
		return nil, err
	}
	o, err := h.Admin.UpdateOrg(ctx, r.actor, r.actor.User.OrgID, func(s *domain.OrgSettings) error {
		return settings.ApplyJSON(settings.Org, s, settings.Env{}, doc)
	})
	return settings.OrgView(o), err
}

func (h *Handler) profiles(ctx context.Context, r request) (any, error) {
	ps, err := h.Admin.Profiles(ctx, r.actor, r.actor.User.OrgID)
	out := make([]settings.View, 0, len(ps))
	for _, p := range ps {
		out = append(out, settings.ProfileView(p))
	}
	return out, err
}

func (h *Handler) profile(ctx context.Context, r request) (any, error) {
	p, err := h.Admin.Profile(ctx, r.actor, r.actor.User.OrgID, pathParam(r, "profileId"))
	return settings.ProfileView(p), err
}

// updateProfile changes the settings the document names, as lgadmin
// profile set does the flags given.
func (h *Handler) updateProfile(ctx context.Context, r request) (any, error) {
	doc, err := document(r)
	if err != nil {
		return nil, err
	}
	p, err := h.Admin.UpdateProfile(ctx, r.actor, r.actor.User.OrgID, pathParam(r, "profileId"), func(o domain.Org, s *domain.ProfileSettings) error {
		return settings.ApplyJSON(settings.Profile, s, settings.Env{OrgZone: o.TimeZone}, doc)
	})
	return settings.ProfileView(p), err
}

func (h *Handler) users(ctx context.Context, r request) (any, error) {
	us, err := h.Admin.Users(ctx, r.actor, r.actor.User.OrgID)
	return h.records(us), err
}

func (h *Handler) records(us []domain.User) []admin.UserRecord {
	now := h.Admin.Now()
	out := make([]admin.UserRecord, 0, len(us))
	for _, u := range us {
		out = append(out, admin.UserRecordOf(u, now))
	}
	return out
}

func (h *Handler) user(ctx context.Context, r request) (any, error) {
	u, err := h.Admin.User(ctx, r.actor, pathParam(r, "username"))
	return admin.UserRecordOf(u, h.Admin.Now()), err
}

func (h *Handler) unlock(ctx context.Context, r request) (any, error) {
	u, err := h.Admin.Unlock(ctx, r.actor, pathParam(r, "username"))
	return admin.UserRecordOf(u, h.Admin.Now()), err
}

// activated is a user after activate or deactivate, and how many sessions
// deactivating ended.
type activated struct {
	admin.UserRecord
	SessionsEnded int `json:"sessionsEnded"`
}

func setActive(active bool) func(h *Handler, ctx context.Context, r request) (any, error) {
	return func(h *Handler, ctx context.Context, r request) (any, error) {
		u, rep, err := h.Admin.SetActive(ctx, r.actor, pathParam(r, "username"), active)
		return activated{UserRecord: admin.UserRecordOf(u, h.Admin.Now()), SessionsEnded: rep.Ended}, err
	}
}

// The refusals of a query string.
var errTime = apiError(domain.CodeInvalidQuery, "since and before must be times in RFC 3339 form (2026-12-03T09:00:00Z)")

// defaultLimit is a list's length when the query names none (as lgadmin's).
const defaultLimit = 50

// limitOf is the query's limit, defaultLimit when absent.
func limitOf(q map[string][]string) (int, error) {
	s := q["limit"]
	if len(s) == 0 {
		return defaultLimit, nil
	}
	n, err := strconv.Atoi(s[0])
	if err != nil {
		return 0, admin.ErrLimit
	}
	return n, admin.CheckLimit(n)
}

// history lists login history, newest first, a page at a time: the
// caller's org, or one user of it (user), filtered by time (since,
// inclusive; before, exclusive), outcome and login type, as the console's
// Login History is (admin.FilteredHistory). One page looks at the limit's
// lines without filters, admin.MaxLines with them.
func (h *Handler) history(ctx context.Context, r request) (any, error) {
	q := query(r)
	limit, err := limitOf(q)
	if err != nil {
		return nil, err
	}
	f := admin.LineFilter{Outcome: q.Get("outcome"), LoginType: q.Get("type")}
	for _, p := range []struct {
		name string
		at   *time.Time
	}{{"since", &f.Since}, {"before", &f.Before}} {
		if s := q.Get(p.name); s != "" {
			if *p.at, err = time.Parse(time.RFC3339, s); err != nil {
				return nil, errTime
			}
		}
	}
	hq := admin.HistoryQuery{User: q.Get("user"), Limit: limit}
	if hq.Before, err = cursorOf(q); err != nil {
		return nil, err
	}
	if hq.User == "" {
		hq.Org = r.actor.User.OrgID
	}
	p, err := h.Admin.FilteredHistory(ctx, r.actor, hq, f)
	if err != nil {
		return nil, err
	}
	return loginPage(p), nil
}

// auditTrail lists the org's audit trail, newest first, a page at a time.
func (h *Handler) auditTrail(ctx context.Context, r request) (any, error) {
	q := query(r)
	limit, err := limitOf(q)
	if err != nil {
		return nil, err
	}
	after, err := cursorOf(q)
	if err != nil {
		return nil, err
	}
	evs, err := h.Admin.AuditTrailBefore(ctx, r.actor, r.actor.User.OrgID, after, limit)
	return auditPage(evs, limit), err
}

func (h *Handler) healthCheck(ctx context.Context, r request) (any, error) {
	return h.Admin.HealthCheck(ctx, r.actor, r.actor.User.OrgID)
}
