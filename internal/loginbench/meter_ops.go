package loginbench

// The Meter's side of each DynamoDB operation the store uses: pass the
// call on, asking for the consumed capacity, and count what it cost.

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// GetItem implements dynamo.API.
func (m *Meter) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c := *in
	c.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := m.db.GetItem(ctx, &c, opts...)
	if err != nil {
		m.add(0, 0)
		return out, err
	}
	m.add(m.consumed("GetItem", out.ConsumedCapacity), 0)
	return out, nil
}

// Query implements dynamo.API.
func (m *Meter) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c := *in
	c.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := m.db.Query(ctx, &c, opts...)
	if err != nil {
		m.add(0, 0)
		return out, err
	}
	m.add(m.consumed("Query", out.ConsumedCapacity), 0)
	return out, nil
}

// Scan implements dynamo.API (no login scans; the digest function lists
// orgs with one).
func (m *Meter) Scan(ctx context.Context, in *dynamodb.ScanInput, opts ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	c := *in
	c.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := m.db.Scan(ctx, &c, opts...)
	read := 0.0
	if err == nil {
		read = m.consumed("Scan", out.ConsumedCapacity)
	}
	m.add(read, 0)
	return out, err
}

// PutItem implements dynamo.API.
func (m *Meter) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	t := m.table(ctx, aws.ToString(in.TableName))
	c := *in
	c.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	hide := c.ReturnValues == "" || c.ReturnValues == types.ReturnValueNone
	if hide {
		c.ReturnValues = types.ReturnValueAllOld
	}
	out, err := m.db.PutItem(ctx, &c, opts...)
	if isConditionFailed(err) {
		key := map[string]types.AttributeValue{}
		for _, k := range t.keys {
			key[k] = in.Item[k]
		}
		m.failedCondition(ctx, aws.ToString(in.TableName), key)
		return out, err
	}
	if err != nil {
		m.add(0, 0)
		return out, err
	}
	m.add(0, m.consumed("PutItem", out.ConsumedCapacity)+t.putIndexUnits(out.Attributes, in.Item))
	if hide {
		out.Attributes = nil
	}
	return out, nil
}

// UpdateItem implements dynamo.API.
func (m *Meter) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	t := m.table(ctx, aws.ToString(in.TableName))
	c := *in
	c.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	hide := c.ReturnValues == "" || c.ReturnValues == types.ReturnValueNone
	if hide {
		c.ReturnValues = types.ReturnValueAllNew
	}
	out, err := m.db.UpdateItem(ctx, &c, opts...)
	if isConditionFailed(err) {
		m.failedCondition(ctx, aws.ToString(in.TableName), in.Key)
		return out, err
	}
	if err != nil {
		m.add(0, 0)
		return out, err
	}
	w := m.consumed("UpdateItem", out.ConsumedCapacity)
	touched := updatedAttributes(aws.ToString(in.UpdateExpression), in.ExpressionAttributeNames)
	var item map[string]types.AttributeValue
	for _, g := range t.indexes {
		keyTouched, projTouched := false, false
		for _, a := range touched {
			keyTouched = keyTouched || contains(g.keys, a)
			projTouched = projTouched || g.projects(t, a)
		}
		if !projTouched {
			continue
		}
		if item == nil {
			item = m.itemAfter(ctx, in, c.ReturnValues, out.Attributes)
		}
		p, inIndex := t.projection(g, item)
		switch {
		case keyTouched && inIndex:
			w += 2 * writeUnits(itemSize(p)) // out under the old key, in under the new
		case keyTouched:
			w++ // taken out of the index
		case inIndex:
			w += writeUnits(itemSize(p))
		}
	}
	m.add(0, w)
	if hide {
		out.Attributes = nil
	}
	return out, nil
}

