// Package deps builds, once per Lambda instance, what every function shares:
// configuration, the JSON logger, the DynamoDB store, the login use case and
// the metric emitter; the TOTP keyring only for the functions that ask.
package deps

import (
	"context"
	"crypto/rand"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"loginguard/shared/callrecord"
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

// Option adds a dependency that only some functions need.
type Option func(context.Context, *Deps) error

// Build reads the configuration through getenv and builds the dependencies.
func Build(ctx context.Context, getenv func(string) string, opts ...Option) (Deps, error) {
	cfg, err := config.Load(getenv)
	if err != nil {
		return Deps{}, err
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	awsCfg, err := config.AWS(ctx)
	if err != nil {
		return Deps{}, err
	}
	if cfg.AWSCallLog != "" {
		if err := callrecord.Attach(&awsCfg, cfg.AWSCallLog, cfg.Function); err != nil {
			return Deps{}, err
		}
	}
	st := dynamo.New(dynamodb.NewFromConfig(awsCfg), cfg.Tables)
	svc := &login.Service{Store: st, Rand: rand.Reader, Now: time.Now, Params: secret.DefaultParams,
		FailureFloor: cfg.FailureFloor, Log: log}
	d := Deps{Config: cfg, Log: log, Store: st, Login: svc, Metrics: metrics.New(os.Stdout), AWS: awsCfg}
	for _, o := range opts {
		if err := o(ctx, &d); err != nil {
			return Deps{}, err
		}
	}
	return d, nil
}

// TOTPKeyring gives the login use case the keyring that seals and opens
// TOTP keys (when KEYRING_KMS_KEY is set). An option, not built by
// default, so that a function that never opens a TOTP key (the
// authorizer) does not link the keyring and its KMS client at all.
func TOTPKeyring(_ context.Context, d *Deps) error {
	if d.Config.KeyringKMSKey == "" {
		return nil
	}
	// No KMS call here: data keys are unwrapped on first use.
	k, err := kms.New(d.AWS, d.Config.KMSEndpoint)
	if err != nil {
		return err
	}
	ring, err := keyring.New(k, d.Store, keyring.Config{KMSKey: d.Config.KeyringKMSKey,
		Name: keyring.TOTP, Legacy: d.Config.TOTPKey})
	if err != nil {
		return err
	}
	d.Login.Sealer = ring
	return nil
}
