package dynamo_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

func TestAnAuthorizationCodeIsClaimedOnceAndItsReplayFindsWhatTheFirstIssued(t *testing.T) {
	e := newEnv(t)
	c := domain.AuthCode{IDHash: "code-1", ClientID: "PlatformCLI", RedirectURI: "http://localhost:1717/OauthRedirect", UserID: "005000000000001",
		OrgID: "00D000000000001", Username: "u@x.example", Scopes: []policy.Scope{policy.ScopeAPI}, CreatedAt: now, ExpiresAt: now.Add(2 * time.Minute)}
	if err := e.st.PutAuthCode(e.ctx, c); err != nil {
		t.Fatal(err)
	}
	if got, err := e.st.AuthCode(e.ctx, c.IDHash, now); err != nil || got.ClientID != c.ClientID || got.Used || len(got.Scopes) != 1 {
		t.Fatalf("read back: %+v, %v", got, err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	firsts := make([]domain.AuthCode, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			claim := c
			claim.Session, claim.Refresh = "sess-"+string(rune('a'+i)), "rt-"+string(rune('a'+i))
			firsts[i], errs[i] = e.st.ClaimAuthCode(e.ctx, claim, now)
		}()
	}
	wg.Wait()
	wins, winner := 0, ""
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
			winner = firsts[i].Session
		case !errors.Is(err, domain.ErrReplay):
			t.Fatalf("claim %d: %v", i, err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d claims won; want 1", wins)
	}
	for i, err := range errs {
		if err != nil && firsts[i].Session != winner {
			t.Errorf("a replay saw %q as issued; the winner issued %q", firsts[i].Session, winner)
		}
	}
	if _, err := e.st.ClaimAuthCode(e.ctx, domain.AuthCode{IDHash: "code-none"}, now); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("an unknown code: %v", err)
	}
	if _, err := e.st.AuthCode(e.ctx, c.IDHash, now.Add(3*time.Minute)); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("an expired code: %v", err)
	}
	// Neither a code nor a refresh token reads as a session.
	if _, err := e.st.Session(e.ctx, c.IDHash, now); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("a code read as a session: %v", err)
	}
}

func TestARotatedRefreshTokenIsUsedOnceAndItsChainEnds(t *testing.T) {
	e := newEnv(t)
	rt := domain.RefreshToken{IDHash: "rt-1", ClientID: "app", UserID: "005000000000001", OrgID: "00D000000000001", Username: "u@x.example",
		Scopes: []policy.Scope{policy.ScopeRefreshToken}, Grant: "code-1", CreatedAt: now, LastUsedAt: now}
	if err := e.st.PutRefreshToken(e.ctx, rt); err != nil {
		t.Fatal(err)
	}
	if err := e.st.UseRefreshToken(e.ctx, rt, "rt-2", now); err != nil {
		t.Fatal(err)
	}
	next := rt
	next.IDHash = "rt-2"
	if err := e.st.PutRefreshToken(e.ctx, next); err != nil {
		t.Fatal(err)
	}
	if err := e.st.UseRefreshToken(e.ctx, rt, "rt-3", now); !errors.Is(err, domain.ErrReplay) {
		t.Fatalf("a retired token used again: %v; want ErrReplay", err)
	}
	if got, err := e.st.RefreshToken(e.ctx, "rt-1", now); err != nil || got.ReplacedBy != "rt-2" || got.ExpiresAt.IsZero() == false {
		t.Fatalf("the retired token: %+v, %v", got, err)
	}
	if n, err := e.st.EndRefreshChain(e.ctx, "rt-1"); err != nil || n != 2 {
		t.Fatalf("the chain: %d ended, %v; want 2", n, err)
	}
	for _, id := range []string{"rt-1", "rt-2"} {
		if _, err := e.st.RefreshToken(e.ctx, id, now); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("%s after the chain ended: %v", id, err)
		}
	}
}
