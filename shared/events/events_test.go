package events_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"loginguard/internal/apptest"
	"loginguard/internal/testenv"
	"loginguard/shared/account"
	"loginguard/shared/admin"
	"loginguard/shared/app"
	"loginguard/shared/config"
	"loginguard/shared/domain"
	"loginguard/shared/events"
	"loginguard/shared/login"
	"loginguard/shared/mail/ses"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
)

// recorder is a publisher that keeps what it is given, and fails with
// fail when set (the bus unreachable).
type recorder struct {
	mu   sync.Mutex
	evs  []events.Event
	fail error
}

func (r *recorder) Publish(_ context.Context, e events.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = append(r.evs, e)
	return r.fail
}

// take returns the events published since the last take.
func (r *recorder) take() []events.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.evs
	r.evs = nil
	return out
}

// world is the application as the functions build it (shared/app), on
// dynalite and the SES stand-in, with rec as its events' publisher, and
// one user of an org that locks after 3 invalid attempts for 15 minutes.
type world struct {
	ctx  context.Context
	a    *app.App
	adm  *admin.Service
	rec  *recorder
	acct testenv.Account
}

func newWorld(t *testing.T) *world {
	t.Helper()
	db := testenv.DynamoDB(testenv.Dynalite(t))
	sender, err := ses.New(testenv.SESv2(testenv.SES(t)), "no-reply@example.com")
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	a := apptest.New(t, db, testenv.CreateTables(t, db), config.Config{EventBus: "default"}, app.WithParams(secret.Params(testenv.FastParams)),
		apptest.Mailer(sender), app.WithEvents(func(aws.Config, string) (events.Publisher, error) { return rec, nil }))
	acct := testenv.Seed(t, a.Store, testenv.Org(func(o *domain.Org) { o.Lockout = policy.Lockout{MaxAttempts: 3, Period: 15 * time.Minute} }))
	return &world{ctx: testenv.Context(t), a: a, rec: rec, acct: acct,
		adm: &admin.Service{Store: a.Store, Accounts: a.Accounts, Sessions: a.Sessions, Now: time.Now, Rand: a.Login.Rand, Events: a.Events, Log: a.Log}}
}

func (w *world) login(t *testing.T, secret string) (login.Result, error) {
	t.Helper()
	return w.a.Login.Login(w.ctx, login.Attempt{Username: w.acct.User.Username, Secret: secret,
		IP: netip.MustParseAddr("192.0.2.1"), Type: "SOAP", Client: "jsforce"})
}

// one checks that exactly one event was published since the last check,
// of type typ, about the world's user, for reason, and returns it.
func (w *world) one(t *testing.T, typ, reason string) events.Event {
	t.Helper()
	evs := w.rec.take()
	if len(evs) != 1 || evs[0].Type != typ || evs[0].Detail.Reason != reason {
		t.Fatalf("published %+v; want one %s (%s)", evs, typ, reason)
	}
	d := evs[0].Detail
	u := w.acct.User
	if d.OrgID != u.OrgID || d.UserID != u.ID || d.Username != u.Username || d.Time.IsZero() {
		t.Fatalf("%s detail %+v; want the user %s of org %s, and a time", typ, d, u.Username, u.OrgID)
	}
	js, err := evs[0].JSON()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{w.acct.Password, w.acct.Token} {
		if strings.Contains(string(js), s) {
			t.Fatalf("the detail %s holds a secret", js)
		}
	}
	return evs[0]
}

func (w *world) none(t *testing.T, when string) {
	t.Helper()
	if evs := w.rec.take(); len(evs) != 0 {
		t.Fatalf("%s: published %+v; want nothing", when, evs)
	}
}

