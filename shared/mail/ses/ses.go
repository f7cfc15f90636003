// Package ses sends mail with Amazon SES v2 (SendEmail).
package ses

import (
	"context"
	"errors"
	"fmt"
	netmail "net/mail"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"loginguard/shared/mail"
)

// API is the part of the SESv2 client the sender uses.
type API interface {
	SendEmail(context.Context, *sesv2.SendEmailInput, ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// Sender sends mail from one address.
type Sender struct {
	api  API
	from string
}

// New returns a Sender; from must be an address of a verified SES identity.
func New(api API, from string) (*Sender, error) {
	if from == "" {
		return nil, errors.New("ses: no sender address")
	}
	if _, err := netmail.ParseAddress(from); err != nil {
		return nil, fmt.Errorf("ses: sender address %q (SENDER_ADDRESS) is not an email address: %w", from, err)
	}
	return &Sender{api: api, from: from}, nil
}

// Send sends m. A nil error means SES accepted the message.
func (s *Sender) Send(ctx context.Context, m mail.Message) error {
	utf8 := aws.String("UTF-8")
	_, err := s.api.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: &s.from,
		Destination:      &types.Destination{ToAddresses: []string{m.To}},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: &m.Subject, Charset: utf8},
			Body: &types.Body{
				Text: &types.Content{Data: &m.Text, Charset: utf8},
				Html: &types.Content{Data: &m.HTML, Charset: utf8},
			},
		}},
	})
	if err != nil {
		return fmt.Errorf("ses: sending mail: %w", err)
	}
	return nil
}

// FromConfig is the sender on a SESv2 client of cfg: what app.WithMailer
// takes, so that only the processes that mail link the SESv2 client.
func FromConfig(cfg aws.Config, from string) (mail.Mailer, error) {
	return New(sesv2.NewFromConfig(cfg), from)
}
