// Command whoami is a sample protected function behind the session
// authorizer: it echoes who you are (GET/POST /api/{proxy+}).
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"loginguard/shared/transport/authorizer"
)

func main() { lambda.Start(authorizer.Whoami) }
