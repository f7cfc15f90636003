// Command data is the REST API's identity resources behind the session
// authorizer: GET /services/data, /services/data/{version} and the User
// record and two queries under it.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"loginguard/shared/app"
	"loginguard/shared/transport/data"
)

func main() {
	h, err := build(context.Background())
	app.ExitOnInitError(err)
	lambda.Start(h.Handle)
}

func build(ctx context.Context) (*data.Handler, error) {
	d, err := app.FromEnv(ctx, os.Getenv)
	if err != nil {
		return nil, err
	}
	return &data.Handler{Store: d.Store, Log: d.Log}, nil
}
