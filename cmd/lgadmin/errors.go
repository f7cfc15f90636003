package main

import (
	"errors"

	"loginguard/shared/admin"
	"loginguard/shared/domain"
)

// usageError is a mistake in the command line: exit code 2 and a hint.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// flagRefusals are the admin use case's refusals that a command line
// causes by a flag: said as the flag's mistake.
var flagRefusals = []struct {
	err  *domain.Error
	says error
}{
	{admin.ErrNameRequired, usageError{"--name is required"}},
	{admin.ErrOneSubject, usageError{"give exactly one of --user, --tried, --org"}},
	{admin.ErrLimit, usageError{"--limit must be from 1 to 1000"}},
	{admin.ErrNoKeyring, errNoKeyring},
}

var errNoKeyring = errors.New("KEYRING_KMS_KEY is not set: give the CLI the KMS key the functions use (the stack's KeyringKey ARN)")

func cliError(err error) error {
	for _, r := range flagRefusals {
		if errors.Is(err, r.err) {
			return r.says
		}
	}
	return err
}

// byMessage are the codes of what an admin typed wrong (the admin use
// case's refusals): the CLI says them by their message alone.
var byMessage = map[string]bool{
	domain.CodeRequiredField: true, domain.CodeInvalidField: true, domain.CodeInvalidUsername: true,
	domain.CodeInvalidEmail: true, domain.CodeDuplicateUsername: true, domain.CodeInvalidNewPassword: true,
}

// errorText is how the CLI says err; anything but the admin's own
// mistakes comes whole, code and cause included, for whoever runs it.
func errorText(err error) string {
	if e, ok := err.(*domain.Error); ok && byMessage[e.Code] {
		return e.Message
	}
	return err.Error()
}
