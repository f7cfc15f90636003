// Package testenv starts the real local stand-ins tests run against
// (dynalite for DynamoDB, aws-ses-v2-local for SES) on free loopback ports,
// and stops them when the test ends.
package testenv

import (
	"context"
	"encoding/json"
	"fmt"
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

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
)

// Root is the repository root (the folder holding go.mod).
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("testenv: no go.mod above the working directory")
		}
		dir = parent
	}
}

// FreePort returns a loopback port nobody listens on right now.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func nodeBin(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(Root(t), "node_modules", ".bin", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("testenv: %s is not installed; run `npm ci` in the repository root (make test does)", name)
	}
	return p
}

// Start runs a server command in its own process group and kills the group
// when the test ends. It returns once addr accepts connections.
func Start(t testing.TB, addr string, name string, args ...string) *exec.Cmd {
	t.Helper()
	return StartEnv(t, addr, nil, name, args...)
}

// StartEnv is Start with extra environment variables (KEY=value) on top of
// the test process's own.
func StartEnv(t testing.TB, addr string, env []string, name string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	logf, err := os.CreateTemp("", "testenv-*.log")
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("testenv: starting %s: %v", name, err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		logf.Close()
		os.Remove(logf.Name())
	})
	if err := WaitTCP(addr, 20*time.Second); err != nil {
		out, _ := os.ReadFile(logf.Name())
		t.Fatalf("testenv: %s did not listen on %s: %v\n%s", filepath.Base(name), addr, err, out)
	}
	return cmd
}

// WaitTCPClosed waits until addr refuses connections.
func WaitTCPClosed(addr string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return nil
		}
		c.Close()
		if time.Now().After(deadline) {
			return fmt.Errorf("%s still accepts connections", addr)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// WaitTCP waits until addr accepts a connection.
func WaitTCP(addr string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// Dynalite starts an in-memory dynalite and returns its endpoint URL.
func Dynalite(t testing.TB) string {
	t.Helper()
	port := FreePort(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	Start(t, addr, nodeBin(t, "dynalite"), "--host", "127.0.0.1", "--port", strconv.Itoa(port), "--createTableMs", "0")
	return "http://" + addr
}

// SES starts aws-ses-v2-local and returns its endpoint URL (also the base of
// its mail store: GET /store).
func SES(t testing.TB) string {
	t.Helper()
	url, _ := StartSES(t)
	return url
}

// StartSES is SES that also returns a function stopping the stand-in
// before the test ends (to test what happens when SES is down).
func StartSES(t testing.TB) (string, func()) {
	t.Helper()
	port := FreePort(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cmd := Start(t, addr, nodeBin(t, "aws-ses-v2-local"), "--host", "127.0.0.1", "--port", strconv.Itoa(port))
	stop := func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = WaitTCPClosed(addr, 5*time.Second)
	}
	url := "http://" + addr
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(url + "/health-check")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return url, stop
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("testenv: SES stand-in not healthy: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// AWSConfig is a configuration with dummy credentials for the stand-ins.
func AWSConfig() aws.Config {
	return aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	}
}

// FunctionEnv sets the environment a function's build reads, with dummy
// credentials and an endpoint nothing answers on: enough to build it, not
// to call AWS.
func FunctionEnv(t testing.TB) {
	for k, v := range map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
		"AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:1", "USERS_TABLE": "u", "ORGS_TABLE": "o"} {
		t.Setenv(k, v)
	}
}

// DynamoDB returns a client for the dynalite at endpoint.
func DynamoDB(endpoint string, opts ...func(*dynamodb.Options)) *dynamodb.Client {
	return dynamodb.NewFromConfig(AWSConfig(), append([]func(*dynamodb.Options){func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(endpoint)
	}}, opts...)...)
}

// SESv2 returns a client for the SES stand-in at endpoint.
func SESv2(endpoint string) *sesv2.Client {
	return sesv2.NewFromConfig(AWSConfig(), func(o *sesv2.Options) { o.BaseEndpoint = aws.String(endpoint) })
}

// Context is a test context that ends with the test.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// Mail is one message in the SES stand-in's store.
type Mail struct {
	From        string `json:"from"`
	Destination struct {
		To []string `json:"to"`
	} `json:"destination"`
	Subject string `json:"subject"`
	Body    struct {
		Text string `json:"text"`
		HTML string `json:"html"`
	} `json:"body"`
	At int64 `json:"at"`
}

// Mails returns the messages the SES stand-in at url holds for to, oldest first.
func Mails(t testing.TB, url, to string) []Mail {
	t.Helper()
	var out []Mail
	for _, m := range AllMails(t, url) {
		for _, d := range m.Destination.To {
			if strings.EqualFold(d, to) {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// HasMail reports whether one of mails carries text in its text part.
func HasMail(mails []Mail, text string) bool {
	for _, m := range mails {
		if strings.Contains(m.Body.Text, text) {
			return true
		}
	}
	return false
}

// AllMails returns every message the SES stand-in at url holds, oldest first.
func AllMails(t testing.TB, url string) []Mail {
	t.Helper()
	resp, err := http.Get(url + "/store")
	if err != nil {
		t.Fatalf("testenv: reading the SES stand-in's mail: %v", err)
	}
	defer resp.Body.Close()
	var store struct {
		Emails []Mail `json:"emails"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&store); err != nil {
		t.Fatalf("testenv: decoding the SES stand-in's mail: %v", err)
	}
	return store.Emails
}

// Event reads the sample event events/<name> (JSON, as sam local invoke and
// make invoke take it) into v: tests use the same fixtures as the README.
func Event(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(Root(t), "events", filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("events/%s: %v", name, err)
	}
}
