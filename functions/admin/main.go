// Command admin is the admin API behind the session authorizer: JSON under
// /services/admin/v1, on the admin use case lgadmin runs.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"loginguard/shared/app"
	"loginguard/shared/mail/ses"
	"loginguard/shared/transport/adminapi"
)

func main() {
	h, err := build(context.Background())
	app.ExitOnInitError(err)
	lambda.Start(h.Handle)
}

func build(ctx context.Context) (*adminapi.Handler, error) {
	// The mailer: a new user's first security token, a token reset and a
	// password reset link go by SES.
	d, err := app.FromEnv(ctx, os.Getenv, app.WithMailer(ses.FromConfig))
	if err != nil {
		return nil, err
	}
	return &adminapi.Handler{Users: d.Store, Admin: d.Admin(), Log: d.Log}, nil
}
