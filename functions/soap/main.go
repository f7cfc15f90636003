// Command soap is the SOAP partner API login function:
// POST /services/Soap/u/{version}[/{orgId}] (login, logout, and with a
// session setPassword and getUserInfo).
package main

import (
	"context"
	"os"
	_ "time/tzdata" // login hours need every zone; provided.al2023 has no tz database

	"github.com/aws/aws-lambda-go/lambda"

	"loginguard/shared/app"
	"loginguard/shared/events/eventbridge"
	"loginguard/shared/mail/ses"
	"loginguard/shared/transport/soap"
)

func main() {
	h, err := build(context.Background())
	app.ExitOnInitError(err)
	lambda.Start(h.Handle)
}

func build(ctx context.Context) (*soap.Handler, error) {
	d, err := app.FromEnv(ctx, os.Getenv, app.WithTOTP, app.WithMailer(ses.FromConfig), app.WithEvents(eventbridge.FromConfig))
	if err != nil {
		return nil, err
	}
	return &soap.Handler{Login: d.Login, Passwords: d.Accounts, Users: d.Store, Log: d.Log, Metrics: d.Metrics}, nil
}
