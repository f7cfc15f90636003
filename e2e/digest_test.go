package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"loginguard/internal/testenv"
	"loginguard/shared/digest"
	"loginguard/shared/domain"
)

// invoke runs one event through a function of the stack as make invoke
// does (local invoke, a fresh emulator) and returns the function's answer.
func (s *stack) invoke(t *testing.T, function string, event []byte) []byte {
	t.Helper()
	file := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(file, event, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(s.localBin, append([]string{"invoke", "--function", function, "--event", file}, s.localArgs...)...)
	cmd.Env = s.localEnv
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("local invoke %s: %v\n%s%s", function, err, out.String(), errOut.String())
	}
	return out.Bytes()
}

// TestDigestFunctionRunsOnItsScheduleAndByInvoke runs the digest function
// both ways the local stack does: on its schedule (the gateway's timer, as
// make run has it, here every second), and through local invoke with a
// scheduled event (make invoke). lgadmin then checks the signed chain. The
// IAM check sees its DynamoDB and kms:Sign calls.
func TestDigestFunctionRunsOnItsScheduleAndByInvoke(t *testing.T) {
	s := startStackWith(t, stackOptions{schedules: "1s"})
	a := s.account(t, nil, nil)
	ctx := testenv.Context(t)
	u, err := s.st.User(ctx, a.username)
	if err != nil {
		t.Fatal(err)
	}
	hour := digest.DueHour(time.Now(), digest.DefaultGrace)
	for i, ip := range []string{"192.0.2.10", "192.0.2.11"} {
		if err := s.st.Record(ctx, domain.LoginEvent{At: hour.Add(time.Duration(i+1) * time.Minute), OrgID: a.org.ID, UserID: u.ID,
			Username: u.Username, IP: ip, LoginType: "SOAP", Client: "jsforce", Reason: "OK", Allowed: true}); err != nil {
			t.Fatal(err)
		}
	}
	// The timer's runs: wait (up to the test's context) for the hour's digest.
	var d digest.Digest
	for {
		if d, err = s.st.LastDigest(ctx, a.org.ID); err == nil {
			break
		}
		if !errors.Is(err, domain.ErrNotFound) || ctx.Err() != nil {
			t.Fatalf("no digest from the scheduled runs: %v\n%s", err, s.logTail(t))
		}
		time.Sleep(200 * time.Millisecond)
	}
	if d.Kind != digest.KindHour || !d.Hour.Equal(hour) || len(d.Entries) != 2 || d.Seq != 1 {
		t.Fatalf("digest %s seq %d with %d entries; want hour %s's, first, 2 lines", d.ID(), d.Seq, len(d.Entries), hour.Format(digest.HourFormat))
	}
	// make invoke's path, with a scheduled event as EventBridge sends it:
	// the hour is done, so this run adds nothing and says so.
	ev, err := os.ReadFile(filepath.Join(s.root, "events", "digest", "scheduled.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep digest.Report
	out := s.invoke(t, "DigestFunction", ev)
	if err := json.Unmarshal(out, &rep); err != nil || rep.Orgs < 1 || rep.Failed != 0 || rep.Hours != 0 {
		t.Fatalf("make invoke's answer %s (%v); want a report of no new digest and no failure", out, err)
	}
	// lgadmin checks the chain with the key KMS publishes.
	if got := s.admin(t, "", "history", "verify", "--org", a.org.ID, "--since", "3h"); !strings.Contains(got, "1 digests and 2 lines checked") || !strings.Contains(got, ": OK") {
		t.Fatalf("history verify:\n%s", got)
	}
	if !strings.Contains(s.logTail(t), `"msg":"history digest run"`) {
		t.Fatalf("the gateway's log has no digest run line")
	}
}

// logTail is the gateway's log (every function's lines).
func (s *stack) logTail(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 20000 {
		b = b[len(b)-20000:]
	}
	return string(b)
}
