package admin

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"loginguard/shared/account"
	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

// "Why was this login denied?": a login-history line explained from its
// grounds (policy.Grounds), in an admin's words. Explain is pure: lgadmin
// explain prints it, and the console's Login History page shows it.

// The outcomes of a line.
const (
	OutcomeAllowed    = "allowed"
	OutcomeRefused    = "refused"
	OutcomeChallenged = "challenged"
)

// OutcomeOf is what a line's attempt came to: allowed, refused, or
// challenged (a code or a new password asked before it may go on).
func OutcomeOf(ev domain.LoginEvent) string {
	switch policy.Reason(ev.Reason) {
	case policy.ReasonCodeSent, policy.ReasonTOTPRequired:
		if !ev.Allowed {
			return OutcomeChallenged
		}
	case policy.ReasonPasswordExpired:
		if !ev.Allowed && ev.Challenge == string(policy.ChallengeNewPassword) {
			return OutcomeChallenged
		}
	}
	if ev.Allowed {
		return OutcomeAllowed
	}
	return OutcomeRefused
}

// Explanation is why one login-history line came out as it did.
type Explanation struct {
	ID        string `json:"id"`
	At        string `json:"at"`
	Username  string `json:"username"`
	IP        string `json:"sourceIp"`
	LoginType string `json:"loginType"`
	Reason    string `json:"reason"`
	Outcome   string `json:"outcome"`
	// Summary is the answer in one line: "refused: outside the profile's
	// login hours, Mon 08:00–18:00 America/New_York; attempt at 18:05 there".
	Summary string `json:"summary"`
	// Trace is each rule the decision evaluated, in order (empty for a line
	// stored without its grounds).
	Trace []TraceStep `json:"trace"`
	// Lockout is the user's count of failed attempts before and after this
	// one, and the org's maximum (0: no limit); nil when not recorded.
	Lockout *LockoutCounts `json:"lockout,omitempty"`
	Level   string         `json:"securityLevel,omitempty"`
	Grounds string         `json:"grounds,omitempty"` // as stored (policy.Grounds.Encode)
}

// TraceStep is one rule and what it did.
type TraceStep struct {
	Rule    string `json:"rule"`
	Outcome string `json:"outcome"`
	Detail  string `json:"detail"`
}

// LockoutCounts are a line's lockout counts.
type LockoutCounts struct {
	Before     int  `json:"before"`
	After      int  `json:"after"`
	Max        int  `json:"max"`
	Unfamiliar bool `json:"unfamiliarPlaces,omitempty"`
}

// Explain explains one login-history line.
func Explain(ev domain.LoginEvent) Explanation {
	g := ev.Grounds
	x := Explanation{ID: ev.ID, At: ev.At.UTC().Format(time.RFC3339), Username: ev.Username, IP: ev.IP,
		LoginType: ev.LoginType, Reason: ev.Reason, Outcome: OutcomeOf(ev), Trace: []TraceStep{}}
	x.Summary = x.Outcome + ": " + summary(ev)
	if g.IsZero() {
		return x
	}
	x.Grounds = g.Encode()
	for _, s := range g.Trace.Steps() {
		x.Trace = append(x.Trace, TraceStep{Rule: s.Rule.Name(), Outcome: s.Outcome.Name(), Detail: detail(s, g, ev.IP)})
	}
	if l := g.Lock; l.Known {
		x.Lockout = &LockoutCounts{Before: l.Before, After: l.After, Max: l.Max, Unfamiliar: l.Unfamiliar}
	}
	if g.Trace.Decided() {
		x.Level = levelName(g.Level)
	}
	return x
}

// Text is the explanation as lgadmin prints it: the summary, then the
// trace, one numbered rule a line.
func (x Explanation) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%s %s from %s (%s), reason %s\n", x.Summary, x.At, x.Username, x.IP, x.LoginType, x.Reason)
	if len(x.Trace) == 0 {
		b.WriteString("No grounds were recorded for this line (stored before they were kept, or not a login decision).\n")
		return b.String()
	}
	b.WriteString("\nRules, in order:\n")
	for i, s := range x.Trace {
		fmt.Fprintf(&b, "  %d. %s: %s (%s)\n", i+1, s.Rule, s.Outcome, s.Detail)
	}
	if l := x.Lockout; l != nil {
		max := "no limit"
		if l.Max > 0 {
			max = "maximum " + strconv.Itoa(l.Max)
		}
		fmt.Fprintf(&b, "Failed attempts: %d before, %d after (%s)\n", l.Before, l.After, max)
	}
	if x.Level != "" {
		fmt.Fprintf(&b, "Security level of the login: %s\n", x.Level)
	}
	return b.String()
}

