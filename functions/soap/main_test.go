package main

import (
	"context"
	"testing"
)

func localEnv(t testing.TB) {
	for k, v := range map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
		"AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:1", "USERS_TABLE": "u", "SESSIONS_TABLE": "s", "HISTORY_TABLE": "h"} {
		t.Setenv(k, v)
	}
}

func TestBuildWiresTheHandler(t *testing.T) {
	localEnv(t)
	h, err := build(context.Background())
	if err != nil || h.Login == nil || h.Log == nil || h.Metrics == nil {
		t.Fatalf("build = %+v, %v", h, err)
	}
	t.Setenv("FAILURE_FLOOR", "forever")
	if _, err := build(context.Background()); err == nil {
		t.Fatal("a bad FAILURE_FLOOR must fail init with a clear error")
	}
}

// BenchmarkInit is the cold-start work of our code: configuration, AWS
// config and clients (budget: under 10 ms).
func BenchmarkInit(b *testing.B) {
	localEnv(b)
	for b.Loop() {
		if _, err := build(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
