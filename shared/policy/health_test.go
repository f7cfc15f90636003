package policy

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

const healthOrg = "00D000000000001"

// baselineOrg meets every check: an admin profile and a sales profile,
// both with two-factor, login hours and narrow ranges.
func baselineOrg(t *testing.T) HealthInput {
	hours := mustHoursT(t, "UTC", "mon=07:00-19:00,tue=07:00-19:00")
	return HealthInput{
		OrgID:            healthOrg,
		Lockout:          Lockout{MaxAttempts: 5, Period: 15 * time.Minute},
		SessionTimeout:   2 * time.Hour,
		LockSessionsToIP: true,
		HighAssurance:    map[string]Action{"reports": ActionRaise},
		TrustedRanges:    mustRanges(t, "198.51.100.0-198.51.100.255,2001:db8::-2001:db8::ffff:ffff:ffff:ffff"),
		Password:         PasswordPolicy{MinLength: 12, Complexity: ComplexityNone, History: 3, BlockCommon: true},
		IdentityVerification: map[Area]Action{AreaIPAddresses: ActionRaise, AreaUnlockUsers: ActionBlock, AreaTwoFactorAPI: ActionRaise,
			AreaPasswordPolicies: ActionRaise, AreaProfiles: ActionRaise, AreaConnectedApps: ActionRaise},
		Profiles: []HealthProfile{
			{ID: "00eADMIN", Name: "Admins", ManageUsers: true, TwoFactorUI: true, RequireHighAssurance: true,
				Users: 1, LoginHours: hours, LoginIPRanges: mustRanges(t, "203.0.113.10")},
			{ID: "00eSALES", Name: "Sales", APIEnabled: true, TwoFactorUI: true, Users: 2, Logins: 10, APILogins: 3, LoginHours: hours},
		},
	}
}

func TestABaselineOrgScores100WithNoFindings(t *testing.T) {
	rep := HealthCheck(baselineOrg(t))
	if rep.Score != 100 || rep.Grade != "Excellent" || len(rep.Findings) != 0 {
		t.Fatalf("%+v", rep)
	}
	builtIn := 0
	for _, m := range rep.Met {
		if m.BuiltIn {
			builtIn++
		}
		if m.Code == "" || m.Severity == "" || m.Setting == "" || m.Baseline == "" {
			t.Errorf("a met check without its code, severity, setting or baseline: %+v", m)
		}
	}
	if builtIn != len(builtInChecks) || !hasCode(rep.Met, "HTTPONLY_COOKIES") {
		t.Fatalf("the built-in protections are not listed as met: %+v", rep.Met)
	}
}

func hasCode(ss []HealthSetting, code string) bool {
	for _, s := range ss {
		if s.Code == code {
			return true
		}
	}
	return false
}

