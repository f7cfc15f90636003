package dynamo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

// API is the part of the DynamoDB client the store uses.
type API interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	BatchWriteItem(context.Context, *dynamodb.BatchWriteItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
	Scan(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
}

// Tables names the tables, as template.yaml declares them.
type Tables struct {
	Orgs, Users, Sessions, History, Apps, Sources string
	Digests                                       string // the history digests (shared/digest)
}

// Store is the DynamoDB implementation of the service's storage.
type Store struct {
	db API
	t  Tables
}

// New returns a Store on the given client and tables.
func New(db API, t Tables) *Store { return &Store{db: db, t: t} }

func av(v any) types.AttributeValue {
	switch x := v.(type) {
	case string:
		return &types.AttributeValueMemberS{Value: x}
	case int:
		return &types.AttributeValueMemberN{Value: strconv.Itoa(x)}
	case int64:
		return &types.AttributeValueMemberN{Value: strconv.FormatInt(x, 10)}
	case bool:
		return &types.AttributeValueMemberBOOL{Value: x}
	}
	panic(fmt.Sprintf("dynamo: no attribute value for %T", v))
}

func userKey(username string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"username": av(domain.NormalizeUsername(username))}
}

func isConditionFailed(err error) (*types.ConditionalCheckFailedException, bool) {
	var ccf *types.ConditionalCheckFailedException
	ok := errors.As(err, &ccf)
	return ccf, ok
}

// ---- the login path ----

// BeginAttempt reserves one login attempt for username before any password is
// checked, and returns the user. It is one conditional write: the attempt
// counter goes up only while the user exists, is active and is not locked, so
// N parallel attempts against a maximum of M let exactly M through. Each
// reservation also moves the lock's end to now + period: should this attempt
// be the M-th failure, the lock runs from it.
//
// With the org's familiar-place lockout on, an attempt from a place
// unfamiliar to the user (policy.Place) counts on a second counter
// (uAttempts) instead, against the same limit: its lock refuses unfamiliar
// places only, while a lock of the first counter refuses every place (as
// Salesforce's does). The condition of the first write admits the places it
// can see are familiar (an activated browser, a source seen before); for
// any other place the returned item decides (the trusted and profile ranges
// cannot be read in a condition), at one more write: the failure path's.
// The returned user has Unfamiliar set when the second counter was taken.
//
// Errors: domain.ErrNotFound, domain.ErrInactive, domain.ErrLocked (with the
// user, so history can name them).
func (s *Store) BeginAttempt(ctx context.Context, username string, now time.Time, at domain.Place) (domain.User, error) {
	familiar := ptr(at.Known)
	for try := 0; ; try++ {
		update := "SET attempts = attempts + :one, lockEndsAt = lockForSec + :now"
		cond := "attribute_exists(username) AND active = :true AND (attempts < lockCeiling OR lockEndsAt <= :now)"
		vals := map[string]types.AttributeValue{":one": av(1), ":now": av(now.Unix()), ":true": av(true)}
		var names map[string]string
		switch {
		case familiar == nil:
			update = "SET uAttempts = if_not_exists(uAttempts, :zero) + :one, uLockEndsAt = lockForSec + :now"
			cond += " AND (attribute_not_exists(uAttempts) OR uAttempts < lockCeiling OR uLockEndsAt <= :now)"
			vals[":zero"] = av(0)
		case !*familiar:
			cond += " AND (attribute_not_exists(pol.familiarLockout) OR pol.familiarLockout = :false OR attribute_exists(devices.#d) OR attribute_exists(seen.#s))"
			vals[":false"] = av(false)
			names = map[string]string{"#d": orNone(at.Device), "#s": orNone(at.Source)}
		}
		out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: &s.t.Users, Key: userKey(username),
			UpdateExpression: &update, ConditionExpression: &cond,
			ExpressionAttributeValues: vals, ExpressionAttributeNames: names,
			ReturnValues:                        types.ReturnValueAllNew,
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		})
		if err == nil {
			u, err := decodeUser(out.Attributes)
			u.Unfamiliar, u.Source = familiar == nil, at.Source
			return u, err
		}
		ccf, ok := isConditionFailed(err)
		if !ok {
			return domain.User{}, fmt.Errorf("reserving login attempt: %w", err)
		}
		// DynamoDB returns the item that failed the condition; the local
		// stand-in does not, so read it then (a failure path only).
		item := ccf.Item
		if item == nil {
			got, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.t.Users, Key: userKey(username), ConsistentRead: aws.Bool(true)})
			if err != nil {
				return domain.User{}, fmt.Errorf("reading refused user: %w", err)
			}
			item = got.Item
		}
		if item == nil {
			return domain.User{}, domain.ErrNotFound
		}
		u, err := decodeUser(item)
		if err != nil {
			return domain.User{}, err
		}
		if !u.Active {
			return u, domain.ErrInactive
		}
		lo := u.Policy.Lockout
		if lo.Locked(u.Lock, now) || try > 1 || (familiar == nil && lo.Locked(u.UnfamiliarLock, now)) {
			return u, domain.ErrLocked
		}
		if familiar != nil && !*familiar && u.Policy.FamiliarPlaceLockout {
			// Not familiar by what the condition could see: the ranges say.
			_, activated := u.Devices[at.Device]
			_, seen := u.Seen[at.Source]
			place := policy.Place{IP: at.IP, ActivatedBrowser: at.Device != "" && activated, SeenSource: at.Source != "" && seen,
				TrustedRanges: u.Policy.TrustedRanges, LoginIPRanges: u.Policy.LoginIPRanges}
			if place.Familiar() {
				familiar = ptr(true)
			} else {
				familiar = nil
			}
			continue
		}
		// The lock ran out between the write and the read: try once more.
	}
}

