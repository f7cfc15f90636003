package config

import (
	"testing"
	"time"
)

func TestLoad(t *testing.T) {
	env := map[string]string{"USERS_TABLE": "prod-users", "FAILURE_FLOOR": "100ms", "LOG_LEVEL": "debug", "SENDER_ADDRESS": "a@b.example",
		"AWS_ENDPOINT_URL_KMS": "http://127.0.0.1:8006"}
	c, err := Load(func(k string) string { return env[k] })
	if err != nil || c.KMSEndpoint != "http://127.0.0.1:8006" || c.Tables.Users != "prod-users" || c.Tables.Orgs != "loginguard-dev-orgs" || c.FailureFloor != 100*time.Millisecond || c.Sender != "a@b.example" {
		t.Fatalf("Load = %+v, %v", c, err)
	}
	c, _ = Load(func(string) string { return "" })
	if c.FailureFloor != DefaultFailureFloor {
		t.Fatal("default failure floor")
	}
	for k, v := range map[string]string{"FAILURE_FLOOR": "10s", "LOG_LEVEL": "chatty"} {
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
