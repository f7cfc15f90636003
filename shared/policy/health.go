package policy

// Health Check: an org's settings scored against a documented baseline
// (docs/health-check.md), as Salesforce's Setup > Health Check scores its
// own against the Salesforce Baseline Standard. Each check has a stable
// code, a risk category and, when the org misses it, a finding with the
// exact lgadmin command that fixes it. The report is plain data, so the CLI,
// the admin API and the console page render the same thing.

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"
)

// HealthSeverity is a check's risk category, Salesforce's: a high-risk
// check counts most toward the score, an informational one not at all.
type HealthSeverity string

const (
	SeverityHigh   HealthSeverity = "HIGH"
	SeverityMedium HealthSeverity = "MEDIUM"
	SeverityLow    HealthSeverity = "LOW"
	SeverityInfo   HealthSeverity = "INFO"
)

// HealthWeights are what each category counts toward the score.
var HealthWeights = map[HealthSeverity]int{SeverityHigh: 4, SeverityMedium: 2, SeverityLow: 1, SeverityInfo: 0}

// The baseline's figures.
const (
	BaselineLockoutAttempts   = 5
	BaselineLockoutPeriod     = 15 * time.Minute
	BaselineSessionTimeout    = 2 * time.Hour
	BaselinePasswordMinLength = 12
	BaselinePasswordHistory   = 3
	// A range wider than these (a /24 of IPv4, a /64 of IPv6) is too wide.
	BaselineIPv4RangeAddresses = 256
	BaselineIPv6RangeBits      = 64
)

// HealthInput is what Health Check scores: the org's settings, and each
// profile's with what is known of its users.
type HealthInput struct {
	OrgID                string
	Lockout              Lockout
	SessionTimeout       time.Duration
	LockSessionsToIP     bool
	RememberMe           bool
	FamiliarPlaceLockout bool
	Levels               map[Method]Level
	HighAssurance        map[string]Action
	TrustedRanges        IPRanges
	Password             PasswordPolicy
	// IdentityVerification is the org's policy for each setup area.
	IdentityVerification map[Area]Action
	Profiles             []HealthProfile
}

// HealthProfile is one profile's settings and its active users.
type HealthProfile struct {
	ID, Name                                                                 string
	LoginHours                                                               LoginHours
	LoginIPRanges                                                            IPRanges
	APIEnabled, ManageUsers, TwoFactorUI, TwoFactorAPI, RequireHighAssurance bool
	// Users counts the profile's active users; WithoutTOTP names those of
	// them with no TOTP key, sorted.
	Users       int
	WithoutTOTP []string
	// Logins and APILogins count the lines of login history read (allowed
	// logins of the profile's users); Logins 0 is no data.
	Logins, APILogins int
}

// HealthSetting is one checked setting as a page lists it.
type HealthSetting struct {
	Code     string         `json:"code"`
	Severity HealthSeverity `json:"severity"`
	Group    string         `json:"group"` // Session Settings, Password Policies, Network Access, Identity Verification, Profiles
	Setting  string         `json:"setting"`
	// ProfileID and Profile name the profile of a profile's setting.
	ProfileID string `json:"profileId,omitempty"`
	Profile   string `json:"profile,omitempty"`
	Current   string `json:"current"`
	Baseline  string `json:"baseline"`
	// BuiltIn: not a setting; the service always does it.
	BuiltIn bool `json:"builtIn,omitempty"`
}

// HealthFinding is a setting below the baseline, with its fix.
type HealthFinding struct {
	HealthSetting
	Fix string `json:"fix"` // the lgadmin command that meets the baseline
	Why string `json:"why"`
}

// HealthReport is Health Check's answer.
type HealthReport struct {
	// Score is 0 to 100: the weighted share of the scored checks the org
	// meets (HealthWeights), rounded down; 100 when none applies.
	Score int    `json:"score"`
	Grade string `json:"grade"` // Salesforce's: Excellent, Very Good, Good, Poor, Very Poor
	// Findings are the settings below the baseline, most severe first.
	Findings []HealthFinding `json:"findings"`
	// Met are the checks the org meets, the built-in ones included.
	Met []HealthSetting `json:"met"`
}