func ptr[T any](v T) *T { return &v }

// orNone is a map key for a condition on a value that may be empty: "-",
// which no stored key is.
func orNone(k string) string {
	if k == "" {
		return "-"
	}
	return k
}

// userNow reads a user with a consistent read; ErrNotFound when none.
func (s *Store) userNow(ctx context.Context, username string) (domain.User, error) {
	got, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.t.Users, Key: userKey(username), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return domain.User{}, fmt.Errorf("reading user: %w", err)
	}
	if got.Item == nil {
		return domain.User{}, domain.ErrNotFound
	}
	return decodeUser(got.Item)
}

func decodeUser(item map[string]types.AttributeValue) (domain.User, error) {
	var it userItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return domain.User{}, fmt.Errorf("decoding user: %w", err)
	}
	return it.user()
}

// Succeed ends a reserved attempt that logged in: the counter goes back to
// zero. With newHash set (the stored hash used weaker parameters) the
// password hash is replaced too, unless it changed meanwhile. With totpStep
// set, the TOTP code's time step is recorded, and only if it is later than
// the last one used: a code is good once, even when two logins with it race.
// domain.ErrReplay then. Only while the user's session generation is still
// the one u was reserved under: if the user's sessions were ended since (a
// deactivation, a password reset), domain.ErrSessionsEnded and nothing changes.
// When u, as reserved, holds a reset link that ran out unused, the same
// write removes it (unless a newer one replaced it meanwhile).
func (s *Store) Succeed(ctx context.Context, u domain.User, now time.Time, newHash string, totpStep int64) error {
	set := "SET attempts = :zero, lastLoginAt = :now, " + nextGen
	cond := "attribute_exists(username) AND sessGen = :gen"
	if u.SessionGen == 0 {
		cond = "attribute_exists(username) AND (attribute_not_exists(sessGen) OR sessGen = :gen)"
	}
	vals := map[string]types.AttributeValue{":zero": av(0), ":one": av(1), ":now": av(ts(now)), ":gen": av(u.SessionGen)}
	if totpStep > 0 {
		set += ", totpLastStep = :step"
		cond += " AND " + stepIsNew
		vals[":step"] = av(totpStep)
	}
	if u.Unfamiliar {
		// A success from an unfamiliar place: the place is familiar now.
		set += ", uAttempts = :zero, uLockGen = if_not_exists(uLockGen, :zero) + :one"
	}
	var names map[string]string
	if u.Policy.FamiliarPlaceLockout && u.Source != "" {
		if seen, whole := seenAfter(u.Seen, u.Source, now); whole {
			set += ", seen = :seen"
			vals[":seen"] = &types.AttributeValueMemberM{Value: seen}
		} else {
			set += ", seen.#src = :nowSec"
			names = map[string]string{"#src": u.Source}
			vals[":nowSec"] = av(now.Unix())
		}
	}
	if newHash != "" {
		set += ", passwordHash = :new"
		cond += " AND passwordHash = :old"
		vals[":new"], vals[":old"] = av(newHash), av(u.PasswordHash)
	}
	update := set
	tidy := u.PasswordReset.Expired(now)
	if tidy {
		// The reserved item shows a reset link that ran out unused: this
		// write removes it, at no extra call, unless a newer link replaced
		// it meanwhile. A link still valid stays (it works until used or
		// out).
		update += " REMOVE " + linkAttrs
		cond += " AND (attribute_not_exists(pwrHash) OR pwrHash = :pwr)"
		vals[":pwr"] = av(u.PasswordReset.Digest)
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.t.Users, Key: userKey(u.Username),
		UpdateExpression: &update, ConditionExpression: &cond, ExpressionAttributeValues: vals, ExpressionAttributeNames: names,
	})
	if _, ok := isConditionFailed(err); ok {
		// Which condition failed: read the user (a failure path only).
		cur, err := s.userNow(ctx, u.Username)
		if err != nil || cur.SessionGen != u.SessionGen {
			return errors.Join(domain.ErrSessionsEnded, err)
		}
		if tidy && cur.PasswordReset.Digest != u.PasswordReset.Digest {
			// A new link was sent meanwhile: it stays; the rest still holds.
			u.PasswordReset = domain.PasswordReset{}
			return s.Succeed(ctx, u, now, newHash, totpStep)
		}
		if newHash != "" {
			// The password changed meanwhile: keep it; the rest still holds.
			return s.Succeed(ctx, u, now, "", totpStep)
		}
		if totpStep > 0 {
			return domain.ErrReplay
		}
	}
	if err != nil {
		return fmt.Errorf("resetting login attempts: %w", err)
	}
	return nil
}

