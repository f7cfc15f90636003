package domain

import (
	"errors"
	"strings"
	"time"

	"loginguard/shared/passwords"
	"loginguard/shared/policy"
)

// Error is the one failure a client may see: a stable code (Salesforce's
// ExceptionCode where there is one) and a message safe to show. Reason is
// the finer, internal reason kept in login history; the cause is for the log
// only. Each transport has one table from Code to its wire form.
type Error struct {
	Code    string
	Message string
	Reason  policy.Reason

	// TriesLeft, for CodeInvalidCode, is how many more codes may be tried
	// (0: the challenge has ended and the user must log in again).
	TriesLeft int
	// Session, for CodeSessionDenied, is the decision that refused the use.
	Session policy.SessionDecision
	// Area, for CodeHighAssuranceRequired, is the identity-verification
	// area to step up for: /login/step-up?resource=<Area>.
	Area policy.Area
	// RetryAfter, for CodeRequestLimit, is how long until the source may
	// try again (the end of its window).
	RetryAfter time.Duration

	cause error
}

func (e *Error) Error() string {
	if e.cause != nil {
		return e.Code + ": " + e.Message + ": " + e.cause.Error()
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.cause }

// Is matches errors by their code: errors.Is(err, login.ErrChallengeGone)
// holds for any error that answers as it does, a copy carrying its cause
// included.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Wrap is a copy of e carrying cause (for the log).
func (e *Error) Wrap(cause error) *Error {
	c := *e
	c.cause = cause
	return &c
}

// Codes. Each is defined here once; the transports map them to the wire.
const (
	// Login refusals (Salesforce's ExceptionCode values).
	CodeInvalidLogin         = "INVALID_LOGIN"
	CodeRequestLimit         = "REQUEST_LIMIT_EXCEEDED" // a throttled source (Error.RetryAfter)
	CodeMustUseSecurityToken = "LOGIN_MUST_USE_SECURITY_TOKEN"
	CodeRestrictedTime       = "LOGIN_DURING_RESTRICTED_TIME"
	CodeRestrictedDomain     = "LOGIN_DURING_RESTRICTED_DOMAIN"
	CodeAPIDisabled          = "API_CURRENTLY_DISABLED"
	CodeInvalidSession       = "INVALID_SESSION_ID"
	CodeHighAssuranceLogin   = "LOGIN_HIGH_ASSURANCE_REQUIRED"
	// CodePasswordExpired: a login whose channel cannot set a password
	// (OAuth's password grant) on an expired password;
	// CodeExpiredPasswordOperation: a session opened on one, used for
	// anything but setPassword (Salesforce's ExceptionCode).
	CodePasswordExpired          = "PASSWORD_EXPIRED"
	CodeExpiredPasswordOperation = "INVALID_OPERATION_WITH_EXPIRED_PASSWORD"
	// CodeInvalidID: an id that names nothing of the right kind
	// (setPassword's userId).
	CodeInvalidID = "INVALID_ID_FIELD"
	CodeUnknown   = "UNKNOWN_EXCEPTION"

	// The browser login's own.
	CodeInvalidCode          = "INVALID_VERIFICATION_CODE"
	CodeChallengeExpired     = "VERIFICATION_EXPIRED"
	CodeCodeNotSent          = "VERIFICATION_CODE_NOT_SENT"
	CodeAlreadyHighAssurance = "ALREADY_HIGH_ASSURANCE"
	CodeInvalidPassword      = "INVALID_PASSWORD"

	// A valid session that may not do what it asks (Session says why).
	CodeSessionDenied = "SESSION_DENIED"

	// Credential changes.
	CodeNotPermitted = "INSUFFICIENT_ACCESS"
	// CodeHighAssuranceRequired: a Standard session asked for a setup area
	// whose identity-verification policy is Raise (Error.Area): it may step
	// up with two-factor and try again. (Block is CodeNotPermitted.)
	CodeHighAssuranceRequired = "HIGH_ASSURANCE_REQUIRED"
	CodeNoEmail               = "NO_EMAIL_ADDRESS"
	CodeTokenResetLimit       = "TOKEN_RESET_LIMIT"
	CodeMailNotSent           = "MAIL_NOT_SENT"
	CodeConcurrentChange      = "CONCURRENT_CHANGE"
	CodeNotSaved              = "NOT_SAVED"
	CodeMailNotConfigured     = "MAIL_NOT_CONFIGURED"
	CodeInvalidNewPassword    = "INVALID_NEW_PASSWORD"
	CodeResetRequestLimit     = "PASSWORD_RESET_LIMIT"   // "Forgot your password?" asked too often for one name
	CodeResetLinkExpired      = "PASSWORD_RESET_EXPIRED" // a reset link expired, used or replaced

	// OAuth client authentication (a connected app's id and secret).
	CodeUnknownClient = "INVALID_CLIENT_ID"
	CodeBadClient     = "INVALID_CLIENT"
	CodePublicClient  = "UNAUTHORIZED_CLIENT" // a public app asked for a grant only a confidential one has

	// Settings saved, but not yet copied onto every user.
	CodePartialSync = "PARTIAL_SYNC"
	// Some sessions are still open after a failure; the same request again
	// finishes the job.
	CodeSessionsNotEnded = "SESSIONS_NOT_ALL_ENDED"

	// Admin requests (Salesforce's StatusCode values where there is one).
	CodeRequiredField     = "REQUIRED_FIELD_MISSING"
	CodeInvalidField      = "FIELD_INTEGRITY_EXCEPTION"
	CodeInvalidTimeZone   = "INVALID_TIME_ZONE"
	CodeInvalidUsername   = "INVALID_USERNAME"
	CodeInvalidEmail      = "INVALID_EMAIL_ADDRESS"
	CodeDuplicateUsername = "DUPLICATE_USERNAME"
	CodeInvalidQuery      = "INVALID_QUERY_FILTER_OPERATOR"
	CodeInvalidLimit      = "INVALID_LIMIT"
	CodeNoKeyring         = "KEYRING_NOT_CONFIGURED"
	// CodeNoSuchLine: no login-history line is the one asked for (lgadmin
	// explain); such a refusal is also domain.ErrNotFound.
	CodeNoSuchLine = "NOT_FOUND"
)

// InvalidLoginMessage is Salesforce's one text for every wrong-credentials
// case, locked-out users included, so nobody learns which part was wrong.
const InvalidLoginMessage = "Invalid username, password, security token; or user locked out."

// UnknownMessage is what a client sees of a failure of ours.
const UnknownMessage = "An unexpected error occurred. Please try again."

// ReasonInternal is the login-history reason of a failure of ours.
const ReasonInternal policy.Reason = "INTERNAL_ERROR"

// ErrPartialSync: settings were saved but not every user carries them yet;
// running the sync again finishes the job.
var ErrPartialSync = &Error{Code: CodePartialSync,
	Message: "settings saved, but some users still carry the old ones; run the sync again"}

// Internal wraps a failure of ours (storage down, bad data): the client sees
// a generic message, the log sees the cause.
func Internal(err error) *Error {
	return &Error{Code: CodeUnknown, Message: UnknownMessage, Reason: ReasonInternal, cause: err}
}

// AsError returns err as an *Error, or an internal one wrapping it.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}

// ErrorCode is err's code: CodeUnknown for an error that is not an *Error,
// "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	return AsError(err).Code
}

