package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"loginguard/shared/admin"
)

// explain says why one login-history line came out as it did.
func (a *App) explain(ctx context.Context, args []string) error {
	fs := a.flags("explain", "(--user USERNAME [--id LINE_ID | --at TIME] | --org ORG_ID (--id LINE_ID | --at TIME))")
	user := idFlag(fs, "user", true)
	user.optional = true
	org := idFlag(fs, "org", false)
	org.optional = true
	id := fs.String("id", "", "a history line's `LINE_ID` (lgadmin history --json, lgadmin replay); without it, the user's last refused attempt")
	at := fs.String("at", "", "a history line's `TIME` as history prints it (2026-11-23T23:05:00Z): the newest line of that second")
	if err := parseIDs(fs, args, user, org); err != nil {
		return err
	}
	q := admin.ExplainQuery{User: user.value, Org: org.value, ID: *id}
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			return usageError{fmt.Sprintf("--at %q: give the time as history prints it (2026-11-23T23:05:00Z)", *at)}
		}
		q.At = t
	}
	if (q.User == "") == (q.Org == "") || q.Org != "" && q.ID == "" && q.At.IsZero() {
		return usageError{"give --user USERNAME (its last refused attempt, or one line by --id or --at), or --org ORG_ID with --id or --at"}
	}
	svc, err := a.admin(ctx)
	if err != nil {
		return err
	}
	x, err := svc.ExplainLine(ctx, cliActor, q)
	if err != nil {
		return err
	}
	return a.showText(x)
}

// replay decides an org's attempts of a period again under a draft.
func (a *App) replay(ctx context.Context, args []string) error {
	fs := a.flags("replay", "--org ORG_ID --since 24h --draft FILE")
	org := idFlag(fs, "org", true)
	since := fs.String("since", "24h", "the period's start: a duration before now (24h, 90m) or a time (RFC 3339)")
	until := fs.String("until", "", "the period's end, as --since (default now)")
	draft := fs.String("draft", "", `the draft's JSON `+"`FILE`"+` ("-" for standard input): {"org": {...}, "profiles": {"<profile id or name>": {...}}}, members as the admin API's settings`)
	if err := parseIDs(fs, args, org); err != nil {
		return err
	}
	if *draft == "" {
		return usageError{"--draft is required"}
	}
	now := a.Now()
	q := admin.ReplayQuery{Org: org.value}
	var err error
	if q.Since, err = timeFlag("since", *since, now); err != nil {
		return err
	}
	if *until != "" {
		if q.Until, err = timeFlag("until", *until, now); err != nil {
			return err
		}
	}
	doc, err := a.readDraft(*draft)
	if err != nil {
		return err
	}
	f, err := admin.ParseDraftFile(doc)
	if err != nil {
		return err
	}
	svc, err := a.admin(ctx)
	if err != nil {
		return err
	}
	r, err := svc.Replay(ctx, cliActor, q, f)
	if err != nil {
		return err
	}
	return a.showText(r)
}

// timeFlag reads a duration before now or an RFC 3339 time.
func timeFlag(name, v string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, usageError{fmt.Sprintf("--%s %q: give a duration before now (24h) or a time (2026-11-23T00:00:00Z)", name, v)}
	}
	return t, nil
}

// readDraft reads the draft file (standard input for "-"), at most
// admin.MaxDraftBytes and one more, so a longer one is refused as such.
func (a *App) readDraft(path string) ([]byte, error) {
	r := a.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("reading the draft: %w", err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, admin.MaxDraftBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading the draft: %w", err)
	}
	return b, nil
}
