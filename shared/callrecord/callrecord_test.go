package callrecord

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"loginguard/internal/testenv"
	"loginguard/shared/events"
	"loginguard/shared/events/eventbridge"
	"loginguard/shared/keyring/kms"
)

// TestEveryCallIsRecordedWithItsResource runs real calls against the
// stand-ins, failing ones too, and reads the log back.
func TestEveryCallIsRecordedWithItsResource(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "calls.jsonl")
	cfg := testenv.AWSConfig()
	if err := Attach(&cfg, path, "TestFunction"); err != nil {
		t.Fatal(err)
	}
	dbURL, sesURL := testenv.Dynalite(t), testenv.SES(t)
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(dbURL) })
	mailer := sesv2.NewFromConfig(cfg, func(o *sesv2.Options) { o.BaseEndpoint = aws.String(sesURL) })
	key := map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "x"}}
	// No such table: the call fails, and is recorded all the same.
	db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("missing"), Key: key})
	db.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("users"), IndexName: aws.String("byOrg"),
		KeyConditionExpression: aws.String("orgId = :o"), ExpressionAttributeValues: map[string]types.AttributeValue{":o": &types.AttributeValueMemberS{Value: "o"}}})
	db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
		"sessions": {{DeleteRequest: &types.DeleteRequest{Key: key}}}, "history": {{DeleteRequest: &types.DeleteRequest{Key: key}}}}})
	secret := "body-that-must-not-be-logged"
	if _, err := mailer.SendEmail(ctx, &sesv2.SendEmailInput{FromEmailAddress: aws.String("Login <no-reply@example.com>"),
		Destination: &sestypes.Destination{ToAddresses: []string{"someone@example.com"}},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{Subject: &sestypes.Content{Data: aws.String("s")},
			Body: &sestypes.Body{Text: &sestypes.Content{Data: &secret}}}}}); err != nil {
		t.Fatal(err)
	}
	calls, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if raw, _ := os.ReadFile(path); strings.Contains(string(raw), secret) || strings.Contains(string(raw), "someone@") {
		t.Fatalf("the log holds message content or a recipient:\n%s", raw)
	}
	var got []string
	for _, c := range calls {
		if c.Function != "TestFunction" {
			t.Errorf("function %q", c.Function)
		}
		got = append(got, c.Action()+" "+strings.Join(c.Resources, ","))
	}
	want := []string{
		"dynamodb:GetItem table/missing",
		"dynamodb:Query table/users/index/byOrg",
		"dynamodb:BatchWriteItem table/history,table/sessions",
		"ses:SendEmail identity/no-reply@example.com",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("recorded:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestKMSKeyIsTakenFromTheAnswerFirst(t *testing.T) {
	// Shapes of kms.DecryptInput/Output: Decrypt of a symmetric ciphertext
	// names no key; the answer says which key IAM checked.
	type decryptInput struct{ KeyId *string }
	type decryptOutput struct{ KeyId *string }
	arn := "arn:aws:kms:us-east-1:111122223333:key/1234abcd"
	tests := []struct {
		name    string
		in, out interface{}
		want    string
	}{
		{"the answer's key ARN", &decryptInput{}, &decryptOutput{KeyId: &arn}, "key/1234abcd"},
		{"a bare key id in the input", &decryptInput{KeyId: aws.String("1234abcd")}, nil, "key/1234abcd"},
		{"an alias in the input", &decryptInput{KeyId: aws.String("alias/totp")}, (*decryptOutput)(nil), "alias/totp"},
		{"no key anywhere gives no resource", &decryptInput{}, &decryptOutput{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Join(Resources("kms", tt.in, tt.out), ","); got != tt.want {
				t.Fatalf("%q; want %q", got, tt.want)
			}
		})
	}
}

func TestReadingNoLogIsNoCalls(t *testing.T) {
	calls, err := Read(filepath.Join(t.TempDir(), "none.jsonl"))
	if err != nil || calls != nil {
		t.Fatalf("%v %v", calls, err)
	}
}

// TestOurKMSClientsCallsAreRecorded: the keyring's own KMS client has no SDK
// middleware; its calls are noted from the HTTP requests, by key, never by
// the ciphertext or context they carry.
func TestOurKMSClientsCallsAreRecorded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "calls.jsonl")
	cfg := testenv.AWSConfig()
	if err := Attach(&cfg, path, "TestFunction"); err != nil {
		t.Fatal(err)
	}
	url, keyARN := testenv.KMS(t)
	k, err := kms.New(cfg, url)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	encCtx := map[string]string{"purpose": "context-that-must-not-be-logged"}
	_, wrapped, err := k.GenerateDataKey(ctx, keyARN, encCtx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.Decrypt(ctx, keyARN, wrapped, encCtx); err != nil {
		t.Fatal(err)
	}
	calls, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	id := keyARN[strings.LastIndex(keyARN, "/")+1:]
	var got []string
	for _, c := range calls {
		got = append(got, c.Function+" "+c.Action()+" "+strings.Join(c.Resources, ","))
	}
	want := "TestFunction kms:GenerateDataKey key/" + id + "\nTestFunction kms:Decrypt key/" + id
	if strings.Join(got, "\n") != want {
		t.Fatalf("recorded:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
	if raw, _ := os.ReadFile(path); strings.Contains(string(raw), "must-not-be-logged") {
		t.Fatalf("the log holds the encryption context:\n%s", raw)
	}
}

func TestPutEventsNamesEachEntrysBus(t *testing.T) {
	type entry struct{ EventBusName string }
	in := struct{ Entries []entry }{[]entry{{"default"}, {}, {"siem"}}}
	if got := strings.Join(Resources("events", in, nil), ","); got != "event-bus/default,event-bus/default,event-bus/siem" {
		t.Fatalf("%q", got)
	}
}

// TestOurEventBridgeClientsCallsAreRecorded: the security events'
// publisher has no SDK middleware either; its PutEvents is noted from the
// HTTP request, by bus, never with the event's detail.
func TestOurEventBridgeClientsCallsAreRecorded(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{"Entries":[{"EventId":"1"}],"FailedEntryCount":0}`)
	}))
	t.Cleanup(srv.Close)
	path := filepath.Join(t.TempDir(), "calls.jsonl")
	cfg := testenv.AWSConfig()
	if err := Attach(&cfg, path, "WebFunction"); err != nil {
		t.Fatal(err)
	}
	p, err := eventbridge.New(cfg, "siem", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	e := events.Event{Type: events.Lockout, Detail: events.Detail{OrgID: "00D000000000001", Username: "detail-that-must-not-be-logged"}}
	if err := p.Publish(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	calls, err := Read(path)
	if err != nil || len(calls) != 1 {
		t.Fatalf("%+v %v; want one call", calls, err)
	}
	if c := calls[0]; c.Function != "WebFunction" || c.Action() != "events:PutEvents" || strings.Join(c.Resources, ",") != "event-bus/siem" {
		t.Fatalf("recorded %+v; want WebFunction events:PutEvents event-bus/siem", c)
	}
	if raw, _ := os.ReadFile(path); strings.Contains(string(raw), "must-not-be-logged") {
		t.Fatalf("the log holds the event's detail:\n%s", raw)
	}
}

// A call a local stand-in makes in AWS's place is read back like any.
func TestNotedCallsReadBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "calls.jsonl")
	c := Call{Function: "WebFunction", Service: "events", Operation: "PutEvents", Resources: []string{"event-bus/default"}}
	for i := 0; i < 2; i++ {
		if err := Note(path, c); err != nil {
			t.Fatal(err)
		}
	}
	calls, err := Read(path)
	if err != nil || len(calls) != 2 || calls[1].Action() != "events:PutEvents" || calls[1].Resources[0] != "event-bus/default" {
		t.Fatalf("%+v %v", calls, err)
	}
}