// stepIsNew is the condition that spends a TOTP code's time step (:step):
// only a step later than the last one used, by any login or reset.
const stepIsNew = "(attribute_not_exists(totpLastStep) OR totpLastStep < :step)"

// seenAfter is the user's seen sources once source logged in at now, as
// the whole map to write when it must be written whole (there is none yet,
// or it is full and source is new: the source seen longest ago goes); false
// when setting the one entry will do.
func seenAfter(seen map[string]time.Time, source string, now time.Time) (map[string]types.AttributeValue, bool) {
	if _, ok := seen[source]; ok || (len(seen) > 0 && len(seen) < policy.MaxSeenSources) {
		return nil, false
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return seen[keys[i]].After(seen[keys[j]]) })
	if len(keys) >= policy.MaxSeenSources {
		keys = keys[:policy.MaxSeenSources-1]
	}
	out := map[string]types.AttributeValue{source: av(now.Unix())}
	for _, k := range keys {
		out[k] = av(seen[k].Unix())
	}
	return out, true
}

// EnrolTOTPKey stores a user's first sealed TOTP key: only where none
// exists, so enrolment can never replace a key (domain.ErrExists then).
// Replacing or removing one is SetTOTPKey, an admin's act.
func (s *Store) EnrolTOTPKey(ctx context.Context, username, sealed string) error {
	if sealed == "" {
		return errors.New("enrolling an empty TOTP key")
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.t.Users, Key: userKey(username),
		UpdateExpression:          aws.String("SET totpKey = :k, totpLastStep = :zero"),
		ConditionExpression:       aws.String("attribute_exists(username) AND (attribute_not_exists(totpKey) OR totpKey = :none)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":k": av(sealed), ":zero": av(0), ":none": av("")},
	})
	if _, ok := isConditionFailed(err); ok {
		return domain.ErrExists
	}
	if err != nil {
		return fmt.Errorf("enrolling TOTP key: %w", err)
	}
	return nil
}

