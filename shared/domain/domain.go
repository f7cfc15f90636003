package domain

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"loginguard/shared/policy"
)

var (
	// ErrNotFound: no such org, profile, user or session.
	ErrNotFound = errors.New("not found")
	// ErrExists: a create met a record with the same key (a taken user name).
	ErrExists = errors.New("already exists")
	// ErrLocked: the user is locked out; no password may be checked.
	ErrLocked = errors.New("user locked out")
	// ErrInactive: the user is deactivated.
	ErrInactive = errors.New("user inactive")
	// ErrConflict: the record changed since it was read; read again and retry.
	ErrConflict = errors.New("changed concurrently")
	// ErrReplay: a TOTP code's time step was used already.
	ErrReplay = errors.New("TOTP code already used")
	// ErrRateLimited: too many of this action in its window.
	ErrRateLimited = errors.New("rate limited")
	// ErrSessionsEnded: the user's sessions were ended (deactivated,
	// password reset) while a login was under way; it opens none.
	ErrSessionsEnded = errors.New("the user's sessions were ended during the login")
)

// OrgSettings are an org's security settings: an admin sets them on the
// org, and every user of the org carries a copy (User.Policy). A new setting
// is a field here, its rule in Validate, and its flag in lgadmin; nothing
// else. The dynamodbav tags name the stored attribute of the settings stored
// as they are (keep a tag when renaming a field: stored items use it); "-"
// marks the few whose stored form differs (see dynamo.orgSettingsItem).
type OrgSettings struct {
	TimeZone       string          `dynamodbav:"-"` // default time zone (IANA)
	Lockout        policy.Lockout  `dynamodbav:"-"`
	SessionTimeout time.Duration   `dynamodbav:"-"`
	TrustedRanges  policy.IPRanges `dynamodbav:"-"`
	// LockSessionsToIP locks sessions to the IP they started from.
	LockSessionsToIP bool `dynamodbav:"lockSessionIp"`
	// HighAssurance lists the resources that need a High Assurance session,
	// and what happens to a Standard one: Block, or Raise (step up).
	HighAssurance map[string]policy.Action `dynamodbav:"highAssurance,omitempty"`
	// IdentityVerification is the org's policy for each setup area that
	// has one (Setup → Identity Verification): what a Standard session
	// meets there, Block or Raise. Absent when none is set, so items stored
	// before it read the same.
	IdentityVerification map[policy.Area]policy.Action `dynamodbav:"identityVerification,omitempty"`
	// Levels is the security level of each login method (nil: Salesforce's
	// defaults, two-factor High Assurance, the rest Standard).
	Levels map[policy.Method]policy.Level `dynamodbav:"levels,omitempty"`
	// NoLoginPageCaching turns off "Enable caching and autocomplete on login
	// page" (on by default, hence the negative): the login page then neither
	// remembers the user name nor lets the browser fill it in.
	NoLoginPageCaching bool `dynamodbav:"noLoginCaching"`
	// RememberMe is "Remember me until logout": the login page offers it,
	// and a browser session opened with it ticked survives closing the
	// browser (a persistent cookie) until logout or its idle timeout.
	RememberMe bool `dynamodbav:"rememberMe"`
	// UserSwitching is "Enable user switching": the login page remembers
	// the user names that logged in on this browser and offers them.
	UserSwitching bool `dynamodbav:"userSwitching"`
	// FamiliarPlaceLockout: failed logins from places unfamiliar to the
	// user (policy.Place) count toward a lockout of their own, which
	// refuses only unfamiliar places, so a stranger who knows a user name
	// cannot lock the user out of the places the user logs in from. Off by
	// default: Salesforce counts every failure toward one lockout.
	FamiliarPlaceLockout bool `dynamodbav:"familiarLockout"`
	// Password is the org's password policy (Salesforce's Password
	// Policies, with NIST's common-password check): every place a password
	// is set applies it.
	Password policy.PasswordPolicy `dynamodbav:"-"`
}

