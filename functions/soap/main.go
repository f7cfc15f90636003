// Command soap is the SOAP partner API login function:
// POST /services/Soap/u/{version} (login, logout).
package main

import (
	"context"
	"crypto/rand"
	"log/slog"
	"os"
	"time"
	_ "time/tzdata" // login hours need every zone; provided.al2023 has no tz database

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"loginguard/shared/config"
	"loginguard/shared/login"
	"loginguard/shared/metrics"
	"loginguard/shared/secret"
	"loginguard/shared/soapapi"
	"loginguard/shared/store/dynamo"
)

func main() {
	h, err := build(context.Background())
	if err != nil {
		slog.New(slog.NewJSONHandler(os.Stderr, nil)).Error("init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}

func build(ctx context.Context) (*soapapi.Handler, error) {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	awsCfg, err := config.AWS(ctx)
	if err != nil {
		return nil, err
	}
	svc := &login.Service{
		Store:        dynamo.New(dynamodb.NewFromConfig(awsCfg), cfg.Tables),
		Rand:         rand.Reader,
		Now:          time.Now,
		Params:       secret.DefaultParams,
		FailureFloor: cfg.FailureFloor,
		Log:          log,
	}
	return &soapapi.Handler{Login: svc, Log: log, Metrics: metrics.New(os.Stdout)}, nil
}
