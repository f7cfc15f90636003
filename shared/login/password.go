package login

import (
	"context"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
)

// ErrWrongPassword is a wrong current password where one is asked again
// (changing the password).
var ErrWrongPassword = &domain.Error{Code: domain.CodeInvalidPassword, Reason: policy.ReasonInvalidCredentials,
	Message: "Your current password is not correct."}

// CheckPassword checks the password of a signed-in user asking to change
// it: through the same gate as a login, so wrong guesses count toward
// lockout and a locked user gets nowhere. It returns the user as stored.
func (s *Service) CheckPassword(ctx context.Context, username, password string) (domain.User, error) {
	return floored(ctx, s, func(now time.Time) (domain.User, error) { return s.checkPassword(ctx, username, password, now) })
}

func (s *Service) checkPassword(ctx context.Context, username, password string, now time.Time) (domain.User, error) {
	u, err := s.reserve(ctx, username, now, domain.Place{Known: true}, nil, func() { secret.SpendPasswordCheck(password) }, nil)
	if err != nil {
		return domain.User{}, err
	}
	ok, _, err := secret.VerifyPassword(password, u.PasswordHash, s.Params)
	if err != nil {
		return domain.User{}, internal(err)
	}
	if sErr := s.settle(ctx, u, !ok); sErr != nil && s.Log != nil {
		s.Log.WarnContext(ctx, "login attempt counter not settled", "user_id", u.ID, "error", sErr.Error())
	}
	if !ok {
		return domain.User{}, ErrWrongPassword
	}
	return u, nil
}