// summary is why ev came out as it did, after its outcome.
func summary(ev domain.LoginEvent) string {
	g := ev.Grounds
	switch r := policy.Reason(ev.Reason); r {
	case policy.ReasonAllowed:
		if s, ok := g.Trace.Decisive(); ok {
			return detail(s, g, ev.IP) + levelSuffix(g)
		}
		return "via " + ev.Via
	case policy.ReasonRestrictedTime:
		return "outside the profile's login hours, " + hoursText(g.Hours)
	case policy.ReasonRestrictedDomain:
		return fmt.Sprintf("%s is outside the profile's login IP ranges (none of %d)", ev.IP, g.Profile.Count)
	case policy.ReasonMustUseSecurityToken:
		return trustedText(g.Trusted, ev.IP) + ", and no security token was appended to the password"
	case policy.ReasonPasswordExpired:
		return passwordExpiredText(ev, g)
	case policy.ReasonUserLocked:
		return "the user is locked out: " + lockText(g.Lock)
	case policy.ReasonCodeSent:
		return "a verification code was emailed: " + placeText(g, ev.IP)
	case policy.ReasonTOTPRequired:
		if s, ok := g.Trace.Decisive(); ok && s.Rule == policy.RuleHighAssurance {
			return "a TOTP code is asked: the profile requires a High Assurance session at login"
		}
		return "a TOTP code is asked: the user has two-factor authentication for UI logins"
	default:
		if text, ok := reasonTexts[r]; ok {
			return text
		}
		return "reason " + ev.Reason
	}
}

// reasonTexts are the summaries that need no grounds.
var reasonTexts = map[policy.Reason]string{
	policy.ReasonInvalidCredentials: "wrong password (or a wrong security token or TOTP code appended to it)",
	policy.ReasonUnknownUser:        "no user has the user name tried",
	policy.ReasonUserInactive:       "the user is deactivated",
	policy.ReasonAPIDisabled:        "the profile does not have the API Enabled permission",
	policy.ReasonTwoFactorRequired:  "the user has two-factor authentication for API logins: a current TOTP code must follow the password, in place of the security token",
	policy.ReasonHighAssuranceLogin: "the profile requires a High Assurance session at login, and this login's method is rated Standard",
	policy.ReasonInvalidCode:        "the verification code entered was wrong",
	policy.ReasonInvalidTOTP:        "the TOTP code entered was wrong",
	policy.ReasonTOTPReused:         "the TOTP code had been used already (each code works once)",
	policy.ReasonChallengeExpired:   "the verification had expired or was used already",
	policy.ReasonSessionsEnded:      "the user's sessions were ended while the login ran",
	policy.ReasonSourceThrottled:    "too many failed logins from this source address",
}

// detail is what step s found, in words.
func detail(s policy.Step, g policy.Grounds, ip string) string {
	if f, ok := details[s.Rule]; ok {
		return f(s.Outcome, g, ip)
	}
	return s.Outcome.Name()
}

