package e2e

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"loginguard/internal/testenv"
)

// TestMakeRunGivesADemoLoginThatJsforceCompletes runs the script behind
// `make run` on free ports with a fresh data folder, logs the demo user in
// through the login page in Chromium (a second browser with the emailed
// code), reads the demo user's token from the mail page the banner names,
// logs in with jsforce, runs `make admin` against the stack, and checks
// that Ctrl-C stops everything it started. A second start reuses the data
// and, since the SES stand-in starts with no mail, mails a new token: the
// one the banner points to logs in through SOAP, the old one no longer.
func TestMakeRunGivesADemoLoginThatJsforceCompletes(t *testing.T) {
	root := testenv.Root(t)
	needBuilt(t, root, "SoapFunction/bootstrap", "WebFunction/bootstrap")
	data := t.TempDir()
	api, dyn, ses, kms := testenv.FreePort(t), testenv.FreePort(t), testenv.FreePort(t), testenv.FreePort(t)
	start := func() (*exec.Cmd, string) { return startMakeRun(t, root, data, api, dyn, ses, kms) }
	stop := func(cmd *exec.Cmd) {
		cmd.Process.Signal(os.Interrupt) // Ctrl-C reaches the script
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatal("make run did not stop on Ctrl-C")
		}
		for _, p := range []int{api, dyn, ses} {
			if c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(p), 200*time.Millisecond); err == nil {
				c.Close()
				t.Errorf("port %d still answers after Ctrl-C", p)
			}
		}
	}

	cmd, banner := start()
	for _, want := range []string{"http://127.0.0.1:" + strconv.Itoa(api) + "/login", "http://127.0.0.1:" + strconv.Itoa(api) + "/services/Soap/u/50.0", "demo@loginguard.example", "Tidal-Lantern-Orbit-42", "http://127.0.0.1:" + strconv.Itoa(ses)} {
		if !strings.Contains(banner, want) {
			t.Errorf("the banner lacks %s:\n%s", want, banner)
		}
	}
	token, n := bannerToken(t, banner)
	if n != 1 {
		t.Fatalf("%d mails in the SES stand-in; want the demo user's token", n)
	}
	admin := `DATA_DIR=` + data + ` make admin ARGS="user show demo@loginguard.example"`
	if !strings.Contains(banner, admin) {
		t.Errorf("the banner lacks %s:\n%s", admin, banner)
	}
	// make admin reaches this stack with nothing set by hand.
	if out, err := makeAdmin(root, data, "user show demo@loginguard.example --json"); err != nil || !strings.Contains(out, `"username": "demo@loginguard.example"`) {
		t.Fatalf("make admin against the running stack: %v\n%s", err, out)
	}
	s := &stack{root: root, baseURL: "http://127.0.0.1:" + strconv.Itoa(api), sesURL: "http://127.0.0.1:" + strconv.Itoa(ses)}
	// The login page in Chromium: the demo user's first browser needs no
	// code, a second one gets a code by mail.
	demo := account{username: "demo@loginguard.example", password: "Tidal-Lantern-Orbit-42"}
	s.browse(t, "new-browser", demo, map[string]any{"email": "demo@loginguard.example"})
	if r := s.jsforce(t, "login-logout", "demo@loginguard.example", "Tidal-Lantern-Orbit-42"+token); !r.OK || !r.Logout.OK {
		t.Fatalf("jsforce demo login: %+v", r)
	}
	stop(cmd)
	if out, err := makeAdmin(root, data, "user show demo@loginguard.example"); err == nil || !strings.Contains(out, "no make run stack is running") {
		t.Errorf("make admin with the stack stopped: %v\n%s", err, out)
	}

	// Second start: same data, no second demo user; the mail page starts
	// empty, so the demo user has a new token there, and only it works.
	cmd, banner = start()
	fresh, n := bannerToken(t, banner)
	if n != 1 || fresh == token {
		t.Fatalf("after a restart: %d mails, token new: %v; want the one new token mail\n%s", n, fresh != token, banner)
	}
	if r := s.jsforce(t, "login", "demo@loginguard.example", "Tidal-Lantern-Orbit-42"+fresh); !r.OK {
		t.Fatalf("after a restart the token the banner points to does not log in: %+v\n%s", r, banner)
	}
	if r := s.jsforce(t, "login", "demo@loginguard.example", "Tidal-Lantern-Orbit-42"+token); r.OK || r.Code != "INVALID_LOGIN" {
		t.Fatalf("after a restart the previous token: %+v; want INVALID_LOGIN", r)
	}
	stop(cmd)
}

