package login

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/mail"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
)

// BrowserStore is what a browser login needs of storage beyond Store.
type BrowserStore interface {
	Store
	PutChallenge(ctx context.Context, c domain.LoginChallenge) error
	Challenge(ctx context.Context, idHash string, now time.Time) (domain.LoginChallenge, error)
	TakeTry(ctx context.Context, c domain.LoginChallenge, max int, now time.Time) (int, error)
	EndChallenge(ctx context.Context, c domain.LoginChallenge, answered bool, now time.Time) error
	AddDevice(ctx context.Context, u domain.User, digest string, d domain.Device) error
	EnrolTOTPKey(ctx context.Context, username, sealed string) error
	RaiseSession(ctx context.Context, idHash, level string, now time.Time) error
}

// Browser runs logins from the login page: the password, then maybe a
// verification code by email or a TOTP code, each step its own request.
type Browser struct {
	// Login is the login use case the browser's steps share with the API
	// logins (reservation, refusals, sessions). It has a Store of its own:
	// both fields are named, so no call silently goes to the other one.
	Login  *Service
	Store  BrowserStore
	Mailer mail.Mailer // sends verification codes; nil when no sender is configured
	Issuer string      // the name authenticator apps show beside a TOTP key
	// Passwords sets the new password of an expired one's forced change
	// (account.Service); nil, and such a login cannot finish.
	Passwords PasswordSetter
}

// PasswordSetter sets a user's own password, proved by the login under way,
// under the org's policy, and returns the user as now stored.
type PasswordSetter interface {
	SetExpiredPassword(ctx context.Context, u domain.User, next, ip string) (domain.User, error)
}

// Challenge timing and tries.
const (
	ChallengeTTL = 10 * time.Minute // a code, emailed or TOTP, must be entered within it
	MaxCodeTries = 3                // wrong answers to one challenge before it ends
)

// ErrChallengeGone: the challenge is unknown, expired, used up or answered.
var ErrChallengeGone = denied(policy.ReasonChallengeExpired)

// errCodeNotSent: the verification code could not be mailed just now.
var errCodeNotSent = &domain.Error{Code: domain.CodeCodeNotSent, Reason: policy.ReasonCodeSent,
	Message: "We couldn't send your verification code just now. Try again in a few minutes."}

// BrowserStart is the login form.
type BrowserStart struct {
	Username, Password string
	Device             string // the activation cookie, "" for none
	IP                 netip.Addr
	Client             string
	// Remember: "Remember me" was ticked. It counts only where the user's
	// org offers "Remember me until logout"; elsewhere it is ignored.
	Remember bool
}

// BrowserAnswer is a code typed on the verification or TOTP page.
type BrowserAnswer struct {
	ChallengeID string // from the challenge cookie
	Code        string
	Device      string
	IP          netip.Addr
	Client      string
	Remember    bool // the login form's "Remember me", carried to this step (as BrowserStart's)
}

// BrowserOutcome is a step's result: a session, or a challenge to pass.
type BrowserOutcome struct {
	Result *Result // the login is done
	// Device, when set, is the activation cookie to (re)set on the browser.
	Device string
	// NoLoginPageCaching: the user's org turned off caching and autocomplete on
	// the login page. UserSwitching and RememberMe: it has "Enable user
	// switching" and "Remember me until logout" on. The login page, shown
	// before the org is known, learns them from the browser's last login.
	NoLoginPageCaching, UserSwitching, RememberMe bool
	// ChallengeID (clear, for the cookie) and Pending, when a code is asked for.
	ChallengeID string
	Pending     Pending
}

// Pending is what the challenge page shows.
type Pending struct {
	Kind        policy.Challenge
	MaskedEmail string // EMAIL_CODE: where the code went, masked
	EnrolSecret string // TOTP_ENROL: the key, base32, to type into an app
	EnrolURL    string // TOTP_ENROL: its otpauth:// URL, for the QR code
	Username    string
}

// Start checks the login form's password and decides: a session, a
// challenge, or a refusal (*domain.Error, the same for every wrong-credentials case).
func (b *Browser) Start(ctx context.Context, in BrowserStart) (BrowserOutcome, error) {
	return floored(ctx, b.Login, func(now time.Time) (BrowserOutcome, error) { return b.start(ctx, in, now) })
}

