package account_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"loginguard/internal/loginbench"
	"loginguard/internal/testenv"
	"loginguard/shared/account"
	"loginguard/shared/domain"
	"loginguard/shared/policy"
	"loginguard/shared/store/dynamo"
)

// The user's passwords in the order they are set: pw[0] is the seeded one.
var pw = []string{oldPassword, "Quiet-Harbor-Lamps-1", "Amber-Willow-Kites-2", "Copper-Meadow-Drums-3", "Silver-Canyon-Ferns-4"}

// remember sets how many passwords the org remembers (copied onto its users).
func (w *world) remember(n int) {
	w.t.Helper()
	w.org.Password.History = n
	o, err := w.st.UpdateOrg(w.ctx, w.org)
	if err != nil {
		w.t.Fatal(err)
	}
	w.org = o
}

// change changes u's password from one of pw to another, as u.
func (w *world) change(u domain.User, from, to int) error {
	return w.svc.ChangePassword(w.ctx, self(w.fresh(u)), pw[from], pw[to])
}

// history is u's stored password history.
func (w *world) history(u domain.User) domain.PasswordHistory {
	w.t.Helper()
	h, err := w.st.PasswordHistory(w.ctx, u)
	if err != nil {
		w.t.Fatal(err)
	}
	return h
}

// passwordUser is a user whose passwords were pw[0] to pw[3], pw[3] now.
func (w *world) passwordUser(name string) domain.User {
	w.t.Helper()
	u := w.user(name, false, true)
	for i := 1; i <= 3; i++ {
		if err := w.change(u, i-1, i); err != nil {
			w.t.Fatalf("changing to pw[%d]: %v", i, err)
		}
	}
	return w.fresh(u)
}

// wantReused checks that err refuses a remembered password, and that the
// refusal is in the audit trail.
func (w *world) wantReused(err error, action string) {
	w.t.Helper()
	e := domain.AsError(err)
	want := w.org.Password.ReusedViolation().Message
	if e.Code != domain.CodeInvalidNewPassword || e.Reason != policy.Reason(policy.RuleReused) || !strings.Contains(e.Message, want) {
		w.t.Fatalf("%v; want INVALID_NEW_PASSWORD, %s, saying %q", err, policy.RuleReused, want)
	}
	if a := w.audit()[0]; a.Action != action || a.Outcome != domain.CodeInvalidNewPassword {
		w.t.Fatalf("the refusal's audit line: %+v", a)
	}
}

func TestHistoryRefusesTheLastNPasswordsTheCurrentOneIncluded(t *testing.T) {
	w := newWorld(t, "")
	for _, tt := range []struct {
		name    string
		history int
		refused []int // of pw, with pw[3] current
		allowed int
	}{
		{"History 3 refuses the current, the previous and the one before; the 4th-oldest is allowed", 3, []int{3, 2, 1}, 0},
		{"History 1 refuses only the current", 1, []int{3}, 2},
		{"History 0 allows reuse, of the current one too", 0, nil, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w.t = t
			w.remember(tt.history)
			u := w.passwordUser("u" + string(rune('0'+tt.history)))
			for _, i := range tt.refused {
				w.wantReused(w.change(u, 3, i), account.ActionPasswordChange)
				if !w.passwordIs(u, pw[3]) {
					t.Fatalf("a refused pw[%d] changed the password", i)
				}
			}
			if err := w.change(u, 3, tt.allowed); err != nil {
				t.Fatalf("pw[%d]: %v", tt.allowed, err)
			}
			if !w.passwordIs(u, pw[tt.allowed]) {
				t.Fatalf("pw[%d] was not set", tt.allowed)
			}
			if h := w.history(u); len(h.Hashes) > tt.history {
				t.Fatalf("%d hashes stored; History is %d", len(h.Hashes), tt.history)
			}
		})
	}
}

