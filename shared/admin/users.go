package admin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
	"time"

	"loginguard/shared/account"
	"loginguard/shared/domain"
	"loginguard/shared/events"
	"loginguard/shared/ids"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
	"loginguard/shared/sessions"
)

// ErrUnknownTimeZone: a user's time zone is not an IANA name.
var ErrUnknownTimeZone = &domain.Error{Code: domain.CodeInvalidTimeZone, Message: "not a known time zone"}

// NewUser is a request for a user.
type NewUser struct {
	OrgID, ProfileID    string
	Username, Email     string
	FirstName, LastName string
	TimeZone            string // "": the org's
	Password            string
	// LinkURL, with no Password: the user gets a password no one knows and
	// is mailed a link to this login page (its origin) to choose their own,
	// as Salesforce's "Generate new password and notify user" does.
	LinkURL string
	// Why opens the mail with the first security token ("Your user was created").
	Why string
}

// ErrLinkNeedsEmail: a user created without a password chooses one by a
// mailed link, so needs an email address.
var ErrLinkNeedsEmail = &domain.Error{Code: domain.CodeRequiredField,
	Message: "A user created without a password chooses one by a mailed link: give an email address, or a password."}

// CheckPassword refuses a password no user may have, whatever the org's
// policy (which the use cases apply once the user's org is known).
func CheckPassword(pw string) error {
	if err := secret.CheckNewPassword(pw); err != nil {
		return invalid(domain.CodeInvalidNewPassword, err.Error())
	}
	return nil
}

// Check is the request's rules that need no store: the password, a user
// name that looks like an email address, and the email address.
func (n NewUser) Check() error {
	if n.Password != "" || n.LinkURL == "" {
		if err := CheckPassword(n.Password); err != nil {
			return err
		}
	} else if n.Email == "" {
		return ErrLinkNeedsEmail
	} else if err := checkLoginURL(n.LinkURL); err != nil {
		return err
	}
	if u := domain.NormalizeUsername(n.Username); len(u) > 80 || !strings.Contains(u, "@") || strings.ContainsAny(u, " \t\r\n") {
		return invalid(domain.CodeInvalidUsername, fmt.Sprintf("user name %q must look like an email address (name@domain), at most 80 characters", n.Username))
	}
	if n.Email != "" && (!strings.Contains(n.Email, "@") || strings.ContainsAny(n.Email, " \r\n<>")) {
		return invalid(domain.CodeInvalidEmail, fmt.Sprintf("email %q is not an email address", n.Email))
	}
	return nil
}

// Created is a new user, and why no first security token went out (nil
// when one did), and, for a user given no password, why no reset link did:
// the user exists either way.
type Created struct {
	User     domain.User
	TokenErr error
	LinkErr  error
	linkSent bool
}

// Note says what was mailed the new user (never a secret): their first
// security token, and for a user given no password the link to choose one.
func (c Created) Note() string {
	note := "security token sent to " + c.User.Email
	if c.TokenErr != nil {
		note = "no security token was issued: " + domain.AsError(c.TokenErr).Message + "; the user can log in only from trusted or profile IP ranges until one is (lgadmin user reset-token, or the admin API's POST /users/{username}/security-token)"
	}
	switch {
	case c.LinkErr != nil:
		note += "; no link to choose a password was sent: " + domain.AsError(c.LinkErr).Message + " (lgadmin user reset-password --send-link, or POST /users/{username}/password-reset-link)"
	case c.linkSent:
		note += "; a link to choose a password sent to " + c.User.Email + " (valid 1 hour)"
	}
	return note
}

// unknownPassword is a password no one knows, for a user who chooses
// theirs by a reset link: random, with every character class any policy
// asks for.
func unknownPassword(rnd io.Reader) (string, error) {
	s, err := secret.NewOpaque(rnd)
	return "Aa1!" + s, err
}

