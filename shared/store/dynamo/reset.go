package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"loginguard/shared/domain"
)

// ---- the "Forgot your password?" link, on the user item ----

// linkAttrs are the attributes of a reset link: a write that ends one
// removes them all.
const linkAttrs = "pwrHash, pwrExp, pwrPw, pwrCode, pwrTries"

// PutPasswordReset stores r as u's pending reset link, replacing any older
// one (only the newest link works), and only while u's password is still
// the one u holds: domain.ErrConflict otherwise.
func (s *Store) PutPasswordReset(ctx context.Context, u domain.User, r domain.PasswordReset) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.t.Users, Key: userKey(u.Username),
		UpdateExpression:    aws.String("SET pwrHash = :h, pwrExp = :exp, pwrPw = :bound REMOVE pwrCode, pwrTries"),
		ConditionExpression: aws.String("attribute_exists(username) AND passwordHash = :pw"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":h": av(r.Digest), ":exp": av(epoch(r.ExpiresAt)), ":bound": av(r.BoundTo), ":pw": av(u.PasswordHash),
		},
	})
	if _, ok := isConditionFailed(err); ok {
		return domain.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("storing a password-reset link: %w", err)
	}
	return nil
}

// SetPasswordResetCode binds a verification code (its digest) to the link
// whose digest is link, once: domain.ErrConflict when the link is gone or
// has a code already (a parallel request mailed one).
func (s *Store) SetPasswordResetCode(ctx context.Context, username, link, codeDigest string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.t.Users, Key: userKey(username),
		UpdateExpression:    aws.String("SET pwrCode = :c, pwrTries = :zero"),
		ConditionExpression: aws.String("pwrHash = :h AND attribute_not_exists(pwrCode)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":c": av(codeDigest), ":zero": av(0), ":h": av(link),
		},
	})
	if _, ok := isConditionFailed(err); ok {
		return domain.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("storing a password-reset code: %w", err)
	}
	return nil
}

// TakePasswordResetTry takes one of the link's max code answers before the
// code is checked, and returns how many are taken with it:
// domain.ErrNotFound when the link is gone or its answers are used up.
func (s *Store) TakePasswordResetTry(ctx context.Context, username, link string, max int) (int, error) {
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.t.Users, Key: userKey(username),
		UpdateExpression:    aws.String("ADD pwrTries :one"),
		ConditionExpression: aws.String("pwrHash = :h AND (attribute_not_exists(pwrTries) OR pwrTries < :max)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":one": av(1), ":h": av(link), ":max": av(max),
		},
		ReturnValues: types.ReturnValueUpdatedNew,
	})
	if _, ok := isConditionFailed(err); ok {
		return 0, domain.ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("taking a password-reset try: %w", err)
	}
	var n int
	if v, ok := out.Attributes["pwrTries"].(*types.AttributeValueMemberN); ok {
		n, _ = strconv.Atoi(v.Value)
	}
	return n, nil
}

// EndPasswordReset removes the link whose digest is link (used, or its
// code tried too often): domain.ErrNotFound when it is no longer there.
func (s *Store) EndPasswordReset(ctx context.Context, username, link string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.t.Users, Key: userKey(username),
		UpdateExpression:          aws.String("REMOVE " + linkAttrs),
		ConditionExpression:       aws.String("pwrHash = :h"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":h": av(link)},
	})
	if _, ok := isConditionFailed(err); ok {
		return domain.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("ending a password-reset link: %w", err)
	}
	return nil
}

// SpendPasswordResetTOTP spends the time step of a TOTP code the reset
// page accepted, as Succeed does a login's: one conditional write that
// records step as the user's last TOTP step, only while it is later than
// the last one used (by a login or a reset) and the link whose digest is
// link is still there. Of two requests racing with one code, one spends
// it. domain.ErrReplay when the step was used; domain.ErrNotFound when the
// link is gone.
func (s *Store) SpendPasswordResetTOTP(ctx context.Context, username, link string, step int64) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.t.Users, Key: userKey(username),
		UpdateExpression:          aws.String("SET totpLastStep = :step"),
		ConditionExpression:       aws.String("pwrHash = :h AND " + stepIsNew),
		ExpressionAttributeValues: map[string]types.AttributeValue{":step": av(step), ":h": av(link)},
	})
	if _, ok := isConditionFailed(err); ok {
		// Which condition failed: read the user (a failure path only).
		u, err := s.userNow(ctx, username)
		if err != nil && !errors.Is(err, domain.ErrNotFound) {
			return err
		}
		if err != nil || u.PasswordReset.Digest != link {
			return domain.ErrNotFound
		}
		return domain.ErrReplay
	}
	if err != nil {
		return fmt.Errorf("spending a reset's TOTP code: %w", err)
	}
	return nil
}
