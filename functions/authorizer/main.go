// Command authorizer is the API Gateway Lambda authorizer other APIs attach:
// it applies the session checks to "Authorization: Bearer <sessionId>".
package main

import (
	"context"
	"log/slog"
	"os"
	_ "time/tzdata" // login hours need every zone; provided.al2023 has no tz database

	"github.com/aws/aws-lambda-go/lambda"

	"loginguard/shared/app"
	"loginguard/shared/config"
	"loginguard/shared/transport/authorizer"
)

func main() {
	d, err := build(context.Background())
	if err != nil {
		slog.New(slog.NewJSONHandler(os.Stderr, nil)).Error("init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(d.Authorize)
}

func build(ctx context.Context) (*authorizer.Authorizer, error) {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return nil, err
	}
	d, err := app.New(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &authorizer.Authorizer{Login: d.Login, Log: d.Log, StepUpRoutes: d.Config.StepUpRoutes}, nil
}