// Validate checks every org setting against the values an admin may choose.
func (s OrgSettings) Validate() error {
	if _, err := time.LoadLocation(s.TimeZone); err != nil || s.TimeZone == "" {
		return &policy.ValidationError{Field: "time zone", Message: fmt.Sprintf("%q is not a known time zone", s.TimeZone)}
	}
	if _, err := policy.NewLockout(s.Lockout.MaxAttempts, s.Lockout.Period); err != nil {
		return err
	}
	if err := policy.SessionTimeout(s.SessionTimeout); err != nil {
		return err
	}
	for m, l := range s.Levels {
		if m != policy.MethodPassword && m != policy.MethodTOTP || l != policy.LevelStandard && l != policy.LevelHighAssurance {
			return &policy.ValidationError{Field: "security levels", Message: fmt.Sprintf("%s=%s: the level of a password or two-factor login is high-assurance or standard", m, l)}
		}
	}
	for name, a := range s.HighAssurance {
		if a != policy.ActionBlock && a != policy.ActionRaise {
			return &policy.ValidationError{Field: "high assurance", Message: fmt.Sprintf("%s: the action is block or raise", name)}
		}
	}
	if err := policy.ValidateIdentityVerification(s.IdentityVerification); err != nil {
		return err
	}
	return s.Password.Validate()
}

// ProfileSettings are a profile's permissions and login restrictions: set
// on the profile, copied onto each of its users (User.Policy). As with
// OrgSettings, a new setting is a field, its rule in Validate and its flag.
type ProfileSettings struct {
	LoginHours    policy.LoginHours `dynamodbav:"-"` // carries the zone it was first set in
	LoginIPRanges policy.IPRanges   `dynamodbav:"-"`
	APIEnabled    bool              `dynamodbav:"apiEnabled"`
	// The setup permissions (policy.Permissions: what each allows and
	// implies). ManageUsers keeps its stored name; the two later ones are
	// omitted when off, so items stored before them read the same.
	ManageUsers          bool `dynamodbav:"manageUsers"`
	CustomizeApplication bool `dynamodbav:"customizeApplication,omitempty"`
	ViewSetup            bool `dynamodbav:"viewSetup,omitempty"`
	// TwoFactorAPI is "two-factor for API logins": a user with a TOTP key
	// must append a current code in place of the security token.
	TwoFactorAPI bool `dynamodbav:"twoFactorApi"`
	// TwoFactorUI is "two-factor for UI logins": a TOTP code after the
	// password on every browser login (enrolling a key on first use).
	TwoFactorUI bool `dynamodbav:"twoFactorUi"`
	// RequireHighAssurance is "Session security level required at login:
	// High Assurance".
	RequireHighAssurance bool `dynamodbav:"requireHighAssurance"`
}

// Permissions are the profile's setup permissions.
func (s ProfileSettings) Permissions() policy.Permissions {
	return policy.Permissions{ViewSetup: s.ViewSetup, ManageUsers: s.ManageUsers, CustomizeApplication: s.CustomizeApplication}
}

// Validate checks every profile setting against the values an admin may
// choose. Ranges and hours are checked as they are parsed (policy.ParseIPRanges,
// policy.NewLoginHours); what is left is that the hours' zone still exists.
func (s ProfileSettings) Validate() error {
	if s.LoginHours.IsSet() {
		if _, err := time.LoadLocation(s.LoginHours.Zone); err != nil || s.LoginHours.Zone == "" {
			return &policy.ValidationError{Field: "login hours", Message: fmt.Sprintf("unknown time zone %q", s.LoginHours.Zone)}
		}
	}
	return nil
}

// Org is a customer organisation and its org-wide security settings.
type Org struct {
	ID   string // 15-character id, key prefix 00D
	Name string
	OrgSettings
	Version   int64 // raised on every settings change; users carry the version they copied
	CreatedAt time.Time
}

// Profile is a set of users' permissions and login restrictions.
type Profile struct {
	ID    string // 15-character id, key prefix 00e
	OrgID string
	Name  string
	ProfileSettings
	Version int64
}

