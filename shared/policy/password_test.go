package policy

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"loginguard/shared/passwords"
	"loginguard/shared/secret"
)

func TestPasswordPolicyValidate(t *testing.T) {
	with := func(mod func(*PasswordPolicy)) PasswordPolicy {
		p := DefaultPasswordPolicy
		mod(&p)
		return p
	}
	tests := []struct {
		name  string
		p     PasswordPolicy
		field string // "" when valid
		msg   string
	}{
		{"the default is valid", DefaultPasswordPolicy, "", ""},
		{"Salesforce's defaults are valid", PasswordPolicy{MinLength: 8, Complexity: ComplexityAlphaNumeric, History: 3, ExpiryDays: 90, BlockCommon: true}, "", ""},
		{"the strictest policy is valid", PasswordPolicy{MinLength: 50, Complexity: ComplexityUpperLowerNumericSpecial, History: 24, ExpiryDays: 30, BlockCommon: true}, "", ""},
		{"no history with no expiry is valid", with(func(p *PasswordPolicy) { p.History = 0 }), "", ""},
		{"any 3 of 4 is offered", with(func(p *PasswordPolicy) { p.Complexity = ComplexityAny3 }), "", ""},
		{"a minimum below 8 is refused", with(func(p *PasswordPolicy) { p.MinLength = 5 }), "minimum password length", "5 is not offered; choose 8 to 50 characters"},
		{"a minimum above 50 is refused", with(func(p *PasswordPolicy) { p.MinLength = 51 }), "minimum password length", "51 is not offered; choose 8 to 50 characters"},
		{"the zero policy is refused", PasswordPolicy{}, "minimum password length", "0 is not offered"},
		{"an unknown complexity is refused", with(func(p *PasswordPolicy) { p.Complexity = "Strong" }), "password complexity", `"Strong" is not offered; choose one of NoRestriction, AlphaNumeric, SpecialCharacters, UpperLowerCaseNumeric, UpperLowerCaseNumericSpecialCharacters, Any3UpperLowerCaseNumericSpecialCharacters`},
		{"an empty complexity is refused", with(func(p *PasswordPolicy) { p.Complexity = "" }), "password complexity", `"" is not offered`},
		{"a complexity in another case is refused as stored", with(func(p *PasswordPolicy) { p.Complexity = "alphanumeric" }), "password complexity", `"alphanumeric" is not offered`},
		{"a history above 24 is refused", with(func(p *PasswordPolicy) { p.History = 25 }), "password history", "25 is not offered; choose 0 (none remembered) to 24 passwords"},
		{"a negative history is refused", with(func(p *PasswordPolicy) { p.History = -1 }), "password history", "-1 is not offered"},
		{"an expiry of 45 days is refused", with(func(p *PasswordPolicy) { p.ExpiryDays = 45 }), "password expiry", "45 days is not offered; choose 30, 60, 90, 180 or 365 days, or 0 (never)"},
		{"expiry without history is refused, as Salesforce does", with(func(p *PasswordPolicy) { p.History, p.ExpiryDays = 0, 90 }), "password history", "remembering no passwords is only allowed when passwords never expire"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate = %v, want a *ValidationError", err)
			}
			if ve.Field != tt.field || !strings.Contains(ve.Message, tt.msg) {
				t.Errorf("Validate = %q / %q, want %q / containing %q", ve.Field, ve.Message, tt.field, tt.msg)
			}
		})
	}
}

func TestParseComplexity(t *testing.T) {
	for _, c := range Complexities {
		for _, s := range []string{string(c), strings.ToLower(string(c)), " " + string(c) + " "} {
			if got, err := ParseComplexity(s); err != nil || got != c {
				t.Errorf("ParseComplexity(%q) = %q, %v; want %q", s, got, err, c)
			}
		}
	}
	for _, s := range []string{"", "none", "Alpha", "UpperLowerCase"} {
		if _, err := ParseComplexity(s); err == nil {
			t.Errorf("ParseComplexity(%q) accepted", s)
		}
	}
}