// SetTOTPKey stores a user's sealed TOTP key whatever was there; an empty
// one removes it. The admin CLI's; logins enrol with EnrolTOTPKey.
func (s *Store) SetTOTPKey(ctx context.Context, username, sealed string) error {
	if sealed == "" {
		return s.updateUser(ctx, username, "REMOVE totpKey, totpLastStep", nil)
	}
	return s.updateUser(ctx, username, "SET totpKey = :k, totpLastStep = :zero", map[string]types.AttributeValue{":k": av(sealed), ":zero": av(0)})
}

// SetAttempts sets the counter of a user whose reserved attempt turned out
// not to count as the reservation did: to 1 for a failure right after an
// expired lock (the count restarts), to 0 for valid credentials denied by
// policy right after one. It only writes while the count is still the one
// the reservation left, so concurrent attempts are never undone.
func (s *Store) SetAttempts(ctx context.Context, u domain.User, to int) error {
	c := counterOf(u)
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.t.Users,
		Key:                       userKey(u.Username),
		UpdateExpression:          aws.String("SET #n = :to, #g = if_not_exists(#g, :zero) + :one"),
		ConditionExpression:       aws.String("#n = :seen"),
		ExpressionAttributeNames:  map[string]string{"#n": c.attempts, "#g": c.gen},
		ExpressionAttributeValues: map[string]types.AttributeValue{":to": av(to), ":seen": av(u.ReservedLock().Attempts), ":zero": av(0), ":one": av(1)},
	})
	if _, ok := isConditionFailed(err); ok {
		return nil
	}
	if err != nil {
		return fmt.Errorf("setting login attempts: %w", err)
	}
	return nil
}

// counter names the attributes of the count an attempt was reserved on.
type counter struct{ attempts, gen string }

func counterOf(u domain.User) counter {
	if u.Unfamiliar {
		return counter{"uAttempts", "uLockGen"}
	}
	return counter{"attempts", "lockGen"}
}

// resetCounts clears both counts (an unlock, a new password), each with a
// new generation (:zero and :one bound).
const resetCounts = "attempts = :zero, lockEndsAt = :zero, uAttempts = :zero, uLockEndsAt = :zero, " + nextGen +
	", uLockGen = if_not_exists(uLockGen, :zero) + :one"

// nextGen starts a new count (domain.User.Lock.Gen): every write that resets
// the attempt count carries it (with :zero and :one bound).
const nextGen = "lockGen = if_not_exists(lockGen, :zero) + :one"

// ReleaseAttempt gives back a reserved attempt whose credentials were right
// but which policy denied (login hours, IP range): it does not count. It
// gives back its own slot only: if the count was reset since u was reserved
// (a success, an unlock), the slot went with it, and lowering the new count
// would erase a failure that raced in after the reset.
func (s *Store) ReleaseAttempt(ctx context.Context, u domain.User) error {
	c, gen := counterOf(u), u.ReservedLock().Gen
	cond := "#n > :zero AND #g = :gen"
	if gen == 0 {
		cond = "#n > :zero AND (attribute_not_exists(#g) OR #g = :gen)"
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.t.Users,
		Key:                       userKey(u.Username),
		UpdateExpression:          aws.String("SET #n = #n - :one"),
		ConditionExpression:       &cond,
		ExpressionAttributeNames:  map[string]string{"#n": c.attempts, "#g": c.gen},
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": av(1), ":zero": av(0), ":gen": av(gen)},
	})
	if _, ok := isConditionFailed(err); ok {
		return nil
	}
	if err != nil {
		return fmt.Errorf("releasing login attempt: %w", err)
	}
	return nil
}

