package login

import (
	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

// publicErrors is the public code and message of each policy reason a login
// is refused for; a reason not listed answers as INVALID_LOGIN.
var publicErrors = map[policy.Reason]struct{ code, msg string }{
	policy.ReasonInvalidCredentials: {domain.CodeInvalidLogin, domain.InvalidLoginMessage},
	policy.ReasonUnknownUser:        {domain.CodeInvalidLogin, domain.InvalidLoginMessage},
	policy.ReasonUserInactive:       {domain.CodeInvalidLogin, domain.InvalidLoginMessage},
	policy.ReasonUserLocked:         {domain.CodeInvalidLogin, domain.InvalidLoginMessage},
	policy.ReasonMustUseSecurityToken: {domain.CodeMustUseSecurityToken, domain.InvalidLoginMessage +
		" Are you at a new location? When accessing the service from outside of your company's trusted networks, you must add a security token to your password to log in. To get a new token, reset your security token in your personal settings."},
	policy.ReasonRestrictedTime:     {domain.CodeRestrictedTime, "Your login hours do not allow a login at this time."},
	policy.ReasonRestrictedDomain:   {domain.CodeRestrictedDomain, "Your profile does not allow a login from this IP address."},
	policy.ReasonAPIDisabled:        {domain.CodeAPIDisabled, "API is disabled for this User"},
	policy.ReasonChallengeExpired:   {domain.CodeChallengeExpired, "Your verification has expired or was already used. Log in again."},
	policy.ReasonPasswordExpired:    {domain.CodePasswordExpired, "Your password has expired. Log in on the login page, or through the SOAP API and its setPassword call, to choose a new one."},
	policy.ReasonHighAssuranceLogin: {domain.CodeHighAssuranceLogin, "Your profile requires a High Assurance session at login. Log in with a method your org rates High Assurance (two-factor authentication)."},
}

func denied(r policy.Reason) *domain.Error {
	p, ok := publicErrors[r]
	if !ok {
		return &domain.Error{Code: domain.CodeInvalidLogin, Message: domain.InvalidLoginMessage, Reason: r}
	}
	return &domain.Error{Code: p.code, Message: p.msg, Reason: r}
}

// internal wraps a failure of ours (storage down, bad data).
func internal(err error) *domain.Error { return domain.Internal(err) }

// ErrInvalidSession is the answer for a missing, ended or expired session.
var ErrInvalidSession = &domain.Error{Code: domain.CodeInvalidSession, Message: "Invalid Session ID found in SessionHeader: Illegal Session", Reason: "INVALID_SESSION"}

// sessionDenied is a valid session that may not do what it asks (act after
// login hours, reach a High Assurance resource); d says why.
func sessionDenied(d policy.SessionDecision) *domain.Error {
	return &domain.Error{Code: domain.CodeSessionDenied, Message: "This session may not make this request.",
		Reason: d.Reason, Session: d}
}

// ErrPasswordExpiredSession answers any use but setPassword of a session
// opened on an expired password, in Salesforce's words.
var ErrPasswordExpiredSession = &domain.Error{Code: domain.CodeExpiredPasswordOperation, Reason: policy.ReasonSessionPasswordExpired,
	Message: "The users password has expired, you must call SetPassword before attempting any other API operations"}
