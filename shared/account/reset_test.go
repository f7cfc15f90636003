package account_test

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"loginguard/internal/testenv"
	"loginguard/shared/account"
	"loginguard/shared/domain"
	"loginguard/shared/login"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
)

var (
	home  = netip.MustParseAddr("198.51.100.7")
	cafe  = netip.MustParseAddr("203.0.113.9")
	agent = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"
)

const newPassword = "Quiet-Harbor-Lamps-9"

// forgot asks for a reset link for name from ip, with a short floor.
func (w *world) forgot(name string, ip netip.Addr) error {
	w.svc.ForgotFloor = time.Millisecond
	return w.svc.RequestPasswordReset(w.ctx, account.ForgotRequest{Username: name, IP: ip, Client: agent, BaseURL: "https://login.example.com"})
}

// linkFromMail is the newest reset link mailed to addr: its user and secret.
func (w *world) linkFromMail(addr string) account.ResetLink {
	w.t.Helper()
	for _, m := range slicesReverse(testenv.Mails(w.t, w.sesURL, addr)) {
		i := strings.Index(m.Body.Text, "https://login.example.com/login/reset?")
		if i < 0 {
			continue
		}
		raw := strings.Fields(m.Body.Text[i:])[0]
		u, err := url.Parse(raw)
		if err != nil {
			w.t.Fatal(err)
		}
		if !strings.Contains(m.Body.HTML, strings.ReplaceAll(u.RawQuery, "&", "&amp;")) || strings.Contains(m.Subject, u.Query().Get("t")) {
			w.t.Fatalf("the link belongs in the body only: %+v", m)
		}
		return account.ResetLink{Username: u.Query().Get("u"), Token: u.Query().Get("t"), IP: home, Client: agent}
	}
	w.t.Fatalf("no reset link mailed to %s", addr)
	return account.ResetLink{}
}

// mailedLink asks for a reset link for u and returns the one mailed.
func (w *world) mailedLink(u domain.User) account.ResetLink {
	w.t.Helper()
	if err := w.forgot(u.Username, home); err != nil {
		w.t.Fatal(err)
	}
	return w.linkFromMail(u.Email)
}

// strictPolicy gives the org a password policy stricter than the default.
func (w *world) strictPolicy() {
	w.t.Helper()
	w.org.Password = policy.PasswordPolicy{MinLength: 12, Complexity: policy.ComplexityUpperLowerNumeric, History: 3, BlockCommon: true}
	o, err := w.st.UpdateOrg(w.ctx, w.org)
	if err != nil {
		w.t.Fatal(err)
	}
	w.org = o
}

// codeFromMail is the newest verification code mailed to addr.
func (w *world) codeFromMail(addr string) string {
	w.t.Helper()
	for _, m := range slicesReverse(testenv.Mails(w.t, w.sesURL, addr)) {
		if _, after, ok := strings.Cut(m.Body.Text, "Verification code: "); ok {
			return strings.Fields(after)[0]
		}
	}
	w.t.Fatalf("no code mailed to %s", addr)
	return ""
}

