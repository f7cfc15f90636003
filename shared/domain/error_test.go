package domain_test

import (
	"errors"
	"fmt"
	"testing"

	"loginguard/shared/domain"
)

func TestErrorsMatchByCodeAndKeepTheirCauseForTheLog(t *testing.T) {
	cause := errors.New("throttled")
	sent := &domain.Error{Code: domain.CodeMailNotSent, Message: "not sent"}
	tests := []struct {
		name     string
		err      error
		target   error
		matches  bool
		wantCode string
	}{
		{"a copy carrying a cause matches its sentinel", sent.Wrap(cause), sent, true, domain.CodeMailNotSent},
		{"a wrapped error matches through fmt.Errorf", fmt.Errorf("org x: %w", domain.ErrPartialSync), domain.ErrPartialSync, true, domain.CodePartialSync},
		{"another code does not match", sent, domain.ErrPartialSync, false, domain.CodeMailNotSent},
		{"a plain error is an internal one", cause, sent, false, domain.CodeUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errors.Is(tt.err, tt.target); got != tt.matches {
				t.Fatalf("errors.Is = %v; want %v", got, tt.matches)
			}
			if got := domain.ErrorCode(tt.err); got != tt.wantCode {
				t.Fatalf("code %s; want %s", got, tt.wantCode)
			}
		})
	}
	if e := domain.AsError(cause); e.Message != domain.UnknownMessage || !errors.Is(e, cause) {
		t.Fatalf("internal error %+v: the client sees the generic message, the log the cause", e)
	}
	if w := sent.Wrap(cause); w.Message != sent.Message || sent.Unwrap() != nil {
		t.Fatal("Wrap copies: the sentinel keeps no cause")
	}
	if domain.ErrorCode(nil) != "" {
		t.Fatal("nil has no code")
	}
}
