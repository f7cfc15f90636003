package login_test

import (
	"errors"
	"testing"
	"time"

	"loginguard/internal/testenv"
	"loginguard/shared/domain"
	"loginguard/shared/login"
	"loginguard/shared/policy"
)

const newPassword = "Quartz-Meadow-Lantern-71"

// expireAfter30Days gives w's org a 30-day expiry, and returns a user of it
// whose password was set 40 days ago (and its security token).
func (w *world) expiredUser(name string) (string, string) {
	w.t.Helper()
	o, err := w.st.Org(w.ctx, w.org.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	o.Password.ExpiryDays = 30
	if w.org, err = w.st.UpdateOrg(w.ctx, o); err != nil {
		w.t.Fatal(err)
	}
	a := testenv.SeedUser(w.t, w.st, w.org, w.prof, testenv.Password(password), testenv.Params(fastParams),
		testenv.User(func(u *domain.User) {
			u.Username = name + "@" + w.org.ID + ".example"
			u.Email = u.Username
			u.PasswordChangedAt = w.clock.Now().Add(-40 * 24 * time.Hour)
		}))
	return a.User.Username, a.Token
}

func TestAnExpiredPasswordGivesSOAPASessionThatMaySetOnlyThePassword(t *testing.T) {
	w := newWorld(t, policy.DefaultLockout, "", nil)
	name, tok := w.expiredUser("ann")
	res, err := w.login(name, password+tok, untrusted)
	if err != nil || !res.Decision.PasswordExpired || !res.Session.PasswordExpired || res.Decision.Reason != policy.ReasonPasswordExpired {
		t.Fatalf("an expired password over SOAP: %+v, %v; want a restricted session", res.Decision, err)
	}
	// Any use but setting the password is refused, as Salesforce words it.
	_, _, err = w.svc.CheckSession(w.ctx, res.SessionID, login.Use{Channel: policy.ChannelAPI, IP: untrusted, SafeMethod: true})
	if code(err) != domain.CodeExpiredPasswordOperation || !errors.Is(err, login.ErrPasswordExpiredSession) {
		t.Fatalf("using the restricted session: %v; want %s", err, domain.CodeExpiredPasswordOperation)
	}
	if _, _, err := w.svc.CheckSession(w.ctx, res.SessionID, login.Use{Channel: policy.ChannelAPI, IP: untrusted, SettingPassword: true}); err != nil {
		t.Fatalf("setting the password with it: %v; want allowed", err)
	}
	// The right password settles the count, as any success does.
	if got := w.userRecord(name).Lock.Attempts; got != 0 {
		t.Errorf("attempts after the login: %d, want 0", got)
	}
	// A wrong password is still just that: nothing says it expired.
	if _, err := w.login(name, "Wrong-Horse-9"+tok, untrusted); code(err) != domain.CodeInvalidLogin {
		t.Fatalf("a wrong password: %v; want INVALID_LOGIN", err)
	}
	var restricted int
	for _, e := range w.history(w.userRecord(name).ID) {
		if e.Allowed && e.Reason == string(policy.ReasonPasswordExpired) && e.LoginType == "SOAP" {
			restricted++
		}
	}
	if restricted != 1 {
		t.Errorf("history: %d restricted SOAP logins, want 1", restricted)
	}
}

func TestAnExpiredPasswordRefusesTheOAuthPasswordGrantWithoutCounting(t *testing.T) {
	w := newWorld(t, policy.DefaultLockout, "", nil)
	name, tok := w.expiredUser("bob")
	_, err := w.svc.Login(w.ctx, login.Attempt{Username: name, Secret: password + tok, IP: untrusted, Type: "REST", Client: "test"})
	if code(err) != domain.CodePasswordExpired {
		t.Fatalf("an expired password over OAuth: %v; want %s", err, domain.CodePasswordExpired)
	}
	if got := w.userRecord(name).Lock.Attempts; got != 0 {
		t.Errorf("the right (expired) password counted toward lockout: attempts %d", got)
	}
}

func TestAnExpiredPasswordIsChangedBeforeTheBrowserSessionOpens(t *testing.T) {
	bw := newBrowserWorld(t, policy.DefaultLockout, nil, testenv.SES(t))
	name, _ := bw.expiredUser("cat")
	// A first login from this browser: no code, straight to the change.
	out, err := bw.start(name, "")
	if err != nil || out.Result != nil || out.Pending.Kind != policy.ChallengeNewPassword || out.ChallengeID == "" {
		t.Fatalf("an expired password in the browser: %+v, %v; want the forced change", out, err)
	}
	// The challenge is not a code: answered as one, it is gone.
	change := func(pw, confirm string) (login.BrowserOutcome, error) {
		return bw.b.ChangeExpired(bw.ctx, login.BrowserNewPassword{ChallengeID: out.ChallengeID, Password: pw, Confirm: confirm, IP: untrusted, Client: "test browser"})
	}
	_, err = change("password1", "password1")
	var e *domain.Error
	if !errors.As(err, &e) || e.Code != domain.CodeInvalidNewPassword || e.TriesLeft != login.MaxCodeTries-1 {
		t.Fatalf("a common password: %v; want INVALID_NEW_PASSWORD with %d tries left", err, login.MaxCodeTries-1)
	}
	if _, err := change(password, password); code(err) != domain.CodeInvalidNewPassword {
		t.Fatalf("the expired password again: %v; want INVALID_NEW_PASSWORD", err)
	}
	if got := bw.userRecord(name).Lock.Attempts; got != 0 {
		t.Errorf("refused new passwords counted toward lockout: attempts %d", got)
	}
	done, err := change(newPassword, newPassword)
	if err != nil || done.Result == nil {
		t.Fatalf("a good new password: %+v, %v; want the session", done, err)
	}
	u := bw.userRecord(name)
	if u.PasswordSetAt().Before(bw.clock.Now().Add(-time.Minute)) || done.Result.Session.Gen != u.SessionGen {
		t.Fatalf("after the change: set at %v, session gen %d, user gen %d", u.PasswordSetAt(), done.Result.Session.Gen, u.SessionGen)
	}
	if done.Result.Session.PasswordExpired {
		t.Fatal("the browser session is restricted")
	}
	// The challenge is spent; the old password is gone, the new one logs in.
	if _, err := change(newPassword+"x", newPassword+"x"); !errors.Is(err, login.ErrChallengeGone) {
		t.Fatalf("the challenge again: %v; want ErrChallengeGone", err)
	}
	if _, err := bw.b.Start(bw.ctx, login.BrowserStart{Username: name, Password: password, Device: done.Device, IP: untrusted}); code(err) != domain.CodeInvalidLogin {
		t.Fatalf("the old password: %v; want INVALID_LOGIN", err)
	}
	again, err := bw.b.Start(bw.ctx, login.BrowserStart{Username: name, Password: newPassword, Device: done.Device, IP: untrusted})
	if err != nil || again.Result == nil {
		t.Fatalf("the new password: %+v, %v", again, err)
	}
	// A new token went out with the change.
	if mails := testenv.Mails(t, bw.sesURL, name); len(mails) == 0 {
		t.Fatal("no mail with the new security token")
	}
}

func TestTheForcedChangeComesAfterTheEmailedCode(t *testing.T) {
	bw := newBrowserWorld(t, policy.DefaultLockout, nil, testenv.SES(t))
	name, _ := bw.expiredUser("dan")
	u := bw.userRecord(name)
	if err := bw.st.Succeed(bw.ctx, u, bw.clock.Now().Add(-time.Hour), "", 0); err != nil {
		t.Fatal(err)
	}
	out, err := bw.start(name, "")
	if err != nil || out.Pending.Kind != policy.ChallengeEmailCode {
		t.Fatalf("a returning user on a new browser: %+v, %v; want the emailed code first", out, err)
	}
	// The password alone cannot replace itself: no change before the code.
	if _, err := bw.b.ChangeExpired(bw.ctx, login.BrowserNewPassword{ChallengeID: out.ChallengeID, Password: newPassword, Confirm: newPassword, IP: untrusted}); !errors.Is(err, login.ErrChallengeGone) {
		t.Fatalf("a new password on the code's challenge: %v; want ErrChallengeGone", err)
	}
	if got := bw.userRecord(name).PasswordHash; got != u.PasswordHash {
		t.Fatal("the password changed without the code")
	}
	next, err := bw.start(name, "")
	if err != nil || next.Pending.Kind != policy.ChallengeEmailCode {
		t.Fatalf("logging in again: %+v, %v", next, err)
	}
	change, err := bw.answer(next.ChallengeID, bw.lastCode(name), "")
	if err != nil || change.Pending.Kind != policy.ChallengeNewPassword {
		t.Fatalf("the right code: %+v, %v; want the forced change next", change, err)
	}
	done, err := bw.b.ChangeExpired(bw.ctx, login.BrowserNewPassword{ChallengeID: change.ChallengeID, Password: newPassword, Confirm: newPassword, IP: untrusted})
	if err != nil || done.Result == nil || done.Result.Decision.Via != policy.ViaEmailCode || done.Device == "" {
		t.Fatalf("the new password: %+v, %v; want a session by the emailed code, the browser activated", done, err)
	}
}
