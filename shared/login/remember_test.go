package login_test

import (
	"testing"

	"loginguard/internal/testenv"
	"loginguard/shared/domain"
	"loginguard/shared/login"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
)

// rememberUser is a user whose org has "Remember me until logout" set to on.
func (bw *browserWorld) rememberUser(name string, on, returning bool) string {
	bw.t.Helper()
	a := testenv.SeedUser(bw.t, bw.st, bw.org, bw.prof, testenv.Password(password), testenv.Params(fastParams),
		testenv.Org(func(o *domain.Org) { o.RememberMe = on }),
		testenv.User(func(u *domain.User) { u.Username = name + "@" + bw.org.ID + ".example"; u.Email = u.Username }))
	if returning {
		if err := bw.st.Succeed(bw.ctx, bw.userRecord(a.User.Username), bw.clock.Now().AddDate(0, 0, -1), "", 0); err != nil {
			bw.t.Fatal(err)
		}
	}
	return a.User.Username
}

// storedPersistence is what the store kept of a session's persistence.
func (bw *browserWorld) storedPersistence(res *login.Result) bool {
	bw.t.Helper()
	s, err := bw.st.Session(bw.ctx, secret.Digest(secret.PurposeSession, res.SessionID), bw.clock.Now())
	if err != nil {
		bw.t.Fatal(err)
	}
	return s.Persistent
}

func TestRememberMeOpensAPersistentSessionOnlyWhereTheOrgOffersIt(t *testing.T) {
	bw := newBrowserWorld(t, policy.DefaultLockout, nil, testenv.SES(t))
	tests := []struct {
		name               string
		orgOn, ticked      bool
		returning          bool // a new browser is asked for an emailed code first
		wantPersistent     bool
		wantOutcomeOffered bool
	}{
		{"ticked where the org offers it: persistent", true, true, false, true, true},
		{"ticked, then the emailed code: the session after the code is persistent", true, true, true, true, true},
		{"not ticked where the org offers it: a browser session", true, false, false, false, true},
		{"not ticked, then the emailed code: a browser session", true, false, true, false, true},
		{"ticked (a forged field) where the org does not offer it: ignored", false, true, false, false, false},
		{"ticked where the org does not offer it, then the code: ignored", false, true, true, false, false},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			name := bw.rememberUser("r"+string(rune('a'+i)), tc.orgOn, tc.returning)
			out, err := bw.b.Start(bw.ctx, login.BrowserStart{Username: name, Password: password, IP: untrusted, Client: "t", Remember: tc.ticked})
			if err != nil {
				t.Fatal(err)
			}
			if tc.returning {
				if out.Result != nil || out.Pending.Kind != policy.ChallengeEmailCode {
					t.Fatalf("a new browser of a returning user: %+v; want an emailed code", out)
				}
				out, err = bw.b.Answer(bw.ctx, login.BrowserAnswer{ChallengeID: out.ChallengeID, Code: bw.lastCode(name), IP: untrusted,
					Client: "t", Remember: tc.ticked})
				if err != nil {
					t.Fatal(err)
				}
			}
			if out.Result == nil {
				t.Fatalf("no session: %+v", out)
			}
			if got := out.Result.Session.Persistent; got != tc.wantPersistent {
				t.Errorf("session persistent %v; want %v", got, tc.wantPersistent)
			}
			if got := bw.storedPersistence(out.Result); got != tc.wantPersistent {
				t.Errorf("stored session persistent %v; want %v", got, tc.wantPersistent)
			}
			if out.RememberMe != tc.wantOutcomeOffered {
				t.Errorf("outcome RememberMe %v; want the org's setting %v", out.RememberMe, tc.wantOutcomeOffered)
			}
		})
	}
}

func TestAPILoginsAreNeverPersistent(t *testing.T) {
	w := newWorld(t, policy.DefaultLockout, "", nil)
	a := testenv.SeedUser(t, w.st, w.org, w.prof, testenv.Password(password), testenv.Params(fastParams),
		testenv.Org(func(o *domain.Org) { o.RememberMe = true }))
	res, err := w.login(a.User.Username, password+a.Token, untrusted)
	if err != nil {
		t.Fatal(err)
	}
	if res.Session.Persistent {
		t.Fatal("an API session is never a persistent browser session")
	}
}