func TestEachFindingAlone(t *testing.T) {
	admin := func(in *HealthInput) *HealthProfile { return &in.Profiles[0] }
	sales := func(in *HealthInput) *HealthProfile { return &in.Profiles[1] }
	tests := []struct {
		name     string
		change   func(t *testing.T, in *HealthInput)
		code     string
		severity HealthSeverity
		current  string
		fix      string
	}{
		{"no lockout limit is a high risk", func(_ *testing.T, in *HealthInput) { in.Lockout.MaxAttempts = 0 },
			"LOCKOUT_DISABLED", SeverityHigh, "none", "lgadmin org set --org " + healthOrg + " --lockout-max 5"},
		{"10 attempts before lockout is too many", func(_ *testing.T, in *HealthInput) { in.Lockout.MaxAttempts = 10 },
			"LOCKOUT_ATTEMPTS_HIGH", SeverityMedium, "10", "lgadmin org set --org " + healthOrg + " --lockout-max 5"},
		{"a lockout period under 15 minutes is too short", func(_ *testing.T, in *HealthInput) { in.Lockout.Period = 5 * time.Minute },
			"LOCKOUT_PERIOD_SHORT", SeverityMedium, "5m0s", "lgadmin org set --org " + healthOrg + " --lockout-period 15m"},
		{"locked until unlocked, without familiar-place lockout, lets a stranger lock a user out", func(_ *testing.T, in *HealthInput) { in.Lockout.Period = 0 },
			"LOCKOUT_UNTIL_UNLOCKED", SeverityLow, "until-unlocked", "lgadmin org set --org " + healthOrg + " --lockout-period 30m"},
		{"an idle timeout over 2 hours is too long", func(_ *testing.T, in *HealthInput) { in.SessionTimeout = 24 * time.Hour },
			"SESSION_TIMEOUT_LONG", SeverityMedium, "24h0m0s", "lgadmin org set --org " + healthOrg + " --session-timeout 2h"},
		{"sessions not locked to their IP", func(_ *testing.T, in *HealthInput) { in.LockSessionsToIP = false },
			"LOCK_SESSIONS_TO_IP_OFF", SeverityLow, "off", "lgadmin org set --org " + healthOrg + " --lock-sessions-to-ip"},
		{"remember me until logout", func(_ *testing.T, in *HealthInput) { in.RememberMe = true },
			"REMEMBER_ME_ON", SeverityLow, "on", "lgadmin org set --org " + healthOrg + " --remember-me=false"},
		{"a password login at High Assurance", func(_ *testing.T, in *HealthInput) {
			in.Levels = map[Method]Level{MethodPassword: LevelHighAssurance}
		}, "PASSWORD_LEVEL_HIGH_ASSURANCE", SeverityHigh, "HIGH_ASSURANCE", "lgadmin org set --org " + healthOrg + " --password-level standard"},
		{"no High Assurance policy is informational", func(_ *testing.T, in *HealthInput) { in.HighAssurance = nil },
			"HIGH_ASSURANCE_POLICIES_NONE", SeverityInfo, "none", "lgadmin org set --org " + healthOrg + " --high-assurance reports=raise"},
		{"the common-password check off", func(_ *testing.T, in *HealthInput) { in.Password.BlockCommon = false },
			"PASSWORD_COMMON_CHECK_OFF", SeverityHigh, "off", "lgadmin org set --org " + healthOrg + " --password-block-common"},
		{"a minimum length of 8", func(_ *testing.T, in *HealthInput) { in.Password.MinLength = 8 },
			"PASSWORD_MIN_LENGTH_SHORT", SeverityMedium, "8", "lgadmin org set --org " + healthOrg + " --password-min-length 12"},
		{"no password history", func(_ *testing.T, in *HealthInput) { in.Password.History = 0 },
			"PASSWORD_HISTORY_LOW", SeverityMedium, "0", "lgadmin org set --org " + healthOrg + " --password-history 3"},
		{"periodic password expiry is informational", func(_ *testing.T, in *HealthInput) { in.Password.ExpiryDays = 90 },
			"PASSWORD_EXPIRY_PERIODIC", SeverityInfo, "90 days", "lgadmin org set --org " + healthOrg + " --password-expiry never"},
		{"a trusted range of the whole IPv4 internet", func(t *testing.T, in *HealthInput) {
			in.TrustedRanges = append(in.TrustedRanges, mustRanges(t, "0.0.0.0-255.255.255.255")...)
		}, "TRUSTED_RANGE_TOO_WIDE", SeverityHigh, "0.0.0.0-255.255.255.255",
			"lgadmin org set --org " + healthOrg + " --trusted-ranges 198.51.100.0-198.51.100.255,2001:db8::-2001:db8::ffff:ffff:ffff:ffff"},
		{"a trusted public range of 257 addresses", func(t *testing.T, in *HealthInput) {
			in.TrustedRanges = mustRanges(t, "192.0.2.0-192.0.3.0")
		}, "TRUSTED_RANGE_TOO_WIDE", SeverityHigh, "192.0.2.0-192.0.3.0", "lgadmin org set --org " + healthOrg + " --trusted-ranges none"},
		{"a trusted range reaching from a private block into public addresses", func(t *testing.T, in *HealthInput) {
			in.TrustedRanges = mustRanges(t, "10.255.255.0-11.0.0.255")
		}, "TRUSTED_RANGE_TOO_WIDE", SeverityHigh, "10.255.255.0-11.0.0.255", "lgadmin org set --org " + healthOrg + " --trusted-ranges none"},
		{"a trusted IPv6 range wider than a /64", func(t *testing.T, in *HealthInput) {
			in.TrustedRanges = mustRanges(t, "2001:db8::-2001:db8:0:1::")
		}, "TRUSTED_RANGE_TOO_WIDE", SeverityHigh, "2001:db8::-2001:db8:0:1::", "lgadmin org set --org " + healthOrg + " --trusted-ranges none"},
		{"a trusted private /16", func(t *testing.T, in *HealthInput) {
			in.TrustedRanges = mustRanges(t, "10.0.0.0-10.0.255.255")
		}, "TRUSTED_RANGE_WIDE_PRIVATE", SeverityLow, "10.0.0.0-10.0.255.255", "lgadmin org set --org " + healthOrg + " --trusted-ranges none"},
		{"a trusted unique-local IPv6 range wider than a /64", func(t *testing.T, in *HealthInput) {
			in.TrustedRanges = mustRanges(t, "fd00::-fd00:0:0:ffff:ffff:ffff:ffff:ffff")
		}, "TRUSTED_RANGE_WIDE_PRIVATE", SeverityLow, "fd00::-fd00::ffff:ffff:ffff:ffff:ffff", "lgadmin org set --org " + healthOrg + " --trusted-ranges none"},
		{"an admin profile without two-factor for UI logins", func(_ *testing.T, in *HealthInput) {
			admin(in).TwoFactorUI, admin(in).TwoFactorAPI = false, true
		}, "ADMIN_TWO_FACTOR_OFF", SeverityHigh, "off", "lgadmin profile set --org " + healthOrg + " --profile 00eADMIN --two-factor-ui"},
		{"an admin profile that does not require High Assurance", func(_ *testing.T, in *HealthInput) { admin(in).RequireHighAssurance = false },
			"ADMIN_HIGH_ASSURANCE_OFF", SeverityMedium, "none", "lgadmin profile set --org " + healthOrg + " --profile 00eADMIN --require-high-assurance"},
		{"a profile without two-factor for UI logins", func(_ *testing.T, in *HealthInput) {
			sales(in).TwoFactorUI, sales(in).TwoFactorAPI = false, true
		}, "TWO_FACTOR_UI_OFF", SeverityLow, "off", "lgadmin profile set --org " + healthOrg + " --profile 00eSALES --two-factor-ui"},
		{"users of a two-factor profile without a TOTP key", func(_ *testing.T, in *HealthInput) {
			sales(in).WithoutTOTP = []string{"bob@acme.example"}
		}, "TWO_FACTOR_KEYS_MISSING", SeverityMedium, "1 of 2 users have a TOTP key (without: bob@acme.example)", "lgadmin user totp-register --user bob@acme.example"},
		{"a profile's login range of the whole internet", func(t *testing.T, in *HealthInput) {
			sales(in).LoginIPRanges = mustRanges(t, "0.0.0.0-255.255.255.255")
		}, "LOGIN_RANGE_TOO_WIDE", SeverityHigh, "0.0.0.0-255.255.255.255", "lgadmin profile set --org " + healthOrg + " --profile 00eSALES --ip-ranges none"},
		{"a profile's private login range of a /8", func(t *testing.T, in *HealthInput) {
			admin(in).LoginIPRanges = mustRanges(t, "203.0.113.10,10.0.0.0-10.255.255.255")
		}, "LOGIN_RANGE_WIDE_PRIVATE", SeverityLow, "10.0.0.0-10.255.255.255", "lgadmin profile set --org " + healthOrg + " --profile 00eADMIN --ip-ranges 203.0.113.10"},
		{"API enabled on a profile whose users never log in to the API", func(_ *testing.T, in *HealthInput) { sales(in).APILogins = 0 },
			"API_ENABLED_UNUSED", SeverityLow, "on; 0 API logins among the profile's last 10", "lgadmin profile set --org " + healthOrg + " --profile 00eSALES --api-enabled=false"},
		{"Manage IP Addresses with no policy", func(_ *testing.T, in *HealthInput) { delete(in.IdentityVerification, AreaIPAddresses) },
			"IDV_IP_ADDRESSES_NONE", SeverityMedium, "none", "lgadmin org set --org " + healthOrg + " --identity-verification manage-ip-addresses=raise"},
		{"Unlock Users and Reset Passwords with no policy", func(_ *testing.T, in *HealthInput) { delete(in.IdentityVerification, AreaUnlockUsers) },
			"IDV_UNLOCK_USERS_NONE", SeverityMedium, "none", "lgadmin org set --org " + healthOrg + " --identity-verification unlock-users=raise"},
		{"neither two-factor area with a policy", func(_ *testing.T, in *HealthInput) { delete(in.IdentityVerification, AreaTwoFactorAPI) },
			"IDV_TWO_FACTOR_NONE", SeverityMedium, "none", "lgadmin org set --org " + healthOrg + " --identity-verification two-factor-ui=raise,two-factor-api=raise"},
		{"Manage Password Policies with no policy", func(_ *testing.T, in *HealthInput) { delete(in.IdentityVerification, AreaPasswordPolicies) },
			"IDV_PASSWORD_POLICIES_NONE", SeverityLow, "none", "lgadmin org set --org " + healthOrg + " --identity-verification manage-password-policies=raise"},
		{"Manage Permission Sets and Profiles with no policy", func(_ *testing.T, in *HealthInput) { delete(in.IdentityVerification, AreaProfiles) },
			"IDV_PROFILES_NONE", SeverityLow, "none", "lgadmin org set --org " + healthOrg + " --identity-verification manage-profiles=raise"},
		{"Manage Connected Apps with no policy", func(_ *testing.T, in *HealthInput) { delete(in.IdentityVerification, AreaConnectedApps) },
			"IDV_CONNECTED_APPS_NONE", SeverityLow, "none", "lgadmin org set --org " + healthOrg + " --identity-verification manage-connected-apps=raise"},
		{"a profile without login hours is informational", func(_ *testing.T, in *HealthInput) { sales(in).LoginHours = LoginHours{} },
			"LOGIN_HOURS_NONE", SeverityInfo, "any time", "lgadmin profile set --org " + healthOrg + " --profile 00eSALES --login-hours 'mon=07:00-19:00,tue=07:00-19:00,wed=07:00-19:00,thu=07:00-19:00,fri=07:00-19:00,sat=00:00-00:00,sun=00:00-00:00'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := baselineOrg(t)
			tt.change(t, &in)
			rep := HealthCheck(in)
			var codes []string
			for _, f := range rep.Findings {
				codes = append(codes, f.Code)
			}
			if len(rep.Findings) != 1 || codes[0] != tt.code {
				t.Fatalf("findings %v; want only %s", codes, tt.code)
			}
			f := rep.Findings[0]
			if f.Severity != tt.severity || f.Current != tt.current || f.Fix != tt.fix || f.Why == "" || f.Setting == "" || f.Baseline == "" || f.Group == "" {
				t.Fatalf("%+v\nwant severity %s, current %q, fix %q", f, tt.severity, tt.current, tt.fix)
			}
			if strings.HasPrefix(f.Code, "LOGIN_") || strings.HasPrefix(f.Code, "ADMIN_") || strings.HasPrefix(f.Code, "API_") {
				if f.ProfileID == "" || f.Profile == "" {
					t.Fatalf("a profile's finding without its profile: %+v", f)
				}
			}
			for _, m := range rep.Met {
				if m.Code == f.Code && m.ProfileID == f.ProfileID {
					t.Fatalf("%s is both a finding and met", tt.code)
				}
			}
		})
	}
}

