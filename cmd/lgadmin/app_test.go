package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"loginguard/internal/testenv"
	"loginguard/shared/store/dynamo"
)

// cli runs lgadmin against a dynalite and an SES stand-in of its own.
type cli struct {
	t   *testing.T
	env map[string]string
	ses string
}

func newCLI(t *testing.T) *cli {
	dyn := testenv.Dynalite(t)
	ses := testenv.SES(t)
	testenv.CreateTables(t, testenv.DynamoDB(dyn))
	return &cli{t: t, ses: ses, env: map[string]string{
		"AWS_ENDPOINT_URL_DYNAMODB": dyn, "AWS_ENDPOINT_URL_SESV2": ses, "AWS_REGION": "us-east-1",
		"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "SENDER_ADDRESS": "no-reply@example.com",
	}}
}

func (c *cli) run(stdin string, args ...string) (code int, stdout, stderr string) {
	c.t.Helper()
	// The AWS SDK reads endpoints from the process environment.
	for k, v := range c.env {
		c.t.Setenv(k, v)
	}
	var out, errb bytes.Buffer
	a := &App{Getenv: func(k string) string { return c.env[k] }, Stdin: strings.NewReader(stdin),
		Stdout: &out, Stderr: &errb, Rand: rand.Reader, Now: time.Now}
	code = a.Run(context.Background(), args)
	return code, out.String(), errb.String()
}

func (c *cli) json(stdin string, args ...string) map[string]any {
	c.t.Helper()
	code, out, errs := c.run(stdin, append(args, "--json")...)
	if code != 0 {
		c.t.Fatalf("lgadmin %v: exit %d: %s", args, code, errs)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		c.t.Fatalf("lgadmin %v --json printed %q: %v", args, out, err)
	}
	return m
}

func (c *cli) mails() []testenv.Mail {
	c.t.Helper()
	return testenv.AllMails(c.t, c.ses)
}

