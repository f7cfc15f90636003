package soapapi_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"loginguard/shared/policy"
	"loginguard/shared/secret"
)

// countCalls adds a middleware that counts every DynamoDB API call.
func countCalls(n *atomic.Int64) func(*dynamodb.Options) {
	return func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			return s.Initialize.Add(middleware.InitializeMiddlewareFunc("count-calls",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					n.Add(1)
					return next.HandleInitialize(ctx, in)
				}), middleware.Before)
		})
	}
}

// BenchmarkSOAPLogin runs whole SOAP logins (event in, XML out) through the
// handler in process, with the store on dynalite and the production argon2id
// parameters, beside one bare argon2id check with the same parameters.
// Reported: ns/op of the login, hash-ns, the ratio login/hash (budget <= 1.10)
// and DynamoDB calls per login.
func BenchmarkSOAPLogin(b *testing.B) {
	var calls atomic.Int64
	// No lockout limit, so the wrong-password round measures wrong
	// passwords, not a locked user.
	e := newEnv(b, secret.DefaultParams, policy.Lockout{}, countCalls(&calls))

	// The bare hash runs first as its own sub-benchmark; its time per op is
	// the yardstick of the logins after it.
	var hashNs float64
	b.Run("argon2id", func(b *testing.B) {
		for b.Loop() {
			secret.VerifyPassword(e.pw, e.user.PasswordHash, secret.DefaultParams)
		}
		hashNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})

	run := func(b *testing.B, password string, wantStatus int) {
		ev := fixture(b, "login.json")
		ev.Body = loginBody(e.user.Username, password)
		calls.Store(0)
		b.ResetTimer()
		for b.Loop() {
			resp, _ := e.h.Handle(context.Background(), ev)
			if resp.StatusCode != wantStatus {
				b.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
			}
		}
		b.StopTimer()
		loginNs := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		b.ReportMetric(hashNs, "hash-ns")
		b.ReportMetric(loginNs/hashNs, "x-hash")
		b.ReportMetric(float64(calls.Load())/float64(b.N), "ddb-calls/op")
	}
	// One DynamoDB round trip on this stand-in, for scale: a login waits for two.
	b.Run("dynamodb-roundtrip", func(b *testing.B) {
		for b.Loop() {
			if _, err := e.st.User(context.Background(), e.user.Username); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("success", func(b *testing.B) { run(b, e.pw+e.token, 200) })
	b.Run("wrong-password", func(b *testing.B) { run(b, "wrong-"+e.token, 500) })
}
