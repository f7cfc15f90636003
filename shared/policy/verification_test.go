package policy

import (
	"slices"
	"strings"
	"testing"
)

// Every area under every policy, for a Standard and a High Assurance
// session: a Standard one is refused where the org says Block and asked to
// step up where it says Raise; High Assurance, or no policy, passes.
func TestIdentityVerificationOfEveryArea(t *testing.T) {
	type want struct {
		allowed, raise bool
		reason         Reason
	}
	for _, area := range Areas {
		acts := GuardedBy(area)
		if len(acts) == 0 {
			t.Fatalf("%s guards no action", area)
		}
		for _, tt := range []struct {
			name   string
			action Action // "": none
			level  Level
			want   want
		}{
			{"no policy allows a Standard session", "", LevelStandard, want{true, false, ""}},
			{"no policy allows a High Assurance session", "", LevelHighAssurance, want{true, false, ""}},
			{"raise asks a Standard session to step up", ActionRaise, LevelStandard, want{false, true, ReasonRaiseSessionLevel}},
			{"raise allows a High Assurance session", ActionRaise, LevelHighAssurance, want{true, false, ""}},
			{"block refuses a Standard session", ActionBlock, LevelStandard, want{false, false, ReasonHighAssuranceBlock}},
			{"block allows a High Assurance session", ActionBlock, LevelHighAssurance, want{true, false, ""}},
			{"block refuses a session of no level", ActionBlock, "", want{false, false, ReasonHighAssuranceBlock}},
		} {
			t.Run(string(area)+"/"+tt.name, func(t *testing.T) {
				policies := map[Area]Action{}
				if tt.action != "" {
					policies[area] = tt.action
				}
				for _, act := range acts {
					allowed, raise, reason := IdentityVerification(act, tt.level, policies)
					if got := (want{allowed, raise, reason}); got != tt.want {
						t.Errorf("%s: got %+v, want %+v", act, got, tt.want)
					}
					if tt.action != "" {
						if a, p := Guarding(act, policies); a != area || p != tt.action {
							t.Errorf("%s: Guarding = %s, %s; want %s, %s", act, a, p, area, tt.action)
						}
					}
				}
			})
		}
	}
}

func TestEachAreaGuardsTheSeedsActions(t *testing.T) {
	want := map[Area][]AdminAction{
		AreaIPAddresses:      {AdminNetworkAccess},
		AreaPasswordPolicies: {AdminPasswordPolicy},
		AreaProfiles:         {AdminProfiles},
		AreaConnectedApps:    {AdminConnectedApps},
		AreaUnlockUsers:      {AdminUnlockReset},
		AreaTwoFactorUI:      {AdminTwoFactor},
		AreaTwoFactorAPI:     {AdminTwoFactor},
		AreaHealthCheck:      {AdminHealthCheck},
		AreaEventLogFiles:    {AdminExportHistory},
	}
	if len(want) != len(Areas) {
		t.Fatalf("%d areas, %d cases", len(Areas), len(want))
	}
	for _, a := range Areas {
		if got := GuardedBy(a); !slices.Equal(got, want[a]) {
			t.Errorf("%s guards %v, want %v", a, got, want[a])
		}
		if a.Name() == "" {
			t.Errorf("%s has no name", a)
		}
	}
	for _, act := range []AdminAction{AdminReadSetup, AdminOrgSettings, AdminUsers, AdminSessions, AdminReadHistory, AdminReadAudit} {
		if areas := AreasOf(act); len(areas) != 0 {
			t.Errorf("%s is guarded by %v, want no area", act, areas)
		}
		all := map[Area]Action{}
		for _, a := range Areas {
			all[a] = ActionBlock
		}
		if ok, _, _ := IdentityVerification(act, LevelStandard, all); !ok {
			t.Errorf("%s, guarded by no area, refused", act)
		}
	}
}

// Both two-factor areas guard the one TOTP use case: the stricter wins.
func TestTheStricterTwoFactorPolicyApplies(t *testing.T) {
	for _, tt := range []struct {
		name     string
		policies map[Area]Action
		area     Area
		action   Action
	}{
		{"UI raise, API block: block", map[Area]Action{AreaTwoFactorUI: ActionRaise, AreaTwoFactorAPI: ActionBlock}, AreaTwoFactorAPI, ActionBlock},
		{"UI block, API raise: block", map[Area]Action{AreaTwoFactorUI: ActionBlock, AreaTwoFactorAPI: ActionRaise}, AreaTwoFactorUI, ActionBlock},
		{"API raise alone: raise", map[Area]Action{AreaTwoFactorAPI: ActionRaise}, AreaTwoFactorAPI, ActionRaise},
		{"another area's policy: none", map[Area]Action{AreaIPAddresses: ActionBlock}, "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if a, p := Guarding(AdminTwoFactor, tt.policies); a != tt.area || p != tt.action {
				t.Errorf("Guarding = %s, %s; want %s, %s", a, p, tt.area, tt.action)
			}
		})
	}
}

func TestVerificationRefusalNamesTheArea(t *testing.T) {
	for _, raise := range []bool{false, true} {
		msg := VerificationRefusal(AreaIPAddresses, raise)
		if !strings.Contains(msg, `"Manage IP Addresses"`) || !strings.Contains(msg, "High Assurance session") {
			t.Errorf("raise=%v: %q", raise, msg)
		}
	}
}

func TestParseIdentityVerification(t *testing.T) {
	for _, tt := range []struct {
		name, spec string
		want       map[Area]Action
		clear      bool
		err        string
	}{
		{"areas with raise and block", "manage-ip-addresses=raise, unlock-users=BLOCK", map[Area]Action{AreaIPAddresses: ActionRaise, AreaUnlockUsers: ActionBlock}, false, ""},
		{"area=none removes the area", "view-health-check=none", map[Area]Action{AreaHealthCheck: ""}, false, ""},
		{"none alone clears every area", " none ", nil, true, ""},
		{"an unknown area is refused, naming the areas", "reports=raise", nil, false, "manage-ip-addresses"},
		{"an unknown action is refused", "unlock-users=ask", nil, false, "block or raise"},
		{"a part without = is refused", "unlock-users", nil, false, "area=block"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, clear, err := ParseIdentityVerification(tt.spec)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want it to say %q", err, tt.err)
				}
				return
			}
			if err != nil || clear != tt.clear || len(got) != len(tt.want) {
				t.Fatalf("got %v, %v, %v", got, clear, err)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
	if _, err := ParseHighAssurance("reports=none"); err == nil {
		t.Error("the resource policy took none for an action")
	}
}

func TestApplyActionsAndValidate(t *testing.T) {
	cur := map[Area]Action{AreaIPAddresses: ActionRaise, AreaUnlockUsers: ActionBlock}
	got := ApplyActions(cur, map[Area]Action{AreaIPAddresses: "", AreaHealthCheck: ActionBlock})
	if ActionsText(got) != "unlock-users=block,view-health-check=block" || len(cur) != 2 {
		t.Errorf("applied: %v (current %v)", got, cur)
	}
	if ApplyActions(got, map[Area]Action{AreaUnlockUsers: "", AreaHealthCheck: ""}) != nil {
		t.Error("removing every area is not nil")
	}
	if err := ValidateIdentityVerification(got); err != nil {
		t.Error(err)
	}
	for _, bad := range []map[Area]Action{{"reports": ActionBlock}, {AreaUnlockUsers: "ASK"}} {
		if ValidateIdentityVerification(bad) == nil {
			t.Errorf("%v validated", bad)
		}
	}
}
