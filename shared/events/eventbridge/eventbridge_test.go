package eventbridge

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"loginguard/shared/events"
)

// putEvents keeps the input it is given and answers out. There is no
// EventBridge stand-in: this holds the entry to what the rules of a
// subscriber match on (source, detail type, bus, the detail's JSON).
type putEvents struct {
	in  *eventbridge.PutEventsInput
	out eventbridge.PutEventsOutput
}

func (p *putEvents) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	p.in = in
	return &p.out, nil
}

func TestOneEntryOnTheBusWithTheDetail(t *testing.T) {
	api := &putEvents{}
	at := time.Date(2026, 12, 3, 9, 30, 0, 0, time.UTC)
	e := events.Event{Type: events.Lockout, Detail: events.Detail{OrgID: "00D000000000001", UserID: "005000000000001",
		Username: "ann@example.com", Time: at, Reason: events.ReasonMaxAttempts}}
	if err := (&Publisher{API: api, Bus: "default"}).Publish(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	if len(api.in.Entries) != 1 {
		t.Fatalf("%d entries", len(api.in.Entries))
	}
	en := api.in.Entries[0]
	want := `{"orgId":"00D000000000001","userId":"005000000000001","username":"ann@example.com","time":"2026-12-03T09:30:00Z","reason":"MAX_INVALID_ATTEMPTS"}`
	if aws.ToString(en.EventBusName) != "default" || aws.ToString(en.Source) != "loginguard" || aws.ToString(en.DetailType) != "loginguard.Lockout" ||
		aws.ToString(en.Detail) != want || !aws.ToTime(en.Time).Equal(at) {
		t.Fatalf("entry %+v, detail %s", en, aws.ToString(en.Detail))
	}
	// An entry EventBridge refused is a failure, said with its code.
	api.out = eventbridge.PutEventsOutput{FailedEntryCount: 1, Entries: []types.PutEventsResultEntry{{ErrorCode: aws.String("ThrottlingException"), ErrorMessage: aws.String("slow down")}}}
	if err := (&Publisher{API: api, Bus: "default"}).Publish(context.Background(), e); err == nil || !strings.Contains(err.Error(), "ThrottlingException") {
		t.Fatalf("a refused entry: %v", err)
	}
}
