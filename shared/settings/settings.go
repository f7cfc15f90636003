package settings

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

// The org and profile settings as flags. Each setting has one entry below:
// its flag, how the flag's text sets it, and how it shows in org show or
// profile show (in the entries' order). Its rules are the settings'
// Validate, which the admin use case checks once all given flags are
// applied. A new setting is its field in domain, its rule in Validate and
// its entry here.
//
// A flag is the setting's field name in kebab case, except those older than
// that rule, kept for the scripts that use them: --timezone (TimeZone),
// --lockout-max and --lockout-period (Lockout), --two-factor-level and
// --password-level (Levels), --ip-ranges (LoginIPRanges) and
// --login-page-caching (NoLoginPageCaching, the negation: on by default).

// Field is one setting of a settings struct S: its flag, and its JSON
// member (the key of its first Shown).
type Field[S any] struct {
	Name, Usage string
	IsBool      bool // a boolean flag, given its default when a record is created
	Def         bool
	// Choices are the texts a setting with a closed set of values takes,
	// for the console's menus (nil: free text).
	Choices []string
	Set     func(s *S, v string, at Env) error
	Show    func(s S) []Shown
}

// Env is what a flag may need besides its text.
type Env struct {
	OrgZone string // the org's default time zone now
}

// Shown is one line of a show command: a JSON member, and a text line
// unless label is empty.
type Shown struct {
	Key, Label string
	Value      any
	Text       string // "": the value's text
}

func (s Shown) lineText() string {
	switch v := s.Value; {
	case s.Text != "":
		return s.Text
	case v == nil:
		return ""
	default:
		if l, ok := v.([]string); ok {
			return strings.Join(l, ", ")
		}
		return fmt.Sprint(v)
	}
}

// View is a record as a show command prints it, in order.
type View []Shown