// giveBack lowers a user's counter attr by one, never below zero.
func (s *Store) giveBack(ctx context.Context, username, attr, what string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.t.Users,
		Key:                       userKey(username),
		UpdateExpression:          aws.String("SET #n = #n - :one"),
		ConditionExpression:       aws.String("#n > :zero"),
		ExpressionAttributeNames:  map[string]string{"#n": attr},
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": av(1), ":zero": av(0)},
	})
	if _, ok := isConditionFailed(err); ok {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// OpenSession stores a new session and its login-history line in one round trip.
func (s *Store) OpenSession(ctx context.Context, sess domain.Session, ev domain.LoginEvent) error {
	si, err := attributevalue.MarshalMap(toSessionItem(sess))
	if err != nil {
		return fmt.Errorf("encoding session: %w", err)
	}
	hi, err := s.historyItem(ev)
	if err != nil {
		return err
	}
	req := map[string][]types.WriteRequest{
		s.t.Sessions: {{PutRequest: &types.PutRequest{Item: si}}},
		s.t.History:  {{PutRequest: &types.PutRequest{Item: hi}}},
	}
	for try := 0; len(req) > 0; try++ {
		if try == 5 {
			return errors.New("storing session: DynamoDB left items unprocessed after 5 tries")
		}
		if try > 0 {
			time.Sleep(time.Duration(10<<try) * time.Millisecond)
		}
		out, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: req})
		if err != nil {
			return fmt.Errorf("storing session: %w", err)
		}
		req = out.UnprocessedItems
	}
	return nil
}

func (s *Store) historyItem(ev domain.LoginEvent) (map[string]types.AttributeValue, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	item, err := attributevalue.MarshalMap(toHistoryItem(ev, hex.EncodeToString(b[:])))
	if err != nil {
		return nil, fmt.Errorf("encoding login history: %w", err)
	}
	return item, nil
}

// Record adds one line to login history.
func (s *Store) Record(ctx context.Context, ev domain.LoginEvent) error {
	item, err := s.historyItem(ev)
	if err != nil {
		return err
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.t.History, Item: item}); err != nil {
		return fmt.Errorf("recording login history: %w", err)
	}
	return nil
}

// Session returns the session stored under idHash. An expired session is
// domain.ErrNotFound: TTL deletion lags by hours, so expiry is checked on read.
func (s *Store) Session(ctx context.Context, idHash string, now time.Time) (domain.Session, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.t.Sessions, Key: map[string]types.AttributeValue{"id": av(idHash)}, ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return domain.Session{}, fmt.Errorf("reading session: %w", err)
	}
	if _, challenge := out.Item["kind"]; out.Item == nil || challenge {
		return domain.Session{}, domain.ErrNotFound
	}
	var it sessionItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return domain.Session{}, fmt.Errorf("decoding session: %w", err)
	}
	if it.ExpiresAt <= now.Unix() {
		return domain.Session{}, domain.ErrNotFound
	}
	return it.session()
}

// TouchSession records activity on a session at now, which moves its idle
// expiry (and TTL) forward. Only a live session is touched.
func (s *Store) TouchSession(ctx context.Context, sess domain.Session, now time.Time) error {
	sess.LastSeenAt = now
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.t.Sessions,
		Key:                       map[string]types.AttributeValue{"id": av(sess.IDHash)},
		UpdateExpression:          aws.String("SET lastSeenAt = :now, expiresAt = :exp"),
		ConditionExpression:       aws.String("attribute_exists(id) AND expiresAt > :now AND lastSeenAt < :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": av(now.Unix()), ":exp": av(sess.ExpiresAt().Unix())},
	})
	if _, ok := isConditionFailed(err); ok {
		return nil // ended meanwhile, or touched by a parallel request
	}
	if err != nil {
		return fmt.Errorf("touching session: %w", err)
	}
	return nil
}

// EndSession deletes a session opened by one of loginTypes (a channel's: a
// session of another is left alone); domain.ErrNotFound when there was none
// such or it had expired (an expired one is left for TTL to remove).
func (s *Store) EndSession(ctx context.Context, idHash string, loginTypes []string, now time.Time) error {
	if len(loginTypes) == 0 {
		return domain.ErrNotFound
	}
	vals := map[string]types.AttributeValue{":now": av(now.Unix())}
	in := make([]string, len(loginTypes))
	for i, t := range loginTypes {
		in[i] = ":t" + strconv.Itoa(i)
		vals[in[i]] = av(t)
	}
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 &s.t.Sessions,
		Key:                       map[string]types.AttributeValue{"id": av(idHash)},
		ConditionExpression:       aws.String("attribute_exists(id) AND expiresAt > :now AND loginType IN (" + strings.Join(in, ", ") + ")"),
		ExpressionAttributeValues: vals,
	})
	return orNotFound(err, "ending session")
}
