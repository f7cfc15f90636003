package admin_test

import (
	"errors"
	"testing"
	"time"

	"loginguard/internal/testenv"
	"loginguard/shared/admin"
	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

func TestHealthCheckReadsTheOrgItsProfilesUsersAndHistory(t *testing.T) {
	svc, st, _ := newService(t)
	ctx := testenv.Context(t)
	settings := admin.DefaultOrgSettings() // 10 attempts: one finding
	// Every guarded area but Unlock Users: one finding.
	settings.IdentityVerification = map[policy.Area]policy.Action{policy.AreaIPAddresses: policy.ActionRaise,
		policy.AreaTwoFactorUI: policy.ActionBlock, policy.AreaPasswordPolicies: policy.ActionRaise,
		policy.AreaProfiles: policy.ActionRaise, policy.AreaConnectedApps: policy.ActionRaise}
	o, err := svc.CreateOrg(ctx, admin.CLI, admin.NewOrg{Name: "Acme", Settings: settings})
	if err != nil {
		t.Fatal(err)
	}
	admins, err := svc.CreateProfile(ctx, admin.CLI, o.ID, "Admins", func(_ domain.Org, s *domain.ProfileSettings) error {
		s.ManageUsers, s.TwoFactorUI = true, true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sales, err := svc.CreateProfile(ctx, admin.CLI, o.ID, "Sales", func(_ domain.Org, s *domain.ProfileSettings) error {
		s.APIEnabled, s.TwoFactorUI = true, true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	boss := testenv.SeedUser(t, st, o, admins, testenv.User(func(u *domain.User) { u.TOTPSealed = "sealed" }))
	testenv.SeedUser(t, st, o, admins, testenv.User(func(u *domain.User) { u.Active = false })) // inactive: not counted
	rep := testenv.SeedUser(t, st, o, sales)
	if err := st.Record(ctx, domain.LoginEvent{At: time.Now(), OrgID: o.ID, UserID: rep.User.ID, Username: rep.User.Username,
		LoginType: policy.LoginUI, Reason: string(policy.ReasonAllowed), Allowed: true}); err != nil {
		t.Fatal(err)
	}
	if err := st.Record(ctx, domain.LoginEvent{At: time.Now(), OrgID: o.ID, UserID: boss.User.ID, Username: boss.User.Username,
		LoginType: policy.LoginSOAP, Reason: string(policy.ReasonAllowed), Allowed: true}); err != nil {
		t.Fatal(err)
	}

	got, err := svc.HealthCheck(ctx, admin.CLI, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	findings := map[string]policy.HealthFinding{}
	for _, f := range got.Findings {
		findings[f.Code+" "+f.Profile] = f
	}
	want := map[string]string{
		"LOCKOUT_ATTEMPTS_HIGH ":          "lgadmin org set --org " + o.ID + " --lockout-max 5",
		"LOCK_SESSIONS_TO_IP_OFF ":        "lgadmin org set --org " + o.ID + " --lock-sessions-to-ip",
		"PASSWORD_MIN_LENGTH_SHORT ":      "lgadmin org set --org " + o.ID + " --password-min-length 12",
		"ADMIN_HIGH_ASSURANCE_OFF Admins": "lgadmin profile set --org " + o.ID + " --profile " + admins.ID + " --require-high-assurance",
		"TWO_FACTOR_KEYS_MISSING Sales":   "lgadmin user totp-register --user " + rep.User.Username,
		"API_ENABLED_UNUSED Sales":        "lgadmin profile set --org " + o.ID + " --profile " + sales.ID + " --api-enabled=false",
		"HIGH_ASSURANCE_POLICIES_NONE ":   "lgadmin org set --org " + o.ID + " --high-assurance reports=raise",
		"IDV_UNLOCK_USERS_NONE ":          "lgadmin org set --org " + o.ID + " --identity-verification unlock-users=raise",
		"LOGIN_HOURS_NONE Admins":         "",
		"LOGIN_HOURS_NONE Sales":          "",
	}
	for key, fix := range want {
		f, ok := findings[key]
		if !ok {
			t.Errorf("no finding %q in %+v", key, got.Findings)
			continue
		}
		if fix != "" && f.Fix != fix {
			t.Errorf("%s: fix %q; want %q", key, f.Fix, fix)
		}
	}
	if len(findings) != len(want) {
		t.Errorf("findings %v; want %v", findings, want)
	}
	// The admins' only active user has a key; the inactive one does not count.
	for _, m := range got.Met {
		if m.Code == "TWO_FACTOR_KEYS_MISSING" && m.Profile == "Admins" && m.Current != "1 of 1 users have a TOTP key" {
			t.Errorf("admins' coverage %q", m.Current)
		}
	}
	if got.Score <= 0 || got.Score >= 100 || got.Grade != policy.Grade(got.Score) {
		t.Fatalf("score %d %s", got.Score, got.Grade)
	}

	if _, err := svc.HealthCheck(ctx, admin.CLI, "00D000000000xyz"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("an unknown org: %v", err)
	}
}
