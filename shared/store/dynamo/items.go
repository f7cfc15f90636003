package dynamo

import (
	"fmt"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

// Items as stored. Times are epoch seconds (numbers) where DynamoDB compares
// them in conditions or TTL reads them, RFC 3339 text elsewhere.

const (
	skOrg           = "ORG"
	skProfilePrefix = "PROFILE#"
)

// orgSettingsItem is domain.OrgSettings as stored, the same on the org item
// and in each user's copy (pol). The settings stored as they are come with
// the embedded struct, under its tags; the fields here are the ones whose
// stored form differs (seconds, range texts, the lockout as two numbers).
// The time zone is not among them: the org item and the copy name it
// differently (timeZone, orgTimeZone), and stored items keep those names.
type orgSettingsItem struct {
	domain.OrgSettings
	LockMax        int      `dynamodbav:"lockMax"` // 0 = no limit (the gate uses the user's top-level ceiling)
	LockPeriodSec  int64    `dynamodbav:"lockPeriodSec"`
	SessionTimeout int64    `dynamodbav:"sessionTimeoutSec"`
	Trusted        []string `dynamodbav:"trusted"`
	// The password policy, each field only where it differs from
	// policy.DefaultPasswordPolicy (an absent one is the default): it is
	// copied onto every user item, which every login writes, so a default
	// policy costs no bytes there.
	PwMinLength  *int    `dynamodbav:"pwMinLen,omitempty"`
	PwComplexity *string `dynamodbav:"pwComplexity,omitempty"`
	PwHistory    *int    `dynamodbav:"pwHistory,omitempty"`
	PwExpiryDays *int    `dynamodbav:"pwExpiryDays,omitempty"`
	PwCommonOK   *bool   `dynamodbav:"pwCommonOk,omitempty"` // true: common passwords are allowed
}

// unlessDefault is &v, or nil when v is the default d.
func unlessDefault[T comparable](v, d T) *T {
	if v == d {
		return nil
	}
	return &v
}

// orDefault is *p, or d when p is nil.
func orDefault[T any](p *T, d T) T {
	if p == nil {
		return d
	}
	return *p
}

// profileSettingsItem is domain.ProfileSettings as stored, on the profile
// item and in each user's copy, as orgSettingsItem is for an org.
type profileSettingsItem struct {
	domain.ProfileSettings
	HoursZone string   `dynamodbav:"hoursZone"`
	Hours     string   `dynamodbav:"hours"`
	Ranges    []string `dynamodbav:"ranges"`
}

type orgItem struct {
	PK       string `dynamodbav:"pk"`
	SK       string `dynamodbav:"sk"`
	Name     string `dynamodbav:"name"`
	TimeZone string `dynamodbav:"timeZone"`
	orgSettingsItem
	Version   int64  `dynamodbav:"version"`
	CreatedAt string `dynamodbav:"createdAt"`
}

type profileItem struct {
	PK   string `dynamodbav:"pk"`
	SK   string `dynamodbav:"sk"`
	ID   string `dynamodbav:"id"`
	Name string `dynamodbav:"name"`
	profileSettingsItem
	Version int64 `dynamodbav:"version"`
}

// policyItem is domain.LoginPolicy on a user item. The lockout maximum and
// period live beside it at the top level: the login gate's condition reads them.
type policyItem struct {
	OrgVersion     int64  `dynamodbav:"orgVersion"`
	ProfileVersion int64  `dynamodbav:"profileVersion"`
	OrgName        string `dynamodbav:"orgName"`
	OrgTimeZone    string `dynamodbav:"orgTimeZone"`
	ProfileName    string `dynamodbav:"profileName"`
	orgSettingsItem
	profileSettingsItem
}

type userItem struct {
	Username     string     `dynamodbav:"username"` // key: normalized
	ID           string     `dynamodbav:"id"`
	OrgID        string     `dynamodbav:"orgId"`
	ProfileID    string     `dynamodbav:"profileId"`
	DisplayName  string     `dynamodbav:"displayName"`
	Email        string     `dynamodbav:"email"`
	FirstName    string     `dynamodbav:"firstName"`
	LastName     string     `dynamodbav:"lastName"`
	TimeZone     string     `dynamodbav:"timeZone"`
	Locale       string     `dynamodbav:"locale"`
	Language     string     `dynamodbav:"language"`
	Active       bool       `dynamodbav:"active"`
	PasswordHash string     `dynamodbav:"passwordHash"`
	TokenHash    string     `dynamodbav:"tokenHash"`
	TOTPSealed   string     `dynamodbav:"totpKey,omitempty"`
	TOTPLastStep int64      `dynamodbav:"totpLastStep"`
	Attempts     int        `dynamodbav:"attempts"`
	LockEndsAt   int64      `dynamodbav:"lockEndsAt"`
	LockGen      int64      `dynamodbav:"lockGen,omitempty"`
	LockCeiling  int64      `dynamodbav:"lockCeiling"` // attempts at which the user locks (huge for no limit)
	LockForSec   int64      `dynamodbav:"lockForSec"`  // lock period in seconds (a century for "until unlocked")
	LastLoginAt  string     `dynamodbav:"lastLoginAt"`
	CreatedAt    string     `dynamodbav:"createdAt"`
	PwChangedAt  string     `dynamodbav:"pwChangedAt,omitempty"`
	Policy       policyItem `dynamodbav:"pol"`
	// Devices: activated browsers by cookie digest. Always present (maybe
	// empty) on users created since; older users get it on first activation.
	Devices    map[string]deviceItem `dynamodbav:"devices"`
	SessionGen int64                 `dynamodbav:"sessGen,omitempty"`
	SweptGen   int64                 `dynamodbav:"sweptGen,omitempty"`
	// The count of failures from unfamiliar places (familiar-place
	// lockout), as attempts, lockEndsAt and lockGen are for the others.
	UAttempts   int   `dynamodbav:"uAttempts,omitempty"`
	ULockEndsAt int64 `dynamodbav:"uLockEndsAt,omitempty"`
	ULockGen    int64 `dynamodbav:"uLockGen,omitempty"`
	// Seen: the sources the user logged in from (familiar-place lockout
	// on), each with the Unix time of the last login from it.
	Seen map[string]int64 `dynamodbav:"seen,omitempty"`
	// The pending password-reset link (reset.go): digests only.
	PwrHash  string `dynamodbav:"pwrHash,omitempty"`
	PwrExp   int64  `dynamodbav:"pwrExp,omitempty"`
	PwrPw    string `dynamodbav:"pwrPw,omitempty"`
	PwrCode  string `dynamodbav:"pwrCode,omitempty"`
	PwrTries int    `dynamodbav:"pwrTries,omitempty"`
}

type deviceItem struct {
	ActivatedAt string `dynamodbav:"at"`
	IP          string `dynamodbav:"ip"`
	Client      string `dynamodbav:"client"`
	Via         string `dynamodbav:"via"`
}

// challengeItem is a domain.LoginChallenge in the sessions table. Its key is a
// digest of another purpose than session ids', so it can never be read as a
// session, and kind marks it besides.
type challengeItem struct {
	ID        string `dynamodbav:"id"`
	Kind      string `dynamodbav:"kind"` // always kindChallenge
	UserID    string `dynamodbav:"userId"`
	OrgID     string `dynamodbav:"orgId"`
	Username  string `dynamodbav:"username"`
	IP        string `dynamodbav:"ip"`
	Challenge string `dynamodbav:"challenge"`
	CodeHash  string `dynamodbav:"codeHash,omitempty"`
	SentTo    string `dynamodbav:"sentTo,omitempty"`
	EnrolKey  string `dynamodbav:"enrolKey,omitempty"`
	StepUp    string `dynamodbav:"stepUp,omitempty"`
	EmailOK   bool   `dynamodbav:"emailPassed,omitempty"`
	TOTPOK    bool   `dynamodbav:"totpPassed,omitempty"`
	First     bool   `dynamodbav:"firstLogin,omitempty"`
	Tries     int    `dynamodbav:"tries"`
	CreatedAt int64  `dynamodbav:"createdAt"`
	ExpiresAt int64  `dynamodbav:"expiresAt"` // TTL attribute
}

const kindChallenge = "LOGIN_CHALLENGE"

func toChallengeItem(c domain.LoginChallenge) challengeItem {
	return challengeItem{
		ID: c.IDHash, Kind: kindChallenge, UserID: c.UserID, OrgID: c.OrgID, Username: c.Username, IP: c.IP,
		Challenge: c.Kind, CodeHash: c.CodeHash, SentTo: c.SentTo, EnrolKey: c.EnrolKey, StepUp: c.StepUp, EmailOK: c.EmailPassed, TOTPOK: c.TOTPPassed, First: c.FirstLogin, Tries: c.Tries,
		CreatedAt: epoch(c.CreatedAt), ExpiresAt: epoch(c.ExpiresAt),
	}
}

func (it challengeItem) challenge() domain.LoginChallenge {
	return domain.LoginChallenge{
		IDHash: it.ID, UserID: it.UserID, OrgID: it.OrgID, Username: it.Username, IP: it.IP,
		Kind: it.Challenge, CodeHash: it.CodeHash, SentTo: it.SentTo, EnrolKey: it.EnrolKey, StepUp: it.StepUp, EmailPassed: it.EmailOK, TOTPPassed: it.TOTPOK, FirstLogin: it.First, Tries: it.Tries,
		CreatedAt: fromEpoch(it.CreatedAt), ExpiresAt: fromEpoch(it.ExpiresAt),
	}
}

func toDeviceItem(d domain.Device) deviceItem {
	return deviceItem{ActivatedAt: ts(d.ActivatedAt), IP: d.IP, Client: d.Client, Via: d.Via}
}

type sessionItem struct {
	ID         string `dynamodbav:"id"` // digest of the session id
	UserID     string `dynamodbav:"userId"`
	OrgID      string `dynamodbav:"orgId"`
	Username   string `dynamodbav:"username"`
	IP         string `dynamodbav:"ip"`
	Level      string `dynamodbav:"level"`
	LoginType  string `dynamodbav:"loginType"`
	ProfileID  string `dynamodbav:"profileId,omitempty"`
	ClientID   string `dynamodbav:"clientId,omitempty"`
	AppName    string `dynamodbav:"appName,omitempty"`
	Client     string `dynamodbav:"client,omitempty"`
	Persistent bool   `dynamodbav:"persistent,omitempty"`
	PwExpired  bool   `dynamodbav:"pwExpired,omitempty"`
	Grant      string `dynamodbav:"grant,omitempty"`
	Gen        int64  `dynamodbav:"gen"`
	// SessOrg and SessKey key the sessions-by-org index (SessionsByOrg):
	// the org, and the user id, a "#" and the session's reference, so one
	// query lists an org's sessions or (begins_with) one user's. Only
	// sessions carry them; challenges stay out of the index.
	SessOrg    string            `dynamodbav:"sessOrg"`
	SessKey    string            `dynamodbav:"sessKey"`
	TimeoutSec int64             `dynamodbav:"timeoutSec"`
	LockIP     bool              `dynamodbav:"lockIp"`
	HoursZone  string            `dynamodbav:"hoursZone,omitempty"`
	Hours      string            `dynamodbav:"hours,omitempty"`
	HighAssur  map[string]string `dynamodbav:"highAssurance,omitempty"`
	CreatedAt  int64             `dynamodbav:"createdAt"`
	LastSeenAt int64             `dynamodbav:"lastSeenAt"`
	ExpiresAt  int64             `dynamodbav:"expiresAt"` // TTL attribute
}

type historyItem struct {
	Subject    string `dynamodbav:"subject"` // "user#<id>" or "name#<normalized name tried>"
	At         string `dynamodbav:"at"`      // RFC 3339 nano + "#" + random: sortable and unique
	OrgID      string `dynamodbav:"orgId,omitempty"`
	UserID     string `dynamodbav:"userId,omitempty"`
	Username   string `dynamodbav:"username"`
	IP         string `dynamodbav:"ip"`
	LoginType  string `dynamodbav:"loginType"`
	Client     string `dynamodbav:"client"`
	APIVersion string `dynamodbav:"apiVersion,omitempty"`
	Reason     string `dynamodbav:"reason"`
	Via        string `dynamodbav:"via,omitempty"`
	Challenge  string `dynamodbav:"challenge,omitempty"`
	Allowed    bool   `dynamodbav:"allowed"`
	// Why is the decision's grounds (policy.Grounds.Encode); absent on
	// lines stored before they were kept.
	Why       string `dynamodbav:"why,omitempty"`
	ExpiresAt int64  `dynamodbav:"expiresAt"` // TTL attribute
}

func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func parseTS(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

func epoch(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func fromEpoch(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0).UTC()
}

func rangesText(rs policy.IPRanges) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.String()
	}
	return out
}

