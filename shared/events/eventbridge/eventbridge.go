// Package eventbridge publishes security events (shared/events) to an
// EventBridge bus with PutEvents.
package eventbridge

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"loginguard/shared/events"
)

// API is the part of the EventBridge client the publisher uses.
type API interface {
	PutEvents(context.Context, *eventbridge.PutEventsInput, ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

// Publisher puts each event on one bus.
type Publisher struct {
	API API
	Bus string // "default" is the account's default bus
}

// FromConfig is a Publisher on bus with a client built from cfg.
func FromConfig(cfg aws.Config, bus string) (events.Publisher, error) {
	if bus == "" {
		return nil, fmt.Errorf("eventbridge: no bus name")
	}
	return &Publisher{API: eventbridge.NewFromConfig(cfg), Bus: bus}, nil
}

// Publish implements events.Publisher: one PutEvents of one entry. An
// entry EventBridge refused (the call succeeds) is an error too.
func (p *Publisher) Publish(ctx context.Context, e events.Event) error {
	detail, err := e.JSON()
	if err != nil {
		return err
	}
	out, err := p.API.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []types.PutEventsRequestEntry{{
		EventBusName: aws.String(p.Bus), Source: aws.String(events.Source), DetailType: aws.String(e.Type),
		Detail: aws.String(string(detail)), Time: aws.Time(e.Detail.Time),
	}}})
	if err != nil {
		return fmt.Errorf("eventbridge PutEvents: %w", err)
	}
	if out.FailedEntryCount > 0 {
		msg := "refused"
		if len(out.Entries) > 0 && out.Entries[0].ErrorCode != nil {
			msg = aws.ToString(out.Entries[0].ErrorCode) + ": " + aws.ToString(out.Entries[0].ErrorMessage)
		}
		return fmt.Errorf("eventbridge PutEvents: entry %s", msg)
	}
	return nil
}
