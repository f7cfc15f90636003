// Command soap is the SOAP partner API login function:
// POST /services/Soap/u/{version} (login, logout).
package main

import (
	"context"
	"log/slog"
	"os"
	_ "time/tzdata" // login hours need every zone; provided.al2023 has no tz database

	"github.com/aws/aws-lambda-go/lambda"

	"loginguard/shared/app"
	"loginguard/shared/config"
	"loginguard/shared/transport/soap"
)

func main() {
	h, err := build(context.Background())
	if err != nil {
		slog.New(slog.NewJSONHandler(os.Stderr, nil)).Error("init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}

func build(ctx context.Context) (*soap.Handler, error) {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return nil, err
	}
	d, err := app.New(ctx, cfg, app.WithTOTP)
	if err != nil {
		return nil, err
	}
	return &soap.Handler{Login: d.Login, Log: d.Log, Metrics: d.Metrics}, nil
}
