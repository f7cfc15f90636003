package policy

// Password policies per org, as Salesforce's Setup > Password Policies has
// them (minimum length, complexity, history, expiry), with NIST SP 800-63B
// §5.1.1.2's rules on top: a password may not be a common, expected or
// breached one, nor contain the user name. Every place a password is set
// (create, change, reset, admin reset, SOAP setPassword) calls Check; the
// list of common passwords comes in as a CommonChecker (shared/passwords
// holds the data), so this file stays pure.

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Complexity is Salesforce's "Password complexity requirement". The values
// are the Metadata API's (PasswordPolicies.complexity), so they are stable
// and an org's settings read the same in both.
type Complexity string

const (
	// ComplexityNone has no requirement: NIST SP 800-63B advises against
	// composition rules (they breed "Password1!"), so it is our default.
	ComplexityNone Complexity = "NoRestriction"
	// ComplexityAlphaNumeric: a letter and a digit (Salesforce's default).
	ComplexityAlphaNumeric Complexity = "AlphaNumeric"
	// ComplexityAlphaNumericSpecial: a letter, a digit and a special character.
	ComplexityAlphaNumericSpecial Complexity = "SpecialCharacters"
	// ComplexityUpperLowerNumeric: an upper-case letter, a lower-case letter and a digit.
	ComplexityUpperLowerNumeric Complexity = "UpperLowerCaseNumeric"
	// ComplexityUpperLowerNumericSpecial: all four classes.
	ComplexityUpperLowerNumericSpecial Complexity = "UpperLowerCaseNumericSpecialCharacters"
	// ComplexityAny3: any three of the four classes (Salesforce since API 46.0).
	ComplexityAny3 Complexity = "Any3UpperLowerCaseNumericSpecialCharacters"
)

// Complexities are the offered values, weakest first.
var Complexities = []Complexity{ComplexityNone, ComplexityAlphaNumeric, ComplexityAlphaNumericSpecial,
	ComplexityUpperLowerNumeric, ComplexityUpperLowerNumericSpecial, ComplexityAny3}

// ParseComplexity reads one of the Metadata API values, in any case.
func ParseComplexity(s string) (Complexity, error) {
	for _, c := range Complexities {
		if strings.EqualFold(strings.TrimSpace(s), string(c)) {
			return c, nil
		}
	}
	return "", invalid("password complexity", fmt.Sprintf("%q is not offered; choose one of %s", s, complexityNames()))
}

// complexityOffered is exact: a stored value in another case would match no rule.
func complexityOffered(c Complexity) bool {
	for _, o := range Complexities {
		if c == o {
			return true
		}
	}
	return false
}

func complexityNames() string {
	names := make([]string, len(Complexities))
	for i, c := range Complexities {
		names[i] = string(c)
	}
	return strings.Join(names, ", ")
}

// SpecialCharacters are the characters Salesforce counts as special: ASCII's
// punctuation. Other symbols (€, §) and the space are allowed in a password
// but do not count.
const SpecialCharacters = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

// The bounds of a policy.
const (
	// MinPasswordLength is the least minimum length: NIST's floor, and what
	// the service has always required. Salesforce offers 5 to 50; below 8 we
	// refuse.
	MinPasswordLength = 8
	// MaxMinPasswordLength is Salesforce's highest minimum length.
	MaxMinPasswordLength = 50
	// MaxPasswordBytes bounds a password in bytes of UTF-8, as
	// secret.MaxPasswordLen does: the hash check refuses anything longer, so
	// a longer password could be set but never used.
	MaxPasswordBytes = 1024
	// MaxPasswordHistory is Salesforce's most passwords remembered.
	MaxPasswordHistory = 24
	// usernamePartMin is the shortest local part of a user name (before the
	// @) that a password may not contain: "jsmith" in "Jsmith2024" is refused,
	// but "bob" would refuse "bobcat-harbour-lamp" for no gain, so it is not.
	usernamePartMin = 4
)

// PasswordExpiries are the offered expiry periods in days; 0 is never.
// Salesforce's "User passwords expire in": 30, 60 or 90 days, six months,
// one year, never.
var PasswordExpiries = []int{0, 30, 60, 90, 180, 365}

