package loginbench

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// itemSize is an item's size by DynamoDB's documented rules (Developer
// Guide, "Item sizes and formats"): each attribute costs its name's UTF-8
// length plus its value: a string its UTF-8 length, binary its length, a
// number 1 byte plus 1 per two significant digits, a boolean or null 1 byte,
// a list or map 3 bytes plus 1 byte and the size of each element (a map
// element also its key's length), a set the sum of its elements.
func itemSize(item map[string]types.AttributeValue) int {
	n := 0
	for name, v := range item {
		n += len(name) + valueSize(v)
	}
	return n
}

func valueSize(v types.AttributeValue) int {
	switch x := v.(type) {
	case *types.AttributeValueMemberS:
		return len(x.Value)
	case *types.AttributeValueMemberN:
		return numberSize(x.Value)
	case *types.AttributeValueMemberB:
		return len(x.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberSS:
		n := 0
		for _, s := range x.Value {
			n += len(s)
		}
		return n
	case *types.AttributeValueMemberNS:
		n := 0
		for _, s := range x.Value {
			n += numberSize(s)
		}
		return n
	case *types.AttributeValueMemberBS:
		n := 0
		for _, b := range x.Value {
			n += len(b)
		}
		return n
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range x.Value {
			n += 1 + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberM:
		n := 3
		for k, e := range x.Value {
			n += 1 + len(k) + valueSize(e)
		}
		return n
	}
	return 0
}

// numberSize is 1 byte plus 1 per two significant digits (leading and
// trailing zeros do not count).
func numberSize(s string) int {
	s = strings.TrimLeft(s, "+-")
	mant, _, _ := strings.Cut(strings.ToLower(s), "e")
	digits := strings.Trim(strings.Replace(mant, ".", "", 1), "0")
	if digits == "" {
		return 1
	}
	return 1 + (len(digits)+1)/2
}

// writeUnits is what writing an item of size bytes costs: 1 WCU per 1 KB,
// rounded up, at least 1.
func writeUnits(size int) float64 { return float64(max(1, (size+1023)/1024)) }

// ItemSize and WriteUnits are itemSize and writeUnits, for tests that hold
// an item to the write units a write of it costs (the user item a login
// writes, say).
func ItemSize(item map[string]types.AttributeValue) int { return itemSize(item) }

// WriteUnits: see ItemSize.
func WriteUnits(size int) float64 { return writeUnits(size) }
