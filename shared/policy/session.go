package policy

import (
	"net/netip"
	"strings"
	"time"
)

// Level is a session's security level (session-security.txt).
type Level string

const (
	LevelStandard      Level = "STANDARD"
	LevelHighAssurance Level = "HIGH_ASSURANCE"
)

// Method is a way of logging in whose level the org sets.
type Method string

const (
	MethodPassword Method = "PASSWORD"
	MethodTOTP     Method = "TWO_FACTOR"
)

// DefaultLevels are Salesforce's defaults: every method Standard except
// two-factor authentication, which is High Assurance.
var DefaultLevels = map[Method]Level{MethodPassword: LevelStandard, MethodTOTP: LevelHighAssurance}

// LevelOf is the level a login by m gets under the org's settings (levels,
// nil for the defaults).
func LevelOf(m Method, levels map[Method]Level) Level {
	if l, ok := levels[m]; ok {
		return l
	}
	if l, ok := DefaultLevels[m]; ok {
		return l
	}
	return LevelStandard
}

// Action is what happens when a resource that requires High Assurance is
// reached with a Standard session.
type Action string

const (
	ActionBlock Action = "BLOCK"         // insufficient privileges
	ActionRaise Action = "RAISE_SESSION" // step up with two-factor, then go on
)

// Session reasons.
const (
	ReasonSessionValid       Reason = "SESSION_VALID"
	ReasonSessionExpired     Reason = "SESSION_EXPIRED"
	ReasonSessionIPChanged   Reason = "SESSION_IP_MISMATCH"
	ReasonReadOnlyAfterHours Reason = "OUTSIDE_LOGIN_HOURS_READ_ONLY"
	ReasonHighAssuranceBlock Reason = "HIGH_ASSURANCE_REQUIRED"
	ReasonRaiseSessionLevel  Reason = "RAISE_SESSION_LEVEL"
	ReasonSessionWrongPlace  Reason = "SESSION_CHANNEL_MISMATCH"
)

// Channel is where a session is presented. A session works only where the
// channel that opened it allows: what an API login grants (a password and
// security token, never an emailed code or a UI two-factor prompt) must not
// open the pages, and a browser session, which lives only in an HttpOnly
// cookie, is never a bearer token.
type Channel string

const (
	// ChannelAPI is a bearer token: the SOAP SessionHeader, OAuth's
	// Authorization header (userinfo, the id URL, revoke) and the session
	// authorizer in front of other APIs.
	ChannelAPI Channel = "API"
	// ChannelPages is the browser's session cookie on our own pages.
	ChannelPages Channel = "PAGES"
)

// Login types, as sessions and login history record them.
const (
	LoginSOAP = "SOAP"
	LoginREST = "REST"
	LoginUI   = "UI"
)

// ChannelOf is the one channel a session opened by a login of loginType may
// be used on. SOAP and REST sessions are interchangeable, as Salesforce's
// are (a SOAP session id is a REST bearer token): both were granted by an
// API login. Anything else (an unknown or missing type) has no channel.
func ChannelOf(loginType string) Channel {
	switch loginType {
	case LoginSOAP, LoginREST:
		return ChannelAPI
	case LoginUI:
		return ChannelPages
	}
	return ""
}

// LoginTypesOf are the login types whose sessions channel ch admits.
func LoginTypesOf(ch Channel) []string {
	switch ch {
	case ChannelAPI:
		return []string{LoginSOAP, LoginREST}
	case ChannelPages:
		return []string{LoginUI}
	}
	return nil
}

// SessionCheck holds the facts of one request made with a session.
type SessionCheck struct {
	// LoginType is how the session was opened; Channel where it is
	// presented now. They must agree (ChannelOf), or the session is refused.
	LoginType  string
	Channel    Channel
	Now        time.Time
	LastSeenAt time.Time
	Timeout    time.Duration // the org's idle timeout when the session started
	LockIP     bool
	StartIP    netip.Addr
	IP         netip.Addr
	Hours      LoginHours
	SafeMethod bool // GET, HEAD, OPTIONS: reading, not acting
	Level      Level
	// Required is the resource's policy: "" when it asks nothing, else the
	// action for a session below High Assurance.
	Required Action
	// PasswordExpired: the session was opened on an expired password;
	// SettingPassword: this use sets the password (the one use it allows).
	PasswordExpired, SettingPassword bool
}

// SessionDecision is the outcome of a session check.
type SessionDecision struct {
	Allowed bool
	Reason  Reason
	// ReadOnly: login hours have ended; the session may read but not act.
	ReadOnly bool
	// Touch: record activity now. Activity is written only once half the
	// timeout has passed since the last write, so most checks are one read.
	Touch bool
}

// CheckSession applies session-security.txt: the channel first (a session
// works only where the channel that opened it allows), idle timeout, the IP lock,
// login hours (after they end a session may still read but not act), and the
// resource's security-level policy (Block, or Raise: step up).
func CheckSession(c SessionCheck) SessionDecision {
	if c.Channel == "" || ChannelOf(c.LoginType) != c.Channel {
		// Fail closed: a check that names no channel admits nothing.
		return SessionDecision{Reason: ReasonSessionWrongPlace}
	}
	if c.Timeout <= 0 || !c.Now.Before(c.LastSeenAt.Add(c.Timeout)) {
		return SessionDecision{Reason: ReasonSessionExpired}
	}
	if c.LockIP && c.StartIP.IsValid() && as16(c.IP) != as16(c.StartIP) {
		return SessionDecision{Reason: ReasonSessionIPChanged}
	}
	if expiredSession(c) {
		return SessionDecision{Reason: ReasonSessionPasswordExpired}
	}
	if c.Required != "" && c.Level != LevelHighAssurance {
		if c.Required == ActionRaise {
			return SessionDecision{Reason: ReasonRaiseSessionLevel}
		}
		return SessionDecision{Reason: ReasonHighAssuranceBlock}
	}
	d := SessionDecision{Allowed: true, Reason: ReasonSessionValid, Touch: c.Now.Sub(c.LastSeenAt) >= c.Timeout/2}
	if ok, err := c.Hours.Allows(c.Now); err != nil || !ok {
		d.ReadOnly = true
		if !c.SafeMethod {
			return SessionDecision{Reason: ReasonReadOnlyAfterHours, ReadOnly: true}
		}
		d.Reason = ReasonReadOnlyAfterHours
	}
	return d
}

// CanLogIn reports whether a login by method m may open a session for a
// profile that requires High Assurance at login (requireHA). With two-factor
// set to Standard in the org, such a profile cannot log in at all.
func CanLogIn(m Method, levels map[Method]Level, requireHA bool) bool {
	return !requireHA || LevelOf(m, levels) == LevelHighAssurance
}

// ParseHighAssurance reads the CLI form of an org's resource policy:
// "reports=raise,setup=block" (resource names of letters, digits, - and _).
// An empty spec or "none" is no policy.
func ParseHighAssurance(spec string) (map[string]Action, error) {
	if strings.TrimSpace(spec) == "none" {
		return map[string]Action{}, nil
	}
	return parseActions(spec, "high assurance", false,
		func(name string) bool { return strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789-_") == "" },
		"write resource=block or resource=raise, resource names in lower case")
}
