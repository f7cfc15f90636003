package main

import (
	"context"
	"testing"
)

func TestBuildWiresTheHandler(t *testing.T) {
	for k, v := range map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
		"AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:1", "USERS_TABLE": "u", "ORGS_TABLE": "o"} {
		t.Setenv(k, v)
	}
	h, err := build(context.Background())
	if err != nil || h.Users == nil || h.Admin == nil || h.Log == nil {
		t.Fatalf("build = %+v, %v", h, err)
	}
}