func TestParsePasswordExpiry(t *testing.T) {
	tests := []struct {
		in   string
		days int
		ok   bool
	}{
		{"never", 0, true}, {"Never", 0, true}, {"0", 0, true},
		{"30", 30, true}, {"60d", 60, true}, {"NinetyDays", 90, true}, {"SixMonths", 180, true}, {"OneYear", 365, true}, {"365", 365, true},
		{"45", 0, false}, {"90 days", 0, false}, {"forever", 0, false}, {"", 0, false},
	}
	for _, tt := range tests {
		got, err := ParsePasswordExpiry(tt.in)
		if (err == nil) != tt.ok || got != tt.days {
			t.Errorf("ParsePasswordExpiry(%q) = %d, %v; want %d ok=%v", tt.in, got, err, tt.days, tt.ok)
		}
	}
}

func TestPasswordExpiry(t *testing.T) {
	changed := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	never := DefaultPasswordPolicy
	ninety := DefaultPasswordPolicy
	ninety.ExpiryDays = 90

	if at, ok := never.ExpiresAt(changed); ok || !at.IsZero() {
		t.Errorf("a policy that never expires gave %v, %v", at, ok)
	}
	if never.Expired(changed, changed.AddDate(10, 0, 0)) {
		t.Error("a password under a never-expiring policy expired")
	}
	want := time.Date(2026, 5, 30, 9, 30, 0, 0, time.UTC)
	if at, ok := ninety.ExpiresAt(changed); !ok || !at.Equal(want) {
		t.Errorf("ExpiresAt = %v, %v; want %v", at, ok, want)
	}
	tests := []struct {
		name    string
		now     time.Time
		expired bool
	}{
		{"the day it was set", changed, false},
		{"a second before 90 days", want.Add(-time.Second), false},
		{"at 90 days", want, true},
		{"a year later", changed.AddDate(1, 0, 0), true},
	}
	for _, tt := range tests {
		if got := ninety.Expired(changed, tt.now); got != tt.expired {
			t.Errorf("%s: Expired = %v, want %v", tt.name, got, tt.expired)
		}
	}
	// Days are 24 hours, whatever the zone does with its clocks in between.
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip(err)
	}
	beforeDST := time.Date(2026, 3, 1, 12, 0, 0, 0, ny)
	thirty := DefaultPasswordPolicy
	thirty.ExpiryDays = 30
	if at, _ := thirty.ExpiresAt(beforeDST); at.Sub(beforeDST) != 30*24*time.Hour {
		t.Errorf("30 days across a clock change lasted %v", at.Sub(beforeDST))
	}
}

// ofBytes is a password of n bytes that breaks no rule but length.
func ofBytes(n int) string { return strings.Repeat("Vivid-otter-grapefruit ", n/23+1)[:n] }

// rules lists the rules of vs, in order.
func rules(vs []PasswordViolation) []PasswordRule {
	var rs []PasswordRule
	for _, v := range vs {
		rs = append(rs, v.Rule)
	}
	return rs
}

