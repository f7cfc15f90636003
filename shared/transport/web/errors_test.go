package web

import (
	"errors"
	"net/http"
	"testing"

	"loginguard/shared/domain"
)

func TestEachDomainCodeHasOnePageForm(t *testing.T) {
	invalid := &domain.Error{Code: domain.CodeInvalidLogin, Message: domain.InvalidLoginMessage}
	tests := []struct {
		name            string
		err             error
		usual, status   int
		page, loginPage string
	}{
		{"a wrong password reads as the browser's text on the login page only", invalid, 200, 200,
			domain.InvalidLoginMessage, browserInvalidLogin},
		{"a failure of ours is 503 with the generic text", errors.New("dynamo down"), 200, 503,
			domain.UnknownMessage, domain.UnknownMessage},
		{"a denied session is 403 with the login-hours text", &domain.Error{Code: domain.CodeSessionDenied, Message: "x"}, 200, 403,
			pageErrors[domain.CodeSessionDenied].page, pageErrors[domain.CodeSessionDenied].page},
		{"too many token resets is 429", &domain.Error{Code: domain.CodeTokenResetLimit, Message: "wait"}, 200, http.StatusTooManyRequests,
			"wait", "wait"},
		{"a code without a form of its own keeps the page's status", &domain.Error{Code: domain.CodeInvalidNewPassword, Message: "short"}, 200, 200,
			"short", "short"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := statusOf(tt.err, tt.usual); got != tt.status {
				t.Errorf("status %d; want %d", got, tt.status)
			}
			if got := pageMessage(tt.err); got != tt.page {
				t.Errorf("page says %q; want %q", got, tt.page)
			}
			if got := loginMessage(tt.err); got != tt.loginPage {
				t.Errorf("login page says %q; want %q", got, tt.loginPage)
			}
		})
	}
}