func TestFamiliarPlaceLockoutMakesUntilUnlockedSafe(t *testing.T) {
	in := baselineOrg(t)
	in.Lockout.Period, in.FamiliarPlaceLockout = 0, true
	if rep := HealthCheck(in); len(rep.Findings) != 0 || !hasCode(rep.Met, "LOCKOUT_UNTIL_UNLOCKED") {
		t.Fatalf("%+v", rep)
	}
}

func TestTheAdminHighAssuranceFixTurnsOnTwoFactorFirst(t *testing.T) {
	in := baselineOrg(t)
	in.Profiles[0].TwoFactorUI, in.Profiles[0].RequireHighAssurance = false, false
	for _, f := range HealthCheck(in).Findings {
		if f.Code == "ADMIN_HIGH_ASSURANCE_OFF" && f.Fix != "lgadmin profile set --org "+healthOrg+" --profile 00eADMIN --two-factor-ui --require-high-assurance" {
			t.Fatalf("fix %q: High Assurance at login needs a two-factor login", f.Fix)
		}
	}
}

func TestChecksWithoutDataDoNotApply(t *testing.T) {
	in := baselineOrg(t)
	in.Profiles[1].Logins, in.Profiles[1].APILogins = 0, 0 // no login history
	in.Profiles[1].Users, in.Profiles[1].WithoutTOTP = 0, nil
	rep := HealthCheck(in)
	for _, code := range []string{"API_ENABLED_UNUSED", "TWO_FACTOR_KEYS_MISSING", "TWO_FACTOR_UI_OFF"} {
		for _, m := range rep.Met {
			if m.Code == code && m.ProfileID == "00eSALES" {
				t.Errorf("%s applied to a profile with no users or no history", code)
			}
		}
	}
	if rep.Score != 100 || len(rep.Findings) != 0 {
		t.Fatalf("%+v", rep)
	}
}

