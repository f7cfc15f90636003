// Command digest is the scheduled function that makes login history
// tamper-evident: each run signs, for every org, a digest of each hour due
// (shared/digest). It is built without shared/app: it needs the store and
// KMS only, none of the login use cases.
package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"loginguard/shared/callrecord"
	"loginguard/shared/config"
	"loginguard/shared/digest"
	"loginguard/shared/keyring/kms"
	"loginguard/shared/store/dynamo"
)

func main() {
	h, err := build(context.Background(), os.Getenv)
	if err != nil {
		slog.New(slog.NewJSONHandler(os.Stderr, nil)).Error("init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h.handle)
}

type handler struct {
	svc *digest.Service
	log *slog.Logger
	now func() time.Time
}

func build(ctx context.Context, getenv func(string) string) (*handler, error) {
	cfg, err := config.Load(getenv)
	if err != nil {
		return nil, err
	}
	if cfg.HistoryDigestKMSKey == "" {
		return nil, errors.New("HISTORY_DIGEST_KMS_KEY is not set: the digests need a key to be signed with")
	}
	awsCfg, err := config.AWS(ctx)
	if err != nil {
		return nil, err
	}
	if cfg.AWSCallLog != "" {
		if err := callrecord.Attach(&awsCfg, cfg.AWSCallLog, cfg.Function); err != nil {
			return nil, err
		}
	}
	signer, err := kms.New(awsCfg, cfg.KMSEndpoint)
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	st := dynamo.New(dynamodb.NewFromConfig(awsCfg), dynamo.Tables(cfg.Tables))
	return &handler{svc: &digest.Service{Store: st, Signer: signer, KeyID: cfg.HistoryDigestKMSKey, Log: log}, log: log, now: time.Now}, nil
}

// handle runs one digest run at the scheduled event's time (never later
// than now: a hand-made event cannot digest hours still under way).
func (h *handler) handle(ctx context.Context, ev events.EventBridgeEvent) (digest.Report, error) {
	at := h.now()
	if !ev.Time.IsZero() && ev.Time.Before(at) {
		at = ev.Time
	}
	rep, err := h.svc.Run(ctx, at)
	attrs := []any{"at", at.UTC().Format(time.RFC3339), "orgs", rep.Orgs, "hourDigests", rep.Hours, "lateDigests", rep.Late, "lines", rep.Lines}
	if err != nil {
		h.log.Error("history digest run failed", append(attrs, "failedOrgs", rep.Failed, "error", err.Error())...)
		return rep, err
	}
	h.log.Info("history digest run", attrs...)
	return rep, nil
}
