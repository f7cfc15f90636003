package main

import (
	"context"
	"crypto"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"loginguard/shared/digest"
	"loginguard/shared/export"
	"loginguard/shared/keyring/kms"
	"loginguard/shared/store/dynamo"
)

var errNoDigestKey = errors.New("HISTORY_DIGEST_KMS_KEY is not set: give the CLI the KMS key the digest function signs with (the stack's HistoryDigestKey ARN), or --public-key")

// whenFlag is a point in time given as a duration back from now (24h,
// 90m), a date (2026-12-03, midnight UTC) or an RFC 3339 time.
type whenFlag struct {
	name string
	t    time.Time
	set  bool
	now  func() time.Time
}

func (w *whenFlag) String() string { return "" }

func (w *whenFlag) Set(s string) error {
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		w.t, w.set = w.now().Add(-d), true
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			w.t, w.set = t, true
			return nil
		}
	}
	return fmt.Errorf("%q: want a duration back from now (24h), a date (2026-12-03) or an RFC 3339 time", s)
}

func (a *App) whenFlag(fs *flag.FlagSet, name, usage string) *whenFlag {
	w := &whenFlag{name: name, now: a.Now}
	fs.Var(w, name, usage)
	return w
}

// historyPublicKey prints the digest key's public key, as KMS gives it.
func (a *App) historyPublicKey(ctx context.Context, args []string) error {
	fs := a.flags("history public-key", "")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	pk, keyID, err := a.kmsDigestKey(ctx)
	if err != nil {
		return err
	}
	block := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pk.DER}))
	if a.json {
		a.printJSON(map[string]string{"keyId": keyID, "keySpec": pk.KeySpec, "publicKeyPem": block})
		return nil
	}
	_, err = io.WriteString(a.Stdout, block)
	return err
}

// kmsDigestKey is the public half of HISTORY_DIGEST_KMS_KEY, and its id,
// checked to be a key that can check the digests.
func (a *App) kmsDigestKey(ctx context.Context) (kms.PublicKey, string, error) {
	ap, err := a.app(ctx)
	if err != nil {
		return kms.PublicKey{}, "", err
	}
	keyID := ap.Config.HistoryDigestKMSKey
	if keyID == "" {
		return kms.PublicKey{}, "", errNoDigestKey
	}
	k, err := kms.New(ap.AWS, ap.Config.KMSEndpoint)
	if err != nil {
		return kms.PublicKey{}, "", err
	}
	pk, err := k.GetPublicKey(ctx, keyID)
	if err != nil {
		return kms.PublicKey{}, "", err
	}
	if _, err := digest.ParsePublicKey(pk.DER); err != nil {
		return kms.PublicKey{}, "", err
	}
	return pk, keyID, nil
}

// digestKey is the public key from --public-key's PEM file, or else from KMS.
func (a *App) digestKey(ctx context.Context, file string) (crypto.PublicKey, error) {
	var der []byte
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		block, _ := pem.Decode(b)
		if block == nil || block.Type != "PUBLIC KEY" {
			return nil, fmt.Errorf("%s: want a PEM PUBLIC KEY (lgadmin history public-key prints one)", file)
		}
		der = block.Bytes
	} else {
		pk, _, err := a.kmsDigestKey(ctx)
		if err != nil {
			return nil, err
		}
		der = pk.DER
	}
	return digest.ParsePublicKey(der)
}

// historyVerify checks an org's digests and lines, naming what changed.
func (a *App) historyVerify(ctx context.Context, args []string) error {
	fs := a.flags("history verify", "--org ORG_ID --since WHEN")
	org := idFlag(fs, "org", true)
	since := a.whenFlag(fs, "since", "check the digests of the hours from `WHEN` on: a duration back from now (24h), a date or an RFC 3339 time")
	keyFile := fs.String("public-key", "", "check signatures with this PEM `FILE` (lgadmin history public-key's) instead of asking KMS")
	if err := parseIDs(fs, args, org); err != nil {
		return err
	}
	if !since.set {
		return usageError{"--since is required"}
	}
	pub, err := a.digestKey(ctx, *keyFile)
	if err != nil {
		return err
	}
	ap, err := a.app(ctx)
	if err != nil {
		return err
	}
	res, err := digest.Verify(ctx, ap.Store, pub, org.value, since.t, 0)
	if err != nil {
		return err
	}
	a.printVerify(res, since.t)
	if !res.OK() {
		return fmt.Errorf("%d problem(s) found in the history of org %s", len(res.Problems), org.value)
	}
	return nil
}

func (a *App) printVerify(res digest.Result, since time.Time) {
	if a.json {
		a.printJSON(res)
		return
	}
	if res.Digests == 0 {
		fmt.Fprintf(a.Stdout, "no digest of org %s from %s on (the digest function has not run for it yet)\n", res.OrgID, since.UTC().Format(digest.HourFormat))
		return
	}
	for _, p := range res.Problems {
		fmt.Fprintf(a.Stdout, "%s: %s\n", p.Code, p.Message)
	}
	for _, l := range res.Late {
		fmt.Fprintf(a.Stdout, "late, written after its hour was digested: %s\n", l)
	}
	for _, l := range res.Pending {
		fmt.Fprintf(a.Stdout, "late, not digested yet (the next run lists it in a late digest): %s\n", l)
	}
	verdict := "OK"
	if !res.OK() {
		verdict = fmt.Sprintf("%d problem(s)", len(res.Problems))
	}
	fmt.Fprintf(a.Stdout, "%d digests and %d lines checked, head %s (%s): %s\n", res.Digests, res.Lines, res.Head, res.HeadHash, verdict)
}

// historyExport streams an org's history of a time range.
func (a *App) historyExport(ctx context.Context, args []string) error {
	fs := a.flags("history export", "--org ORG_ID --since WHEN [--until WHEN] [--format csv|jsonl] [--kind login|audit] [--out FILE]")
	org := idFlag(fs, "org", true)
	since := a.whenFlag(fs, "since", "from `WHEN` on: a duration back from now (24h), a date or an RFC 3339 time")
	until := a.whenFlag(fs, "until", "before `WHEN` (default now)")
	format := fs.String("format", export.CSV, "csv (with a header) or jsonl (one JSON object a line)")
	kind := fs.String("kind", "", "only login (login history) or audit (the audit trail); both by default")
	out := fs.String("out", "", "write to `FILE` (default standard output)")
	if err := parseIDs(fs, args, org); err != nil {
		return err
	}
	if !since.set {
		return usageError{"--since is required"}
	}
	if !until.set {
		until.t = a.Now()
	}
	if *kind != "" && *kind != export.KindLogin && *kind != export.KindAudit {
		return usageError{"--kind must be login or audit"}
	}
	if *format != export.CSV && *format != export.JSONL {
		return usageError{"--format must be csv or jsonl"}
	}
	ap, err := a.app(ctx)
	if err != nil {
		return err
	}
	w := a.Stdout
	if *out != "" {
		f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	ew, err := export.NewWriter(w, *format)
	if err != nil {
		return err
	}
	err = ap.Store.OrgHistory(ctx, org.value, since.t, until.t, func(l dynamo.HistoryLine) error {
		switch {
		case l.Login != nil && *kind != export.KindAudit:
			return ew.Write(export.LoginRow(*l.Login))
		case l.Audit != nil && *kind != export.KindLogin:
			return ew.Write(export.AuditRow(*l.Audit))
		}
		return nil
	})
	if cerr := ew.Close(); err == nil {
		err = cerr
	}
	return err
}
