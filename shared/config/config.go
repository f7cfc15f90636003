// Package config reads the service's settings from the environment, in one
// place, and builds the functions' AWS configuration from it.
package config

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"loginguard/shared/policy"
)

// Tables are the DynamoDB tables' names (plain values: the storage
// package converts them).
type Tables struct {
	Orgs, Users, Sessions, History, Apps, Sources string
	Digests                                       string // DIGESTS_TABLE: the history digests
}

// Config is the service's configuration.
type Config struct {
	Tables       Tables
	Sender       string // SENDER_ADDRESS: From of every mail
	LogLevel     slog.Level
	FailureFloor time.Duration // FAILURE_FLOOR: least time a refused login takes (default 250ms)
	// FixedFloor (FAILURE_FLOOR_MODE=fixed): every refusal waits out
	// FailureFloor. The default, adaptive, waits out what the instance's
	// recent refusals took (their 95th percentile per kind), FailureFloor
	// at most (login.Service.Floor; SECURITY.md).
	FixedFloor bool
	// Throttle is the per-source throttle of failed logins:
	// SOURCE_FAILURE_LIMIT (default 20; 0 turns it off) failures per
	// SOURCE_FAILURE_WINDOW (default 10m) from one source, never counting
	// or refusing SOURCE_EXEMPT_RANGES ("10.0.0.0-10.0.255.255,192.0.2.7").
	// The zero Config has it off.
	Throttle policy.SourceThrottle
	// KeyringKMSKey (KEYRING_KMS_KEY) is the KMS key (id or ARN) wrapping
	// the data keys that seal TOTP keys; "" leaves TOTP off.
	KeyringKMSKey string
	// IDTokenKMSKey (ID_TOKEN_KMS_KEY) is the asymmetric KMS key (RSA_2048,
	// SIGN_VERIFY; id or ARN) that signs OpenID Connect id_tokens; "" offers
	// none (no discovery document, no key set).
	IDTokenKMSKey string
	// HistoryDigestKMSKey (HISTORY_DIGEST_KMS_KEY) is the asymmetric KMS
	// key (ECC_NIST_P256, SIGN_VERIFY; id or ARN) that signs the history
	// digests (shared/digest); lgadmin reads its public key.
	HistoryDigestKMSKey string
	// KMSEndpoint (AWS_ENDPOINT_URL_KMS) is the KMS URL, local-kms when run
	// locally; "" is the region's.
	KMSEndpoint string
	// TOTPKey (TOTP_ENCRYPTION_KEY, legacy) is the 32-byte key of the first
	// sealed-value format; set, values sealed with it keep opening (nothing
	// new is sealed with it). nil when unset.
	TOTPKey []byte
	// StepUpRoutes (STEP_UP_ROUTES, route keys separated by commas) are the
	// routes whose backend answers the authorizer's step-up signal. A Raise
	// resource reached on any other route is refused as Block.
	StepUpRoutes []string
	// SessionErrorRoutes (SESSION_ERROR_ROUTES, route keys separated by
	// commas) are the routes whose backend answers an invalid session
	// itself (401 INVALID_SESSION_ID): the authorizer lets it through there
	// with no user.
	SessionErrorRoutes []string
	// EventBus (EVENT_BUS_NAME) is the EventBridge bus the security events
	// (shared/events) go to ("default": the account's); "" publishes none.
	EventBus string
	// EventsToLog (LOGINGUARD_EVENTS=log, set by the local gateway) writes
	// the events to the log instead: no EventBridge runs locally.
	EventsToLog bool
	// AWSCallLog (LOGINGUARD_AWS_CALL_LOG) is a file every AWS call is noted
	// in, for the end-to-end tests' IAM check; unset in AWS.
	AWSCallLog string
	Function   string // AWS_LAMBDA_FUNCTION_NAME, the name the calls are noted under
}

// DefaultFailureFloor is above the cost of the slowest refused login here
// (one argon2id hash plus up to three DynamoDB round trips).
const DefaultFailureFloor = 250 * time.Millisecond

