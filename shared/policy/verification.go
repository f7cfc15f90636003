package policy

import (
	"fmt"
	"sort"
	"strings"
)

// Area is a setup area of session-security.txt's "Session Security Level
// Policies" (Setup → Identity Verification) that exists here: the org
// chooses, for each, what a Standard session meets there (Block, or Raise:
// step up with two-factor), or nothing. Its value is the CLI's name for it
// and the resource of the step-up page (/login/step-up?resource=<area>).
type Area string

const (
	AreaIPAddresses      Area = "manage-ip-addresses"
	AreaPasswordPolicies Area = "manage-password-policies"
	AreaProfiles         Area = "manage-profiles"
	AreaConnectedApps    Area = "manage-connected-apps"
	AreaUnlockUsers      Area = "unlock-users"
	AreaTwoFactorUI      Area = "two-factor-ui"
	AreaTwoFactorAPI     Area = "two-factor-api"
	AreaHealthCheck      Area = "view-health-check"
	AreaEventLogFiles    Area = "view-event-log-files"
)

// Areas are every area, in the seed's order.
var Areas = []Area{AreaIPAddresses, AreaPasswordPolicies, AreaProfiles, AreaConnectedApps, AreaUnlockUsers,
	AreaTwoFactorUI, AreaTwoFactorAPI, AreaHealthCheck, AreaEventLogFiles}

// areaNames are the seed's names of the areas, which refusals show.
var areaNames = map[Area]string{
	AreaIPAddresses:      "Manage IP Addresses",
	AreaPasswordPolicies: "Manage Password Policies",
	AreaProfiles:         "Manage Permission Sets and Profiles",
	AreaConnectedApps:    "Manage Connected Apps",
	AreaUnlockUsers:      "Unlock Users and Reset Passwords",
	AreaTwoFactorUI:      "Manage Two-Factor Authentication in User Interface",
	AreaTwoFactorAPI:     "Manage Two-Factor Authentication in API",
	AreaHealthCheck:      "View Health Check",
	AreaEventLogFiles:    "View Event Log Files",
}

// Name is the seed's name of a ("" for an unknown area).
func (a Area) Name() string { return areaNames[a] }

// Known reports whether a is one of Areas.
func (a Area) Known() bool { return areaNames[a] != "" }

// actionAreas are the areas that guard each admin action; an action absent
// here (reading setup, session settings, users, sessions, the audit trail)
// has none. Two-factor keys are one use case behind the console and the
// admin API alike (a request is treated the same whichever way it came), so
// both two-factor areas guard it and the stricter policy applies. The event
// log files are the login history's export.
var actionAreas = map[AdminAction][]Area{
	AdminNetworkAccess:  {AreaIPAddresses},
	AdminPasswordPolicy: {AreaPasswordPolicies},
	AdminProfiles:       {AreaProfiles},
	AdminConnectedApps:  {AreaConnectedApps},
	AdminUnlockReset:    {AreaUnlockUsers},
	AdminTwoFactor:      {AreaTwoFactorUI, AreaTwoFactorAPI},
	AdminHealthCheck:    {AreaHealthCheck},
	AdminExportHistory:  {AreaEventLogFiles},
}

// AreasOf are the areas that guard act (none for most reads).
func AreasOf(act AdminAction) []Area { return actionAreas[act] }

// GuardedBy are the admin actions area guards, in AdminActions' order.
func GuardedBy(area Area) []AdminAction {
	var out []AdminAction
	for _, act := range AdminActions {
		for _, a := range actionAreas[act] {
			if a == area {
				out = append(out, act)
			}
		}
	}
	return out
}

// Guarding is the area whose policy applies to act under the org's
// policies, and that policy: the strictest of act's areas (Block before
// Raise), "" when none has one.
func Guarding(act AdminAction, policies map[Area]Action) (Area, Action) {
	var area Area
	var action Action
	for _, a := range actionAreas[act] {
		switch policies[a] {
		case ActionBlock:
			return a, ActionBlock
		case ActionRaise:
			if action == "" {
				area, action = a, ActionRaise
			}
		}
	}
	return area, action
}