// CreateUser creates an active user of a profile and mails them their first
// security token, as actor; an actor gives a profile only with the
// permissions they hold.
func (s *Service) CreateUser(ctx context.Context, actor account.Actor, n NewUser) (Created, error) {
	if err := n.Check(); err != nil {
		return Created{}, err
	}
	o, err := s.org(ctx, actor, policy.AdminUsers, n.OrgID)
	if err != nil {
		return Created{}, err
	}
	p, err := s.Store.Profile(ctx, o.ID, n.ProfileID)
	if err != nil {
		return Created{}, err
	}
	if err := s.allowGrant(ctx, actor, policy.AdminUsers, n.Username, policy.Permissions{}, p.Permissions()); err != nil {
		return Created{}, err
	}
	zone := o.TimeZone
	if n.TimeZone != "" {
		if _, err := time.LoadLocation(n.TimeZone); err != nil {
			return Created{}, ErrUnknownTimeZone
		}
		zone = n.TimeZone
	}
	id, err := ids.New("005", s.Rand)
	if err != nil {
		return Created{}, err
	}
	password := n.Password
	if password == "" {
		if password, err = unknownPassword(s.Rand); err != nil {
			return Created{}, err
		}
	}
	owner := domain.User{Username: strings.TrimSpace(n.Username), FirstName: n.FirstName, LastName: n.LastName}
	if err := domain.CheckNewPassword(o.Password, password, owner); err != nil {
		return Created{}, err
	}
	hash, err := secret.HashPassword(password, s.Params, s.Rand)
	if err != nil {
		return Created{}, err
	}
	u := domain.User{ID: id, OrgID: o.ID, ProfileID: p.ID, Username: strings.TrimSpace(n.Username), Email: n.Email,
		FirstName: n.FirstName, LastName: n.LastName, TimeZone: zone, Locale: "en_US", Language: "en_US", Active: true,
		PasswordHash: hash, CreatedAt: s.Now(), Policy: domain.PolicyOf(o, p)}
	u.PasswordChangedAt = u.CreatedAt
	if err := s.Store.CreateUser(ctx, u); err != nil {
		if errors.Is(err, domain.ErrExists) {
			return Created{}, invalid(domain.CodeDuplicateUsername, fmt.Sprintf("user name %s is taken", n.Username))
		}
		return Created{}, err
	}
	c := Created{User: u, TokenErr: s.Accounts.NewUserToken(ctx, actor, u, n.Why)}
	if n.Password == "" {
		c.LinkErr = s.Accounts.SendResetLink(ctx, actor, u, n.LinkURL)
		c.linkSent = c.LinkErr == nil
	}
	if fresh, err := s.Store.User(ctx, u.Username); err == nil {
		c.User = fresh
	}
	return c, nil
}

// User reads a user by user name.
func (s *Service) User(ctx context.Context, actor account.Actor, username string) (domain.User, error) {
	return s.userFor(ctx, actor, policy.AdminReadSetup, username)
}

// Users lists an org's users.
func (s *Service) Users(ctx context.Context, actor account.Actor, orgID string) ([]domain.User, error) {
	if err := s.allow(ctx, actor, policy.AdminReadSetup, OrgID(orgID), OrgID(orgID)); err != nil {
		return nil, err
	}
	return s.Store.UsersOfOrg(ctx, OrgID(orgID))
}

// change applies f to a user that exists, for actor doing act, and returns
// the user as stored after it.
func (s *Service) change(ctx context.Context, actor account.Actor, act policy.AdminAction, username string, f func(u domain.User) error) (domain.User, error) {
	u, err := s.userFor(ctx, actor, act, username)
	if err != nil {
		return domain.User{}, err
	}
	if err := f(u); err != nil {
		return domain.User{}, err
	}
	return s.Store.User(ctx, u.Username)
}

// Unlock ends a user's lockout.
func (s *Service) Unlock(ctx context.Context, actor account.Actor, username string) (domain.User, error) {
	u, err := s.change(ctx, actor, policy.AdminUnlockReset, username, func(u domain.User) error { return s.Store.Unlock(ctx, u.Username) })
	if err == nil {
		events.Emit(ctx, s.Events, s.Log, events.Event{Type: events.Unlock, Detail: events.Detail{OrgID: u.OrgID, UserID: u.ID,
			Username: u.Username, Time: s.Now().UTC(), Reason: events.ReasonAdminUnlock, Actor: actorName(actor)}})
	}
	return u, err
}

// actorName is who an admin event names as its actor.
func actorName(a account.Actor) string {
	if a.IsCLI() {
		return "admin CLI"
	}
	return a.User.Username
}

// SetActive activates or deactivates a user. Deactivating ends every
// session of the user (all paths refuse them at once); the report says how
// many. Reactivating opens none of them again.
func (s *Service) SetActive(ctx context.Context, actor account.Actor, username string, active bool) (domain.User, sessions.Report, error) {
	u, err := s.userFor(ctx, actor, policy.AdminUsers, username)
	if err != nil {
		return domain.User{}, sessions.Report{}, err
	}
	if u, err = s.Store.SetActive(ctx, u.Username, active); err != nil || active {
		return u, sessions.Report{}, err
	}
	r, err := s.Sessions.SweepFor(ctx, u, "", events.ReasonDeactivated)
	return u, r, err
}

// ResetToken mails a user a new security token, as actor.
func (s *Service) ResetToken(ctx context.Context, actor account.Actor, username string) (domain.User, error) {
	u, err := s.userFor(ctx, actor, policy.AdminUnlockReset, username)
	if err != nil {
		return domain.User{}, err
	}
	return u, s.Accounts.ResetToken(ctx, actor, u)
}