// Grade is Salesforce's grade of a score.
func Grade(score int) string {
	switch {
	case score >= 90:
		return "Excellent"
	case score >= 80:
		return "Very Good"
	case score >= 70:
		return "Good"
	case score >= 55:
		return "Poor"
	}
	return "Very Poor"
}

// builtIn are the protections that are no setting here (Salesforce's
// Health Check has a setting for each): listed as met, not scored.
var builtInChecks = []HealthSetting{
	{Code: "HTTPONLY_COOKIES", Severity: SeverityHigh, Group: "Session Settings", Setting: "Require HttpOnly attribute",
		Current: "always: session cookies are HttpOnly, Secure, SameSite=Lax", Baseline: "on", BuiltIn: true},
	{Code: "CSRF_PROTECTION", Severity: SeverityHigh, Group: "Session Settings", Setting: "CSRF protection on POST requests",
		Current: "always: a CSRF token on every form", Baseline: "on", BuiltIn: true},
	{Code: "SESSIONS_END_ON_PASSWORD_RESET", Severity: SeverityMedium, Group: "Session Settings", Setting: "Terminate all of a user's sessions on password reset",
		Current: "always", Baseline: "on", BuiltIn: true},
}

// healthCheck is one evaluated check: its setting and, when missed, the
// fix. Several findings of one check (a range each) count once.
type healthCheck struct {
	HealthSetting
	findings []HealthFinding
}

type healthRun struct {
	in     HealthInput
	checks []healthCheck
}

// add records a check that applies: met when fix is "".
func (r *healthRun) add(s HealthSetting, fix, why string) {
	c := healthCheck{HealthSetting: s}
	if fix != "" {
		c.findings = []HealthFinding{{HealthSetting: s, Fix: fix, Why: why}}
	}
	r.checks = append(r.checks, c)
}

func (r *healthRun) orgSet(flags string) string {
	return "lgadmin org set --org " + r.in.OrgID + " " + flags
}

func (r *healthRun) profileSet(p HealthProfile, flags string) string {
	return "lgadmin profile set --org " + r.in.OrgID + " --profile " + p.ID + " " + flags
}

// HealthCheck scores in against the baseline.
func HealthCheck(in HealthInput) HealthReport {
	r := &healthRun{in: in}
	r.session()
	r.passwords()
	r.network()
	r.identityVerification()
	for _, p := range in.Profiles {
		r.profile(p)
	}
	return r.report()
}

