package account

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/events"
	"loginguard/shared/login"
	"loginguard/shared/mail"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
	"loginguard/shared/sessions"
)

// Store is what credential changes need of storage.
type Store interface {
	User(ctx context.Context, username string) (domain.User, error)
	UsersOfOrg(ctx context.Context, orgID string) ([]domain.User, error)
	ReserveTokenReset(ctx context.Context, username string, now time.Time, window time.Duration, max int) error
	ReleaseTokenReset(ctx context.Context, username string) error
	SetCredentials(ctx context.Context, u domain.User, newPasswordHash, newTokenDigest string, at time.Time) (domain.User, error)
	// The remembered passwords (history.go).
	PasswordHistory(ctx context.Context, u domain.User) (domain.PasswordHistory, error)
	RememberPasswords(ctx context.Context, u domain.User, prev domain.PasswordHistory, hashes []string) error
	Audit(ctx context.Context, ev domain.AuditEvent) error
	// The "Forgot your password?" links (reset.go) and their limits.
	PutPasswordReset(ctx context.Context, u domain.User, r domain.PasswordReset) error
	SetPasswordResetCode(ctx context.Context, username, link, codeDigest string) error
	TakePasswordResetTry(ctx context.Context, username, link string, max int) (int, error)
	EndPasswordReset(ctx context.Context, username, link string) error
	SpendPasswordResetTOTP(ctx context.Context, username, link string, step int64) error
	CountSourceFailure(ctx context.Context, source string, window int64, end time.Time, limit int) (int, bool, error)
}

// Service runs credential changes.
type Service struct {
	Store  Store
	Login  *login.Service // checks a current password through the lockout gate
	Mailer mail.Mailer    // nil when no sender is configured
	Rand   io.Reader
	Now    func() time.Time
	Params secret.Params
	Log    *slog.Logger
	// Sessions ends a user's sessions after their password changes: all of
	// them after a reset, all but the one it was made from after a change.
	Sessions Sweeper
	// Events publishes a TokenReset for each new token issued by
	// ResetToken; nil publishes nothing.
	Events events.Publisher
	// ForgotFloor is the least time a "Forgot your password?" request
	// takes (reset.go); zero is DefaultForgotFloor.
	ForgotFloor time.Duration

	forgot forgotState
}

// Sweeper ends the sessions of u older than its session generation, but
// keep (a sessions.Service).
type Sweeper interface {
	SweepFor(ctx context.Context, u domain.User, keep, reason string) (sessions.Report, error)
}

// Token resets from the UI: at most ResetLimit per user in ResetWindow.
const (
	ResetLimit  = 3
	ResetWindow = time.Hour
)

// Actions and outcomes in the audit trail.
const (
	ActionTokenReset     = "TOKEN_RESET"
	ActionPasswordChange = "PASSWORD_CHANGE"
	ActionPasswordReset  = "PASSWORD_RESET"

	OutcomeDone = "DONE"
)

// The refusals a user can cause: errors.Is(err, ErrMailFailed) holds for
// a copy carrying its cause.
var (
	ErrNotPermitted = &domain.Error{Code: domain.CodeNotPermitted,
		Message: "You need the \"Manage Users\" permission to change another user's credentials."}
	ErrNoEmail = &domain.Error{Code: domain.CodeNoEmail,
		Message: "This user has no email address, so a security token cannot be sent. Add an email address first."}
	ErrRateLimited = &domain.Error{Code: domain.CodeTokenResetLimit,
		Message: "The security token was reset 3 times in the last hour, the most allowed. Wait a while and try again."}
	ErrMailFailed = &domain.Error{Code: domain.CodeMailNotSent,
		Message: "We couldn't send the email with the new security token, so nothing was changed: the current token and password still work. Try again in a few minutes."}
	ErrConcurrent = &domain.Error{Code: domain.CodeConcurrentChange,
		Message: "The credentials were changed by another request at the same moment, so this change was not made. Use the token from the newest email."}
	ErrNotSaved = &domain.Error{Code: domain.CodeNotSaved,
		Message: "The change could not be saved, so nothing was changed: the current token and password still work. If an email with a new token arrives, that token does not work. Try again in a few minutes."}
	ErrNoMailer = &domain.Error{Code: domain.CodeMailNotConfigured,
		Message: "No mail sender is configured (SENDER_ADDRESS), so a security token cannot be sent."}
)

