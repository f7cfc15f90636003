package awsjson

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	// Timeout bounds one attempt: the calls made here are a few
	// milliseconds, and the caller (a login) has a person or a client waiting.
	Timeout = 5 * time.Second
	// maxBody caps what is read of a response: the answers of the calls
	// made here are well under 1 KB (KMS's RSA-4096 public key, the
	// largest, is about 750 bytes in base64).
	maxBody = 64 << 10
	// retryDelay is the pause before the one retry.
	retryDelay = 100 * time.Millisecond
)

// Service is what differs between the services spoken to.
type Service struct {
	// Name is the SigV4 signing name and the prefix of the region's
	// endpoint: "kms", "events".
	Name string
	// Target is the prefix of X-Amz-Target: "TrentService", "AWSEvents".
	Target string
	// Retry names the error types, besides ThrottlingException, 429 and
	// 5xx answers, that may pass on a second try (the service's own
	// internal error).
	Retry []string
	// Kinds maps error types to the sentinel an *Error of that type
	// matches with errors.Is.
	Kinds map[string]error
}

// Client calls one service. It is safe for concurrent use.
type Client struct {
	svc      Service
	endpoint string
	region   string
	creds    aws.CredentialsProvider
	http     aws.HTTPClient
	signer   *v4.Signer
	now      func() time.Time
}

// New makes a client of svc with cfg's region, credentials and HTTP
// client. endpoint is the service's URL (a local stand-in's) or "" for
// the region's.
func New(cfg aws.Config, svc Service, endpoint string) (*Client, error) {
	if cfg.Region == "" {
		return nil, errors.New(svc.Name + ": no AWS region")
	}
	if cfg.Credentials == nil {
		return nil, errors.New(svc.Name + ": no AWS credentials")
	}
	if endpoint == "" {
		endpoint = RegionEndpoint(svc.Name, cfg.Region)
	}
	var hc aws.HTTPClient = cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: Timeout}
	}
	return &Client{svc: svc, endpoint: strings.TrimRight(endpoint, "/"), region: cfg.Region, creds: cfg.Credentials,
		http: hc, signer: v4.NewSigner(), now: time.Now}, nil
}

// RegionEndpoint is the URL of service in region.
func RegionEndpoint(service, region string) string {
	endpoint := "https://" + service + "." + region + ".amazonaws.com"
	if strings.HasPrefix(region, "cn-") {
		endpoint += ".cn"
	}
	return endpoint
}

// endpointSource is what the SDK's configuration sources (the
// environment's AWS_ENDPOINT_URL_<SERVICE>, a profile's services section,
// config.AWS's) answer a service client with.
type endpointSource interface {
	GetServiceBaseEndpoint(ctx context.Context, sdkID string) (string, bool, error)
}

// ConfiguredEndpoint is the endpoint cfg gives the service whose SDK id is
// sdkID ("EventBridge": AWS_ENDPOINT_URL_EVENTBRIDGE), as an SDK client
// of it would find it, else cfg's BaseEndpoint (AWS_ENDPOINT_URL); ""
// when neither is set: the region's.
func ConfiguredEndpoint(ctx context.Context, cfg aws.Config, sdkID string) string {
	for _, s := range cfg.ConfigSources {
		if src, ok := s.(endpointSource); ok {
			if v, found, err := src.GetServiceBaseEndpoint(ctx, sdkID); err == nil && found && v != "" {
				return v
			}
		}
	}
	return aws.ToString(cfg.BaseEndpoint)
}

// Error is an error the service answered with.
type Error struct {
	Service string // the signing name: kms, events
	Op      string // the operation: Decrypt, PutEvents, ...
	Status  int    // HTTP status
	Type    string // e.g. InvalidCiphertextException, without a namespace
	Message string
	kind    error // Service.Kinds[Type]
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s %s: %s (HTTP %d): %s", e.Service, e.Op, e.Type, e.Status, e.Message)
}

// Is makes an error match the sentinel its service maps its type to.
func (e *Error) Is(target error) bool { return e.kind != nil && target == e.kind }

// retryable: throttling and the service's own failures may pass; nothing
// else will.
func (c *Client) retryable(e *Error) bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500 ||
		e.Type == "ThrottlingException" || slices.Contains(c.svc.Retry, e.Type)
}

// Call makes the call op with in as its JSON body and decodes the answer
// into out; retried once when it failed in a way that may pass. An answer
// other than 200 is an *Error.
func (c *Client) Call(ctx context.Context, op string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return c.errorf(op, "%w", err)
	}
	for try := 0; ; try++ {
		retry, err := c.attempt(ctx, op, body, out)
		if err == nil || !retry || try == 1 || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(retryDelay):
		}
	}
}

func (c *Client) errorf(op, format string, args ...any) error {
	return fmt.Errorf(c.svc.Name+" "+op+": "+format, args...)
}

// attempt sends one signed request; retry says whether another may succeed.
func (c *Client) attempt(ctx context.Context, op string, body []byte, out any) (retry bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return false, c.errorf(op, "%w", err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", c.svc.Target+"."+op)
	creds, err := c.creds.Retrieve(ctx)
	if err != nil {
		return false, c.errorf(op, "AWS credentials: %w", err)
	}
	sum := sha256.Sum256(body)
	if err := c.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), c.svc.Name, c.region, c.now()); err != nil {
		return false, c.errorf(op, "signing: %w", err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return true, c.errorf(op, "%w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return true, c.errorf(op, "reading the answer: %w", err)
	}
	if len(data) > maxBody {
		return false, c.errorf(op, "answer over %d bytes", maxBody)
	}
	if resp.StatusCode != http.StatusOK {
		e := c.answerError(op, resp, data)
		return c.retryable(e), e
	}
	if err := json.Unmarshal(data, out); err != nil {
		return false, c.errorf(op, "decoding the answer: %w", err)
	}
	return false, nil
}

// answerError reads the service's error: the type in the body's __type (or
// the X-Amzn-ErrorType header), possibly as "namespace#Type" or
// "Type:detail".
func (c *Client) answerError(op string, resp *http.Response, data []byte) *Error {
	var b struct {
		Type     string `json:"__type"`
		Message  string `json:"message"`
		MessageM string `json:"Message"`
	}
	_ = json.Unmarshal(data, &b) // a non-JSON answer (a proxy's page) leaves the type empty
	t := b.Type
	if t == "" {
		t = resp.Header.Get("X-Amzn-ErrorType")
	}
	if i := strings.LastIndexByte(t, '#'); i >= 0 {
		t = t[i+1:]
	}
	if i := strings.IndexByte(t, ':'); i >= 0 {
		t = t[:i]
	}
	msg := b.Message
	if msg == "" {
		msg = b.MessageM
	}
	if t == "" {
		t = "unknown error"
		if msg == "" {
			msg = strings.TrimSpace(string(data[:min(len(data), 200)]))
		}
	}
	return &Error{Service: c.svc.Name, Op: op, Status: resp.StatusCode, Type: t, Message: msg, kind: c.svc.Kinds[t]}
}
