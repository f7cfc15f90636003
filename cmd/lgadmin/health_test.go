package main

import (
	"encoding/json"
	"strings"
	"testing"

	"loginguard/internal/testenv"
)

// shellWords splits a command line as a POSIX shell would split the fixes
// lgadmin health prints: words, and single-quoted ones.
func shellWords(t *testing.T, line string) []string {
	t.Helper()
	var words []string
	var w strings.Builder
	quoted, inWord := false, false
	for _, r := range line {
		switch {
		case r == '\'':
			quoted, inWord = !quoted, true
		case r == ' ' && !quoted:
			if inWord {
				words = append(words, w.String())
				w.Reset()
			}
			inWord = false
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if quoted {
		t.Fatalf("unbalanced quote in %q", line)
	}
	if inWord {
		words = append(words, w.String())
	}
	return words
}

type healthJSON struct {
	Score    int    `json:"score"`
	Grade    string `json:"grade"`
	Findings []struct {
		Code, Severity, Setting, Profile, Current, Baseline, Fix, Why string
	} `json:"findings"`
	Met []struct{ Code string } `json:"met"`
}

func (c *cli) health(org string) healthJSON {
	c.t.Helper()
	code, out, errs := c.run("", "health", "--org", org, "--json")
	var h healthJSON
	if code != 0 || json.Unmarshal([]byte(out), &h) != nil {
		c.t.Fatalf("health --json: %d %s %s", code, out, errs)
	}
	return h
}

func TestHealthFindingsAndTheirFixes(t *testing.T) {
	c := newCLI(t)
	c.env["AWS_ENDPOINT_URL_KMS"], c.env["KEYRING_KMS_KEY"] = testenv.KMS(t) // for totp-register
	orgID := c.json("", "org", "create", "--name", "Acme", "--lockout-max", "none", "--session-timeout", "8h",
		"--trusted-ranges", "0.0.0.0-255.255.255.255,198.51.100.7", "--password-block-common=false")["id"].(string)
	profID := c.json("", "profile", "create", "--org", orgID, "--name", "Admins", "--manage-users", "--api-enabled=false",
		"--ip-ranges", "10.0.0.0-10.255.255.255")["id"].(string)
	c.json("Long-enough-1\n", "user", "create", "--org", orgID, "--profile", profID, "--username", "boss@acme.example", "--password-stdin")

	before := c.health(orgID)
	codes := map[string]bool{}
	for _, f := range before.Findings {
		codes[f.Code] = true
		if f.Severity == "" || f.Setting == "" || f.Current == "" || f.Baseline == "" || f.Why == "" || !strings.HasPrefix(f.Fix, "lgadmin ") {
			t.Errorf("an incomplete finding: %+v", f)
		}
	}
	for _, want := range []string{"LOCKOUT_DISABLED", "SESSION_TIMEOUT_LONG", "TRUSTED_RANGE_TOO_WIDE", "PASSWORD_COMMON_CHECK_OFF",
		"ADMIN_TWO_FACTOR_OFF", "ADMIN_HIGH_ASSURANCE_OFF", "LOGIN_RANGE_WIDE_PRIVATE", "LOGIN_HOURS_NONE",
		"IDV_IP_ADDRESSES_NONE", "IDV_UNLOCK_USERS_NONE", "IDV_TWO_FACTOR_NONE"} {
		if !codes[want] {
			t.Errorf("no %s among %v", want, codes)
		}
	}
	if before.Score >= 55 || before.Grade != "Very Poor" {
		t.Errorf("score %d %s", before.Score, before.Grade)
	}

	// The table says the same, a line a finding.
	code, out, _ := c.run("", "health", orgID)
	if code != 0 || !strings.Contains(out, "score: ") || !strings.Contains(out, "SEVERITY") ||
		!strings.Contains(out, "lgadmin org set --org "+orgID+" --lockout-max 5") || !strings.Contains(out, "Admins: Login IP ranges") {
		t.Fatalf("health: %d\n%s", code, out)
	}

	// Every fix, run as printed, meets its baseline (the coverage finding
	// appears once two-factor is on, and its fix is then run too).
	for range 2 {
		for _, f := range c.health(orgID).Findings {
			words := shellWords(t, f.Fix)
			if code, _, errs := c.run("", words[1:]...); code != 0 {
				t.Fatalf("%s: %s: exit %d: %s", f.Code, f.Fix, code, errs)
			}
		}
	}
	after := c.health(orgID)
	if after.Score != 100 || after.Grade != "Excellent" || len(after.Findings) != 0 {
		t.Fatalf("after the fixes: %+v", after)
	}
	if code, out, _ := c.run("", "health", orgID); code != 0 || !strings.HasPrefix(out, "score: 100 (Excellent), 0 finding(s)") || strings.Contains(out, "SEVERITY") {
		t.Fatalf("health of a healthy org: %d\n%s", code, out)
	}
	if code, _, errs := c.run("", "health", "--org", "00D000000000xyz"); code != 1 || !strings.Contains(errs, "not found") {
		t.Fatalf("an unknown org: %d %s", code, errs)
	}
}