// The baseline org's scored checks weigh 60: session 16 (lockout 4+2+2,
// timeout 2, IP lock 1, remember me 1, password level 4), passwords 8
// (common 4, length 2, history 2, expiry 0), trusted ranges 5, identity
// verification 9 (IP addresses, unlock, two-factor 2 each; password
// policies, profiles, connected apps 1 each), the admin profile 13
// (two-factor 4, High Assurance 2, keys 2, ranges 5) and the sales
// profile 9 (two-factor 1, keys 2, ranges 5, API 1).
func TestTheScoreIsTheWeightedShareMet(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, in *HealthInput)
		score  int
	}{
		{"a low finding: 59 of 60", func(_ *testing.T, in *HealthInput) { in.RememberMe = true }, 98},
		{"a medium finding: 58 of 60", func(_ *testing.T, in *HealthInput) { in.SessionTimeout = 8 * time.Hour }, 96},
		{"a high finding: 56 of 60", func(_ *testing.T, in *HealthInput) { in.Password.BlockCommon = false }, 93},
		{"an informational finding counts nothing", func(_ *testing.T, in *HealthInput) { in.Password.ExpiryDays = 30 }, 100},
		{"two wide ranges of one list count once: 56 of 60", func(t *testing.T, in *HealthInput) {
			in.TrustedRanges = mustRanges(t, "0.0.0.0-255.255.255.255,192.0.2.0-192.0.3.255")
		}, 93},
		{"no lockout: the attempts check no longer applies, 54 of 58", func(_ *testing.T, in *HealthInput) { in.Lockout.MaxAttempts = 0 }, 93},
		{"high, medium and low together: 53 of 60, rounded down", func(_ *testing.T, in *HealthInput) {
			in.RememberMe, in.Password.History, in.Password.BlockCommon = true, 1, false
		}, 88},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := baselineOrg(t)
			tt.change(t, &in)
			if rep := HealthCheck(in); rep.Score != tt.score || rep.Grade != Grade(tt.score) {
				t.Fatalf("score %d (%s); want %d", rep.Score, rep.Grade, tt.score)
			}
		})
	}
}