// itemAfter is the item as an update left it.
func (m *Meter) itemAfter(ctx context.Context, in *dynamodb.UpdateItemInput, rv types.ReturnValue, attrs map[string]types.AttributeValue) map[string]types.AttributeValue {
	if rv == types.ReturnValueAllNew {
		return attrs
	}
	got, err := m.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: in.TableName, Key: in.Key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		m.fail("reading an updated item: %v", err)
		return nil
	}
	return got.Item
}

// DeleteItem implements dynamo.API.
func (m *Meter) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	t := m.table(ctx, aws.ToString(in.TableName))
	c := *in
	c.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	hide := c.ReturnValues == "" || c.ReturnValues == types.ReturnValueNone
	if hide {
		c.ReturnValues = types.ReturnValueAllOld
	}
	out, err := m.db.DeleteItem(ctx, &c, opts...)
	if isConditionFailed(err) {
		m.failedCondition(ctx, aws.ToString(in.TableName), in.Key)
		return out, err
	}
	if err != nil {
		m.add(0, 0)
		return out, err
	}
	m.add(0, m.consumed("DeleteItem", out.ConsumedCapacity)+t.putIndexUnits(out.Attributes, nil))
	if hide {
		out.Attributes = nil
	}
	return out, nil
}

// BatchWriteItem implements dynamo.API.
func (m *Meter) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	index := 0.0
	for table, reqs := range in.RequestItems {
		t := m.table(ctx, table)
		if len(t.indexes) == 0 {
			continue
		}
		for _, r := range reqs {
			switch {
			case r.PutRequest != nil:
				index += t.putIndexUnits(nil, r.PutRequest.Item)
			case r.DeleteRequest != nil:
				got, err := m.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: r.DeleteRequest.Key, ConsistentRead: aws.Bool(true)})
				if err != nil {
					m.fail("reading an item a batch deletes: %v", err)
					continue
				}
				index += t.putIndexUnits(got.Item, nil)
			}
		}
	}
	c := *in
	c.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := m.db.BatchWriteItem(ctx, &c, opts...)
	if err != nil {
		m.add(0, 0)
		return out, err
	}
	if n := len(out.UnprocessedItems); n > 0 {
		m.fail("BatchWriteItem left %d tables' items unprocessed; their index writes are counted twice", n)
	}
	w := index
	for i := range out.ConsumedCapacity {
		w += m.consumed("BatchWriteItem", &out.ConsumedCapacity[i])
	}
	if len(out.ConsumedCapacity) == 0 {
		m.consumed("BatchWriteItem", nil)
	}
	m.add(0, w)
	return out, nil
}

// updatedAttributes names the top-level attributes an UpdateExpression
// writes (the targets of SET, REMOVE, ADD and DELETE), with #names resolved.
func updatedAttributes(expr string, names map[string]string) []string {
	var out []string
	for _, clause := range splitClauses(expr) {
		for _, action := range splitTopLevel(clause.body) {
			target := strings.TrimSpace(action)
			if clause.verb == "SET" {
				target, _, _ = strings.Cut(target, "=")
			} else {
				target = strings.Fields(target + " ")[0]
			}
			target = strings.TrimSpace(target)
			if i := strings.IndexAny(target, ".["); i >= 0 {
				target = target[:i]
			}
			if n, ok := names[target]; ok {
				target = n
			}
			if target != "" {
				out = append(out, target)
			}
		}
	}
	return out
}

type clause struct{ verb, body string }

// splitClauses cuts an UpdateExpression at its clause keywords.
func splitClauses(expr string) []clause {
	var out []clause
	words := strings.Fields(expr)
	for _, w := range words {
		switch v := strings.ToUpper(w); v {
		case "SET", "REMOVE", "ADD", "DELETE":
			out = append(out, clause{verb: v})
			continue
		}
		if len(out) > 0 {
			out[len(out)-1].body += " " + w
		}
	}
	return out
}

// splitTopLevel splits at commas outside parentheses (if_not_exists(a, :b)).
func splitTopLevel(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}
