package soap_test

import (
	"context"
	"testing"

	"loginguard/internal/loginbench"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
)

// BenchmarkSOAPLogin runs whole SOAP logins (event in, XML out) through the
// handler in process, with the store on dynalite and the production argon2id
// parameters, each login right after one bare argon2id check with the same
// parameters. Reported per case: the login/hash ratio of each pair (median
// x-hash with p10 and p90; budget <= 1.10), the median times, and DynamoDB
// calls and capacity units per login.
func BenchmarkSOAPLogin(b *testing.B) {
	// No lockout limit, so the wrong-password round measures wrong
	// passwords, not a locked user.
	e := newEnv(b, secret.DefaultParams, policy.Lockout{})
	meter := loginbench.NewMeter(e.db)
	h := e.handler(meter)
	hash := func() { secret.VerifyPassword(e.pw, e.user.PasswordHash, secret.DefaultParams) }

	run := func(b *testing.B, password string, wantStatus int) {
		ev := fixture(b, "login.json")
		ev.Body = loginBody(e.user.Username, password)
		before := meter.Totals()
		n := loginbench.Interleaved(b, hash, func() {
			resp, _ := h.Handle(context.Background(), ev)
			if resp.StatusCode != wantStatus {
				b.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
			}
		})
		loginbench.ReportUnits(b, meter.Totals().Sub(before), n)
		if err := meter.Err(); err != nil {
			b.Fatal(err)
		}
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