func (b *Browser) start(ctx context.Context, in BrowserStart, now time.Time) (BrowserOutcome, error) {
	if err := b.Login.admit(ctx, in.Username, in.IP); err != nil {
		return BrowserOutcome{}, err
	}
	ev := domain.LoginEvent{At: now, Username: in.Username, IP: in.IP.String(), LoginType: "UI", Client: in.Client}
	probe := b.Login.probe(ctx, in.IP, now)
	u, err := b.Login.reserve(ctx, in.Username, now, placeOf(in.IP, in.Device), &ev, func() { secret.SpendPasswordCheck(in.Password) }, probe)
	if err != nil {
		return BrowserOutcome{}, err
	}
	ok, weak, err := secret.VerifyPassword(in.Password, u.PasswordHash, b.Login.Params)
	if err != nil {
		return BrowserOutcome{}, internal(err)
	}
	var rehash string
	if ok && weak {
		if h, err := secret.HashPassword(in.Password, b.Login.Params, b.Login.Rand); err == nil {
			rehash = h
		}
	}
	d := decideUI(u, uiFacts(u, in.Device, ok), now, in.IP, &ev)
	a := b.attempt(u, in.IP, in.Client, in.Remember)
	return b.follow(ctx, u, d, a, ev, in.Device, domain.LoginChallenge{}, rehash, 0)
}

// attempt is a browser login of u; it is remembered until logout only when
// asked and u's org offers it, as the org's settings read at this step.
func (b *Browser) attempt(u domain.User, ip netip.Addr, client string, remember bool) Attempt {
	return Attempt{Username: u.Username, IP: ip, Type: "UI", Client: client, Persistent: remember && u.Policy.RememberMe}
}

// UIFacts are the UI decision's inputs for user u at a browser with the
// activation cookie device ("" for none); the challenges passed are filled
// in by the caller. The reset page (account) reads the same facts.
func UIFacts(u domain.User, now time.Time, ip netip.Addr, device string, passwordOK bool) policy.UILogin {
	return uiFacts(u, device, passwordOK).ForUI(now, ip, u.Policy.LoginSettings())
}

// uiFacts are the facts of a browser login of u at a browser with the
// activation cookie device, before any challenge is passed.
func uiFacts(u domain.User, device string, passwordOK bool) policy.Facts {
	_, activated := u.Devices[deviceDigest(device)]
	creds := policy.CredentialsInvalid
	if passwordOK {
		creds = policy.PasswordOnly
	}
	return policy.Facts{UI: true, Credentials: creds, HasTOTPKey: u.TOTPSealed != "", PasswordSetAt: u.PasswordSetAt(),
		ActivatedBrowser: device != "" && activated, FirstLogin: u.LastLoginAt.IsZero()}
}

// decideUI decides a browser login step of u, whose attempt is reserved,
// with facts x at now from ip, and puts the decision's grounds on its
// history line ev.
func decideUI(u domain.User, x policy.Facts, now time.Time, ip netip.Addr, ev *domain.LoginEvent) policy.UIDecision {
	rules := u.Policy.LoginSettings()
	d := policy.DecideUILogin(x.ForUI(now, ip, rules))
	ev.Grounds = policy.GroundsOf(u.ProfileID, x, now, ip, rules, d.Trace)
	ev.Grounds.Lock = lockRead(u, d.Allowed, d.CountsAsFailure)
	return d
}

// placeOf is where a browser attempt comes from: ip, and the browser's
// activation cookie (as its digest).
func placeOf(ip netip.Addr, device string) domain.Place {
	return domain.Place{IP: ip, Source: policy.SourceKey(ip), Device: deviceDigest(device)}
}

func deviceDigest(device string) string {
	if device == "" {
		return ""
	}
	return secret.Digest(secret.PurposeDevice, device)
}

