// Command oauth is the OAuth 2.0 function: the username-password token flow,
// the id URL, userinfo and revoke, and OpenID Connect's discovery document
// and key set.
package main

import (
	"context"
	"os"
	_ "time/tzdata" // login hours need every zone; provided.al2023 has no tz database

	"github.com/aws/aws-lambda-go/lambda"

	"loginguard/shared/app"
	"loginguard/shared/events/eventbridge"
	"loginguard/shared/transport/oauth"
)

func main() {
	h, err := build(context.Background())
	app.ExitOnInitError(err)
	lambda.Start(h.Handle)
}

func build(ctx context.Context) (*oauth.Handler, error) {
	d, err := app.FromEnv(ctx, os.Getenv, app.WithTOTP, app.WithIDTokens, app.WithEvents(eventbridge.FromConfig))
	if err != nil {
		return nil, err
	}
	if d.IDTokens != nil {
		d.Authz.IDTokens = oauth.Minter{Signer: d.IDTokens}
	}
	return &oauth.Handler{Login: d.Login, Authz: d.Authz, Store: d.Store, Log: d.Log, Metrics: d.Metrics, IDTokens: d.IDTokens}, nil
}