func parseRanges(ss []string) (policy.IPRanges, error) {
	rs := make(policy.IPRanges, 0, len(ss))
	for _, s := range ss {
		r, err := policy.ParseIPRanges(s)
		if err != nil {
			return nil, fmt.Errorf("stored range %q: %w", s, err)
		}
		rs = append(rs, r...)
	}
	return rs, nil
}

func actionsText(m map[string]policy.Action) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = string(v)
	}
	return out
}

func actionsOf(m map[string]string) map[string]policy.Action {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]policy.Action, len(m))
	for k, v := range m {
		out[k] = policy.Action(v)
	}
	return out
}

func toOrgSettingsItem(o domain.OrgSettings) orgSettingsItem {
	return orgSettingsItem{OrgSettings: o,
		LockMax: o.Lockout.MaxAttempts, LockPeriodSec: int64(o.Lockout.Period / time.Second),
		SessionTimeout: int64(o.SessionTimeout / time.Second), Trusted: rangesText(o.TrustedRanges),
		PwMinLength:  unlessDefault(o.Password.MinLength, policy.DefaultPasswordPolicy.MinLength),
		PwComplexity: unlessDefault(string(o.Password.Complexity), string(policy.DefaultPasswordPolicy.Complexity)),
		PwHistory:    unlessDefault(o.Password.History, policy.DefaultPasswordPolicy.History),
		PwExpiryDays: unlessDefault(o.Password.ExpiryDays, policy.DefaultPasswordPolicy.ExpiryDays),
		PwCommonOK:   unlessDefault(!o.Password.BlockCommon, !policy.DefaultPasswordPolicy.BlockCommon),
	}
}

