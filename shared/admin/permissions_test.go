package admin_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"loginguard/internal/testenv"
	"loginguard/shared/account"
	"loginguard/shared/admin"
	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

// Each admin request as a signed-in user of each set of permissions: what
// is refused names the missing permission and is in the audit trail of the
// user's org; the CLI may do everything.
func TestEveryAdminRequestChecksTheActorsPermission(t *testing.T) {
	svc, st, _ := newService(t)
	ctx := testenv.Context(t)
	o := testenv.SeedOrg(t, st)
	other := testenv.SeedOrg(t, st)
	member := func(org domain.Org, ps policy.Permissions) account.Actor {
		p := testenv.SeedProfile(t, st, org, func(p *domain.Profile) {
			p.ViewSetup, p.ManageUsers, p.CustomizeApplication = ps.ViewSetup, ps.ManageUsers, ps.CustomizeApplication
		})
		return account.Actor{User: testenv.SeedUser(t, st, org, p).User, IP: "203.0.113.7", Via: "UI"}
	}
	nobody := member(o, policy.Permissions{})
	viewer := member(o, policy.Permissions{ViewSetup: true})
	usersAdmin := member(o, policy.Permissions{ManageUsers: true})
	orgAdmin := member(o, policy.Permissions{CustomizeApplication: true})
	outsider := member(other, policy.Permissions{ManageUsers: true, CustomizeApplication: true})
	plainProfile := testenv.SeedProfile(t, st, o)
	powerful := testenv.SeedProfile(t, st, o, func(p *domain.Profile) { p.CustomizeApplication = true })
	target := testenv.SeedUser(t, st, o, plainProfile).User

	req := newRequests(ctx, svc, o, target)
	timeout, ranges := req.timeout, req.ranges
	// An edit that finds nothing to change: only a permitted actor learns it.
	oneRange := func(a account.Actor) error {
		_, err := svc.UpdateTrustedRanges(ctx, a, o.ID, func(policy.IPRanges) (policy.IPRanges, error) { return nil, domain.ErrNotFound })
		if errors.Is(err, domain.ErrNotFound) {
			return nil
		}
		return err
	}
	hours := func(a account.Actor) error {
		_, err := svc.UpdateProfile(ctx, a, o.ID, plainProfile.ID, func(_ domain.Org, s *domain.ProfileSettings) error { s.TwoFactorUI = true; return nil })
		return err
	}
	grant := func(a account.Actor) error {
		_, err := svc.UpdateProfile(ctx, a, o.ID, plainProfile.ID, func(_ domain.Org, s *domain.ProfileSettings) error { s.CustomizeApplication = true; return nil })
		return err
	}
	newUser := func(p domain.Profile) func(a account.Actor) error {
		return func(a account.Actor) error {
			_, err := svc.CreateUser(ctx, a, admin.NewUser{OrgID: o.ID, ProfileID: p.ID, Username: "new." + p.ID + "@acme.example", Password: "Long-enough-1"})
			return err
		}
	}
	read := func(a account.Actor) error {
		if _, err := svc.Org(ctx, a, o.ID); err != nil {
			return err
		}
		if _, err := svc.Profiles(ctx, a, o.ID); err != nil {
			return err
		}
		if _, err := svc.User(ctx, a, target.Username); err != nil {
			return err
		}
		_, err := svc.Users(ctx, a, o.ID)
		return err
	}
	history, unlock, endSessions, app := req.history, req.unlock, req.endSessions, req.app
	audit := func(a account.Actor) error { _, err := svc.AuditTrail(ctx, a, o.ID, 10); return err }
	createOrg := func(a account.Actor) error {
		_, err := svc.CreateOrg(ctx, a, admin.NewOrg{Name: "Mine", Settings: admin.DefaultOrgSettings()})
		return err
	}
	tried := func(a account.Actor) error {
		_, err := svc.History(ctx, a, admin.HistoryQuery{Tried: "nobody@acme.example", Limit: 10})
		return err
	}

	const (
		customize = `You need the "Customize Application" permission to change the org's session settings.`
		network   = `You need the "Customize Application" permission to change the org's network access.`
		manage    = `"Manage Users" permission`
		view      = `"View Setup" permission`
	)
	tests := []struct {
		name   string
		actor  account.Actor
		do     func(account.Actor) error
		action policy.AdminAction
		says   string // "": allowed
	}{
		{"no permission cannot read setup", nobody, read, policy.AdminReadSetup, view},
		{"no permission cannot read login history", nobody, history, policy.AdminReadHistory, view},
		{"no permission cannot change the session settings", nobody, timeout, policy.AdminOrgSettings, customize},
		{"View Setup reads setup", viewer, read, "", ""},
		{"View Setup reads login history", viewer, history, "", ""},
		{"View Setup reads the audit trail", viewer, audit, "", ""},
		{"View Setup cannot change the session settings", viewer, timeout, policy.AdminOrgSettings, customize},
		{"View Setup cannot change network access", viewer, ranges, policy.AdminNetworkAccess, network},
		{"no permission is refused a range edit before the list is read", nobody, oneRange, policy.AdminNetworkAccess, network},
		{"View Setup cannot unlock a user", viewer, unlock, policy.AdminUnlockReset, manage},
		{"View Setup cannot change a profile", viewer, hours, policy.AdminProfiles, manage},
		{"View Setup cannot create a connected app", viewer, app, policy.AdminConnectedApps, `"Customize Application" permission to manage connected apps`},
		{"Manage Users unlocks a user", usersAdmin, unlock, "", ""},
		{"Manage Users ends a user's sessions", usersAdmin, endSessions, "", ""},
		{"Manage Users changes a profile", usersAdmin, hours, "", ""},
		{"Manage Users creates a user of a profile it could have made", usersAdmin, newUser(plainProfile), "", ""},
		{"Manage Users alone cannot grant Customize Application", usersAdmin, grant, policy.AdminProfiles,
			`You need the "Customize Application" permission to grant or remove it.`},
		{"Manage Users alone cannot create a user with Customize Application", usersAdmin, newUser(powerful), policy.AdminUsers, `"Customize Application"`},
		{"Manage Users cannot change the session settings", usersAdmin, timeout, policy.AdminOrgSettings, customize},
		{"Customize Application changes the session settings", orgAdmin, timeout, "", ""},
		{"Customize Application changes network access", orgAdmin, ranges, "", ""},
		{"Customize Application edits one range", orgAdmin, oneRange, "", ""},
		{"Customize Application creates a connected app", orgAdmin, app, "", ""},
		{"Customize Application reads setup", orgAdmin, read, "", ""},
		{"Customize Application cannot unlock a user", orgAdmin, unlock, policy.AdminUnlockReset, manage},
		{"a user cannot create an org", orgAdmin, createOrg, policy.AdminCreateOrg, `"Operator" permission`},
		{"a user cannot read the history of names that matched nobody", orgAdmin, tried, policy.AdminReadHistory, "belongs to no org"},
		{"another org's admin cannot unlock a user", outsider, unlock, policy.AdminUnlockReset, "only your own org"},
		{"another org's admin cannot change the session settings", outsider, timeout, policy.AdminOrgSettings, "only your own org"},
		{"the CLI changes the session settings", cli, timeout, "", ""},
		{"the CLI grants any permission", cli, grant, "", ""},
		{"the CLI creates an org", cli, createOrg, "", ""},
		{"the CLI reads the history of names that matched nobody", cli, tried, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do(tt.actor)
			if tt.says == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var e *domain.Error
			if !errors.As(err, &e) || e.Code != domain.CodeNotPermitted || !strings.Contains(e.Message, tt.says) {
				t.Fatalf("got %v; want %s saying %q", err, domain.CodeNotPermitted, tt.says)
			}
			if !audited(ctx, t, svc, tt.actor, tt.action) {
				t.Fatalf("the refusal of %s is not in the audit trail of %s's org", tt.action, tt.actor.User.Username)
			}
		})
	}
}

