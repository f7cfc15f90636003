package admin

import (
	"strings"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/ids"
	"loginguard/shared/policy"
)

// The records an admin reads, as lgadmin --json prints them and the admin
// API answers them: one shape for both.

// UserRecord is a user as an admin sees it: never a secret, only whether
// one is set.
type UserRecord struct {
	ID        string `json:"id"`
	ID18      string `json:"id18"`
	Username  string `json:"username"`
	Email     string `json:"email"`
	Name      string `json:"name"`
	OrgID     string `json:"orgId"`
	ProfileID string `json:"profileId"`
	Profile   string `json:"profile"`
	Active    bool   `json:"active"`
	Locked    bool   `json:"locked"`
	Attempts  int    `json:"failedAttempts"`
	// With familiar-place lockout: the failures from unfamiliar places,
	// and whether those places are locked out.
	UnfamiliarLocked   bool   `json:"unfamiliarPlacesLocked,omitempty"`
	UnfamiliarAttempts int    `json:"unfamiliarFailedAttempts,omitempty"`
	HasToken           bool   `json:"hasSecurityToken"`
	HasTOTP            bool   `json:"hasTotpKey"`
	LastLoginAt        string `json:"lastLoginAt,omitempty"`
	// The password: when it was set, its age in whole days, and when it
	// expires under the org's policy ("" never).
	PasswordSetAt     string `json:"passwordSetAt,omitempty"`
	PasswordAgeDays   int    `json:"passwordAgeDays"`
	PasswordExpiresAt string `json:"passwordExpiresAt,omitempty"`
	PasswordExpired   bool   `json:"passwordExpired"`
	// PasswordsRemembered (user show): how many of the user's passwords,
	// the current one included, a new one may not be; at most the org's
	// history.
	PasswordsRemembered *int `json:"passwordsRemembered,omitempty"`
}

func UserRecordOf(u domain.User, now time.Time) UserRecord {
	id18, _ := ids.To18(u.ID)
	v := UserRecord{ID: u.ID, ID18: id18, Username: u.Username, Email: u.Email, Name: u.FullName(),
		OrgID: u.OrgID, ProfileID: u.ProfileID, Profile: u.Policy.ProfileName, Active: u.Active,
		Locked: u.Policy.Lockout.Locked(u.Lock, now), Attempts: u.Lock.Attempts, HasToken: u.TokenHash != "", HasTOTP: u.TOTPSealed != ""}
	if !u.LastLoginAt.IsZero() {
		v.LastLoginAt = u.LastLoginAt.UTC().Format(time.RFC3339)
	}
	if set := u.PasswordSetAt(); !set.IsZero() {
		v.PasswordSetAt = set.UTC().Format(time.RFC3339)
		v.PasswordAgeDays = int(now.Sub(set) / (24 * time.Hour))
		if at, ok := u.Policy.Password.ExpiresAt(set); ok {
			v.PasswordExpiresAt = at.UTC().Format(time.RFC3339)
		}
		v.PasswordExpired = u.Policy.Password.Expired(set, now)
	}
	v.UnfamiliarLocked, v.UnfamiliarAttempts = u.Policy.Lockout.Locked(u.UnfamiliarLock, now), u.UnfamiliarLock.Attempts
	v.Attempts = min(v.Attempts, u.Policy.Lockout.Ceiling())
	v.UnfamiliarAttempts = min(v.UnfamiliarAttempts, u.Policy.Lockout.Ceiling())
	return v
}

// LoginLine is one line of login history.
type LoginLine struct {
	ID         string `json:"id"` // for lgadmin explain --id
	At         string `json:"at"`
	Username   string `json:"username"`
	UserID     string `json:"userId,omitempty"`
	IP         string `json:"sourceIp"`
	LoginType  string `json:"loginType"`
	Client     string `json:"client"`
	APIVersion string `json:"apiVersion,omitempty"`
	Status     string `json:"status"`
	Reason     string `json:"reason"`
	Via        string `json:"via,omitempty"`
	Challenge  string `json:"challenge,omitempty"`
}

// LoginLines are evs as lines, in their order.
func LoginLines(evs []domain.LoginEvent) []LoginLine {
	return each(evs, func(e domain.LoginEvent) LoginLine {
		status := "Failed"
		if e.Allowed {
			status = "Success"
		}
		return LoginLine{ID: e.ID, At: e.At.UTC().Format(time.RFC3339), Username: e.Username, UserID: e.UserID,
			IP: e.IP, LoginType: e.LoginType, Client: e.Client, APIVersion: e.APIVersion, Status: status, Reason: e.Reason, Via: e.Via, Challenge: e.Challenge}
	})
}

// each is f of every element of in, in order (never nil: an empty list
// prints as []).
func each[E, L any](in []E, f func(E) L) []L {
	out := make([]L, 0, len(in))
	for _, e := range in {
		out = append(out, f(e))
	}
	return out
}

