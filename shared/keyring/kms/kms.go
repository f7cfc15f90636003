package kms

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
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"loginguard/shared/keyring"
)

const (
	// Timeout bounds one attempt: a KMS call is a few milliseconds, and the
	// caller (a login) has a person or a client waiting.
	Timeout = 5 * time.Second
	// maxBody caps what is read of a response: KMS's answers to these
	// calls are well under 1 KB (an RSA-4096 public key, the largest, is
	// about 750 bytes in base64).
	maxBody = 64 << 10
	// retryDelay is the pause before the one retry.
	retryDelay = 100 * time.Millisecond
)

// Client calls KMS. It is safe for concurrent use.
type Client struct {
	endpoint string
	region   string
	creds    aws.CredentialsProvider
	http     aws.HTTPClient
	signer   *v4.Signer
	now      func() time.Time
}

// New makes a client with cfg's region, credentials and HTTP client.
// endpoint is the KMS URL (AWS_ENDPOINT_URL_KMS) or "" for the region's.
func New(cfg aws.Config, endpoint string) (*Client, error) {
	if cfg.Region == "" {
		return nil, errors.New("kms: no AWS region")
	}
	if cfg.Credentials == nil {
		return nil, errors.New("kms: no AWS credentials")
	}
	if endpoint == "" {
		endpoint = "https://kms." + cfg.Region + ".amazonaws.com"
		if strings.HasPrefix(cfg.Region, "cn-") {
			endpoint += ".cn"
		}
	}
	var hc aws.HTTPClient = cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: Timeout}
	}
	return &Client{endpoint: strings.TrimRight(endpoint, "/"), region: cfg.Region, creds: cfg.Credentials,
		http: hc, signer: v4.NewSigner(), now: time.Now}, nil
}

// Error is an error KMS answered with.
type Error struct {
	Op      string // GenerateDataKey, Decrypt, GetPublicKey or Sign
	Status  int    // HTTP status
	Type    string // e.g. InvalidCiphertextException, without a namespace
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("kms %s: %s (HTTP %d): %s", e.Op, e.Type, e.Status, e.Message)
}

// Is makes a refused ciphertext match keyring.ErrKMSRefused.
func (e *Error) Is(target error) bool {
	// IncorrectKeyException: the blob was wrapped under another key than
	// the one named; for us, as refused as a bad ciphertext.
	return target == keyring.ErrKMSRefused && (e.Type == "InvalidCiphertextException" || e.Type == "IncorrectKeyException")
}

// retryable: throttling and KMS's own failures may pass; nothing else will.
func (e *Error) retryable() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500 ||
		e.Type == "ThrottlingException" || e.Type == "KMSInternalException"
}

// GenerateDataKey makes an AES-256 data key under keyID, bound to encCtx.
func (c *Client) GenerateDataKey(ctx context.Context, keyID string, encCtx map[string]string) (plaintext, wrapped []byte, err error) {
	in := struct {
		KeyId             string
		KeySpec           string
		EncryptionContext map[string]string `json:",omitempty"`
	}{keyID, "AES_256", encCtx}
	var out struct{ Plaintext, CiphertextBlob []byte }
	if err := c.call(ctx, "GenerateDataKey", in, &out); err != nil {
		return nil, nil, err
	}
	if len(out.Plaintext) != 32 || len(out.CiphertextBlob) == 0 {
		clear(out.Plaintext)
		return nil, nil, fmt.Errorf("kms GenerateDataKey: answer without a 32-byte key and its ciphertext")
	}
	return out.Plaintext, out.CiphertextBlob, nil
}

