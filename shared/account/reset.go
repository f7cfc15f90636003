package account

import (
	"context"
	"errors"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/login"
	"loginguard/shared/mail"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
)

// "Forgot your password?": a link by mail, then the reset page.
//
// The link's secret is secret.NewOpaque's 192 random bits; only its digest is stored on the
// user item, with its expiry and a digest of the password hash it was
// issued under. It works for ResetLinkTTL, once: the reset sets a new
// password hash, which kills it (as any other password change does), and
// the link is removed besides. Asking again replaces it: only the newest
// link works. One that ran out unused is removed when opened, or by the
// user's next successful login (dynamo.Store.Succeed).

// Link lifetime, limits and the answer's floor.
const (
	ResetLinkTTL = time.Hour
	// At most ForgotUserLimit requests per user name and ForgotSourceLimit
	// per source (policy.SourceKey: an IPv4 address, an IPv6 /64) in each
	// ForgotWindow. Every request counts, whether the name exists or not, so
	// the limit's answer says nothing about the account.
	ForgotUserLimit   = 3
	ForgotSourceLimit = 10
	ForgotWindow      = time.Hour
	// DefaultForgotFloor is the least time a forgot request takes when
	// Service.ForgotFloor is zero (see RequestPasswordReset).
	DefaultForgotFloor = 1500 * time.Millisecond
	// MailDownFor: after a reset mail the provider refused, every request
	// on this instance answers for this long (or until a send works again)
	// that no mail could be sent, known name or not. An outage then reads
	// the same for every name; only the request whose send fails or
	// first works again differs from an unknown name's.
	MailDownFor = 5 * time.Minute
	// ResetCodeTries: wrong codes on one link before it dies.
	ResetCodeTries = login.MaxCodeTries
)

// Actions in the audit trail.
const (
	ActionPasswordResetRequest = "PASSWORD_RESET_REQUEST"
	ActionPasswordResetLink    = "PASSWORD_RESET_LINK"

	outcomeInactive = "USER_INACTIVE"
	outcomeLocked   = "USER_LOCKED"
)

// The answers of the forgot and reset pages.
var (
	ErrForgotUserLimit = &domain.Error{Code: domain.CodeResetRequestLimit,
		Message: "A password reset was asked for this user name 3 times in the last hour, the most allowed. Use the link in the newest email, or try again in an hour."}
	ErrForgotSourceLimit = &domain.Error{Code: domain.CodeRequestLimit,
		Message: "Too many password resets were asked for from your network in the last hour. Try again later."}
	ErrForgotMailFailed = &domain.Error{Code: domain.CodeMailNotSent,
		Message: "We couldn't send email just now, so no reset link went out. Try again in a few minutes."}
	ErrForgotNoMailer = &domain.Error{Code: domain.CodeMailNotConfigured,
		Message: "No mail sender is configured, so no reset link can be sent. Ask your administrator to reset your password."}
	ErrResetLinkGone = &domain.Error{Code: domain.CodeResetLinkExpired,
		Message: "This password reset link has expired, was already used, or was replaced by a newer one. Ask for a new link on the login page (\"Forgot your password?\")."}
	ErrResetCodeNotSent = &domain.Error{Code: domain.CodeCodeNotSent,
		Message: "We couldn't send your verification code just now. Ask for a new reset link in a few minutes."}
	ErrPasswordsDiffer = &domain.Error{Code: domain.CodeInvalidNewPassword,
		Message: "The new password and its confirmation are not the same."}
)

// ForgotRequest is the forgot form: the user name typed, and where from.
type ForgotRequest struct {
	Username string
	IP       netip.Addr
	Client   string
	// BaseURL is the login page's origin ("https://login.example.com"):
	// the link is BaseURL + "/login/reset?u=...&t=...".
	BaseURL string
}

// forgotState is what the service keeps between requests.
type forgotState struct {
	mailDownUntil atomic.Int64 // unix nanoseconds
}

