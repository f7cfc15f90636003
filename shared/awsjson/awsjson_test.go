package awsjson_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"loginguard/shared/awsjson"
	"loginguard/shared/config"
)

func TestRegionEndpoints(t *testing.T) {
	for _, tc := range []struct{ service, region, want string }{
		{"events", "eu-west-3", "https://events.eu-west-3.amazonaws.com"},
		{"kms", "us-east-1", "https://kms.us-east-1.amazonaws.com"},
		{"events", "cn-north-1", "https://events.cn-north-1.amazonaws.com.cn"},
	} {
		if got := awsjson.RegionEndpoint(tc.service, tc.region); got != tc.want {
			t.Errorf("RegionEndpoint(%s, %s) = %s; want %s", tc.service, tc.region, got, tc.want)
		}
	}
}

// A service's endpoint is found where its SDK client would find it: its
// own variable, else the configuration's base endpoint, else none (the
// region's).
func TestConfiguredEndpoint(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL_EVENTBRIDGE", "http://127.0.0.1:4010")
	t.Setenv("AWS_ENDPOINT_URL_KMS", "")
	cfg, err := config.AWS(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := awsjson.ConfiguredEndpoint(context.Background(), cfg, "EventBridge"); got != "http://127.0.0.1:4010" {
		t.Errorf("EventBridge's endpoint %q; want AWS_ENDPOINT_URL_EVENTBRIDGE's", got)
	}
	if got := awsjson.ConfiguredEndpoint(context.Background(), cfg, "KMS"); got != "" {
		t.Errorf("KMS's endpoint %q; want none", got)
	}
	cfg.BaseEndpoint = aws.String("http://127.0.0.1:4566")
	if got := awsjson.ConfiguredEndpoint(context.Background(), cfg, "KMS"); got != "http://127.0.0.1:4566" {
		t.Errorf("KMS's endpoint %q; want the base endpoint", got)
	}
}
