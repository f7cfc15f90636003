// Package eventbridge publishes security events (shared/events) to an
// EventBridge bus with PutEvents, over EventBridge's JSON protocol signed
// with SigV4 (shared/awsjson), in a fraction of the SDK client's size.
package eventbridge

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"

	"loginguard/shared/awsjson"
	"loginguard/shared/events"
)

// service is EventBridge as shared/awsjson speaks to it.
var service = awsjson.Service{Name: "events", Target: "AWSEvents", Retry: []string{"InternalException"}}

// Publisher puts each event on one bus. It is safe for concurrent use.
type Publisher struct {
	aws *awsjson.Client
	bus string
}

// New is a Publisher on bus ("default" is the account's default bus)
// with cfg's region, credentials and HTTP client; endpoint is
// EventBridge's URL or "" for the region's.
func New(cfg aws.Config, bus, endpoint string) (*Publisher, error) {
	if bus == "" {
		return nil, errors.New("eventbridge: no bus name")
	}
	c, err := awsjson.New(cfg, service, endpoint)
	if err != nil {
		return nil, err
	}
	return &Publisher{aws: c, bus: bus}, nil
}

// FromConfig is a Publisher on bus at the endpoint cfg gives EventBridge
// (AWS_ENDPOINT_URL_EVENTBRIDGE, as the SDK's client would read it), else
// the region's.
func FromConfig(cfg aws.Config, bus string) (events.Publisher, error) {
	return New(cfg, bus, awsjson.ConfiguredEndpoint(context.Background(), cfg, "EventBridge"))
}

// entry is one PutEvents request entry, as the SDK's client sent it.
type entry struct {
	Detail       string
	DetailType   string
	EventBusName string
	Source       string
	Time         float64 `json:",omitempty"` // epoch seconds, to the millisecond
}

// Publish implements events.Publisher: one PutEvents of one entry. An
// entry EventBridge refused (the call succeeds) is an error too.
func (p *Publisher) Publish(ctx context.Context, e events.Event) error {
	detail, err := e.JSON()
	if err != nil {
		return err
	}
	en := entry{Detail: string(detail), DetailType: e.Type, EventBusName: p.bus, Source: events.Source}
	if !e.Detail.Time.IsZero() {
		en.Time = float64(e.Detail.Time.UnixMilli()) / 1e3
	}
	var out struct {
		FailedEntryCount int
		Entries          []struct{ ErrorCode, ErrorMessage string } // each an EventId or why it was refused
	}
	if err := p.aws.Call(ctx, "PutEvents", struct{ Entries []entry }{[]entry{en}}, &out); err != nil {
		return err
	}
	if out.FailedEntryCount > 0 {
		msg := "refused"
		if len(out.Entries) > 0 && out.Entries[0].ErrorCode != "" {
			msg = out.Entries[0].ErrorCode + ": " + out.Entries[0].ErrorMessage
		}
		return fmt.Errorf("events PutEvents: entry %s", msg)
	}
	return nil
}