// RequestPasswordReset answers a forgot form. nil is the one answer for a
// name that exists or not, is locked, inactive or has no email: "if it is
// ours, a link is on its way". Only an existing, active, unlocked user with
// an email address gets the mail. The errors are the limits
// (ErrForgotUserLimit, ErrForgotSourceLimit, the same whether the name
// exists), ErrForgotMailFailed, and failures of ours.
//
// Timing: sending in both branches is impossible (there is no address to
// send to), so the answer waits out a fixed floor from its start
// (ForgotFloor, DefaultForgotFloor): the slow part (the mail, a write or
// two) fits under it, and the unknown name's branch is otherwise idle.
// A send slower than the floor shows; it is the rare case, and a fixed
// floor is what costs the least to reason about on a page asked a few
// times an hour.
func (s *Service) RequestPasswordReset(ctx context.Context, in ForgotRequest) error {
	start := s.Now()
	err := s.requestReset(ctx, in, start)
	floor := s.ForgotFloor
	if floor == 0 {
		floor = DefaultForgotFloor
	}
	if rest := floor - s.Now().Sub(start); rest > 0 {
		t := time.NewTimer(rest)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
	}
	return err
}

func (s *Service) requestReset(ctx context.Context, in ForgotRequest, now time.Time) error {
	if s.Mailer == nil {
		return ErrForgotNoMailer
	}
	name := domain.NormalizeUsername(strings.TrimSpace(in.Username))
	if name == "" || len(name) > login.MaxUsernameLen {
		return nil
	}
	if err := s.countForgot(ctx, in.IP, name, now); err != nil {
		return err
	}
	u, err := s.Store.User(ctx, name)
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return domain.Internal(err)
	}
	// The same work up to here, and a link made, in every branch.
	tok, tErr := secret.NewOpaque(s.Rand)
	if tErr != nil {
		return domain.Internal(tErr)
	}
	a := Actor{User: u, IP: in.IP.String(), Via: "UI"}
	switch {
	case err != nil, u.Email == "":
		return s.mailDown(now)
	case !u.Active:
		s.audit(ctx, a, u, ActionPasswordResetRequest, outcomeInactive)
		return s.mailDown(now)
	case u.Policy.Lockout.Locked(u.Lock, now):
		s.audit(ctx, a, u, ActionPasswordResetRequest, outcomeLocked)
		return s.mailDown(now)
	}
	err = s.mailResetLink(ctx, a, u, tok, in.BaseURL, in.IP.String(), in.Client, now)
	if errors.Is(err, domain.ErrConflict) {
		// The password changed this instant: the new one stands, no link.
		return nil
	}
	return err
}

// mailResetLink stores tok's digest as u's reset link and mails it (from
// and client say in the mail who asked). domain.ErrConflict when u's
// password changed meanwhile; ErrForgotMailFailed when the provider
// refused the mail (the link is then removed).
func (s *Service) mailResetLink(ctx context.Context, a Actor, u domain.User, tok, baseURL, from, client string, now time.Time) error {
	link := secret.Digest(secret.PurposePasswordReset, tok)
	err := s.Store.PutPasswordReset(ctx, u, domain.PasswordReset{Digest: link, ExpiresAt: now.Add(ResetLinkTTL),
		BoundTo: secret.Digest(secret.PurposeResetBinding, u.PasswordHash)})
	if err != nil {
		if errors.Is(err, domain.ErrConflict) {
			return err
		}
		return domain.Internal(err)
	}
	msg, err := mail.PasswordReset(mail.ResetMail{To: u.Email, Name: u.FullName(), Username: u.Username, OrgName: u.Policy.OrgName,
		Link:  strings.TrimRight(baseURL, "/") + "/login/reset?u=" + url.QueryEscape(u.Username) + "&t=" + tok,
		Valid: ResetLinkTTL, At: now, From: from, Client: client})
	if err != nil {
		return domain.Internal(err)
	}
	if err := s.Mailer.Send(ctx, msg); err != nil {
		if s.Log != nil {
			s.Log.ErrorContext(ctx, "password reset mail not sent", "user_id", u.ID, "error", err.Error())
		}
		if eErr := s.Store.EndPasswordReset(ctx, u.Username, link); eErr != nil && s.Log != nil {
			s.Log.WarnContext(ctx, "unsent password reset link not removed", "user_id", u.ID, "error", eErr.Error())
		}
		s.forgot.mailDownUntil.Store(now.Add(MailDownFor).UnixNano())
		s.audit(ctx, a, u, ActionPasswordResetRequest, ErrForgotMailFailed.Code)
		return ErrForgotMailFailed.Wrap(err)
	}
	// Sending works again: the other names' answers stop saying otherwise.
	s.forgot.mailDownUntil.Store(0)
	s.audit(ctx, a, u, ActionPasswordResetRequest, OutcomeDone)
	return nil
}

