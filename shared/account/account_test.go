package account_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"loginguard/internal/apptest"
	"loginguard/internal/testenv"
	"loginguard/shared/account"
	"loginguard/shared/app"
	"loginguard/shared/config"
	"loginguard/shared/domain"
	"loginguard/shared/login"
	"loginguard/shared/mail/ses"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
	"loginguard/shared/store/dynamo"
)

var fast = secret.Params{MemoryKiB: 64, Time: 1, Threads: 1}

const oldPassword = "Old-Passw0rd"

type world struct {
	t      testing.TB
	ctx    context.Context
	st     *dynamo.Store
	db     *dynamodb.Client
	tb     dynamo.Tables
	sesURL string
	svc    *account.Service
	org    domain.Org
}

// newWorld: an org with two profiles (plain users; admins with "Manage
// Users"), mail through sesURL ("" starts an SES stand-in).
func newWorld(t testing.TB, sesURL string) *world {
	t.Helper()
	db := testenv.DynamoDB(testenv.Dynalite(t))
	if sesURL == "" {
		sesURL = testenv.SES(t)
	}
	sender, _ := ses.New(testenv.SESv2(sesURL), "no-reply@example.com")
	// Built as the functions build it (shared/app), with cheap hashes.
	tb := testenv.CreateTables(t, db)
	a := apptest.New(t, db, tb, config.Config{}, app.WithParams(fast), apptest.Mailer(sender))
	st := a.Store
	w := &world{t: t, ctx: testenv.Context(t), st: st, db: db, tb: tb, sesURL: sesURL,
		org: testenv.SeedOrg(t, st, func(o *domain.Org) { o.SessionTimeout = 0 })}
	w.svc = a.Accounts
	return w
}

func (w *world) user(name string, manageUsers bool, email bool) domain.User {
	w.t.Helper()
	return w.userOf(name, email, func(p *domain.Profile) { p.ManageUsers = manageUsers })
}

// userOf seeds a user of a profile of its own, which profile sets up.
func (w *world) userOf(name string, email bool, profile func(*domain.Profile)) domain.User {
	w.t.Helper()
	p := testenv.SeedProfile(w.t, w.st, w.org, profile)
	u := testenv.SeedUser(w.t, w.st, w.org, p, testenv.Password(oldPassword), testenv.Params(fast), testenv.Token("OLDTOKEN"),
		testenv.User(func(u *domain.User) {
			u.Username, u.FirstName, u.Email = name+"@acme.example", "T", ""
			if email {
				u.Email = u.Username
			}
		})).User
	return w.fresh(u)
}

func (w *world) fresh(u domain.User) domain.User {
	w.t.Helper()
	got, err := w.st.User(w.ctx, u.Username)
	if err != nil {
		w.t.Fatal(err)
	}
	return got
}

func (w *world) tokenFromMail(to string) string {
	w.t.Helper()
	mails := testenv.Mails(w.t, w.sesURL, to)
	if len(mails) == 0 {
		w.t.Fatalf("no mail to %s", to)
	}
	m := mails[len(mails)-1]
	_, after, ok := strings.Cut(m.Body.Text, "Security token (case-sensitive): ")
	if !ok {
		w.t.Fatalf("no token in the mail text:\n%s", m.Body.Text)
	}
	tok := strings.Fields(after)[0]
	if len(tok) != secret.TokenLen || !strings.Contains(m.Body.HTML, tok) || strings.Contains(m.Subject, tok) || strings.Contains(m.From, tok) {
		w.t.Fatalf("the token belongs in the body only: %+v", m)
	}
	return tok
}

func (w *world) audit() []domain.AuditEvent {
	w.t.Helper()
	evs, err := w.st.AuditTrail(w.ctx, w.org.ID, 100)
	if err != nil {
		w.t.Fatal(err)
	}
	return evs
}

func self(u domain.User) account.Actor { return account.Actor{User: u, IP: "198.51.100.7", Via: "UI"} }

func tokenWorks(u domain.User, tok string) bool {
	return secret.MatchDigest(secret.PurposeToken, tok, u.TokenHash)
}