// Actor is who asks for a change: a signed-in user (UI), or the admin CLI.
type Actor struct {
	User domain.User // zero for the CLI
	IP   string      // where the request came from; empty for the CLI
	Via  string      // "UI" or "CLI"
	// Session is the digest of the session id the request came with (UI):
	// changing one's own password keeps that session and ends the others.
	Session string
	// Level is that session's security level: the org's
	// identity-verification policies ask a Standard one (or one of no
	// level) to step up, or refuse it (Verified). The CLI has none.
	Level policy.Level
}

// CLIActor is the operator's CLI: it holds the service's own credentials
// and may do everything.
var CLIActor = Actor{Via: "CLI"}

func (a Actor) cli() bool { return a.Via == "CLI" }

// IsCLI reports whether a is the operator's CLI.
func (a Actor) IsCLI() bool { return a.cli() }

// May reports whether a may do what act needs (policy.Requires) in the org
// orgID: the CLI anywhere; a user in their own org, with the permission
// their profile gives (the copy on their user).
func (a Actor) May(act policy.AdminAction, orgID string) bool {
	return a.cli() || a.User.OrgID == orgID && a.User.Policy.Permissions().Allows(act)
}

// Verified is why a may not do act at its session's level under its
// org's identity-verification policies (the copy on its user), or nil: a
// Block is CodeNotPermitted, a Raise CodeHighAssuranceRequired naming the
// area to step up for. The CLI is never refused.
func (a Actor) Verified(act policy.AdminAction) *domain.Error {
	if a.cli() {
		return nil
	}
	policies := a.User.Policy.IdentityVerification
	allowed, raise, reason := policy.IdentityVerification(act, a.Level, policies)
	if allowed {
		return nil
	}
	area, _ := policy.Guarding(act, policies)
	e := &domain.Error{Code: domain.CodeNotPermitted, Message: policy.VerificationRefusal(area, raise), Reason: reason}
	if raise {
		e.Code, e.Area = domain.CodeHighAssuranceRequired, area
	}
	return e
}

func (a Actor) name() string {
	if a.cli() {
		return "admin CLI"
	}
	return a.User.Username
}

func (a Actor) from() string {
	if a.cli() || a.IP == "" {
		return "the admin command line"
	}
	return "IP address " + a.IP
}

// manages is why a may not change target's credentials, or nil: a user
// may change their own; another user's only with "Manage Users" in the same
// org, and only a user holding no permission a lacks (whoever resets a
// password holds the account: a Manage Users admin must not take over a
// Customize Application one); the CLI may change anyone's.
func (a Actor) manages(target domain.User) *domain.Error {
	switch {
	case a.cli() || a.User.ID == target.ID:
		return nil
	case !a.May(policy.AdminUnlockReset, target.OrgID):
		return ErrNotPermitted
	}
	if e := a.Verified(policy.AdminUnlockReset); e != nil {
		return e
	}
	if p := a.User.Policy.Permissions().NotGranted(target.Policy.Permissions()); p != "" {
		return &domain.Error{Code: domain.CodeNotPermitted,
			Message: fmt.Sprintf("%s holds the %q permission, which you do not: only someone who holds it may change their credentials.", target.Username, p)}
	}
	return nil
}

// AuditEvent is an audit line of a doing action to target (its ID and
// name) in org orgID (the actor's own when empty), with its outcome.
func (a Actor) AuditEvent(at time.Time, orgID, targetID, target, action, outcome string) domain.AuditEvent {
	if orgID == "" {
		orgID = a.User.OrgID
	}
	return domain.AuditEvent{At: at, OrgID: orgID, ActorID: a.User.ID, Actor: a.name(),
		TargetID: targetID, Target: target, Action: action, Outcome: outcome, IP: a.IP, Via: a.Via}
}

func (s *Service) audit(ctx context.Context, a Actor, target domain.User, action, outcome string) {
	ev := a.AuditEvent(s.Now(), target.OrgID, target.ID, target.Username, action, outcome)
	if err := s.Store.Audit(ctx, ev); err != nil && s.Log != nil {
		s.Log.ErrorContext(ctx, "audit line not recorded", "action", action, "outcome", outcome, "error", err.Error())
	}
}

