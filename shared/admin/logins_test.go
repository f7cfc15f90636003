package admin_test

import (
	"context"
	"crypto/rand"
	"net/netip"
	"sync"
	"testing"
	"time"

	"loginguard/internal/apptest"
	"loginguard/internal/testenv"
	"loginguard/shared/admin"
	"loginguard/shared/app"
	"loginguard/shared/config"
	"loginguard/shared/domain"
	"loginguard/shared/login"
	"loginguard/shared/mail/ses"
	"loginguard/shared/policy"
	"loginguard/shared/sessions"
	"loginguard/shared/store/dynamo"
)

// logins is an org whose users log in for real (the login use cases as
// the functions build them, on dynalite, mail to the SES stand-in) at the
// times a test sets, and the admin use case over the same store.
type logins struct {
	t     *testing.T
	ctx   context.Context
	mu    sync.Mutex
	now   time.Time
	app   *app.App
	st    *dynamo.Store
	admin *admin.Service
	org   domain.Org
}

var (
	newYork   = mustZone("America/New_York")
	trustedIP = netip.MustParseAddr("192.0.2.10")
	officeIP  = netip.MustParseAddr("203.0.113.5")
	homeIP    = netip.MustParseAddr("198.51.100.7")
)

const loginPassword = "Correct-Horse-9"

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// newLogins makes the org Acme (America/New_York, trusted 192.0.2.0/24,
// no lockout limit unless org changes it) with the per-source throttle off.
func newLogins(t *testing.T, org func(*domain.Org)) *logins {
	t.Helper()
	db := testenv.DynamoDB(testenv.Dynalite(t))
	tables := testenv.CreateTables(t, db)
	sender, err := ses.New(testenv.SESv2(testenv.SES(t)), "no-reply@test.example")
	if err != nil {
		t.Fatal(err)
	}
	w := &logins{t: t, ctx: testenv.Context(t), now: time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)}
	w.app = apptest.New(t, db, tables, config.Config{}, app.WithClock(w.clock), app.WithParams(testenv.FastParams),
		app.WithSleep(func(context.Context, time.Duration) {}), apptest.Mailer(sender))
	w.app.Login.Throttle = policy.SourceThrottle{}
	w.st = w.app.Store
	w.admin = &admin.Service{Store: w.st, Rand: rand.Reader, Now: w.clock, Params: testenv.FastParams,
		Sessions: &sessions.Service{Store: w.st, Now: w.clock}}
	trusted, _ := policy.ParseIPRanges("192.0.2.0-192.0.2.255")
	w.org = testenv.SeedOrg(t, w.st, func(o *domain.Org) {
		o.TimeZone, o.TrustedRanges, o.Lockout = "America/New_York", trusted, policy.Lockout{}
	}, org)
	return w
}

func (w *logins) clock() time.Time { w.mu.Lock(); defer w.mu.Unlock(); return w.now }

// at sets the clock to a wall-clock time in New York ("2006-01-02 15:04").
func (w *logins) at(wall string) {
	w.t.Helper()
	at, err := time.ParseInLocation("2006-01-02 15:04", wall, newYork)
	if err != nil {
		w.t.Fatal(err)
	}
	w.mu.Lock()
	w.now = at
	w.mu.Unlock()
}

// profile makes a profile of the org (API enabled, then mod).
func (w *logins) profile(name string, mod func(*domain.Profile)) domain.Profile {
	return testenv.SeedProfile(w.t, w.st, w.org, func(p *domain.Profile) { p.Name, p.APIEnabled = name, true }, mod)
}

// user makes a user of profile p who has logged in before; it returns the
// user name and security token.
func (w *logins) user(name string, p domain.Profile, mod func(*domain.User)) (string, string) {
	w.t.Helper()
	a := testenv.SeedUser(w.t, w.st, w.org, p, testenv.Password(loginPassword), testenv.Params(testenv.FastParams),
		testenv.User(func(u *domain.User) {
			day := w.clock().Add(-24 * time.Hour)
			u.Username, u.Email, u.LastLoginAt, u.CreatedAt, u.PasswordChangedAt = name+"@acme.example", name+"@acme.example", day, day, day
			if mod != nil {
				mod(u)
			}
		}))
	return a.User.Username, a.Token
}

// tick moves the clock on a second: each attempt at its own time, so
// history's newest-first order is theirs.
func (w *logins) tick() {
	w.mu.Lock()
	w.now = w.now.Add(time.Second)
	w.mu.Unlock()
}

// api logs in through the API (SOAP, or REST for an OAuth password grant).
func (w *logins) api(typ, username, sec string, ip netip.Addr) error {
	w.tick()
	_, err := w.app.Login.Login(w.ctx, login.Attempt{Username: username, Secret: sec, IP: ip, Type: typ, Client: "test", APIVersion: "60.0"})
	return err
}

// ui logs in on the login page from a browser that is not activated.
func (w *logins) ui(username, password string, ip netip.Addr) (login.BrowserOutcome, error) {
	w.tick()
	return w.app.Browser.Start(w.ctx, login.BrowserStart{Username: username, Password: password, IP: ip, Client: "test browser"})
}

// lastLine is the user's newest history line.
func (w *logins) lastLine(username string) domain.LoginEvent {
	w.t.Helper()
	u, err := w.st.User(w.ctx, username)
	if err != nil {
		w.t.Fatal(err)
	}
	evs, err := w.st.History(w.ctx, domain.HistoryFilter{UserID: u.ID, Limit: 1})
	if err != nil || len(evs) != 1 {
		w.t.Fatalf("history of %s: %v, %v", username, evs, err)
	}
	return evs[0]
}
