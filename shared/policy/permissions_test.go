package policy

import (
	"strings"
	"testing"
)

// Every action against every set of permissions: what each set may do.
func TestPermissionsAllowEachAction(t *testing.T) {
	read := []AdminAction{AdminReadSetup, AdminReadHistory, AdminReadAudit, AdminExportHistory, AdminHealthCheck}
	users := []AdminAction{AdminProfiles, AdminUsers, AdminTwoFactor, AdminUnlockReset, AdminSessions}
	org := []AdminAction{AdminOrgSettings, AdminNetworkAccess, AdminPasswordPolicy, AdminConnectedApps}
	join := func(lists ...[]AdminAction) []AdminAction {
		var out []AdminAction
		for _, l := range lists {
			out = append(out, l...)
		}
		return out
	}
	tests := []struct {
		name    string
		ps      Permissions
		allowed []AdminAction
	}{
		{"no permission allows nothing", Permissions{}, nil},
		{"View Setup reads and changes nothing", Permissions{ViewSetup: true}, read},
		{"Manage Users reads and manages users, profiles and sessions", Permissions{ManageUsers: true}, join(read, users)},
		{"Customize Application reads and changes org settings and apps", Permissions{CustomizeApplication: true}, join(read, org)},
		{"View Setup adds nothing to Manage Users", Permissions{ViewSetup: true, ManageUsers: true}, join(read, users)},
		{"View Setup adds nothing to Customize Application", Permissions{ViewSetup: true, CustomizeApplication: true}, join(read, org)},
		{"both change permissions allow all but creating an org", Permissions{ManageUsers: true, CustomizeApplication: true}, join(read, users, org)},
		{"all three allow all but creating an org", Permissions{ViewSetup: true, ManageUsers: true, CustomizeApplication: true}, join(read, users, org)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			allowed := map[AdminAction]bool{}
			for _, a := range tt.allowed {
				allowed[a] = true
			}
			for _, a := range AdminActions {
				if got := tt.ps.Allows(a); got != allowed[a] {
					t.Errorf("%s: Allows = %v, want %v", a, got, allowed[a])
				}
			}
		})
	}
}

func TestEveryActionNeedsANamedPermission(t *testing.T) {
	tests := []struct {
		action AdminAction
		needs  Permission
		says   string
	}{
		{AdminReadSetup, PermViewSetup, `You need the "View Setup" permission to view setup.`},
		{AdminCreateOrg, PermOperator, `"Operator" permission to create an org`},
		{AdminOrgSettings, PermCustomizeApplication, `You need the "Customize Application" permission to change the org's session settings.`},
		{AdminNetworkAccess, PermCustomizeApplication, "network access"},
		{AdminPasswordPolicy, PermCustomizeApplication, "password policies"},
		{AdminProfiles, PermManageUsers, `You need the "Manage Users" permission to manage profiles.`},
		{AdminUsers, PermManageUsers, "manage users"},
		{AdminTwoFactor, PermManageUsers, "two-factor authentication"},
		{AdminUnlockReset, PermManageUsers, "unlock users and reset passwords"},
		{AdminSessions, PermManageUsers, "sessions"},
		{AdminConnectedApps, PermCustomizeApplication, "connected apps"},
		{AdminReadHistory, PermViewSetup, "login history"},
		{AdminReadAudit, PermViewSetup, "audit trail"},
		{AdminExportHistory, PermViewSetup, "download login history"},
		{AdminHealthCheck, PermViewSetup, "Health Check"},
		{AdminAction("SOMETHING_NEW"), PermOperator, `"Operator"`},
	}
	if len(tests) != len(AdminActions)+1 {
		t.Fatalf("%d cases for %d actions: each action has its case", len(tests), len(AdminActions))
	}
	for _, tt := range tests {
		t.Run(string(tt.action), func(t *testing.T) {
			if got := Requires(tt.action); got != tt.needs {
				t.Errorf("Requires = %q, want %q", got, tt.needs)
			}
			if msg := Refusal(tt.action); !strings.Contains(msg, tt.says) || !strings.Contains(msg, `"`+string(tt.needs)+`"`) {
				t.Errorf("Refusal = %q; want it to name %q and say %q", msg, tt.needs, tt.says)
			}
		})
	}
}

func TestAProfileEditGrantsOnlyWhatItsAuthorHolds(t *testing.T) {
	tests := []struct {
		name   string
		author Permissions
		grant  Permissions
		want   Permission
	}{
		{"granting nothing needs nothing", Permissions{}, Permissions{}, ""},
		{"Manage Users grants Manage Users", Permissions{ManageUsers: true}, Permissions{ManageUsers: true}, ""},
		{"Manage Users grants View Setup, which it implies", Permissions{ManageUsers: true}, Permissions{ViewSetup: true}, ""},
		{"Manage Users alone cannot grant Customize Application", Permissions{ManageUsers: true},
			Permissions{ManageUsers: true, CustomizeApplication: true}, PermCustomizeApplication},
		{"View Setup cannot grant Manage Users", Permissions{ViewSetup: true}, Permissions{ManageUsers: true}, PermManageUsers},
		{"both grant everything", Permissions{ManageUsers: true, CustomizeApplication: true},
			Permissions{ViewSetup: true, ManageUsers: true, CustomizeApplication: true}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.author.NotGranted(tt.grant); got != tt.want {
				t.Errorf("NotGranted = %q, want %q", got, tt.want)
			}
		})
	}
}