// settings is the stored org settings without their time zone, which the
// caller reads from where its item keeps it.
func (it orgSettingsItem) settings(zone string) (domain.OrgSettings, error) {
	trusted, err := parseRanges(it.Trusted)
	if err != nil {
		return domain.OrgSettings{}, err
	}
	o := it.OrgSettings
	o.TimeZone = zone
	o.Lockout = policy.Lockout{MaxAttempts: it.LockMax, Period: time.Duration(it.LockPeriodSec) * time.Second}
	o.SessionTimeout = time.Duration(it.SessionTimeout) * time.Second
	o.TrustedRanges = trusted
	d := policy.DefaultPasswordPolicy
	o.Password = policy.PasswordPolicy{
		MinLength: orDefault(it.PwMinLength, d.MinLength), Complexity: policy.Complexity(orDefault(it.PwComplexity, string(d.Complexity))),
		History: orDefault(it.PwHistory, d.History), ExpiryDays: orDefault(it.PwExpiryDays, d.ExpiryDays),
		BlockCommon: !orDefault(it.PwCommonOK, !d.BlockCommon),
	}
	return o, nil
}

func toProfileSettingsItem(p domain.ProfileSettings) profileSettingsItem {
	return profileSettingsItem{ProfileSettings: p,
		HoursZone: p.LoginHours.Zone, Hours: p.LoginHours.String(), Ranges: rangesText(p.LoginIPRanges),
	}
}