func TestPasswordCheck(t *testing.T) {
	common := passwords.Default()
	def := DefaultPasswordPolicy
	with := func(mod func(*PasswordPolicy)) PasswordPolicy {
		p := DefaultPasswordPolicy
		mod(&p)
		return p
	}
	long12 := with(func(p *PasswordPolicy) { p.MinLength = 12 })
	alnum := with(func(p *PasswordPolicy) { p.Complexity = ComplexityAlphaNumeric })
	special := with(func(p *PasswordPolicy) { p.Complexity = ComplexityAlphaNumericSpecial })
	ulNum := with(func(p *PasswordPolicy) { p.Complexity = ComplexityUpperLowerNumeric })
	all4 := with(func(p *PasswordPolicy) { p.Complexity = ComplexityUpperLowerNumericSpecial })
	any3 := with(func(p *PasswordPolicy) { p.Complexity = ComplexityAny3 })
	open := with(func(p *PasswordPolicy) { p.BlockCommon = false })
	jane := PasswordOwner{Username: "Jane.Smith@Example.com", FirstName: "Jane", LastName: "Smithsonian"}
	bob := PasswordOwner{Username: "bob@example.com"}

	tests := []struct {
		name  string
		p     PasswordPolicy
		pw    string
		owner PasswordOwner
		want  []PasswordRule
	}{
		{"a passphrase passes the default", def, "vivid-otter-grapefruit", jane, nil},
		{"eight random characters pass the default", def, "Tq8#vL2m", jane, nil},
		{"seven characters are too short", def, "Tq8#vL2", jane, []PasswordRule{RuleTooShort}},
		{"length counts characters, not bytes", def, "日本語のパスワ", jane, []PasswordRule{RuleTooShort}},
		{"eight non-ASCII characters are enough", def, "日本語のパスワード", jane, nil},
		{"a minimum of 12 refuses 11", long12, "vivid-otter", jane, []PasswordRule{RuleTooShort}},
		{"a minimum of 12 takes 12", long12, "vivid-otter!", jane, nil},
		{"1024 bytes are allowed", def, ofBytes(1024), jane, nil},
		{"1025 bytes are too long", def, ofBytes(1025), jane, []PasswordRule{RuleTooLong}},
		{"the byte limit binds before the character count", def, strings.Repeat("é", 513), jane, []PasswordRule{RuleTooLong}},
		{"a tab is refused", def, "vivid\totter", jane, []PasswordRule{RuleInvalidCharacters}},
		{"a line break is refused", def, "vivid-otter\n", jane, []PasswordRule{RuleInvalidCharacters}},
		{"a NUL is refused", def, "vivid\x00otter", jane, []PasswordRule{RuleInvalidCharacters}},
		{"DEL is refused", def, "vivid\x7fotter", jane, []PasswordRule{RuleInvalidCharacters}},
		{"bytes that are not UTF-8 are refused", def, "vivid\xffotter", jane, []PasswordRule{RuleInvalidCharacters}},
		{"spaces are fine", def, "vivid otter grapefruit", jane, nil},
		{"alpha-numeric wants a digit", alnum, "vivid-otter-grapefruit", jane, []PasswordRule{RuleComplexity}},
		{"alpha-numeric wants a letter", alnum, "84726193-55", jane, []PasswordRule{RuleComplexity}},
		{"alpha-numeric is met", alnum, "vivid-otter-7", jane, nil},
		{"special wants a special character", special, "vividotter7", jane, []PasswordRule{RuleComplexity}},
		{"a space is not special", special, "vivid otter 7", jane, []PasswordRule{RuleComplexity}},
		{"special is met", special, "vivid-otter-7", jane, nil},
		{"upper, lower and numeric wants an upper-case letter", ulNum, "vivid-otter-7", jane, []PasswordRule{RuleComplexity}},
		{"upper, lower and numeric is met", ulNum, "Vividotter7", jane, nil},
		{"non-ASCII upper case counts", ulNum, "Éclairvivid7", jane, nil},
		{"all four wants a special character", all4, "Vividotter7", jane, []PasswordRule{RuleComplexity}},
		{"all four is met", all4, "Vivid-otter7", jane, nil},
		{"any three of four: upper, lower, digit", any3, "Vividotter7", jane, nil},
		{"any three of four: two are not enough", any3, "vivid-otter", jane, []PasswordRule{RuleComplexity}},
		{"the whole user name, in any case", def, "xJANE.SMITH@EXAMPLE.COMx", jane, []PasswordRule{RuleContainsUsername}},
		{"the part before the @", def, "Jane.Smith-rocks", jane, []PasswordRule{RuleContainsUsername}},
		{"a part before the @ of three letters is not checked", def, "bobcat-harbour", bob, nil},
		{"the first name", def, "ALEXANDRIA", PasswordOwner{Username: "x@example.com", FirstName: "Alexandria"}, []PasswordRule{RuleMatchesName}},
		{"the last name", def, "smithsonian", jane, []PasswordRule{RuleMatchesName}},
		{"a name inside a longer password is allowed", def, "smithsonian-otter", jane, nil},
		{"a common password", def, "password", jane, []PasswordRule{RuleCommon}},
		{"look-alikes of a common password", def, "P@ssw0rd", jane, []PasswordRule{RuleCommon}},
		{"a season, a year and a symbol", def, "Summer2024!", jane, []PasswordRule{RuleCommon}},
		{"a keyboard row and digits", def, "qwerty123", jane, []PasswordRule{RuleCommon}},
		{"a repeated character", def, "aaaaaaaa", jane, []PasswordRule{RuleCommon}},
		{"two characters alternating", def, "x7x7x7x7", jane, []PasswordRule{RuleCommon}},
		{"a repeated unit of four", def, "zqkwzqkwzqkw", jane, []PasswordRule{RuleCommon}},
		{"a sequence", def, "bcdefghi", jane, []PasswordRule{RuleCommon}},
		{"a falling sequence", def, "98765432", jane, []PasswordRule{RuleCommon}},
		{"an org may allow common passwords", open, "password", jane, nil},
		{"every rule broken at once, in order", with(func(p *PasswordPolicy) { p.Complexity = ComplexityUpperLowerNumericSpecial }), "bob\tbob", PasswordOwner{Username: "bob"},
			[]PasswordRule{RuleInvalidCharacters, RuleTooShort, RuleComplexity, RuleContainsUsername, RuleCommon}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.p.Check(tt.pw, tt.owner, common)
			if !slices.Equal(rules(got), tt.want) {
				t.Errorf("Check(%.40q) = %v, want %v", tt.pw, got, tt.want)
			}
		})
	}
}

