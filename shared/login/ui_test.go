package login_test

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"loginguard/internal/apptest"
	"loginguard/internal/testenv"
	"loginguard/shared/domain"
	"loginguard/shared/login"
	"loginguard/shared/mail/ses"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
)

// browserWorld is a world with a browser login mailing through sesURL.
type browserWorld struct {
	*world
	b      *login.Browser
	sesURL string
}

func newBrowserWorld(t *testing.T, lo policy.Lockout, prof func(*domain.Profile), sesURL string) *browserWorld {
	t.Helper()
	sender, err := ses.New(testenv.SESv2(sesURL), "no-reply@test.example")
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, lo, "", prof, apptest.Mailer(sender))
	w.svc.Sealer = testenv.Keyring(t, w.st)
	return &browserWorld{world: w, b: w.app.Browser, sesURL: sesURL}
}

// returningUser has logged in before, so a new browser is challenged.
func (bw *browserWorld) returningUser(name string) string {
	bw.t.Helper()
	username, _ := bw.user(name)
	if err := bw.st.Succeed(bw.ctx, bw.userRecord(username), bw.clock.Now().Add(-time.Hour), "", 0); err != nil {
		bw.t.Fatal(err)
	}
	return username
}

func (bw *browserWorld) start(username, device string) (login.BrowserOutcome, error) {
	return bw.b.Start(bw.ctx, login.BrowserStart{Username: username, Password: password, Device: device, IP: untrusted, Client: "test browser"})
}

func (bw *browserWorld) answer(id, code, device string) (login.BrowserOutcome, error) {
	return bw.b.Answer(bw.ctx, login.BrowserAnswer{ChallengeID: id, Code: code, Device: device, IP: untrusted, Client: "test browser"})
}

var codeInMail = regexp.MustCompile(`Verification code: (\d{6})`)

func (bw *browserWorld) lastCode(username string) string {
	bw.t.Helper()
	mails := testenv.Mails(bw.t, bw.sesURL, username)
	if len(mails) == 0 {
		bw.t.Fatal("no verification mail")
	}
	m := codeInMail.FindStringSubmatch(mails[len(mails)-1].Body.Text)
	if m == nil {
		bw.t.Fatalf("no code in %q", mails[len(mails)-1].Body.Text)
	}
	return m[1]
}

func otherCode(c string) string {
	n, _ := strconv.Atoi(c)
	return strconv.Itoa(100000 + (n+1)%900000)
}

