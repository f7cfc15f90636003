// Package tokens issues security tokens: a new random token goes out by mail
// first, and only once the mail provider has accepted it does its digest
// replace the old one, so a failed send never leaves a user without a token.
package tokens

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"loginguard/shared/mail"
	"loginguard/shared/secret"
	"loginguard/shared/store"
)

// ErrNoEmail: the user has no email address, so no token can reach them.
var ErrNoEmail = errors.New("the user has no email address, so a security token cannot be sent")

// Store is what issuing a token needs of storage.
type Store interface {
	SetTokenHash(ctx context.Context, username, digest string) error
}

// Issuer makes and sends security tokens.
type Issuer struct {
	Store  Store
	Mailer mail.Mailer
	Rand   io.Reader
	Now    func() time.Time
}

// Issue sends user u a new security token and then makes it the only valid
// one. reason opens the mail ("You asked to reset your security token");
// from says where the request came from.
func (is *Issuer) Issue(ctx context.Context, u store.User, reason, from string) error {
	if u.Email == "" {
		return ErrNoEmail
	}
	if is.Mailer == nil {
		return errors.New("no mail sender is configured (SENDER_ADDRESS), so a security token cannot be sent")
	}
	tok, err := secret.NewToken(is.Rand)
	if err != nil {
		return err
	}
	msg, err := mail.SecurityToken(mail.TokenMail{
		To: u.Email, Name: u.FullName(), Username: u.Username, OrgName: u.Policy.OrgName,
		Token: tok, Reason: reason, At: is.Now(), From: from,
	})
	if err != nil {
		return err
	}
	if err := is.Mailer.Send(ctx, msg); err != nil {
		return fmt.Errorf("the new security token could not be sent, the old one still works: %w", err)
	}
	if err := is.Store.SetTokenHash(ctx, u.Username, secret.Digest(secret.PurposeToken, tok)); err != nil {
		return fmt.Errorf("the new security token was mailed but could not be saved; the old one still works, reset again: %w", err)
	}
	return nil
}