// Every rule's code and message, as the person choosing a password reads it.
func TestPasswordMessages(t *testing.T) {
	common := passwords.Default()
	message := func(p PasswordPolicy, pw string, owner PasswordOwner) map[PasswordRule]string {
		m := map[PasswordRule]string{}
		for _, v := range p.Check(pw, owner, common) {
			m[v.Rule] = v.Message
			if v.Error() != v.Message {
				t.Errorf("Error() = %q, want the message", v.Error())
			}
		}
		return m
	}
	with := func(mod func(*PasswordPolicy)) PasswordPolicy {
		p := DefaultPasswordPolicy
		mod(&p)
		return p
	}
	tests := []struct {
		p     PasswordPolicy
		pw    string
		owner PasswordOwner
		rule  PasswordRule
		msg   string
	}{
		{DefaultPasswordPolicy, "short", PasswordOwner{}, RuleTooShort, "The password must have at least 8 characters."},
		{with(func(p *PasswordPolicy) { p.MinLength = 12 }), "vivid-otter", PasswordOwner{}, RuleTooShort, "The password must have at least 12 characters."},
		{DefaultPasswordPolicy, strings.Repeat("x", 1025), PasswordOwner{}, RuleTooLong, "The password must have at most 1024 characters (letters outside plain ASCII count as 2 to 4)."},
		{DefaultPasswordPolicy, "vivid\totter", PasswordOwner{}, RuleInvalidCharacters, "The password must not contain control characters such as tabs or line breaks."},
		{with(func(p *PasswordPolicy) { p.Complexity = ComplexityAlphaNumeric }), "vividotter", PasswordOwner{}, RuleComplexity, "The password must mix letters and numbers."},
		{with(func(p *PasswordPolicy) { p.Complexity = ComplexityAlphaNumericSpecial }), "vividotter", PasswordOwner{}, RuleComplexity, "The password must mix letters, numbers and special characters (such as ! # $ % - _ = + < >)."},
		{with(func(p *PasswordPolicy) { p.Complexity = ComplexityUpperLowerNumeric }), "vividotter", PasswordOwner{}, RuleComplexity, "The password must mix upper-case letters, lower-case letters and numbers."},
		{with(func(p *PasswordPolicy) { p.Complexity = ComplexityUpperLowerNumericSpecial }), "vividotter", PasswordOwner{}, RuleComplexity, "The password must mix upper-case letters, lower-case letters, numbers and special characters (such as ! # $ % - _ = + < >)."},
		{with(func(p *PasswordPolicy) { p.Complexity = ComplexityAny3 }), "vividotter", PasswordOwner{}, RuleComplexity, "The password must have at least three of: upper-case letters, lower-case letters, numbers, special characters (such as ! # $ % - _ = + < >)."},
		{DefaultPasswordPolicy, "jsmith-otter", PasswordOwner{Username: "jsmith@example.com"}, RuleContainsUsername, "The password must not contain your user name."},
		{DefaultPasswordPolicy, "Smithsonian", PasswordOwner{LastName: "Smithsonian"}, RuleMatchesName, "The password must not be your first or last name."},
		{DefaultPasswordPolicy, "password", PasswordOwner{}, RuleCommon, "The password is too easy to guess: it is a common or leaked password, one with a few letters swapped or digits added, or a simple repeat or sequence. A few unrelated words make a better one."},
	}
	for _, tt := range tests {
		got, ok := message(tt.p, tt.pw, tt.owner)[tt.rule]
		if !ok || got != tt.msg {
			t.Errorf("%s for %.20q: %q, want %q", tt.rule, tt.pw, got, tt.msg)
		}
	}
	three := DefaultPasswordPolicy.ReusedViolation()
	if three.Rule != RuleReused || three.Message != "The password must differ from your last 3 passwords." {
		t.Errorf("ReusedViolation = %+v", three)
	}
	one := with(func(p *PasswordPolicy) { p.History = 1 }).ReusedViolation()
	if one.Message != "The password must differ from your current one." {
		t.Errorf("ReusedViolation with a history of 1 = %q", one.Message)
	}
}

