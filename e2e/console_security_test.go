package e2e

import (
	"context"
	"crypto/rand"
	"slices"
	"testing"

	"loginguard/shared/admin"
	"loginguard/shared/domain"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
)

// The console's security pages in headless Chromium (e2e/js/console-security.mjs):
// Network Access, Password Policies, Identity Verification and Health
// Check, with the seed's identity-verification policies met by a Standard
// session (Raise: the step-up page and back; Block: refused).

// customizer is a profile with Customize Application.
func customizer(p *domain.Profile) { p.CustomizeApplication = true }

// ruleText is the text of the policy's refusal of the range start to end.
func ruleText(t *testing.T, start, end string) string {
	t.Helper()
	_, err := policy.ParseIPRange(start, end)
	if err == nil {
		t.Fatalf("%s to %s is a valid range", start, end)
	}
	return err.Error()
}

// storedOrg is the org a as stored now.
func (s *stack) storedOrg(t *testing.T, a account) domain.Org {
	t.Helper()
	o, err := s.st.Org(context.Background(), a.org.ID)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// withTOTPKey registers a TOTP key for a's user and returns its secret.
func (s *stack) withTOTPKey(t *testing.T, a account) string {
	t.Helper()
	ctx := context.Background()
	u, err := s.st.User(ctx, a.username)
	if err != nil {
		t.Fatal(err)
	}
	k, err := secret.NewTOTPKey("e2e", a.username, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := s.sealer.Seal(ctx, k.Secret(), u.ID, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.st.SetTOTPKey(ctx, a.username, sealed); err != nil {
		t.Fatal(err)
	}
	return k.Secret()
}

// ipPolicy is an org whose "Manage IP Addresses" policy is act.
func ipPolicy(act policy.Action) func(*domain.Org) {
	return func(o *domain.Org) {
		o.IdentityVerification = map[policy.Area]policy.Action{policy.AreaIPAddresses: act}
	}
}

func TestConsoleSecurity(t *testing.T) {
	s := startStack(t)
	ctx := context.Background()

	t.Run("Network Access: ranges added, edited, deleted and read back; an invalid range refused with the seed's rule", func(t *testing.T) {
		a := s.account(t, nil, customizer)
		s.console(t, "network-access", a, map[string]any{
			"startAfterEnd": ruleText(t, "198.51.100.20", "198.51.100.10"),
			"mixedFamilies": ruleText(t, "198.51.100.1", "2001:db8::1"),
		})
		o := s.storedOrg(t, a)
		if got := o.TrustedRanges.String(); got != "203.0.113.0-203.0.113.127" {
			t.Fatalf("stored trusted ranges %q; want the edited range alone", got)
		}
		// Each add, edit and delete was one write; refusals wrote nothing.
		if o.Version != a.org.Version+4 {
			t.Fatalf("org version %d → %d; want 4 writes (2 adds, an edit, a delete)", a.org.Version, o.Version)
		}
	})

	t.Run("Network Access read-only with View Setup: a forged change refused, nothing stored", func(t *testing.T) {
		a := s.account(t, func(o *domain.Org) { o.TrustedRanges, _ = policy.ParseIPRanges("203.0.113.0-203.0.113.15") },
			func(p *domain.Profile) { p.ViewSetup = true })
		s.console(t, "network-access-read-only", a, map[string]any{"range": "203.0.113.0-203.0.113.15"})
		if o := s.storedOrg(t, a); o.Version != a.org.Version || len(o.TrustedRanges) != 1 {
			t.Fatalf("a forged change was stored: ranges %q, version %d → %d", o.TrustedRanges, a.org.Version, o.Version)
		}
	})

	t.Run("Password Policies: changed and read back, a length out of range refused with its rule", func(t *testing.T) {
		a := s.account(t, nil, customizer)
		bad := policy.DefaultPasswordPolicy
		bad.MinLength = 7
		s.console(t, "password-policies", a, map[string]any{"lengthError": bad.Validate().Error()})
		p := s.storedOrg(t, a).Password
		want := policy.PasswordPolicy{MinLength: 14, Complexity: policy.ComplexityAlphaNumeric, History: 5, ExpiryDays: 90, BlockCommon: false}
		if p != want {
			t.Fatalf("stored password policy %+v; want %+v", p, want)
		}
	})

	t.Run("Identity Verification: each area's policy set from the page", func(t *testing.T) {
		a := s.account(t, nil, func(p *domain.Profile) { p.CustomizeApplication, p.ManageUsers = true, true })
		s.console(t, "identity-verification", a, nil)
		got := s.storedOrg(t, a).IdentityVerification
		want := policy.ActionsText(map[policy.Area]policy.Action{policy.AreaIPAddresses: policy.ActionRaise,
			policy.AreaUnlockUsers: policy.ActionBlock, policy.AreaHealthCheck: policy.ActionRaise})
		if policy.ActionsText(got) != want {
			t.Fatalf("stored policies %q; want %q", policy.ActionsText(got), want)
		}
	})

	t.Run("Raise: a Standard session steps up with TOTP before Manage IP Addresses, then saves", func(t *testing.T) {
		a := s.account(t, ipPolicy(policy.ActionRaise), customizer)
		key := s.withTOTPKey(t, a)
		s.console(t, "ip-raise", a, map[string]any{"totpKey": key, "areaName": policy.AreaIPAddresses.Name()})
		if got := s.storedOrg(t, a).TrustedRanges.String(); got != "192.0.2.0-192.0.2.63" {
			t.Fatalf("stored trusted ranges %q after the step-up", got)
		}
		if !slices.ContainsFunc(s.history(t, a), func(e domain.LoginEvent) bool {
			return e.Reason == "STEP_UP" && e.Allowed && e.Via == string(policy.ViaTOTP)
		}) {
			t.Fatalf("history should record the TOTP step-up: %+v", s.history(t, a))
		}
	})

	t.Run("Block: a Standard session is refused Manage IP Addresses with a 403 naming the policy; nothing stored", func(t *testing.T) {
		a := s.account(t, ipPolicy(policy.ActionBlock), customizer)
		s.console(t, "ip-block", a, map[string]any{"blockText": policy.VerificationRefusal(policy.AreaIPAddresses, false)})
		if o := s.storedOrg(t, a); len(o.TrustedRanges) != 0 || o.Version != a.org.Version {
			t.Fatalf("a blocked change was stored: ranges %q, version %d → %d", o.TrustedRanges, a.org.Version, o.Version)
		}
		trail, err := s.st.AuditTrail(ctx, a.org.ID, 20)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(trail, func(e domain.AuditEvent) bool {
			return e.Action == string(policy.AdminNetworkAccess) && e.Outcome == domain.CodeNotPermitted
		}) {
			t.Fatalf("the refusal should be in the audit trail: %+v", trail)
		}
	})

	t.Run("Health Check: the score and a finding; fixing it in the console raises the score", func(t *testing.T) {
		// No API: the score then depends on the settings alone, not on the
		// history the browser's own login adds.
		a := s.account(t, func(o *domain.Org) { o.Password.BlockCommon = false },
			func(p *domain.Profile) { p.CustomizeApplication, p.APIEnabled = true, false })
		before := s.healthScore(t, a, nil)
		after := s.healthScore(t, a, func(o *domain.Org) { o.Password.BlockCommon = true })
		if after <= before {
			t.Fatalf("the fix should raise the score: %d → %d", before, after)
		}
		s.console(t, "health-check", a, map[string]any{"scoreBefore": before, "scoreAfter": after})
		if !s.storedOrg(t, a).Password.BlockCommon {
			t.Fatal("the fix was not stored")
		}
	})
}

// healthScore is Health Check's score of a's org as stored, changed by
// edit (nil: as it is), scored without login history.
func (s *stack) healthScore(t *testing.T, a account, edit func(*domain.Org)) int {
	t.Helper()
	ctx := context.Background()
	o := s.storedOrg(t, a)
	ps, err := s.st.Profiles(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	us, err := s.st.UsersOfOrg(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(&o)
	}
	return policy.HealthCheck(admin.HealthInput(o, ps, us, nil)).Score
}
