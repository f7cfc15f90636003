package sessions_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"loginguard/internal/testenv"
	"loginguard/shared/domain"
	"loginguard/shared/policy"
	"loginguard/shared/sessions"
	"loginguard/shared/store/dynamo"
)

var now = time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)

// faulty is dynalite's client whose BatchWriteItem calls fail from the
// (failAfter+1)-th on while failing is set: DynamoDB throttling a mass end
// halfway through.
type faulty struct {
	*dynamodb.Client
	failing   atomic.Bool
	failAfter int32
	batches   atomic.Int32
}

func (f *faulty) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	if f.failing.Load() && f.batches.Add(1) > f.failAfter {
		return nil, errors.New("ProvisionedThroughputExceededException: throttled")
	}
	return f.Client.BatchWriteItem(ctx, in, opts...)
}

type world struct {
	t   *testing.T
	ctx context.Context
	db  *faulty
	st  *dynamo.Store
	svc *sessions.Service
	acc testenv.Account
	// sleeping runs during the sweep's wait for a racing login (nil: none).
	sleeping func()
	slept    time.Duration
	n        int
}

func newWorld(t *testing.T) *world {
	db := &faulty{Client: testenv.DynamoDB(testenv.Dynalite(t))}
	tb := testenv.CreateTables(t, db.Client)
	w := &world{t: t, ctx: testenv.Context(t), db: db, st: dynamo.New(db, tb)}
	w.svc = &sessions.Service{Store: w.st, Now: func() time.Time { return now }, Sleep: func(_ context.Context, d time.Duration) {
		w.slept += d
		if w.sleeping != nil {
			w.sleeping()
		}
	}}
	w.acc = testenv.Seed(t, w.st)
	return w
}

// open stores a session of the seeded user under generation gen.
func (w *world) open(loginType string, gen int64, mod ...func(*domain.Session)) domain.Session {
	w.t.Helper()
	w.n++
	u := w.acc.User
	s := domain.Session{IDHash: fmt.Sprintf("%064x", w.n), UserID: u.ID, OrgID: u.OrgID, ProfileID: u.ProfileID, Username: u.Username,
		IP: "198.51.100.7", LoginType: loginType, Level: string(policy.LevelStandard), Timeout: time.Hour, Gen: gen,
		CreatedAt: now.Add(-time.Duration(w.n) * time.Second), LastSeenAt: now.Add(-time.Minute)}
	for _, m := range mod {
		m(&s)
	}
	if err := w.st.OpenSession(w.ctx, s, domain.LoginEvent{At: now, UserID: u.ID, OrgID: u.OrgID}); err != nil {
		w.t.Fatal(err)
	}
	return s
}