func slicesReverse[T any](s []T) []T {
	out := make([]T, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

// recognise activates a browser (its cookie value) for u, as a login would.
func (w *world) recognise(u domain.User, device string) {
	w.t.Helper()
	if err := w.st.AddDevice(w.ctx, u, secret.Digest(secret.PurposeDevice, device), domain.Device{ActivatedAt: time.Now(), IP: home.String()}); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) passwordIs(u domain.User, pw string) bool {
	w.t.Helper()
	ok, _, err := secret.VerifyPassword(pw, w.fresh(u).PasswordHash, fast)
	if err != nil {
		w.t.Fatal(err)
	}
	return ok
}

func reset(l account.ResetLink, device, code, pw string) account.ResetAnswer {
	l.Device = device
	return account.ResetAnswer{ResetLink: l, Code: code, Password: pw, Confirm: pw}
}

func TestForgotMailsAnExistingUserALinkStoredOnlyAsADigest(t *testing.T) {
	w := newWorld(t, "")
	u := w.user("tom", false, true)
	if err := w.forgot("TOM@acme.example", home); err != nil {
		t.Fatal(err)
	}
	l := w.linkFromMail(u.Email)
	if l.Username != u.Username || len(l.Token) < 32 {
		t.Fatalf("link %+v", l)
	}
	m := testenv.Mails(t, w.sesURL, u.Email)[0]
	if !strings.Contains(m.Body.Text, "valid for 60 minutes") || !strings.Contains(m.Body.Text, home.String()) || !strings.Contains(m.Body.Text, "Firefox on Linux") {
		t.Fatalf("the mail should say how long, where from and which browser:\n%s", m.Body.Text)
	}
	r := w.fresh(u).PasswordReset
	if r.Digest == "" || r.Digest == l.Token || strings.Contains(r.Digest, l.Token) || r.BoundTo == "" ||
		r.ExpiresAt.Sub(time.Now()) > account.ResetLinkTTL || r.ExpiresAt.Sub(time.Now()) < account.ResetLinkTTL-time.Minute {
		t.Fatalf("stored %+v", r)
	}
	if a := w.audit(); len(a) != 1 || a[0].Action != account.ActionPasswordResetRequest || a[0].Outcome != account.OutcomeDone || a[0].IP != home.String() {
		t.Fatalf("audit %+v", a)
	}
}

func TestForgotAnswersAlikeAndMailsNothingForUnknownInactiveLockedOrMaillessUsers(t *testing.T) {
	w := newWorld(t, "")
	inactive := w.user("ina", false, true)
	if _, err := w.st.SetActive(w.ctx, inactive.Username, false); err != nil {
		t.Fatal(err)
	}
	locked := w.user("lou", false, true)
	for range locked.Policy.Lockout.MaxAttempts {
		_, _ = w.svc.Login.CheckPassword(w.ctx, locked.Username, "wrong")
	}
	if l := w.fresh(locked); !l.Policy.Lockout.Locked(l.Lock, time.Now()) {
		t.Fatalf("not locked: %+v", l.Lock)
	}
	mailless := w.user("ned", false, false)
	known := w.user("tom", false, true)

	const floor = 300 * time.Millisecond
	took := map[string]time.Duration{}
	for _, name := range []string{"nobody@acme.example", inactive.Username, locked.Username, mailless.Username, known.Username} {
		start := time.Now()
		w.svc.ForgotFloor = floor
		err := w.svc.RequestPasswordReset(w.ctx, account.ForgotRequest{Username: name, IP: home, Client: agent, BaseURL: "https://login.example.com"})
		took[name] = time.Since(start)
		if err != nil {
			t.Fatalf("%s: %v; want the one answer", name, err)
		}
		if took[name] < floor {
			t.Errorf("%s answered in %v, under the floor %v", name, took[name], floor)
		}
	}
	for _, addr := range []string{inactive.Email, locked.Email, "nobody@acme.example"} {
		if n := len(testenv.Mails(t, w.sesURL, addr)); n != 0 {
			t.Errorf("%s got %d mails", addr, n)
		}
	}
	if len(testenv.Mails(t, w.sesURL, known.Email)) != 1 {
		t.Fatal("the known user gets the link")
	}
	if r := w.fresh(inactive).PasswordReset; r.Digest != "" {
		t.Fatal("no link is stored for an inactive user")
	}
	var outcomes []string
	for _, e := range w.audit() {
		if e.Action == account.ActionPasswordResetRequest {
			outcomes = append(outcomes, e.Target+" "+e.Outcome)
		}
	}
	if len(outcomes) != 3 {
		t.Fatalf("audit of the known users' requests: %v", outcomes)
	}
}

func TestAResetLinkWorksOnceFromARecognisedBrowser(t *testing.T) {
	w := newWorld(t, "")
	u := w.user("tom", false, true)
	w.recognise(u, "dev-1")
	l := w.mailedLink(u)
	l.Device = "dev-1"
	p, err := w.svc.OpenPasswordReset(w.ctx, l)
	if err != nil || p.Code != policy.ChallengeNone || p.Username != u.Username {
		t.Fatalf("open: %+v, %v; want no code from a recognised browser", p, err)
	}
	if err := w.svc.CompletePasswordReset(w.ctx, reset(l, "dev-1", "", newPassword)); err != nil {
		t.Fatal(err)
	}
	if !w.passwordIs(u, newPassword) {
		t.Fatal("the new password does not work")
	}
	if r := w.fresh(u).PasswordReset; r.Digest != "" {
		t.Fatalf("the used link is still stored: %+v", r)
	}
	err = w.svc.CompletePasswordReset(w.ctx, reset(l, "dev-1", "", "Another-Harbor-Lamp-8"))
	if !errors.Is(err, account.ErrResetLinkGone) || !w.passwordIs(u, newPassword) {
		t.Fatalf("the link used a second time: %v; want ErrResetLinkGone", err)
	}
	if _, err := w.svc.OpenPasswordReset(w.ctx, l); !errors.Is(err, account.ErrResetLinkGone) {
		t.Fatalf("opening a used link: %v", err)
	}
}

func TestAnOlderLinkDiesWhenThePasswordChangesOrANewerOneIsSent(t *testing.T) {
	w := newWorld(t, "")
	u := w.user("tom", false, true)
	w.recognise(u, "dev-1")
	if err := w.forgot(u.Username, home); err != nil {
		t.Fatal(err)
	}
	first := w.linkFromMail(u.Email)
	if err := w.forgot(u.Username, home); err != nil {
		t.Fatal(err)
	}
	second := w.linkFromMail(u.Email)
	if _, err := w.svc.OpenPasswordReset(w.ctx, first); !errors.Is(err, account.ErrResetLinkGone) {
		t.Fatalf("a replaced link: %v; want ErrResetLinkGone", err)
	}
	if err := w.svc.ChangePassword(w.ctx, self(w.fresh(u)), oldPassword, "Changed-Passw0rd-Now"); err != nil {
		t.Fatal(err)
	}
	err := w.svc.CompletePasswordReset(w.ctx, reset(second, "dev-1", "", newPassword))
	if !errors.Is(err, account.ErrResetLinkGone) || w.passwordIs(u, newPassword) {
		t.Fatalf("a link issued before the password changed: %v; want ErrResetLinkGone", err)
	}
}

func TestAnExpiredLinkIsRefused(t *testing.T) {
	w := newWorld(t, "")
	u := w.user("tom", false, true)
	w.recognise(u, "dev-1")
	l := w.mailedLink(u)
	w.svc.Now = func() time.Time { return time.Now().Add(account.ResetLinkTTL + time.Second) }
	if _, err := w.svc.OpenPasswordReset(w.ctx, l); !errors.Is(err, account.ErrResetLinkGone) {
		t.Fatalf("open an expired link: %v", err)
	}
	err := w.svc.CompletePasswordReset(w.ctx, reset(l, "dev-1", "", newPassword))
	if !errors.Is(err, account.ErrResetLinkGone) || !strings.Contains(err.Error(), "expired") || w.passwordIs(u, newPassword) {
		t.Fatalf("complete with an expired link: %v", err)
	}
	// A forged or mistyped secret is the same refusal.
	l.Token = l.Token[:len(l.Token)-1] + "x"
	w.svc.Now = time.Now
	if _, err := w.svc.OpenPasswordReset(w.ctx, l); !errors.Is(err, account.ErrResetLinkGone) {
		t.Fatalf("a wrong secret: %v", err)
	}
}

func TestForgotIsLimitedPerUserNameAndPerSource(t *testing.T) {
	w := newWorld(t, "")
	u := w.user("tom", false, true)
	for _, name := range []string{u.Username, "nobody@acme.example"} {
		for i := range account.ForgotUserLimit {
			if err := w.forgot(name, netip.MustParseAddr("192.0.2."+strconv.Itoa(10+i))); err != nil {
				t.Fatalf("%s request %d: %v", name, i+1, err)
			}
		}
		err := w.forgot(name, netip.MustParseAddr("192.0.2.99"))
		if !errors.Is(err, account.ErrForgotUserLimit) || !strings.Contains(err.Error(), "3 times in the last hour") {
			t.Fatalf("%s request %d: %v; want ErrForgotUserLimit, the same for a known name and an unknown one", name, account.ForgotUserLimit+1, err)
		}
	}
	if n := len(testenv.Mails(t, w.sesURL, u.Email)); n != account.ForgotUserLimit {
		t.Fatalf("%d mails; want %d", n, account.ForgotUserLimit)
	}
	for i := range account.ForgotSourceLimit {
		if err := w.forgot("someone"+strconv.Itoa(i)+"@acme.example", cafe); err != nil {
			t.Fatalf("source request %d: %v", i+1, err)
		}
	}
	err := w.forgot("another@acme.example", cafe)
	var e *domain.Error
	if !errors.As(err, &e) || e.Code != domain.CodeRequestLimit || e.RetryAfter <= 0 || e.RetryAfter > account.ForgotWindow ||
		!strings.Contains(e.Message, "from your network") {
		t.Fatalf("source request %d: %v; want ErrForgotSourceLimit with a RetryAfter", account.ForgotSourceLimit+1, err)
	}
	if err := w.forgot("another@acme.example", home); err != nil {
		t.Fatalf("another source is not limited: %v", err)
	}
}

func TestAResetFromAnUnrecognisedBrowserAsksTheMailedCodeClearsTheLockMailsATokenAndEndsSessions(t *testing.T) {
	w := newWorld(t, "")
	u := w.user("tom", false, true)
	l := w.mailedLink(u)
	// Locked after the link went out (someone guessing the password).
	for range u.Policy.Lockout.MaxAttempts {
		_, _ = w.svc.Login.CheckPassword(w.ctx, u.Username, "wrong")
	}
	if l := w.fresh(u); !l.Policy.Lockout.Locked(l.Lock, time.Now()) {
		t.Fatalf("not locked: %+v", l.Lock)
	}
	// A session elsewhere.
	cur := w.fresh(u)
	sess := domain.Session{IDHash: strings.Repeat("ab", 32), UserID: u.ID, OrgID: u.OrgID, ProfileID: u.ProfileID, Username: u.Username,
		IP: cafe.String(), LoginType: policy.LoginSOAP, Level: string(policy.LevelStandard), Timeout: time.Hour, Gen: cur.SessionGen,
		CreatedAt: time.Now(), LastSeenAt: time.Now()}
	if err := w.st.OpenSession(w.ctx, sess, domain.LoginEvent{At: time.Now(), UserID: u.ID, OrgID: u.OrgID}); err != nil {
		t.Fatal(err)
	}

	p, err := w.svc.OpenPasswordReset(w.ctx, l)
	if err != nil || p.Code != policy.ChallengeEmailCode || p.MaskedEmail != "t***@acme.example" {
		t.Fatalf("open from an unrecognised browser: %+v, %v; want an emailed code", p, err)
	}
	code := w.codeFromMail(u.Email)
	if _, err := w.svc.OpenPasswordReset(w.ctx, l); err != nil || w.codeFromMail(u.Email) != code ||
		len(testenv.Mails(t, w.sesURL, u.Email)) != 2 {
		t.Fatalf("reloading the page mails no second code: %v", err)
	}
	// The link alone is not enough.
	var e *domain.Error
	err = w.svc.CompletePasswordReset(w.ctx, reset(l, "", "", newPassword))
	if !errors.As(err, &e) || e.Code != domain.CodeInvalidCode || e.TriesLeft != account.ResetCodeTries-1 {
		t.Fatalf("no code: %v; want INVALID_VERIFICATION_CODE", err)
	}
	if err := w.svc.CompletePasswordReset(w.ctx, reset(l, "", code, newPassword)); err != nil {
		t.Fatal(err)
	}
	rec := w.fresh(u)
	if !w.passwordIs(u, newPassword) || rec.Lock.Attempts != 0 || rec.Policy.Lockout.Locked(rec.Lock, time.Now()) {
		t.Fatalf("after the reset: password set, lock cleared: %+v", rec.Lock)
	}
	if _, err := w.svc.Login.CheckPassword(w.ctx, u.Username, newPassword); err != nil {
		t.Fatalf("the new password logs in: %v", err)
	}
	if tok := w.tokenFromMail(u.Email); !tokenWorks(rec, tok) || tokenWorks(rec, "OLDTOKEN") {
		t.Fatal("the reset mails a new token, and the old one fails")
	}
	if live, err := w.st.SessionsOf(w.ctx, u.OrgID, u.ID, time.Now()); err != nil || len(live) != 0 {
		t.Fatalf("sessions after the reset: %d, %v; want none", len(live), err)
	}
	var done, wrong bool
	for _, a := range w.audit() {
		if a.Action == account.ActionPasswordResetLink {
			done = done || a.Outcome == account.OutcomeDone && a.TargetID == u.ID && a.IP == home.String()
			wrong = wrong || a.Outcome == domain.CodeInvalidCode
		}
	}
	if !done || !wrong {
		t.Fatalf("audit %+v", w.audit())
	}
}

func TestTooManyWrongCodesEndTheLink(t *testing.T) {
	w := newWorld(t, "")
	u := w.user("tom", false, true)
	l := w.mailedLink(u)
	if _, err := w.svc.OpenPasswordReset(w.ctx, l); err != nil {
		t.Fatal(err)
	}
	code := w.codeFromMail(u.Email)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	for i := range account.ResetCodeTries {
		err := w.svc.CompletePasswordReset(w.ctx, reset(l, "", wrong, newPassword))
		if e := domain.AsError(err); e.Code != domain.CodeInvalidCode || e.TriesLeft != account.ResetCodeTries-1-i {
			t.Fatalf("wrong code %d: %v (%d left)", i+1, err, e.TriesLeft)
		}
	}
	if err := w.svc.CompletePasswordReset(w.ctx, reset(l, "", code, newPassword)); !errors.Is(err, account.ErrResetLinkGone) {
		t.Fatalf("the right code after too many wrong ones: %v; want ErrResetLinkGone", err)
	}
}

func TestAResetPasswordMustMeetTheOrgsPolicy(t *testing.T) {
	w := newWorld(t, "")
	w.strictPolicy()
	u := w.user("rita", false, true)
	w.recognise(u, "dev-1")
	l := w.mailedLink(u)
	e := domain.AsError(w.svc.CompletePasswordReset(w.ctx, reset(l, "dev-1", "", "Short1short")))
	if e.Code != domain.CodeInvalidNewPassword || string(e.Reason) != "PASSWORD_TOO_SHORT" || !strings.Contains(e.Message, "at least 12 characters") {
		t.Fatalf("a short password: %s %s %q", e.Code, e.Reason, e.Message)
	}
	mismatch := reset(l, "dev-1", "", newPassword)
	mismatch.Confirm = newPassword + "x"
	if err := w.svc.CompletePasswordReset(w.ctx, mismatch); !errors.Is(err, account.ErrPasswordsDiffer) {
		t.Fatalf("a confirmation that differs: %v", err)
	}
	if !w.passwordIs(u, oldPassword) {
		t.Fatal("a refused password changed the password")
	}
	// The link still works after a refusal.
	if err := w.svc.CompletePasswordReset(w.ctx, reset(l, "dev-1", "", newPassword)); err != nil {
		t.Fatalf("a password the policy allows: %v", err)
	}
}

func TestAResetMailTheProviderRefusesIsReportedAlikeForEveryName(t *testing.T) {
	dead := "http://127.0.0.1:" + strconv.Itoa(testenv.FreePort(t)) // nobody listens: the send fails
	w := newWorld(t, dead)
	u := w.user("tom", false, true)
	if err := w.forgot("nobody@acme.example", home); err != nil {
		t.Fatalf("before any send failed: %v", err)
	}
	err := w.forgot(u.Username, home)
	if !errors.Is(err, account.ErrForgotMailFailed) || strings.Contains(domain.AsError(err).Message, "tom") {
		t.Fatalf("SES down: %v; want ErrForgotMailFailed, naming nothing of the account", err)
	}
	if r := w.fresh(u).PasswordReset; r.Digest != "" {
		t.Fatal("an unsent link is not kept")
	}
	if err := w.forgot("nobody@acme.example", home); !errors.Is(err, account.ErrForgotMailFailed) {
		t.Fatalf("an unknown name while sends fail: %v; want the same ErrForgotMailFailed", err)
	}
}

// prefixSealer seals by prefixing (the keyring has its own tests).
type prefixSealer struct{}

func (prefixSealer) Seal(_ context.Context, plain, owner string, _ io.Reader) (string, error) {
	return "sealed." + owner + "." + plain, nil
}

func (prefixSealer) Open(_ context.Context, sealed, owner string) (string, error) {
	plain, ok := strings.CutPrefix(sealed, "sealed."+owner+".")
	if !ok {
		return "", secret.ErrUnseal
	}
	return plain, nil
}

// enrolTOTP gives u a TOTP key (sealed by prefixSealer, which the world's
// login service then opens) and returns it.
func (w *world) enrolTOTP(u domain.User) *otp.Key {
	w.t.Helper()
	w.svc.Login.Sealer = prefixSealer{}
	key, err := secret.NewTOTPKey("loginguard", u.Username, rand.Reader)
	if err != nil {
		w.t.Fatal(err)
	}
	sealed, _ := prefixSealer{}.Seal(w.ctx, key.Secret(), u.ID, nil)
	if err := w.st.SetTOTPKey(w.ctx, u.Username, sealed); err != nil {
		w.t.Fatal(err)
	}
	return key
}

// totpCode is key's code at at.
func totpCode(t *testing.T, key *otp.Key, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(key.Secret(), at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func TestAResetFromAnUnrecognisedBrowserOfATOTPUserAsksTheAppsCode(t *testing.T) {
	w := newWorld(t, "")
	u := w.user("tom", false, true)
	key := w.enrolTOTP(u)
	l := w.mailedLink(u)
	p, err := w.svc.OpenPasswordReset(w.ctx, l)
	if err != nil || p.Code != policy.ChallengeTOTP {
		t.Fatalf("open: %+v, %v; want a TOTP code asked", p, err)
	}
	if n := len(testenv.Mails(t, w.sesURL, u.Email)); n != 1 {
		t.Fatalf("%d mails; a TOTP user is mailed no code", n)
	}
	if e := domain.AsError(w.svc.CompletePasswordReset(w.ctx, reset(l, "", "000000", newPassword))); e.Code != domain.CodeInvalidCode {
		t.Fatalf("a wrong TOTP code: %v", e)
	}
	code := totpCode(t, key, time.Now())
	if err := w.svc.CompletePasswordReset(w.ctx, reset(l, "", code, newPassword)); err != nil {
		t.Fatal(err)
	}
	if !w.passwordIs(u, newPassword) {
		t.Fatal("the new password does not work")
	}
}

func TestAnAdminsResetLinkLetsTheUserChooseThePassword(t *testing.T) {
	w := newWorld(t, "")
	u := w.user("tom", false, true)
	w.recognise(u, "dev-1")
	plain := w.user("pat", false, true)
	if err := w.svc.SendResetLink(w.ctx, self(plain), u, "http://127.0.0.1:3000"); !errors.Is(err, account.ErrNotPermitted) {
		t.Fatalf("a user without Manage Users: %v", err)
	}
	noMail := w.user("nomail", false, false)
	if err := w.svc.SendResetLink(w.ctx, account.Actor{Via: "CLI"}, noMail, "http://127.0.0.1:3000"); !errors.Is(err, account.ErrLinkNoEmail) {
		t.Fatalf("a user with no email: %v", err)
	}
	if err := w.svc.SendResetLink(w.ctx, account.Actor{Via: "CLI"}, u, "https://login.example.com"); err != nil {
		t.Fatal(err)
	}
	if !w.passwordIs(u, oldPassword) {
		t.Fatal("the current password stops working before the user chooses one")
	}
	l := w.linkFromMail(u.Email)
	l.Device = "dev-1"
	if err := w.svc.CompletePasswordReset(w.ctx, reset(l, "dev-1", "", newPassword)); err != nil || !w.passwordIs(u, newPassword) {
		t.Fatalf("the admin's link: %v", err)
	}
}

// trust sets the org's trusted IP ranges (before its users are seeded).
func (w *world) trust(ranges string) {
	w.t.Helper()
	r, err := policy.ParseIPRanges(ranges)
	if err != nil {
		w.t.Fatal(err)
	}
	w.org.TrustedRanges = r
	if w.org, err = w.st.UpdateOrg(w.ctx, w.org); err != nil {
		w.t.Fatal(err)
	}
}

func TestAResetAsksACodeExactlyWhereTheBrowserLoginWould(t *testing.T) {
	w := newWorld(t, "")
	w.trust("203.0.113.0-203.0.113.255") // cafe's network
	office, _ := policy.ParseIPRanges("192.0.2.0-192.0.2.255")
	inOffice := netip.MustParseAddr("192.0.2.44")
	u := w.user("tom", false, true)
	ranged := w.userOf("rita", true, func(p *domain.Profile) { p.LoginIPRanges = office })
	w.recognise(ranged, "dev-r")
	for _, c := range []struct {
		name   string
		u      domain.User
		ip     netip.Addr
		device string
		want   policy.Challenge
	}{
		{"from the org's trusted range no code", u, cafe, "", policy.ChallengeNone},
		{"the same from outside it an emailed code", u, home, "", policy.ChallengeEmailCode},
		{"from the profile's login IP range no code", ranged, inOffice, "", policy.ChallengeNone},
		{"outside the profile's ranges a code, activated browser or not", ranged, cafe, "dev-r", policy.ChallengeEmailCode},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := w.mailedLink(c.u)
			l.IP, l.Device = c.ip, c.device
			p, err := w.svc.OpenPasswordReset(w.ctx, l)
			if err != nil || p.Code != c.want {
				t.Fatalf("open: %+v, %v; want %q", p, err, c.want)
			}
			if c.want != policy.ChallengeNone {
				return
			}
			if err := w.svc.CompletePasswordReset(w.ctx, reset(l, c.device, "", newPassword)); err != nil || !w.passwordIs(c.u, newPassword) {
				t.Fatalf("complete with no code: %v", err)
			}
		})
	}
	// Completing from outside what opened it asks the code there.
	v := w.user("vic", false, true)
	l := w.mailedLink(v)
	l.IP = cafe
	if p, err := w.svc.OpenPasswordReset(w.ctx, l); err != nil || p.Code != policy.ChallengeNone {
		t.Fatalf("open from the trusted range: %+v, %v", p, err)
	}
	l.IP = home
	if e := domain.AsError(w.svc.CompletePasswordReset(w.ctx, reset(l, "", "", newPassword))); e.Code != domain.CodeInvalidCode || w.passwordIs(v, newPassword) {
		t.Fatalf("complete from outside with no code: %v; want INVALID_VERIFICATION_CODE", e)
	}
}

func TestAResetsTOTPCodeIsSpentSoNoLoginOrResetTakesItAgain(t *testing.T) {
	w := newWorld(t, "")
	u := w.userOf("tom", true, func(p *domain.Profile) { p.TwoFactorAPI, p.APIEnabled = true, true })
	key := w.enrolTOTP(u)
	l := w.mailedLink(u)
	code := totpCode(t, key, time.Now())
	if err := w.svc.CompletePasswordReset(w.ctx, reset(l, "", code, newPassword)); err != nil {
		t.Fatal(err)
	}
	if got := w.fresh(u).TOTPLastStep; got < secret.TOTPStep(time.Now())-1 {
		t.Fatalf("last TOTP step %d after the reset; want the code's step spent", got)
	}
	// An API login with the new password and that code: refused.
	_, err := w.svc.Login.Login(w.ctx, login.Attempt{Username: u.Username, Secret: newPassword + code, IP: home, Type: policy.LoginSOAP, Client: agent})
	if domain.ErrorCode(err) != domain.CodeInvalidLogin {
		t.Fatalf("a login with the code the reset spent: %v; want INVALID_LOGIN", err)
	}
	// A second link and the same code: refused as used, audited.
	l2 := w.mailedLink(w.fresh(u))
	e := domain.AsError(w.svc.CompletePasswordReset(w.ctx, reset(l2, "", code, "Another-Harbor-Lamp-8")))
	if e.Code != domain.CodeInvalidCode || e.Reason != policy.ReasonTOTPReused || !strings.Contains(e.Message, "used already") ||
		e.TriesLeft != account.ResetCodeTries-1 || !w.passwordIs(u, newPassword) {
		t.Fatalf("a second reset with the spent code: %+v; want INVALID_VERIFICATION_CODE, TOTP_CODE_REUSED", e)
	}
	reused := false
	for _, a := range w.audit() {
		reused = reused || a.Action == account.ActionPasswordResetLink && a.Outcome == string(policy.ReasonTOTPReused)
	}
	if !reused {
		t.Fatalf("audit %+v; want a TOTP_CODE_REUSED line", w.audit())
	}
	// The refusals were the spent step alone: with it forgotten, the code logs in.
	sealed, _ := prefixSealer{}.Seal(w.ctx, key.Secret(), u.ID, nil)
	if err := w.st.SetTOTPKey(w.ctx, u.Username, sealed); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Login.Login(w.ctx, login.Attempt{Username: u.Username, Secret: newPassword + code, IP: home, Type: policy.LoginSOAP, Client: agent}); err != nil {
		t.Fatalf("control: the code with its step forgotten: %v", err)
	}
}

func TestTwoResetsRacingWithOneTOTPCodeLetExactlyOneThrough(t *testing.T) {
	w := newWorld(t, "")
	for _, name := range []string{"ann", "bob", "cid"} {
		u := w.user(name, false, true)
		key := w.enrolTOTP(u)
		l := w.mailedLink(u)
		code := totpCode(t, key, time.Now())
		pws := []string{"Quiet-Harbor-Lamps-9", "Loud-Valley-Bells-7"}
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i := range pws {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = w.svc.CompletePasswordReset(w.ctx, reset(l, "", code, pws[i]))
			}()
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("%s: %v, %v; want exactly one reset", name, errs[0], errs[1])
		}
		win, lose := 0, errs[1]
		if errs[0] != nil {
			win, lose = 1, errs[0]
		}
		if e := domain.AsError(lose); e.Reason != policy.ReasonTOTPReused && !errors.Is(lose, account.ErrResetLinkGone) {
			t.Fatalf("%s: the other: %v; want the code refused as used, or the link gone", name, lose)
		}
		if !w.passwordIs(u, pws[win]) {
			t.Fatalf("%s: the password is not the winner's", name)
		}
	}
}

func TestALoginTidiesAnExpiredLinkAndKeepsAValidOne(t *testing.T) {
	w := newWorld(t, "")
	w.trust("198.51.100.0-198.51.100.255") // home: a password alone logs in
	logIn := func(u domain.User, at time.Time) {
		t.Helper()
		w.svc.Login.Now = func() time.Time { return at }
		defer func() { w.svc.Login.Now = time.Now }()
		if _, err := w.svc.Login.Login(w.ctx, login.Attempt{Username: u.Username, Secret: oldPassword, IP: home, Type: policy.LoginSOAP, Client: agent}); err != nil {
			t.Fatal(err)
		}
	}
	u := w.user("tom", false, true)
	l := w.mailedLink(u)
	logIn(u, time.Now())
	if r := w.fresh(u).PasswordReset; r.Digest == "" {
		t.Fatal("a login removed a valid link")
	}
	w.recognise(u, "dev-1")
	l.Device = "dev-1"
	if _, err := w.svc.OpenPasswordReset(w.ctx, l); err != nil {
		t.Fatalf("the link after a login: %v", err)
	}
	logIn(u, time.Now().Add(account.ResetLinkTTL+time.Second))
	if r := w.fresh(u).PasswordReset; r != (domain.PasswordReset{}) {
		t.Fatalf("after an expired link and a login: %+v; want it removed", r)
	}
}

func TestOpeningAnExpiredLinkRemovesItAndAWrongSecretDoesNot(t *testing.T) {
	w := newWorld(t, "")
	u := w.user("tom", false, true)
	l := w.mailedLink(u)
	w.svc.Now = func() time.Time { return time.Now().Add(account.ResetLinkTTL + time.Second) }
	forged := l
	forged.Token = l.Token[:len(l.Token)-1] + "x"
	if l.Token == forged.Token {
		forged.Token = l.Token[:len(l.Token)-1] + "y"
	}
	if _, err := w.svc.OpenPasswordReset(w.ctx, forged); !errors.Is(err, account.ErrResetLinkGone) || w.fresh(u).PasswordReset.Digest == "" {
		t.Fatalf("a wrong secret: %v; want ErrResetLinkGone, the link left alone", err)
	}
	if _, err := w.svc.OpenPasswordReset(w.ctx, l); !errors.Is(err, account.ErrResetLinkGone) {
		t.Fatalf("the expired link: %v", err)
	}
	if r := w.fresh(u).PasswordReset; r != (domain.PasswordReset{}) {
		t.Fatalf("after opening the expired link: %+v; want it removed", r)
	}
}