// Load reads the configuration through getenv (os.Getenv in main). Table
// names default to those template.yaml gives the dev stage.
func Load(getenv func(string) string) (Config, error) {
	get := func(k, def string) string {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
		return def
	}
	c := Config{
		Tables: Tables{
			Orgs:     get("ORGS_TABLE", "loginguard-dev-orgs"),
			Users:    get("USERS_TABLE", "loginguard-dev-users"),
			Sessions: get("SESSIONS_TABLE", "loginguard-dev-sessions"),
			History:  get("HISTORY_TABLE", "loginguard-dev-login-history"),
			Apps:     get("APPS_TABLE", "loginguard-dev-connected-apps"),
			Sources:  get("SOURCES_TABLE", "loginguard-dev-login-sources"),
			Digests:  get("DIGESTS_TABLE", "loginguard-dev-history-digests"),
		},
		Sender:              get("SENDER_ADDRESS", ""),
		KeyringKMSKey:       get("KEYRING_KMS_KEY", ""),
		IDTokenKMSKey:       get("ID_TOKEN_KMS_KEY", ""),
		HistoryDigestKMSKey: get("HISTORY_DIGEST_KMS_KEY", ""),
		KMSEndpoint:         get("AWS_ENDPOINT_URL_KMS", ""),
		FailureFloor:        DefaultFailureFloor,
		Throttle:            policy.DefaultSourceThrottle,
		AWSCallLog:          get("LOGINGUARD_AWS_CALL_LOG", ""),
		EventBus:            get("EVENT_BUS_NAME", ""),
		EventsToLog:         get("LOGINGUARD_EVENTS", "") == "log",
		Function:            get("AWS_LAMBDA_FUNCTION_NAME", ""),
	}
	if err := c.LogLevel.UnmarshalText([]byte(get("LOG_LEVEL", "info"))); err != nil {
		return Config{}, fmt.Errorf("LOG_LEVEL: %w", err)
	}
	if v := get("TOTP_ENCRYPTION_KEY", ""); v != "" {
		k, err := base64.StdEncoding.DecodeString(v)
		if err != nil || len(k) != 32 {
			return Config{}, fmt.Errorf("TOTP_ENCRYPTION_KEY: want the base64 of 32 random bytes (openssl rand -base64 32)")
		}
		c.TOTPKey = k
	}
	c.StepUpRoutes = routeKeys(get("STEP_UP_ROUTES", ""))
	c.SessionErrorRoutes = routeKeys(get("SESSION_ERROR_ROUTES", ""))
	if v := get("FAILURE_FLOOR", ""); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > 5*time.Second {
			return Config{}, fmt.Errorf("FAILURE_FLOOR %q: want a duration from 0s to 5s", v)
		}
		c.FailureFloor = d
	}
	switch v := get("FAILURE_FLOOR_MODE", "adaptive"); v {
	case "adaptive":
	case "fixed":
		c.FixedFloor = true
	default:
		return Config{}, fmt.Errorf("FAILURE_FLOOR_MODE %q: want adaptive or fixed", v)
	}
	if v := get("SOURCE_FAILURE_LIMIT", ""); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1000000 {
			return Config{}, fmt.Errorf("SOURCE_FAILURE_LIMIT %q: want a number of failed logins from 0 (off) to 1000000", v)
		}
		c.Throttle.Limit = n
	}
	if v := get("SOURCE_FAILURE_WINDOW", ""); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute || d > 24*time.Hour || d%time.Second != 0 {
			return Config{}, fmt.Errorf("SOURCE_FAILURE_WINDOW %q: want a duration from 1m to 24h in whole seconds", v)
		}
		c.Throttle.Window = d
	}
	if v := get("SOURCE_EXEMPT_RANGES", ""); v != "" {
		rs, err := policy.ParseIPRanges(v)
		if err != nil {
			return Config{}, fmt.Errorf("SOURCE_EXEMPT_RANGES: %w", err)
		}
		c.Throttle.Exempt = rs
	}
	return c, nil
}

// AWS builds the AWS configuration of a function from its environment, as
// Lambda sets it: the region (AWS_REGION), the execution role's credentials
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), and, for a
// local run, each service's endpoint (AWS_ENDPOINT_URL_DYNAMODB,
// AWS_ENDPOINT_URL_SESV2, AWS_ENDPOINT_URL_EVENTBRIDGE, which our own
// EventBridge client asks for as the SDK's would; KMS's comes from
// Config.KMSEndpoint), with the SDK's standard retries. It is not
// the SDK's LoadDefaultConfig, whose shared files, SSO, STS and instance
// metadata a function never uses and whose code is a ninth of a function's
// binary; the CLI, run by people with profiles, loads that itself
// (app.WithAWS). As with the SDK's, what is missing fails the first call
// that needs it, with its name (a test that brings its own clients needs
// none of it).
func AWS(ctx context.Context) (aws.Config, error) {
	return awsFrom(os.Getenv), nil
}

func awsFrom(getenv func(string) string) aws.Config {
	region := getenv("AWS_REGION")
	if region == "" {
		region = getenv("AWS_DEFAULT_REGION")
	}
	var creds aws.CredentialsProvider = aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(
		getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"), getenv("AWS_SESSION_TOKEN")))
	if getenv("AWS_ACCESS_KEY_ID") == "" || getenv("AWS_SECRET_ACCESS_KEY") == "" {
		creds = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{}, errors.New("no AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set (Lambda sets them from the execution role)")
		})
	}
	return aws.Config{
		Region:        region,
		Credentials:   creds,
		HTTPClient:    awshttp.NewBuildableClient(),
		Retryer:       func() aws.Retryer { return retry.NewStandard() },
		ConfigSources: []any{endpoints(getenv)},
	}
}

// endpoints gives each service client its AWS_ENDPOINT_URL_<SERVICE>, as
// the SDK's environment configuration would (the clients ask their config
// sources for it).
type endpoints func(string) string

// GetServiceBaseEndpoint is the endpoint of the service with SDK id sdkID
// ("DynamoDB", "SESv2", "EventBridge").
func (e endpoints) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	v := e("AWS_ENDPOINT_URL_" + strings.ToUpper(strings.ReplaceAll(sdkID, " ", "_")))
	return v, v != "", nil
}

// routeKeys reads a list of route keys separated by commas.
func routeKeys(s string) []string {
	var out []string
	for _, r := range strings.Split(s, ",") {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, r)
		}
	}
	return out
}
