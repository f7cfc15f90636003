// Package apptest builds the application for tests the way the functions
// build it (shared/app), on a test's DynamoDB client and tables. It lives
// apart from testenv, which packages under test import from their own
// in-package tests, so that it may import every use case.
package apptest

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"loginguard/shared/app"
	"loginguard/shared/config"
	"loginguard/shared/mail"
	"loginguard/shared/store/dynamo"
)

// New is app.New on db and tables, with opts (app.WithClock, WithParams,
// WithSleep, Mailer...).
func New(t testing.TB, db dynamo.API, tables dynamo.Tables, cfg config.Config, opts ...app.Option) *app.App {
	t.Helper()
	cfg.Tables = config.Tables(tables)
	if cfg.Sender == "" {
		cfg.Sender = "no-reply@test.example" // the mailer (Mailer) is built only for a sender
	}
	a, err := app.New(context.Background(), cfg, append([]app.Option{app.WithDynamoDB(db)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Mailer gives the application m (a test's sender) as its mailer.
func Mailer(m mail.Mailer) app.Option {
	return app.WithMailer(func(aws.Config, string) (mail.Mailer, error) { return m, nil })
}