func TestAnOrgWithEveryRiskScoresLow(t *testing.T) {
	in := HealthInput{OrgID: healthOrg, SessionTimeout: 24 * time.Hour, RememberMe: true,
		Levels: map[Method]Level{MethodPassword: LevelHighAssurance}, TrustedRanges: mustRanges(t, "0.0.0.0-255.255.255.255"),
		Password: PasswordPolicy{MinLength: 8, ExpiryDays: 365},
		Profiles: []HealthProfile{{ID: "00eADMIN", Name: "Admins", ManageUsers: true, APIEnabled: true, Users: 3, Logins: 5,
			WithoutTOTP: []string{"a@x.example"}}}}
	rep := HealthCheck(in)
	if rep.Score > 33 || rep.Grade != "Very Poor" {
		t.Fatalf("score %d %s", rep.Score, rep.Grade)
	}
	for i := 1; i < len(rep.Findings); i++ {
		if HealthWeights[rep.Findings[i-1].Severity] < HealthWeights[rep.Findings[i].Severity] {
			t.Fatalf("findings not most severe first: %+v", rep.Findings)
		}
	}
}

func TestGrades(t *testing.T) {
	for score, want := range map[int]string{100: "Excellent", 90: "Excellent", 89: "Very Good", 80: "Very Good", 79: "Good", 70: "Good", 69: "Poor", 55: "Poor", 54: "Very Poor", 0: "Very Poor"} {
		if got := Grade(score); got != want {
			t.Errorf("Grade(%d) = %s; want %s", score, got, want)
		}
	}
}

func TestTheReportReadsAsJSONForAPage(t *testing.T) {
	in := baselineOrg(t)
	in.Lockout.MaxAttempts = 10
	b, err := json.Marshal(HealthCheck(in))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"score":96`, `"grade":"Excellent"`, `"code":"LOCKOUT_ATTEMPTS_HIGH"`, `"severity":"MEDIUM"`,
		`"fix":"lgadmin org set --org 00D000000000001 --lockout-max 5"`, `"met":[`, `"builtIn":true`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("no %s in %s", want, b)
		}
	}
}

// One of an action's areas with a policy guards it (enforcement takes the
// strictest): the check is met, and names the area that guards.
func TestOneTwoFactorAreaWithAPolicyMeetsTheCheck(t *testing.T) {
	in := baselineOrg(t)
	in.IdentityVerification[AreaTwoFactorUI] = ActionBlock
	delete(in.IdentityVerification, AreaTwoFactorAPI)
	rep := HealthCheck(in)
	for _, m := range rep.Met {
		if m.Code == "IDV_TWO_FACTOR_NONE" && m.Current == "Block (Manage Two-Factor Authentication in User Interface)" && len(rep.Findings) == 0 {
			return
		}
	}
	t.Fatalf("%+v", rep)
}