// refuse audits a refusal and returns it.
func (s *Service) refuse(ctx context.Context, a Actor, target domain.User, action string, e *domain.Error) error {
	s.audit(ctx, a, target, action, e.Code)
	return e
}

// ResetToken gives target a new security token, mailed to them.
func (s *Service) ResetToken(ctx context.Context, a Actor, target domain.User) error {
	if e := a.manages(target); e != nil {
		return s.refuse(ctx, a, target, ActionTokenReset, e)
	}
	if !a.cli() {
		err := s.Store.ReserveTokenReset(ctx, target.Username, s.Now(), ResetWindow, ResetLimit)
		if errors.Is(err, domain.ErrRateLimited) {
			return s.refuse(ctx, a, target, ActionTokenReset, ErrRateLimited)
		}
		if err != nil {
			return err
		}
	}
	reason := "You asked to reset your security token"
	if a.User.ID != target.ID {
		reason = "Your administrator (" + a.name() + ") reset your security token"
	}
	err := s.issue(ctx, a, target, newPassword{}, reason, ActionTokenReset)
	if err == nil {
		events.Emit(ctx, s.Events, s.Log, tokenResetEvent(a, target, s.Now()))
	}
	if err != nil && !a.cli() {
		var e *domain.Error
		if errors.As(err, &e) && !errors.Is(e, ErrConcurrent) {
			// Nothing changed: the reset does not use up one of the user's.
			if rErr := s.Store.ReleaseTokenReset(ctx, target.Username); rErr != nil && s.Log != nil {
				s.Log.WarnContext(ctx, "token reset not released", "error", rErr.Error())
			}
		}
	}
	return err
}

// issue mails target a new token and then stores it (with pw, if set) in
// one conditional write. A new password's history is written first
// (history.go says why in that order).
func (s *Service) issue(ctx context.Context, a Actor, target domain.User, pw newPassword, reason, action string) error {
	if err := s.rememberPasswords(ctx, a, target, pw, action); err != nil {
		return err
	}
	if target.Email == "" {
		if pw.hash != "" {
			// The password may change; no token can reach the user, so the
			// one they have (if any) stays as it is.
			return s.save(ctx, a, target, pw.hash, target.TokenHash, action)
		}
		return s.refuse(ctx, a, target, action, ErrNoEmail)
	}
	if s.Mailer == nil {
		return s.refuse(ctx, a, target, action, ErrNoMailer)
	}
	tok, err := secret.NewToken(s.Rand)
	if err != nil {
		return err
	}
	msg, err := mail.SecurityToken(mail.TokenMail{
		To: target.Email, Name: target.FullName(), Username: target.Username, OrgName: target.Policy.OrgName,
		Token: tok, Reason: reason, At: s.Now(), From: a.from(),
	})
	if err != nil {
		return err
	}
	if err := s.Mailer.Send(ctx, msg); err != nil {
		if s.Log != nil {
			s.Log.ErrorContext(ctx, "security token mail not sent", "user_id", target.ID, "error", err.Error())
		}
		s.audit(ctx, a, target, action, ErrMailFailed.Code)
		return ErrMailFailed.Wrap(err)
	}
	return s.save(ctx, a, target, pw.hash, secret.Digest(secret.PurposeToken, tok), action)
}

func (s *Service) save(ctx context.Context, a Actor, target domain.User, newPasswordHash, tokenDigest, action string) error {
	now, err := s.Store.SetCredentials(ctx, target, newPasswordHash, tokenDigest, s.Now())
	if err != nil {
		// The mail may have gone out; its token was never saved.
		return s.notSaved(ctx, a, target, action, err)
	}
	s.audit(ctx, a, target, action, OutcomeDone)
	if newPasswordHash == "" || s.Sessions == nil {
		return nil
	}
	keep := ""
	if !a.cli() && a.User.ID == target.ID {
		keep = a.Session
	}
	if _, err := s.Sessions.SweepFor(ctx, now, keep, events.ReasonPasswordSet); err != nil {
		s.audit(ctx, a, target, ActionEndSessions, domain.AsError(err).Code)
		return passwordSetSessionsOpen(err)
	}
	return nil
}

