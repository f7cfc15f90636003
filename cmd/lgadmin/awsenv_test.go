package main

import (
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestNoAWSConfigurationIsOneClearLine runs the real binary with an empty
// environment (no region, no credentials, no HOME): it must say in one
// line what is missing and how to reach the local stack, and exit non-zero,
// without the SDK's retries and EC2 metadata errors.
func TestNoAWSConfigurationIsOneClearLine(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build lgadmin: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "lgadmin")
	if out, err := exec.Command(gobin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, args := range [][]string{{"user", "show", "demo@loginguard.example"}, {"org", "show", "--org", "00D000000000000"}} {
		cmd := exec.Command(bin, args...)
		cmd.Env = []string{}
		cmd.Dir = t.TempDir() // no ~/.aws, no files of ours
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		start := time.Now()
		err := cmd.Run()
		took := time.Since(start)
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() == 0 {
			t.Fatalf("lgadmin %v with no AWS configuration: %v; want a non-zero exit", args, err)
		}
		line := stderr.String()
		if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") || stdout.Len() != 0 {
			t.Fatalf("want exactly one line on stderr and nothing on stdout, got stderr %q stdout %q", line, stdout.String())
		}
		for _, want := range []string{"AWS is not configured", "AWS_REGION", "AWS_ACCESS_KEY_ID", `make admin ARGS="` + strings.Join(args, " ") + `"`} {
			if !strings.Contains(line, want) {
				t.Errorf("the line lacks %q: %s", want, line)
			}
		}
		for _, noise := range []string{"IMDS", "ec2imds", "retry", "operation error"} {
			if strings.Contains(line, noise) {
				t.Errorf("the line carries SDK noise %q: %s", noise, line)
			}
		}
		// Nothing to wait for without a region: not even the metadata service.
		if took > 5*time.Second {
			t.Errorf("lgadmin took %v to say AWS is not configured", took)
		}
	}
}