func TestSelfServiceResetMailsThenReplacesTheToken(t *testing.T) {
	w := newWorld(t, "")
	u := w.user("tom", false, true)
	if err := w.svc.ResetToken(w.ctx, self(u), u); err != nil {
		t.Fatal(err)
	}
	tok := w.tokenFromMail(u.Email)
	mails := testenv.Mails(t, w.sesURL, u.Email)
	if txt := mails[0].Body.Text; !strings.Contains(txt, "198.51.100.7") || !strings.Contains(txt, "You asked to reset your security token") {
		t.Fatalf("the mail should say where and why:\n%s", txt)
	}
	if rec := w.fresh(u); !tokenWorks(rec, tok) || tokenWorks(rec, "OLDTOKEN") {
		t.Fatal("after the mail was accepted only the new token may match")
	}
	a := w.audit()
	if len(a) != 1 || a[0].Action != account.ActionTokenReset || a[0].Outcome != account.OutcomeDone ||
		a[0].ActorID != u.ID || a[0].TargetID != u.ID || a[0].IP != "198.51.100.7" || a[0].Via != "UI" {
		t.Fatalf("audit %+v", a)
	}
	// The org's login history does not show audit lines.
	if h, _ := w.st.History(w.ctx, dynamo.HistoryFilter{OrgID: w.org.ID}); len(h) != 0 {
		t.Fatalf("login history shows %d lines", len(h))
	}
}

func TestAFailedSendChangesNothing(t *testing.T) {
	dead := "http://127.0.0.1:" + strconv.Itoa(testenv.FreePort(t)) // nobody listens: the send fails
	w := newWorld(t, dead)
	u := w.user("tom", false, true)
	ctx, cancel := context.WithTimeout(w.ctx, 30*time.Second)
	defer cancel()
	for range account.ResetLimit + 1 {
		if err := w.svc.ResetToken(ctx, self(u), u); !errors.Is(err, account.ErrMailFailed) {
			t.Fatalf("SES down: %v; want ErrMailFailed", err)
		}
	}
	err := w.svc.ChangePassword(ctx, self(u), oldPassword, "New-Passw0rd")
	if !errors.Is(err, account.ErrMailFailed) {
		t.Fatalf("password change with SES down: %v; want ErrMailFailed", err)
	}
	rec := w.fresh(u)
	if !tokenWorks(rec, "OLDTOKEN") || rec.PasswordHash != u.PasswordHash {
		t.Fatal("the old token and password must still work when the mail failed")
	}
	if got := w.audit(); len(got) != account.ResetLimit+2 || got[0].Outcome != account.ErrMailFailed.Code {
		t.Fatalf("audit %+v", got)
	}
}

func TestResetsAreRateLimited(t *testing.T) {
	w := newWorld(t, "")
	u := w.user("tom", false, true)
	for i := range account.ResetLimit {
		if err := w.svc.ResetToken(w.ctx, self(u), w.fresh(u)); err != nil {
			t.Fatalf("reset %d: %v", i+1, err)
		}
	}
	if err := w.svc.ResetToken(w.ctx, self(u), w.fresh(u)); !errors.Is(err, account.ErrRateLimited) {
		t.Fatalf("reset %d: %v; want ErrRateLimited", account.ResetLimit+1, err)
	}
	if got := w.audit()[0]; got.Outcome != account.ErrRateLimited.Code {
		t.Fatalf("audit %+v", got)
	}
	// The CLI is not limited.
	if err := w.svc.ResetToken(w.ctx, account.Actor{Via: "CLI"}, w.fresh(u)); err != nil {
		t.Fatalf("CLI reset: %v", err)
	}
}

