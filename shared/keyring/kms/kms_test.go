package kms_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"loginguard/internal/testenv"
	"loginguard/shared/keyring"
	"loginguard/shared/keyring/kms"
)

var encCtx = map[string]string{"loginguard:keyring": "totp", "loginguard:key": "0a1b2c3d"}

func TestAgainstLocalKMS(t *testing.T) {
	endpoint, arn := testenv.KMS(t)
	c := testenv.KMSClient(t, endpoint)
	ctx := testenv.Context(t)
	plain, wrapped, err := c.GenerateDataKey(ctx, arn, encCtx)
	if err != nil || len(plain) != 32 || len(wrapped) == 0 || bytes.Contains(wrapped, plain) {
		t.Fatalf("GenerateDataKey = %d-byte key, %d-byte blob, %v", len(plain), len(wrapped), err)
	}

	t.Run("a wrapped key unwraps with its encryption context", func(t *testing.T) {
		got, err := c.Decrypt(ctx, arn, wrapped, encCtx)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("Decrypt = %x, %v; want the generated key", got, err)
		}
	})
	refused := map[string]struct {
		blob []byte
		ctx  map[string]string
	}{
		"another encryption context is refused": {wrapped, map[string]string{"loginguard:keyring": "totp", "loginguard:key": "ffffffff"}},
		"no encryption context is refused":      {wrapped, nil},
		"an altered blob is refused":            {append(bytes.Clone(wrapped[:len(wrapped)-1]), wrapped[len(wrapped)-1]^1), encCtx},
	}
	for name, tc := range refused {
		t.Run(name, func(t *testing.T) {
			got, err := c.Decrypt(ctx, arn, tc.blob, tc.ctx)
			var e *kms.Error
			if !errors.Is(err, keyring.ErrKMSRefused) || !errors.As(err, &e) || e.Type != "InvalidCiphertextException" || got != nil {
				t.Fatalf("Decrypt = %x, %v; want InvalidCiphertextException matching keyring.ErrKMSRefused", got, err)
			}
		})
	}
	t.Run("an unknown key is an error, not a refused ciphertext", func(t *testing.T) {
		unknown := testenv.KMSKeyARN("00000000-0000-4000-a000-000000000000")
		_, _, err := c.GenerateDataKey(ctx, unknown, encCtx)
		var e *kms.Error
		if !errors.As(err, &e) || e.Type != "NotFoundException" || e.Status != http.StatusBadRequest || errors.Is(err, keyring.ErrKMSRefused) {
			t.Fatalf("GenerateDataKey with an unknown key = %v; want NotFoundException", err)
		}
		if _, err := c.Decrypt(ctx, unknown, wrapped, encCtx); err == nil {
			t.Fatal("a blob of one key was unwrapped naming another")
		}
	})
}

// doer is an aws.HTTPClient answering from a function, counting calls.
type doer struct {
	calls  atomic.Int32
	answer func(n int, r *http.Request) (*http.Response, error)
}

func (d *doer) Do(r *http.Request) (*http.Response, error) {
	return d.answer(int(d.calls.Add(1)), r)
}

func answer(status int, body string) *http.Response {
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/x-amz-json-1.1"}},
		Body: io.NopCloser(strings.NewReader(body))}
}

