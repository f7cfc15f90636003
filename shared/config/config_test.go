package config

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"loginguard/shared/policy"
)

func TestLoad(t *testing.T) {
	env := map[string]string{"USERS_TABLE": "prod-users", "FAILURE_FLOOR": "100ms", "LOG_LEVEL": "debug", "SENDER_ADDRESS": "a@b.example",
		"AWS_ENDPOINT_URL_KMS": "http://127.0.0.1:8006", "ID_TOKEN_KMS_KEY": " arn:aws:kms:us-east-1:000000000000:key/k "}
	c, err := Load(func(k string) string { return env[k] })
	if err != nil || c.KMSEndpoint != "http://127.0.0.1:8006" || c.IDTokenKMSKey != "arn:aws:kms:us-east-1:000000000000:key/k" || c.Tables.Users != "prod-users" || c.Tables.Orgs != "loginguard-dev-orgs" || c.FailureFloor != 100*time.Millisecond || c.Sender != "a@b.example" {
		t.Fatalf("Load = %+v, %v", c, err)
	}
	c, _ = Load(func(string) string { return "" })
	if c.FailureFloor != DefaultFailureFloor {
		t.Fatal("default failure floor")
	}
	if c.FixedFloor || c.Throttle.Limit != policy.DefaultSourceThrottle.Limit || c.Throttle.Window != policy.DefaultSourceThrottle.Window {
		t.Fatalf("defaults: fixed floor %v, throttle %+v", c.FixedFloor, c.Throttle)
	}
	env = map[string]string{"FAILURE_FLOOR_MODE": "fixed", "SOURCE_FAILURE_LIMIT": "0", "SOURCE_FAILURE_WINDOW": "30m", "SOURCE_EXEMPT_RANGES": "10.0.0.0-10.0.0.255"}
	c, err = Load(func(k string) string { return env[k] })
	if err != nil || !c.FixedFloor || c.Throttle.On() || c.Throttle.Window != 30*time.Minute || !c.Throttle.Exempt.Contains(netip.MustParseAddr("10.0.0.9")) {
		t.Fatalf("Load = %+v, %v", c, err)
	}
	for k, v := range map[string]string{"FAILURE_FLOOR": "10s", "LOG_LEVEL": "chatty", "FAILURE_FLOOR_MODE": "random",
		"SOURCE_FAILURE_LIMIT": "-1", "SOURCE_FAILURE_WINDOW": "1s", "SOURCE_EXEMPT_RANGES": "10.0.0.300"} {
		if _, err := Load(func(key string) string {
			if key == k {
				return v
			}
			return ""
		}); err == nil {
			t.Errorf("%s=%s accepted", k, v)
		}
	}
}

func TestTheFunctionsAWSConfigurationComesFromLambdasEnvironment(t *testing.T) {
	env := map[string]string{"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret",
		"AWS_SESSION_TOKEN": "session", "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:4567"}
	cfg := awsFrom(func(k string) string { return env[k] })
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil || creds.AccessKeyID != "AKIDEXAMPLE" || creds.SecretAccessKey != "secret" || creds.SessionToken != "session" {
		t.Errorf("credentials %+v, %v", creds, err)
	}
	if cfg.Region != "eu-west-1" || cfg.Retryer == nil || cfg.HTTPClient == nil {
		t.Errorf("config %+v", cfg)
	}
	// Each service client finds its own endpoint; one without is AWS's.
	db := dynamodb.NewFromConfig(cfg)
	if got := db.Options().BaseEndpoint; got == nil || *got != "http://127.0.0.1:4567" {
		t.Errorf("DynamoDB endpoint %v", got)
	}
	if got := sesv2.NewFromConfig(cfg).Options().BaseEndpoint; got != nil {
		t.Errorf("SESv2 endpoint %q with none set", *got)
	}
	env["AWS_ENDPOINT_URL_SESV2"] = "http://127.0.0.1:4568"
	if got := sesv2.NewFromConfig(cfg).Options().BaseEndpoint; got == nil || *got != "http://127.0.0.1:4568" {
		t.Errorf("SESv2 endpoint %v", got)
	}

	delete(env, "AWS_REGION")
	env["AWS_DEFAULT_REGION"] = "us-west-2"
	if cfg := awsFrom(func(k string) string { return env[k] }); cfg.Region != "us-west-2" {
		t.Errorf("AWS_DEFAULT_REGION: %q", cfg.Region)
	}
	// Missing credentials fail the first call that signs, saying what is missing.
	delete(env, "AWS_SECRET_ACCESS_KEY")
	if _, err := awsFrom(func(k string) string { return env[k] }).Credentials.Retrieve(context.Background()); err == nil || !strings.Contains(err.Error(), "AWS_SECRET_ACCESS_KEY") {
		t.Errorf("no credentials: %v", err)
	}
}
