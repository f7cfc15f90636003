package policy

import "fmt"

// Permission is a setup permission a profile grants, named as Salesforce
// names it; the name is what a refusal shows.
type Permission string

const (
	// PermViewSetup is "View Setup and Configuration": reading every setup
	// area (settings, profiles, users, sessions, apps, history, audit
	// trail) and changing none.
	PermViewSetup Permission = "View Setup"
	// PermManageUsers is "Manage Users": users, their credentials, devices
	// and sessions, and the profiles that hold their permissions.
	PermManageUsers Permission = "Manage Users"
	// PermCustomizeApplication is Salesforce's "Customize Application",
	// which guards Session Settings there: here it guards every org-wide
	// security setting (session and lockout settings, network access,
	// password policies) and the connected apps. The name is Salesforce's
	// so that an admin who knows Setup finds it; the finer areas the
	// identity-verification policies name ("Manage IP Addresses", "Manage
	// Password Policies") are AdminActions under it, not permissions.
	PermCustomizeApplication Permission = "Customize Application"
	// PermOperator is held by no profile: only the operator's CLI, with
	// the service's own credentials, creates orgs.
	PermOperator Permission = "Operator"
)

// Permissions are the setup permissions of one profile (and so of its
// users). Manage Users and Customize Application each imply View Setup,
// as in Salesforce; neither implies the other.
type Permissions struct {
	ViewSetup            bool
	ManageUsers          bool
	CustomizeApplication bool
}

// Has reports whether ps grant p, directly or by implication.
func (ps Permissions) Has(p Permission) bool {
	switch p {
	case PermViewSetup:
		return ps.ViewSetup || ps.ManageUsers || ps.CustomizeApplication
	case PermManageUsers:
		return ps.ManageUsers
	case PermCustomizeApplication:
		return ps.CustomizeApplication
	}
	return false
}

// Allows reports whether ps grant what a needs.
func (ps Permissions) Allows(a AdminAction) bool { return ps.Has(Requires(a)) }

// NotGranted is the first permission that grant gives and ps do not hold:
// a profile edit may not hand out more than its author holds. "" when
// there is none.
func (ps Permissions) NotGranted(grant Permissions) Permission {
	for _, g := range []struct {
		p  Permission
		on bool
	}{{PermManageUsers, grant.ManageUsers}, {PermCustomizeApplication, grant.CustomizeApplication}, {PermViewSetup, grant.ViewSetup}} {
		if g.on && !ps.Has(g.p) {
			return g.p
		}
	}
	return ""
}

// AdminAction is one thing the admin use case does; each needs one
// permission (Requires) and is the action of its refusal in the audit trail.
type AdminAction string

const (
	AdminReadSetup      AdminAction = "READ_SETUP"             // orgs, profiles, users, devices, sessions, apps
	AdminCreateOrg      AdminAction = "CREATE_ORG"             // the operator only
	AdminOrgSettings    AdminAction = "CHANGE_ORG_SETTINGS"    // session and lockout settings, login page
	AdminNetworkAccess  AdminAction = "CHANGE_NETWORK_ACCESS"  // the org's trusted IP ranges
	AdminPasswordPolicy AdminAction = "CHANGE_PASSWORD_POLICY" // the org's password policy
	AdminProfiles       AdminAction = "MANAGE_PROFILES"        // create and change profiles
	AdminUsers          AdminAction = "MANAGE_USERS"           // create, activate, deactivate; devices
	AdminTwoFactor      AdminAction = "MANAGE_TWO_FACTOR"      // register and remove users' TOTP keys
	AdminUnlockReset    AdminAction = "UNLOCK_RESET"           // unlock, reset passwords and tokens
	AdminSessions       AdminAction = "MANAGE_SESSIONS"        // end sessions
	AdminConnectedApps  AdminAction = "MANAGE_CONNECTED_APPS"  // create and delete apps
	AdminReadHistory    AdminAction = "READ_LOGIN_HISTORY"
	AdminReadAudit      AdminAction = "READ_AUDIT_TRAIL"
	AdminExportHistory  AdminAction = "EXPORT_LOGIN_HISTORY"
	AdminHealthCheck    AdminAction = "VIEW_HEALTH_CHECK"
)

// AdminActions are every admin action, in the order the docs list them.
var AdminActions = []AdminAction{AdminReadSetup, AdminCreateOrg, AdminOrgSettings, AdminNetworkAccess, AdminPasswordPolicy,
	AdminProfiles, AdminUsers, AdminTwoFactor, AdminUnlockReset, AdminSessions, AdminConnectedApps, AdminReadHistory, AdminReadAudit,
	AdminExportHistory, AdminHealthCheck}

// adminActions are each action's permission and, for its refusal, what it
// does ("You need ... to <does>.").
var adminActions = map[AdminAction]struct {
	needs Permission
	does  string
}{
	AdminReadSetup:      {PermViewSetup, "view setup"},
	AdminCreateOrg:      {PermOperator, "create an org (only the operator's lgadmin creates orgs)"},
	AdminOrgSettings:    {PermCustomizeApplication, "change the org's session settings"},
	AdminNetworkAccess:  {PermCustomizeApplication, "change the org's network access"},
	AdminPasswordPolicy: {PermCustomizeApplication, "change the org's password policies"},
	AdminProfiles:       {PermManageUsers, "manage profiles"},
	AdminUsers:          {PermManageUsers, "manage users"},
	AdminTwoFactor:      {PermManageUsers, "manage users' two-factor authentication"},
	AdminUnlockReset:    {PermManageUsers, "unlock users and reset passwords"},
	AdminSessions:       {PermManageUsers, "end users' sessions"},
	AdminConnectedApps:  {PermCustomizeApplication, "manage connected apps"},
	AdminReadHistory:    {PermViewSetup, "view login history"},
	AdminReadAudit:      {PermViewSetup, "view the audit trail"},
	AdminExportHistory:  {PermViewSetup, "download login history"},
	AdminHealthCheck:    {PermViewSetup, "view Health Check"},
}

// Requires is the permission a needs; an unknown action needs the
// operator's.
func Requires(a AdminAction) Permission {
	if d, ok := adminActions[a]; ok {
		return d.needs
	}
	return PermOperator
}

// Refusal is the message of a refused a: it names the missing permission.
func Refusal(a AdminAction) string {
	d, ok := adminActions[a]
	if !ok {
		d.needs, d.does = PermOperator, "do that"
	}
	return fmt.Sprintf("You need the %q permission to %s.", d.needs, d.does)
}

// GrantRefusal is the message of a profile edit that grants or removes p
// (or of a user given a profile with p) when its author does not hold p.
func GrantRefusal(p Permission) string {
	return fmt.Sprintf("You need the %q permission to grant or remove it.", p)
}