// ResetPassword sets a user's password, as actor; a new security token is
// mailed with it (nothing changes if the mail fails).
func (s *Service) ResetPassword(ctx context.Context, actor account.Actor, username, password string) (domain.User, error) {
	if err := CheckPassword(password); err != nil {
		return domain.User{}, err
	}
	u, err := s.userFor(ctx, actor, policy.AdminUnlockReset, username)
	if err != nil {
		return domain.User{}, err
	}
	return u, s.Accounts.ResetPassword(ctx, actor, u, password)
}

// SendResetLink mails a user a link to choose a new password (Salesforce's
// "Reset Password"), as actor; loginURL is the login page's origin.
func (s *Service) SendResetLink(ctx context.Context, actor account.Actor, username, loginURL string) (domain.User, error) {
	if err := checkLoginURL(loginURL); err != nil {
		return domain.User{}, err
	}
	u, err := s.userFor(ctx, actor, policy.AdminUnlockReset, username)
	if err != nil {
		return domain.User{}, err
	}
	return u, s.Accounts.SendResetLink(ctx, actor, u, loginURL)
}

// checkLoginURL accepts the origin of a login page (a reset link's base).
func checkLoginURL(loginURL string) error {
	if u, err := url.Parse(loginURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "" && u.Path != "/" {
		return invalid(domain.CodeInvalidField, fmt.Sprintf("login URL %q: want the login page's origin, e.g. https://login.example.com", loginURL))
	}
	return nil
}

// TOTPKey is a user's new TOTP key, in clear only in this answer.
type TOTPKey struct {
	Username, URI, Secret string
}

// RegisterTOTP makes a TOTP key for a user and stores it sealed; the
// issuer shown in the authenticator app is the org's name.
func (s *Service) RegisterTOTP(ctx context.Context, actor account.Actor, username string) (TOTPKey, error) {
	u, err := s.userFor(ctx, actor, policy.AdminTwoFactor, username)
	if err != nil {
		return TOTPKey{}, err
	}
	if s.Sealer == nil {
		return TOTPKey{}, ErrNoKeyring
	}
	issuer := u.Policy.OrgName
	if issuer == "" {
		issuer = "loginguard"
	}
	key, err := secret.NewTOTPKey(issuer, u.Username, s.Rand)
	if err != nil {
		return TOTPKey{}, err
	}
	sealed, err := s.Sealer.Seal(ctx, key.Secret(), u.ID, s.Rand)
	if err != nil {
		return TOTPKey{}, err
	}
	if err := s.Store.SetTOTPKey(ctx, u.Username, sealed); err != nil {
		return TOTPKey{}, err
	}
	return TOTPKey{Username: u.Username, URI: key.URL(), Secret: key.Secret()}, nil
}

// RemoveTOTP removes a user's TOTP key.
func (s *Service) RemoveTOTP(ctx context.Context, actor account.Actor, username string) (domain.User, error) {
	return s.change(ctx, actor, policy.AdminTwoFactor, username, func(u domain.User) error { return s.Store.SetTOTPKey(ctx, u.Username, "") })
}

// DeviceIDLen is how much of a device's digest names it to an admin:
// enough to revoke it by.
const DeviceIDLen = 16

// Device is a browser activated for a user, named by its ID.
type Device struct {
	ID string
	domain.Device
}

// Devices lists a user's activated browsers, oldest first.
func (s *Service) Devices(ctx context.Context, actor account.Actor, username string) (domain.User, []Device, error) {
	u, err := s.userFor(ctx, actor, policy.AdminReadSetup, username)
	if err != nil {
		return domain.User{}, nil, err
	}
	list := make([]Device, 0, len(u.Devices))
	for k, d := range u.Devices {
		list = append(list, Device{ID: k[:DeviceIDLen], Device: d})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].ActivatedAt.Before(list[j].ActivatedAt) })
	return u, list, nil
}

// RevokeDevice revokes one activated browser of a user by its ID (or any
// unique prefix of its digest); it returns the ID.
func (s *Service) RevokeDevice(ctx context.Context, actor account.Actor, username, id string) (string, error) {
	u, err := s.userFor(ctx, actor, policy.AdminUsers, username)
	if err != nil {
		return "", err
	}
	digest, err := s.Store.RevokeDevice(ctx, u.Username, id)
	if err != nil {
		return "", err
	}
	return digest[:DeviceIDLen], nil
}

// RevokeAllDevices revokes every activated browser of a user.
func (s *Service) RevokeAllDevices(ctx context.Context, actor account.Actor, username string) error {
	u, err := s.userFor(ctx, actor, policy.AdminUsers, username)
	if err != nil {
		return err
	}
	return s.Store.RevokeAllDevices(ctx, u.Username)
}
