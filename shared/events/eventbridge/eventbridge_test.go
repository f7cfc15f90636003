package eventbridge_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"loginguard/internal/testenv"
	"loginguard/shared/awsjson"
	"loginguard/shared/config"
	"loginguard/shared/events"
	"loginguard/shared/events/eventbridge"
)

// eventBridge is an EventBridge on 127.0.0.1 answering each PutEvents in
// turn from answers (the last one again once they run out), keeping the
// requests. There is no EventBridge stand-in: this holds the call to the
// wire shape EventBridge reads.
type eventBridge struct {
	mu      sync.Mutex
	reqs    []*http.Request
	bodies  [][]byte
	answers []answer
	url     string
}

type answer struct {
	status int
	body   string
}

func newEventBridge(t *testing.T, answers ...answer) *eventBridge {
	eb := &eventBridge{answers: answers}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		eb.mu.Lock()
		eb.reqs, eb.bodies = append(eb.reqs, r), append(eb.bodies, body)
		a := eb.answers[min(len(eb.reqs), len(eb.answers))-1]
		eb.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, a.body)
	}))
	t.Cleanup(srv.Close)
	eb.url = srv.URL
	return eb
}

func (eb *eventBridge) calls() int {
	eb.mu.Lock()
	defer eb.mu.Unlock()
	return len(eb.reqs)
}

var accepted = answer{200, `{"Entries":[{"EventId":"11710aed-b79e-4468-a20b-bb3c0c3b4860"}],"FailedEntryCount":0}`}

func lockout() events.Event {
	return events.Event{Type: events.Lockout, Detail: events.Detail{OrgID: "00D000000000001", UserID: "005000000000001",
		Username: "ann@example.com", Time: time.Date(2026, 12, 3, 9, 30, 0, 123456789, time.UTC), Reason: events.ReasonMaxAttempts}}
}

// functionEnv is the environment Lambda gives a function, with
// EventBridge's endpoint at url.
func functionEnv(t *testing.T, url string) {
	for k, v := range map[string]string{"AWS_REGION": "eu-west-3", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
		"AWS_SECRET_ACCESS_KEY": "secret-example", "AWS_SESSION_TOKEN": "session-example", "AWS_ENDPOINT_URL_EVENTBRIDGE": url} {
		t.Setenv(k, v)
	}
}

func publisher(t *testing.T, url string) events.Publisher {
	t.Helper()
	functionEnv(t, url)
	cfg, err := config.AWS(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	p, err := eventbridge.FromConfig(cfg, "siem")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOneSignedPutEventsOfOneEntry(t *testing.T) {
	eb := newEventBridge(t, accepted)
	if err := publisher(t, eb.url).Publish(context.Background(), lockout()); err != nil {
		t.Fatal(err)
	}
	if eb.calls() != 1 {
		t.Fatalf("%d calls; want 1", eb.calls())
	}
	r, body := eb.reqs[0], eb.bodies[0]
	if r.Method != http.MethodPost || r.URL.Path != "/" {
		t.Errorf("request %s %s; want POST /", r.Method, r.URL)
	}
	if r.Header.Get("X-Amz-Target") != "AWSEvents.PutEvents" || r.Header.Get("Content-Type") != "application/x-amz-json-1.1" ||
		r.Header.Get("X-Amz-Security-Token") != "session-example" {
		t.Errorf("headers %v", r.Header)
	}
	if !strings.Contains(r.Header.Get("Authorization"), "SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-security-token;x-amz-target,") {
		t.Errorf("the target and content type are not signed: %s", r.Header.Get("Authorization"))
	}
	if err := testenv.VerifySigV4(r, body, "secret-example", "eu-west-3", "events"); err != nil {
		t.Errorf("signature: %v", err)
	}
	if err := testenv.VerifySigV4(r, body, "another-secret", "eu-west-3", "events"); err == nil {
		t.Error("the signature check passes with the wrong secret: it checks nothing")
	}
	// What the SDK's client sent: its fields in its order, the time in
	// epoch seconds to the millisecond.
	want := `{"Entries":[{"Detail":"{\"orgId\":\"00D000000000001\",\"userId\":\"005000000000001\",\"username\":\"ann@example.com\",` +
		`\"time\":\"2026-12-03T09:30:00.123456789Z\",\"reason\":\"MAX_INVALID_ATTEMPTS\"}","DetailType":"loginguard.Lockout",` +
		`"EventBusName":"siem","Source":"loginguard","Time":1796290200.123}]}`
	if string(body) != want {
		t.Errorf("body\n%s\nwant\n%s", body, want)
	}
}

func TestRefusalsAreErrors(t *testing.T) {
	cases := []struct {
		name    string
		answers []answer
		calls   int
		want    string // in the error; "" is success
		typ     string // the *awsjson.Error's type, if one
	}{
		{"a refused entry is an error with its code and message",
			[]answer{{200, `{"Entries":[{"ErrorCode":"InternalFailure","ErrorMessage":"try again"}],"FailedEntryCount":1}`}}, 1, "entry InternalFailure: try again", ""},
		{"a refused entry without a code is still an error", []answer{{200, `{"Entries":[{}],"FailedEntryCount":1}`}}, 1, "entry refused", ""},
		{"access denied is not retried", []answer{{400, `{"__type":"AccessDeniedException","Message":"not allowed"}`}}, 1, "not allowed", "AccessDeniedException"},
		{"an unknown bus is not retried", []answer{{400, `{"__type":"ResourceNotFoundException","message":"Event bus siem does not exist."}`}}, 1, "does not exist", "ResourceNotFoundException"},
		{"EventBridge's internal error is retried once", []answer{{500, `{"__type":"InternalException"}`}, accepted}, 2, "", ""},
		{"throttling is retried once, then given up", []answer{{400, `{"__type":"ThrottlingException"}`}}, 2, "ThrottlingException", "ThrottlingException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			eb := newEventBridge(t, tc.answers...)
			err := publisher(t, eb.url).Publish(context.Background(), lockout())
			if eb.calls() != tc.calls || (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("Publish = %v after %d calls; want %q after %d", err, eb.calls(), tc.want, tc.calls)
			}
			var e *awsjson.Error
			got, want := "", ""
			if errors.As(err, &e) {
				got = e.Service + " " + e.Op + " " + e.Type
			}
			if tc.typ != "" {
				want = "events PutEvents " + tc.typ
			}
			if got != want {
				t.Fatalf("error %q; want %q", got, want)
			}
		})
	}
}

// A publish that fails is logged by events.Emit, with EventBridge's reason,
// and goes no further.
func TestAFailedPublishIsLogged(t *testing.T) {
	eb := newEventBridge(t, answer{400, `{"__type":"AccessDeniedException","Message":"not allowed"}`})
	var log bytes.Buffer
	events.Emit(context.Background(), publisher(t, eb.url), slog.New(slog.NewJSONHandler(&log, nil)), lockout())
	if !strings.Contains(log.String(), `"msg":"security event not published"`) || !strings.Contains(log.String(), "AccessDeniedException") {
		t.Fatalf("log: %s", log.String())
	}
}

func TestNewNeedsABusRegionAndCredentials(t *testing.T) {
	functionEnv(t, "")
	cfg, _ := config.AWS(context.Background())
	if _, err := eventbridge.New(cfg, "", ""); err == nil {
		t.Error("a publisher without a bus was made")
	}
	cfg.Region = ""
	if _, err := eventbridge.New(cfg, "default", ""); err == nil {
		t.Error("a publisher without a region was made")
	}
}
