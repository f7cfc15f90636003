package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"loginguard/internal/testenv"
	"loginguard/shared/digest"
)

var bannerOrg = regexp.MustCompile(`(?m)^\s+demo org\s+(00D\w+)`)

// TestMakeInvokeDigestsTheMakeRunStack runs make run's script on free
// ports, then, as its banner says, make invoke with the sample scheduled
// event (a digest signed with the key make run seeded) and lgadmin's
// history commands through make admin; the demo user's lockout is one
// security event line in the stack's log.
func TestMakeInvokeDigestsTheMakeRunStack(t *testing.T) {
	root := testenv.Root(t)
	needBuilt(t, root, "DigestFunction/bootstrap", "SoapFunction/bootstrap")
	data := t.TempDir()
	api, dyn, ses, kms := testenv.FreePort(t), testenv.FreePort(t), testenv.FreePort(t), testenv.FreePort(t)
	cmd, banner := startMakeRun(t, root, data, api, dyn, ses, kms)
	t.Cleanup(func() { // Ctrl-C, so that the script stops what it started (before the kill of the last resort)
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
		}
	})
	m := bannerOrg.FindStringSubmatch(banner)
	if m == nil || !strings.Contains(banner, "make invoke FN=DigestFunction EVENT=events/digest/scheduled.json") {
		t.Fatalf("make run's banner lacks the demo org or the digest line:\n%s", banner)
	}
	org := m[1]
	s := &stack{baseURL: "http://127.0.0.1:" + strconv.Itoa(api)}
	for i := 0; i < 10; i++ { // the demo org locks after 10 (the default)
		s.do(t, "POST", "/services/Soap/u/50.0", nil, soapHeaders, soapEnvelope("demo@loginguard.example", "not-the-password"))
	}

	// The sample scheduled event: the run takes its time (never later
	// than now) as its clock and digests the demo org's hour due then
	// (its first), and verify checks it.
	ev, err := os.ReadFile(filepath.Join(root, "events", "digest", "scheduled.json"))
	if err != nil {
		t.Fatal(err)
	}
	var shape map[string]any
	if err := json.Unmarshal(ev, &shape); err != nil || shape["detail-type"] != "Scheduled Event" || shape["source"] != "aws.events" {
		t.Fatalf("events/digest/scheduled.json is no scheduled event: %v %v", shape, err)
	}
	inv := exec.Command("make", "-s", "invoke", "FN=DigestFunction", "EVENT=events/digest/scheduled.json", "DATA_DIR="+data)
	inv.Dir = root
	var invErr strings.Builder
	inv.Stderr = &invErr
	got, err := inv.Output()
	var rep digest.Report
	if err != nil || json.Unmarshal(lastLine(got), &rep) != nil || rep.Orgs < 1 || rep.Failed != 0 {
		t.Fatalf("make invoke FN=DigestFunction: %v\n%s%s", err, got, invErr.String())
	}
	if !strings.Contains(invErr.String(), `"msg":"history digest run"`) {
		t.Fatalf("make invoke shows no digest run line:\n%s", invErr.String())
	}
	if pem, err := makeAdmin(root, data, "history public-key"); err != nil || !strings.Contains(pem, "-----BEGIN PUBLIC KEY-----") {
		t.Fatalf("make admin history public-key: %v\n%s", err, pem)
	}
	if rep.Hours > 0 {
		if res, err := makeAdmin(root, data, "history verify --org "+org+" --since 48h"); err != nil || !strings.Contains(res, ": OK") {
			t.Fatalf("make admin history verify: %v\n%s", err, res)
		}
	}
	log, err := os.ReadFile(filepath.Join(data, "logs", "api.log"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), `"detail_type":"loginguard.Lockout"`) {
		t.Fatalf("make run's log lacks the demo user's lockout:\n%s", log)
	}
}

func lastLine(b []byte) []byte {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return []byte(lines[len(lines)-1])
}