// Decrypt unwraps wrapped, which must be under keyID and bound to encCtx.
// KMS refusing the ciphertext is an *Error matching keyring.ErrKMSRefused.
func (c *Client) Decrypt(ctx context.Context, keyID string, wrapped []byte, encCtx map[string]string) ([]byte, error) {
	in := struct {
		CiphertextBlob    []byte
		KeyId             string
		EncryptionContext map[string]string `json:",omitempty"`
	}{wrapped, keyID, encCtx}
	var out struct{ Plaintext []byte }
	if err := c.call(ctx, "Decrypt", in, &out); err != nil {
		return nil, err
	}
	if len(out.Plaintext) == 0 {
		return nil, fmt.Errorf("kms Decrypt: answer without a plaintext")
	}
	return out.Plaintext, nil
}

// PublicKey is GetPublicKey's answer: the DER (PKIX) public key of an
// asymmetric key and what the key may do.
type PublicKey struct {
	DER               []byte
	KeySpec           string   // e.g. RSA_2048
	KeyUsage          string   // SIGN_VERIFY or ENCRYPT_DECRYPT
	SigningAlgorithms []string // e.g. RSASSA_PKCS1_V1_5_SHA_256
}

// GetPublicKey reads the public half of the asymmetric key keyID.
func (c *Client) GetPublicKey(ctx context.Context, keyID string) (PublicKey, error) {
	var out struct {
		PublicKey         []byte
		KeySpec, KeyUsage string
		SigningAlgorithms []string
	}
	if err := c.call(ctx, "GetPublicKey", struct{ KeyId string }{keyID}, &out); err != nil {
		return PublicKey{}, err
	}
	if len(out.PublicKey) == 0 {
		return PublicKey{}, fmt.Errorf("kms GetPublicKey: answer without a public key")
	}
	return PublicKey{DER: out.PublicKey, KeySpec: out.KeySpec, KeyUsage: out.KeyUsage, SigningAlgorithms: out.SigningAlgorithms}, nil
}

// Sign signs digest (the message's hash, not the message) with keyID's
// private key, which never leaves KMS, by algorithm (e.g.
// RSASSA_PKCS1_V1_5_SHA_256 for a SHA-256 digest).
func (c *Client) Sign(ctx context.Context, keyID string, digest []byte, algorithm string) ([]byte, error) {
	in := struct {
		KeyId, MessageType, SigningAlgorithm string
		Message                              []byte
	}{keyID, "DIGEST", algorithm, digest}
	var out struct{ Signature []byte }
	if err := c.call(ctx, "Sign", in, &out); err != nil {
		return nil, err
	}
	if len(out.Signature) == 0 {
		return nil, fmt.Errorf("kms Sign: answer without a signature")
	}
	return out.Signature, nil
}

// call makes one call, retried once when it failed in a way that may pass.
func (c *Client) call(ctx context.Context, op string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("kms %s: %w", op, err)
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

// attempt sends one signed request; retry says whether another may succeed.
func (c *Client) attempt(ctx context.Context, op string, body []byte, out any) (retry bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return false, fmt.Errorf("kms %s: %w", op, err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "TrentService."+op)
	creds, err := c.creds.Retrieve(ctx)
	if err != nil {
		return false, fmt.Errorf("kms %s: AWS credentials: %w", op, err)
	}
	sum := sha256.Sum256(body)
	if err := c.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "kms", c.region, c.now()); err != nil {
		return false, fmt.Errorf("kms %s: signing: %w", op, err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return true, fmt.Errorf("kms %s: %w", op, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return true, fmt.Errorf("kms %s: reading the answer: %w", op, err)
	}
	if len(data) > maxBody {
		return false, fmt.Errorf("kms %s: answer over %d bytes", op, maxBody)
	}
	if resp.StatusCode != http.StatusOK {
		e := answerError(op, resp, data)
		return e.retryable(), e
	}
	if err := json.Unmarshal(data, out); err != nil {
		return false, fmt.Errorf("kms %s: decoding the answer: %w", op, err)
	}
	return false, nil
}

// answerError reads KMS's error: the type in the body's __type (or the
// X-Amzn-ErrorType header), possibly as "namespace#Type" or "Type:detail".
func answerError(op string, resp *http.Response, data []byte) *Error {
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
	return &Error{Op: op, Status: resp.StatusCode, Type: t, Message: msg}
}