func TestOnlyManageUsersMayResetAnotherUsersToken(t *testing.T) {
	w := newWorld(t, "")
	admin, plain, target := w.user("ada", true, true), w.user("pat", false, true), w.user("tim", false, true)
	if err := w.svc.ResetToken(w.ctx, self(plain), target); !errors.Is(err, account.ErrNotPermitted) {
		t.Fatalf("without Manage Users: %v; want ErrNotPermitted", err)
	}
	if _, err := w.svc.Users(w.ctx, self(plain)); !errors.Is(err, account.ErrNotPermitted) {
		t.Fatalf("listing without Manage Users: %v", err)
	}
	if !tokenWorks(w.fresh(target), "OLDTOKEN") {
		t.Fatal("a refused reset changed the token")
	}
	if err := w.svc.ResetToken(w.ctx, self(admin), target); err != nil {
		t.Fatalf("with Manage Users: %v", err)
	}
	if !strings.Contains(testenv.Mails(t, w.sesURL, target.Email)[0].Body.Text, "administrator (ada@acme.example)") {
		t.Fatal("the mail should say the administrator reset it")
	}
	users, err := w.svc.Users(w.ctx, self(admin))
	if err != nil || len(users) != 3 {
		t.Fatalf("users %d, %v", len(users), err)
	}
	// Another org's admin may not.
	other := newWorld(t, w.sesURL)
	otherAdmin := other.user("oz", true, true)
	if err := w.svc.ResetToken(w.ctx, self(otherAdmin), target); !errors.Is(err, account.ErrNotPermitted) {
		t.Fatalf("another org's admin: %v", err)
	}
	var refused, done int
	for _, e := range w.audit() {
		switch {
		case e.Outcome == account.ErrNotPermitted.Code:
			refused++
		case e.Outcome == account.OutcomeDone && e.Actor == admin.Username && e.Target == target.Username:
			done++
		}
	}
	if refused < 2 || done != 1 {
		t.Fatalf("audit: %d refused, %d done: %+v", refused, done, w.audit())
	}
}

func TestNoEmailNoToken(t *testing.T) {
	w := newWorld(t, "")
	u := w.user("ned", false, false)
	if err := w.svc.ResetToken(w.ctx, account.Actor{Via: "CLI"}, u); !errors.Is(err, account.ErrNoEmail) ||
		!strings.Contains(err.Error(), "no email address") {
		t.Fatalf("no email: %v", err)
	}
}

func TestChangePasswordChecksTheCurrentOneAndIssuesAToken(t *testing.T) {
	w := newWorld(t, "")
	u := w.user("tom", false, true)
	var e *domain.Error
	if err := w.svc.ChangePassword(w.ctx, self(u), "wrong-one", "New-Passw0rd"); !errors.As(err, &e) || e.Code != login.ErrWrongPassword.Code {
		t.Fatalf("wrong current password: %v", err)
	}
	if got := w.fresh(u).Lock.Attempts; got != 1 {
		t.Fatalf("a wrong current password counts toward lockout: attempts %d", got)
	}
	if err := w.svc.ChangePassword(w.ctx, self(u), oldPassword, "short"); err == nil || !strings.Contains(err.Error(), "INVALID_NEW_PASSWORD") {
		t.Fatalf("a short new password: %v", err)
	}
	if err := w.svc.ChangePassword(w.ctx, self(u), oldPassword, "New-Passw0rd"); err != nil {
		t.Fatal(err)
	}
	rec := w.fresh(u)
	if ok, _, _ := secret.VerifyPassword("New-Passw0rd", rec.PasswordHash, fast); !ok {
		t.Fatal("the new password does not work")
	}
	if tok := w.tokenFromMail(u.Email); !tokenWorks(rec, tok) || tokenWorks(rec, "OLDTOKEN") || rec.Lock.Attempts != 0 {
		t.Fatal("a password change issues a new token and clears the count")
	}
	// The admin reset, from the CLI.
	if err := w.svc.ResetPassword(w.ctx, account.Actor{Via: "CLI"}, rec, "Admin-Set-Passw0rd"); err != nil {
		t.Fatal(err)
	}
	if tok := w.tokenFromMail(u.Email); !tokenWorks(w.fresh(u), tok) {
		t.Fatal("an admin password reset issues a new token")
	}
}