func TestEmailedCodeCountsIsSingleUseAndActivatesTheBrowser(t *testing.T) {
	bw := newBrowserWorld(t, policy.DefaultLockout, nil, testenv.SES(t))
	name := bw.returningUser("ann")
	out, err := bw.start(name, "")
	if err != nil || out.Result != nil || out.Pending.Kind != policy.ChallengeEmailCode || out.ChallengeID == "" {
		t.Fatalf("a new browser: %+v, %v; want an emailed code", out, err)
	}
	if out.Pending.MaskedEmail != "a***@"+bw.org.ID+".example" {
		t.Errorf("masked address %q", out.Pending.MaskedEmail)
	}
	if got := bw.userRecord(name).Lock.Attempts; got != 1 {
		t.Fatalf("the emailed code counts toward lockout: attempts %d, want 1", got)
	}
	code := bw.lastCode(name)
	_, err = bw.answer(out.ChallengeID, otherCode(code), "")
	var ce *domain.Error
	if !errors.As(err, &ce) || ce.Code != domain.CodeInvalidCode || ce.TriesLeft != login.MaxCodeTries-1 {
		t.Fatalf("a wrong code: %v; want a wrong-code error with %d tries left", err, login.MaxCodeTries-1)
	}
	if got := bw.userRecord(name).Lock.Attempts; got != 2 {
		t.Fatalf("a wrong code counts: attempts %d, want 2", got)
	}
	done, err := bw.answer(out.ChallengeID, code, "")
	if err != nil || done.Result == nil || done.Device == "" {
		t.Fatalf("the right code: %+v, %v; want a session and an activation cookie", done, err)
	}
	if done.Result.Session.LoginType != "UI" || done.Result.Session.Level != string(policy.LevelStandard) {
		t.Fatalf("session %+v", done.Result.Session)
	}
	u := bw.userRecord(name)
	if u.Lock.Attempts != 0 || len(u.Devices) != 1 {
		t.Fatalf("after the login: attempts %d, devices %d; want 0 and 1", u.Lock.Attempts, len(u.Devices))
	}
	if _, err := bw.answer(out.ChallengeID, code, ""); !errors.Is(err, login.ErrChallengeGone) {
		t.Fatalf("the same code again: %v; want ErrChallengeGone", err)
	}
	// The activated browser logs in without a code.
	again, err := bw.start(name, done.Device)
	if err != nil || again.Result == nil || again.Result.Decision.Via != policy.ViaActivatedBrowser {
		t.Fatalf("the activated browser: %+v, %v", again, err)
	}
	// Revoked, it is challenged again.
	if _, err := bw.st.RevokeDevice(bw.ctx, name, secret.Digest(secret.PurposeDevice, done.Device)[:16]); err != nil {
		t.Fatal(err)
	}
	if out, err := bw.start(name, done.Device); err != nil || out.Pending.Kind != policy.ChallengeEmailCode {
		t.Fatalf("a revoked browser: %+v, %v; want a code again", out, err)
	}
	// History says what was asked.
	var sent, wrong, byCode int
	for _, e := range bw.history(u.ID) {
		switch {
		case e.Reason == string(policy.ReasonCodeSent) && e.Challenge == "EMAIL_CODE" && e.LoginType == "UI":
			sent++
		case e.Reason == string(policy.ReasonInvalidCode):
			wrong++
		case e.Allowed && e.Via == string(policy.ViaEmailCode) && e.Challenge == "EMAIL_CODE":
			byCode++
		}
	}
	if sent != 2 || wrong != 1 || byCode != 1 {
		t.Fatalf("history: %d sent, %d wrong, %d by code; want 2, 1, 1", sent, wrong, byCode)
	}
}

func TestCodeTriesRunOut(t *testing.T) {
	none, _ := policy.NewLockout(0, 0)
	bw := newBrowserWorld(t, none, nil, testenv.SES(t))
	name := bw.returningUser("bob")
	out, err := bw.start(name, "")
	if err != nil {
		t.Fatal(err)
	}
	code := bw.lastCode(name)
	var ce *domain.Error
	for i := 1; i <= login.MaxCodeTries; i++ {
		_, err := bw.answer(out.ChallengeID, otherCode(code), "")
		if !errors.As(err, &ce) || ce.Code != domain.CodeInvalidCode || ce.TriesLeft != login.MaxCodeTries-i {
			t.Fatalf("wrong code %d: %v; want %d tries left", i, err, login.MaxCodeTries-i)
		}
	}
	if _, err := bw.answer(out.ChallengeID, code, ""); !errors.Is(err, login.ErrChallengeGone) {
		t.Fatalf("the right code after the last try: %v; want ErrChallengeGone", err)
	}
}

