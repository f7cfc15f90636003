package login_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"loginguard/internal/loginbench"
	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

// Every line a login decides keeps its grounds in the history item it
// writes anyway: no DynamoDB call is added, and the item stays within one
// write unit. The sizes are logged (go test -v -run GroundsStayInTheLine).
func TestGroundsStayInTheLineAndItsWriteUnit(t *testing.T) {
	hours, _ := policy.ParseLoginHours("America/New_York", "mon=08:00-18:00,tue=08:00-18:00")
	ranges, _ := policy.ParseIPRanges("10.0.0.0-10.255.255.255,198.51.100.0-198.51.100.255")
	w := newWorld(t, policy.Lockout{MaxAttempts: 5, Period: 15 * time.Minute}, "192.0.2.0-192.0.2.255",
		func(p *domain.Profile) { p.APIEnabled, p.LoginHours, p.LoginIPRanges = true, hours, ranges })
	name, tok := w.user("ann")
	before := w.calls.Load()
	if _, err := w.login(name, password+tok, untrusted); err != nil {
		t.Fatal(err)
	}
	if n := w.calls.Load() - before; n != 3 {
		t.Fatalf("a successful login made %d DynamoDB calls; want 3, as before grounds were kept", n)
	}
	w.clock.Advance(9 * time.Hour) // 19:00 in New York: after the hours
	before = w.calls.Load()
	if _, err := w.login(name, password+tok, untrusted); code(err) != domain.CodeRestrictedTime {
		t.Fatalf("after hours: %v", err)
	}
	// The reservation, the history line, and the reservation given back
	// (a refusal by policy does not count toward lockout).
	if n := w.calls.Load() - before; n != 3 {
		t.Fatalf("a login refused by its hours made %d DynamoDB calls; want 3", n)
	}
	u := w.userRecord(name)
	out, err := w.db.Query(w.ctx, &dynamodb.QueryInput{TableName: &w.tables.History,
		KeyConditionExpression:    aws.String("subject = :s"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": &types.AttributeValueMemberS{Value: "user#" + u.ID}}})
	if err != nil || len(out.Items) != 2 {
		t.Fatalf("%d lines, %v", len(out.Items), err)
	}
	wants := []string{"c+a+h+2.p=H.x+", "c+a+h-"}
	for i, item := range out.Items {
		why, ok := item["why"].(*types.AttributeValueMemberS)
		if !ok || !strings.HasSuffix(why.Value, ";t="+wants[i]) {
			t.Fatalf("line %d keeps %v; want the trace %s", i, item["why"], wants[i])
		}
		for _, secret := range []string{password, tok} {
			if strings.Contains(why.Value, secret) {
				t.Fatalf("the grounds hold a secret: %s", why.Value)
			}
		}
		size := loginbench.ItemSize(item)
		without := size - len("why") - len(why.Value)
		t.Logf("history item: %d bytes with its grounds (%d bytes: %s), %d without", size, len(why.Value), why.Value, without)
		if loginbench.WriteUnits(size) != 1 || len(why.Value) > 300 {
			t.Errorf("a history item of %d bytes (grounds %d) costs %v write units; keep it to one", size, len(why.Value), loginbench.WriteUnits(size))
		}
	}
}