func (it profileSettingsItem) settings() (domain.ProfileSettings, error) {
	hours, err := policy.ParseLoginHours(it.HoursZone, it.Hours)
	if err != nil {
		return domain.ProfileSettings{}, fmt.Errorf("stored login hours: %w", err)
	}
	ranges, err := parseRanges(it.Ranges)
	if err != nil {
		return domain.ProfileSettings{}, err
	}
	p := it.ProfileSettings
	p.LoginHours, p.LoginIPRanges = hours, ranges
	return p, nil
}

func toOrgItem(o domain.Org) orgItem {
	return orgItem{
		PK: o.ID, SK: skOrg, Name: o.Name, TimeZone: o.TimeZone, orgSettingsItem: toOrgSettingsItem(o.OrgSettings),
		Version: o.Version, CreatedAt: ts(o.CreatedAt),
	}
}

func (it orgItem) org() (domain.Org, error) {
	settings, err := it.settings(it.TimeZone)
	if err != nil {
		return domain.Org{}, err
	}
	return domain.Org{ID: it.PK, Name: it.Name, OrgSettings: settings, Version: it.Version, CreatedAt: parseTS(it.CreatedAt)}, nil
}

func toProfileItem(p domain.Profile) profileItem {
	return profileItem{
		PK: p.OrgID, SK: skProfilePrefix + p.ID, ID: p.ID, Name: p.Name,
		profileSettingsItem: toProfileSettingsItem(p.ProfileSettings), Version: p.Version,
	}
}

func (it profileItem) profile() (domain.Profile, error) {
	settings, err := it.settings()
	if err != nil {
		return domain.Profile{}, err
	}
	return domain.Profile{ID: it.ID, OrgID: it.PK, Name: it.Name, ProfileSettings: settings, Version: it.Version}, nil
}