// Refusals of an admin's reset link.
var (
	ErrLinkNoEmail = &domain.Error{Code: domain.CodeNoEmail,
		Message: "This user has no email address, so a reset link cannot be sent. Add an email address, or set the password yourself (reset-password --password-stdin)."}
	ErrLinkInactive = &domain.Error{Code: domain.CodeNotPermitted,
		Message: "This user is inactive, so a reset link would not let them in. Activate the user first."}
	ErrLinkNoMailer = &domain.Error{Code: domain.CodeMailNotConfigured,
		Message: "No mail sender is configured (SENDER_ADDRESS), so a reset link cannot be sent."}
)

// SendResetLink is an admin resetting target's password by link
// (Salesforce's "Reset Password"): target is mailed a link to the reset
// page, as "Forgot your password?" would, and chooses the password there;
// the current password works until then. baseURL is the login page's
// origin. No floor and no limits: the admin is known, and the answer may
// say what it did.
func (s *Service) SendResetLink(ctx context.Context, a Actor, target domain.User, baseURL string) error {
	if e := a.manages(target); e != nil {
		return s.refuse(ctx, a, target, ActionPasswordResetRequest, e)
	}
	switch {
	case s.Mailer == nil:
		return s.refuse(ctx, a, target, ActionPasswordResetRequest, ErrLinkNoMailer)
	case target.Email == "":
		return s.refuse(ctx, a, target, ActionPasswordResetRequest, ErrLinkNoEmail)
	case !target.Active:
		return s.refuse(ctx, a, target, ActionPasswordResetRequest, ErrLinkInactive)
	}
	tok, err := secret.NewOpaque(s.Rand)
	if err != nil {
		return domain.Internal(err)
	}
	err = s.mailResetLink(ctx, a, target, tok, baseURL, a.from(), "", s.Now())
	if errors.Is(err, domain.ErrConflict) {
		return s.refuse(ctx, a, target, ActionPasswordResetRequest, ErrConcurrent)
	}
	return err
}

// mailDown is the answer of a request that sends nothing: while a recent
// send was refused, that no mail could go out (as a known name's would).
func (s *Service) mailDown(now time.Time) error {
	if now.UnixNano() < s.forgot.mailDownUntil.Load() {
		return ErrForgotMailFailed
	}
	return nil
}

// countForgot counts the request for its source and then its user name
// (known or not), each in the current ForgotWindow.
func (s *Service) countForgot(ctx context.Context, ip netip.Addr, name string, now time.Time) error {
	w := int64(ForgotWindow / time.Second)
	n := now.Unix() / w
	end := time.Unix((n+1)*w, 0)
	if src := policy.SourceKey(ip); src != "" {
		_, over, err := s.Store.CountSourceFailure(ctx, "forgot:"+src, n, end, ForgotSourceLimit+1)
		if err != nil {
			return domain.Internal(err)
		}
		if over {
			e := *ErrForgotSourceLimit
			e.RetryAfter = end.Sub(now)
			return &e
		}
	}
	_, over, err := s.Store.CountSourceFailure(ctx, "forgot-user:"+secret.Digest(secret.PurposeForgotCount, name), n, end, ForgotUserLimit+1)
	if err != nil {
		return domain.Internal(err)
	}
	if over {
		return ErrForgotUserLimit
	}
	return nil
}

// ResetLink is a reset link opened in a browser.
type ResetLink struct {
	Username, Token string
	Device          string // the browser's activation cookie, "" for none
	IP              netip.Addr
	Client          string
}

// ResetPending is what the reset page asks for besides the new password.
type ResetPending struct {
	Username string
	// Code is the code the page asks for (resetCode): EMAIL_CODE (mailed
	// to MaskedEmail) or TOTP; none where the browser login would ask none.
	Code        policy.Challenge
	MaskedEmail string
	Policy      policy.PasswordPolicy // the rules the new password must meet, for the page to show
}

