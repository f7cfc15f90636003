package login_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

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

// BenchmarkRefusalTiming measures what the failure floor protects and what
// it costs (SECURITY.md, "The failure floor"): the answer time of each kind
// of INVALID_LOGIN refusal (unknown user, wrong password, locked user,
// inactive user; dynalite, production argon2id parameters), interleaved,
// with no floor, the fixed 250 ms floor, and the adaptive floor under a 250
// ms ceiling. Reported per kind: the median in ms; and spread-%, how far
// apart the slowest and fastest medians are; held-ms, the mean time a
// refusal holds its instance. Run with -benchtime 100x (each op is one
// refusal of each kind; the adaptive floor starts at its ceiling for its
// first 32 refusals of each kind, which this discards).
func BenchmarkRefusalTiming(b *testing.B) {
	db := testenv.DynamoDB(testenv.Dynalite(b))
	tables := testenv.CreateTables(b, db)
	ctx := context.Background()
	for _, mode := range []struct {
		name  string
		floor time.Duration
		fixed bool
	}{{"no-floor", 0, true}, {"fixed-250ms", 250 * time.Millisecond, true}, {"adaptive", 250 * time.Millisecond, false}} {
		b.Run(mode.name, func(b *testing.B) {
			a := apptest.New(b, db, tables, config.Config{FailureFloor: mode.floor, FixedFloor: mode.fixed})
			f := fixture{store: a.Store, calls: &atomic.Int64{}}
			name, pw := benchUser(b, f)
			locked := testenv.Seed(b, f.store, testenv.Password(password), testenv.Params(secret.DefaultParams),
				testenv.Org(func(o *domain.Org) { o.Lockout = policy.Lockout{MaxAttempts: 3} }))
			inactive := testenv.Seed(b, f.store, testenv.Password(password), testenv.Params(secret.DefaultParams),
				testenv.User(func(u *domain.User) { u.Active = false }))
			try := func(username, secret string) time.Duration {
				start := time.Now()
				_, err := a.Login.Login(ctx, login.Attempt{Username: username, Secret: secret, IP: untrusted, Type: "SOAP", Client: "bench"})
				if domain.ErrorCode(err) != domain.CodeInvalidLogin {
					b.Fatalf("%s: %v", username, err)
				}
				return time.Since(start)
			}
			for i := 0; i < 3; i++ {
				try(locked.User.Username, "wrong")
			}
			kinds := []struct {
				name, user, secret string
			}{
				{"unknown", "nobody@" + locked.Org.ID + ".example", "wrong-" + pw},
				{"wrong-password", name, "wrong-" + pw},
				{"locked", locked.User.Username, "wrong-" + pw},
				{"inactive", inactive.User.Username, "wrong-" + pw},
			}
			if !mode.fixed {
				for i := 0; i < 40; i++ { // past the adaptive floor's start
					for _, k := range kinds {
						try(k.user, k.secret)
					}
				}
			}
			names := make([]string, len(kinds))
			for j, k := range kinds {
				names[j] = k.name
			}
			times := loginbench.NewKinds(names...)
			var held time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for j, k := range kinds {
					d := try(k.user, k.secret)
					times.Add(j, d)
					held += d
				}
			}
			b.StopTimer()
			times.Report(b)
			b.ReportMetric(float64(held.Microseconds())/1000/float64(b.N*len(kinds)), "held-ms")
		})
	}
}