func (v View) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range v {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.Key)
		val, err := json.Marshal(f.Value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(val)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func (v View) Lines() [][2]string {
	out := make([][2]string, 0, len(v))
	for _, f := range v {
		if f.Label != "" {
			out = append(out, [2]string{f.Label, f.lineText()})
		}
	}
	return out
}

func (v View) Get(key string) any {
	for _, f := range v {
		if f.Key == key {
			return f.Value
		}
	}
	return nil
}

func ViewOf[S any](flags []Field[S], s S) View {
	var out View
	for _, f := range flags {
		out = append(out, f.Show(s)...)
	}
	return out
}

func Register[S any](fs *flag.FlagSet, flags []Field[S]) {
	for _, f := range flags {
		if f.IsBool {
			fs.Bool(f.Name, f.Def, f.Usage)
		} else {
			fs.String(f.Name, "", f.Usage)
		}
	}
}

// ApplyFlags sets on s every setting whose flag was given (and, when
// creating, every boolean one); the admin use case validates them all.
func ApplyFlags[S any](fs *flag.FlagSet, flags []Field[S], s *S, at Env, creating bool) error {
	given := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	for _, f := range flags {
		if given[f.Name] || creating && f.IsBool {
			if err := f.Set(s, fs.Lookup(f.Name).Value.String(), at); err != nil {
				return asInvalid(err)
			}
		}
	}
	return nil
}

// boolSetting is the entry of a boolean setting; negated: the field is the
// flag's negation.
func boolSetting[S any](name, key, label, usage string, def, negated bool, field func(*S) *bool) Field[S] {
	return Field[S]{Name: name, Usage: usage, IsBool: true, Def: def,
		Set: func(s *S, v string, _ Env) error {
			b, err := strconv.ParseBool(v)
			*field(s) = b != negated
			return err
		},
		Show: func(s S) []Shown { return []Shown{{Key: key, Label: label, Value: *field(&s) != negated}} },
	}
}

// rangesSetting is the entry of a list of IP ranges.
func rangesSetting[S any](name, key, label, usage string, field func(*S) *policy.IPRanges) Field[S] {
	return Field[S]{Name: name, Usage: usage,
		Set: func(s *S, v string, _ Env) error {
			rs, err := parseRangesFlag(v)
			if err != nil {
				return fmt.Errorf("--%s: %w", name, err)
			}
			*field(s) = rs
			return nil
		},
		Show: func(s S) []Shown { return one(key, label, rangeTexts(*field(&s))) },
	}
}

func one(key, label string, value any) []Shown {
	return []Shown{{Key: key, Label: label, Value: value}}
}

var Org = []Field[domain.OrgSettings]{
	{Name: "timezone", Usage: "default time zone (IANA name, e.g. America/New_York)",
		Set:  func(s *domain.OrgSettings, v string, _ Env) error { s.TimeZone = v; return nil },
		Show: func(s domain.OrgSettings) []Shown { return one("timeZone", "time zone", s.TimeZone) }},
	lockoutSetting("lockout-max", "lockoutMaxAttempts", "lockout max attempts", 0,
		"invalid login attempts before lockout: 3, 5, 10 or none", "3", "5", "10", "none"),
	lockoutSetting("lockout-period", "lockoutPeriod", "lockout period", 1,
		"lockout period: 15m, 30m, 60m or until-unlocked", "15m", "30m", "60m", "until-unlocked"),
	{Name: "session-timeout", Usage: "idle session timeout: 15m, 30m, 1h, 2h, 4h, 8h, 12h or 24h",
		Choices: []string{"15m", "30m", "1h", "2h", "4h", "8h", "12h", "24h"},
		Set: func(s *domain.OrgSettings, v string, _ Env) error {
			d, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("--session-timeout %q: %w", v, err)
			}
			s.SessionTimeout = d
			return nil
		},
		Show: func(s domain.OrgSettings) []Shown {
			return one("sessionTimeout", "session timeout", s.SessionTimeout.String())
		}},
	boolSetting("lock-sessions-to-ip", "lockSessionsToIp", "lock sessions to IP",
		"lock sessions to the IP address they started from", false, false,
		func(s *domain.OrgSettings) *bool { return &s.LockSessionsToIP }),
	rangesSetting("trusted-ranges", "trustedIpRanges", "trusted IP ranges",
		`org-wide trusted IP ranges, e.g. "10.0.0.0-10.0.0.255,192.168.1.5" ("none" clears)`,
		func(s *domain.OrgSettings) *policy.IPRanges { return &s.TrustedRanges }),
	{Name: "high-assurance", Usage: `resources that need a High Assurance session and the action for a Standard one, e.g. "reports=raise,setup=block" ("none" clears)`,
		Set: func(s *domain.OrgSettings, v string, _ Env) error {
			m, err := policy.ParseHighAssurance(v)
			if err != nil {
				return err
			}
			s.HighAssurance = m
			return nil
		},
		Show: func(s domain.OrgSettings) []Shown {
			return one("highAssurance", "high assurance", policy.ActionsText(s.HighAssurance))
		}},
	{Name: "identity-verification", Usage: `setup areas a Standard session must step up for (raise) or may not use (block), e.g. "manage-ip-addresses=raise,unlock-users=block"; area=none removes one, "none" clears all; areas: ` + policy.AreaList(),
		Set: func(s *domain.OrgSettings, v string, _ Env) error {
			changes, clear, err := policy.ParseIdentityVerification(v)
			if err != nil {
				return err
			}
			if clear {
				s.IdentityVerification = nil
			}
			s.IdentityVerification = policy.ApplyActions(s.IdentityVerification, changes)
			return nil
		},
		Show: func(s domain.OrgSettings) []Shown {
			return one("identityVerification", "identity verification", policy.ActionsText(s.IdentityVerification))
		}},
	levelSetting("two-factor-level", "twoFactorLevel", "two-factor level", policy.MethodTOTP,
		`security level of a two-factor login: high-assurance (the default) or standard`),
	levelSetting("password-level", "passwordLevel", "password level", policy.MethodPassword,
		`security level of a user name and password login: standard (the default) or high-assurance`),
	boolSetting("login-page-caching", "loginPageCaching", "login page caching and autocomplete",
		`"enable caching and autocomplete on login page": the login page remembers the user name and lets the browser fill it in`, true, true,
		func(s *domain.OrgSettings) *bool { return &s.NoLoginPageCaching }),
	boolSetting("user-switching", "userSwitching", "user switching",
		`"enable user switching": the login page offers the user names that logged in on the browser (never with login page caching off)`, true, false,
		func(s *domain.OrgSettings) *bool { return &s.UserSwitching }),
	boolSetting("remember-me", "rememberMe", "remember me until logout",
		`"remember me until logout": the login page offers "Remember me", whose session survives closing the browser (the idle timeout still ends it)`, false, false,
		func(s *domain.OrgSettings) *bool { return &s.RememberMe }),
	boolSetting("familiar-place-lockout", "familiarPlaceLockout", "familiar-place lockout",
		`failed logins from places unfamiliar to the user (no activated browser, outside trusted and profile ranges, a source never logged in from) count toward a lockout of their own that leaves the user's familiar places open (off: Salesforce's one count)`, false, false,
		func(s *domain.OrgSettings) *bool { return &s.FamiliarPlaceLockout }),
	{Name: "password-min-length", Usage: "the fewest characters a password may have: 8 to 50",
		Set: func(s *domain.OrgSettings, v string, _ Env) error {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("--password-min-length %q: want a number of characters from %d to %d", v, policy.MinPasswordLength, policy.MaxMinPasswordLength)
			}
			s.Password.MinLength = n
			return nil
		},
		Show: func(s domain.OrgSettings) []Shown {
			return one("passwordMinLength", "password minimum length", s.Password.MinLength)
		}},
	{Name: "password-complexity", Usage: "the character classes a password must mix: " + complexityList(),
		Choices: complexities(),
		Set: func(s *domain.OrgSettings, v string, _ Env) error {
			c, err := policy.ParseComplexity(v)
			if err != nil {
				return err
			}
			s.Password.Complexity = c
			return nil
		},
		Show: func(s domain.OrgSettings) []Shown {
			return one("passwordComplexity", "password complexity", string(s.Password.Complexity))
		}},
	{Name: "password-history", Usage: "how many of a user's passwords, the current one included, may not be chosen again: 0 (off) to 24",
		Set: func(s *domain.OrgSettings, v string, _ Env) error {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("--password-history %q: want a number from 0 to 24", v)
			}
			s.Password.History = n
			return nil
		},
		Show: func(s domain.OrgSettings) []Shown {
			return one("passwordHistory", "password history", s.Password.History)
		}},
	{Name: "password-expiry", Usage: "how long a password lasts: never, or 30, 60, 90, 180 or 365 days",
		Choices: []string{"never", "30", "60", "90", "180", "365"},
		Set: func(s *domain.OrgSettings, v string, _ Env) error {
			days, err := policy.ParsePasswordExpiry(v)
			if err != nil {
				return err
			}
			s.Password.ExpiryDays = days
			return nil
		},
		Show: func(s domain.OrgSettings) []Shown {
			text := "never"
			if s.Password.ExpiryDays > 0 {
				text = strconv.Itoa(s.Password.ExpiryDays) + " days"
			}
			return one("passwordExpiry", "password expiry", text)
		}},
	boolSetting("password-block-common", "passwordBlockCommon", "block common passwords",
		`refuse common and leaked passwords, their simple variants, repeats and sequences (NIST SP 800-63B)`, true, false,
		func(s *domain.OrgSettings) *bool { return &s.Password.BlockCommon }),
}