// OpenPasswordReset checks a link and says what its page asks for. Where
// a code is asked (resetCode), a user with a TOTP key is asked for a TOTP
// code, any other for a code this mails (once per link: reloading sends
// none). An expired link is refused and removed.
func (s *Service) OpenPasswordReset(ctx context.Context, l ResetLink) (ResetPending, error) {
	now := s.Now()
	u, link, err := s.resetLink(ctx, l, now)
	if err != nil {
		return ResetPending{}, err
	}
	p := ResetPending{Username: u.Username, Code: s.resetCode(u, l, now), Policy: u.Policy.Password}
	if p.Code != policy.ChallengeEmailCode {
		return p, nil
	}
	p.MaskedEmail = login.MaskEmail(u.Email)
	if u.PasswordReset.CodeHash != "" {
		return p, nil
	}
	code, err := secret.NewVerificationCode(s.Rand)
	if err != nil {
		return ResetPending{}, domain.Internal(err)
	}
	err = s.Store.SetPasswordResetCode(ctx, u.Username, link, secret.CodeDigest(l.Token, code))
	if errors.Is(err, domain.ErrConflict) {
		return p, nil // a parallel request mailed one
	}
	if err != nil {
		return ResetPending{}, domain.Internal(err)
	}
	msg, err := mail.ResetCode(mail.ResetMail{To: u.Email, Name: u.FullName(), Username: u.Username, OrgName: u.Policy.OrgName,
		At: now, From: l.IP.String(), Client: l.Client}, code)
	if err == nil {
		err = s.Mailer.Send(ctx, msg)
	}
	if err != nil {
		if s.Log != nil {
			s.Log.ErrorContext(ctx, "password reset code not sent", "user_id", u.ID, "error", err.Error())
		}
		return ResetPending{}, ErrResetCodeNotSent.Wrap(err)
	}
	return p, nil
}

// ResetAnswer is the reset page's form.
type ResetAnswer struct {
	ResetLink
	Code              string // the verification or TOTP code, when asked for
	Password, Confirm string
}

// CompletePasswordReset sets the new password from the reset page: the
// link must still work, the code (where resetCode asks one) be right, the
// password meet the org's policy and not be one of those it remembers. A
// TOTP code is spent before the password is set (a used one is refused,
// ReasonTOTPReused). As every password set, it mails a new security token
// and then stores password and token in one conditional write, which
// clears any lockout; the user's sessions all end. A wrong code uses one
// of the link's ResetCodeTries (*domain.Error with TriesLeft).
func (s *Service) CompletePasswordReset(ctx context.Context, in ResetAnswer) error {
	now := s.Now()
	u, link, err := s.resetLink(ctx, in.ResetLink, now)
	if err != nil {
		return err
	}
	a := Actor{User: u, IP: in.IP.String(), Via: "UI"}
	if in.Password != in.Confirm {
		return ErrPasswordsDiffer
	}
	// The rules first, so that a password they refuse uses none of the
	// code's tries; newPasswordHash checks them again with the history,
	// whose hashes wait for the code (without it, the link alone would
	// tell whether a password was one of the user's).
	if err := domain.CheckNewPassword(u.Policy.Password, in.Password, u); err != nil {
		return s.refuse(ctx, a, u, ActionPasswordResetLink, domain.AsError(err))
	}
	if kind := s.resetCode(u, in.ResetLink, now); kind != policy.ChallengeNone {
		if err := s.checkResetCode(ctx, a, u, link, kind, in, now); err != nil {
			return err
		}
	}
	pw, err := s.newPasswordHash(ctx, a, u, ActionPasswordResetLink, in.Password)
	if err != nil {
		return err
	}
	// A failed mail or save leaves the link working (nothing changed); once
	// the password is set, the link is dead whatever else failed.
	err = s.issue(ctx, a, u, pw, "You reset your password with a link sent by email", ActionPasswordResetLink)
	if err == nil || domain.ErrorCode(err) != domain.CodeMailNotSent && domain.ErrorCode(err) != domain.CodeNotSaved && domain.ErrorCode(err) != domain.CodeConcurrentChange {
		s.endLink(ctx, u, link)
	}
	return err
}

// endLink removes a used or expired link. It was dead already (a new
// password hash unbinds it): this only tidies the item.
func (s *Service) endLink(ctx context.Context, u domain.User, link string) {
	if err := s.Store.EndPasswordReset(ctx, u.Username, link); err != nil && !errors.Is(err, domain.ErrNotFound) && s.Log != nil {
		s.Log.WarnContext(ctx, "dead password reset link not removed", "user_id", u.ID, "error", err.Error())
	}
}