// AuditLine is one line of the audit trail.
type AuditLine struct {
	At      string `json:"at"`
	Actor   string `json:"actor"`
	Target  string `json:"target"`
	Action  string `json:"action"`
	Outcome string `json:"outcome"`
	IP      string `json:"sourceIp,omitempty"`
	Via     string `json:"via"`
}

// AuditLines are evs as lines, in their order.
func AuditLines(evs []domain.AuditEvent) []AuditLine {
	return each(evs, func(e domain.AuditEvent) AuditLine {
		return AuditLine{At: e.At.UTC().Format(time.RFC3339), Actor: e.Actor, Target: e.Target,
			Action: e.Action, Outcome: e.Outcome, IP: e.IP, Via: e.Via}
	})
}

// SessionRecord is a session as an admin sees it: never its id, only its
// reference (domain.Session.Ref), which ends it.
type SessionRecord struct {
	Ref          string `json:"ref"`
	UserID       string `json:"userId"`
	Username     string `json:"username"`
	Type         string `json:"type"`
	App          string `json:"app,omitempty"`
	Client       string `json:"client,omitempty"`
	SourceIP     string `json:"sourceIp"`
	Started      string `json:"started"`
	LastActivity string `json:"lastActivity"`
	Level        string `json:"securityLevel"`
	Persistent   bool   `json:"persistent"`
	Expires      string `json:"expires"`
}

// SessionRecordOf is s as an admin sees it.
func SessionRecordOf(s domain.Session) SessionRecord {
	app := s.AppName
	if app != "" {
		app += " (" + s.ClientID + ")"
	}
	return SessionRecord{Ref: s.Ref(), UserID: s.UserID, Username: s.Username, Type: s.Type(), App: app, Client: s.Client,
		SourceIP: s.IP, Started: s.CreatedAt.UTC().Format(time.RFC3339), LastActivity: s.LastSeenAt.UTC().Format(time.RFC3339),
		Level: s.Level, Persistent: s.Persistent, Expires: s.ExpiresAt().UTC().Format(time.RFC3339)}
}

// SessionRecords are ss as records, in their order.
func SessionRecords(ss []domain.Session) []SessionRecord { return each(ss, SessionRecordOf) }

// DeviceRecord is an activated browser as an admin sees it: its ID (the
// first DeviceIDLen hex digits of its cookie's digest), never the cookie.
type DeviceRecord struct {
	ID          string `json:"id"`
	ActivatedAt string `json:"activatedAt"`
	IP          string `json:"ip"`
	Via         string `json:"via"`
	Client      string `json:"client"`
}

// DeviceRecords are ds as records, in their order.
func DeviceRecords(ds []Device) []DeviceRecord {
	return each(ds, func(d Device) DeviceRecord {
		return DeviceRecord{ID: d.ID, ActivatedAt: d.ActivatedAt.UTC().Format(time.RFC3339), IP: d.IP, Via: d.Via, Client: d.Client}
	})
}

// AppRecord is a connected app as an admin sees it; ClientSecret only in
// the answer that created it (NewApp), never again.
type AppRecord struct {
	ClientID     string   `json:"clientId"`
	ClientSecret string   `json:"clientSecret,omitempty"`
	OrgID        string   `json:"orgId"`
	Name         string   `json:"name"`
	CreatedAt    string   `json:"createdAt"`
	Public       bool     `json:"public"`
	Callbacks    []string `json:"callbacks"`
	RequirePKCE  bool     `json:"requirePkce"`
	Scopes       string   `json:"scopes"`
	Refresh      string   `json:"refreshTokens"`
}

// AppRecordOf is app as an admin sees it (no secret).
func AppRecordOf(app domain.ConnectedApp) AppRecord {
	o := app.OAuth
	refresh := strings.ToLower(strings.ReplaceAll(string(o.Refresh.Mode), "_", "-"))
	if o.Refresh.TTL > 0 {
		refresh += ":" + o.Refresh.TTL.String()
	}
	return AppRecord{ClientID: app.ClientID, OrgID: app.OrgID, Name: app.Name, CreatedAt: app.CreatedAt.UTC().Format(time.RFC3339),
		Public: o.Public, Callbacks: append([]string{}, o.Callbacks...), RequirePKCE: o.RequirePKCE, Scopes: policy.ScopeString(o.Scopes), Refresh: refresh}
}

// AppRecords are apps as records, in their order.
func AppRecords(apps []domain.ConnectedApp) []AppRecord { return each(apps, AppRecordOf) }

// Record is a just-created app with its client secret, the one time it is
// shown.
func (a NewApp) Record() AppRecord {
	r := AppRecordOf(a.ConnectedApp)
	r.ClientSecret = a.ClientSecret
	return r
}
