package loginbench

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"loginguard/internal/testenv"
)

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }
func b(v bool) types.AttributeValue   { return &types.AttributeValueMemberBOOL{Value: v} }
func pad(k int) types.AttributeValue  { return s(strings.Repeat("x", k)) }
func key(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"id": s(id)}
}

func TestItemSizeFollowsDynamoDBsRules(t *testing.T) {
	tests := []struct {
		name string
		item map[string]types.AttributeValue
		want int
	}{
		{"a string is its name and its bytes", map[string]types.AttributeValue{"id": s("abc")}, 5},
		{"UTF-8 bytes, not runes", map[string]types.AttributeValue{"n": s("ü")}, 3},
		{"a number: 1 byte plus 1 per two significant digits", map[string]types.AttributeValue{"n": n("12345")}, 1 + 1 + 3},
		{"zeros around a number do not count", map[string]types.AttributeValue{"n": n("-00120.500")}, 1 + 1 + 2},
		{"a boolean is 1 byte", map[string]types.AttributeValue{"ok": b(true)}, 3},
		{"a map: 3 bytes, and 1 byte, key and value per element", map[string]types.AttributeValue{
			"m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"a": s("xy")}}}, 1 + 3 + 1 + 1 + 2},
		{"a list: 3 bytes, and 1 byte and value per element", map[string]types.AttributeValue{
			"l": &types.AttributeValueMemberL{Value: []types.AttributeValue{s("xy"), b(false)}}}, 1 + 3 + 1 + 2 + 1 + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := itemSize(tt.item); got != tt.want {
				t.Fatalf("itemSize = %d; want %d", got, tt.want)
			}
		})
	}
}

// TestMeterAgreesWithTheStandIn: around the 1 KB boundaries, the units the
// meter computes from item sizes (for GSIs and failed conditions) are the
// units dynalite reports for the same base-table writes.
func TestMeterAgreesWithTheStandIn(t *testing.T) {
	db := testenv.DynamoDB(testenv.Dynalite(t))
	tables := testenv.CreateTables(t, db)
	m := NewMeter(db)
	ctx := context.Background()
	for _, size := range []int{40, 1023, 1024, 1025, 2048, 2049, 4100} {
		item := map[string]types.AttributeValue{"id": s("k"), "expiresAt": n("1800000000"), "ok": b(true),
			"m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"a": s("b")}}}
		item["pad"] = pad(size - itemSize(item) - len("pad"))
		if itemSize(item) != size {
			t.Fatalf("built a %d-byte item; want %d", itemSize(item), size)
		}
		before := m.Totals()
		if _, err := m.PutItem(ctx, &dynamodb.PutItemInput{TableName: &tables.Sessions, Item: item}); err != nil {
			t.Fatal(err)
		}
		// The put replaces the previous item: DynamoDB bills the larger.
		got := m.Totals().Sub(before)
		if got.Calls != 1 || got.Write < writeUnits(size) {
			t.Errorf("%d-byte put: %+v; want at least %v WCU", size, got, writeUnits(size))
		}
		before = m.Totals()
		if _, err := m.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &tables.Sessions, Key: key("k")}); err != nil {
			t.Fatal(err)
		}
		if got := m.Totals().Sub(before); got.Write != writeUnits(size) {
			t.Errorf("deleting a %d-byte item: dynalite reports %v WCU; the size rules say %v", size, got.Write, writeUnits(size))
		}
		if _, err := m.PutItem(ctx, &dynamodb.PutItemInput{TableName: &tables.Sessions, Item: item}); err != nil {
			t.Fatal(err)
		}
		before = m.Totals()
		if _, err := m.GetItem(ctx, &dynamodb.GetItemInput{TableName: &tables.Sessions, Key: key("k"), ConsistentRead: aws.Bool(true)}); err != nil {
			t.Fatal(err)
		}
		if got, want := m.Totals().Sub(before).Read, float64((size+4095)/4096); got != want {
			t.Errorf("strongly consistent read of %d bytes: %v RCU; want %v (1 per 4 KB)", size, got, want)
		}
		before = m.Totals()
		_, err := m.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &tables.Sessions, Key: key("k"),
			UpdateExpression: aws.String("SET ok = :f"), ConditionExpression: aws.String("attribute_not_exists(id)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":f": b(false)}})
		var ccf *types.ConditionalCheckFailedException
		if !errors.As(err, &ccf) {
			t.Fatalf("update with a false condition: %v", err)
		}
		if got := m.Totals().Sub(before); got.Calls != 1 || got.Write != writeUnits(size) {
			t.Errorf("a failed condition on a %d-byte item: %+v; DynamoDB bills %v WCU", size, got, writeUnits(size))
		}
	}
	if err := m.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestMeterCountsIndexWrites(t *testing.T) {
	db := testenv.DynamoDB(testenv.Dynalite(t))
	tables := testenv.CreateTables(t, db)
	m := NewMeter(db)
	ctx := context.Background()
	cost := func(f func() error) Units {
		t.Helper()
		before := m.Totals()
		if err := f(); err != nil {
			t.Fatal(err)
		}
		return m.Totals().Sub(before)
	}
	line := map[string]types.AttributeValue{"subject": s("u@x"), "at": s("2025-01-01T00:00:00Z#1"), "orgId": s("00D000000000001"), "reason": s("SUCCESS")}
	if got := cost(func() error {
		_, err := m.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
			tables.History: {{PutRequest: &types.PutRequest{Item: line}}}}})
		return err
	}); got.Write != 2 {
		t.Errorf("a history line (GSI byOrg, ALL): %v WCU; want 2 (table and index)", got.Write)
	}
	user := map[string]types.AttributeValue{"username": s("u@x"), "id": s("005000000000001"), "orgId": s("00D000000000001"),
		"profileId": s("00e000000000001"), "attempts": n("0")}
	if got := cost(func() error {
		_, err := m.PutItem(ctx, &dynamodb.PutItemInput{TableName: &tables.Users, Item: user})
		return err
	}); got.Write != 3 {
		t.Errorf("a new user (GSIs byId and byOrg): %v WCU; want 3", got.Write)
	}
	update := func(expr string, vals map[string]types.AttributeValue) func() error {
		return func() error {
			in := &dynamodb.UpdateItemInput{TableName: &tables.Users,
				Key: map[string]types.AttributeValue{"username": s("u@x")}, UpdateExpression: &expr, ExpressionAttributeValues: vals}
			if strings.Contains(expr, "#a") {
				in.ExpressionAttributeNames = map[string]string{"#a": "attempts"}
			}
			_, err := m.UpdateItem(ctx, in)
			return err
		}
	}
	if got := cost(update("SET #a = #a + :one", map[string]types.AttributeValue{":one": n("1")})); got.Write != 1 {
		t.Errorf("an update of an attribute no index holds: %v WCU; want 1", got.Write)
	}
	if got := cost(update("SET profileId = :p", map[string]types.AttributeValue{":p": s("00e000000000002")})); got.Write != 2 {
		t.Errorf("an update of byOrg's included profileId: %v WCU; want 2 (table, byOrg)", got.Write)
	}
	if got := cost(update("SET orgId = :o", map[string]types.AttributeValue{":o": s("00D000000000002")})); got.Write != 3 {
		t.Errorf("an update of byOrg's key: %v WCU; want 3 (table, and byOrg's entry out and in)", got.Write)
	}
	if err := m.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestUpdatedAttributes(t *testing.T) {
	tests := []struct {
		expr string
		want []string
	}{
		{"SET attempts = attempts + :one, lockEndsAt = lockForSec + :now", []string{"attempts", "lockEndsAt"}},
		{"SET #n = #n - :one", []string{"attempts"}},
		{"REMOVE totpKey, totpLastStep", []string{"totpKey", "totpLastStep"}},
		{"SET a = if_not_exists(a, :z), m.x[2] = :v REMOVE b ADD c :one DELETE d :s", []string{"a", "m", "b", "c", "d"}},
		{"set lower = :v", []string{"lower"}},
	}
	for _, tt := range tests {
		if got := updatedAttributes(tt.expr, map[string]string{"#n": "attempts"}); !slices.Equal(got, tt.want) {
			t.Errorf("%q: %q; want %q", tt.expr, got, tt.want)
		}
	}
}

func TestQuantile(t *testing.T) {
	xs := []float64{5, 1, 4, 2, 3}
	for q, want := range map[float64]float64{0: 1, 0.5: 3, 1: 5, 0.1: 1.4, 0.9: 4.6} {
		if got := quantile(slices.Clone(xs), q); got < want-1e-9 || got > want+1e-9 {
			t.Errorf("quantile(%v) = %v; want %v", q, got, want)
		}
	}
}
