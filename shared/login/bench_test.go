package login_test

import (
	"context"
	"sync/atomic"
	"testing"

	"loginguard/internal/apptest"
	"loginguard/internal/loginbench"
	"loginguard/internal/testenv"
	"loginguard/shared/config"
	"loginguard/shared/domain"
	"loginguard/shared/login"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
)

// BenchmarkBrowserLogin is the login form's step from a browser that is
// already activated (the common case): password check, decision, session,
// history, on dynalite with the production argon2id parameters, each login
// right after one bare hash. Reported as BenchmarkSOAPLogin: the login/hash
// ratio of each pair (median x-hash, p10, p90), and DynamoDB calls and
// capacity units per login.
func BenchmarkBrowserLogin(b *testing.B) {
	db := testenv.DynamoDB(testenv.Dynalite(b))
	meter := loginbench.NewMeter(db)
	a := apptest.New(b, meter, testenv.CreateTables(b, db), config.Config{})
	f := fixture{store: a.Store, calls: &atomic.Int64{}}
	ctx := context.Background()
	br := a.Browser
	name, pw := benchUser(b, f)
	first, err := br.Start(ctx, login.BrowserStart{Username: name, Password: pw, IP: untrusted, Client: "bench"})
	if err != nil || first.Device == "" {
		b.Fatalf("first login: %+v, %v", first, err)
	}
	u, _ := f.store.User(ctx, name)
	hash := func() { secret.VerifyPassword(pw, u.PasswordHash, secret.DefaultParams) }
	run := func(b *testing.B, password string, ok bool) {
		before := meter.Totals()
		n := loginbench.Interleaved(b, hash, func() {
			out, err := br.Start(ctx, login.BrowserStart{Username: name, Password: password, Device: first.Device, IP: untrusted, Client: "bench"})
			if (err == nil && out.Result != nil) != ok {
				b.Fatalf("%+v, %v", out, err)
			}
		})
		loginbench.ReportUnits(b, meter.Totals().Sub(before), n)
		if err := meter.Err(); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("activated-browser", func(b *testing.B) { run(b, pw, true) })
	b.Run("wrong-password", func(b *testing.B) { run(b, "wrong-"+pw, false) })
}

// benchUser makes an org, a profile and a user with a production-strength
// password hash, no lockout limit.
func benchUser(b *testing.B, f fixture) (string, string) {
	a := testenv.Seed(b, f.store, testenv.Password(password), testenv.Token(""), testenv.Params(secret.DefaultParams),
		testenv.Org(func(o *domain.Org) { o.Name, o.Lockout = "Bench", policy.Lockout{} }),
		testenv.User(func(u *domain.User) { u.Username, u.Email = "bench@"+u.OrgID+".example", "bench@x.example" }))
	return a.User.Username, a.Password
}