func (w *world) live() map[string]domain.Session {
	w.t.Helper()
	all, err := w.svc.List(w.ctx, w.acc.Org.ID, w.acc.User.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	out := map[string]domain.Session{}
	for _, s := range all {
		out[s.IDHash] = s
	}
	return out
}

func (w *world) user() domain.User {
	w.t.Helper()
	u, err := w.st.User(w.ctx, w.acc.User.Username)
	if err != nil {
		w.t.Fatal(err)
	}
	return u
}

func TestEndOthersKeepsTheCurrentSessionAndSessionsOfOtherUsers(t *testing.T) {
	w := newWorld(t)
	current := w.open(policy.LoginUI, 0)
	w.open(policy.LoginSOAP, 0)
	w.open(policy.LoginREST, 0)
	other := testenv.SeedUser(t, w.st, w.acc.Org, w.acc.Profile)
	theirs := domain.Session{IDHash: "theirs", UserID: other.User.ID, OrgID: other.User.OrgID, Username: other.User.Username,
		LoginType: policy.LoginSOAP, Timeout: time.Hour, CreatedAt: now, LastSeenAt: now}
	if err := w.st.OpenSession(w.ctx, theirs, domain.LoginEvent{At: now}); err != nil {
		t.Fatal(err)
	}
	r, err := w.svc.EndOthers(w.ctx, w.acc.User.Username, current.IDHash)
	if err != nil || r.Ended != 2 {
		t.Fatalf("EndOthers = %+v, %v; want 2 ended", r, err)
	}
	live := w.live()
	if len(live) != 1 || live[current.IDHash].Gen != 1 {
		t.Fatalf("live sessions after: %+v; want only the current one, moved into generation 1", live)
	}
	if all, _ := w.svc.List(w.ctx, w.acc.Org.ID, other.User.ID); len(all) != 1 {
		t.Fatalf("the other user's sessions: %d; want 1 (untouched)", len(all))
	}
	if u := w.user(); u.SessionGen != 1 || u.SweptGen != 1 {
		t.Fatalf("generation %d, swept %d; want 1 and 1", u.SessionGen, u.SweptGen)
	}
}

// Ending 40 sessions fails after the first batch of 25: the admin is told
// how far it got, the sweep is recorded as owed, and running it again
// finishes the job.
func TestAHalfFailedMassEndIsFinishedByARetry(t *testing.T) {
	w := newWorld(t)
	for range 40 {
		w.open(policy.LoginSOAP, 0)
	}
	w.db.failAfter = 1
	w.db.failing.Store(true)
	r, err := w.svc.EndAll(w.ctx, w.acc.User.Username)
	if domain.ErrorCode(err) != domain.CodeSessionsNotEnded || r.Ended != 25 || r.Total != 40 {
		t.Fatalf("EndAll = %+v, %v; want 25 of 40 and %s", r, err, domain.CodeSessionsNotEnded)
	}
	t.Logf("told: %v", err)
	if n := len(w.live()); n != 15 {
		t.Fatalf("%d sessions still live; want 15", n)
	}
	if u := w.user(); u.SweptGen >= u.SessionGen {
		t.Fatalf("swept %d, generation %d: the unfinished sweep must show as owed", u.SweptGen, u.SessionGen)
	}
	w.db.failing.Store(false)
	r, err = w.svc.EndAll(w.ctx, w.acc.User.Username)
	if err != nil || r.Ended != 15 {
		t.Fatalf("retry = %+v, %v; want the 15 left ended", r, err)
	}
	if n := len(w.live()); n != 0 {
		t.Fatalf("%d sessions live after the retry", n)
	}
	if u := w.user(); u.SweptGen != u.SessionGen {
		t.Fatalf("swept %d, generation %d after the retry", u.SweptGen, u.SessionGen)
	}
}

// A login that passed its generation check just before the sessions were
// ended writes its session after the sweep listed them: the sweep looks
// again after Settle and ends it. A session of the new generation (a login
// after the end) stays.
func TestTheSweepLooksAgainForALoginThatRacedIt(t *testing.T) {
	w := newWorld(t)
	w.open(policy.LoginSOAP, 0)
	if err := w.st.Succeed(w.ctx, w.acc.User, now.Add(-time.Second), "", 0); err != nil {
		t.Fatal(err) // the racing login's last write: lastLoginAt one second ago
	}
	var late, after domain.Session
	w.sleeping = func() {
		late = w.open(policy.LoginREST, 0)  // the racing login's session lands
		after = w.open(policy.LoginREST, 1) // a login after the end
		w.sleeping = nil
	}
	r, err := w.svc.EndAll(w.ctx, w.acc.User.Username)
	if err != nil || r.Ended != 2 {
		t.Fatalf("EndAll = %+v, %v; want 2 ended (one on each look)", r, err)
	}
	if w.slept != time.Second {
		t.Fatalf("slept %v; want until a second after that login (Settle 2 s)", w.slept)
	}
	live := w.live()
	if _, ok := live[late.IDHash]; ok || len(live) != 1 || live[after.IDHash].IDHash == "" {
		t.Fatalf("live after: %v; want only the session opened after the end", live)
	}
}

func TestEndOneSessionByItsReference(t *testing.T) {
	w := newWorld(t)
	a, b := w.open(policy.LoginSOAP, 0), w.open(policy.LoginUI, 0)
	if _, err := w.svc.End(w.ctx, w.acc.Org.ID, "", a.IDHash); domain.ErrorCode(err) != sessions.ErrNoSuchSession.Code {
		t.Fatalf("ending by the whole digest: %v; only the reference names a session", err)
	}
	if _, err := w.svc.End(w.ctx, "00D000000000999", "", a.Ref()); domain.ErrorCode(err) != sessions.ErrNoSuchSession.Code {
		t.Fatalf("ending from another org: %v", err)
	}
	got, err := w.svc.End(w.ctx, w.acc.Org.ID, "", a.Ref())
	if err != nil || got.IDHash != a.IDHash {
		t.Fatalf("End = %v, %v", got.Ref(), err)
	}
	if live := w.live(); len(live) != 1 || live[b.IDHash].IDHash == "" {
		t.Fatalf("live after: %v", live)
	}
}

func TestEndAppEndsOnlyItsSessions(t *testing.T) {
	w := newWorld(t)
	app := func(id string) func(*domain.Session) {
		return func(s *domain.Session) { s.ClientID, s.AppName = id, "Loader" }
	}
	w.open(policy.LoginREST, 0, app("3MVG-a"))
	w.open(policy.LoginREST, 0, app("3MVG-a"))
	keep := w.open(policy.LoginREST, 0, app("3MVG-b"))
	soap := w.open(policy.LoginSOAP, 0)
	r, err := w.svc.EndApp(w.ctx, w.acc.Org.ID, "3MVG-a")
	if err != nil || r.Ended != 2 {
		t.Fatalf("EndApp = %+v, %v", r, err)
	}
	if live := w.live(); len(live) != 2 || live[keep.IDHash].IDHash == "" || live[soap.IDHash].IDHash == "" {
		t.Fatalf("live after: %v", live)
	}
}

// An admin's change reaches live sessions: the idle timeout, the IP lock,
// login hours and the high-assurance policy are rewritten; a session from
// outside new login IP ranges, and API sessions of a profile whose API
// access is turned off, end.
func TestApplyCarriesSettingsOntoLiveSessions(t *testing.T) {
	w := newWorld(t)
	inside := w.open(policy.LoginUI, 0, func(s *domain.Session) { s.IP = "10.1.2.3" })
	outside := w.open(policy.LoginUI, 0)
	api := w.open(policy.LoginSOAP, 0, func(s *domain.Session) { s.IP = "10.1.2.4" })
	o := w.acc.Org
	o.SessionTimeout, o.LockSessionsToIP = 30*time.Minute, true
	o.HighAssurance = map[string]policy.Action{"reports": policy.ActionRaise}
	p := w.acc.Profile
	p.LoginIPRanges = policy.IPRanges{mustRange(t, "10.0.0.0", "10.255.255.255")}
	p.APIEnabled = false
	hours, err := policy.ParseLoginHours("Europe/Paris", "mon=08:00-18:00,tue=08:00-18:00")
	if err != nil {
		t.Fatal(err)
	}
	p.LoginHours = hours
	r, err := w.svc.Apply(w.ctx, o, []domain.Profile{p})
	if err != nil || r.Ended != 2 || r.Updated != 1 {
		t.Fatalf("Apply = %+v, %v; want 2 ended (outside the ranges, API off) and 1 updated", r, err)
	}
	live := w.live()
	got, ok := live[inside.IDHash]
	if !ok || len(live) != 1 {
		t.Fatalf("live after: %v; want only the session inside the ranges (outside %v, api %v)", live, outside.Ref(), api.Ref())
	}
	if got.Timeout != 30*time.Minute || !got.LockIP || got.HighAssurance["reports"] != policy.ActionRaise || got.Hours.String() != hours.String() {
		t.Fatalf("session after: timeout %v lock %v ha %v hours %q", got.Timeout, got.LockIP, got.HighAssurance, got.Hours.String())
	}
	if !got.ExpiresAt().Equal(now.Add(29 * time.Minute)) {
		t.Fatalf("expiry %v; want the new timeout from the last activity", got.ExpiresAt())
	}
	// Again: nothing to do, no write.
	if r, err := w.svc.Apply(w.ctx, o, []domain.Profile{p}); err != nil || r.Total != 0 {
		t.Fatalf("Apply again = %+v, %v; want nothing to do", r, err)
	}
}

func mustRange(t *testing.T, from, to string) policy.IPRange {
	t.Helper()
	r, err := policy.ParseIPRange(from, to)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Contains(netip.MustParseAddr("10.1.2.3")) {
		t.Fatal("range")
	}
	return r
}