func TestTheOrgsPasswordPolicyAppliesToChangesAndResets(t *testing.T) {
	w := newWorld(t, "")
	w.strictPolicy()
	u := w.user("rita", false, true)
	if u.Policy.Password != w.org.Password {
		t.Fatalf("the user's copy of the policy: %+v", u.Policy.Password)
	}
	cases := []struct{ pw, rule, says string }{
		{"Short1short", "PASSWORD_TOO_SHORT", "at least 12 characters"},
		{"alllowercase-words-9", "PASSWORD_COMPLEXITY", "upper-case"},
		{"Rita-Long-Name-2026", "PASSWORD_CONTAINS_USERNAME", "user name"},
		{"Password12345", "PASSWORD_COMMON", "too easy to guess"},
	}
	for _, c := range cases {
		for name, set := range map[string]func() error{
			"change": func() error { return w.svc.ChangePassword(w.ctx, self(u), oldPassword, c.pw) },
			"reset":  func() error { return w.svc.ResetPassword(w.ctx, account.Actor{Via: "CLI"}, u, c.pw) },
		} {
			e := domain.AsError(set())
			if e.Code != domain.CodeInvalidNewPassword || string(e.Reason) != c.rule || !strings.Contains(strings.ToLower(e.Message), strings.ToLower(c.says)) {
				t.Errorf("%s to %q: %s %s %q; want %s saying %q", name, c.pw, e.Code, e.Reason, e.Message, c.rule, c.says)
			}
		}
	}
	if ok, _, _ := secret.VerifyPassword(oldPassword, w.fresh(u).PasswordHash, fast); !ok {
		t.Fatal("a refused password changed the password")
	}
	if err := w.svc.ChangePassword(w.ctx, self(u), oldPassword, "Quiet-Harbor-Lamps-9"); err != nil {
		t.Fatalf("a password the policy allows: %v", err)
	}
}

func TestConcurrentResetsLeaveOneToken(t *testing.T) {
	w := newWorld(t, "")
	u := w.user("tom", false, true)
	ok := len(winners(t, concurrently(2, func(int) error { return w.svc.ResetToken(w.ctx, account.Actor{Via: "CLI"}, u) })))
	works := 0
	for _, m := range testenv.Mails(t, w.sesURL, u.Email) {
		_, after, _ := strings.Cut(m.Body.Text, "Security token (case-sensitive): ")
		if tokenWorks(w.fresh(u), strings.Fields(after)[0]) {
			works++
		}
	}
	if ok != 1 || works != 1 {
		t.Fatalf("two resets from the same state: %d succeeded, %d mailed tokens work; want 1 and 1", ok, works)
	}
}

// concurrently runs f(0) to f(n-1) at once and returns their errors.
func concurrently(n int, f func(i int) error) []error {
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = f(i) }()
	}
	wg.Wait()
	return errs
}

// winners are the indexes of the racing changes that succeeded; each other
// one must have lost to a concurrent change.
func winners(t *testing.T, errs []error) []int {
	t.Helper()
	var won []int
	for i, err := range errs {
		switch {
		case err == nil:
			won = append(won, i)
		case !errors.Is(err, account.ErrConcurrent):
			t.Fatalf("change %d: %v", i, err)
		}
	}
	return won
}

// failingSave is the real store whose credential write fails, as DynamoDB
// can after the mail went out.
type failingSave struct{ *dynamo.Store }

func (failingSave) SetCredentials(context.Context, domain.User, string, string, time.Time) (domain.User, error) {
	return domain.User{}, errors.New("throttled")
}

func TestAFailedSaveAfterTheMailChangesNothingAndSaysSo(t *testing.T) {
	w := newWorld(t, "")
	u := w.user("tom", false, true)
	w.svc.Store = failingSave{w.st}
	err := w.svc.ResetToken(w.ctx, self(u), u)
	if !errors.Is(err, account.ErrNotSaved) || !strings.Contains(err.Error(), "throttled") {
		t.Fatalf("a failed save: %v; want ErrNotSaved with its cause", err)
	}
	if !tokenWorks(w.fresh(u), "OLDTOKEN") {
		t.Fatal("the old token must still work")
	}
	if got := w.audit()[0]; got.Outcome != account.ErrNotSaved.Code {
		t.Fatalf("audit %+v", got)
	}
	// The reset slot was given back: the limit still allows ResetLimit more.
	w.svc.Store = w.st
	for i := range account.ResetLimit {
		if err := w.svc.ResetToken(w.ctx, self(u), w.fresh(u)); err != nil {
			t.Fatalf("reset %d after the failed one: %v", i+1, err)
		}
	}
}