func TestTheFailureThatLocksPublishesOneLockoutAndAnUnlockFollows(t *testing.T) {
	w := newWorld(t)
	for i := 1; i <= 2; i++ {
		if _, err := w.login(t, "wrong-"+w.acct.Password); err == nil {
			t.Fatal("a wrong password logged in")
		}
		w.none(t, "failure before the maximum")
	}
	before := time.Now()
	w.login(t, "wrong-"+w.acct.Password)
	ev := w.one(t, events.Lockout, events.ReasonMaxAttempts)
	if ev.Detail.LockedUntil == nil || ev.Detail.LockedUntil.Before(before.Add(15*time.Minute)) || ev.Detail.Actor != "" {
		t.Fatalf("lockout detail %+v; want locked for 15 minutes from now, no actor", ev.Detail)
	}
	w.login(t, w.acct.Password+w.acct.Token)
	w.none(t, "an attempt while locked")

	if _, err := w.adm.Unlock(w.ctx, admin.CLI, w.acct.User.Username); err != nil {
		t.Fatal(err)
	}
	if ev := w.one(t, events.Unlock, events.ReasonAdminUnlock); ev.Detail.Actor != "admin CLI" {
		t.Fatalf("unlock detail %+v; want the CLI as actor", ev.Detail)
	}
	if _, err := w.login(t, w.acct.Password+w.acct.Token); err != nil {
		t.Fatalf("login after the unlock: %v", err)
	}
	w.none(t, "a successful login")
}

func TestTokenResetsPublishTheirResetter(t *testing.T) {
	w := newWorld(t)
	if err := w.a.Accounts.ResetToken(w.ctx, account.CLIActor, w.acct.User); err != nil {
		t.Fatal(err)
	}
	if ev := w.one(t, events.TokenReset, events.ReasonAdminReset); ev.Detail.Actor != "admin CLI" {
		t.Fatalf("detail %+v", ev.Detail)
	}
	u, err := w.a.Store.User(w.ctx, w.acct.User.Username) // as the first reset left it
	if err != nil {
		t.Fatal(err)
	}
	self := account.Actor{User: u, IP: "192.0.2.1", Via: "UI"}
	if err := w.a.Accounts.ResetToken(w.ctx, self, u); err != nil {
		t.Fatal(err)
	}
	if ev := w.one(t, events.TokenReset, events.ReasonSelfService); ev.Detail.Actor != "" {
		t.Fatalf("detail %+v", ev.Detail)
	}
}

func TestSessionRevocationsPublishHowManyEnded(t *testing.T) {
	w := newWorld(t)
	var keep login.Result
	for i := 0; i < 4; i++ {
		r, err := w.login(t, w.acct.Password+w.acct.Token)
		if err != nil {
			t.Fatal(err)
		}
		keep = r
	}
	w.none(t, "logins")
	u := w.acct.User
	if _, err := w.a.Sessions.End(w.ctx, u.OrgID, u.ID, keep.Session.Ref()); err != nil {
		t.Fatal(err)
	}
	if ev := w.one(t, events.SessionRevocation, events.ReasonEndOne); ev.Detail.Sessions != 1 {
		t.Fatalf("detail %+v", ev.Detail)
	}
	live, err := w.a.Sessions.List(w.ctx, u.OrgID, u.ID)
	if err != nil || len(live) != 3 {
		t.Fatalf("%d sessions, %v", len(live), err)
	}
	if _, err := w.a.Sessions.EndOthers(w.ctx, u.Username, live[0].IDHash); err != nil {
		t.Fatal(err)
	}
	if ev := w.one(t, events.SessionRevocation, events.ReasonEndOthers); ev.Detail.Sessions != 2 {
		t.Fatalf("detail %+v", ev.Detail)
	}
	if _, err := w.a.Sessions.EndAll(w.ctx, u.Username); err != nil {
		t.Fatal(err)
	}
	if ev := w.one(t, events.SessionRevocation, events.ReasonEndAll); ev.Detail.Sessions != 1 {
		t.Fatalf("detail %+v", ev.Detail)
	}
}