// PasswordPolicy is an org's password policy.
type PasswordPolicy struct {
	// MinLength is the fewest characters (Unicode code points), 8 to 50.
	MinLength int
	// Complexity is the classes of characters a password must mix.
	Complexity Complexity
	// History is how many of the user's passwords, the current one
	// included, may not be chosen again: 0 (off) to 24. The caller keeps
	// that many hashes (Remember) and asks Reused.
	History int
	// ExpiryDays is how long a password lasts from when it was set; 0 is
	// never. Only the values of PasswordExpiries.
	ExpiryDays int
	// BlockCommon refuses passwords that are common or breached (through
	// the CommonChecker), variants of them, and simple repeats and
	// sequences (NIST SP 800-63B §5.1.1.2).
	BlockCommon bool
}

// DefaultPasswordPolicy is a new org's policy. It keeps what the service
// has always asked (8 characters, no composition rule) and adds the
// common-password check. It differs from Salesforce's defaults (alpha and
// numeric, expiry after 90 days) where NIST SP 800-63B advises otherwise:
// composition rules and periodic expiry make passwords more predictable,
// not stronger; an org may still choose Salesforce's values. History stays
// at Salesforce's 3, so a reset cannot go back to a leaked password.
var DefaultPasswordPolicy = PasswordPolicy{
	MinLength:   8,
	Complexity:  ComplexityNone,
	History:     3,
	ExpiryDays:  0,
	BlockCommon: true,
}

// Validate says what is wrong with a policy an admin chose, or nil.
func (p PasswordPolicy) Validate() error {
	if p.MinLength < MinPasswordLength || p.MinLength > MaxMinPasswordLength {
		return invalid("minimum password length", fmt.Sprintf("%d is not offered; choose %d to %d characters", p.MinLength, MinPasswordLength, MaxMinPasswordLength))
	}
	if !complexityOffered(p.Complexity) {
		return invalid("password complexity", fmt.Sprintf("%q is not offered; choose one of %s", p.Complexity, complexityNames()))
	}
	if p.History < 0 || p.History > MaxPasswordHistory {
		return invalid("password history", fmt.Sprintf("%d is not offered; choose 0 (none remembered) to %d passwords", p.History, MaxPasswordHistory))
	}
	if !expiryOffered(p.ExpiryDays) {
		return invalid("password expiry", fmt.Sprintf("%d days is not offered; choose 30, 60, 90, 180 or 365 days, or 0 (never)", p.ExpiryDays))
	}
	if p.History == 0 && p.ExpiryDays != 0 {
		// Salesforce's rule: expiring passwords without history would let a
		// user "change" back to the same one.
		return invalid("password history", "remembering no passwords is only allowed when passwords never expire")
	}
	return nil
}

func expiryOffered(days int) bool {
	for _, d := range PasswordExpiries {
		if days == d {
			return true
		}
	}
	return false
}

// ParsePasswordExpiry reads an expiry: "never" or 0, a number of days
// (30, 60, 90, 180, 365), or the Metadata API's name (ThirtyDays, SixtyDays,
// NinetyDays, SixMonths, OneYear, Never).
func ParsePasswordExpiry(s string) (int, error) {
	v := strings.TrimSpace(s)
	for name, days := range map[string]int{"never": 0, "thirtydays": 30, "sixtydays": 60, "ninetydays": 90, "sixmonths": 180, "oneyear": 365} {
		if strings.EqualFold(v, name) {
			return days, nil
		}
	}
	days, err := strconv.Atoi(strings.TrimSuffix(v, "d"))
	if err != nil || !expiryOffered(days) {
		return 0, invalid("password expiry", fmt.Sprintf("%q is not offered; choose 30, 60, 90, 180 or 365 days, or never", s))
	}
	return days, nil
}

// ExpiresAt is when a password set at changedAt expires; ok is false when
// it never does.
func (p PasswordPolicy) ExpiresAt(changedAt time.Time) (at time.Time, ok bool) {
	if p.ExpiryDays <= 0 {
		return time.Time{}, false
	}
	return changedAt.Add(time.Duration(p.ExpiryDays) * 24 * time.Hour), true
}

// Expired reports whether a password set at changedAt has expired at now
// (from its expiry instant on). A user with "password never expires" is
// the caller's to exempt.
func (p PasswordPolicy) Expired(changedAt, now time.Time) bool {
	at, ok := p.ExpiresAt(changedAt)
	return ok && !now.Before(at)
}

// CommonChecker says whether a password is too common to allow: on a list
// of common or breached passwords, or a variant of one. shared/passwords'
// Blocklist is the implementation.
type CommonChecker interface {
	Common(pw string) bool
}