func TestAdminCLIWholeLifecycle(t *testing.T) {
	c := newCLI(t)
	org := c.json("", "org", "create", "--name", "Acme", "--timezone", "America/New_York", "--lockout-max", "3", "--lockout-period", "30m")
	orgID := org["id"].(string)
	if org["lockoutMaxAttempts"] != "3" || org["lockoutPeriod"] != "30m0s" || org["timeZone"] != "America/New_York" {
		t.Fatalf("org %+v", org)
	}
	if org["passwordMinLength"] != 8.0 || org["passwordComplexity"] != "NoRestriction" || org["passwordHistory"] != 3.0 ||
		org["passwordExpiry"] != "never" || org["passwordBlockCommon"] != true {
		t.Fatalf("a new org's password policy: %+v", org)
	}
	prof := c.json("", "profile", "create", "--org", orgID, "--name", "Sales", "--login-hours", "mon=08:00-18:00,sun=00:00-00:00")
	profID := prof["id"].(string)
	if prof["loginHoursTimeZone"] != "America/New_York" || prof["loginHours"] != "mon=08:00-18:00,sun=00:00-00:00" || prof["apiEnabled"] != true {
		t.Fatalf("profile %+v", prof)
	}
	// The org's zone changes; the hours keep the zone they were first set in.
	c.json("", "org", "set", orgID, "--timezone", "Europe/Paris")
	prof = c.json("", "profile", "set", profID, "--org", orgID, "--login-hours", "tue=09:00-17:00")
	if prof["loginHoursTimeZone"] != "America/New_York" {
		t.Fatalf("login hours moved to the org's new zone: %+v", prof)
	}
	user := c.json("S3cret-passw0rd\n", "user", "create", "--org", orgID, "--profile", profID,
		"--username", "Jane@Acme.example", "--email", "jane@acme.example", "--first-name", "Jane", "--password-stdin")
	if user["username"] != "Jane@Acme.example" || user["hasSecurityToken"] != true || !strings.Contains(user["note"].(string), "sent to jane@acme.example") {
		t.Fatalf("user %+v", user)
	}
	// The org's password policy applies to every password set, with its reasons.
	pol := c.json("", "org", "set", orgID, "--password-min-length", "12", "--password-complexity", "UpperLowerCaseNumeric", "--password-expiry", "90")
	if pol["passwordMinLength"] != 12.0 || pol["passwordComplexity"] != "UpperLowerCaseNumeric" || pol["passwordExpiry"] != "90 days" {
		t.Fatalf("password policy %+v", pol)
	}
	for _, bad := range []struct {
		args []string
		says string
	}{
		{[]string{"--password-min-length", "6"}, "choose 8 to 50"},
		{[]string{"--password-complexity", "Fancy"}, "is not offered"},
		{[]string{"--password-expiry", "45"}, "30, 60, 90, 180 or 365"},
	} {
		if code, _, errs := c.run("", append([]string{"org", "set", orgID}, bad.args...)...); code != 1 || !strings.Contains(errs, bad.says) {
			t.Errorf("org set %v: %d %s", bad.args, code, errs)
		}
	}
	if code, _, errs := c.run("Password1234\n", "user", "create", "--org", orgID, "--profile", profID, "--username", "weak@acme.example", "--password-stdin"); code != 1 ||
		!strings.Contains(errs, "too easy to guess") {
		t.Fatalf("a common password: %d %s", code, errs)
	}
	if shown := c.json("", "user", "show", "jane@acme.example"); shown["passwordAgeDays"] != 0.0 || shown["passwordExpiresAt"] == nil || shown["passwordExpired"] != false {
		t.Fatalf("the password's age and expiry: %+v", shown)
	}
	mails := c.mails()
	if len(mails) != 1 || mails[0].Destination.To[0] != "jane@acme.example" || !strings.Contains(mails[0].Body.Text, "Security token (case-sensitive): ") {
		t.Fatalf("token mail: %+v", mails)
	}
	levels := c.json("", "org", "set", orgID, "--two-factor-level", "standard", "--password-level", "high-assurance")
	if levels["twoFactorLevel"] != "STANDARD" || levels["passwordLevel"] != "HIGH_ASSURANCE" {
		t.Fatalf("levels %+v", levels)
	}
	if code, _, errs := c.run("", "org", "set", orgID, "--password-level", "medium"); code != 1 || !strings.Contains(errs, "choose high-assurance or standard") {
		t.Fatalf("a bad level: %d %s", code, errs)
	}
	// Identity-verification policies: set per area, merged, one removed
	// with =none, all cleared with none; shown by org show.
	iv := c.json("", "org", "set", orgID, "--identity-verification", "manage-ip-addresses=raise,unlock-users=block")
	if iv["identityVerification"] != "manage-ip-addresses=raise,unlock-users=block" {
		t.Fatalf("identity verification %+v", iv["identityVerification"])
	}
	c.json("", "org", "set", orgID, "--identity-verification", "manage-ip-addresses=none,view-health-check=raise")
	if shown := c.json("", "org", "show", orgID); shown["identityVerification"] != "unlock-users=block,view-health-check=raise" {
		t.Fatalf("after a change: %+v", shown["identityVerification"])
	}
	if code, _, errs := c.run("", "org", "set", orgID, "--identity-verification", "reports=raise"); code != 1 || !strings.Contains(errs, "manage-ip-addresses") {
		t.Fatalf("an unknown area: %d %s", code, errs)
	}
	if shown := c.json("", "org", "set", orgID, "--identity-verification", "none"); shown["identityVerification"] != "" {
		t.Fatalf("cleared: %+v", shown["identityVerification"])
	}
	// Settings changes reach the user's copy.
	c.json("", "org", "set", orgID, "--trusted-ranges", "10.0.0.0-10.0.0.255")
	shown := c.json("", "user", "show", "jane@acme.example")
	if shown["profile"] != "Sales" || shown["locked"] != false {
		t.Fatalf("user show %+v", shown)
	}
	c.json("", "user", "reset-token", "jane@acme.example")
	if n := len(c.mails()); n != 2 {
		t.Fatalf("%d mails after a token reset; want 2", n)
	}
	c.json("", "user", "unlock", "jane@acme.example")
	code, out, _ := c.run("", "history", "--user", "jane@acme.example")
	if code != 0 || !strings.Contains(out, "TIME") || !strings.Contains(out, "CHALLENGE") {
		t.Fatalf("history: %d %s", code, out)
	}
	// The admin password reset mails a new token too; both land in the audit trail.
	reset := c.json("N3w-Harbor-Lamps\n", "user", "reset-password", "jane@acme.example", "--password-stdin")
	if !strings.Contains(reset["token"].(string), "sent to jane@acme.example") || len(c.mails()) != 3 {
		t.Fatalf("reset-password %+v, %d mails", reset, len(c.mails()))
	}
	if !strings.Contains(c.mails()[2].Body.Text, "reset your password") {
		t.Fatalf("the mail should say why: %s", c.mails()[2].Body.Text)
	}
	var trail []map[string]any
	code, out, _ = c.run("", "audit", "--org", orgID, "--json")
	if code != 0 || json.Unmarshal([]byte(out), &trail) != nil || len(trail) != 3 ||
		trail[0]["action"] != "PASSWORD_RESET" || trail[1]["action"] != "TOKEN_RESET" || trail[2]["action"] != "TOKEN_ISSUED" ||
		trail[0]["outcome"] != "DONE" || trail[0]["via"] != "CLI" || trail[0]["target"] != "Jane@Acme.example" {
		t.Fatalf("audit: %d %s", code, out)
	}
	// The org remembers 3 passwords: the first one is refused, and user show counts both.
	if code, _, errs := c.run("S3cret-passw0rd\n", "user", "reset-password", "jane@acme.example", "--password-stdin"); code != 1 ||
		!strings.Contains(errs, "must differ from your last 3 passwords") {
		t.Fatalf("reset-password to the previous password: %d %s", code, errs)
	}
	if shown := c.json("", "user", "show", "jane@acme.example"); shown["passwordsRemembered"] != 2.0 {
		t.Fatalf("passwordsRemembered %v; want 2", shown["passwordsRemembered"])
	}
	if code, out, _ := c.run("", "user", "show", "jane@acme.example"); code != 0 || !strings.Contains(out, "passwords remembered") {
		t.Fatalf("user show: %d %s", code, out)
	}
	// UI settings: two-factor for UI logins, login page caching; activated browsers.
	if p := c.json("", "profile", "set", profID, "--org", orgID, "--two-factor-ui"); p["twoFactorUi"] != true {
		t.Fatalf("two-factor-ui: %+v", p)
	}
	if o := c.json("", "org", "set", orgID, "--login-page-caching=false"); o["loginPageCaching"] != false {
		t.Fatalf("login-page-caching: %+v", o)
	}
	code, out, _ = c.run("", "user", "devices", "jane@acme.example")
	if code != 0 || !strings.Contains(out, "no activated browsers") {
		t.Fatalf("devices: %d %s", code, out)
	}
	if code, _, errs := c.run("", "user", "device-revoke", "jane@acme.example", "0123456789abcdef"); code != 1 || !strings.Contains(errs, "not found") {
		t.Fatalf("revoking an unknown device: %d %s", code, errs)
	}
	// Reset by link: the user is mailed a link to the reset page and
	// chooses the password there; the current one works until then.
	before := len(c.mails())
	if code, _, errs := c.run("", "user", "reset-password", "jane@acme.example", "--send-link"); code != 2 || !strings.Contains(errs, "--login-url") {
		t.Fatalf("--send-link without a login URL: %d %s", code, errs)
	}
	if code, _, errs := c.run("X\n", "user", "reset-password", "jane@acme.example", "--send-link", "--login-url", "http://127.0.0.1:3000", "--password-stdin"); code != 2 || !strings.Contains(errs, "give no --password") {
		t.Fatalf("--send-link with a password: %d %s", code, errs)
	}
	if code, _, errs := c.run("", "user", "reset-password", "jane@acme.example", "--send-link", "--login-url", "ftp://x"); code != 1 || !strings.Contains(errs, "login page's origin") {
		t.Fatalf("--send-link with a bad login URL: %d %s", code, errs)
	}
	sent := c.json("", "user", "reset-password", "jane@acme.example", "--send-link", "--login-url", "http://127.0.0.1:3000")
	mails = c.mails()
	if !strings.Contains(sent["link"].(string), "reset link sent to jane@acme.example") || len(mails) != before+1 ||
		!strings.Contains(mails[len(mails)-1].Body.Text, "http://127.0.0.1:3000/login/reset?u=") {
		t.Fatalf("reset by link: %+v, %d mails: %+v", sent, len(mails), mails[len(mails)-1].Body.Text)
	}
	code, out, _ = c.run("", "audit", "--org", orgID, "--json")
	if code != 0 || json.Unmarshal([]byte(out), &trail) != nil || trail[0]["action"] != "PASSWORD_RESET_REQUEST" || trail[0]["outcome"] != "DONE" || trail[0]["via"] != "CLI" {
		t.Fatalf("the link's audit line: %d %s", code, out)
	}
}