// LoginPolicy is the copy of the org's and profile's settings kept on each
// user record, so a login reads everything it decides on in one round trip.
// Admin changes rewrite it on every user they concern (see dynamo.SyncPolicy).
type LoginPolicy struct {
	OrgVersion     int64
	ProfileVersion int64
	OrgName        string
	ProfileName    string
	OrgSettings
	ProfileSettings
}

// PolicyOf builds the copy a user of profile p in org o carries.
func PolicyOf(o Org, p Profile) LoginPolicy {
	return LoginPolicy{
		OrgVersion: o.Version, ProfileVersion: p.Version, OrgName: o.Name, ProfileName: p.Name,
		OrgSettings: o.OrgSettings, ProfileSettings: p.ProfileSettings,
	}
}

// LoginSettings are the settings of p a login decision reads.
func (p LoginPolicy) LoginSettings() policy.LoginSettings {
	return policy.LoginSettings{
		Hours: p.LoginHours, LoginIPRanges: p.LoginIPRanges, TrustedRanges: p.TrustedRanges,
		APIEnabled: p.APIEnabled, TwoFactorAPI: p.TwoFactorAPI, TwoFactorUI: p.TwoFactorUI, RequireHighAssurance: p.RequireHighAssurance,
		Levels: p.Levels, Password: p.Password,
	}
}

// User is a person or integration that logs in.
type User struct {
	ID           string // 15-character id, key prefix 005
	OrgID        string
	ProfileID    string
	Username     string // as entered at creation; unique case-insensitively
	Email        string
	FirstName    string
	LastName     string
	TimeZone     string
	Locale       string
	Language     string
	Active       bool
	PasswordHash string // argon2id, PHC format with its parameters
	TokenHash    string // digest of the security token; empty when none was ever issued
	TOTPSealed   string // the TOTP key, AES-GCM sealed for this user; empty when none
	TOTPLastStep int64  // the time step of the last TOTP code used: codes are single-use
	Lock         policy.LockState
	LastLoginAt  time.Time
	CreatedAt    time.Time
	// PasswordChangedAt is when the password was last set; zero for a user
	// stored before it was kept (PasswordSetAt then answers CreatedAt).
	PasswordChangedAt time.Time
	Policy            LoginPolicy
	// Devices are the browsers activated for this user, by the digest of
	// their activation cookie.
	Devices map[string]Device
	// SessionGen is the user's session generation: every session carries
	// the one it was opened under, and ending all of a user's sessions
	// raises it (in the same write as the change that ends them). Sessions
	// of an older generation are ended by a sweep; SweptGen is the
	// generation up to which a sweep finished (SweptGen < SessionGen: one
	// is owed, and lgadmin session end --user finishes it).
	SessionGen int64
	SweptGen   int64
	// UnfamiliarLock counts the failures from unfamiliar places (only with
	// the org's FamiliarPlaceLockout on); Seen is when the user last logged
	// in from each source (policy.SourceKey), at most policy.MaxSeenSources.
	UnfamiliarLock policy.LockState
	Seen           map[string]time.Time
	// Unfamiliar: this attempt was reserved on UnfamiliarLock; Source: the
	// source it was reserved from (both set by the reservation only).
	Unfamiliar bool
	Source     string
	// PasswordReset is the user's pending "Forgot your password?" link, if
	// any (zero for none): only digests are kept.
	PasswordReset PasswordReset
}

// PasswordReset is a pending password-reset link: the digest of its secret,
// when it expires, the digest of the password hash it was issued under (a
// password set since kills it), and the digest of the verification code
// mailed for it (an unrecognised browser), with the wrong answers given.
type PasswordReset struct {
	Digest    string
	ExpiresAt time.Time
	BoundTo   string
	CodeHash  string
	Tries     int
}

// Expired reports whether there is a link and it has run out at now: it
// is dead, and only waits to be tidied away.
func (r PasswordReset) Expired(now time.Time) bool {
	return r.Digest != "" && !now.Before(r.ExpiresAt)
}