func TestParallelAnswersToOneChallengeOpenOneSession(t *testing.T) {
	bw := newBrowserWorld(t, policy.DefaultLockout, nil, testenv.SES(t))
	name := bw.returningUser("cat")
	out, err := bw.start(name, "")
	if err != nil {
		t.Fatal(err)
	}
	code := bw.lastCode(name)
	var wg sync.WaitGroup
	var mu sync.Mutex
	sessions := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r, err := bw.answer(out.ChallengeID, code, ""); err == nil && r.Result != nil {
				mu.Lock()
				sessions++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if sessions != 1 {
		t.Fatalf("8 parallel answers with one code opened %d sessions; want 1", sessions)
	}
}

func TestParallelWrongAnswersCheckAtMostTheAllowedTries(t *testing.T) {
	none, _ := policy.NewLockout(0, 0)
	bw := newBrowserWorld(t, none, nil, testenv.SES(t))
	name := bw.returningUser("cid")
	out, err := bw.start(name, "")
	if err != nil {
		t.Fatal(err)
	}
	code := bw.lastCode(name)
	var wg sync.WaitGroup
	var mu sync.Mutex
	checked, refused := 0, 0
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := bw.answer(out.ChallengeID, otherCode(code), "")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, &domain.Error{Code: domain.CodeInvalidCode}):
				checked++
			case errors.Is(err, login.ErrChallengeGone):
				refused++
			default:
				t.Errorf("unexpected answer: %v", err)
			}
		}()
	}
	wg.Wait()
	if checked != login.MaxCodeTries || refused != 12-login.MaxCodeTries {
		t.Fatalf("12 parallel wrong codes: %d checked, %d refused; want exactly %d checked", checked, refused, login.MaxCodeTries)
	}
}

func TestMailDownLeavesTheAttemptUncounted(t *testing.T) {
	down := "http://127.0.0.1:" + strconv.Itoa(testenv.FreePort(t)) // nothing listens
	bw := newBrowserWorld(t, policy.DefaultLockout, nil, down)
	name := bw.returningUser("dan")
	ctx, cancel := context.WithTimeout(bw.ctx, 20*time.Second)
	defer cancel()
	_, err := bw.b.Start(ctx, login.BrowserStart{Username: name, Password: password, IP: untrusted, Client: "t"})
	if le := domain.AsError(err); le.Code != domain.CodeCodeNotSent {
		t.Fatalf("SES down: %v; want %s", err, domain.CodeCodeNotSent)
	}
	if got := bw.userRecord(name).Lock.Attempts; got != 0 {
		t.Fatalf("an unsent code must not count: attempts %d", got)
	}
}

func TestTOTPEnrolmentThenPromptAndNoReplay(t *testing.T) {
	bw := newBrowserWorld(t, policy.DefaultLockout, func(p *domain.Profile) { p.TwoFactorUI = true }, testenv.SES(t))
	name := bw.returningUser("eve")
	email, err := bw.start(name, "")
	if err != nil || email.Pending.Kind != policy.ChallengeEmailCode {
		t.Fatalf("first two-factor login from a new browser: %+v, %v; want the emailed code before enrolment", email, err)
	}
	out, err := bw.answer(email.ChallengeID, bw.lastCode(name), "")
	if err != nil || out.Pending.Kind != policy.ChallengeTOTPEnrol || out.Pending.EnrolSecret == "" {
		t.Fatalf("after the emailed code: %+v, %v; want enrolment", out, err)
	}
	if got := bw.userRecord(name).Lock.Attempts; got != 1 {
		t.Fatalf("the emailed code counts, the TOTP prompt does not: attempts %d, want 1", got)
	}
	p, err := bw.b.PendingOf(bw.ctx, out.ChallengeID, "")
	if err != nil || p.EnrolSecret != out.Pending.EnrolSecret {
		t.Fatalf("the enrolment page reloaded: %+v, %v", p, err)
	}
	opts := totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	code, _ := totp.GenerateCodeCustom(out.Pending.EnrolSecret, bw.clock.Now(), opts)
	done, err := bw.answer(out.ChallengeID, code, "")
	if err != nil || done.Result == nil || done.Result.Session.Level != string(policy.LevelHighAssurance) {
		t.Fatalf("enrolment code: %+v, %v; want a High Assurance session", done, err)
	}
	if done.Result.Decision.Via != policy.ViaEmailCode || done.Device == "" {
		t.Fatalf("the emailed code, not the key just enrolled, verifies the browser: %+v", done)
	}
	if bw.userRecord(name).TOTPSealed == "" {
		t.Fatal("the key was not registered")
	}
	// Next login: a prompt; the code just used is refused, the next one works.
	out, err = bw.start(name, done.Device)
	if err != nil || out.Pending.Kind != policy.ChallengeTOTP || out.Pending.EnrolSecret != "" {
		t.Fatalf("second login: %+v, %v; want a TOTP prompt", out, err)
	}
	if _, err := bw.answer(out.ChallengeID, code, done.Device); !errors.Is(err, &domain.Error{Code: domain.CodeInvalidCode}) {
		t.Fatalf("a spent code: %v; want it refused", err)
	}
	next, _ := totp.GenerateCodeCustom(p.EnrolSecret, bw.clock.Now().Add(30*time.Second), opts)
	if r, err := bw.answer(out.ChallengeID, next, done.Device); err != nil || r.Result == nil {
		t.Fatalf("the next code: %+v, %v", r, err)
	}
}

