package policy

import (
	"fmt"
	"strings"
)

// A login decision's trace: each rule it evaluated, in order, with its
// outcome. The decision builds it as it goes (DecideAPILogin,
// DecideUILogin), so login history keeps exactly what was decided, not a
// reconstruction, and an admin can ask why.

// Rule is one rule of the login decision, as a trace names it: one byte,
// so a trace is stored as a few characters.
type Rule byte

// The rules, in the order of login-restrictions.txt where they have one.
// The last four are decided before the policy runs (the reservation) or
// after it (a challenge's answer); a trace of such a line holds one of them.
const (
	RuleCredentials      Rule = 'c' // the password, and a token or code appended
	RuleAPIEnabled       Rule = 'a' // the profile's "API Enabled"
	RuleLoginHours       Rule = 'h' // the profile's login hours
	RuleTwoFactor        Rule = '2' // two-factor for API or UI logins
	RuleProfileRange     Rule = 'p' // the profile's login IP ranges
	RuleTOTP             Rule = 'o' // a TOTP code passed stands for the place
	RuleTrustedRange     Rule = 't' // the org's trusted IP ranges
	RuleSecurityToken    Rule = 'k' // the security token appended to the password
	RuleActivatedBrowser Rule = 'b' // the browser's activation cookie
	RuleFirstLogin       Rule = 'f' // a user's very first login
	RuleEmailCode        Rule = 'e' // an emailed verification code
	RuleHighAssurance    Rule = 'H' // the profile's "High Assurance required at login"
	RulePasswordExpiry   Rule = 'x' // the org's password expiry
	RuleUser             Rule = 'u' // the user name names a user
	RuleActive           Rule = 'i' // the user is active
	RuleLockout          Rule = 'l' // the user is not locked out
	RuleCode             Rule = 'v' // the code typed on a challenge page
)

var ruleNames = map[Rule]string{
	RuleCredentials: "credentials", RuleAPIEnabled: "API enabled", RuleLoginHours: "login hours",
	RuleTwoFactor: "two-factor", RuleProfileRange: "profile login IP ranges", RuleTOTP: "TOTP code",
	RuleTrustedRange: "trusted IP ranges", RuleSecurityToken: "security token", RuleActivatedBrowser: "activated browser",
	RuleFirstLogin: "first login", RuleEmailCode: "verification code", RuleHighAssurance: "High Assurance at login",
	RulePasswordExpiry: "password expiry", RuleUser: "user", RuleActive: "active user", RuleLockout: "lockout",
	RuleCode: "code entered",
}

// Name is the rule in an admin's words.
func (r Rule) Name() string {
	if n, ok := ruleNames[r]; ok {
		return n
	}
	return fmt.Sprintf("rule %q", byte(r))
}

// Outcome is what one rule did.
type Outcome byte

const (
	Passed     Outcome = '+' // its condition is met; the next rule decides
	NotSet     Outcome = '.' // nothing to check (no restriction set, not this factor); the next rule decides
	Missed     Outcome = '~' // checked, and it does not let the login through; the next rule decides
	Admitted   Outcome = '=' // it lets the login through
	Challenged Outcome = '?' // the login must pass a challenge first
	Refused    Outcome = '-' // it refuses the login
)

var outcomeNames = map[Outcome]string{Passed: "passed", NotSet: "not set", Missed: "no match",
	Admitted: "allowed", Challenged: "challenged", Refused: "refused"}

// Name is the outcome in an admin's words.
func (o Outcome) Name() string { return outcomeNames[o] }

// Decisive reports whether the outcome ends the decision (or, for an
// expired password's restriction, narrows an allowed one).
func (o Outcome) Decisive() bool { return o == Admitted || o == Challenged || o == Refused }

// Step is one rule evaluated and its outcome.
type Step struct {
	Rule    Rule
	Outcome Outcome
}

// maxSteps bounds a trace: the longest decision evaluates ten rules.
const maxSteps = 14

// Trace is the steps of one decision, in order. It is a value of fixed
// size, so deciding allocates nothing for it.
type Trace struct {
	steps [maxSteps]Step
	n     uint8
}

// add appends a step; a nil trace (a caller that keeps none) ignores it.
func (t *Trace) add(r Rule, o Outcome) {
	if t == nil || int(t.n) >= len(t.steps) {
		return
	}
	t.steps[t.n] = Step{Rule: r, Outcome: o}
	t.n++
}

// TraceOf is a trace of the given steps (a refusal decided outside the
// policy: an unknown, inactive or locked user, a wrong code).
func TraceOf(steps ...Step) Trace {
	var t Trace
	for _, s := range steps {
		t.add(s.Rule, s.Outcome)
	}
	return t
}

// Len is the number of steps.
func (t Trace) Len() int { return int(t.n) }

// Steps are the steps in order.
func (t Trace) Steps() []Step { return append([]Step(nil), t.steps[:t.n]...) }

// Decisive is the step that decided: the last one that admitted,
// challenged or refused (an expired password's restriction comes after
// the rule that admitted). false for an empty trace.
func (t Trace) Decisive() (Step, bool) {
	for i := int(t.n) - 1; i >= 0; i-- {
		if t.steps[i].Outcome.Decisive() {
			return t.steps[i], true
		}
	}
	return Step{}, false
}

// Decided reports whether the trace is of the login decision itself (it
// starts at the credentials), not of a refusal before or after it.
func (t Trace) Decided() bool { return t.n > 0 && t.steps[0].Rule == RuleCredentials }

// String is the stored form: each step as its rule's byte and its
// outcome's, e.g. "c+a+h-".
func (t Trace) String() string {
	var b strings.Builder
	b.Grow(2 * int(t.n))
	for _, s := range t.steps[:t.n] {
		b.WriteByte(byte(s.Rule))
		b.WriteByte(byte(s.Outcome))
	}
	return b.String()
}

// ParseTrace reads the stored form String writes.
func ParseTrace(s string) (Trace, error) {
	var t Trace
	if len(s)%2 != 0 || len(s)/2 > maxSteps {
		return Trace{}, fmt.Errorf("trace %q: not a list of steps", s)
	}
	for i := 0; i < len(s); i += 2 {
		r, o := Rule(s[i]), Outcome(s[i+1])
		if _, ok := ruleNames[r]; !ok {
			return Trace{}, fmt.Errorf("trace %q: unknown rule %q", s, s[i])
		}
		if _, ok := outcomeNames[o]; !ok {
			return Trace{}, fmt.Errorf("trace %q: unknown outcome %q", s, s[i+1])
		}
		t.add(r, o)
	}
	return t, nil
}

// passedOr is Passed when set, else NotSet.
func passedOr(set bool) Outcome {
	if set {
		return Passed
	}
	return NotSet
}