func (r *healthRun) session() {
	in := r.in
	const g = "Session Settings"
	current := in.Lockout.Texts()
	attempts := func(code string, sev HealthSeverity, baseline string) HealthSetting {
		return HealthSetting{Code: code, Severity: sev, Group: g, Setting: "Maximum invalid login attempts", Current: current[0], Baseline: baseline}
	}
	period := func(code string, sev HealthSeverity, baseline string) HealthSetting {
		return HealthSetting{Code: code, Severity: sev, Group: g, Setting: "Lockout effective period", Current: current[1], Baseline: baseline}
	}
	r.add(attempts("LOCKOUT_DISABLED", SeverityHigh, "a limit"),
		when(in.Lockout.MaxAttempts == 0, r.orgSet("--lockout-max 5")), "With no limit, anyone who knows a user name may guess passwords without end.")
	if in.Lockout.MaxAttempts != 0 { // else LOCKOUT_DISABLED says it all
		r.add(attempts("LOCKOUT_ATTEMPTS_HIGH", SeverityMedium, "3 or 5"),
			when(in.Lockout.MaxAttempts > BaselineLockoutAttempts, r.orgSet("--lockout-max 5")), "Each lockout period lets a guesser try this many passwords per user.")
	}
	if in.Lockout.Period == 0 {
		r.add(period("LOCKOUT_UNTIL_UNLOCKED", SeverityLow, "15, 30 or 60 minutes, or familiar-place lockout on"),
			when(!in.FamiliarPlaceLockout, r.orgSet("--lockout-period 30m")), "Anyone who knows a user name can lock the user out until an admin unlocks.")
	} else {
		r.add(period("LOCKOUT_PERIOD_SHORT", SeverityMedium, "at least 15 minutes"),
			when(in.Lockout.Period < BaselineLockoutPeriod, r.orgSet("--lockout-period 15m")), "A short lock lets a guesser start again soon.")
	}
	r.add(HealthSetting{Code: "SESSION_TIMEOUT_LONG", Severity: SeverityMedium, Group: g, Setting: "Timeout value", Current: in.SessionTimeout.String(), Baseline: "at most 2h"},
		when(in.SessionTimeout > BaselineSessionTimeout, r.orgSet("--session-timeout 2h")), "An idle session, or a stolen session id, stays usable this long.")
	r.add(boolSetting("LOCK_SESSIONS_TO_IP_OFF", SeverityLow, g, "Lock sessions to the IP address from which they originated", in.LockSessionsToIP, true),
		when(!in.LockSessionsToIP, r.orgSet("--lock-sessions-to-ip")), "A session id taken from one place then works from any other.")
	r.add(boolSetting("REMEMBER_ME_ON", SeverityLow, g, "Remember me until logout", in.RememberMe, false),
		when(in.RememberMe, r.orgSet("--remember-me=false")), "A browser session then survives closing the browser, on shared computers too.")
	pw := LevelOf(MethodPassword, in.Levels)
	r.add(HealthSetting{Code: "PASSWORD_LEVEL_HIGH_ASSURANCE", Severity: SeverityHigh, Group: g, Setting: "Session security level of a password login", Current: string(pw), Baseline: string(LevelStandard)},
		when(pw == LevelHighAssurance, r.orgSet("--password-level standard")), "A password alone then passes every High Assurance policy, which is meant to ask for two-factor.")
	ha := "none"
	if len(in.HighAssurance) > 0 {
		ha = strconv.Itoa(len(in.HighAssurance)) + " resource(s)"
	}
	r.add(HealthSetting{Code: "HIGH_ASSURANCE_POLICIES_NONE", Severity: SeverityInfo, Group: g, Setting: "Session security level policies", Current: ha, Baseline: "some resources"},
		when(len(in.HighAssurance) == 0, r.orgSet("--high-assurance reports=raise")), "session-security.txt: resources such as reports and setup areas may ask a Standard session to step up with two-factor (Raise) or refuse it (Block).")
}

func (r *healthRun) passwords() {
	p := r.in.Password
	const g = "Password Policies"
	r.add(boolSetting("PASSWORD_COMMON_CHECK_OFF", SeverityHigh, g, "Block common and leaked passwords", p.BlockCommon, true),
		when(!p.BlockCommon, r.orgSet("--password-block-common")), "NIST SP 800-63B: a password must not be a common, expected or breached one; length alone does not stop \"Password1234\".")
	r.add(HealthSetting{Code: "PASSWORD_MIN_LENGTH_SHORT", Severity: SeverityMedium, Group: g, Setting: "Minimum password length", Current: strconv.Itoa(p.MinLength), Baseline: "at least 12"},
		when(p.MinLength < BaselinePasswordMinLength, r.orgSet("--password-min-length 12")), "Most logins here are a password alone, and length is what makes a password hard to guess.")
	r.add(HealthSetting{Code: "PASSWORD_HISTORY_LOW", Severity: SeverityMedium, Group: g, Setting: "Enforce password history", Current: strconv.Itoa(p.History), Baseline: "at least 3"},
		when(p.History < BaselinePasswordHistory, r.orgSet("--password-history 3")), "Without it a reset can go straight back to a leaked password.")
	expiry := "never"
	if p.ExpiryDays > 0 {
		expiry = strconv.Itoa(p.ExpiryDays) + " days"
	}
	r.add(HealthSetting{Code: "PASSWORD_EXPIRY_PERIODIC", Severity: SeverityInfo, Group: g, Setting: "User passwords expire in", Current: expiry, Baseline: "never"},
		when(p.ExpiryDays > 0, r.orgSet("--password-expiry never")), "NIST SP 800-63B: forced periodic changes breed predictable passwords; change on evidence of compromise instead.")
}

func (r *healthRun) network() {
	r.ranges(r.in.TrustedRanges, "Network Access", "Trusted IP ranges", "TRUSTED", HealthProfile{},
		func(kept string) string { return r.orgSet("--trusted-ranges " + kept) },
		"From a trusted range a login needs no verification code or security token.")
}