// CheckNewPassword says what is wrong with pw as u's new password under
// the password policy p (the org's), every broken rule in one message, or
// nil: INVALID_NEW_PASSWORD. The common-password list is
// shared/passwords'. History is the caller's (it needs the stored hashes).
func CheckNewPassword(p policy.PasswordPolicy, pw string, u User) error {
	vs := p.Check(pw, policy.PasswordOwner{Username: u.Username, FirstName: u.FirstName, LastName: u.LastName}, passwords.Default())
	if len(vs) == 0 {
		return nil
	}
	return newPasswordRefused(vs)
}

// ReusedPassword is the INVALID_NEW_PASSWORD refusal of a password among
// the user's last p.History (policy.RuleReused): its message is
// p.ReusedViolation's.
func ReusedPassword(p policy.PasswordPolicy) *Error {
	return newPasswordRefused([]policy.PasswordViolation{p.ReusedViolation()})
}

// newPasswordRefused is the one refusal of the broken rules vs: the
// first one's rule is the reason, every message is shown.
func newPasswordRefused(vs []policy.PasswordViolation) *Error {
	msgs := make([]string, len(vs))
	for i, v := range vs {
		msgs[i] = v.Message
	}
	return &Error{Code: CodeInvalidNewPassword, Reason: policy.Reason(vs[0].Rule), Message: "The new password is not allowed. " + strings.Join(msgs, " ")}
}
