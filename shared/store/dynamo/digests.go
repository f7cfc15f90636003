package dynamo

import (
	"context"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"loginguard/shared/digest"
	"loginguard/shared/domain"
)

// The history digests (shared/digest): one item per digest in the digests
// table, partition the org, sort key the digest's (hour, then kind), so an
// org's chain is one query in order. A digest's entries (one per line)
// beyond the first page live in page items under their own partition.

// digestPageSize is the most entries one item holds: about 130 bytes each,
// well under DynamoDB's 400 KB an item.
const digestPageSize = 2000

type digestItem struct {
	PK        string   `dynamodbav:"pk"` // the org
	SK        string   `dynamodbav:"sk"` // Digest.SortKey
	Hour      string   `dynamodbav:"hour"`
	Kind      string   `dynamodbav:"kind"`
	Seq       int64    `dynamodbav:"seq"`
	Prev      string   `dynamodbav:"prev"`
	Count     int      `dynamodbav:"count"`
	Pages     int      `dynamodbav:"pages"` // items in all, this one the first
	CreatedAt string   `dynamodbav:"createdAt"`
	KeyID     string   `dynamodbav:"keyId"`
	Signature []byte   `dynamodbav:"signature"`
	Hash      string   `dynamodbav:"hash"` // names the pages; verification recomputes it
	Entries   []string `dynamodbav:"entries"`
}

type digestPageItem struct {
	PK      string   `dynamodbav:"pk"` // digestPagesKey
	SK      string   `dynamodbav:"sk"` // page number, from 1
	Entries []string `dynamodbav:"entries"`
}

// digestPagesKey names a digest's pages by its hash too: a run that lost
// the race to store a digest never overwrites the winner's pages.
func digestPagesKey(org, sk, hash string) string { return "lines#" + org + "#" + sk + "#" + hash }

func pageKey(n int) string { return fmt.Sprintf("%05d", n) }

func encodeEntry(e digest.Entry) string {
	return e.Subject + "\t" + e.At + "\t" + hex.EncodeToString(e.Hash[:])
}

func decodeEntry(s string) (digest.Entry, error) {
	parts := strings.Split(s, "\t")
	if len(parts) != 3 {
		return digest.Entry{}, fmt.Errorf("digest entry %q: want subject, time and hash", s)
	}
	var e digest.Entry
	b, err := hex.DecodeString(parts[2])
	if err != nil || len(b) != len(e.Hash) {
		return digest.Entry{}, fmt.Errorf("digest entry %q: bad hash", s)
	}
	e.Subject, e.At = parts[0], parts[1]
	copy(e.Hash[:], b)
	return e, nil
}

// DigestOrgs lists every org that has a user, from the users' org index
// (its keys only: no user's secrets are read).
func (s *Store) DigestOrgs(ctx context.Context) ([]string, error) {
	seen := map[string]bool{}
	pg := dynamodb.NewScanPaginator(s.db, &dynamodb.ScanInput{TableName: &s.t.Users, IndexName: aws.String("byOrg"),
		ProjectionExpression: aws.String("orgId")})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing orgs: %w", err)
		}
		for _, it := range page.Items {
			if v, ok := it["orgId"].(*types.AttributeValueMemberS); ok {
				seen[v.Value] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for o := range seen {
		out = append(out, o)
	}
	sort.Strings(out)
	return out, nil
}

// HourLines lists every history line (login history and audit trail) of
// org whose time is in hour, each as stored, every attribute.
func (s *Store) HourLines(ctx context.Context, org string, hour time.Time) ([]digest.Line, error) {
	h := hour.UTC().Format(digest.HourFormat)
	// Every time of the hour begins "2006-01-02T15:"; ";" follows ":".
	pg := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{TableName: &s.t.History, IndexName: aws.String("byOrg"),
		KeyConditionExpression:    aws.String("orgId = :o AND #at BETWEEN :a AND :b"),
		ExpressionAttributeNames:  map[string]string{"#at": "at"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":o": av(org), ":a": av(h + ":"), ":b": av(h + ";")}})
	var out []digest.Line
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading the history of hour %s: %w", h, err)
		}
		for _, it := range page.Items {
			out = append(out, digest.Line{Subject: str(it["subject"]), At: str(it["at"]), Item: it})
		}
	}
	return out, nil
}

