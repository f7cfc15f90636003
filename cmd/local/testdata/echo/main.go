// Command echo is a test function: it answers with the event it got and a
// few environment variables, after sleeping as long as ?sleep= asks.
package main

import (
	"context"
	"encoding/json"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		if d, err := time.ParseDuration(ev.QueryStringParameters["sleep"]); err == nil {
			time.Sleep(d)
		}
		env := map[string]string{}
		for _, k := range []string{"TABLE", "GLOBAL_VAR", "OVERRIDDEN", "LIMIT", "LIMIT_OVERRIDDEN", "UNSET", "SENTINEL_FROM_TEST", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_ENDPOINT_URL_DYNAMODB"} {
			if v, ok := os.LookupEnv(k); ok {
				env[k] = v
			}
		}
		b, _ := json.Marshal(map[string]any{"event": ev, "env": env})
		return events.APIGatewayV2HTTPResponse{StatusCode: 201, Body: string(b),
			Headers: map[string]string{"Content-Type": "application/json"},
			Cookies: []string{"a=1; Path=/", "b=2; Path=/; HttpOnly"}}, nil
	})
}
