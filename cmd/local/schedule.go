package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"loginguard/internal/samtemplate"
)

// scheduledEvent is the event EventBridge sends a function on a Schedule
// rule: detail-type "Scheduled Event", the rule in resources, its time.
func scheduledEvent(fn, rule string, at time.Time) ([]byte, error) {
	var id [16]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"version": "0", "id": hex.EncodeToString(id[:]), "detail-type": "Scheduled Event", "source": "aws.events",
		"account": "000000000000", "time": at.UTC().Format(time.RFC3339), "region": "us-east-1",
		"resources": []string{"arn:aws:events:us-east-1:000000000000:rule/local-" + fn + rule}, "detail": map[string]any{},
	})
}

// scheduled is one Schedule event of a function, as serve runs it.
type scheduled struct {
	fn    string
	event samtemplate.Schedule
	every time.Duration
	pool  *pool
}

// schedulesOf lists the template's Schedule events. every overrides each
// rate (0 keeps the template's).
func schedulesOf(tpl *samtemplate.Template, pools map[string]*pool, every time.Duration) []scheduled {
	var out []scheduled
	for name, fn := range tpl.Functions {
		for _, s := range fn.Schedules {
			e := s.Every
			if every > 0 {
				e = every
			}
			out = append(out, scheduled{fn: name, event: s, every: e, pool: pools[name]})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].fn+out[i].event.Name < out[j].fn+out[j].event.Name })
	return out
}

// run invokes the function with a scheduled event every s.every until ctx
// ends, as EventBridge does (the first one a period after the start). A
// failed invocation is logged; the next one comes all the same.
func (s scheduled) run(ctx context.Context, log *slog.Logger) {
	t := time.NewTicker(s.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case at := <-t.C:
			ev, err := scheduledEvent(s.fn, s.event.Name, at)
			if err == nil {
				_, err = s.pool.invoke(ctx, ev)
			}
			if err != nil && ctx.Err() == nil {
				log.Error("scheduled invocation failed", "function", s.fn, "event", s.event.Name, "error", err.Error())
			}
		}
	}
}

func (s scheduled) String() string {
	if s.every != s.event.Every {
		return fmt.Sprintf("schedule %s -> %s every %s (the template says %s)", s.event.Name, s.fn, s.every, s.event.Expression)
	}
	return fmt.Sprintf("schedule %s -> %s every %s (%s)", s.event.Name, s.fn, s.every, s.event.Expression)
}
