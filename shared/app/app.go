// Package app is the one constructor of the whole application: the
// configuration in, the services out (the DynamoDB store, the login and
// browser-login use cases, credential changes, the mailer, the keyring,
// the id_token signer, the security events' publisher, the logger and the
// metric emitter). Every function, lgadmin and the end-to-end stack build
// through it. Parts only some need (the TOTP keyring, the mailer, the
// id_token signer, the EventBridge client) are options, so a function that
// never asks for one does not link it.
package app

import (
	"context"
	"crypto/rand"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"loginguard/shared/account"
	"loginguard/shared/authz"
	"loginguard/shared/callrecord"
	"loginguard/shared/config"
	"loginguard/shared/events"
	"loginguard/shared/keyring"
	"loginguard/shared/keyring/kms"
	"loginguard/shared/login"
	"loginguard/shared/mail"
	"loginguard/shared/metrics"
	"loginguard/shared/oidc"
	"loginguard/shared/secret"
	"loginguard/shared/sessions"
	"loginguard/shared/store/dynamo"
)

// App is the application as one process runs it.
type App struct {
	Config   config.Config
	Log      *slog.Logger
	AWS      aws.Config
	Store    *dynamo.Store
	Login    *login.Service
	Browser  *login.Browser    // the login page's use case, on Login
	Accounts *account.Service  // credential changes, on Login
	Sessions *sessions.Service // session lists and ends
	Authz    *authz.Service    // the OAuth web-server flow: /authorize, codes, refresh tokens
	Mailer   mail.Mailer       // nil unless WithMail and a sender is configured
	Keyring  *keyring.Ring     // nil unless WithTOTP and a KMS key is configured
	IDTokens oidc.Signer       // nil unless WithIDTokens and an id_token key is configured
	// Events publishes the security events (lockouts, unlocks, token
	// resets, session revocations): nil unless EVENT_BUS_NAME is set, to
	// the log when LOGINGUARD_EVENTS=log (locally), else to EventBridge
	// with WithEvents.
	Events  events.Publisher
	Metrics *metrics.Emitter
}

// Option adds a part only some processes need, or changes how AWS is set up.
type Option func(context.Context, *build) error

type build struct {
	*App
	loadAWS  func(context.Context) (aws.Config, error) // WithAWS; config.AWS by default
	now      func() time.Time
	db       dynamo.API                           // WithDynamoDB: the client the store uses
	params   *secret.Params                       // WithParams
	sleep    func(context.Context, time.Duration) // WithSleep
	checkAWS func(context.Context, aws.Config) error
	later    []Option // parts built once the store exists
	// newEvents builds the EventBridge publisher (WithEvents).
	newEvents func(aws.Config, string) (events.Publisher, error)
}

// New builds the application from cfg (config.Load's).
func New(ctx context.Context, cfg config.Config, opts ...Option) (*App, error) {
	b := &build{App: &App{Config: cfg, Metrics: metrics.New(os.Stdout),
		Log: slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))}}
	for _, o := range opts {
		if err := o(ctx, b); err != nil {
			return nil, err
		}
	}
	load := b.loadAWS
	if load == nil {
		load = config.AWS
	}
	awsCfg, err := load(ctx)
	if err != nil {
		return nil, err
	}
	if b.checkAWS != nil {
		if err := b.checkAWS(ctx, awsCfg); err != nil {
			return nil, err
		}
	}
	if cfg.AWSCallLog != "" {
		if err := callrecord.Attach(&awsCfg, cfg.AWSCallLog, cfg.Function); err != nil {
			return nil, err
		}
	}
	a := b.App
	a.AWS = awsCfg
	db := b.db
	if db == nil {
		db = dynamodb.NewFromConfig(awsCfg)
	}
	a.Store = dynamo.New(db, dynamo.Tables(cfg.Tables))
	now := time.Now
	if b.now != nil {
		now = b.now
	}
	params := secret.DefaultParams
	if b.params != nil {
		params = *b.params
	}
	if a.Events, err = b.events(awsCfg); err != nil {
		return nil, err
	}
	a.Login = &login.Service{Store: a.Store, Rand: rand.Reader, Now: now, Params: params, Events: a.Events,
		FailureFloor: cfg.FailureFloor, FixedFloor: cfg.FixedFloor, Sleep: b.sleep, Log: a.Log, Sources: a.Store, Throttle: cfg.Throttle}
	for _, o := range b.later {
		if err := o(ctx, b); err != nil {
			return nil, err
		}
	}
	a.Browser = &login.Browser{Login: a.Login, Store: a.Store, Mailer: a.Mailer}
	a.Sessions = &sessions.Service{Store: a.Store, Now: now, Sleep: b.sleep, Events: a.Events, Log: a.Log}
	a.Accounts = &account.Service{Store: a.Store, Login: a.Login, Rand: a.Login.Rand, Now: a.Login.Now,
		Params: a.Login.Params, Log: a.Log, Mailer: a.Mailer, Sessions: a.Sessions, Events: a.Events}
	a.Browser.Passwords = a.Accounts
	a.Authz = &authz.Service{Store: a.Store, Rand: a.Login.Rand, Now: now, Log: a.Log}
	return a, nil
}