var details = map[policy.Rule]func(o policy.Outcome, g policy.Grounds, ip string) string{
	policy.RuleCredentials: func(o policy.Outcome, g policy.Grounds, _ string) string {
		if o == policy.Refused {
			return reasonTexts[policy.ReasonInvalidCredentials]
		}
		return credentialsText[g.Credentials]
	},
	policy.RuleAPIEnabled: refusedOr(policy.ReasonAPIDisabled, "the profile has API Enabled"),
	policy.RuleLoginHours: func(o policy.Outcome, g policy.Grounds, _ string) string {
		if o == policy.NotSet {
			return "the profile has no login hours"
		}
		return hoursText(g.Hours)
	},
	policy.RuleTwoFactor: func(o policy.Outcome, g policy.Grounds, _ string) string {
		kind := "API"
		if g.UI {
			kind = "UI"
		}
		switch o {
		case policy.NotSet:
			return "no two-factor authentication for " + kind + " logins"
		case policy.Refused:
			return reasonTexts[policy.ReasonTwoFactorRequired]
		case policy.Challenged:
			return "two-factor for UI logins: a TOTP code is asked (a key enrolled first where there is none)"
		}
		return "two-factor for " + kind + " logins: a TOTP code was passed"
	},
	policy.RuleProfileRange: func(o policy.Outcome, g policy.Grounds, ip string) string {
		switch o {
		case policy.NotSet:
			return "the profile has no login IP ranges"
		case policy.Refused:
			return fmt.Sprintf("%s is in none of the profile's %d login IP ranges", ip, g.Profile.Count)
		}
		return fmt.Sprintf("%s is in the profile's login IP range %s", ip, g.Profile.Match)
	},
	policy.RuleTOTP: func(policy.Outcome, policy.Grounds, string) string {
		return "a TOTP code was passed: it lets the login through from anywhere the profile allows"
	},
	policy.RuleTrustedRange: func(o policy.Outcome, g policy.Grounds, ip string) string {
		return trustedText(g.Trusted, ip)
	},
	policy.RuleSecurityToken: func(o policy.Outcome, _ policy.Grounds, _ string) string {
		if o == policy.Refused {
			return "no security token was appended to the password"
		}
		return "the security token was appended to the password"
	},
	policy.RuleActivatedBrowser: func(o policy.Outcome, _ policy.Grounds, _ string) string {
		if o == policy.Admitted {
			return "the browser carries the user's activation cookie"
		}
		return "the browser is not activated for the user"
	},
	policy.RuleFirstLogin: func(policy.Outcome, policy.Grounds, string) string {
		return "the user's very first login: it activates the browser"
	},
	policy.RuleEmailCode: func(o policy.Outcome, _ policy.Grounds, _ string) string {
		if o == policy.Challenged {
			return "a verification code is emailed to the user"
		}
		return "the emailed verification code was passed"
	},
	policy.RuleHighAssurance: func(o policy.Outcome, g policy.Grounds, _ string) string {
		switch o {
		case policy.NotSet:
			return "the profile does not require High Assurance at login"
		case policy.Refused:
			return reasonTexts[policy.ReasonHighAssuranceLogin]
		case policy.Challenged:
			return "the profile requires High Assurance at login: a TOTP code is asked"
		}
		return "the profile requires High Assurance at login, and this login's method is rated High Assurance"
	},
	policy.RulePasswordExpiry: func(o policy.Outcome, g policy.Grounds, _ string) string {
		switch o {
		case policy.Admitted:
			return expiryText(g) + ": the session may only set a new password"
		case policy.Refused:
			return expiryText(g) + ", and this channel cannot set a new one"
		case policy.Challenged:
			return expiryText(g) + ": a new password is asked"
		}
		return "the password has not expired"
	},
	policy.RuleUser:    refusedOr(policy.ReasonUnknownUser, "the user name names a user"),
	policy.RuleActive:  refusedOr(policy.ReasonUserInactive, "the user is active"),
	policy.RuleLockout: func(_ policy.Outcome, g policy.Grounds, _ string) string { return "locked out: " + lockText(g.Lock) },
	policy.RuleCode: func(policy.Outcome, policy.Grounds, string) string {
		return "the code entered on the verification page was wrong"
	},
}

// refusedOr is the detail of a rule that refuses for reason r, or else
// says passed.
func refusedOr(r policy.Reason, passed string) func(policy.Outcome, policy.Grounds, string) string {
	return func(o policy.Outcome, _ policy.Grounds, _ string) string {
		if o == policy.Refused {
			return reasonTexts[r]
		}
		return passed
	}
}

var credentialsText = map[policy.Credentials]string{
	policy.PasswordOnly:     "the password was right, nothing appended",
	policy.PasswordAndToken: "the password was right, and the security token was appended",
	policy.PasswordAndTOTP:  "the password was right, and a current TOTP code was appended",
}

var dayAbbrev = [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}

func clock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// hoursText is the login hours' rule applied and the attempt's time there:
// "Mon 08:00–18:00 America/New_York; attempt at 18:05 there".
func hoursText(h policy.HoursRead) string {
	if h.Local < 0 {
		return fmt.Sprintf("their time zone %q could not be read, which refuses every login", h.Zone)
	}
	day := dayAbbrev[h.Day]
	rule := fmt.Sprintf("%s %s–%s %s", day, clock(h.Window.Start), clock(h.Window.End), h.Zone)
	switch {
	case !h.Restricted:
		rule = fmt.Sprintf("no restriction on %s in %s", day, h.Zone)
	case h.Window.Start == h.Window.End:
		rule = fmt.Sprintf("no login on %s (%s)", day, h.Zone)
	}
	return fmt.Sprintf("%s; attempt at %s there", rule, clock(h.Local))
}