// complexityList names the password complexities offered.
func complexityList() string { return strings.Join(complexities(), ", ") }

func complexities() []string {
	names := make([]string, len(policy.Complexities))
	for i, c := range policy.Complexities {
		names[i] = string(c)
	}
	return names
}

// lockoutSetting is the entry of one half of the lockout policy: part 0
// the maximum of attempts, 1 the period, each in its flag's text.
func lockoutSetting(name, key, label string, part int, usage string, choices ...string) Field[domain.OrgSettings] {
	return Field[domain.OrgSettings]{Name: name, Usage: usage, Choices: choices,
		Set: func(s *domain.OrgSettings, v string, _ Env) error {
			texts := s.Lockout.Texts()
			texts[part] = v
			l, err := policy.ParseLockout(texts[0], texts[1])
			if err != nil {
				return err
			}
			s.Lockout = l
			return nil
		},
		Show: func(s domain.OrgSettings) []Shown { return one(key, label, s.Lockout.Texts()[part]) },
	}
}

// levelSetting is the entry of one login method's security level.
func levelSetting(name, key, label string, m policy.Method, usage string) Field[domain.OrgSettings] {
	return Field[domain.OrgSettings]{Name: name, Usage: usage, Choices: []string{"high-assurance", "standard"},
		Set: func(s *domain.OrgSettings, v string, _ Env) error {
			lv := map[string]policy.Level{"high-assurance": policy.LevelHighAssurance, "standard": policy.LevelStandard}[v]
			if lv == "" {
				return fmt.Errorf("--%s %q: choose high-assurance or standard", name, v)
			}
			levels := map[policy.Method]policy.Level{}
			for k, l := range s.Levels {
				levels[k] = l
			}
			levels[m] = lv
			s.Levels = levels
			return nil
		},
		Show: func(s domain.OrgSettings) []Shown { return one(key, label, string(policy.LevelOf(m, s.Levels))) },
	}
}

