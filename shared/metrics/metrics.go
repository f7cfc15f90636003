// Package metrics writes CloudWatch embedded-metric-format lines: one JSON
// object per event on the function's log stream, which CloudWatch turns into
// metrics without an API call.
package metrics

import (
	"encoding/json"
	"io"
	"sync"
	"time"
)

// Namespace of every metric the service emits.
const Namespace = "loginguard"

// Emitter writes metric lines to w (stdout in Lambda).
type Emitter struct {
	mu sync.Mutex
	w  io.Writer
}

// New returns an Emitter writing to w.
func New(w io.Writer) *Emitter { return &Emitter{w: w} }

// LoginOutcome records one login: a count of 1 under the dimensions
// LoginType and Outcome (the reason code), the duration in milliseconds,
// and the argon2id hashes it computed (secret.Hashes across the login: 0
// for a throttled source's refusal, 1 for nearly every other).
func (e *Emitter) LoginOutcome(at time.Time, loginType, outcome string, took time.Duration, hashes uint64) error {
	line := map[string]any{
		"_aws": map[string]any{
			"Timestamp": at.UnixMilli(),
			"CloudWatchMetrics": []any{map[string]any{
				"Namespace":  Namespace,
				"Dimensions": [][]string{{"LoginType", "Outcome"}},
				"Metrics": []any{
					map[string]string{"Name": "Logins", "Unit": "Count"},
					map[string]string{"Name": "LoginDuration", "Unit": "Milliseconds"},
					map[string]string{"Name": "PasswordHashes", "Unit": "Count"},
				},
			}},
		},
		"LoginType":      loginType,
		"Outcome":        outcome,
		"Logins":         1,
		"LoginDuration":  float64(took.Microseconds()) / 1000,
		"PasswordHashes": hashes,
	}
	b, err := json.Marshal(line)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	_, err = e.w.Write(append(b, '\n'))
	return err
}
