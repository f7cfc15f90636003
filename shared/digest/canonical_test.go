package digest

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

func TestLineHashIsCanonical(t *testing.T) {
	base := Item{"subject": s("user#1"), "at": s("2026-12-03T09:10:00Z#ab"), "allowed": &types.AttributeValueMemberBOOL{Value: true},
		"tags": &types.AttributeValueMemberSS{Value: []string{"b", "a"}}, "trace": &types.AttributeValueMemberL{Value: []types.AttributeValue{s("x")}}}
	same := Item{"trace": &types.AttributeValueMemberL{Value: []types.AttributeValue{s("x")}}, "tags": &types.AttributeValueMemberSS{Value: []string{"a", "b"}},
		"allowed": &types.AttributeValueMemberBOOL{Value: true}, "at": s("2026-12-03T09:10:00Z#ab"), "subject": s("user#1")}
	h := func(it Item) [32]byte {
		t.Helper()
		out, err := LineHash(it)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if h(base) != h(same) {
		t.Fatal("the same attributes in another order (map and set) hash differently")
	}
	for name, it := range map[string]Item{
		"a number in place of a string": {"subject": s("user#1"), "x": n("1")},
		"the string":                    {"subject": s("user#1"), "x": s("1")},
		"one more attribute":            {"subject": s("user#1"), "x": s("1"), "y": s("")},
		"key and value moved":           {"subject": s("user#1"), "x1": s("")},
		"a list of one":                 {"subject": s("user#1"), "x": &types.AttributeValueMemberL{Value: []types.AttributeValue{s("1")}}},
		"a map of one":                  {"subject": s("user#1"), "x": &types.AttributeValueMemberM{Value: Item{"1": s("")}}},
	} {
		for other, it2 := range map[string]Item{"base": base, "the string": {"subject": s("user#1"), "x": s("1")}} {
			if name != other && h(it) == h(it2) {
				t.Errorf("%s hashes as %s", name, other)
			}
		}
	}
}