func toPolicyItem(p domain.LoginPolicy) policyItem {
	return policyItem{
		OrgVersion: p.OrgVersion, ProfileVersion: p.ProfileVersion,
		OrgName: p.OrgName, OrgTimeZone: p.TimeZone, ProfileName: p.ProfileName,
		orgSettingsItem: toOrgSettingsItem(p.OrgSettings), profileSettingsItem: toProfileSettingsItem(p.ProfileSettings),
	}
}

func (it policyItem) policy() (domain.LoginPolicy, error) {
	org, err := it.orgSettingsItem.settings(it.OrgTimeZone)
	if err != nil {
		return domain.LoginPolicy{}, err
	}
	prof, err := it.profileSettingsItem.settings()
	if err != nil {
		return domain.LoginPolicy{}, err
	}
	return domain.LoginPolicy{
		OrgVersion: it.OrgVersion, ProfileVersion: it.ProfileVersion, OrgName: it.OrgName, ProfileName: it.ProfileName,
		OrgSettings: org, ProfileSettings: prof,
	}, nil
}

func toUserItem(u domain.User) userItem {
	return userItem{
		Username: domain.NormalizeUsername(u.Username), ID: u.ID, OrgID: u.OrgID, ProfileID: u.ProfileID,
		DisplayName: u.Username, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName,
		TimeZone: u.TimeZone, Locale: u.Locale, Language: u.Language, Active: u.Active,
		PasswordHash: u.PasswordHash, TokenHash: u.TokenHash, TOTPSealed: u.TOTPSealed, TOTPLastStep: u.TOTPLastStep,
		Attempts: u.Lock.Attempts, LockEndsAt: epoch(u.Lock.LockEndsAt),
		LockCeiling: int64(u.Policy.Lockout.Ceiling()), LockForSec: int64(u.Policy.Lockout.LockFor() / time.Second),
		LastLoginAt: ts(u.LastLoginAt), CreatedAt: ts(u.CreatedAt), PwChangedAt: ts(u.PasswordChangedAt), Policy: toPolicyItem(u.Policy),
		Devices: devicesText(u.Devices), SessionGen: u.SessionGen, SweptGen: u.SweptGen,
		UAttempts: u.UnfamiliarLock.Attempts, ULockEndsAt: epoch(u.UnfamiliarLock.LockEndsAt), ULockGen: u.UnfamiliarLock.Gen,
		Seen: seenText(u.Seen),
	}
}

func seenText(m map[string]time.Time) map[string]int64 {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]int64, len(m))
	for k, at := range m {
		out[k] = at.Unix()
	}
	return out
}

func devicesText(m map[string]domain.Device) map[string]deviceItem {
	out := make(map[string]deviceItem, len(m))
	for k, d := range m {
		out[k] = toDeviceItem(d)
	}
	return out
}

func (it userItem) user() (domain.User, error) {
	pol, err := it.Policy.policy()
	if err != nil {
		return domain.User{}, fmt.Errorf("user %s: %w", it.ID, err)
	}
	return domain.User{
		ID: it.ID, OrgID: it.OrgID, ProfileID: it.ProfileID, Username: it.DisplayName,
		Email: it.Email, FirstName: it.FirstName, LastName: it.LastName,
		TimeZone: it.TimeZone, Locale: it.Locale, Language: it.Language, Active: it.Active,
		PasswordHash: it.PasswordHash, TokenHash: it.TokenHash, TOTPSealed: it.TOTPSealed, TOTPLastStep: it.TOTPLastStep,
		Lock:        policy.LockState{Attempts: it.Attempts, LockEndsAt: fromEpoch(it.LockEndsAt), Gen: it.LockGen},
		LastLoginAt: parseTS(it.LastLoginAt), CreatedAt: parseTS(it.CreatedAt), PasswordChangedAt: parseTS(it.PwChangedAt), Policy: pol,
		Devices: devicesOf(it.Devices), SessionGen: it.SessionGen, SweptGen: it.SweptGen,
		UnfamiliarLock: policy.LockState{Attempts: it.UAttempts, LockEndsAt: fromEpoch(it.ULockEndsAt), Gen: it.ULockGen},
		Seen:           seenOf(it.Seen),
		PasswordReset: domain.PasswordReset{Digest: it.PwrHash, ExpiresAt: fromEpoch(it.PwrExp), BoundTo: it.PwrPw,
			CodeHash: it.PwrCode, Tries: it.PwrTries},
	}, nil
}

