package main

import (
	"strings"
	"testing"

	"loginguard/shared/admin"
	"loginguard/shared/settings"
)

func TestBooleanOrgFlagsDefaultToANewOrgsSettings(t *testing.T) {
	// org create applies every boolean flag's default: it must be what
	// admin.DefaultOrgSettings gives the demo org and the admin use case.
	defaults := settings.ViewOf(settings.Org, admin.DefaultOrgSettings())
	for _, f := range settings.Org {
		if !f.IsBool {
			continue
		}
		for _, s := range f.Show(admin.DefaultOrgSettings()) {
			if got := defaults.Get(s.Key); got != f.Def {
				t.Errorf("--%s defaults to %v, but a new org's %s is %v", f.Name, f.Def, s.Key, got)
			}
		}
	}
}

func TestOrgSetsUserSwitchingAndRememberMe(t *testing.T) {
	c := newCLI(t)
	org := c.json("", "org", "create", "--name", "Acme")
	orgID := org["id"].(string)
	if org["userSwitching"] != true || org["rememberMe"] != false {
		t.Fatalf("a new org: userSwitching %v, rememberMe %v; want Salesforce's defaults, on and off", org["userSwitching"], org["rememberMe"])
	}
	if o := c.json("", "org", "set", orgID, "--remember-me", "--user-switching=false"); o["rememberMe"] != true || o["userSwitching"] != false {
		t.Fatalf("org set --remember-me --user-switching=false: %+v", o)
	}
	// Other flags leave them as they are.
	if o := c.json("", "org", "set", orgID, "--session-timeout", "30m"); o["rememberMe"] != true || o["userSwitching"] != false {
		t.Fatalf("org set --session-timeout changed them: %+v", o)
	}
	code, out, errs := c.run("", "org", "show", orgID)
	if code != 0 || !strings.Contains(out, "remember me until logout") || !strings.Contains(out, "user switching") {
		t.Fatalf("org show: %d %s %s", code, out, errs)
	}
}
