package digest

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Item is a stored history line as DynamoDB holds it: every attribute,
// whatever the code that wrote it knew of. Lines gain attributes over time
// (a decision's facts and trace), so nothing here names a field.
type Item = map[string]types.AttributeValue

// LineHash is the SHA-256 of the line's canonical form.
func LineHash(it Item) ([32]byte, error) {
	h := sha256.New()
	h.Write([]byte("loginguard.line.v1\n"))
	if err := canonical(h, &types.AttributeValueMemberM{Value: it}); err != nil {
		return [32]byte{}, err
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out, nil
}

type writer interface{ Write([]byte) (int, error) }

// canonical writes v with its type tag and every length spelled out, map
// keys and sets sorted: two items hash alike exactly when DynamoDB holds the
// same attributes with the same values.
func canonical(w writer, v types.AttributeValue) error {
	switch x := v.(type) {
	case *types.AttributeValueMemberS:
		put(w, 'S', []byte(x.Value))
	case *types.AttributeValueMemberN:
		put(w, 'N', []byte(x.Value))
	case *types.AttributeValueMemberB:
		put(w, 'B', x.Value)
	case *types.AttributeValueMemberBOOL:
		b := []byte{0}
		if x.Value {
			b[0] = 1
		}
		put(w, 'T', b)
	case *types.AttributeValueMemberNULL:
		put(w, '0', nil)
	case *types.AttributeValueMemberSS:
		putSet(w, 's', stringsOf(x.Value))
	case *types.AttributeValueMemberNS:
		putSet(w, 'n', stringsOf(x.Value))
	case *types.AttributeValueMemberBS:
		putSet(w, 'b', x.Value)
	case *types.AttributeValueMemberL:
		head(w, 'L', len(x.Value))
		for _, e := range x.Value {
			if err := canonical(w, e); err != nil {
				return err
			}
		}
	case *types.AttributeValueMemberM:
		keys := make([]string, 0, len(x.Value))
		for k := range x.Value {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		head(w, 'M', len(keys))
		for _, k := range keys {
			put(w, 'K', []byte(k))
			if err := canonical(w, x.Value[k]); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("digest: attribute value of type %T has no canonical form", v)
	}
	return nil
}

func head(w writer, tag byte, n int) {
	var b [9]byte
	b[0] = tag
	binary.BigEndian.PutUint64(b[1:], uint64(n))
	w.Write(b[:])
}

func put(w writer, tag byte, v []byte) {
	head(w, tag, len(v))
	w.Write(v)
}

func putSet(w writer, tag byte, vs [][]byte) {
	sort.Slice(vs, func(i, j int) bool { return string(vs[i]) < string(vs[j]) })
	head(w, tag, len(vs))
	for _, v := range vs {
		put(w, 'E', v)
	}
}

func stringsOf(ss []string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}