// needBuilt stops the test unless make build-local has built the
// gateway, the CLI, the stand-ins it builds and these of .build.
func needBuilt(t *testing.T, root string, also ...string) {
	t.Helper()
	for _, b := range append([]string{"local", "lgadmin", "aws-lambda-rie", "local-kms"}, also...) {
		if _, err := os.Stat(filepath.Join(root, ".build", b)); err != nil {
			t.Fatalf(".build/%s is missing: run make build-local (make test does)", b)
		}
	}
}

// startMakeRun runs the script behind make run with data as its folder, on
// the given ports (API, DynamoDB, SES, KMS), and returns it and its banner
// once it is up; the test's end kills whatever it started.
func startMakeRun(t *testing.T, root, data string, api, dyn, ses, kms int) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(root, "scripts", "run-local.sh"))
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "DATA_DIR="+data, "API_PORT="+strconv.Itoa(api),
		"DYNAMODB_PORT="+strconv.Itoa(dyn), "SES_PORT="+strconv.Itoa(ses), "KMS_PORT="+strconv.Itoa(kms))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() })
	var banner strings.Builder
	sc := bufio.NewScanner(out)
	deadline := time.AfterFunc(90*time.Second, func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	defer deadline.Stop()
	for sc.Scan() {
		banner.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "Ctrl-C stops everything") {
			go io.Copy(io.Discard, out)
			return cmd, banner.String()
		}
	}
	t.Fatalf("make run did not come up:\n%s", banner.String())
	return nil, ""
}

var bannerMailURL = regexp.MustCompile(`(?m)^\s+mail\s+(http://127\.0\.0\.1:\d+)/`)

// bannerToken reads the mail page the banner names and returns the token
// in its newest security-token mail and how many mails it holds.
func bannerToken(t *testing.T, banner string) (string, int) {
	t.Helper()
	m := bannerMailURL.FindStringSubmatch(banner)
	if m == nil {
		t.Fatalf("the banner names no mail page:\n%s", banner)
	}
	resp, err := http.Get(m[1] + "/store")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct {
		Emails []struct {
			Body struct{ Text string } `json:"body"`
		} `json:"emails"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatalf("the mail page's store: %v", err)
	}
	token := ""
	for _, e := range st.Emails {
		if _, after, ok := strings.Cut(e.Body.Text, "Security token (case-sensitive): "); ok {
			token = strings.Fields(after)[0]
		}
	}
	if token == "" {
		t.Fatalf("no security-token mail on the page the banner names (%d mails)", len(st.Emails))
	}
	return token, len(st.Emails)
}

// makeAdmin runs `make admin` as a newcomer would, for the stack of data.
func makeAdmin(root, data, args string) (string, error) {
	cmd := exec.Command("make", "-s", "admin", "DATA_DIR="+data, "ARGS="+args)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestMakeRunSaysWhenAPortIsBusy(t *testing.T) {
	root := testenv.Root(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	busy := l.Addr().(*net.TCPAddr).Port
	cmd := exec.Command(filepath.Join(root, "scripts", "run-local.sh"))
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "DATA_DIR="+t.TempDir(), "API_PORT="+strconv.Itoa(busy),
		"DYNAMODB_PORT="+strconv.Itoa(testenv.FreePort(t)), "SES_PORT="+strconv.Itoa(testenv.FreePort(t)))
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "port "+strconv.Itoa(busy)+" for the local API (API_PORT) is already in use") {
		t.Fatalf("make run on a busy port: %v\n%s", err, out)
	}
}