func TestAdminCLIClearErrors(t *testing.T) {
	c := newCLI(t)
	orgID := c.json("", "org", "create", "--name", "Acme")["id"].(string)
	profID := c.json("", "profile", "create", "--org", orgID, "--name", "P")["id"].(string)
	tests := []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"lockout maximum of 4 is refused", "", []string{"org", "set", orgID, "--lockout-max", "4"}, 1, "choose 3, 5, 10 or none"},
		{"a range across the IPv4-mapped border is refused", "", []string{"org", "set", orgID, "--trusted-ranges", "255.255.255.255-::1:0:0:0"}, 1, "IPv4"},
		{"start greater than end is refused", "", []string{"profile", "set", profID, "--org", orgID, "--ip-ranges", "10.0.0.9-10.0.0.1"}, 1, "greater than"},
		{"end before start in login hours is refused", "", []string{"profile", "set", profID, "--org", orgID, "--login-hours", "mon=18:00-08:00"}, 1, "before the start"},
		{"session timeout of 3h is refused", "", []string{"org", "set", orgID, "--session-timeout", "3h"}, 1, "15m, 30m"},
		{"unknown org", "", []string{"org", "show", "00D000000000000"}, 1, "not found"},
		{"missing name", "", []string{"org", "create"}, 2, "--name is required"},
		{"unknown command", "", []string{"frobnicate"}, 2, "unknown command"},
		{"short password", "short\n", []string{"user", "create", "--org", orgID, "--profile", profID, "--username", "a@b.example", "--password-stdin"}, 1, "at least 8"},
		{"unknown user", "", []string{"user", "unlock", "nobody@x.example"}, 1, "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := c.run(tt.stdin, tt.args...)
			if code != tt.code || !strings.Contains(errs, tt.want) {
				t.Fatalf("exit %d stderr %q; want exit %d mentioning %q", code, errs, tt.code, tt.want)
			}
		})
	}
	// A user without an email gets no token, and the CLI says so.
	u := c.json("Long-enough-1\n", "user", "create", "--org", orgID, "--profile", profID, "--username", "noemail@acme.example", "--password-stdin")
	if u["hasSecurityToken"] != false || !strings.Contains(u["note"].(string), "no email address") {
		t.Fatalf("user without email: %+v", u)
	}
	if code, _, errs := c.run("", "user", "reset-token", "noemail@acme.example"); code != 1 || !strings.Contains(errs, "no email address") {
		t.Fatalf("reset-token without email: %d %s", code, errs)
	}
	// Duplicate user names, case-insensitively.
	if code, _, errs := c.run("Long-enough-1\n", "user", "create", "--org", orgID, "--profile", profID, "--username", "NOEMAIL@acme.example", "--password-stdin"); code != 1 || !strings.Contains(errs, "taken") {
		t.Fatalf("duplicate user: %d %s", code, errs)
	}
}