func TestHighAssuranceAtLoginAsksForTOTPAfterTheEmailedCode(t *testing.T) {
	bw := newBrowserWorld(t, policy.DefaultLockout, func(p *domain.Profile) { p.RequireHighAssurance = true }, testenv.SES(t))
	name := bw.returningUser("fay")
	out, err := bw.start(name, "")
	if err != nil || out.Pending.Kind != policy.ChallengeEmailCode {
		t.Fatalf("%+v, %v; want an emailed code first", out, err)
	}
	next, err := bw.answer(out.ChallengeID, bw.lastCode(name), "")
	if err != nil || next.Result != nil || next.Pending.Kind != policy.ChallengeTOTPEnrol {
		t.Fatalf("after the code: %+v, %v; want TOTP enrolment (High Assurance required)", next, err)
	}
	opts := totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	code, _ := totp.GenerateCodeCustom(next.Pending.EnrolSecret, bw.clock.Now(), opts)
	if next.ChallengeID == "" || next.ChallengeID == out.ChallengeID {
		t.Fatal("the next challenge needs its own id")
	}
	if _, err := bw.answer(out.ChallengeID, code, ""); !errors.Is(err, login.ErrChallengeGone) {
		t.Fatalf("the answered challenge again: %v; want ErrChallengeGone", err)
	}
	done, err := bw.answer(next.ChallengeID, code, "")
	if err != nil || done.Result == nil || done.Result.Session.Level != string(policy.LevelHighAssurance) {
		t.Fatalf("%+v, %v; want a High Assurance session", done, err)
	}
}

