package dynamo_test

import (
	"errors"
	"slices"
	"testing"

	"loginguard/shared/domain"
	"loginguard/shared/store/dynamo"
)

func TestAPasswordHistoryIsItsOwnItemReplacedOnlyAtTheVersionRead(t *testing.T) {
	e := newEnv(t)
	u := e.user(t)
	before := e.userItem(t, u.Username)
	h, err := e.st.PasswordHistory(e.ctx, u)
	if err != nil || h.Version != 0 || len(h.Hashes) != 0 {
		t.Fatalf("a user with nothing stored: %+v, %v; want an empty history at version 0", h, err)
	}
	if err := e.st.RememberPasswords(e.ctx, u, h, []string{"h1"}); err != nil {
		t.Fatal(err)
	}
	// A second writer that read the empty history too comes second.
	if err := e.st.RememberPasswords(e.ctx, u, h, []string{"other"}); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("a write from a stale read of no history: %v; want ErrConflict", err)
	}
	h1, err := e.st.PasswordHistory(e.ctx, u)
	if err != nil || h1.Version != 1 || !slices.Equal(h1.Hashes, []string{"h1"}) {
		t.Fatalf("after one write: %+v, %v", h1, err)
	}
	if err := e.st.RememberPasswords(e.ctx, u, h1, []string{"h2", "h1"}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.RememberPasswords(e.ctx, u, h1, []string{"h3", "h1"}); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("a write from a stale read: %v; want ErrConflict", err)
	}
	h2, _ := e.st.PasswordHistory(e.ctx, u)
	if h2.Version != 2 || !slices.Equal(h2.Hashes, []string{"h2", "h1"}) {
		t.Fatalf("the stale write must not land: %+v", h2)
	}
	// Its own item, in the orgs table under the user's id: the user item
	// (read and written on every login) does not change.
	item := e.item(t, e.tb.Orgs, map[string]typesAV{"pk": s(dynamo.PasswordHistoryPartition + u.ID), "sk": s("PWHISTORY")})
	if item == nil || num(t, item, "version") != 2 {
		t.Fatalf("the history item: %v", item)
	}
	if after := e.userItem(t, u.Username); len(after) != len(before) {
		t.Fatalf("the user item changed: %d attributes, was %d", len(after), len(before))
	}
	// Another user's history is another item.
	if other, _ := e.st.PasswordHistory(e.ctx, e.user(t)); other.Version != 0 {
		t.Fatalf("another user's history: %+v", other)
	}
}
