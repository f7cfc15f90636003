// Command panic is a test function that always panics.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(ctx context.Context, ev map[string]any) (map[string]any, error) {
		panic("boom")
	})
}