func TestEveryCommandHasHelp(t *testing.T) {
	for _, c := range commands {
		var out bytes.Buffer
		a := &App{Getenv: func(string) string { return "" }, Stdout: &out, Stderr: io.Discard, Stdin: strings.NewReader("")}
		if code := a.Run(context.Background(), append(strings.Fields(c.name), "--help")); code != 0 || !strings.Contains(out.String(), "Usage: lgadmin "+c.name) {
			t.Errorf("%s --help: exit %d, %q", c.name, code, out.String())
		}
	}
}

func TestConnectedAppCommands(t *testing.T) {
	c := newCLI(t)
	orgID := c.json("", "org", "create", "--name", "Acme")["id"].(string)
	app := c.json("", "app", "create", "--org", orgID, "--name", "Data Loader")
	id, sec := app["clientId"].(string), app["clientSecret"].(string)
	if !strings.HasPrefix(id, "3MVG9") || len(sec) != 64 {
		t.Fatalf("app %+v", app)
	}
	code, out, _ := c.run("", "app", "list", "--org", orgID, "--json")
	if code != 0 || !strings.Contains(out, id) || strings.Contains(out, sec) {
		t.Fatalf("app list must show the client id and never the secret: %d %s", code, out)
	}
	if code, _, errs := c.run("", "app", "delete", id, "--org", "00D000000000000"); code != 1 || !strings.Contains(errs, "not found") {
		t.Fatalf("deleting another org's app: %d %s", code, errs)
	}
	c.json("", "app", "delete", id, "--org", orgID)
	if code, out, _ := c.run("", "app", "list", "--org", orgID, "--json"); code != 0 || strings.Contains(out, id) {
		t.Fatalf("app still listed after delete: %s", out)
	}
}