func TestEverySetPointChecksTheHistory(t *testing.T) {
	w := newWorld(t, "")
	for name, set := range map[string]func(u domain.User, next string) error{
		"an admin's reset (CLI)": func(u domain.User, next string) error {
			return w.svc.ResetPassword(w.ctx, account.Actor{Via: "CLI"}, w.fresh(u), next)
		},
		"a reset link (forgot password)": func(u domain.User, next string) error {
			return w.svc.CompletePasswordReset(w.ctx, reset(w.linkFromMail(u.Email), "browser-1", "", next))
		},
	} {
		t.Run(name, func(t *testing.T) {
			w.t = t
			u := w.passwordUser(strings.Fields(name)[1])
			action := account.ActionPasswordReset
			if strings.Contains(name, "link") {
				action = account.ActionPasswordResetLink
				w.recognise(u, "browser-1")
				if err := w.forgot(u.Username, home); err != nil {
					t.Fatal(err)
				}
			}
			for _, i := range []int{3, 2, 1} {
				w.wantReused(set(u, pw[i]), action)
			}
			if err := set(u, pw[0]); err != nil {
				t.Fatalf("the 4th-oldest password: %v", err)
			}
			if !w.passwordIs(u, pw[0]) {
				t.Fatal("the 4th-oldest password was not set")
			}
			// Remembered for the next change in turn: pw[3] is now the previous one.
			w.wantReused(w.change(u, 0, 3), account.ActionPasswordChange)
			if h := w.history(u); len(h.Hashes) != 3 {
				t.Fatalf("%d hashes stored; want 3", len(h.Hashes))
			}
		})
	}
}

func TestANewUsersFirstPasswordIsRemembered(t *testing.T) {
	w := newWorld(t, "")
	u := w.user("nina", false, true)
	if h := w.history(u); h.Version != 0 {
		t.Fatalf("a new user has a history: %+v", h)
	}
	// No stored history: the current hash, on the user item, still counts.
	w.wantReused(w.svc.ResetPassword(w.ctx, account.Actor{Via: "CLI"}, u, oldPassword), account.ActionPasswordReset)
	if err := w.change(u, 0, 1); err != nil {
		t.Fatal(err)
	}
	w.wantReused(w.change(u, 1, 0), account.ActionPasswordChange)
}

func TestLoweringTheHistoryIgnoresTheOlderHashesThenDropsThem(t *testing.T) {
	w := newWorld(t, "")
	u := w.passwordUser("lou")
	if got := len(w.history(u).Hashes); got != 3 {
		t.Fatalf("%d hashes stored after 3 changes; want 3", got)
	}
	w.remember(2)
	w.wantReused(w.change(u, 3, 2), account.ActionPasswordChange)
	if err := w.change(u, 3, 1); err != nil {
		t.Fatalf("pw[1], third-newest, with History 2: %v", err)
	}
	if got := len(w.history(u).Hashes); got != 2 {
		t.Fatalf("%d hashes stored with History 2; want 2", got)
	}
}

// failingCredentials is the real store whose credential write fails with
// err, after the history was written.
type failingCredentials struct {
	*dynamo.Store
	err error
}

func (f failingCredentials) SetCredentials(context.Context, domain.User, string, string, time.Time) (domain.User, error) {
	return domain.User{}, f.err
}

func TestAFailedCredentialWriteLeavesTheHistorySane(t *testing.T) {
	for name, tt := range map[string]struct {
		err  error
		want *domain.Error
	}{
		"a concurrent change": {domain.ErrConflict, account.ErrConcurrent},
		"a failure of ours":   {errors.New("throttled"), account.ErrNotSaved},
	} {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t, "")
			u := w.passwordUser("fay")
			before := w.history(u)
			w.svc.Store = failingCredentials{w.st, tt.err}
			if err := w.change(u, 3, 4); !errors.Is(err, tt.want) {
				t.Fatalf("%v; want %s", err, tt.want.Code)
			}
			w.svc.Store = w.st
			if !w.passwordIs(u, pw[3]) {
				t.Fatal("the password changed")
			}
			// Written first, the history holds a copy of the still-current
			// hash and all it held before; the failed new one is not in it.
			after := w.history(u)
			if after.Version != before.Version+1 || len(after.Hashes) != 3 || after.Hashes[0] != w.fresh(u).PasswordHash ||
				after.Hashes[1] != before.Hashes[0] || after.Hashes[2] != before.Hashes[1] {
				t.Fatalf("history %+v after the failure; was %+v", after, before)
			}
			for _, i := range []int{3, 2, 1} {
				w.wantReused(w.change(u, 3, i), account.ActionPasswordChange)
			}
			// The same new password may be tried again, and is then remembered.
			if err := w.change(u, 3, 4); err != nil {
				t.Fatalf("trying pw[4] again: %v", err)
			}
			for _, i := range []int{4, 3, 2} {
				w.wantReused(w.change(u, 4, i), account.ActionPasswordChange)
			}
			if got := w.history(u).Hashes; len(got) != 3 || got[0] != after.Hashes[0] {
				t.Fatalf("history after the retry: %d hashes, newest the old current one: %v", len(got), got[0] == after.Hashes[0])
			}
		})
	}
}

