package account

import (
	"context"
	"errors"

	"loginguard/shared/domain"
	"loginguard/shared/ids"
	"loginguard/shared/secret"
)

// A user setting their own password without typing the current one: the
// caller has just proved it. Two places do: the browser's forced change of
// an expired password (the login's last step), and the partner API's
// setPassword on the session a login opened.

// ActionPasswordSet: a user set their own password, proved by a login.
const ActionPasswordSet = "PASSWORD_SET"

// Refusals of setPassword.
var (
	ErrNotOwnPassword = &domain.Error{Code: domain.CodeNotPermitted,
		Message: "This session can set only its own user's password: the userId is another user's."}
	ErrBadUserID = &domain.Error{Code: domain.CodeInvalidID, Message: "The userId is not a valid user id."}
	// ErrNotExpired: setPassword, which asks no current password, sets
	// one's own password only from a session opened on an expired one. A
	// stolen session is not to take the account over.
	ErrNotExpired = &domain.Error{Code: domain.CodeNotPermitted,
		Message: "setPassword sets your own password only when it has expired (a session whose login answered passwordExpired=true). Change it on the login page's settings, which ask for the current one."}
)

// SetOwnPassword sets a.User's password to next. Every rule of the org's
// policy applies and the new password must differ from the current one; a
// new security token is mailed with it and every session of the user ends,
// the one it was set from too (setPassword's restricted session; a forced
// change opens its session after). It returns the user as now stored.
func (s *Service) SetOwnPassword(ctx context.Context, a Actor, next string) (domain.User, error) {
	u := a.User
	if u.Policy.Password.History <= 0 {
		// Without a history the current password is still not a new one
		// (with one, newPasswordHash checks it first).
		if err := domain.CheckNewPassword(u.Policy.Password, next, u); err != nil {
			return domain.User{}, s.refuse(ctx, a, u, ActionPasswordSet, domain.AsError(err))
		}
		same, _, err := secret.VerifyPassword(next, u.PasswordHash, s.Params)
		if err != nil {
			return domain.User{}, domain.Internal(err)
		}
		if same {
			return domain.User{}, s.refuse(ctx, a, u, ActionPasswordSet, domain.ReusedPassword(u.Policy.Password))
		}
	}
	pw, err := s.newPasswordHash(ctx, a, u, ActionPasswordSet, next)
	if err != nil {
		return domain.User{}, err
	}
	a.Session = "" // every session ends
	if err := s.issue(ctx, a, u, pw, "You set a new password", ActionPasswordSet); err != nil {
		return domain.User{}, err
	}
	now, err := s.Store.User(ctx, u.Username)
	if err != nil {
		return domain.User{}, domain.Internal(err)
	}
	return now, nil
}

// SetExpiredPassword is the browser's forced change of u's expired
// password (login.PasswordSetter): SetOwnPassword from the login page.
func (s *Service) SetExpiredPassword(ctx context.Context, u domain.User, next, ip string) (domain.User, error) {
	return s.SetOwnPassword(ctx, Actor{User: u, IP: ip, Via: "UI"}, next)
}

// SetPasswordFromSession is the partner API's setPassword: the session
// sess (checked by the caller for this use), opened on an expired password,
// sets its own user's password; userID is the one the call names, in 15 or
// 18 characters. Any other session is refused: setPassword asks for no
// current password, so a session alone must not replace it.
func (s *Service) SetPasswordFromSession(ctx context.Context, sess domain.Session, userID, next, ip string) error {
	id, err := ids.To15(userID)
	if err != nil {
		return ErrBadUserID
	}
	u, err := s.Store.User(ctx, sess.Username)
	if errors.Is(err, domain.ErrNotFound) || err == nil && u.ID != sess.UserID {
		return ErrNotOwnPassword
	}
	if err != nil {
		return domain.Internal(err)
	}
	a := Actor{User: u, IP: ip, Via: "API"}
	if id != u.ID {
		return s.refuse(ctx, a, u, ActionPasswordSet, ErrNotOwnPassword)
	}
	if !sess.PasswordExpired {
		return s.refuse(ctx, a, u, ActionPasswordSet, ErrNotExpired)
	}
	_, err = s.SetOwnPassword(ctx, a, next)
	return err
}