func trustedText(r policy.RangeRead, ip string) string {
	switch {
	case r.Count == 0:
		return "the org has no trusted IP ranges"
	case r.Matched:
		return fmt.Sprintf("%s is in the org's trusted IP range %s", ip, r.Match)
	}
	return fmt.Sprintf("%s is outside the org's trusted IP ranges (none of %d)", ip, r.Count)
}

// placeText is why a browser was asked for a code: where it came from.
func placeText(g policy.Grounds, ip string) string {
	return "the browser is not activated for the user, and " + trustedText(g.Trusted, ip)
}

func lockText(l policy.LockRead) string {
	if !l.Known {
		return "the count was not recorded"
	}
	text := fmt.Sprintf("%d failed attempts, the org's maximum is %d", l.Before, l.Max)
	if l.Unfamiliar {
		text += " (failures from unfamiliar places)"
	}
	return text
}

func expiryText(g policy.Grounds) string {
	if g.PasswordSetAt.IsZero() {
		return "the password has expired"
	}
	return fmt.Sprintf("the password has expired (set %s, the org's passwords last %d days)", g.PasswordSetAt.Format("2006-01-02"), g.ExpiryDays)
}

func passwordExpiredText(ev domain.LoginEvent, g policy.Grounds) string {
	switch OutcomeOf(ev) {
	case OutcomeAllowed:
		return "with a session that may only set a new password: " + expiryText(g)
	case OutcomeChallenged:
		return expiryText(g) + ": a new password is asked before the session opens"
	}
	return expiryText(g) + ", and this channel (OAuth) cannot set a new one"
}

func levelName(l policy.Level) string {
	if l == policy.LevelHighAssurance {
		return "High Assurance"
	}
	return "Standard"
}

func levelSuffix(g policy.Grounds) string { return " (session level " + levelName(g.Level) + ")" }

// ExplainQuery names the line to explain: ID, of User or of Org (exactly
// one of the two); or the newest line of that second At (history prints
// times to the second); or without either the last refused attempt of
// User.
type ExplainQuery struct {
	User, Org, ID string
	At            time.Time
}

// ErrNoRefusal: the user has no refused attempt in the lines read; ErrNoLine:
// no history line has the id given. Both are domain.ErrNotFound.
var (
	ErrNoRefusal = invalid(domain.CodeNoSuchLine, "no refused login attempt of this user in the last "+strconv.Itoa(MaxLines)+" lines of login history").Wrap(domain.ErrNotFound)
	ErrNoLine    = invalid(domain.CodeNoSuchLine, "no login history line has this id or time (lgadmin history shows each line's)").Wrap(domain.ErrNotFound)
)

// ExplainLine finds the line q names (permission: reading login history)
// and explains it.
func (s *Service) ExplainLine(ctx context.Context, actor account.Actor, q ExplainQuery) (Explanation, error) {
	one := q.ID != "" || !q.At.IsZero()
	if (q.User == "") == (q.Org == "") || q.Org != "" && !one {
		return Explanation{}, invalid(domain.CodeInvalidQuery, "give --user USERNAME (its last refused attempt, or one line by --id or --at), or --org ORG_ID with --id or --at")
	}
	f := domain.HistoryFilter{ID: q.ID, Limit: MaxLines}
	if !q.At.IsZero() {
		f.Since, f.Until = q.At, q.At.Add(time.Second-time.Nanosecond)
	}
	if q.Org != "" {
		f.OrgID = OrgID(q.Org)
		if err := s.allow(ctx, actor, policy.AdminReadHistory, f.OrgID, f.OrgID); err != nil {
			return Explanation{}, err
		}
	} else {
		u, err := s.userFor(ctx, actor, policy.AdminReadHistory, q.User)
		if err != nil {
			return Explanation{}, err
		}
		f.UserID = u.ID
	}
	evs, err := s.Store.History(ctx, f)
	if err != nil {
		return Explanation{}, err
	}
	for _, ev := range evs {
		if one || OutcomeOf(ev) == OutcomeRefused {
			return Explain(ev), nil
		}
	}
	if one {
		return Explanation{}, ErrNoLine
	}
	return Explanation{}, ErrNoRefusal
}