// notSaved answers a credential write that failed: ErrConcurrent when
// another change came first (domain.ErrConflict), else ErrNotSaved with
// its cause; audited either way.
func (s *Service) notSaved(ctx context.Context, a Actor, target domain.User, action string, err error) error {
	if errors.Is(err, domain.ErrConflict) {
		return s.refuse(ctx, a, target, action, ErrConcurrent)
	}
	if s.Log != nil {
		s.Log.ErrorContext(ctx, "new credentials not saved", "user_id", target.ID, "error", err.Error())
	}
	s.audit(ctx, a, target, action, ErrNotSaved.Code)
	return ErrNotSaved.Wrap(err)
}

// ActionEndSessions: a user's sessions ended after a password change.
const ActionEndSessions = "END_SESSIONS"

// passwordSetSessionsOpen is a sweep's failure after the password changed.
func passwordSetSessionsOpen(err error) error {
	e := domain.AsError(err)
	return (&domain.Error{Code: e.Code, Message: "The password was changed, but not every other session could be ended (" + e.Message +
		"). Use \"Log out everywhere else\", or ask an administrator to run lgadmin session end --user, to finish."}).Wrap(err)
}

// ChangePassword is a signed-in user changing their own password: the
// current one is checked (a wrong one counts toward lockout), and a new
// security token is mailed with the change. The cheap checks come first,
// the history's hashes only once the current password is known right.
func (s *Service) ChangePassword(ctx context.Context, a Actor, current, next string) error {
	u := a.User
	if err := domain.CheckNewPassword(u.Policy.Password, next, u); err != nil {
		return s.refuse(ctx, a, u, ActionPasswordChange, domain.AsError(err))
	}
	if next == current && u.Policy.Password.History > 0 {
		// The history's first entry, told without a hash.
		return s.refuse(ctx, a, u, ActionPasswordChange, domain.ReusedPassword(u.Policy.Password))
	}
	fresh, err := s.Login.CheckPassword(ctx, u.Username, current)
	if err != nil {
		le := domain.AsError(err)
		if le.Code == domain.CodeUnknown {
			return err
		}
		return s.refuse(ctx, a, u, ActionPasswordChange, le)
	}
	if fresh.ID != u.ID {
		return s.refuse(ctx, a, u, ActionPasswordChange, ErrConcurrent)
	}
	pw, err := s.newPasswordHash(ctx, a, fresh, ActionPasswordChange, next)
	if err != nil {
		return err
	}
	return s.issue(ctx, a, fresh, pw, "You changed your password", ActionPasswordChange)
}

// ResetPassword is an admin setting another user's password (the CLI, or
// a signed-in user with "Manage Users"); a new token is mailed with it.
func (s *Service) ResetPassword(ctx context.Context, a Actor, target domain.User, next string) error {
	if e := a.manages(target); e != nil {
		return s.refuse(ctx, a, target, ActionPasswordReset, e)
	}
	pw, err := s.newPasswordHash(ctx, a, target, ActionPasswordReset, next)
	if err != nil {
		return err
	}
	return s.issue(ctx, a, target, pw, "Your administrator ("+a.name()+") reset your password", ActionPasswordReset)
}

// Users lists the actor's org for the setup page: only with "Manage Users".
func (s *Service) Users(ctx context.Context, a Actor) ([]domain.User, error) {
	if !a.May(policy.AdminUsers, a.User.OrgID) {
		s.audit(ctx, a, domain.User{OrgID: a.User.OrgID}, "LIST_USERS", ErrNotPermitted.Code)
		return nil, ErrNotPermitted
	}
	return s.Store.UsersOfOrg(ctx, a.User.OrgID)
}

// ActionTokenIssued is a new user's first token.
const ActionTokenIssued = "TOKEN_ISSUED"

// NewUserToken sends a new user their first security token; reason opens
// the mail ("Your user was created").
func (s *Service) NewUserToken(ctx context.Context, a Actor, target domain.User, reason string) error {
	return s.issue(ctx, a, target, newPassword{}, reason, ActionTokenIssued)
}

// tokenResetEvent is the TokenReset of target's new token, reset by a.
func tokenResetEvent(a Actor, target domain.User, now time.Time) events.Event {
	d := events.Detail{OrgID: target.OrgID, UserID: target.ID, Username: target.Username, Time: now.UTC(), Reason: events.ReasonSelfService}
	if a.cli() || a.User.ID != target.ID {
		d.Reason, d.Actor = events.ReasonAdminReset, a.name()
	}
	return events.Event{Type: events.TokenReset, Detail: d}
}