// audited reports whether the newest line of a's org's audit trail is a's
// refusal of act.
func audited(ctx context.Context, t *testing.T, svc *admin.Service, a account.Actor, act policy.AdminAction) bool {
	t.Helper()
	trail, err := svc.AuditTrail(ctx, cli, a.User.OrgID, 1)
	if err != nil {
		t.Fatal(err)
	}
	return len(trail) == 1 && trail[0].Action == string(act) && trail[0].Outcome == domain.CodeNotPermitted &&
		trail[0].ActorID == a.User.ID && trail[0].Actor == a.User.Username && trail[0].IP == a.IP && trail[0].Via == "UI"
}

// A refused change stores nothing.
func TestARefusedChangeStoresNothing(t *testing.T) {
	svc, st, _ := newService(t)
	ctx := testenv.Context(t)
	o := testenv.SeedOrg(t, st)
	viewer := account.Actor{Via: "UI", User: testenv.SeedUser(t, st, o, testenv.SeedProfile(t, st, o, func(p *domain.Profile) { p.ViewSetup = true })).User}
	if _, err := svc.UpdateOrg(ctx, viewer, o.ID, func(s *domain.OrgSettings) error { s.LockSessionsToIP = true; return nil }); code(err) != domain.CodeNotPermitted {
		t.Fatalf("update: %v", err)
	}
	if after, err := svc.Org(ctx, viewer, o.ID); err != nil || after.Version != o.Version || after.LockSessionsToIP {
		t.Fatalf("after a refused change: %+v %v", after, err)
	}
}

// requests are admin requests on org o (and its user target) that more
// than one test makes as several actors.
type requests struct {
	timeout, ranges, history, unlock, endSessions, app func(account.Actor) error
}

func newRequests(ctx context.Context, svc *admin.Service, o domain.Org, target domain.User) requests {
	return requests{
		timeout: func(a account.Actor) error {
			_, err := svc.UpdateOrg(ctx, a, o.ID, func(s *domain.OrgSettings) error { s.SessionTimeout = time.Hour; return nil })
			return err
		},
		ranges: func(a account.Actor) error {
			_, err := svc.UpdateOrg(ctx, a, o.ID, func(s *domain.OrgSettings) error {
				var err error
				s.TrustedRanges, err = policy.ParseIPRanges("198.51.100.0-198.51.100.255")
				return err
			})
			return err
		},
		history: func(a account.Actor) error {
			_, err := svc.History(ctx, a, admin.HistoryQuery{Org: o.ID, Limit: 10})
			return err
		},
		unlock:      func(a account.Actor) error { _, err := svc.Unlock(ctx, a, target.Username); return err },
		endSessions: func(a account.Actor) error { _, err := svc.EndUserSessions(ctx, a, target.Username); return err },
		app: func(a account.Actor) error {
			_, err := svc.CreateApp(ctx, a, o.ID, admin.AppSpec{Name: "Tool", OAuth: policy.DefaultOAuthApp})
			return err
		},
	}
}