var Profile = []Field[domain.ProfileSettings]{
	{Name: "login-hours", Usage: `login hours, e.g. "mon=08:00-18:00,tue=08:00-18:00,sun=00:00-00:00" (start=end: no login that day; "none" clears). Kept in the org's default time zone at the time they are first set`,
		Set: func(s *domain.ProfileSettings, v string, at Env) error {
			zone := s.LoginHours.Zone
			if zone == "" || !s.LoginHours.IsSet() {
				zone = at.OrgZone // first Set: the org's default zone now, kept from then on
			}
			if v == "none" {
				v = ""
			}
			h, err := policy.ParseLoginHours(zone, v)
			if err != nil {
				return fmt.Errorf("--login-hours: %w", err)
			}
			s.LoginHours = h
			return nil
		},
		Show: func(s domain.ProfileSettings) []Shown {
			text := "any time"
			if h := s.LoginHours.String(); h != "" {
				text = h + " (" + s.LoginHours.Zone + ")"
			}
			return []Shown{{Key: "loginHours", Label: "login hours", Value: s.LoginHours.String(), Text: text},
				{Key: "loginHoursTimeZone", Value: s.LoginHours.Zone}}
		}},
	rangesSetting("ip-ranges", "loginIpRanges", "login IP ranges",
		`login IP ranges, e.g. "203.0.113.0-203.0.113.255" ("none" clears)`,
		func(s *domain.ProfileSettings) *policy.IPRanges { return &s.LoginIPRanges }),
	boolSetting("api-enabled", "apiEnabled", "API enabled", `the "API Enabled" permission`, true, false,
		func(s *domain.ProfileSettings) *bool { return &s.APIEnabled }),
	boolSetting("manage-users", "manageUsers", "manage users",
		`the "Manage Users" permission: users, their credentials, devices and sessions, and profiles (implies View Setup)`, false, false,
		func(s *domain.ProfileSettings) *bool { return &s.ManageUsers }),
	boolSetting("customize-application", "customizeApplication", "customize application",
		`the "Customize Application" permission: the org's session, lockout, network access and password settings, and connected apps (implies View Setup)`, false, false,
		func(s *domain.ProfileSettings) *bool { return &s.CustomizeApplication }),
	boolSetting("view-setup", "viewSetup", "view setup",
		`the "View Setup" permission: read every setting, profile, user, session, app, the login history and the audit trail; change nothing`, false, false,
		func(s *domain.ProfileSettings) *bool { return &s.ViewSetup }),
	boolSetting("two-factor-api", "twoFactorApi", "two-factor for API logins",
		`"two-factor for API logins": users with a TOTP key append a code instead of the security token`, false, false,
		func(s *domain.ProfileSettings) *bool { return &s.TwoFactorAPI }),
	boolSetting("two-factor-ui", "twoFactorUi", "two-factor for UI logins",
		`"two-factor for UI logins": a TOTP code after the password on every browser login (enrolment on first use)`, false, false,
		func(s *domain.ProfileSettings) *bool { return &s.TwoFactorUI }),
	boolSetting("require-high-assurance", "requireHighAssurance", "High Assurance required at login",
		`"session security level required at login: High Assurance"`, false, false,
		func(s *domain.ProfileSettings) *bool { return &s.RequireHighAssurance }),
}

func rangeTexts(rs policy.IPRanges) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.String())
	}
	return out
}

func parseRangesFlag(s string) (policy.IPRanges, error) {
	if s == "" || s == "none" {
		return nil, nil
	}
	return policy.ParseIPRanges(s)
}
