package config

import (
	"net/netip"
	"testing"
	"time"

	"loginguard/shared/policy"
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