// ranges checks a list of ranges: one check of the public ones too wide,
// one of the private ones, each finding naming its range, each fix the
// list without the wide ones.
func (r *healthRun) ranges(rs IPRanges, group, setting, prefix string, p HealthProfile, fix func(kept string) string, why string) {
	var kept IPRanges
	var public, private []IPRange
	for _, rg := range rs {
		switch wide, priv := rangeTooWide(rg); {
		case wide && priv:
			private = append(private, rg)
		case wide:
			public = append(public, rg)
		default:
			kept = append(kept, rg)
		}
	}
	keptText := "none"
	if len(kept) > 0 {
		keptText = quoteArg(kept.String())
	}
	base := HealthSetting{Group: group, Setting: setting, ProfileID: p.ID, Profile: p.Name, Baseline: "none wider than a /24 (IPv4) or a /64 (IPv6)"}
	for _, kind := range []struct {
		code string
		sev  HealthSeverity
		wide []IPRange
		why  string
	}{
		{prefix + "_RANGE_TOO_WIDE", SeverityHigh, public, why + " This range takes in addresses of other networks."},
		{prefix + "_RANGE_WIDE_PRIVATE", SeverityLow, private, why + " This private range takes in more than one office network."},
	} {
		c := healthCheck{HealthSetting: base}
		c.Code, c.Severity, c.Current = kind.code, kind.sev, "none too wide"
		for _, rg := range kind.wide {
			f := HealthFinding{HealthSetting: c.HealthSetting, Fix: fix(keptText), Why: kind.why}
			f.Current = rg.String()
			c.findings = append(c.findings, f)
		}
		r.checks = append(r.checks, c)
	}
}

func (r *healthRun) profile(p HealthProfile) {
	const g = "Profiles"
	set := func(code string, sev HealthSeverity, setting, current, baseline string) HealthSetting {
		return HealthSetting{Code: code, Severity: sev, Group: g, Setting: setting, ProfileID: p.ID, Profile: p.Name, Current: current, Baseline: baseline}
	}
	if p.ManageUsers {
		r.add(set("ADMIN_TWO_FACTOR_OFF", SeverityHigh, "Two-factor for UI logins (Manage Users)", onOff(p.TwoFactorUI), "on"),
			when(!p.TwoFactorUI, r.profileSet(p, "--two-factor-ui")), "Users who manage users can reset others' passwords and tokens: a password alone must not be enough.")
		flags := "--require-high-assurance"
		if !p.TwoFactorUI {
			flags = "--two-factor-ui " + flags // High Assurance needs a two-factor login
		}
		r.add(set("ADMIN_HIGH_ASSURANCE_OFF", SeverityMedium, "Session security level required at login (Manage Users)", highAssurance(p.RequireHighAssurance), "High Assurance"),
			when(!p.RequireHighAssurance, r.profileSet(p, flags)), "An admin's session should always be one that passed two-factor.")
	} else if p.Users > 0 {
		r.add(set("TWO_FACTOR_UI_OFF", SeverityLow, "Two-factor for UI logins", onOff(p.TwoFactorUI), "on"),
			when(!p.TwoFactorUI, r.profileSet(p, "--two-factor-ui")), "Salesforce requires multi-factor authentication for every user; a password alone is one leak away.")
	}
	if (p.TwoFactorUI || p.TwoFactorAPI) && p.Users > 0 {
		missing := len(p.WithoutTOTP)
		current := fmt.Sprintf("%d of %d users have a TOTP key", p.Users-missing, p.Users)
		fix := ""
		if missing > 0 {
			current += " (without: " + strings.Join(p.WithoutTOTP, ", ") + ")"
			fix = "lgadmin user totp-register --user " + p.WithoutTOTP[0]
		}
		r.add(set("TWO_FACTOR_KEYS_MISSING", SeverityMedium, "TOTP keys of users who need two-factor", current, "every user"),
			fix, "A user with no key logs in to the API with the security token instead, and enrols a key of the holder's choosing at the first UI login: register one for each user listed.")
	}
	r.ranges(p.LoginIPRanges, g, "Login IP ranges", "LOGIN", p,
		func(kept string) string { return r.profileSet(p, "--ip-ranges "+kept) },
		"From a profile's login IP range a login needs no verification code or security token.")
	if p.APIEnabled && p.Logins > 0 {
		r.add(set("API_ENABLED_UNUSED", SeverityLow, `"API Enabled"`, fmt.Sprintf("on; %d API logins among the profile's last %d", p.APILogins, p.Logins), "off when unused"),
			when(p.APILogins == 0, r.profileSet(p, "--api-enabled=false")), "A permission nobody uses only widens what a stolen password opens.")
	}
	hours := p.LoginHours.String()
	if hours == "" {
		hours = "any time"
	}
	r.add(set("LOGIN_HOURS_NONE", SeverityInfo, "Login hours", hours, "working hours"),
		when(!p.LoginHours.IsSet(), r.profileSet(p, "--login-hours 'mon=07:00-19:00,tue=07:00-19:00,wed=07:00-19:00,thu=07:00-19:00,fri=07:00-19:00,sat=00:00-00:00,sun=00:00-00:00'")),
		"Login hours keep a stolen password out at night and at weekends; choose the profile's own hours.")
}