func client(t *testing.T, d *doer, endpoint string) *kms.Client {
	t.Helper()
	c, err := kms.New(aws.Config{Region: "eu-west-3", HTTPClient: d,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret-example", "session-example")}, endpoint)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRequestsAreSignedKMSCalls(t *testing.T) {
	var got struct {
		req  *http.Request
		body []byte
	}
	d := &doer{answer: func(_ int, r *http.Request) (*http.Response, error) {
		got.req = r
		got.body, _ = io.ReadAll(r.Body)
		return answer(200, `{"Plaintext":"`+strings.Repeat("A", 43)+`=","CiphertextBlob":"d3JhcHBlZA==","KeyId":"k"}`), nil
	}}
	if _, _, err := client(t, d, "").GenerateDataKey(context.Background(), "alias/k", encCtx); err != nil {
		t.Fatal(err)
	}
	r := got.req
	if r.Method != http.MethodPost || r.URL.String() != "https://kms.eu-west-3.amazonaws.com/" {
		t.Errorf("request %s %s; want POST to the region's endpoint", r.Method, r.URL)
	}
	if r.Header.Get("X-Amz-Target") != "TrentService.GenerateDataKey" || r.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
		t.Errorf("headers %v", r.Header)
	}
	if r.Header.Get("X-Amz-Security-Token") != "session-example" {
		t.Error("the session token is not sent")
	}
	if !strings.Contains(r.Header.Get("Authorization"), "SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-security-token;x-amz-target,") {
		t.Errorf("the target and content type are not signed: %s", r.Header.Get("Authorization"))
	}
	if err := testenv.VerifySigV4(r, got.body, "secret-example", "eu-west-3", "kms"); err != nil {
		t.Errorf("signature: %v", err)
	}
	if err := testenv.VerifySigV4(r, got.body, "another-secret", "eu-west-3", "kms"); err == nil {
		t.Error("the signature check passes with the wrong secret: it checks nothing")
	}
	if err := testenv.VerifySigV4(r, append(got.body, ' '), "secret-example", "eu-west-3", "kms"); err == nil {
		t.Error("the signature check passes with another body: it checks nothing")
	}
	var in map[string]any
	if err := json.Unmarshal(got.body, &in); err != nil || in["KeyId"] != "alias/k" || in["KeySpec"] != "AES_256" ||
		in["EncryptionContext"].(map[string]any)["loginguard:key"] != "0a1b2c3d" {
		t.Errorf("body %s", got.body)
	}
}

func TestFailures(t *testing.T) {
	big := `{"Plaintext":"` + strings.Repeat("A", 70<<10) + `"}`
	cases := []struct {
		name    string
		answers []*http.Response // one per attempt; nil is a network error
		calls   int
		refused bool // matches keyring.ErrKMSRefused
		ok      bool
	}{
		{"a 5xx is retried once", []*http.Response{answer(500, `{"__type":"KMSInternalException"}`), answer(200, `{"Plaintext":"cA=="}`)}, 2, false, true},
		{"a network error is retried once", []*http.Response{nil, answer(200, `{"Plaintext":"cA=="}`)}, 2, false, true},
		{"throttling is retried once, then given up", []*http.Response{answer(400, `{"__type":"ThrottlingException"}`), answer(400, `{"__type":"ThrottlingException"}`)}, 2, false, false},
		{"a refused ciphertext is not retried", []*http.Response{answer(400, `{"__type":"InvalidCiphertextException"}`)}, 1, true, false},
		{"a namespaced type is read", []*http.Response{answer(400, `{"__type":"com.amazonaws.kms#InvalidCiphertextException","message":"no"}`)}, 1, true, false},
		{"access denied is not retried", []*http.Response{answer(400, `{"__type":"AccessDeniedException"}`)}, 1, false, false},
		{"an answer over the cap is refused", []*http.Response{answer(200, big)}, 1, false, false},
		{"a non-JSON error page is an error", []*http.Response{answer(502, "<html>bad gateway</html>"), answer(502, "<html>bad gateway</html>")}, 2, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := &doer{answer: func(n int, _ *http.Request) (*http.Response, error) {
				if n > len(tc.answers) {
					t.Fatalf("attempt %d; want at most %d", n, len(tc.answers))
				}
				if tc.answers[n-1] == nil {
					return nil, errors.New("connection reset")
				}
				return tc.answers[n-1], nil
			}}
			got, err := client(t, d, "http://127.0.0.1:1").Decrypt(context.Background(), "k", []byte("blob"), encCtx)
			if int(d.calls.Load()) != tc.calls || errors.Is(err, keyring.ErrKMSRefused) != tc.refused || (err == nil) != tc.ok {
				t.Fatalf("Decrypt = %q, %v after %d calls; want %d calls, refused %v, ok %v", got, err, d.calls.Load(), tc.calls, tc.refused, tc.ok)
			}
		})
	}
}

func TestNewNeedsRegionAndCredentials(t *testing.T) {
	creds := credentials.NewStaticCredentialsProvider("a", "b", "")
	if _, err := kms.New(aws.Config{Credentials: creds}, ""); err == nil {
		t.Error("a client without a region was made")
	}
	if _, err := kms.New(aws.Config{Region: "us-east-1"}, ""); err == nil {
		t.Error("a client without credentials was made")
	}
}
