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

	"loginguard/internal/testenv"
	"loginguard/shared/login"
	"loginguard/shared/mail/ses"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
	"loginguard/shared/store"
)

// browserWorld is a world with a browser login mailing through sesURL.
type browserWorld struct {
	*world
	b      *login.Browser
	sesURL string
}

func newBrowserWorld(t *testing.T, lo policy.Lockout, prof func(*store.Profile), sesURL string) *browserWorld {
	t.Helper()
	w := newWorld(t, lo, "", prof)
	sender, err := ses.New(testenv.SESv2(sesURL), "no-reply@test.example")
	if err != nil {
		t.Fatal(err)
	}
	w.svc.Sealer = testenv.Keyring(t, w.st)
	return &browserWorld{world: w, b: &login.Browser{Service: w.svc, Store: w.st, Mailer: sender}, sesURL: sesURL}
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
	var ce *login.CodeError
	if !errors.As(err, &ce) || ce.TriesLeft != login.MaxCodeTries-1 {
		t.Fatalf("a wrong code: %v; want a CodeError with %d tries left", err, login.MaxCodeTries-1)
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
	var ce *login.CodeError
	for i := 1; i <= login.MaxCodeTries; i++ {
		_, err := bw.answer(out.ChallengeID, otherCode(code), "")
		if !errors.As(err, &ce) || ce.TriesLeft != login.MaxCodeTries-i {
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
			case errors.As(err, new(*login.CodeError)):
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
	if le := login.AsError(err); le.Code != login.CodeCodeNotSent {
		t.Fatalf("SES down: %v; want %s", err, login.CodeCodeNotSent)
	}
	if got := bw.userRecord(name).Lock.Attempts; got != 0 {
		t.Fatalf("an unsent code must not count: attempts %d", got)
	}
}

func TestTOTPEnrolmentThenPromptAndNoReplay(t *testing.T) {
	bw := newBrowserWorld(t, policy.DefaultLockout, func(p *store.Profile) { p.TwoFactorUI = true }, testenv.SES(t))
	name := bw.returningUser("eve")
	out, err := bw.start(name, "")
	if err != nil || out.Pending.Kind != policy.ChallengeTOTPEnrol || out.Pending.EnrolSecret == "" {
		t.Fatalf("first two-factor login: %+v, %v; want enrolment", out, err)
	}
	if got := bw.userRecord(name).Lock.Attempts; got != 0 {
		t.Fatalf("a TOTP prompt does not count: attempts %d", got)
	}
	p, err := bw.b.PendingOf(bw.ctx, out.ChallengeID)
	if err != nil || p.EnrolSecret != out.Pending.EnrolSecret {
		t.Fatalf("the enrolment page reloaded: %+v, %v", p, err)
	}
	opts := totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	code, _ := totp.GenerateCodeCustom(out.Pending.EnrolSecret, bw.clock.Now(), opts)
	done, err := bw.answer(out.ChallengeID, code, "")
	if err != nil || done.Result == nil || done.Result.Session.Level != string(policy.LevelHighAssurance) {
		t.Fatalf("enrolment code: %+v, %v; want a High Assurance session", done, err)
	}
	if done.Result.Decision.Via != policy.ViaTOTP || done.Device == "" {
		t.Fatalf("a TOTP login verifies a new browser: %+v", done)
	}
	if bw.userRecord(name).TOTPSealed == "" {
		t.Fatal("the key was not registered")
	}
	// Next login: a prompt; the code just used is refused, the next one works.
	out, err = bw.start(name, done.Device)
	if err != nil || out.Pending.Kind != policy.ChallengeTOTP || out.Pending.EnrolSecret != "" {
		t.Fatalf("second login: %+v, %v; want a TOTP prompt", out, err)
	}
	if _, err := bw.answer(out.ChallengeID, code, done.Device); !errors.As(err, new(*login.CodeError)) {
		t.Fatalf("a spent code: %v; want it refused", err)
	}
	next, _ := totp.GenerateCodeCustom(p.EnrolSecret, bw.clock.Now().Add(30*time.Second), opts)
	if r, err := bw.answer(out.ChallengeID, next, done.Device); err != nil || r.Result == nil {
		t.Fatalf("the next code: %+v, %v", r, err)
	}
}

func TestHighAssuranceAtLoginAsksForTOTPAfterTheEmailedCode(t *testing.T) {
	bw := newBrowserWorld(t, policy.DefaultLockout, func(p *store.Profile) { p.RequireHighAssurance = true }, testenv.SES(t))
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
	out, err := bw.b.StartStepUp(bw.ctx, res.Session, bw.userRecord(name), untrusted, "t")
	if err != nil || out.Pending.Kind != policy.ChallengeTOTPEnrol {
		t.Fatalf("step-up without a key: %+v, %v; want enrolment", out, err)
	}
	opts := totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	code, _ := totp.GenerateCodeCustom(out.Pending.EnrolSecret, bw.clock.Now(), opts)
	answer := login.BrowserAnswer{ChallengeID: out.ChallengeID, Code: code, IP: untrusted}
	// Another session cannot use this challenge.
	other, _ := bw.start(name, first.Device)
	if err := bw.b.AnswerStepUp(bw.ctx, other.Result.SessionID, answer); !errors.Is(err, login.ErrChallengeGone) {
		t.Fatalf("another session's answer: %v; want ErrChallengeGone", err)
	}
	wrong := answer
	wrong.Code = otherCode(code)
	if err := bw.b.AnswerStepUp(bw.ctx, res.SessionID, wrong); !errors.As(err, new(*login.CodeError)) {
		t.Fatalf("a wrong code: %v", err)
	}
	if got := bw.userRecord(name).Lock.Attempts; got != 1 {
		t.Fatalf("a wrong step-up code counts: attempts %d", got)
	}
	if err := bw.b.AnswerStepUp(bw.ctx, res.SessionID, answer); err != nil {
		t.Fatal(err)
	}
	sess, _, err := bw.svc.CheckSession(bw.ctx, res.SessionID, login.Use{IP: untrusted, SafeMethod: true})
	if err != nil || sess.Level != string(policy.LevelHighAssurance) {
		t.Fatalf("after the step-up: %+v, %v", sess, err)
	}
	if s2, _, _ := bw.svc.CheckSession(bw.ctx, other.Result.SessionID, login.Use{IP: untrusted, SafeMethod: true}); s2.Level != string(policy.LevelStandard) {
		t.Fatal("the other session must stay Standard")
	}
	if _, err := bw.b.StartStepUp(bw.ctx, sess, bw.userRecord(name), untrusted, "t"); !errors.Is(err, login.ErrAlreadyHighAssurance) {
		t.Fatalf("a second step-up: %v", err)
	}
	// The spent code cannot raise another session.
	again, _ := bw.b.StartStepUp(bw.ctx, other.Result.Session, bw.userRecord(name), untrusted, "t")
	if err := bw.b.AnswerStepUp(bw.ctx, other.Result.SessionID, login.BrowserAnswer{ChallengeID: again.ChallengeID, Code: code, IP: untrusted}); !errors.As(err, new(*login.CodeError)) {
		t.Fatalf("a spent code: %v; want it refused", err)
	}
}