// events is the security events' publisher the configuration asks for.
func (b *build) events(awsCfg aws.Config) (events.Publisher, error) {
	cfg := b.Config
	switch {
	case cfg.EventBus == "":
		return nil, nil
	case cfg.EventsToLog:
		p := events.Log{Log: b.Log, Bus: cfg.EventBus}
		if cfg.AWSCallLog != "" {
			// The PutEvents this stands in for, for the IAM check.
			p.Noted = func(bus string) {
				c := callrecord.Call{Function: cfg.Function, Service: "events", Operation: "PutEvents", Resources: []string{"event-bus/" + bus}}
				if err := callrecord.Note(cfg.AWSCallLog, c); err != nil {
					b.Log.Error("AWS call log", "error", err.Error())
				}
			}
		}
		return p, nil
	case b.newEvents != nil:
		return b.newEvents(awsCfg, cfg.EventBus)
	}
	return nil, nil
}

// WithEvents builds the EventBridge publisher of the security events (when
// EVENT_BUS_NAME is set and the events do not go to the log) with
// newPublisher (eventbridge.FromConfig), passed as a value so that a
// process that never publishes does not link the EventBridge client.
func WithEvents(newPublisher func(aws.Config, string) (events.Publisher, error)) Option {
	return func(_ context.Context, b *build) error {
		b.newEvents = newPublisher
		return nil
	}
}

// afterStore runs o once the store and the login use case exist.
func afterStore(o Option) Option {
	return func(_ context.Context, b *build) error {
		b.later = append(b.later, o)
		return nil
	}
}

// WithAWS loads the AWS configuration with load instead of config.AWS (the
// functions' own, from Lambda's environment): the CLI loads the SDK's
// default configuration, with profiles and SSO.
func WithAWS(load func(context.Context) (aws.Config, error)) Option {
	return func(_ context.Context, b *build) error {
		b.loadAWS = load
		return nil
	}
}

// WithAWSCheck runs check on the loaded AWS configuration before anything
// is built on it (the CLI says in one line what is missing).
func WithAWSCheck(check func(context.Context, aws.Config) error) Option {
	return func(_ context.Context, b *build) error {
		b.checkAWS = check
		return nil
	}
}

// WithClock sets the clock every use case reads (time.Now by default).
func WithClock(now func() time.Time) Option {
	return func(_ context.Context, b *build) error {
		b.now = now
		return nil
	}
}

// WithDynamoDB makes the store use db (a test's client, counting its calls)
// instead of one built from the AWS configuration.
func WithDynamoDB(db dynamo.API) Option {
	return func(_ context.Context, b *build) error {
		b.db = db
		return nil
	}
}

// WithParams sets the parameters new password hashes get (tests use cheap
// ones; production keeps secret.DefaultParams).
func WithParams(p secret.Params) Option {
	return func(_ context.Context, b *build) error {
		b.params = &p
		return nil
	}
}

// WithSleep sets how refusals wait out the failure floor (a test records
// the waits instead of sleeping).
func WithSleep(sleep func(context.Context, time.Duration)) Option {
	return func(_ context.Context, b *build) error {
		b.sleep = sleep
		return nil
	}
}

// WithTOTP builds the keyring that seals and opens TOTP keys (when
// KEYRING_KMS_KEY is set) and gives it to the login use case. No KMS call
// here: data keys are unwrapped on first use. A function, not a variable,
// so that a process that never passes it does not link the keyring.
func WithTOTP(_ context.Context, b *build) error {
	b.later = append(b.later, func(_ context.Context, b *build) error {
		if b.Config.KeyringKMSKey == "" {
			return nil
		}
		k, err := kms.New(b.AWS, b.Config.KMSEndpoint)
		if err != nil {
			return err
		}
		ring, err := keyring.New(k, b.Store, keyring.Config{KMSKey: b.Config.KeyringKMSKey,
			Name: keyring.TOTP, Legacy: b.Config.TOTPKey, Now: b.Login.Now})
		if err != nil {
			return err
		}
		b.Keyring, b.Login.Sealer = ring, ring
		return nil
	})
	return nil
}

// WithIDTokens builds the signer of OpenID Connect id_tokens (when
// ID_TOKEN_KMS_KEY is set): one GetPublicKey now, so that a key that cannot
// sign stops the function at its start; then one KMS Sign per id_token.
func WithIDTokens(_ context.Context, b *build) error {
	b.later = append(b.later, func(ctx context.Context, b *build) error {
		if b.Config.IDTokenKMSKey == "" {
			return nil
		}
		k, err := kms.New(b.AWS, b.Config.KMSEndpoint)
		if err != nil {
			return err
		}
		s, err := oidc.NewKMSSigner(ctx, k, b.Config.IDTokenKMSKey)
		if err != nil {
			return err
		}
		b.IDTokens = s
		return nil
	})
	return nil
}

// WithMailer builds the mailer (when SENDER_ADDRESS is set) with newMailer
// (ses.FromConfig) for the browser login's codes and the credential
// changes' tokens. The constructor comes in as a value so that a process
// that never mails does not link the SESv2 client.
func WithMailer(newMailer func(aws.Config, string) (mail.Mailer, error)) Option {
	return afterStore(func(_ context.Context, b *build) error {
		if b.Config.Sender == "" {
			return nil
		}
		m, err := newMailer(b.AWS, b.Config.Sender)
		if err != nil {
			return err
		}
		b.Mailer = m
		return nil
	})
}

// FromEnv is New on the configuration read through getenv (os.Getenv in a
// function's main).
func FromEnv(ctx context.Context, getenv func(string) string, opts ...Option) (*App, error) {
	cfg, err := config.Load(getenv)
	if err != nil {
		return nil, err
	}
	return New(ctx, cfg, opts...)
}

// ExitOnInitError ends a Lambda instance whose initialisation failed, with
// the reason as one JSON log line (the runtime then reports an init error).
func ExitOnInitError(err error) {
	if err != nil {
		slog.New(slog.NewJSONHandler(os.Stderr, nil)).Error("init failed", "error", err.Error())
		os.Exit(1)
	}
}