// IdentityVerification decides whether a session of level may do act under
// the org's identity-verification policies: a High Assurance session, or an
// action no policy guards, is allowed (reason ""); a Standard one (or one of
// no known level) is refused where the policy is Block
// (ReasonHighAssuranceBlock) and refused with raise where it is Raise
// (ReasonRaiseSessionLevel: the caller answers with the step-up).
func IdentityVerification(act AdminAction, level Level, policies map[Area]Action) (allowed bool, raise bool, reason Reason) {
	_, action := Guarding(act, policies)
	switch {
	case action == "" || level == LevelHighAssurance:
		return true, false, ""
	case action == ActionRaise:
		return false, true, ReasonRaiseSessionLevel
	}
	return false, false, ReasonHighAssuranceBlock
}

// VerificationRefusal is the message of act refused or raised in area.
func VerificationRefusal(area Area, raise bool) string {
	if raise {
		return fmt.Sprintf("%q requires a High Assurance session: verify your identity with two-factor authentication, then try again.", area.Name())
	}
	return fmt.Sprintf("%q requires a High Assurance session: log in with two-factor authentication to do this.", area.Name())
}

// ValidateIdentityVerification checks an org's policies: known areas,
// each Block or Raise.
func ValidateIdentityVerification(policies map[Area]Action) error {
	for a, act := range policies {
		if !a.Known() {
			return invalid("identity verification", fmt.Sprintf("%q is not an area; choose one of %s", a, AreaList()))
		}
		if act != ActionBlock && act != ActionRaise {
			return invalid("identity verification", fmt.Sprintf("%s: the action is block or raise", a))
		}
	}
	return nil
}

// AreaList is the areas' names for a usage or a message.
func AreaList() string {
	names := make([]string, len(Areas))
	for i, a := range Areas {
		names[i] = string(a)
	}
	return strings.Join(names, ", ")
}

// ParseIdentityVerification reads the CLI form of changes to an org's
// identity-verification policies: "manage-ip-addresses=raise,unlock-users=block".
// An area set to none maps to "" (its policy is removed: ApplyActions);
// "none" alone clears every area.
func ParseIdentityVerification(spec string) (changes map[Area]Action, clear bool, err error) {
	if strings.TrimSpace(spec) == "none" {
		return nil, true, nil
	}
	m, err := parseActions(spec, "identity verification", true, func(name string) bool { return Area(name).Known() },
		"write area=block, area=raise or area=none, the area one of "+AreaList())
	if err != nil {
		return nil, false, err
	}
	changes = make(map[Area]Action, len(m))
	for k, v := range m {
		changes[Area(k)] = v
	}
	return changes, false, nil
}

// ApplyActions is policies with changes made ("" removes an entry), nil
// when none is left.
func ApplyActions[K comparable](policies, changes map[K]Action) map[K]Action {
	out := make(map[K]Action, len(policies)+len(changes))
	for k, v := range policies {
		out[k] = v
	}
	for k, v := range changes {
		if v == "" {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// ActionsText is the CLI form of a resource or area policy, sorted.
func ActionsText[K ~string](m map[K]Action) string {
	parts := make([]string, 0, len(m))
	for k, v := range m {
		parts = append(parts, string(k)+"="+map[Action]string{ActionBlock: "block", ActionRaise: "raise"}[v])
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// parseActions reads "name=block,name=raise" (and name=none when none is
// allowed, as "") with names that valid accepts; hint says how to write one.
func parseActions(spec, field string, none bool, valid func(string) bool, hint string) (map[string]Action, error) {
	out := map[string]Action{}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, action, ok := strings.Cut(part, "=")
		if !ok || name == "" || !valid(name) {
			return nil, invalid(field, fmt.Sprintf("%q: %s", part, hint))
		}
		switch strings.ToLower(action) {
		case "block":
			out[name] = ActionBlock
		case "raise":
			out[name] = ActionRaise
		case "none":
			if none {
				out[name] = ""
				continue
			}
			fallthrough
		default:
			return nil, invalid(field, fmt.Sprintf("%q: the action is block or raise", part))
		}
	}
	return out, nil
}
