// Command oauth is the OAuth 2.0 function: the username-password token flow,
// the id URL, userinfo and revoke.
package main

import (
	"context"
	"log/slog"
	"os"
	_ "time/tzdata" // login hours need every zone; provided.al2023 has no tz database

	"github.com/aws/aws-lambda-go/lambda"

	"loginguard/shared/app"
	"loginguard/shared/config"
	"loginguard/shared/transport/oauth"
)

func main() {
	h, err := build(context.Background())
	if err != nil {
		slog.New(slog.NewJSONHandler(os.Stderr, nil)).Error("init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}

func build(ctx context.Context) (*oauth.Handler, error) {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return nil, err
	}
	d, err := app.New(ctx, cfg, app.WithTOTP)
	if err != nil {
		return nil, err
	}
	return &oauth.Handler{Login: d.Login, Store: d.Store, Log: d.Log, Metrics: d.Metrics}, nil
}