// PasswordOwner is who a password is for: the words it may not contain or be.
type PasswordOwner struct {
	Username            string
	FirstName, LastName string
}

// PasswordRule is the stable code of a broken password rule; the SOAP and
// OAuth answers carry INVALID_NEW_PASSWORD with the message, login history
// and logs the code.
type PasswordRule string

const (
	RuleTooShort          PasswordRule = "PASSWORD_TOO_SHORT"
	RuleTooLong           PasswordRule = "PASSWORD_TOO_LONG"
	RuleInvalidCharacters PasswordRule = "PASSWORD_INVALID_CHARACTERS"
	RuleComplexity        PasswordRule = "PASSWORD_COMPLEXITY"
	RuleContainsUsername  PasswordRule = "PASSWORD_CONTAINS_USERNAME"
	RuleMatchesName       PasswordRule = "PASSWORD_MATCHES_NAME"
	RuleCommon            PasswordRule = "PASSWORD_COMMON"
	RuleReused            PasswordRule = "PASSWORD_REUSED"
)

// PasswordViolation is one broken rule, with a message safe to show the
// person choosing the password: it names the rule, never the password.
type PasswordViolation struct {
	Rule    PasswordRule
	Message string
}

func (v PasswordViolation) Error() string { return v.Message }

// Check returns every rule pw breaks for owner under p, in a fixed order
// (characters, length, complexity, user name, name, common), or nil.
// common is consulted when p.BlockCommon is set and must then not be nil.
// History is not checked here: it needs the stored hashes (Reused).
func (p PasswordPolicy) Check(pw string, owner PasswordOwner, common CommonChecker) []PasswordViolation {
	var vs []PasswordViolation
	add := func(r PasswordRule, msg string) { vs = append(vs, PasswordViolation{Rule: r, Message: msg}) }

	if !utf8.ValidString(pw) || strings.ContainsFunc(pw, unicode.IsControl) {
		// Control characters cannot be typed into the login page, and XML
		// rewrites line breaks, so such a password would not work everywhere.
		add(RuleInvalidCharacters, "The password must not contain control characters such as tabs or line breaks.")
	}
	n := utf8.RuneCountInString(pw)
	least := max(p.MinLength, MinPasswordLength)
	if n < least {
		add(RuleTooShort, fmt.Sprintf("The password must have at least %d characters.", least))
	}
	tooLong := len(pw) > MaxPasswordBytes
	if tooLong {
		add(RuleTooLong, fmt.Sprintf("The password must have at most %d characters (letters outside plain ASCII count as 2 to 4).", MaxPasswordBytes))
	}
	if msg, ok := p.Complexity.check(pw); !ok {
		add(RuleComplexity, msg)
	}
	low := strings.ToLower(pw)
	if containsUsername(low, owner.Username) {
		add(RuleContainsUsername, "The password must not contain your user name.")
	}
	for _, name := range []string{owner.FirstName, owner.LastName} {
		if name = strings.TrimSpace(name); name != "" && strings.EqualFold(pw, name) {
			add(RuleMatchesName, "The password must not be your first or last name.")
			break
		}
	}
	// A password over the limit cannot be on any list; skip the lookup's work.
	if p.BlockCommon && !tooLong && (trivial(low) || common.Common(pw)) {
		add(RuleCommon, "The password is too easy to guess: it is a common or leaked password, one with a few letters swapped or digits added, or a simple repeat or sequence. A few unrelated words make a better one.")
	}
	return vs
}

// check reports whether pw mixes the classes c asks for, and if not a
// message naming the rule.
func (c Complexity) check(pw string) (string, bool) {
	var letter, upper, lower, digit, special bool
	for _, r := range pw {
		switch {
		case unicode.IsDigit(r):
			digit = true
		case unicode.IsLetter(r):
			letter = true
			upper = upper || unicode.IsUpper(r)
			lower = lower || unicode.IsLower(r)
		case r < utf8.RuneSelf && strings.ContainsRune(SpecialCharacters, r):
			special = true
		}
	}
	count := func(bs ...bool) int {
		n := 0
		for _, b := range bs {
			if b {
				n++
			}
		}
		return n
	}
	switch c {
	case ComplexityAlphaNumeric:
		return "The password must mix letters and numbers.", letter && digit
	case ComplexityAlphaNumericSpecial:
		return "The password must mix letters, numbers and special characters (such as ! # $ % - _ = + < >).", letter && digit && special
	case ComplexityUpperLowerNumeric:
		return "The password must mix upper-case letters, lower-case letters and numbers.", upper && lower && digit
	case ComplexityUpperLowerNumericSpecial:
		return "The password must mix upper-case letters, lower-case letters, numbers and special characters (such as ! # $ % - _ = + < >).", upper && lower && digit && special
	case ComplexityAny3:
		return "The password must have at least three of: upper-case letters, lower-case letters, numbers, special characters (such as ! # $ % - _ = + < >).", count(upper, lower, digit, special) >= 3
	}
	return "", true
}