// A Manage Users admin may not reset the credentials of a user who holds
// a permission the admin lacks: resetting a password is taking the account.
func TestAnAdminMayNotResetTheCredentialsOfAUserWhoOutranksThem(t *testing.T) {
	w := newWorld(t, "")
	admin := w.user("ada", true, true)
	boss := w.userOf("bea", true, func(p *domain.Profile) { p.ManageUsers, p.CustomizeApplication = true, true })
	peer := w.user("pia", true, true)
	for name, reset := range map[string]func(domain.User) error{
		"token": func(u domain.User) error { return w.svc.ResetToken(w.ctx, self(admin), u) },
		"password": func(u domain.User) error {
			return w.svc.ResetPassword(w.ctx, self(admin), u, "Quartz-Meadow-Lantern-71")
		},
		"link": func(u domain.User) error { return w.svc.SendResetLink(w.ctx, self(admin), u, "http://127.0.0.1:3000") },
	} {
		err := reset(boss)
		var e *domain.Error
		if !errors.As(err, &e) || e.Code != domain.CodeNotPermitted || !strings.Contains(e.Message, `"Customize Application"`) {
			t.Errorf("%s of a user who holds Customize Application: %v; want INSUFFICIENT_ACCESS naming it", name, err)
		}
		if err := reset(w.fresh(peer)); err != nil {
			t.Errorf("%s of a peer: %v", name, err)
		}
	}
	if got := w.fresh(boss); got.PasswordHash != boss.PasswordHash || !tokenWorks(got, "OLDTOKEN") {
		t.Fatal("the refused resets changed the boss's credentials")
	}
	if err := w.svc.ResetToken(w.ctx, account.Actor{Via: "CLI"}, boss); err != nil {
		t.Fatalf("the CLI: %v", err)
	}
}

// The org's "Unlock Users and Reset Passwords" policy guards resetting
// another user's token from a session (the /setup/users page): Block
// refuses a Standard session, Raise asks it to step up, High Assurance
// passes; one's own token is no setup action and is never guarded.
func TestUnlockUsersPolicyGuardsAnAdminsReset(t *testing.T) {
	w := newWorld(t, "")
	for _, tt := range []struct {
		name   string
		action policy.Action
		level  policy.Level
		code   string // "": reset
	}{
		{"block refuses a Standard session", policy.ActionBlock, policy.LevelStandard, domain.CodeNotPermitted},
		{"raise asks a Standard session to step up", policy.ActionRaise, policy.LevelStandard, domain.CodeHighAssuranceRequired},
		{"block allows a High Assurance session", policy.ActionBlock, policy.LevelHighAssurance, ""},
		{"no policy allows a Standard session", "", policy.LevelStandard, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w.org.IdentityVerification = nil
			if tt.action != "" {
				w.org.IdentityVerification = map[policy.Area]policy.Action{policy.AreaUnlockUsers: tt.action}
			}
			name := strings.ToLower(string(tt.level)[:2]) + strings.ToLower(string(tt.action)) + "x"
			admin, target := w.user("ad"+name, true, true), w.user("ta"+name, false, true)
			actor := self(admin)
			actor.Level = tt.level
			err := w.svc.ResetToken(w.ctx, actor, target)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var e *domain.Error
			if !errors.As(err, &e) || e.Code != tt.code || !strings.Contains(e.Message, `"Unlock Users and Reset Passwords"`) {
				t.Fatalf("got %v; want %s naming the area", err, tt.code)
			}
			if tt.code == domain.CodeHighAssuranceRequired && e.Area != policy.AreaUnlockUsers {
				t.Errorf("step-up resource %q", e.Area)
			}
			if !tokenWorks(w.fresh(target), "OLDTOKEN") {
				t.Error("a refused reset changed the token")
			}
			if last := w.audit()[0]; last.Outcome != tt.code || last.Target != target.Username {
				t.Errorf("audit: %+v", last)
			}
			own := self(target)
			own.Level = policy.LevelStandard
			if err := w.svc.ResetToken(w.ctx, own, target); err != nil {
				t.Errorf("one's own reset: %v", err)
			}
		})
	}
}
