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
// code), reads the demo user's token from the SES stand-in's mail store,
// logs in with jsforce, and checks
// that Ctrl-C stops everything it started. A second start reuses the data.
func TestMakeRunGivesADemoLoginThatJsforceCompletes(t *testing.T) {
	root := testenv.Root(t)
	for _, b := range []string{"local", "lgadmin", "aws-lambda-rie", "local-kms", "SoapFunction/bootstrap", "WebFunction/bootstrap"} {
		if _, err := os.Stat(filepath.Join(root, ".build", b)); err != nil {
			t.Fatalf(".build/%s is missing: run make build-local (make test does)", b)
		}
	}
	data := t.TempDir()
	api, dyn, ses, kms := testenv.FreePort(t), testenv.FreePort(t), testenv.FreePort(t), testenv.FreePort(t)
	start := func() (*exec.Cmd, string) {
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
	for _, want := range []string{"http://127.0.0.1:" + strconv.Itoa(api) + "/login", "http://127.0.0.1:" + strconv.Itoa(api) + "/services/Soap/u/50.0", "demo@loginguard.example", "Demo-Passw0rd!", "http://127.0.0.1:" + strconv.Itoa(ses)} {
		if !strings.Contains(banner, want) {
			t.Errorf("the banner lacks %s:\n%s", want, banner)
		}
	}
	resp, err := http.Get("http://127.0.0.1:" + strconv.Itoa(ses) + "/store")
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Emails []struct {
			Body struct{ Text string } `json:"body"`
		} `json:"emails"`
	}
	json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if len(st.Emails) != 1 {
		t.Fatalf("%d mails in the SES stand-in; want the demo user's token", len(st.Emails))
	}
	_, after, _ := strings.Cut(st.Emails[0].Body.Text, "Security token (case-sensitive): ")
	token := strings.Fields(after)[0]
	s := &stack{root: root, baseURL: "http://127.0.0.1:" + strconv.Itoa(api), sesURL: "http://127.0.0.1:" + strconv.Itoa(ses)}
	// The login page in Chromium: the demo user's first browser needs no
	// code, a second one gets a code by mail.
	demo := account{username: "demo@loginguard.example", password: "Demo-Passw0rd!"}
	s.browse(t, "new-browser", demo, map[string]any{"email": "demo@loginguard.example"})
	if r := s.jsforce(t, "login-logout", "demo@loginguard.example", "Demo-Passw0rd!"+token); !r.OK || !r.Logout.OK {
		t.Fatalf("jsforce demo login: %+v", r)
	}
	stop(cmd)

	// Second start: same data, no second demo user, the same token still works.
	cmd, banner = start()
	if r := s.jsforce(t, "login", "demo@loginguard.example", "Demo-Passw0rd!"+token); !r.OK {
		t.Fatalf("after a restart: %+v\n%s", r, banner)
	}
	stop(cmd)
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