func TestStepUpRaisesOnlyItsOwnSession(t *testing.T) {
	bw := newBrowserWorld(t, policy.DefaultLockout, nil, testenv.SES(t))
	name, _ := bw.user("gus")
	first, err := bw.start(name, "")
	if err != nil || first.Result == nil {
		t.Fatalf("first login: %+v, %v", first, err)
	}
	res := first.Result
	out, err := bw.b.StartStepUp(bw.ctx, res.Session, bw.userRecord(name), first.Device, untrusted, "t")
	if err != nil || out.Pending.Kind != policy.ChallengeTOTPEnrol {
		t.Fatalf("step-up without a key: %+v, %v; want enrolment", out, err)
	}
	opts := totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	code, _ := totp.GenerateCodeCustom(out.Pending.EnrolSecret, bw.clock.Now(), opts)
	answer := login.BrowserAnswer{ChallengeID: out.ChallengeID, Code: code, IP: untrusted}
	// Another session cannot use this challenge.
	other, _ := bw.start(name, first.Device)
	if _, err := bw.b.AnswerStepUp(bw.ctx, other.Result.SessionID, answer); !errors.Is(err, login.ErrChallengeGone) {
		t.Fatalf("another session's answer: %v; want ErrChallengeGone", err)
	}
	wrong := answer
	wrong.Code = otherCode(code)
	if _, err := bw.b.AnswerStepUp(bw.ctx, res.SessionID, wrong); !errors.Is(err, &domain.Error{Code: domain.CodeInvalidCode}) {
		t.Fatalf("a wrong code: %v", err)
	}
	if got := bw.userRecord(name).Lock.Attempts; got != 1 {
		t.Fatalf("a wrong step-up code counts: attempts %d", got)
	}
	// Not at the login's own step either: there it would mint a session.
	if _, err := bw.answer(out.ChallengeID, code, first.Device); !errors.Is(err, login.ErrChallengeGone) {
		t.Fatalf("a step-up challenge answered at /login/verify: %v; want ErrChallengeGone", err)
	}
	if _, err := bw.b.PendingOf(bw.ctx, out.ChallengeID, ""); !errors.Is(err, login.ErrChallengeGone) {
		t.Fatalf("a step-up challenge shown as a login's: %v; want ErrChallengeGone", err)
	}
	if _, err := bw.b.AnswerStepUp(bw.ctx, res.SessionID, answer); err != nil {
		t.Fatal(err)
	}
	sess, _, err := bw.svc.CheckSession(bw.ctx, res.SessionID, login.Use{Channel: policy.ChannelPages, IP: untrusted, SafeMethod: true})
	if err != nil || sess.Level != string(policy.LevelHighAssurance) {
		t.Fatalf("after the step-up: %+v, %v", sess, err)
	}
	if s2, _, _ := bw.svc.CheckSession(bw.ctx, other.Result.SessionID, login.Use{Channel: policy.ChannelPages, IP: untrusted, SafeMethod: true}); s2.Level != string(policy.LevelStandard) {
		t.Fatal("the other session must stay Standard")
	}
	if _, err := bw.b.StartStepUp(bw.ctx, sess, bw.userRecord(name), first.Device, untrusted, "t"); !errors.Is(err, login.ErrAlreadyHighAssurance) {
		t.Fatalf("a second step-up: %v", err)
	}
	// The spent code cannot raise another session.
	again, _ := bw.b.StartStepUp(bw.ctx, other.Result.Session, bw.userRecord(name), first.Device, untrusted, "t")
	if _, err := bw.b.AnswerStepUp(bw.ctx, other.Result.SessionID, login.BrowserAnswer{ChallengeID: again.ChallengeID, Code: code, IP: untrusted}); !errors.Is(err, &domain.Error{Code: domain.CodeInvalidCode}) {
		t.Fatalf("a spent code: %v; want it refused", err)
	}
}

func TestStepUpEnrolmentFromAnUnrecognisedBrowserNeedsTheEmailedCodeFirst(t *testing.T) {
	bw := newBrowserWorld(t, policy.DefaultLockout, nil, testenv.SES(t))
	name := bw.returningUser("hal")
	email, err := bw.start(name, "")
	if err != nil {
		t.Fatal(err)
	}
	done, err := bw.answer(email.ChallengeID, bw.lastCode(name), "")
	if err != nil || done.Result == nil {
		t.Fatalf("login: %+v, %v", done, err)
	}
	res := done.Result
	// The same session, from a browser without the activation cookie (a
	// stolen cookie, say): no key may be enrolled with it alone.
	out, err := bw.b.StartStepUp(bw.ctx, res.Session, bw.userRecord(name), "", untrusted, "t")
	if err != nil || out.Pending.Kind != policy.ChallengeEmailCode {
		t.Fatalf("step-up enrolment from an unrecognised browser: %+v, %v; want the emailed code first", out, err)
	}
	if got := bw.userRecord(name).Lock.Attempts; got != 1 {
		t.Fatalf("the step-up mail counts toward lockout: attempts %d, want 1", got)
	}
	next, err := bw.b.AnswerStepUp(bw.ctx, res.SessionID, login.BrowserAnswer{ChallengeID: out.ChallengeID, Code: bw.lastCode(name), IP: untrusted})
	if err != nil || next.Pending.Kind != policy.ChallengeTOTPEnrol || next.ChallengeID == "" {
		t.Fatalf("after the emailed code: %+v, %v; want enrolment", next, err)
	}
	opts := totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	code, _ := totp.GenerateCodeCustom(next.Pending.EnrolSecret, bw.clock.Now(), opts)
	if _, err := bw.b.AnswerStepUp(bw.ctx, res.SessionID, login.BrowserAnswer{ChallengeID: next.ChallengeID, Code: code, IP: untrusted}); err != nil {
		t.Fatal(err)
	}
	sess, _, err := bw.svc.CheckSession(bw.ctx, res.SessionID, login.Use{Channel: policy.ChannelPages, IP: untrusted, SafeMethod: true})
	if err != nil || sess.Level != string(policy.LevelHighAssurance) || bw.userRecord(name).TOTPSealed == "" {
		t.Fatalf("after enrolment: %+v, %v", sess, err)
	}
}

