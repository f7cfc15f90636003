package authorizer_test

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"loginguard/internal/apptest"
	"loginguard/internal/testenv"
	"loginguard/shared/config"
	"loginguard/shared/domain"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
	"loginguard/shared/transport/authorizer"
)

func setup(tb testing.TB) (*authorizer.Authorizer, string, *atomic.Int64) {
	var calls atomic.Int64
	db := testenv.DynamoDB(testenv.Dynalite(tb), func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			return s.Initialize.Add(middleware.InitializeMiddlewareFunc("count", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				calls.Add(1)
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
		})
	})
	a := apptest.New(tb, db, testenv.CreateTables(tb, db), config.Config{})
	st := a.Store
	id, _ := secret.NewSessionID("00D000000000001", rand.Reader)
	now := time.Now()
	if err := st.OpenSession(context.Background(), domain.Session{LoginType: policy.LoginSOAP, IDHash: secret.Digest(secret.PurposeSession, id), UserID: "005000000000001",
		OrgID: "00D000000000001", IP: "127.0.0.1", Level: string(policy.LevelStandard), Timeout: 2 * time.Hour, CreatedAt: now, LastSeenAt: now},
		domain.LoginEvent{At: now, UserID: "005000000000001"}); err != nil {
		tb.Fatal(err)
	}
	return &authorizer.Authorizer{Login: a.Login, Log: slog.New(slog.NewJSONHandler(io.Discard, nil))}, id, &calls
}

func event(token string) events.APIGatewayV2CustomAuthorizerV2Request {
	var ev events.APIGatewayV2CustomAuthorizerV2Request
	ev.Headers = map[string]string{"authorization": "Bearer " + token}
	ev.RequestContext.HTTP.Method = "GET"
	ev.RequestContext.HTTP.Path = "/api/whoami"
	ev.RequestContext.HTTP.SourceIP = "127.0.0.1"
	return ev
}

func TestAuthorizerSampleEvent(t *testing.T) {
	a, _, _ := setup(t)
	var ev events.APIGatewayV2CustomAuthorizerV2Request
	testenv.Event(t, "authorizer/request.json", &ev)
	if resp, err := a.Authorize(context.Background(), ev); err != nil || resp.IsAuthorized {
		t.Fatalf("the sample event carries a made-up session: %+v %v; want denied", resp, err)
	}
}

func TestAuthorizerAllowsAndDenies(t *testing.T) {
	a, id, calls := setup(t)
	calls.Store(0)
	resp, _ := a.Authorize(context.Background(), event(id))
	if !resp.IsAuthorized || resp.Context[authorizer.CtxUserID] != "005000000000001" || calls.Load() != 1 {
		t.Fatalf("valid session: %+v after %d calls; want allowed in one read", resp, calls.Load())
	}
	if resp, _ := a.Authorize(context.Background(), event("00D000000000001!nope")); resp.IsAuthorized {
		t.Fatal("a made-up session is allowed")
	}
}

func TestResourceIsReadOnceInOneFormAndOddPathsAreRefused(t *testing.T) {
	for _, tt := range []struct {
		path, want string
		ok         bool
	}{
		{"/api/reports/q1", "reports", true},
		{"/api/reports", "reports", true},
		{"/api/reports/", "reports", true},
		{"/api/Reports", "reports", true},
		{"/api/REPORTS/x", "reports", true},
		{"/api/%72eports", "reports", true},
		{"/api/whoami", "whoami", true},
		{"/api/", "", true},
		{"/other", "", true},
		{"/API/reports", "reports", true},
		{"/api//reports", "", false},
		{"/api/./reports", "", false},
		{"/api/x/../reports", "", false},
		{"/api/reports/../setup", "", false},
		{"/api/%2e/reports", "", false},
		{"/api/reports%2fq1", "", false},
		{"/api/%252e/reports", "", false},
		{"/api/%zz", "", false},
		{"/api/rep\\orts", "", false},
		{"/api/rep%00orts", "", false},
		{"//api/reports", "", false},
		{"///api/reports", "", false},
		{"//API/reports", "", false},
		{"/services/data", "", true},
		{"//services/data", "", true},
		{"//services/data/v62.0/sobjects/User/005000000000001AAA", "", true},
		{"///services/data/v62.0/query", "", true},
		{"//services/data/", "", true},
		{"//services/data//query", "", false},
		{"//services/data/../../api/reports", "", false},
		{"//services/database", "", false},
		{"//services/oauth2/userinfo", "", false},
		{"/%2fservices/data", "", false},
		{"//", "", false},
	} {
		got, ok := authorizer.Resource(tt.path)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Resource(%q) = %q, %v; want %q, %v", tt.path, got, ok, tt.want, tt.ok)
		}
	}
}

// BenchmarkSessionCheck is one authorizer decision for a valid session, on
// dynalite; reported with DynamoDB calls per check (budget: one read).
func BenchmarkSessionCheck(b *testing.B) {
	a, id, calls := setup(b)
	ev := event(id)
	calls.Store(0)
	for b.Loop() {
		if resp, _ := a.Authorize(context.Background(), ev); !resp.IsAuthorized {
			b.Fatal("denied")
		}
	}
	b.ReportMetric(float64(calls.Load())/float64(b.N), "ddb-calls/op")
}
