// Package deps builds, once per Lambda instance, what every function shares:
// configuration, the JSON logger, the DynamoDB store, the login use case and
// the metric emitter.
package deps

import (
	"context"
	"crypto/rand"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"loginguard/shared/config"
	"loginguard/shared/keyring"
	"loginguard/shared/keyring/kms"
	"loginguard/shared/login"
	"loginguard/shared/metrics"
	"loginguard/shared/secret"
	"loginguard/shared/store/dynamo"
)

// Deps are a function's dependencies.
type Deps struct {
	Config  config.Config
	Log     *slog.Logger
	Store   *dynamo.Store
	Login   *login.Service
	Metrics *metrics.Emitter
	AWS     aws.Config // for clients only some functions need (SES)
}

// Build reads the configuration through getenv and builds the dependencies.
func Build(ctx context.Context, getenv func(string) string) (Deps, error) {
	cfg, err := config.Load(getenv)
	if err != nil {
		return Deps{}, err
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	awsCfg, err := config.AWS(ctx)
	if err != nil {
		return Deps{}, err
	}
	st := dynamo.New(dynamodb.NewFromConfig(awsCfg), cfg.Tables)
	svc := &login.Service{Store: st, Rand: rand.Reader, Now: time.Now, Params: secret.DefaultParams,
		FailureFloor: cfg.FailureFloor, Log: log}
	if cfg.KeyringKMSKey != "" {
		// No KMS call here: data keys are unwrapped on first use.
		k, err := kms.New(awsCfg, cfg.KMSEndpoint)
		if err != nil {
			return Deps{}, err
		}
		ring, err := keyring.New(k, st, keyring.Config{KMSKey: cfg.KeyringKMSKey,
			Name: keyring.TOTP, Legacy: cfg.TOTPKey})
		if err != nil {
			return Deps{}, err
		}
		svc.Sealer = ring
	}
	return Deps{Config: cfg, Log: log, Store: st, Login: svc, Metrics: metrics.New(os.Stdout), AWS: awsCfg}, nil
}