func TestTOTPCommands(t *testing.T) {
	c := newCLI(t)
	orgID := c.json("", "org", "create", "--name", "Acme")["id"].(string)
	prof := c.json("", "profile", "create", "--org", orgID, "--name", "Integrations", "--two-factor-api")
	if prof["twoFactorApi"] != true {
		t.Fatalf("profile %+v", prof)
	}
	c.json("Long-enough-1\n", "user", "create", "--org", orgID, "--profile", prof["id"].(string), "--username", "bot@acme.example", "--password-stdin")
	if code, _, errs := c.run("", "user", "totp-register", "bot@acme.example"); code != 1 || !strings.Contains(errs, "KEYRING_KMS_KEY") {
		t.Fatalf("without a keyring key: %d %s", code, errs)
	}
	c.env["AWS_ENDPOINT_URL_KMS"], c.env["KEYRING_KMS_KEY"] = testenv.KMS(t)
	if code, out, _ := c.run("", "keys", "list"); code != 0 || !strings.Contains(out, "no data keys yet") {
		t.Fatalf("keys list before any: %d %s", code, out)
	}
	reg := c.json("", "user", "totp-register", "bot@acme.example")
	if !strings.HasPrefix(reg["otpauthUri"].(string), "otpauth://totp/") || len(reg["secret"].(string)) < 16 {
		t.Fatalf("register %+v", reg)
	}
	if u := c.json("", "user", "show", "bot@acme.example"); u["hasTotpKey"] != true {
		t.Fatalf("user %+v", u)
	}
	if u := c.json("", "user", "totp-remove", "bot@acme.example"); u["hasTotpKey"] != false {
		t.Fatalf("after remove %+v", u)
	}
	// Rotation: a new data key, the newest; the next key sealed names it.
	db := testenv.DynamoDB(c.env["AWS_ENDPOINT_URL_DYNAMODB"])
	st := dynamo.New(db, testenv.CreateTables(t, db))
	newest := c.json("", "keys", "rotate")["newestKey"].(string)
	var keys []map[string]any
	code, out, _ := c.run("", "keys", "list", "--json")
	if code != 0 || json.Unmarshal([]byte(out), &keys) != nil || len(keys) != 2 || keys[1]["id"] != newest || keys[1]["newest"] != true || keys[0]["newest"] != false {
		t.Fatalf("keys list after a rotation: %d %s", code, out)
	}
	c.json("", "user", "totp-register", "bot@acme.example")
	u, err := st.User(context.Background(), "bot@acme.example")
	if err != nil || !strings.HasPrefix(u.TOTPSealed, "v2."+newest+".") {
		t.Fatalf("after rotation the key is sealed as %q (%v); want the newest key %s", u.TOTPSealed, err, newest)
	}
}

// idPlaceholders are the ids a command line can name; each must come with
// a flag, in the usage line and in the flag list.
var idPlaceholder = regexp.MustCompile(`\b(ORG_ID|PROFILE_ID|USERNAME|CLIENT_ID|DEVICE_ID)\b`)

var idWithFlag = regexp.MustCompile(`(?:\[--([a-z-]+)\]|--([a-z-]+)) (ORG_ID|PROFILE_ID|USERNAME|CLIENT_ID|DEVICE_ID)\b`)

func TestEveryIDIsAFlagAndHelpSaysSo(t *testing.T) {
	var top bytes.Buffer
	(&App{Stdout: &top, Stderr: io.Discard}).Run(context.Background(), []string{"--help"})
	if !strings.Contains(top.String(), "Every id is a flag") || !strings.Contains(top.String(), "bare") {
		t.Errorf("lgadmin --help does not state the flag convention:\n%s", top.String())
	}
	for _, c := range commands {
		var out bytes.Buffer
		a := &App{Getenv: func(string) string { return "" }, Stdout: &out, Stderr: io.Discard, Stdin: strings.NewReader("")}
		a.Run(context.Background(), append(strings.Fields(c.name), "--help"))
		usage, _, _ := strings.Cut(out.String(), "\n")
		if got, flagged := len(idPlaceholder.FindAllString(usage, -1)), len(idWithFlag.FindAllString(usage, -1)); got != flagged {
			t.Errorf("%s: an id in %q is a bare argument without its flag", c.name, usage)
		}
		for _, m := range idWithFlag.FindAllStringSubmatch(usage, -1) {
			name := m[1] + m[2]
			if !strings.Contains(out.String(), "\n  -"+name+" "+m[3]+"\n") {
				t.Errorf("%s: usage names --%s %s but the flag list lacks it:\n%s", c.name, name, m[3], out.String())
			}
		}
	}
}