func (r *healthRun) report() HealthReport {
	rep := HealthReport{Findings: []HealthFinding{}, Met: append([]HealthSetting(nil), builtInChecks...)}
	met, all := 0, 0
	for _, c := range r.checks {
		w := HealthWeights[c.Severity]
		all += w
		if len(c.findings) == 0 {
			met += w
			rep.Met = append(rep.Met, c.HealthSetting)
		}
		rep.Findings = append(rep.Findings, c.findings...)
	}
	rep.Score = 100
	if all > 0 {
		rep.Score = met * 100 / all
	}
	rep.Grade = Grade(rep.Score)
	sort.SliceStable(rep.Findings, func(i, j int) bool {
		return HealthWeights[rep.Findings[i].Severity] > HealthWeights[rep.Findings[j].Severity]
	})
	return rep
}

// when is s if cond holds, else "".
func when(cond bool, s string) string {
	if cond {
		return s
	}
	return ""
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func highAssurance(b bool) string {
	if b {
		return "High Assurance"
	}
	return "none"
}

// boolSetting is an on/off setting whose baseline is want.
func boolSetting(code string, sev HealthSeverity, group, setting string, current, want bool) HealthSetting {
	return HealthSetting{Code: code, Severity: sev, Group: group, Setting: setting, Current: onOff(current), Baseline: onOff(want)}
}

// quoteArg quotes a command-line argument for a POSIX shell when it needs it.
func quoteArg(s string) string {
	if strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,:-_") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// privateBlocks are the ranges of one organisation's own networks: RFC 1918,
// loopback and link-local for IPv4; unique local, loopback and link-local
// for IPv6.
var privateBlocks = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16", "fc00::/7", "fe80::/10", "::1/128"} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// rangeTooWide reports whether r is wider than the baseline allows (a /24
// of IPv4, a /64 of IPv6), and whether it lies wholly in a private block.
func rangeTooWide(r IPRange) (wide, private bool) {
	hi, lo := span(r)
	if inMapped(r.Start) {
		wide = lo >= BaselineIPv4RangeAddresses
	} else {
		wide = hi > 0 // more than 2^64 addresses: wider than a /64
	}
	for _, b := range privateBlocks {
		start, end := r.Start, r.End
		if b.Addr().Is4() {
			if !inMapped(start) {
				continue
			}
			start, end = start.Unmap(), end.Unmap()
		}
		if b.Contains(start) && b.Contains(end) {
			return wide, true
		}
	}
	return wide, false
}

// span is End - Start as a 128-bit number (high, low halves): one less than
// the count of addresses in r.
func span(r IPRange) (hi, lo uint64) {
	s, e := r.Start.As16(), r.End.As16()
	sh, sl := binary.BigEndian.Uint64(s[:8]), binary.BigEndian.Uint64(s[8:])
	eh, el := binary.BigEndian.Uint64(e[:8]), binary.BigEndian.Uint64(e[8:])
	lo = el - sl
	borrow := uint64(0)
	if el < sl {
		borrow = 1
	}
	return eh - sh - borrow, lo
}
