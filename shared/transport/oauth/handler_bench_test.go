package oauth_test

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"testing"
	"time"

	"loginguard/internal/apptest"
	"loginguard/internal/loginbench"
	"loginguard/internal/testenv"
	"loginguard/shared/config"
	"loginguard/shared/domain"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
	"loginguard/shared/transport/oauth"
)

// BenchmarkOAuthLogin runs whole username-password token requests through
// the handler in process, on dynalite with the production argon2id
// parameters, each right after one bare hash. Reported as BenchmarkSOAPLogin:
// the login/hash ratio of each pair (median x-hash, p10, p90), and DynamoDB
// calls and capacity units per login (the connected app's read included).
func BenchmarkOAuthLogin(b *testing.B) {
	ctx := context.Background()
	db := testenv.DynamoDB(testenv.Dynalite(b))
	meter := loginbench.NewMeter(db)
	built := apptest.New(b, meter, testenv.CreateTables(b, db), config.Config{})
	st := built.Store
	pw := "Bench-Passw0rd"
	a := testenv.Seed(b, st, testenv.Password(pw), testenv.Params(secret.DefaultParams),
		testenv.Org(func(o *domain.Org) { o.Name, o.Lockout = "Bench", policy.Lockout{} }),
		testenv.User(func(u *domain.User) { u.Username, u.Email = "bench@"+u.OrgID+".example", "bench@x.example" }))
	u, tok := a.User, a.Token
	app := domain.ConnectedApp{ClientID: "3MVGbench" + a.Org.ID, OrgID: a.Org.ID, Name: "Bench",
		SecretHash: secret.Digest(secret.PurposeClientSecret, "bench-secret"), CreatedAt: time.Now()}
	if err := st.CreateApp(ctx, app); err != nil {
		b.Fatal(err)
	}
	h := &oauth.Handler{Store: st, Log: slog.New(slog.NewJSONHandler(io.Discard, nil)), Login: built.Login}
	verify := func() { secret.VerifyPassword(pw, u.PasswordHash, secret.DefaultParams) }

	run := func(b *testing.B, password string, wantStatus int) {
		ev := fixture(b, "token.json")
		ev.Body = url.Values{"grant_type": {"password"}, "client_id": {app.ClientID}, "client_secret": {"bench-secret"},
			"username": {u.Username}, "password": {password}}.Encode()
		before := meter.Totals()
		n := loginbench.Interleaved(b, verify, func() {
			resp, _ := h.Handle(ctx, ev)
			if resp.StatusCode != wantStatus {
				b.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
			}
		})
		loginbench.ReportUnits(b, meter.Totals().Sub(before), n)
		if err := meter.Err(); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("success", func(b *testing.B) { run(b, pw+tok, 200) })
	b.Run("wrong-password", func(b *testing.B) { run(b, "wrong-"+tok, 400) })
}
