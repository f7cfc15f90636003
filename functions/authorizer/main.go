// Command authorizer is the API Gateway Lambda authorizer other APIs attach:
// it applies the session checks to "Authorization: Bearer <sessionId>".
package main

import (
	"context"
	"os"
	_ "time/tzdata" // login hours need every zone; provided.al2023 has no tz database

	"github.com/aws/aws-lambda-go/lambda"

	"loginguard/shared/app"
	"loginguard/shared/transport/authorizer"
)

func main() {
	d, err := build(context.Background())
	app.ExitOnInitError(err)
	lambda.Start(d.Authorize)
}

func build(ctx context.Context) (*authorizer.Authorizer, error) {
	d, err := app.FromEnv(ctx, os.Getenv)
	if err != nil {
		return nil, err
	}
	return &authorizer.Authorizer{Login: d.Login, Log: d.Log, StepUpRoutes: d.Config.StepUpRoutes, SessionErrorRoutes: d.Config.SessionErrorRoutes}, nil
}
