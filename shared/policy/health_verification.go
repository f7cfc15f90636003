package policy

import "strings"

// The identity-verification checks: for each setup area where a
// password-only (Standard) session could take over accounts or open the
// org's doors, the org's policy should ask it to step up with two-factor
// (Raise) or refuse it (Block), as session-security.txt's Identity
// Verification page offers. Each check asks what enforcement asks
// (Guarding of the area's action), so a check met is an area guarded.

// verificationCheck is one area's check: its code, the action it guards,
// its risk and why.
type verificationCheck struct {
	code string
	act  AdminAction
	sev  HealthSeverity
	why  string
}

var verificationChecks = []verificationCheck{
	{"IDV_IP_ADDRESSES_NONE", AdminNetworkAccess, SeverityMedium,
		"A password-only session may add a trusted range, from which logins skip the verification code and the security token."},
	{"IDV_UNLOCK_USERS_NONE", AdminUnlockReset, SeverityMedium,
		"A password-only session may reset other users' passwords and tokens: one stolen admin password opens every account."},
	{"IDV_TWO_FACTOR_NONE", AdminTwoFactor, SeverityMedium,
		"A password-only session may remove a user's TOTP key, so the next login enrols a key of the holder's choosing."},
	{"IDV_PASSWORD_POLICIES_NONE", AdminPasswordPolicy, SeverityLow,
		"A password-only session may weaken the password policy for every user."},
	{"IDV_PROFILES_NONE", AdminProfiles, SeverityLow,
		"A password-only session may widen a profile's login IP ranges and hours, or hand out permissions."},
	{"IDV_CONNECTED_APPS_NONE", AdminConnectedApps, SeverityLow,
		"A password-only session may create a connected app, whose client secret then logs users in through it."},
}

// verificationFix are the areas (and so the --identity-verification
// value) each check's fix sets to Raise: all of the action's areas, so
// that the console and the API ask the same.
func verificationFix(act AdminAction) string {
	var parts []string
	for _, a := range AreasOf(act) {
		parts = append(parts, string(a)+"=raise")
	}
	return strings.Join(parts, ",")
}

// actionText is a policy's action as the Identity Verification page names it.
func actionText(a Action) string {
	switch a {
	case ActionRaise:
		return "Raise"
	case ActionBlock:
		return "Block"
	}
	return "none"
}

func (r *healthRun) identityVerification() {
	for _, c := range verificationChecks {
		areas := AreasOf(c.act)
		names := make([]string, len(areas))
		for i, a := range areas {
			names[i] = a.Name()
		}
		area, action := Guarding(c.act, r.in.IdentityVerification)
		current := actionText(action)
		if action != "" && len(areas) > 1 {
			current += " (" + area.Name() + ")"
		}
		s := HealthSetting{Code: c.code, Severity: c.sev, Group: "Identity Verification",
			Setting: strings.Join(names, " / "), Current: current, Baseline: "Raise or Block"}
		r.add(s, when(action == "", r.orgSet("--identity-verification "+verificationFix(c.act))),
			c.why+" Raise asks a Standard session to step up with two-factor first (so the admin needs a TOTP key); Block refuses it.")
	}
}