// ReservedLock is the count this attempt was reserved on.
func (u User) ReservedLock() policy.LockState {
	if u.Unfamiliar {
		return u.UnfamiliarLock
	}
	return u.Lock
}

// Place is where a login attempt comes from, as the reservation needs it:
// the source (policy.SourceKey), the digest of the browser's activation
// cookie ("" for none), and the address (for the trusted and profile
// ranges). Known marks a check made within a session (the current password
// on the change form): its place is the user's own.
type Place struct {
	IP     netip.Addr
	Source string
	Device string
	Known  bool
}

// Device is a browser activated for a user: it carries the activation
// cookie whose digest keys it, and logs in without a verification code.
type Device struct {
	ActivatedAt time.Time
	IP          string // where it was activated from
	Client      string // its user agent then
	Via         string // how: FIRST_LOGIN, VERIFICATION_CODE, TOTP
}

// MaxDevices bounds a user's activated browsers: activating one more
// forgets the oldest.
const MaxDevices = 20

// FullName is "First Last", or the user name when both are empty.
func (u User) FullName() string {
	if n := strings.TrimSpace(u.FirstName + " " + u.LastName); n != "" {
		return n
	}
	return u.Username
}

// NormalizeUsername is the key form of a user name: Salesforce user names are
// case-insensitive.
func NormalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Session is an open login session. Its id is never stored, only its digest.
type Session struct {
	IDHash    string
	UserID    string
	OrgID     string
	Username  string
	IP        string
	Level     string // STANDARD or HIGH_ASSURANCE
	LoginType string // SOAP, REST, UI
	ProfileID string
	// ClientID and AppName: the connected app of an OAuth login ("" else).
	ClientID string
	AppName  string
	Client   string // the user agent that logged in
	// Persistent: a browser session kept by a persistent cookie ("Remember
	// me until logout"); other browser sessions end with the browser.
	Persistent bool
	// Grant is the digest of the authorization code an OAuth web-server
	// login's sessions descend from (the code's, and each refresh's): a
	// revoked refresh token ends them all. "" for other logins.
	Grant string
	// PasswordExpired: opened on an expired password; it may only set the
	// password (policy: ReasonSessionPasswordExpired for any other use).
	PasswordExpired bool
	// Gen is the user's session generation at login (User.SessionGen).
	Gen     int64
	Timeout time.Duration
	LockIP  bool
	Hours   policy.LoginHours // the profile's login hours at login: checked on every use
	// HighAssurance is the org's resource policy at login (resource -> action).
	HighAssurance map[string]policy.Action
	CreatedAt     time.Time
	LastSeenAt    time.Time
}

// Ref is a short reference to the session for lists and "end" buttons:
// the start of the digest of its id. It cannot be used as a session id,
// and no session id can be worked out from it.
func (s Session) Ref() string {
	if len(s.IDHash) < RefLen {
		return s.IDHash
	}
	return s.IDHash[:RefLen]
}

// Type is the session's type as Salesforce's Session Management page
// names them: UI, SOAP (the partner API's login) or OAuth (with its app,
// AppName).
func (s Session) Type() string {
	switch s.LoginType {
	case policy.LoginUI:
		return "UI"
	case policy.LoginSOAP:
		return "SOAP"
	case policy.LoginREST:
		return "OAuth"
	}
	return s.LoginType
}

// RefLen is the length of a session reference (Session.Ref).
const RefLen = 12

// ExpiresAt is when the session ends if it stays idle from its last activity.
func (s Session) ExpiresAt() time.Time { return s.LastSeenAt.Add(s.Timeout) }

// HistoryFilter picks login history lines: of one user, of one name tried,
// or of an org; of those, the one line ID, or those from Since to Until
// (zero: no bound).
type HistoryFilter struct {
	UserID       string
	Username     string // a name tried that matched no user
	OrgID        string
	ID           string // LoginEvent.ID
	Since, Until time.Time
	Limit        int32
	// Before continues a listing: only lines older than the line whose ID
	// it is ("" from the newest).
	Before string
}