// racedHistory runs another change just before the history write.
type racedHistory struct {
	*dynamo.Store
	first func()
}

func (r *racedHistory) RememberPasswords(ctx context.Context, u domain.User, prev domain.PasswordHistory, hashes []string) error {
	if f := r.first; f != nil {
		r.first = nil
		f()
	}
	return r.Store.RememberPasswords(ctx, u, prev, hashes)
}

func TestAChangeOvertakenBeforeItsHistoryWriteDropsNothing(t *testing.T) {
	w := newWorld(t, "")
	u := w.user("rex", false, true)
	other := &account.Service{Store: w.st, Login: w.svc.Login, Mailer: w.svc.Mailer, Rand: w.svc.Rand, Now: w.svc.Now, Params: fast}
	w.svc.Store = &racedHistory{Store: w.st, first: func() {
		if err := other.ChangePassword(w.ctx, self(w.fresh(u)), pw[0], pw[1]); err != nil {
			t.Errorf("the overtaking change: %v", err)
		}
	}}
	mails := len(w.mailsTo(u))
	if err := w.change(u, 0, 2); !errors.Is(err, account.ErrConcurrent) {
		t.Fatalf("the overtaken change: %v; want ErrConcurrent", err)
	}
	w.svc.Store = w.st
	if got := len(w.mailsTo(u)); got != mails+1 {
		t.Fatalf("%d mails; want only the overtaking change's (the overtaken one stops before mailing)", got-mails)
	}
	if !w.passwordIs(u, pw[1]) {
		t.Fatal("the overtaking change's password is not the user's")
	}
	w.wantReused(w.change(u, 1, 0), account.ActionPasswordChange)
	w.wantReused(w.change(u, 1, 1), account.ActionPasswordChange)
}

func TestTwoChangesRacingKeepEveryPassword(t *testing.T) {
	w := newWorld(t, "")
	u := w.user("ray", false, true)
	won := winners(t, concurrently(2, func(i int) error { return w.change(u, 0, i+1) }))
	if len(won) != 1 {
		t.Fatalf("two changes from the same state: %d won; want 1", len(won))
	}
	next := won[0] + 1
	w.wantReused(w.change(u, next, 0), account.ActionPasswordChange)
	w.wantReused(w.change(u, next, next), account.ActionPasswordChange)
}

func TestTheUserItemStaysAsSmallAsBefore(t *testing.T) {
	w := newWorld(t, "")
	w.remember(policy.MaxPasswordHistory)
	u := w.user("sam", false, true)
	// The first change adds what any change does (its time, the session
	// generation, the source it came from): the baseline is after it.
	if err := w.change(u, 0, 1); err != nil {
		t.Fatal(err)
	}
	before := w.userItemSize(u)
	for i := 2; i < len(pw); i++ {
		if err := w.change(u, i-1, i); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(w.history(u).Hashes); got != len(pw)-1 {
		t.Fatalf("%d hashes remembered; want %d", got, len(pw)-1)
	}
	// A login writes the user item: its write units are its size in KB.
	after := w.userItemSize(u)
	t.Logf("the user item: %d bytes after the first change, %d after %d more", before, after, len(pw)-2)
	if loginbench.WriteUnits(after) != loginbench.WriteUnits(before) || after > before+64 {
		t.Fatalf("the user item grew from %d to %d bytes", before, after)
	}
}

// userItemSize is the user item's size as DynamoDB bills it, checking
// that it holds one password hash only.
func (w *world) userItemSize(u domain.User) int {
	w.t.Helper()
	table := w.tb.Users
	out, err := w.db.GetItem(w.ctx, &dynamodb.GetItemInput{TableName: &table, ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"username": &types.AttributeValueMemberS{Value: domain.NormalizeUsername(u.Username)}}})
	if err != nil {
		w.t.Fatal(err)
	}
	hashes := 0
	for _, v := range out.Item {
		if s, ok := v.(*types.AttributeValueMemberS); ok {
			hashes += strings.Count(s.Value, "$argon2id$")
		}
	}
	if hashes != 1 {
		w.t.Fatalf("the user item holds %d password hashes; want the current one only", hashes)
	}
	return loginbench.ItemSize(out.Item)
}

func (w *world) mailsTo(u domain.User) []testenv.Mail {
	w.t.Helper()
	return testenv.Mails(w.t, w.sesURL, u.Email)
}