func TestIDsAreFlagsOrTheBareArgument(t *testing.T) {
	c := newCLI(t)
	orgID := c.json("", "org", "create", "--name", "Acme")["id"].(string)
	profID := c.json("", "profile", "create", "--org", orgID, "--name", "P")["id"].(string)
	c.json("Long-enough-1\n", "user", "create", "--org", orgID, "--profile", profID, "--username", "jo@acme.example", "--email", "jo@acme.example", "--password-stdin")
	appID := c.json("", "app", "create", "--org", orgID, "--name", "Loader")["clientId"].(string)
	same := []struct {
		name       string
		flag, bare []string
		key, want  string
	}{
		{"org show", []string{"org", "show", "--org", orgID}, []string{"org", "show", orgID}, "id", orgID},
		{"org set", []string{"org", "set", "--org", orgID, "--session-timeout", "4h"}, []string{"org", "set", "--session-timeout", "4h", orgID}, "sessionTimeout", "4h0m0s"},
		{"profile show", []string{"profile", "show", "--org", orgID, "--profile", profID}, []string{"profile", "show", profID, "--org", orgID}, "id", profID},
		{"user show", []string{"user", "show", "--user", "jo@acme.example"}, []string{"user", "show", "jo@acme.example"}, "username", "jo@acme.example"},
		{"user unlock", []string{"user", "unlock", "--user", "jo@acme.example"}, []string{"user", "unlock", "jo@acme.example"}, "locked", "false"},
	}
	for _, tt := range same {
		t.Run(tt.name+" takes the id as a flag or as the argument", func(t *testing.T) {
			for _, args := range [][]string{tt.flag, tt.bare} {
				if got := fmt.Sprint(c.json("", args...)[tt.key]); got != tt.want {
					t.Errorf("lgadmin %v: %s = %s; want %s", args, tt.key, got, tt.want)
				}
			}
		})
	}
	if code, out, errs := c.run("", "app", "delete", "--org", orgID, "--app", appID); code != 0 || !strings.Contains(out, appID) {
		t.Fatalf("app delete --app: %d %s %s", code, out, errs)
	}
	if code, out, errs := c.run("", "user", "device-revoke", "--user", "jo@acme.example", "--all"); code != 0 || !strings.Contains(out, "every activated browser") {
		t.Fatalf("device-revoke --user --all: %d %s %s", code, out, errs)
	}
	refused := []struct {
		name string
		args []string
		want string
	}{
		{"an id given in neither form is required", []string{"org", "show"}, "--org is required"},
		{"an org is never a bare argument of a command about something else", []string{"user", "list", orgID}, "unexpected argument"},
		{"an id given as flag and argument leaves the argument over", []string{"user", "show", "--user", "jo@acme.example", "jo@acme.example"}, "unexpected argument"},
		{"a device revoke needs a device or --all", []string{"user", "device-revoke", "jo@acme.example"}, "or --all"},
		{"a device revoke takes a device or --all, not both", []string{"user", "device-revoke", "jo@acme.example", "0123456789abcdef", "--all"}, "or --all"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			if code, _, errs := c.run("", tt.args...); code != 2 || !strings.Contains(errs, tt.want) {
				t.Fatalf("lgadmin %v: exit %d %q; want exit 2 mentioning %q", tt.args, code, errs, tt.want)
			}
		})
	}
}