// The default policy keeps what secret.CheckNewPassword allowed: anything it
// accepts passes, unless it is common (or a repeat or sequence), contains
// the user name, or is one of the differences of TestDefaultPolicyDiffersFromCheckNewPassword.
func TestDefaultPolicyAcceptsWhatCheckNewPasswordAccepts(t *testing.T) {
	if MaxPasswordBytes != secret.MaxPasswordLen {
		t.Fatalf("MaxPasswordBytes = %d, secret.MaxPasswordLen = %d: a password could be set that the hash check refuses", MaxPasswordBytes, secret.MaxPasswordLen)
	}
	common := passwords.Default()
	owner := PasswordOwner{Username: "someone@example.com", FirstName: "Some", LastName: "One"}
	check := func(pw string) {
		t.Helper()
		if secret.CheckNewPassword(pw) != nil {
			return
		}
		got := rules(DefaultPasswordPolicy.Check(pw, owner, common))
		wantCommon := common.Common(pw) || trivial(strings.ToLower(pw))
		switch {
		case wantCommon && !slices.Equal(got, []PasswordRule{RuleCommon}):
			t.Errorf("%q: CheckNewPassword accepts it, the policy says %v; want only %s", pw, got, RuleCommon)
		case !wantCommon && got != nil:
			t.Errorf("%q: CheckNewPassword accepts it, the policy says %v", pw, got)
		}
	}
	for _, pw := range []string{
		"12345678", "password", "Password1", "vivid-otter", "Tq8#vL2m", "        ", "a b c d e f",
		"correct horse battery staple", "Summer2024!", "日本語のパスワード", strings.Repeat("Ab1!", 256), ofBytes(1024),
		"~!@#$%^&*()_+", "ünïcödé-wörds",
	} {
		check(pw)
	}
	// And a seeded sample of printable ASCII, 8 to 64 characters long.
	r := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		b := make([]byte, 8+r.IntN(57))
		for i := range b {
			b[i] = byte(' ' + r.IntN(95))
		}
		check(string(b))
	}
}

// Where the default policy is stricter than CheckNewPassword, on purpose.
func TestDefaultPolicyDiffersFromCheckNewPassword(t *testing.T) {
	common := passwords.Default()
	tests := []struct {
		name, pw string
		want     PasswordRule
	}{
		{"length is in characters: 5 characters in 15 bytes are too few", "日本語です", RuleTooShort},
		{"a tab is a control character", "vivid\totter", RuleInvalidCharacters},
		{"DEL is a control character", "vivid-otter\x7f", RuleInvalidCharacters},
		{"bytes that are not UTF-8", "vivid-otter\xff", RuleInvalidCharacters},
		{"a common password", "password", RuleCommon},
		{"the user name", "someone@example.com!", RuleContainsUsername},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := secret.CheckNewPassword(tt.pw); err != nil {
				t.Fatalf("CheckNewPassword refuses %q (%v): not a difference", tt.pw, err)
			}
			got := rules(DefaultPasswordPolicy.Check(tt.pw, PasswordOwner{Username: "someone@example.com"}, common))
			if !slices.Contains(got, tt.want) {
				t.Errorf("Check(%q) = %v, want %s", tt.pw, got, tt.want)
			}
		})
	}
}

