package loginbench

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"loginguard/shared/store/dynamo"
)

// Client is the DynamoDB client a Meter wraps: what the store uses, and
// DescribeTable to learn each table's keys and indexes.
type Client interface {
	dynamo.API
	DescribeTable(context.Context, *dynamodb.DescribeTableInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
}

// Units is what a run of calls cost.
type Units struct {
	Calls int64   // API calls the store made
	Read  float64 // read capacity units (on demand: read request units)
	Write float64 // write capacity units, base tables and their GSIs
}

// Sub is u - v, for the cost of what ran between two Totals.
func (u Units) Sub(v Units) Units {
	return Units{Calls: u.Calls - v.Calls, Read: u.Read - v.Read, Write: u.Write - v.Write}
}

// Meter is a dynamo.API that counts the calls made through it and the
// capacity units they consume, as DynamoDB bills them:
//
//   - the base table's units as the stand-in reports them
//     (ReturnConsumedCapacity: dynalite applies DynamoDB's rules: reads 1 RCU
//     per 4 KB, half when eventually consistent; writes 1 WCU per 1 KB of the
//     larger of the old and new item; per item in a batch);
//   - GSI writes, which dynalite does not report, from the item sizes: a put
//     of an item carrying an index's keys writes its projection (1 WCU per
//     1 KB); an update writes it when it touches a projected attribute, twice
//     (delete and put) when it touches an index key; a delete deletes it;
//   - a write whose condition fails, which DynamoDB bills (the existing
//     item's size, at least 1 WCU) and dynalite answers with an error alone.
//
// To see old and new items it asks for them (ReturnValues ALL_OLD or
// ALL_NEW where the caller asked for none, and hides them again), and reads
// the item itself after a failed condition. A BatchWriteItem put is taken
// to create its item (the store's batches write new sessions and history
// lines under fresh random keys), so it counts no index delete. These reads
// are neither counted nor billed; they add a round trip only after a failed
// condition, so time only paths that have none.
type Meter struct {
	db Client

	mu     sync.Mutex
	total  Units
	tables map[string]*tableInfo
	errs   []string
}

// NewMeter wraps db.
func NewMeter(db Client) *Meter { return &Meter{db: db, tables: map[string]*tableInfo{}} }

// Totals is what every call so far cost.
func (m *Meter) Totals() Units {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.total
}

// Err reports calls the meter could not price (the stand-in reported no
// capacity, a table could not be described); figures are short by them.
func (m *Meter) Err() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.errs) == 0 {
		return nil
	}
	return errors.New("loginbench: unpriced calls: " + strings.Join(m.errs, "; "))
}

func (m *Meter) add(read, write float64) {
	m.mu.Lock()
	m.total.Calls++
	m.total.Read += read
	m.total.Write += write
	m.mu.Unlock()
}

func (m *Meter) fail(format string, args ...any) {
	m.mu.Lock()
	m.errs = append(m.errs, fmt.Sprintf(format, args...))
	m.mu.Unlock()
}

type gsi struct {
	name    string
	keys    []string
	all     bool     // ProjectionType ALL
	include []string // INCLUDE's non-key attributes
}

type tableInfo struct {
	keys    []string
	indexes []gsi
}

func (m *Meter) table(ctx context.Context, name string) *tableInfo {
	m.mu.Lock()
	t, ok := m.tables[name]
	m.mu.Unlock()
	if ok {
		return t
	}
	out, err := m.db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &name})
	if err != nil {
		m.fail("describing %s: %v", name, err)
		return &tableInfo{}
	}
	t = &tableInfo{}
	for _, k := range out.Table.KeySchema {
		t.keys = append(t.keys, aws.ToString(k.AttributeName))
	}
	for _, ix := range out.Table.GlobalSecondaryIndexes {
		g := gsi{name: aws.ToString(ix.IndexName)}
		for _, k := range ix.KeySchema {
			g.keys = append(g.keys, aws.ToString(k.AttributeName))
		}
		if p := ix.Projection; p != nil {
			g.all = p.ProjectionType == types.ProjectionTypeAll
			g.include = p.NonKeyAttributes
		}
		t.indexes = append(t.indexes, g)
	}
	m.mu.Lock()
	m.tables[name] = t
	m.mu.Unlock()
	return t
}

// projection is the part of item an index entry holds; ok is false when the
// item lacks one of the index's keys (then it is not in the index).
func (t *tableInfo) projection(g gsi, item map[string]types.AttributeValue) (map[string]types.AttributeValue, bool) {
	for _, k := range g.keys {
		if _, ok := item[k]; !ok {
			return nil, false
		}
	}
	if g.all {
		return item, true
	}
	p := map[string]types.AttributeValue{}
	for _, names := range [][]string{g.keys, t.keys, g.include} {
		for _, k := range names {
			if v, ok := item[k]; ok {
				p[k] = v
			}
		}
	}
	return p, true
}

func (g gsi) projects(t *tableInfo, attr string) bool {
	return g.all || contains(g.keys, attr) || contains(t.keys, attr) || contains(g.include, attr)
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// putIndexUnits is the GSI cost of replacing old (nil: none) by item.
func (t *tableInfo) putIndexUnits(old, item map[string]types.AttributeValue) float64 {
	w := 0.0
	for _, g := range t.indexes {
		po, inOld := t.projection(g, old)
		pn, inNew := t.projection(g, item)
		switch {
		case inOld && inNew && keysEqual(g.keys, old, item):
			if !reflect.DeepEqual(po, pn) { // an unchanged entry is not rewritten
				w += writeUnits(max(itemSize(po), itemSize(pn)))
			}
		case inOld && inNew:
			w += writeUnits(itemSize(po)) + writeUnits(itemSize(pn))
		case inOld:
			w += writeUnits(itemSize(po))
		case inNew:
			w += writeUnits(itemSize(pn))
		}
	}
	return w
}

func keysEqual(keys []string, a, b map[string]types.AttributeValue) bool {
	for _, k := range keys {
		if !reflect.DeepEqual(a[k], b[k]) {
			return false
		}
	}
	return true
}

func (m *Meter) consumed(what string, cc *types.ConsumedCapacity) float64 {
	if cc == nil || cc.CapacityUnits == nil {
		m.fail("%s: the stand-in reported no consumed capacity", what)
		return 0
	}
	return *cc.CapacityUnits
}

// failedCondition prices a write refused by its condition: DynamoDB bills
// the existing item's size (at least 1 WCU) and reports nothing.
func (m *Meter) failedCondition(ctx context.Context, table string, key map[string]types.AttributeValue) {
	got, err := m.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		m.fail("reading the item of a failed condition in %s: %v", table, err)
		m.add(0, 1)
		return
	}
	m.add(0, writeUnits(itemSize(got.Item)))
}

func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}