// containsUsername reports whether low (a lowered password) contains the
// user name, or its part before the @ when that has at least
// usernamePartMin characters; case does not matter.
func containsUsername(low, username string) bool {
	u := strings.ToLower(strings.TrimSpace(username))
	if u == "" {
		return false
	}
	if strings.Contains(low, u) {
		return true
	}
	if at := strings.LastIndexByte(u, '@'); at >= 0 {
		if local := u[:at]; utf8.RuneCountInString(local) >= usernamePartMin && strings.Contains(low, local) {
			return true
		}
	}
	return false
}

// trivial reports whether low is a repeat or a sequence, which no list
// needs to hold: at most two distinct characters ("aaaaaaaa", "12121212"),
// a unit of up to four repeated ("passpass", "abcabcab"), or a run of
// consecutive characters either way ("abcdefgh", "98765432").
func trivial(low string) bool {
	rs := []rune(low)
	if len(rs) < 2 {
		return len(rs) == 1
	}
	if twoOrFewer(rs) {
		return true
	}
	for unit := 3; unit <= 4 && unit < len(rs); unit++ {
		repeats := true
		for i := unit; i < len(rs); i++ {
			if rs[i] != rs[i-unit] {
				repeats = false
				break
			}
		}
		if repeats {
			return true
		}
	}
	step := rs[1] - rs[0]
	if step != 1 && step != -1 {
		return false
	}
	for i := 2; i < len(rs); i++ {
		if rs[i]-rs[i-1] != step {
			return false
		}
	}
	return true
}

// twoOrFewer reports whether rs has at most two distinct runes.
func twoOrFewer(rs []rune) bool {
	a, b := rs[0], rs[0]
	for _, r := range rs {
		switch {
		case r == a || r == b:
		case a == b:
			b = r
		default:
			return false
		}
	}
	return true
}

// Reused reports whether pw is one of the user's remembered passwords:
// hashes are the stored ones, newest (the current password) first, and only
// the first p.History count. matches is the hash check (a wrapper of
// secret.VerifyPassword); each call costs one argon2id hash, so call Reused
// last, once Check has passed, and expect up to History hashes.
func (p PasswordPolicy) Reused(pw string, hashes []string, matches func(pw, hash string) bool) bool {
	for i, h := range hashes {
		if i >= p.History {
			break
		}
		if matches(pw, h) {
			return true
		}
	}
	return false
}

// ReusedViolation is the violation to report when Reused is true.
func (p PasswordPolicy) ReusedViolation() PasswordViolation {
	msg := fmt.Sprintf("The password must differ from your last %d passwords.", p.History)
	if p.History <= 1 {
		msg = "The password must differ from your current one."
	}
	return PasswordViolation{Rule: RuleReused, Message: msg}
}

// Remember is the history to store once newHash is the user's password:
// newHash first, then the previous ones, at most p.History in all (none
// when history is off).
func (p PasswordPolicy) Remember(hashes []string, newHash string) []string {
	if p.History <= 0 {
		return nil
	}
	out := make([]string, 0, p.History)
	out = append(out, newHash)
	for _, h := range hashes {
		if len(out) == p.History {
			break
		}
		out = append(out, h)
	}
	return out
}

// Describe lists p's rules as a person choosing a password reads them
// (the change-password page shows them before the first try).
func (p PasswordPolicy) Describe() []string {
	rules := []string{fmt.Sprintf("At least %d characters.", max(p.MinLength, MinPasswordLength))}
	if msg, _ := p.Complexity.check(""); msg != "" {
		rules = append(rules, strings.Replace(msg, "The password must", "Must", 1))
	}
	rules = append(rules, "Must not contain your user name.")
	if p.BlockCommon {
		rules = append(rules, "Must not be a common or leaked password.")
	}
	if p.History > 0 {
		rules = append(rules, strings.Replace(p.ReusedViolation().Message, "The password must", "Must", 1))
	}
	return rules
}