func TestPasswordHistory(t *testing.T) {
	three := DefaultPasswordPolicy
	// A stand-in for secret.VerifyPassword: "hash:" + password.
	var calls int
	matches := func(pw, hash string) bool { calls++; return hash == "hash:"+pw }
	stored := []string{"hash:fourth", "hash:third", "hash:second", "hash:first"}

	tests := []struct {
		name     string
		p        PasswordPolicy
		pw       string
		reused   bool
		maxCalls int
	}{
		{"the current password is remembered", three, "fourth", true, 1},
		{"the third newest is remembered", three, "second", true, 3},
		{"the fourth newest is forgotten with a history of 3", three, "first", false, 3},
		{"a new password is not reused", three, "fresh", false, 3},
		{"no history remembers nothing", PasswordPolicy{History: 0}, "fourth", false, 0},
		{"a history of 24 looks at all four", PasswordPolicy{History: 24}, "first", true, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls = 0
			if got := tt.p.Reused(tt.pw, stored, matches); got != tt.reused {
				t.Errorf("Reused = %v, want %v", got, tt.reused)
			}
			if calls > tt.maxCalls {
				t.Errorf("%d hash checks, want at most %d", calls, tt.maxCalls)
			}
		})
	}

	if got := three.Remember(stored, "hash:fifth"); !slices.Equal(got, []string{"hash:fifth", "hash:fourth", "hash:third"}) {
		t.Errorf("Remember = %q", got)
	}
	if got := three.Remember(nil, "hash:first"); !slices.Equal(got, []string{"hash:first"}) {
		t.Errorf("Remember with no history yet = %q", got)
	}
	if got := (PasswordPolicy{History: 0}).Remember(stored, "hash:fifth"); got != nil {
		t.Errorf("Remember with history off = %q, want nothing kept", got)
	}
}

func TestTrivialPasswords(t *testing.T) {
	tests := []struct {
		pw      string
		trivial bool
	}{
		{"aaaaaaaa", true}, {"abababab", true}, {"aaaabbbb", true}, {"abcabcab", true}, {"passpass", true},
		{"abcdefgh", true}, {"hgfedcba", true}, {"12345678", true}, {"3456789:", true},
		{"abcdefgi", false}, {"passpasx", false}, {"monkeymonkey", false}, {"vivid-otter", false}, {"acegikmo", false},
	}
	for _, tt := range tests {
		if got := trivial(tt.pw); got != tt.trivial {
			t.Errorf("trivial(%q) = %v, want %v", tt.pw, got, tt.trivial)
		}
	}
}

func TestDescribePasswordPolicy(t *testing.T) {
	if got, want := DefaultPasswordPolicy.Describe(), []string{
		"At least 8 characters.",
		"Must not contain your user name.",
		"Must not be a common or leaked password.",
		"Must differ from your last 3 passwords.",
	}; !slices.Equal(got, want) {
		t.Errorf("Describe = %q, want %q", got, want)
	}
	strict := PasswordPolicy{MinLength: 12, Complexity: ComplexityAlphaNumeric, History: 0}
	if got, want := strict.Describe(), []string{
		"At least 12 characters.",
		"Must mix letters and numbers.",
		"Must not contain your user name.",
	}; !slices.Equal(got, want) {
		t.Errorf("Describe = %q, want %q", got, want)
	}
}

func BenchmarkPasswordCheck(b *testing.B) {
	common := passwords.Default()
	owner := PasswordOwner{Username: "jane.smith@example.com", FirstName: "Jane", LastName: "Smith"}
	for _, c := range []struct{ name, pw string }{
		{"accepted", "vivid-otter-grapefruit-42"},
		{"common", "Summer2024!"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = DefaultPasswordPolicy.Check(c.pw, owner, common)
			}
		})
	}
}