// Sessions ended by a deactivation, a new password or a deleted app are
// revocations too, each with its reason.
func TestEveryEndOfSessionsPublishesARevocation(t *testing.T) {
	w := newWorld(t)
	u := w.acct.User
	// The logins' address is trusted: a password alone logs in, whatever
	// the token is after a reset.
	if _, err := w.adm.UpdateOrg(w.ctx, admin.CLI, u.OrgID, func(s *domain.OrgSettings) error {
		s.TrustedRanges = policy.IPRanges{{Start: netip.MustParseAddr("192.0.2.0"), End: netip.MustParseAddr("192.0.2.255")}}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if _, err := w.login(t, w.acct.Password); err != nil {
			t.Fatal(err)
		}
	}
	w.rec.take()
	if _, err := w.adm.ResetPassword(w.ctx, admin.CLI, u.Username, "Tr0ub4dor&3-horse"); err != nil {
		t.Fatal(err)
	}
	got := map[string]events.Event{}
	for _, e := range w.rec.take() {
		got[e.Type] = e
	}
	if ev := got[events.SessionRevocation]; ev.Detail.Reason != events.ReasonPasswordSet || ev.Detail.Sessions != 2 || ev.Detail.UserID != u.ID {
		t.Fatalf("after a new password: %+v", got)
	}
	if _, err := w.login(t, "Tr0ub4dor&3-horse"); err != nil {
		t.Fatal(err)
	}
	w.rec.take()
	if _, _, err := w.adm.SetActive(w.ctx, admin.CLI, u.Username, false); err != nil {
		t.Fatal(err)
	}
	if ev := w.one(t, events.SessionRevocation, events.ReasonDeactivated); ev.Detail.Sessions != 1 {
		t.Fatalf("after a deactivation: %+v", ev.Detail)
	}
	app, err := w.adm.CreateApp(w.ctx, admin.CLI, u.OrgID, admin.AppSpec{Name: "Loader", OAuth: policy.DefaultOAuthApp})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.adm.DeleteApp(w.ctx, admin.CLI, u.OrgID, app.ClientID); err != nil {
		t.Fatal(err)
	}
	evs := w.rec.take()
	if len(evs) != 1 || evs[0].Type != events.SessionRevocation || evs[0].Detail.Reason != events.ReasonAppDeleted ||
		evs[0].Detail.OrgID != u.OrgID || evs[0].Detail.UserID != "" {
		t.Fatalf("after an app's deletion: %+v", evs)
	}
}

// The bus down: the change stands, the failure goes to the log only.
func TestAFailedPublishDoesNotFailTheChange(t *testing.T) {
	w := newWorld(t)
	w.rec.fail = errors.New("bus unreachable")
	for i := 0; i < 3; i++ {
		w.login(t, "wrong")
	}
	w.one(t, events.Lockout, events.ReasonMaxAttempts)
	u, err := w.adm.Unlock(w.ctx, admin.CLI, w.acct.User.Username)
	if err != nil || u.Lock.Attempts != 0 {
		t.Fatalf("unlock with the bus down: %+v, %v; want it done", u.Lock, err)
	}
	w.one(t, events.Unlock, events.ReasonAdminUnlock)
}

// The local publisher writes one JSON line with the detail as an object,
// and notes the PutEvents it stands in for.
func TestTheLogPublisherWritesOneStructuredLine(t *testing.T) {
	var buf strings.Builder
	var noted []string
	p := events.Log{Log: slog.New(slog.NewJSONHandler(&buf, nil)), Bus: "default", Noted: func(bus string) { noted = append(noted, bus) }}
	at := time.Date(2026, 12, 3, 9, 30, 0, 0, time.UTC)
	if err := p.Publish(context.Background(), events.Event{Type: events.Unlock, Detail: events.Detail{OrgID: "00D1", UserID: "0051",
		Username: "ann@example.com", Time: at, Reason: events.ReasonAdminUnlock, Actor: "admin CLI"}}); err != nil {
		t.Fatal(err)
	}
	var line struct {
		Msg, Source, Bus string
		DetailType       string `json:"detail_type"`
		Detail           map[string]any
	}
	if err := json.Unmarshal([]byte(buf.String()), &line); err != nil {
		t.Fatalf("%v: %s", err, buf.String())
	}
	if line.Msg != "security event" || line.Source != "loginguard" || line.DetailType != "loginguard.Unlock" || line.Bus != "default" ||
		line.Detail["actor"] != "admin CLI" || line.Detail["time"] != "2026-12-03T09:30:00Z" || strings.Join(noted, ",") != "default" {
		t.Fatalf("line %s, noted %v", buf.String(), noted)
	}
}
