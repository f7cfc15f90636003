// Command authorizer is the API Gateway Lambda authorizer other APIs attach:
// it applies the session checks to "Authorization: Bearer <sessionId>".
package main

import (
	"context"
	"log/slog"
	"os"
	_ "time/tzdata" // login hours need every zone; provided.al2023 has no tz database

	"github.com/aws/aws-lambda-go/lambda"

	"loginguard/shared/deps"
	"loginguard/shared/transport/authorizer"
)

func main() {
	d, err := deps.Build(context.Background(), os.Getenv)
	if err != nil {
		slog.New(slog.NewJSONHandler(os.Stderr, nil)).Error("init failed", "error", err.Error())
		os.Exit(1)
	}
	a := &authorizer.Authorizer{Login: d.Login, Log: d.Log, StepUpRoutes: d.Config.StepUpRoutes}
	lambda.Start(a.Authorize)
}
