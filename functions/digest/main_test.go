package main

import (
	"context"
	"strings"
	"testing"
)

// Without its key the function does not start: digests nobody can check
// are worth nothing, and an init error shows at once.
func TestInitNeedsTheDigestKey(t *testing.T) {
	env := map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}
	_, err := build(context.Background(), func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), "HISTORY_DIGEST_KMS_KEY is not set") {
		t.Fatalf("init without a key: %v", err)
	}
}
