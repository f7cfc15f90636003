// Command web is the browser login: the login page, the verification-code
// and TOTP pages, the home page, logout and the idle-timeout refresh, and
// the settings and setup pages (security token, password, users).
package main

import (
	"context"
	"os"
	_ "time/tzdata" // login hours need every zone; provided.al2023 has no tz database

	"github.com/aws/aws-lambda-go/lambda"
	"loginguard/shared/app"
	"loginguard/shared/events/eventbridge"
	"loginguard/shared/mail/ses"
	"loginguard/shared/transport/web"
)

func main() {
	h, err := build(context.Background(), os.Getenv)
	app.ExitOnInitError(err)
	lambda.Start(h.Handle)
}

func build(ctx context.Context, getenv func(string) string) (*web.Handler, error) {
	d, err := app.FromEnv(ctx, getenv, app.WithTOTP, app.WithMailer(ses.FromConfig), app.WithEvents(eventbridge.FromConfig))
	if err != nil {
		return nil, err
	}
	return &web.Handler{Browser: d.Browser, Accounts: d.Accounts, Authz: d.Authz, Users: d.Store, Sessions: d.Sessions, Admin: d.Admin(), Log: d.Log, Metrics: d.Metrics}, nil
}
