package login_test

import (
	"context"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"loginguard/shared/ids"
	"loginguard/shared/login"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
	"loginguard/shared/store"
)

// BenchmarkBrowserLogin is the login form's step from a browser that is
// already activated (the common case): password check, decision, session,
// history, on dynalite with the production argon2id parameters, beside one
// bare hash. Reported: the ratio to one hash and DynamoDB calls per login.
func BenchmarkBrowserLogin(b *testing.B) {
	f := setup(b)
	ctx := context.Background()
	svc := &login.Service{Store: f.store, Rand: rand.Reader, Now: time.Now, Params: secret.DefaultParams}
	br := &login.Browser{Service: svc, Store: f.store}
	name, pw := benchUser(b, f)
	first, err := br.Start(ctx, login.BrowserStart{Username: name, Password: pw, IP: untrusted, Client: "bench"})
	if err != nil || first.Device == "" {
		b.Fatalf("first login: %+v, %v", first, err)
	}
	u, _ := f.store.User(ctx, name)
	var hashNs float64
	b.Run("argon2id", func(b *testing.B) {
		for b.Loop() {
			secret.VerifyPassword(pw, u.PasswordHash, secret.DefaultParams)
		}
		hashNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	b.Run("activated-browser", func(b *testing.B) {
		f.calls.Store(0)
		for b.Loop() {
			out, err := br.Start(ctx, login.BrowserStart{Username: name, Password: pw, Device: first.Device, IP: untrusted, Client: "bench"})
			if err != nil || out.Result == nil {
				b.Fatalf("%+v, %v", out, err)
			}
		}
		loginNs := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		b.ReportMetric(loginNs/hashNs, "x-hash")
		b.ReportMetric(float64(f.calls.Load())/float64(b.N), "ddb-calls/op")
	})
}

// benchUser makes an org, a profile and a user with a production-strength
// password hash, no lockout limit.
func benchUser(b *testing.B, f fixture) (string, string) {
	ctx := context.Background()
	orgID, _ := ids.New("00D", rand.Reader)
	o := store.Org{ID: orgID, Name: "Bench", TimeZone: "UTC", Lockout: policy.Lockout{}, SessionTimeout: 2 * time.Hour, Version: 1}
	profID, _ := ids.New("00e", rand.Reader)
	p := store.Profile{ID: profID, OrgID: orgID, Name: "P", APIEnabled: true, Version: 1}
	id, _ := ids.New("005", rand.Reader)
	hash, _ := secret.HashPassword(password, secret.DefaultParams, rand.Reader)
	u := store.User{ID: id, OrgID: orgID, ProfileID: profID, Username: "bench@" + orgID + ".example", Email: "bench@x.example",
		Active: true, PasswordHash: hash, Policy: store.PolicyOf(o, p)}
	if err := errors.Join(f.store.CreateOrg(ctx, o), f.store.CreateProfile(ctx, p), f.store.CreateUser(ctx, u)); err != nil {
		b.Fatal(err)
	}
	return u.Username, password
}