func seenOf(m map[string]int64) map[string]time.Time {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]time.Time, len(m))
	for k, at := range m {
		out[k] = time.Unix(at, 0).UTC()
	}
	return out
}

func devicesOf(m map[string]deviceItem) map[string]domain.Device {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]domain.Device, len(m))
	for k, d := range m {
		out[k] = domain.Device{ActivatedAt: parseTS(d.ActivatedAt), IP: d.IP, Client: d.Client, Via: d.Via}
	}
	return out
}

func toSessionItem(s domain.Session) sessionItem {
	return sessionItem{
		ID: s.IDHash, UserID: s.UserID, OrgID: s.OrgID, Username: s.Username, IP: s.IP,
		Level: s.Level, LoginType: s.LoginType, ProfileID: s.ProfileID, ClientID: s.ClientID, AppName: s.AppName,
		Client: s.Client, Persistent: s.Persistent, PwExpired: s.PasswordExpired, Grant: s.Grant, Gen: s.Gen, SessOrg: s.OrgID, SessKey: sessKey(s.UserID, s.Ref()),
		TimeoutSec: int64(s.Timeout / time.Second), LockIP: s.LockIP,
		HoursZone: s.Hours.Zone, Hours: s.Hours.String(), HighAssur: actionsText(s.HighAssurance), CreatedAt: epoch(s.CreatedAt), LastSeenAt: epoch(s.LastSeenAt), ExpiresAt: epoch(s.ExpiresAt()),
	}
}

func (it sessionItem) session() (domain.Session, error) {
	hours, err := policy.ParseLoginHours(it.HoursZone, it.Hours)
	if err != nil {
		return domain.Session{}, fmt.Errorf("stored session login hours: %w", err)
	}
	return domain.Session{Hours: hours, HighAssurance: actionsOf(it.HighAssur),
		IDHash: it.ID, UserID: it.UserID, OrgID: it.OrgID, Username: it.Username, IP: it.IP,
		Level: it.Level, LoginType: it.LoginType, ProfileID: it.ProfileID, ClientID: it.ClientID, AppName: it.AppName,
		Client: it.Client, Persistent: it.Persistent, PasswordExpired: it.PwExpired, Grant: it.Grant, Gen: it.Gen, Timeout: time.Duration(it.TimeoutSec) * time.Second,
		LockIP: it.LockIP, CreatedAt: fromEpoch(it.CreatedAt), LastSeenAt: fromEpoch(it.LastSeenAt),
	}, nil
}

// sessKey is a session's sort key in the sessions-by-org index.
func sessKey(userID, ref string) string { return userID + "#" + ref }

func subjectOf(e domain.LoginEvent) string {
	if e.UserID != "" {
		return "user#" + e.UserID
	}
	return "name#" + domain.NormalizeUsername(e.Username)
}

func toHistoryItem(e domain.LoginEvent, suffix string) historyItem {
	it := historyItem{
		Subject: subjectOf(e), At: ts(e.At) + "#" + suffix, OrgID: e.OrgID, UserID: e.UserID,
		Username: e.Username, IP: e.IP, LoginType: e.LoginType, Client: e.Client, APIVersion: e.APIVersion,
		Reason: e.Reason, Via: e.Via, Challenge: e.Challenge, Allowed: e.Allowed, ExpiresAt: e.At.Add(domain.HistoryRetention).Unix(),
	}
	if !e.Grounds.IsZero() {
		it.Why = e.Grounds.Encode()
	}
	return it
}

// event is the line as stored. Grounds that do not read (a later version
// this code does not know) are left zero: the line itself still reads.
func (it historyItem) event() domain.LoginEvent {
	at, _, _ := cutLast(it.At, "#")
	ev := domain.LoginEvent{
		At: parseTS(at), OrgID: it.OrgID, UserID: it.UserID, Username: it.Username, IP: it.IP,
		LoginType: it.LoginType, Client: it.Client, APIVersion: it.APIVersion,
		Reason: it.Reason, Via: it.Via, Challenge: it.Challenge, Allowed: it.Allowed, ID: it.At,
	}
	if it.Why != "" {
		ev.Grounds, _ = policy.ParseGrounds(it.Why)
	}
	return ev
}

func cutLast(s, sep string) (before, after string, found bool) {
	for i := len(s) - len(sep); i >= 0; i-- {
		if s[i:i+len(sep)] == sep {
			return s[:i], s[i+len(sep):], true
		}
	}
	return s, "", false
}