func str(v types.AttributeValue) string {
	if s, ok := v.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// PutDigest stores d: its pages first, then the digest item, only if no
// digest has its key (domain.ErrExists: another run wrote it). Pages have
// fixed keys, so a run that failed halfway leaves nothing a later run's
// pages do not overwrite.
func (s *Store) PutDigest(ctx context.Context, d digest.Digest) error {
	entries := make([]string, len(d.Entries))
	for i, e := range d.Entries {
		entries[i] = encodeEntry(e)
	}
	var pages [][]string
	for len(entries) > digestPageSize {
		pages, entries = append(pages, entries[:digestPageSize]), entries[digestPageSize:]
	}
	pages = append(pages, entries)
	hash := d.HexHash()
	for n, p := range pages[1:] {
		item, err := attributevalue.MarshalMap(digestPageItem{PK: digestPagesKey(d.OrgID, d.SortKey(), hash), SK: pageKey(n + 1), Entries: p})
		if err != nil {
			return fmt.Errorf("encoding digest page: %w", err)
		}
		if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.t.Digests, Item: item}); err != nil {
			return fmt.Errorf("storing digest page: %w", err)
		}
	}
	return s.putNew(ctx, s.t.Digests, digestItem{PK: d.OrgID, SK: d.SortKey(), Hour: d.Hour.UTC().Format(digest.HourFormat),
		Kind: d.Kind, Seq: d.Seq, Prev: d.Prev, Count: len(d.Entries), Pages: len(pages), CreatedAt: ts(d.CreatedAt),
		KeyID: d.KeyID, Signature: d.Signature, Hash: hash, Entries: pages[0]}, "pk")
}

// LastDigest is org's newest digest.
func (s *Store) LastDigest(ctx context.Context, org string) (digest.Digest, error) {
	return s.oneDigest(ctx, org, "pk = :o", nil)
}

// DigestBefore is org's newest digest of an hour before hour.
func (s *Store) DigestBefore(ctx context.Context, org string, hour time.Time) (digest.Digest, error) {
	return s.oneDigest(ctx, org, "pk = :o AND sk < :h", map[string]types.AttributeValue{":h": av(hour.UTC().Format(digest.HourFormat))})
}

func (s *Store) oneDigest(ctx context.Context, org, cond string, vals map[string]types.AttributeValue) (digest.Digest, error) {
	if vals == nil {
		vals = map[string]types.AttributeValue{}
	}
	vals[":o"] = av(org)
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{TableName: &s.t.Digests, KeyConditionExpression: &cond,
		ExpressionAttributeValues: vals, ScanIndexForward: aws.Bool(false), Limit: aws.Int32(1), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return digest.Digest{}, fmt.Errorf("reading digests: %w", err)
	}
	if len(out.Items) == 0 {
		return digest.Digest{}, fmt.Errorf("digest of org %s: %w", org, domain.ErrNotFound)
	}
	return s.decodeDigest(ctx, org, out.Items[0])
}

// Digests lists org's digests of hour from on, in chain order.
func (s *Store) Digests(ctx context.Context, org string, from time.Time) ([]digest.Digest, error) {
	pg := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{TableName: &s.t.Digests,
		KeyConditionExpression:    aws.String("pk = :o AND sk >= :h"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":o": av(org), ":h": av(from.UTC().Format(digest.HourFormat))},
		ConsistentRead:            aws.Bool(true)})
	var out []digest.Digest
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading digests: %w", err)
		}
		for _, it := range page.Items {
			d, err := s.decodeDigest(ctx, org, it)
			if err != nil {
				return nil, err
			}
			out = append(out, d)
		}
	}
	return out, nil
}

func (s *Store) decodeDigest(ctx context.Context, org string, item map[string]types.AttributeValue) (digest.Digest, error) {
	var it digestItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return digest.Digest{}, fmt.Errorf("decoding digest: %w", err)
	}
	hour, err := time.Parse(digest.HourFormat, it.Hour)
	if err != nil {
		return digest.Digest{}, fmt.Errorf("digest %s: hour %q: %w", it.SK, it.Hour, err)
	}
	d := digest.Digest{OrgID: it.PK, Hour: hour, Kind: it.Kind, Seq: it.Seq, Prev: it.Prev,
		CreatedAt: parseTS(it.CreatedAt), KeyID: it.KeyID, Signature: it.Signature}
	raw := it.Entries
	if it.Pages > 1 {
		more, err := s.digestPages(ctx, digestPagesKey(org, it.SK, it.Hash))
		if err != nil {
			return digest.Digest{}, err
		}
		raw = append(raw, more...)
	}
	for _, r := range raw {
		e, err := decodeEntry(r)
		if err != nil {
			return digest.Digest{}, fmt.Errorf("digest %s: %w", it.SK, err)
		}
		d.Entries = append(d.Entries, e)
	}
	return d, nil
}

func (s *Store) digestPages(ctx context.Context, pk string) ([]string, error) {
	pg := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{TableName: &s.t.Digests,
		KeyConditionExpression:    aws.String("pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": av(pk)}, ConsistentRead: aws.Bool(true)})
	var out []string
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading digest pages: %w", err)
		}
		for _, item := range page.Items {
			var p digestPageItem
			if err := attributevalue.UnmarshalMap(item, &p); err != nil {
				return nil, fmt.Errorf("decoding digest page: %w", err)
			}
			out = append(out, p.Entries...)
		}
	}
	return out, nil
}
