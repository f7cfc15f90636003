package testenv

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/ids"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
)

// Seeder is the part of the store seeding writes to (a dynamo.Store).
type Seeder interface {
	CreateOrg(context.Context, domain.Org) error
	CreateProfile(context.Context, domain.Profile) error
	CreateUser(context.Context, domain.User) error
}

// FastParams hash seeded passwords quickly; benchmarks pass
// secret.DefaultParams with Params.
var FastParams = secret.Params{MemoryKiB: 64, Time: 1, Threads: 1}

// Account is what Seed made: an org, a profile in it, a user of that
// profile, and the user's password and security token in clear.
type Account struct {
	Org      domain.Org
	Profile  domain.Profile
	User     domain.User
	Password string
	Token    string // "" when seeded with Token("")
}

// Spec is an Account before it is stored; mods change it.
type Spec struct {
	Account
	Params secret.Params // of the password hash
}

// Mod changes what Seed stores.
type Mod func(*Spec)

// Org changes the org (nil changes nothing).
func Org(f func(*domain.Org)) Mod {
	return func(s *Spec) {
		if f != nil {
			f(&s.Org)
		}
	}
}

// Profile changes the profile (nil changes nothing).
func Profile(f func(*domain.Profile)) Mod {
	return func(s *Spec) {
		if f != nil {
			f(&s.Profile)
		}
	}
}

// User changes the user (nil changes nothing); it sees the org and profile
// ids. The password hash (unless set), token digest and settings copy are
// set after the mods.
func User(f func(*domain.User)) Mod {
	return func(s *Spec) {
		if f != nil {
			f(&s.User)
		}
	}
}

// Password sets the user's password.
func Password(pw string) Mod { return func(s *Spec) { s.Password = pw } }

// Token sets the user's security token ("" for none).
func Token(tok string) Mod { return func(s *Spec) { s.Token = tok } }

// Params sets the password hash's parameters (FastParams by default).
func Params(p secret.Params) Mod { return func(s *Spec) { s.Params = p } }

// Seed stores a new org (UTC, the default lockout, 2-hour sessions), a
// profile in it (API enabled) and an active user of it with a random
// token, all changed by mods.
func Seed(t testing.TB, st Seeder, mods ...Mod) Account {
	t.Helper()
	s := spec(t, newOrg(t), domain.Profile{}, mods)
	create(t, st.CreateOrg(context.Background(), s.Org))
	create(t, st.CreateProfile(context.Background(), s.Profile))
	return seedUser(t, st, s)
}

// SeedOrg stores a new org as Seed does, without profile or user (nil
// mods change nothing).
func SeedOrg(t testing.TB, st Seeder, mods ...func(*domain.Org)) domain.Org {
	t.Helper()
	o := newOrg(t)
	for _, m := range mods {
		if m != nil {
			m(&o)
		}
	}
	o.Version = 1
	create(t, st.CreateOrg(context.Background(), o))
	return o
}

// SeedProfile stores a new profile in o as Seed does.
func SeedProfile(t testing.TB, st Seeder, o domain.Org, mods ...func(*domain.Profile)) domain.Profile {
	t.Helper()
	s := spec(t, o, domain.Profile{}, []Mod{func(s *Spec) {
		for _, m := range mods {
			if m != nil {
				m(&s.Profile)
			}
		}
	}})
	create(t, st.CreateProfile(context.Background(), s.Profile))
	return s.Profile
}

// SeedUser stores a new user of profile p in org o (both stored already)
// as Seed does; Org and Profile mods change only the user's settings copy.
func SeedUser(t testing.TB, st Seeder, o domain.Org, p domain.Profile, mods ...Mod) Account {
	t.Helper()
	return seedUser(t, st, spec(t, o, p, mods))
}

func newOrg(t testing.TB) domain.Org {
	return domain.Org{ID: newID(t, "00D"), Name: "Acme", Version: 1,
		OrgSettings: domain.OrgSettings{TimeZone: "UTC", Lockout: policy.DefaultLockout, SessionTimeout: 2 * time.Hour, Password: policy.DefaultPasswordPolicy}}
}

// spec fills in the defaults around o and p (p.ID "" for a new profile),
// then applies mods.
func spec(t testing.TB, o domain.Org, p domain.Profile, mods []Mod) Spec {
	t.Helper()
	if p.ID == "" {
		p = domain.Profile{ID: newID(t, "00e"), OrgID: o.ID, Name: "P", Version: 1,
			ProfileSettings: domain.ProfileSettings{APIEnabled: true}}
	}
	id := newID(t, "005")
	tok, err := secret.NewToken(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	username := "user-" + id + "@" + o.ID + ".example"
	s := Spec{Params: FastParams, Account: Account{Org: o, Profile: p, Password: "Pa55word-" + id[10:], Token: tok,
		User: domain.User{ID: id, OrgID: o.ID, ProfileID: p.ID, Username: username, Email: username, Active: true}}}
	for _, m := range mods {
		m(&s)
	}
	s.Org.Version, s.Profile.Version, s.Profile.OrgID = 1, 1, s.Org.ID
	return s
}

func seedUser(t testing.TB, st Seeder, s Spec) Account {
	t.Helper()
	u := &s.User
	u.OrgID, u.ProfileID, u.Policy = s.Org.ID, s.Profile.ID, domain.PolicyOf(s.Org, s.Profile)
	if u.PasswordHash == "" {
		hash, err := secret.HashPassword(s.Password, s.Params, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		u.PasswordHash = hash
	}
	if s.Token != "" {
		u.TokenHash = secret.Digest(secret.PurposeToken, s.Token)
	}
	create(t, st.CreateUser(context.Background(), *u))
	return s.Account
}

func newID(t testing.TB, prefix string) string {
	t.Helper()
	id, err := ids.New(prefix, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func create(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("testenv: seeding: %v", err)
	}
}