// LoginEvent is one line of login history: every attempt, allowed or not.
type LoginEvent struct {
	At         time.Time
	OrgID      string // empty when the user name matched nobody
	UserID     string
	Username   string // the name tried
	IP         string
	LoginType  string // SOAP, REST, UI
	Client     string // user agent
	APIVersion string
	Reason     string // policy.Reason
	Via        string
	Challenge  string // browser logins: the challenge this step asked or answered (policy.Challenge)
	Allowed    bool
	// Grounds are what the decision read and the rules' trace (zero on a
	// line stored before they were kept).
	Grounds policy.Grounds
	// ID names the line among its org's and user's (set when read).
	ID string
}

// LoginChallenge is a browser login halfway through: the password was right,
// and a code (emailed, or from the authenticator app) is asked for before a
// session opens. Its id lives only in the browser's cookie; only its digest
// is stored, and the emailed code only as a digest bound to that id.
type LoginChallenge struct {
	IDHash   string
	UserID   string
	OrgID    string
	Username string
	IP       string
	Kind     string // policy.Challenge
	CodeHash string // EMAIL_CODE: the code's digest (secret.CodeDigest)
	SentTo   string // EMAIL_CODE: the address it went to, masked for the page
	EnrolKey string // TOTP_ENROL: the offered key, sealed for the user
	StepUp   string // a step-up of a live session: the digest of its id ("" for a login)
	// EmailPassed: an emailed code was passed earlier in this login (the
	// challenge this one followed); the policy reads it as passed.
	EmailPassed bool
	// TOTPPassed and FirstLogin carry, to a NEW_PASSWORD challenge (an
	// expired password's forced change, the login's last step), that a
	// TOTP code was passed (and spent) earlier in this login, and that the
	// login was the user's first.
	TOTPPassed, FirstLogin bool
	Tries                  int // wrong answers so far
	CreatedAt              time.Time
	ExpiresAt              time.Time
}

// AuditEvent is one line of the audit trail: a change to someone's
// credentials, or a refused attempt at one. It lives beside login history.
type AuditEvent struct {
	At       time.Time
	Key      string // the line's position in the store, as read (a listing's cursor)
	OrgID    string
	ActorID  string // who did it; empty for the admin CLI
	Actor    string // their user name, or "admin CLI"
	TargetID string // whom it was done to
	Target   string
	Action   string // TOKEN_RESET, PASSWORD_CHANGE, PASSWORD_RESET; a refused admin request: its policy.AdminAction
	Outcome  string // DONE, or why not (RATE_LIMITED, NOT_PERMITTED, MAIL_FAILED, WRONG_PASSWORD, ...)
	IP       string // where from; empty for the CLI
	Via      string // UI or CLI
}

// HistoryRetention is how long login history is kept (Salesforce keeps six months).
const HistoryRetention = 180 * 24 * time.Hour

// ConnectedApp is an OAuth client of an org. Its secret (a confidential
// app's; a public app has none) is kept only as a digest.
type ConnectedApp struct {
	ClientID   string
	OrgID      string
	Name       string
	SecretHash string
	CreatedAt  time.Time
	// OAuth is its policy: public or confidential, callback URLs, PKCE,
	// scopes, refresh tokens.
	OAuth policy.OAuthApp
}

// PasswordSetAt is when u's password was set: PasswordChangedAt, or for a
// user stored before that was kept, when the user was created.
func (u User) PasswordSetAt() time.Time {
	if u.PasswordChangedAt.IsZero() {
		return u.CreatedAt
	}
	return u.PasswordChangedAt
}

// PasswordHistory is what is kept of a user's earlier passwords, beside the
// user item (read only when a password is set, never on a login): their
// argon2id hashes, newest first, at most the org's PasswordPolicy.History.
// Version counts its writes, for the conditional replacement; 0 is a user
// with nothing stored yet.
type PasswordHistory struct {
	Hashes  []string
	Version int64
}