// resetLink reads the user a link is for and checks it, in constant time:
// the link's digest, its expiry, and the password it was issued under. It
// returns the user and the link's digest.
func (s *Service) resetLink(ctx context.Context, l ResetLink, now time.Time) (domain.User, string, error) {
	if l.Username == "" || l.Token == "" || len(l.Token) > 64 || len(l.Username) > 256 {
		return domain.User{}, "", ErrResetLinkGone
	}
	u, err := s.Store.User(ctx, l.Username)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.User{}, "", ErrResetLinkGone
	}
	if err != nil {
		return domain.User{}, "", domain.Internal(err)
	}
	r := u.PasswordReset
	match := secret.MatchDigest(secret.PurposePasswordReset, l.Token, r.Digest)
	bound := secret.MatchDigest(secret.PurposeResetBinding, u.PasswordHash, r.BoundTo)
	if match && r.Expired(now) {
		// Its holder came back too late: the dead link goes from the item
		// (only this one: the write is conditional on its digest).
		s.endLink(ctx, u, r.Digest)
	}
	if !match || !bound || !u.Active || r.Expired(now) {
		return domain.User{}, "", ErrResetLinkGone
	}
	return u, r.Digest, nil
}

// resetCode is the code a reset from l's browser and address asks for:
// policy.ResetChallenge, on the facts the browser login reads (so none
// exactly where that login would ask none: an activated browser, the
// org's trusted ranges, the profile's login IP ranges); a TOTP code only
// where u's key can be opened, an emailed code otherwise.
func (s *Service) resetCode(u domain.User, l ResetLink, now time.Time) policy.Challenge {
	f := login.UIFacts(u, now, l.IP, l.Device, true)
	f.HasTOTPKey = f.HasTOTPKey && s.Login != nil && s.Login.Sealer != nil
	return policy.ResetChallenge(f)
}

// checkResetCode takes one of the link's tries, then checks the code; the
// last wrong one ends the link.
func (s *Service) checkResetCode(ctx context.Context, a Actor, u domain.User, link string, kind policy.Challenge, in ResetAnswer, now time.Time) error {
	tries, err := s.Store.TakePasswordResetTry(ctx, u.Username, link, ResetCodeTries)
	if errors.Is(err, domain.ErrNotFound) {
		return ErrResetLinkGone
	}
	if err != nil {
		return domain.Internal(err)
	}
	code := strings.TrimSpace(in.Code)
	reason := policy.ReasonInvalidCode
	switch kind {
	case policy.ChallengeEmailCode:
		if code != "" && secret.MatchCode(in.Token, code, u.PasswordReset.CodeHash) {
			return nil
		}
	case policy.ChallengeTOTP:
		reason = policy.ReasonInvalidTOTP
		key, err := s.Login.Sealer.Open(ctx, u.TOTPSealed, u.ID)
		if err != nil && !errors.Is(err, secret.ErrUnseal) {
			return domain.Internal(err)
		}
		if err != nil {
			break
		}
		// Matched against every step, used or not, so that a used code
		// is told apart (the page says so) from a wrong one.
		step, ok := secret.MatchTOTP(key, code, now, 0)
		if !ok {
			break
		}
		// The code is single-use, as a login's: its step is spent before
		// the password is set, so of two requests racing with it one
		// goes on, and no login or reset takes it after.
		err = domain.ErrReplay
		if step > u.TOTPLastStep {
			err = s.Store.SpendPasswordResetTOTP(ctx, u.Username, link, step)
		}
		switch {
		case err == nil:
			return nil
		case errors.Is(err, domain.ErrNotFound):
			return ErrResetLinkGone
		case !errors.Is(err, domain.ErrReplay):
			return domain.Internal(err)
		}
		reason = policy.ReasonTOTPReused
	}
	left := ResetCodeTries - tries
	msg := "The code you entered is not valid. Check it and try again."
	if reason == policy.ReasonTOTPReused {
		msg = "That code was used already. Wait for your authenticator app to show a new code, then enter that one."
	}
	if left <= 0 {
		s.endLink(ctx, u, link)
		msg = "The code you entered is not valid, and too many codes were tried: this link no longer works. Ask for a new one on the login page."
	}
	e := &domain.Error{Code: domain.CodeInvalidCode, Message: msg, Reason: reason, TriesLeft: left}
	outcome := e.Code
	if reason == policy.ReasonTOTPReused {
		outcome = string(reason)
	}
	s.audit(ctx, a, u, ActionPasswordResetLink, outcome)
	return e
}
