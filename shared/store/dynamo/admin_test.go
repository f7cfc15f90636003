package dynamo_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"loginguard/internal/testenv"
	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

func TestCreatesNeverReplace(t *testing.T) {
	e := newEnv(t)
	a := testenv.Seed(t, e.st)
	app := domain.ConnectedApp{ClientID: "3MVG-" + a.Org.ID, OrgID: a.Org.ID, Name: "First", SecretHash: "h", CreatedAt: now}
	if err := e.st.CreateApp(e.ctx, app); err != nil {
		t.Fatal(err)
	}
	if err := e.st.CreateKeyring(e.ctx, "totp", domain.WrappedKey{ID: "k1", Blob: []byte{1}, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	again := func(o *domain.Org) { o.Name = "Second" }
	for _, c := range []struct {
		name   string
		create func() error
		want   error
		check  func() bool // the first is still there
	}{
		{name: "a second org under one id is refused: ErrExists", want: domain.ErrExists,
			create: func() error { o := a.Org; again(&o); return e.st.CreateOrg(e.ctx, o) },
			check:  func() bool { o, err := e.st.Org(e.ctx, a.Org.ID); return err == nil && o.Name == a.Org.Name }},
		{name: "a second profile under one id is refused: ErrExists", want: domain.ErrExists,
			create: func() error { p := a.Profile; p.Name = "Second"; return e.st.CreateProfile(e.ctx, p) },
			check: func() bool {
				p, err := e.st.Profile(e.ctx, a.Org.ID, a.Profile.ID)
				return err == nil && p.Name == a.Profile.Name
			}},
		{name: "a profile of an unknown org is refused: ErrNotFound", want: domain.ErrNotFound,
			create: func() error { return e.st.CreateProfile(e.ctx, domain.Profile{ID: "00eNEW", OrgID: "00DNONE"}) },
			check: func() bool {
				_, err := e.st.Profile(e.ctx, "00DNONE", "00eNEW")
				return is(err, domain.ErrNotFound)
			}},
		{name: "a taken user name in another case is refused: ErrExists", want: domain.ErrExists,
			create: func() error {
				u := a.User
				u.ID, u.Username = "005SECOND", "  "+strings.ToUpper(a.User.Username)
				return e.st.CreateUser(e.ctx, u)
			},
			check: func() bool { u, err := e.st.User(e.ctx, a.User.Username); return err == nil && u.ID == a.User.ID }},
		{name: "a second app under one client id is refused: ErrExists", want: domain.ErrExists,
			create: func() error { b := app; b.Name = "Second"; return e.st.CreateApp(e.ctx, b) },
			check:  func() bool { got, err := e.st.App(e.ctx, app.ClientID); return err == nil && got.Name == "First" }},
		{name: "an app of an unknown org is refused: ErrNotFound", want: domain.ErrNotFound,
			create: func() error {
				return e.st.CreateApp(e.ctx, domain.ConnectedApp{ClientID: "3MVG-none", OrgID: "00DNONE"})
			},
			check: func() bool { _, err := e.st.App(e.ctx, "3MVG-none"); return is(err, domain.ErrNotFound) }},
		{name: "a second keyring creator is refused: ErrExists, and reads the first", want: domain.ErrExists,
			create: func() error {
				return e.st.CreateKeyring(e.ctx, "totp", domain.WrappedKey{ID: "k2", Blob: []byte{2}, CreatedAt: now})
			},
			check: func() bool {
				k, err := e.st.Keyring(e.ctx, "totp")
				return err == nil && len(k.Keys) == 1 && k.Keys[0].ID == "k1" && k.Version == 1
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := c.create(); !is(err, c.want) {
				t.Fatalf("err %v; want %v", err, c.want)
			}
			if !c.check() {
				t.Error("the stored item changed")
			}
		})
	}
}

func TestVersionedWritesGoOnlyForward(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		name  string
		write func(a testenv.Account, stale bool) error
		read  func(t *testing.T, a testenv.Account) (name string, version int64)
	}{
		{name: "org",
			write: func(a testenv.Account, stale bool) error {
				o := a.Org
				o.Name = "Renamed"
				if stale {
					o.Version = 0
				}
				_, err := e.st.UpdateOrg(e.ctx, o)
				return err
			},
			read: func(t *testing.T, a testenv.Account) (string, int64) {
				o, _ := e.st.Org(e.ctx, a.Org.ID)
				u := e.read(t, a.User.Username)
				if u.Policy.OrgName != o.Name || u.Policy.OrgVersion != o.Version {
					t.Errorf("the user carries %q v%d; the org is %q v%d", u.Policy.OrgName, u.Policy.OrgVersion, o.Name, o.Version)
				}
				return o.Name, o.Version
			}},
		{name: "profile",
			write: func(a testenv.Account, stale bool) error {
				p := a.Profile
				p.Name = "Renamed"
				if stale {
					p.Version = 0
				}
				_, err := e.st.UpdateProfile(e.ctx, p)
				return err
			},
			read: func(t *testing.T, a testenv.Account) (string, int64) {
				p, _ := e.st.Profile(e.ctx, a.Org.ID, a.Profile.ID)
				u := e.read(t, a.User.Username)
				if u.Policy.ProfileName != p.Name || u.Policy.ProfileVersion != p.Version {
					t.Errorf("the user carries %q v%d; the profile is %q v%d", u.Policy.ProfileName, u.Policy.ProfileVersion, p.Name, p.Version)
				}
				return p.Name, p.Version
			}},
	} {
		t.Run("an update at the stored "+c.name+" version goes to the next and reaches its users", func(t *testing.T) {
			a := testenv.Seed(t, e.st)
			if err := c.write(a, false); err != nil {
				t.Fatal(err)
			}
			if name, v := c.read(t, a); name != "Renamed" || v != 2 {
				t.Errorf("stored %q v%d; want Renamed v2", name, v)
			}
		})
		t.Run("an update from a stale "+c.name+" version is refused: ErrConflict", func(t *testing.T) {
			a := testenv.Seed(t, e.st)
			if err := c.write(a, true); !is(err, domain.ErrConflict) {
				t.Fatalf("err %v; want ErrConflict", err)
			}
			if name, v := c.read(t, a); name == "Renamed" || v != 1 {
				t.Errorf("stored %q v%d; want it unchanged at v1", name, v)
			}
		})
	}
	t.Run("a keyring key is added at the stored version only: ErrConflict from a stale one", func(t *testing.T) {
		if err := e.st.CreateKeyring(e.ctx, "ring", domain.WrappedKey{ID: "k1", CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		k, _ := e.st.Keyring(e.ctx, "ring")
		if err := e.st.AddKeyringKey(e.ctx, k, domain.WrappedKey{ID: "k2", CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		if err := e.st.AddKeyringKey(e.ctx, k, domain.WrappedKey{ID: "k3", CreatedAt: now}); !is(err, domain.ErrConflict) {
			t.Fatalf("from a stale version: %v; want ErrConflict", err)
		}
		got, _ := e.st.Keyring(e.ctx, "ring")
		if got.Version != 2 || len(got.Keys) != 2 || got.Keys[0].ID != "k1" || got.Keys[1].ID != "k2" {
			t.Errorf("stored %+v; want k1, k2 at v2", got)
		}
	})
}

func TestSyncPolicyNeverMovesAUserBack(t *testing.T) {
	e := newEnv(t)
	t.Run("a user carrying newer settings keeps them", func(t *testing.T) {
		a := testenv.Seed(t, e.st)
		e.set(t, e.tb.Users, userKey(a.User.Username), "SET pol.orgVersion = :v, pol.orgName = :n",
			map[string]typesAV{":v": n(9), ":n": s("From the future")})
		if err := e.st.SyncPolicy(e.ctx, a.Org.ID); err != nil {
			t.Fatal(err)
		}
		if u := e.read(t, a.User.Username); u.Policy.OrgName != "From the future" || u.Policy.OrgVersion != 9 {
			t.Errorf("the user went back to %q v%d", u.Policy.OrgName, u.Policy.OrgVersion)
		}
	})
	t.Run("a user of an unknown profile is counted: ErrPartialSync, the others are synced", func(t *testing.T) {
		a := testenv.Seed(t, e.st, testenv.Org(func(o *domain.Org) { o.SessionTimeout = time.Hour }))
		stray := testenv.SeedUser(t, e.st, a.Org, a.Profile)
		e.set(t, e.tb.Users, userKey(stray.User.Username), "SET profileId = :p", map[string]typesAV{":p": s("00eGONE")})
		o := a.Org
		o.Name = "Renamed"
		if _, err := e.st.UpdateOrg(e.ctx, o); !is(err, domain.ErrPartialSync) {
			t.Fatalf("err %v; want ErrPartialSync", err)
		}
		if u := e.read(t, a.User.Username); u.Policy.OrgName != "Renamed" {
			t.Errorf("the user of a known profile carries %q", u.Policy.OrgName)
		}
		if u := e.read(t, stray.User.Username); u.Policy.OrgName != a.Org.Name {
			t.Errorf("the stray user carries %q", u.Policy.OrgName)
		}
	})
}

func TestAdminUserWritesNeedTheUser(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		name  string
		write func(name string) error
	}{
		{name: "unlock", write: func(name string) error { return e.st.Unlock(e.ctx, name) }},
		{name: "activate", write: func(name string) error { _, err := e.st.SetActive(e.ctx, name, true); return err }},
		{name: "set token digest", write: func(name string) error { return e.st.SetTokenHash(e.ctx, name, "d") }},
		{name: "set TOTP key", write: func(name string) error { return e.st.SetTOTPKey(e.ctx, name, "k") }},
		{name: "remove TOTP key", write: func(name string) error { return e.st.SetTOTPKey(e.ctx, name, "") }},
		{name: "revoke all browsers", write: func(name string) error { return e.st.RevokeAllDevices(e.ctx, name) }},
	} {
		t.Run(c.name+" of an unknown user is ErrNotFound and makes no item", func(t *testing.T) {
			name := "nobody-" + t.Name() + "@example.com"
			if err := c.write(name); !is(err, domain.ErrNotFound) {
				t.Fatalf("err %v; want ErrNotFound", err)
			}
			if it := e.userItem(t, name); it != nil {
				t.Fatalf("an item was made: %v", it)
			}
		})
	}
}

func TestDeleteAppDeletesOnlyTheOrgsOwn(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		name     string
		orgOf    func(a testenv.Account) string
		want     error
		wantKept bool
	}{
		{name: "an org deletes its own app", orgOf: func(a testenv.Account) string { return a.Org.ID }},
		{name: "another org's app is left: ErrNotFound", orgOf: func(testenv.Account) string { return "00DOTHER" },
			want: domain.ErrNotFound, wantKept: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := testenv.Seed(t, e.st)
			app := domain.ConnectedApp{ClientID: "3MVG-" + a.Org.ID, OrgID: a.Org.ID, Name: "App", CreatedAt: now}
			if err := e.st.CreateApp(e.ctx, app); err != nil {
				t.Fatal(err)
			}
			if err := e.st.DeleteApp(e.ctx, c.orgOf(a), app.ClientID); !is(err, c.want) {
				t.Fatalf("err %v; want %v", err, c.want)
			}
			if _, err := e.st.App(e.ctx, app.ClientID); (err == nil) != c.wantKept {
				t.Errorf("app kept: %v; want %v", err == nil, c.wantKept)
			}
		})
	}
}

// The identity-verification policies are stored on the org and copied onto
// its users; cleared, they are stored as nothing again.
func TestIdentityVerificationPoliciesRoundTrip(t *testing.T) {
	e := newEnv(t)
	ivs := map[policy.Area]policy.Action{policy.AreaIPAddresses: policy.ActionRaise, policy.AreaUnlockUsers: policy.ActionBlock}
	a := testenv.Seed(t, e.st, testenv.Org(func(o *domain.Org) { o.IdentityVerification = ivs }))
	o, err := e.st.Org(e.ctx, a.Org.ID)
	if err != nil || !reflect.DeepEqual(o.IdentityVerification, ivs) {
		t.Fatalf("org: %+v, %v", o.IdentityVerification, err)
	}
	if u := e.read(t, a.User.Username); !reflect.DeepEqual(u.Policy.IdentityVerification, ivs) {
		t.Fatalf("user's copy: %+v", u.Policy.IdentityVerification)
	}
	o.IdentityVerification = nil
	if _, err := e.st.UpdateOrg(e.ctx, o); err != nil {
		t.Fatal(err)
	}
	if got, err := e.st.Org(e.ctx, a.Org.ID); err != nil || got.IdentityVerification != nil {
		t.Fatalf("cleared: %+v, %v", got.IdentityVerification, err)
	}
	if pol, ok := e.userItem(t, a.User.Username)["pol"].(*types.AttributeValueMemberM); !ok {
		t.Error("the user's item has no policy copy")
	} else if _, ok := pol.Value["identityVerification"]; ok {
		t.Error("the cleared policies are still on the user's item")
	}
	if u := e.read(t, a.User.Username); u.Policy.IdentityVerification != nil {
		t.Errorf("user's copy after clearing: %+v", u.Policy.IdentityVerification)
	}
}
