package main

import (
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"loginguard/internal/apptest"
	"loginguard/internal/testenv"
	"loginguard/shared/app"
	"loginguard/shared/config"
	"loginguard/shared/login"
	"loginguard/shared/store/dynamo"
)

// A login refused outside its hours, explained by lgadmin explain, and a
// draft with longer hours replayed over it by lgadmin replay.
func TestExplainAndReplayCommands(t *testing.T) {
	c := newCLI(t)
	org := c.json("", "org", "create", "--name", "Acme", "--timezone", "America/New_York", "--trusted-ranges", "192.0.2.0-192.0.2.255")
	orgID := org["id"].(string)
	prof := c.json("", "profile", "create", "--org", orgID, "--name", "Sales", "--login-hours", "mon=08:00-18:00")
	c.json("Correct-Horse-9\n", "user", "create", "--org", orgID, "--profile", prof["id"].(string),
		"--username", "jane@acme.example", "--email", "jane@acme.example", "--password-stdin")

	// Jane logs in at 18:05 in New York on Monday 2026-11-23, from a trusted address.
	cfg, err := config.Load(func(k string) string { return c.env[k] })
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 23, 23, 5, 0, 0, time.UTC)
	a := apptest.New(t, testenv.DynamoDB(c.env["AWS_ENDPOINT_URL_DYNAMODB"]), dynamo.Tables(cfg.Tables), config.Config{},
		app.WithClock(func() time.Time { return at }), app.WithParams(testenv.FastParams))
	_, err = a.Login.Login(testenv.Context(t), login.Attempt{Username: "jane@acme.example", Secret: "Correct-Horse-9",
		IP: netip.MustParseAddr("192.0.2.10"), Type: "SOAP", Client: "test"})
	if err == nil {
		t.Fatal("a login outside the hours went through")
	}

	code, out, errs := c.run("", "explain", "jane@acme.example")
	want := "refused: outside the profile's login hours, Mon 08:00–18:00 America/New_York; attempt at 18:05 there\n"
	if code != 0 || !strings.HasPrefix(out, want) || !strings.Contains(out, "  3. login hours: refused (") {
		t.Fatalf("explain: %d\n%s%s", code, out, errs)
	}
	t.Logf("lgadmin explain jane@acme.example:\n%s", out)
	x := c.json("", "explain", "--user", "jane@acme.example")
	if x["reason"] != "LOGIN_DURING_RESTRICTED_TIME" || len(x["trace"].([]any)) != 3 || x["id"] == "" {
		t.Fatalf("explain --json: %+v", x)
	}
	if again := c.json("", "explain", "--org", orgID, "--id", x["id"].(string)); again["summary"] != x["summary"] {
		t.Fatalf("explain --org --id: %+v", again)
	}
	if again := c.json("", "explain", "--org", orgID, "--at", "2026-11-23T23:05:00Z"); again["id"] != x["id"] {
		t.Fatalf("explain --org --at: %+v", again)
	}
	if code, _, errs := c.run("", "explain", "--org", orgID, "--at", "2026-11-23T23:06:00Z"); code != 1 || !strings.Contains(errs, "no login history line") {
		t.Fatalf("explain --at a second with no line: %d %s", code, errs)
	}

	draft := filepath.Join(t.TempDir(), "draft.json")
	if err := os.WriteFile(draft, []byte(`{"profiles": {"Sales": {"loginHours": "mon=08:00-19:00"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	period := []string{"replay", "--org", orgID, "--since", "2026-11-23T00:00:00Z", "--until", "2026-11-24T00:00:00Z", "--draft", draft}
	r := c.json("", period...)
	changes, _ := json.Marshal(r["changes"])
	if r["lines"] != 1.0 || r["changed"] != 1.0 || string(changes) != `[{"count":1,"from":"refused","rule":"trusted IP ranges","to":"allowed"}]` {
		t.Fatalf("replay --json: %+v", r)
	}
	code, out, _ = c.run("", period...)
	if code != 0 || !strings.Contains(out, "1 would change") || !strings.Contains(out, "refused→allowed  by trusted IP ranges") {
		t.Fatalf("replay: %d\n%s", code, out)
	}
	t.Logf("lgadmin replay:\n%s", out)
	if code, _, errs := c.run("", "replay", "--org", orgID); code != 2 || !strings.Contains(errs, "--draft is required") {
		t.Fatalf("replay without a draft: %d %s", code, errs)
	}
	if code, _, errs := c.run("", "explain", "--org", orgID); code != 2 || !strings.Contains(errs, "--id") {
		t.Fatalf("explain --org without --id: %d %s", code, errs)
	}
}