// make run calls demo on every start and the SES stand-in forgets its mail
// on a restart: each start must mail a new token the newcomer can find.
func TestDemoMailsANewTokenOnEveryStart(t *testing.T) {
	c := newCLI(t)
	first := c.json("Tidal-Lantern-Orbit-42\n", "demo", "--password-stdin")
	again := c.json("Tidal-Lantern-Orbit-42\n", "demo", "--password-stdin")
	if first["created"] != true || again["created"] != false || first["orgId"] != again["orgId"] {
		t.Fatalf("demo is not idempotent: %+v then %+v", first, again)
	}
	if again["tokenSentTo"] != "demo@loginguard.example" {
		t.Fatalf("the second start does not say where the token went: %+v", again)
	}
	mails := c.mails()
	if len(mails) != 2 {
		t.Fatalf("%d mails after two starts; want a token mail on each", len(mails))
	}
	token := func(m testenv.Mail) string {
		_, after, ok := strings.Cut(m.Body.Text, "Security token (case-sensitive): ")
		if !ok {
			t.Fatalf("no token in %q", m.Body.Text)
		}
		return strings.Fields(after)[0]
	}
	if token(mails[0]) == token(mails[1]) {
		t.Fatal("the second start mailed the same token again")
	}
}

func TestPublicAppsAndTheirOAuthPolicy(t *testing.T) {
	c := newCLI(t)
	orgID := c.json("", "org", "create", "--name", "Acme")["id"].(string)
	app := c.json("", "app", "create", "--org", orgID, "--name", "Salesforce CLI", "--public", "--client-id", "PlatformCLI",
		"--callback", "http://localhost:1717/OauthRedirect", "--refresh", "rotate:720h")
	if app["clientId"] != "PlatformCLI" || app["clientSecret"] != nil || app["public"] != true || app["requirePkce"] != true ||
		app["refreshTokens"] != "rotate:720h0m0s" || len(app["callbacks"].([]any)) != 1 {
		t.Fatalf("public app %+v", app)
	}
	conf := c.json("", "app", "create", "--org", orgID, "--name", "Portal", "--callback", "https://portal.example/cb",
		"--scopes", "api,refresh_token,openid", "--pkce=false")
	if conf["clientSecret"] == nil || conf["requirePkce"] != false || conf["scopes"] != "api refresh_token openid" {
		t.Fatalf("confidential app %+v", conf)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--client-id", "Mine"}, "Only a public app"},
		{[]string{"--public", "--client-id", "PlatformCLI"}, "exists"},
		{[]string{"--callback", "http://portal.example/cb"}, "localhost"},
		{[]string{"--scopes", "chatter_api"}, "chatter_api"},
		{[]string{"--refresh", "expire"}, "lifetime"},
		{[]string{"--public", "--client-id", "a b"}, "letters, digits"},
	} {
		code, _, errs := c.run("", append([]string{"app", "create", "--org", orgID, "--name", "X"}, tt.args...)...)
		if code == 0 || !strings.Contains(errs, tt.want) {
			t.Errorf("app create %v: exit %d, %q; want an error naming %q", tt.args, code, errs, tt.want)
		}
	}
}

// The setup permissions are flags of profile create and set, off unless
// given, and shown by profile show and list.
func TestProfilePermissionFlags(t *testing.T) {
	c := newCLI(t)
	orgID := c.json("", "org", "create", "--name", "Acme")["id"].(string)
	prof := c.json("", "profile", "create", "--org", orgID, "--name", "Auditors", "--view-setup")
	profID := prof["id"].(string)
	if prof["viewSetup"] != true || prof["customizeApplication"] != false || prof["manageUsers"] != false {
		t.Fatalf("created with --view-setup: %+v", prof)
	}
	prof = c.json("", "profile", "set", profID, "--org", orgID, "--customize-application", "--view-setup=false")
	if prof["viewSetup"] != false || prof["customizeApplication"] != true || prof["manageUsers"] != false {
		t.Fatalf("set --customize-application --view-setup=false: %+v", prof)
	}
	if shown := c.json("", "profile", "show", profID, "--org", orgID); shown["customizeApplication"] != true {
		t.Fatalf("profile show: %+v", shown)
	}
	code, out, errs := c.run("", "profile", "show", profID, "--org", orgID)
	if code != 0 || !strings.Contains(out, "customize application") || !strings.Contains(out, "view setup") {
		t.Fatalf("profile show: exit %d: %s%s", code, out, errs)
	}
	code, out, errs = c.run("", "profile", "list", "--org", orgID)
	if code != 0 || !strings.Contains(out, "CUSTOMIZE APP") || !strings.Contains(out, "VIEW SETUP") {
		t.Fatalf("profile list: exit %d: %s%s", code, out, errs)
	}
	_, help, _ := c.run("", "profile", "create", "--help")
	for _, flag := range []string{"-customize-application", "-view-setup", "-manage-users"} {
		if !strings.Contains(help, flag) {
			t.Errorf("profile create --help does not list %s", flag)
		}
	}
}