func TestStepUpRefusesAnAPISession(t *testing.T) {
	bw := newBrowserWorld(t, policy.DefaultLockout, nil, testenv.SES(t))
	name, tok := bw.user("ida")
	api, err := bw.login(name, password+tok, untrusted)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bw.b.StartStepUp(bw.ctx, api.Session, bw.userRecord(name), "", untrusted, "t"); !errors.Is(err, login.ErrInvalidSession) {
		t.Fatalf("step-up of an API session: %v; want ErrInvalidSession", err)
	}
}

func TestEnrolmentNeverReplacesAKey(t *testing.T) {
	bw := newBrowserWorld(t, policy.DefaultLockout, func(p *domain.Profile) { p.TwoFactorUI = true }, testenv.SES(t))
	name, _ := bw.user("jon") // first login: enrolment without a code
	a, errA := bw.start(name, "")
	b, errB := bw.start(name, "")
	if errA != nil || errB != nil || a.Pending.Kind != policy.ChallengeTOTPEnrol || b.Pending.Kind != policy.ChallengeTOTPEnrol {
		t.Fatalf("two enrolments: %+v %v, %+v %v", a, errA, b, errB)
	}
	opts := totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	codeA, _ := totp.GenerateCodeCustom(a.Pending.EnrolSecret, bw.clock.Now(), opts)
	codeB, _ := totp.GenerateCodeCustom(b.Pending.EnrolSecret, bw.clock.Now().Add(30*time.Second), opts)
	r, err := bw.answer(a.ChallengeID, codeA, "")
	if err != nil || r.Result == nil || r.Device == "" {
		t.Fatalf("the first enrolment: %+v, %v", r, err)
	}
	sealed := bw.userRecord(name).TOTPSealed
	bw.clock.Advance(30 * time.Second) // a later time step: the code itself is good
	// From the browser the first login activated, so nothing else is asked.
	if _, err := bw.answer(b.ChallengeID, codeB, r.Device); !errors.Is(err, login.ErrChallengeGone) {
		t.Fatalf("a second enrolment over the first key: %v; want it refused", err)
	}
	if got := bw.userRecord(name).TOTPSealed; got != sealed {
		t.Fatal("the enrolled key was replaced")
	}
}

func TestAnExpiredLockRestartsTheCountOnTheEmailedCodePath(t *testing.T) {
	lo, _ := policy.NewLockout(3, 15*time.Minute)
	bw := newBrowserWorld(t, lo, nil, testenv.SES(t))
	name := bw.returningUser("kim")
	for i := 0; i < 3; i++ {
		if _, err := bw.b.Start(bw.ctx, login.BrowserStart{Username: name, Password: "wrong", IP: untrusted, Client: "t"}); err == nil {
			t.Fatal("a wrong password logged in")
		}
	}
	if _, err := bw.start(name, ""); domain.AsError(err).Code != domain.CodeInvalidLogin {
		t.Fatalf("locked: %v", err)
	}
	bw.clock.Advance(16 * time.Minute)
	out, err := bw.start(name, "")
	if err != nil || out.Pending.Kind != policy.ChallengeEmailCode {
		t.Fatalf("after the lock ran out: %+v, %v; want an emailed code", out, err)
	}
	if got := bw.userRecord(name).Lock.Attempts; got != 1 {
		t.Fatalf("the count restarts at the mail: attempts %d, want 1", got)
	}
	done, err := bw.answer(out.ChallengeID, bw.lastCode(name), "")
	if err != nil || done.Result == nil {
		t.Fatalf("the right code after an expired lock: %+v, %v; want a session", done, err)
	}
}
