package account_test

import (
	"strings"
	"testing"
	"time"

	"loginguard/internal/loginbench"
	"loginguard/internal/testenv"
	"loginguard/shared/account"
	"loginguard/shared/policy"
)

// forgotKinds are the kinds of name a forgot request can be for, which its
// answer time must not tell apart: an existing active user (mailed a
// link, to the SES stand-in), an unknown name, a locked user, an inactive
// one.
var forgotKinds = []string{"existing", "unknown", "locked", "inactive"}

// forgotTimer times forgot requests for names, one of each kind in
// forgotKinds' order. Its clock runs ahead of the wall clock by later, so
// that every request has a limit window of its own.
type forgotTimer struct {
	w     *world
	names []string
	later time.Duration
}

// newForgotTimer seeds a user of each kind but the unknown one, in a world
// whose lockout lasts until an admin unlocks (the timer's clock moves on by
// hours).
func newForgotTimer(w *world) *forgotTimer {
	w.t.Helper()
	w.org.Lockout = policy.Lockout{MaxAttempts: 3}
	var err error
	if w.org, err = w.st.UpdateOrg(w.ctx, w.org); err != nil {
		w.t.Fatal(err)
	}
	existing := w.user("tom", false, true)
	locked := w.user("lou", false, true)
	for range 3 {
		_, _ = w.svc.Login.CheckPassword(w.ctx, locked.Username, "wrong")
	}
	if l := w.fresh(locked); !l.Policy.Lockout.Locked(l.Lock, time.Now().Add(1000*time.Hour)) {
		w.t.Fatalf("not locked for good: %+v", l.Lock)
	}
	inactive := w.user("ina", false, true)
	if _, err := w.st.SetActive(w.ctx, inactive.Username, false); err != nil {
		w.t.Fatal(err)
	}
	return &forgotTimer{w: w, names: []string{existing.Username, "nobody@acme.example", locked.Username, inactive.Username}}
}

// measure times rounds forgot requests of each kind with the given floor,
// interleaved, each round starting at another kind. Every request runs in
// a limit window of its own (the service's clock moves on by ForgotWindow
// before each), so no limit answers in place of the work measured.
func (f *forgotTimer) measure(floor time.Duration, rounds int) *loginbench.Kinds {
	w, names := f.w, f.names
	w.t.Helper()
	w.svc.Now = func() time.Time { return time.Now().Add(f.later) }
	defer func() { w.svc.Now = time.Now }()
	w.svc.ForgotFloor = floor
	k := loginbench.NewKinds(forgotKinds...)
	mails := len(testenv.Mails(w.t, w.sesURL, names[0]))
	for r := range rounds {
		for j := range names {
			i := (r + j) % len(names)
			f.later += account.ForgotWindow
			start := time.Now()
			err := w.svc.RequestPasswordReset(w.ctx, account.ForgotRequest{Username: names[i], IP: home, Client: agent, BaseURL: "https://login.example.com"})
			k.Add(i, time.Since(start))
			if err != nil {
				w.t.Fatalf("%s: %v", forgotKinds[i], err)
			}
		}
	}
	if got := len(testenv.Mails(w.t, w.sesURL, names[0])) - mails; got != rounds {
		w.t.Fatalf("the existing user got %d mails in %d rounds; the path measured is not the mailing one", got, rounds)
	}
	return k
}

// apart is how far kind i's median is from the existing user's, in
// percent of the existing user's.
func apart(k *loginbench.Kinds, i int) float64 {
	m, e := k.Median(i), k.Median(0)
	d := m - e
	if d < 0 {
		d = -d
	}
	return float64(d) * 100 / float64(e)
}

// timingFloor is the tests' shortened floor: over the mailing path's time
// with room to spare (20 ms under -race on 2 cores, 90 ms with two more
// test runs sharing them), under DefaultForgotFloor to keep the test short.
const timingFloor = 250 * time.Millisecond

func TestForgotTakesAsLongForAnExistingUserAsForAnyOtherName(t *testing.T) {
	if testing.Short() {
		t.Skip("times some 60 forgot requests")
	}
	w := newWorld(t, "")
	f := newForgotTimer(w)
	// The test's power: with no floor to speak of, the existing user's
	// path (the link's write, the mail, an audit line) stands out.
	bare := f.measure(time.Microsecond, 5)
	if d := apart(bare, 1); d <= 5 {
		t.Fatalf("with no floor the existing and unknown names' medians are %.1f%% apart (%v, %v); the measurement cannot tell a leak",
			d, bare.Median(0), bare.Median(1))
	}
	k := f.measure(timingFloor, 15)
	var got []string
	for i, name := range forgotKinds {
		got = append(got, name+" "+k.Median(i).Round(100*time.Microsecond).String())
		if d := apart(k, i); d > 5 {
			t.Errorf("%s: median %v is %.1f%% from the existing user's %v; the existing user's path shows", name, k.Median(i), d, k.Median(0))
		}
	}
	t.Logf("medians with a %v floor: %s (spread %.2f%%); with none: existing %v, unknown %v",
		timingFloor, strings.Join(got, ", "), k.Spread(), bare.Median(0), bare.Median(1))
}

// BenchmarkForgotTiming measures what the forgot floor hides and what it
// costs (SECURITY.md, invariant 15): the answer time of a forgot request
// for an existing active user (mailed, through the SES stand-in), an
// unknown name, a locked user and an inactive user (dynalite), interleaved,
// with no floor and with the production floor (DefaultForgotFloor).
// Reported per kind: the median in ms; spread-%, how far apart the slowest
// and fastest medians are. Each op is one request of each kind; run with
// -benchtime 10x (the floored case takes 6 s per op).
func BenchmarkForgotTiming(b *testing.B) {
	w := newWorld(b, "")
	f := newForgotTimer(w)
	for _, mode := range []struct {
		name  string
		floor time.Duration
	}{{"no-floor", time.Microsecond}, {"floor-1.5s", account.DefaultForgotFloor}} {
		b.Run(mode.name, func(b *testing.B) {
			parent := w.t
			w.t = b
			defer func() { w.t = parent }()
			f.measure(mode.floor, b.N).Report(b)
		})
	}
}
