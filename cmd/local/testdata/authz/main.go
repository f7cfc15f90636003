// Command authz is a test Lambda authorizer: "Bearer good" is allowed (with
// a context the backend should see), "Bearer route-bound ..." only on
// routes that do not end in /other (so a reused answer shows), anything
// else denied.
package main

import (
	"context"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(ctx context.Context, ev events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
		good := len(ev.IdentitySource) == 1 && ev.IdentitySource[0] == "Bearer good"
		bound := len(ev.IdentitySource) == 1 && strings.HasPrefix(ev.IdentitySource[0], "Bearer route-bound") && !strings.HasSuffix(ev.RouteKey, "/other")
		if (good || bound) && ev.Type == "REQUEST" {
			return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true,
				Context: map[string]interface{}{"who": "alice", "route": ev.RouteKey}}, nil
		}
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: false}, nil
	})
}
