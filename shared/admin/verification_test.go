package admin_test

import (
	"errors"
	"strings"
	"testing"

	"loginguard/internal/testenv"
	"loginguard/shared/account"
	"loginguard/shared/admin"
	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

// The org's identity-verification policies, enforced in the admin use case
// itself: a Standard session holding the permission is refused where the
// org says Block and asked to step up where it says Raise (both audited); a
// High Assurance session and the CLI pass; actions no area guards pass.
func TestIdentityVerificationPoliciesGuardTheAdminUseCase(t *testing.T) {
	svc, st, _ := newService(t)
	ctx := testenv.Context(t)
	o := testenv.SeedOrg(t, st, func(o *domain.Org) {
		o.IdentityVerification = map[policy.Area]policy.Action{
			policy.AreaIPAddresses: policy.ActionRaise, policy.AreaUnlockUsers: policy.ActionBlock,
			policy.AreaTwoFactorAPI: policy.ActionBlock, policy.AreaHealthCheck: policy.ActionRaise,
			policy.AreaEventLogFiles: policy.ActionBlock, policy.AreaProfiles: policy.ActionRaise,
			policy.AreaConnectedApps: policy.ActionBlock,
		}
	})
	adminProfile := testenv.SeedProfile(t, st, o, func(p *domain.Profile) { p.ManageUsers, p.CustomizeApplication = true, true })
	adminUser := testenv.SeedUser(t, st, o, adminProfile).User
	standard := account.Actor{User: adminUser, IP: "203.0.113.7", Via: "UI", Level: policy.LevelStandard}
	unknownLevel := account.Actor{User: adminUser, IP: "203.0.113.7", Via: "UI"}
	high := account.Actor{User: adminUser, IP: "203.0.113.7", Via: "UI", Level: policy.LevelHighAssurance}
	plain := testenv.SeedProfile(t, st, o)
	target := testenv.SeedUser(t, st, o, plain).User

	req := newRequests(ctx, svc, o, target)
	ranges, timeout, history, unlock, endSessions, app := req.ranges, req.timeout, req.history, req.unlock, req.endSessions, req.app
	lift := func(a account.Actor) error {
		_, err := svc.UpdateOrg(ctx, a, o.ID, func(s *domain.OrgSettings) error {
			s.IdentityVerification = policy.ApplyActions(s.IdentityVerification, map[policy.Area]policy.Action{policy.AreaIPAddresses: ""})
			return nil
		})
		return err
	}
	removeTOTP := func(a account.Actor) error { _, err := svc.RemoveTOTP(ctx, a, target.Username); return err }
	health := func(a account.Actor) error { _, err := svc.HealthCheck(ctx, a, o.ID); return err }
	export := func(a account.Actor) error {
		_, err := svc.History(ctx, a, admin.HistoryQuery{Org: o.ID, Limit: 10, Export: true})
		return err
	}
	profile := func(a account.Actor) error {
		_, err := svc.UpdateProfile(ctx, a, o.ID, plain.ID, func(_ domain.Org, s *domain.ProfileSettings) error { s.TwoFactorUI = !s.TwoFactorUI; return nil })
		return err
	}
	tests := []struct {
		name   string
		actor  account.Actor
		do     func(account.Actor) error
		action policy.AdminAction
		code   string      // "": allowed
		area   policy.Area // the area named
	}{
		{"raise asks a Standard session to step up before Manage IP Addresses", standard, ranges, policy.AdminNetworkAccess, domain.CodeHighAssuranceRequired, policy.AreaIPAddresses},
		{"a session of no level is Standard", unknownLevel, ranges, policy.AdminNetworkAccess, domain.CodeHighAssuranceRequired, policy.AreaIPAddresses},
		{"a Standard session cannot lift the policy it would meet", standard, lift, policy.AdminNetworkAccess, domain.CodeHighAssuranceRequired, policy.AreaIPAddresses},
		{"block refuses a Standard session Unlock Users", standard, unlock, policy.AdminUnlockReset, domain.CodeNotPermitted, policy.AreaUnlockUsers},
		{"block on two-factor in the API refuses removing a TOTP key", standard, removeTOTP, policy.AdminTwoFactor, domain.CodeNotPermitted, policy.AreaTwoFactorAPI},
		{"raise on View Health Check", standard, health, policy.AdminHealthCheck, domain.CodeHighAssuranceRequired, policy.AreaHealthCheck},
		{"block on View Event Log Files refuses the export", standard, export, policy.AdminExportHistory, domain.CodeNotPermitted, policy.AreaEventLogFiles},
		{"raise on profiles", standard, profile, policy.AdminProfiles, domain.CodeHighAssuranceRequired, policy.AreaProfiles},
		{"block on connected apps", standard, app, policy.AdminConnectedApps, domain.CodeNotPermitted, policy.AreaConnectedApps},
		{"a Standard session changes session settings (no area)", standard, timeout, "", "", ""},
		{"a Standard session reads login history (not the export)", standard, history, "", "", ""},
		{"a Standard session ends sessions (no area)", standard, endSessions, "", "", ""},
		{"High Assurance changes network access", high, ranges, "", "", ""},
		{"High Assurance unlocks", high, unlock, "", "", ""},
		{"High Assurance removes a TOTP key", high, removeTOTP, "", "", ""},
		{"High Assurance views Health Check", high, health, "", "", ""},
		{"High Assurance exports history", high, export, "", "", ""},
		{"High Assurance creates an app", high, app, "", "", ""},
		{"the CLI unlocks", cli, unlock, "", "", ""},
		{"the CLI exports history", cli, export, "", "", ""},
		{"the CLI views Health Check", cli, health, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do(tt.actor)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var e *domain.Error
			if !errors.As(err, &e) || e.Code != tt.code || !strings.Contains(e.Message, `"`+tt.area.Name()+`"`) ||
				!strings.Contains(e.Message, "High Assurance session") {
				t.Fatalf("got %v; want %s naming %q", err, tt.code, tt.area.Name())
			}
			if raise := tt.code == domain.CodeHighAssuranceRequired; raise && e.Area != tt.area || !raise && e.Area != "" {
				t.Errorf("Area = %q, want the step-up's resource %q only for a raise", e.Area, tt.area)
			}
			trail, err := svc.AuditTrail(ctx, cli, o.ID, 1)
			if err != nil {
				t.Fatal(err)
			}
			if len(trail) != 1 || trail[0].Action != string(tt.action) || trail[0].Outcome != tt.code || trail[0].ActorID != adminUser.ID || trail[0].Via != "UI" {
				t.Fatalf("audit trail %+v; want %s refused with %s", trail, tt.action, tt.code)
			}
		})
	}

	// The CLI lifts a policy; once the admin's copy carries it, the
	// Standard session passes there.
	if err := lift(cli); err != nil {
		t.Fatal(err)
	}
	u, err := svc.User(ctx, cli, adminUser.Username)
	if err != nil {
		t.Fatal(err)
	}
	if err := ranges(account.Actor{User: u, Via: "UI", Level: policy.LevelStandard}); err != nil {
		t.Fatalf("after the policy was lifted: %v", err)
	}
}

// The org's policies are validated: an unknown area or action is refused.
func TestIdentityVerificationPoliciesAreValidated(t *testing.T) {
	svc, st, _ := newService(t)
	ctx := testenv.Context(t)
	o := testenv.SeedOrg(t, st)
	_, err := svc.UpdateOrg(ctx, cli, o.ID, func(s *domain.OrgSettings) error {
		s.IdentityVerification = map[policy.Area]policy.Action{"reports": policy.ActionBlock}
		return nil
	})
	if code(err) != domain.CodeInvalidField {
		t.Fatalf("an unknown area: %v", err)
	}
	got, err := svc.UpdateOrg(ctx, cli, o.ID, func(s *domain.OrgSettings) error {
		s.IdentityVerification = map[policy.Area]policy.Action{policy.AreaUnlockUsers: policy.ActionRaise}
		return nil
	})
	if err != nil || got.IdentityVerification[policy.AreaUnlockUsers] != policy.ActionRaise {
		t.Fatalf("stored: %+v, %v", got.IdentityVerification, err)
	}
}