// follow carries out decision d for user u, whose attempt is reserved: a
// refusal, a (new) challenge, or the session. prev is the challenge this
// step answered (zero on the password step); totpStep the TOTP step passed
// in this login, if any.
func (b *Browser) follow(ctx context.Context, u domain.User, d policy.UIDecision, a Attempt, ev domain.LoginEvent,
	device string, prev domain.LoginChallenge, rehash string, totpStep int64) (BrowserOutcome, error) {
	now := ev.At
	if !d.Allowed && d.Challenge == policy.ChallengeNone {
		if prev.IDHash != "" {
			_ = b.Store.EndChallenge(ctx, prev, false, now)
		}
		b.Login.failedAt(ctx, a.IP, d.Reason, &u.Policy)
		return BrowserOutcome{}, b.Login.refuse(ctx, ev, d.Reason, b.settle(ctx, u, d.CountsAsFailure))
	}
	if d.Challenge == policy.ChallengeNewPassword {
		return b.forceChange(ctx, u, d, ev, prev, totpStep)
	}
	if d.Challenge != policy.ChallengeNone {
		// A TOTP code passed settles every later step (policy.DecideUILogin),
		// so a challenge never follows one and none carries it (but the
		// forced change, above).
		return b.challenge(ctx, u, d, ev, prev)
	}
	u, err := b.claim(ctx, u, prev, ev)
	if err != nil {
		return BrowserOutcome{}, err
	}
	ev.Reason, ev.Via, ev.Challenge, ev.Allowed = string(d.Reason), string(d.Via), prev.Kind, true
	res, err := b.Login.open(ctx, u, a, policy.Decision{Allowed: true, Reason: d.Reason, Via: d.Via}, ev, rehash, totpStep)
	if err != nil {
		return BrowserOutcome{}, err
	}
	out := BrowserOutcome{Result: &res, NoLoginPageCaching: u.Policy.NoLoginPageCaching,
		UserSwitching: u.Policy.UserSwitching, RememberMe: u.Policy.RememberMe}
	if d.Activate {
		out.Device = b.activate(ctx, u, device, ev, d.Via)
	}
	return out, nil
}

// claim ends prev, the challenge this step answered (none on the password
// step), as answered: of two requests answering it, one goes on. It
// enrols the TOTP key prev offered, and returns u with it.
func (b *Browser) claim(ctx context.Context, u domain.User, prev domain.LoginChallenge, ev domain.LoginEvent) (domain.User, error) {
	if prev.IDHash == "" {
		return u, nil
	}
	if err := b.Store.EndChallenge(ctx, prev, true, ev.At); errors.Is(err, domain.ErrNotFound) {
		return u, b.Login.refuse(ctx, ev, policy.ReasonChallengeExpired, b.settle(ctx, u, false))
	} else if err != nil {
		return u, internal(err)
	}
	if prev.EnrolKey != "" {
		// Only where no key exists: a key enrolled meanwhile (another
		// tab, another device) is never replaced, and this login ends.
		if err := b.Store.EnrolTOTPKey(ctx, u.Username, prev.EnrolKey); errors.Is(err, domain.ErrExists) {
			return u, b.Login.refuse(ctx, ev, policy.ReasonChallengeExpired, b.settle(ctx, u, false))
		} else if err != nil {
			return u, internal(err)
		}
		u.TOTPSealed = prev.EnrolKey
	}
	return u, nil
}

// activate records this browser as activated for u and returns the cookie
// value to set ("" when it could not be recorded: the login stands, the
// browser is asked for a code next time).
func (b *Browser) activate(ctx context.Context, u domain.User, device string, ev domain.LoginEvent, via policy.Via) string {
	if device == "" {
		var err error
		if device, err = secret.NewOpaque(b.Login.Rand); err != nil {
			return ""
		}
	}
	err := b.Store.AddDevice(ctx, u, deviceDigest(device), domain.Device{ActivatedAt: ev.At, IP: ev.IP, Client: ev.Client, Via: string(via)})
	if err != nil {
		if b.Login.Log != nil {
			b.Login.Log.WarnContext(ctx, "browser not activated", "user_id", u.ID, "error", err.Error())
		}
		return ""
	}
	return device
}

// settle sets the attempt counter right once a reserved attempt's outcome
// is known: a failure stays counted (restarting the count after an expired
// lock), anything else is given back.
func (b *Browser) settle(ctx context.Context, u domain.User, countsAsFailure bool) error {
	return settle(ctx, b.Store, u, countsAsFailure)
}
