// Command authz is a test Lambda authorizer: "Bearer good" is allowed (with
// a context the backend should see), anything else denied.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(ctx context.Context, ev events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
		if len(ev.IdentitySource) == 1 && ev.IdentitySource[0] == "Bearer good" && ev.Type == "REQUEST" {
			return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true,
				Context: map[string]interface{}{"who": "alice", "route": ev.RouteKey}}, nil
		}
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: false}, nil
	})
}
