package login

import (
	"errors"

	"loginguard/shared/policy"
)

// Error is a login failure a client may see: a stable code (Salesforce's
// ExceptionCode) and a message safe to show. Reason is the finer, internal
// reason kept in login history; the cause is for the log only.
type Error struct {
	Code    string
	Message string
	Reason  policy.Reason
	cause   error
}

func (e *Error) Error() string {
	if e.cause != nil {
		return e.Code + ": " + e.Message + ": " + e.cause.Error()
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.cause }

// Is matches errors by their public code: errors.Is(err, ErrChallengeGone)
// holds for any error that answers as it does.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Public codes.
const (
	CodeInvalidLogin         = "INVALID_LOGIN"
	CodeMustUseSecurityToken = "LOGIN_MUST_USE_SECURITY_TOKEN"
	CodeRestrictedTime       = "LOGIN_DURING_RESTRICTED_TIME"
	CodeRestrictedDomain     = "LOGIN_DURING_RESTRICTED_DOMAIN"
	CodeAPIDisabled          = "API_CURRENTLY_DISABLED"
	CodeInvalidSession       = "INVALID_SESSION_ID"
	CodeHighAssuranceLogin   = "LOGIN_HIGH_ASSURANCE_REQUIRED"
	CodeUnknown              = "UNKNOWN_EXCEPTION"
)

// InvalidLoginMessage is Salesforce's one text for every wrong-credentials
// case, locked-out users included, so nobody learns which part was wrong.
const InvalidLoginMessage = "Invalid username, password, security token; or user locked out."

var publicErrors = map[policy.Reason]struct{ code, msg string }{
	policy.ReasonInvalidCredentials: {CodeInvalidLogin, InvalidLoginMessage},
	policy.ReasonUnknownUser:        {CodeInvalidLogin, InvalidLoginMessage},
	policy.ReasonUserInactive:       {CodeInvalidLogin, InvalidLoginMessage},
	policy.ReasonUserLocked:         {CodeInvalidLogin, InvalidLoginMessage},
	policy.ReasonMustUseSecurityToken: {CodeMustUseSecurityToken, InvalidLoginMessage +
		" Are you at a new location? When accessing the service from outside of your company's trusted networks, you must add a security token to your password to log in. To get a new token, reset your security token in your personal settings."},
	policy.ReasonRestrictedTime:     {CodeRestrictedTime, "Your login hours do not allow a login at this time."},
	policy.ReasonRestrictedDomain:   {CodeRestrictedDomain, "Your profile does not allow a login from this IP address."},
	policy.ReasonAPIDisabled:        {CodeAPIDisabled, "API is disabled for this User"},
	policy.ReasonChallengeExpired:   {CodeChallengeExpired, "Your verification has expired or was already used. Log in again."},
	policy.ReasonHighAssuranceLogin: {CodeHighAssuranceLogin, "Your profile requires a High Assurance session at login. Log in with a method your org rates High Assurance (two-factor authentication)."},
}

func denied(r policy.Reason) *Error {
	p, ok := publicErrors[r]
	if !ok {
		return &Error{Code: CodeInvalidLogin, Message: InvalidLoginMessage, Reason: r}
	}
	return &Error{Code: p.code, Message: p.msg, Reason: r}
}

// internal wraps a failure of ours (storage down, bad data): the client sees
// a generic message, the log sees the cause.
func internal(err error) *Error {
	return &Error{Code: CodeUnknown, Message: "An unexpected error occurred. Please try again.", Reason: "INTERNAL_ERROR", cause: err}
}

// ErrInvalidSession is the answer for a missing, ended or expired session.
var ErrInvalidSession = &Error{Code: CodeInvalidSession, Message: "Invalid Session ID found in SessionHeader: Illegal Session", Reason: "INVALID_SESSION"}

// AsError returns err as an *Error, or an internal one.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return internal(err)
}
