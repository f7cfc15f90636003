package web

import (
	"net/http"

	"loginguard/shared/domain"
)

// pageError is how the pages show one domain code: the status of the page
// that shows it (0: the page's usual one), the wording of every page where
// it differs from the public message, and that of the login pages, where
// Salesforce's login page differs from its API.
type pageError struct {
	status int
	page   string
	login  string
}

// browserInvalidLogin is the login page's one text for every wrong
// credential (the API's is domain.InvalidLoginMessage).
const browserInvalidLogin = "Please check your username and password. If you still can't log in, contact your administrator. (Invalid username or password; or user locked out.)"

// pageErrors is the one table from a domain code to its HTTP status and
// page wording, as wtf's http.ErrorStatusCode does; a code not listed shows
// its public message on the page's usual status.
var pageErrors = map[string]pageError{
	domain.CodeUnknown:              {status: http.StatusServiceUnavailable},
	domain.CodeInvalidLogin:         {login: browserInvalidLogin},
	domain.CodeMustUseSecurityToken: {login: browserInvalidLogin},
	domain.CodeInvalidSession:       {status: http.StatusUnauthorized},
	domain.CodeSessionDenied: {status: http.StatusForbidden,
		page: "Your login hours have ended: this session may still read, but not change anything."},
	domain.CodeNotPermitted:          {status: http.StatusForbidden},
	domain.CodeHighAssuranceRequired: {status: http.StatusForbidden},
	domain.CodeTokenResetLimit:       {status: http.StatusTooManyRequests},
	domain.CodeResetRequestLimit:     {status: http.StatusTooManyRequests},
	domain.CodeRequestLimit:          {status: http.StatusTooManyRequests},
	domain.CodeMailNotSent:           {status: http.StatusServiceUnavailable},
	domain.CodeMailNotConfigured:     {status: http.StatusServiceUnavailable},
	domain.CodeNotSaved:              {status: http.StatusServiceUnavailable},
}

// statusOf is the HTTP status of a page showing err; usual when its code
// has none of its own.
func statusOf(err error, usual int) int {
	if s := pageErrors[domain.ErrorCode(err)].status; s != 0 {
		return s
	}
	return usual
}

// pageMessage is what a page says of err.
func pageMessage(err error) string {
	e := domain.AsError(err)
	if m := pageErrors[e.Code].page; m != "" {
		return m
	}
	return e.Message
}

// loginMessage is what the login pages say of err.
func loginMessage(err error) string {
	if m := pageErrors[domain.ErrorCode(err)].login; m != "" {
		return m
	}
	return pageMessage(err)
}

// changeFailed is what a page says of a credential change that failed in a
// way nobody caused (a failure of ours).
const changeFailed = "Something went wrong, and nothing was changed. Try again in a moment."
