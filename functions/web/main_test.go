package main

import (
	"context"
	"testing"
)

func localEnv(t testing.TB) map[string]string {
	env := map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
		"AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:1", "AWS_ENDPOINT_URL_SESV2": "http://127.0.0.1:1",
		"USERS_TABLE": "u", "SESSIONS_TABLE": "s", "HISTORY_TABLE": "h", "SENDER_ADDRESS": "no-reply@example.com"}
	for k, v := range env {
		t.Setenv(k, v)
	}
	return env
}

func TestBuildWiresTheHandler(t *testing.T) {
	env := localEnv(t)
	h, err := build(context.Background(), func(k string) string { return env[k] })
	if err != nil || h.Browser == nil || h.Accounts == nil || h.Browser.Mailer == nil || h.Accounts.Mailer == nil || h.Users == nil {
		t.Fatalf("build = %+v, %v", h, err)
	}
	env["SENDER_ADDRESS"] = "not an address"
	if _, err := build(context.Background(), func(k string) string { return env[k] }); err == nil {
		t.Fatal("a bad SENDER_ADDRESS must fail init with a clear error")
	}
}

// BenchmarkInit is the cold-start work of our code: configuration, AWS
// config, DynamoDB and SESv2 clients, the page templates (budget: under 10 ms).
func BenchmarkInit(b *testing.B) {
	env := localEnv(b)
	for b.Loop() {
		if _, err := build(context.Background(), func(k string) string { return env[k] }); err != nil {
			b.Fatal(err)
		}
	}
}
