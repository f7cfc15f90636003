package kms

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"

	"loginguard/shared/awsjson"
	"loginguard/shared/keyring"
)

// Timeout bounds one attempt of a call.
const Timeout = awsjson.Timeout

// service is KMS as shared/awsjson speaks to it.
var service = awsjson.Service{Name: "kms", Target: "TrentService", Retry: []string{"KMSInternalException"},
	// IncorrectKeyException: the blob was wrapped under another key than
	// the one named; for us, as refused as a bad ciphertext.
	Kinds: map[string]error{"InvalidCiphertextException": keyring.ErrKMSRefused, "IncorrectKeyException": keyring.ErrKMSRefused}}

// Client calls KMS. It is safe for concurrent use.
type Client struct{ aws *awsjson.Client }

// New makes a client with cfg's region, credentials and HTTP client.
// endpoint is the KMS URL (AWS_ENDPOINT_URL_KMS) or "" for the region's.
func New(cfg aws.Config, endpoint string) (*Client, error) {
	c, err := awsjson.New(cfg, service, endpoint)
	if err != nil {
		return nil, err
	}
	return &Client{aws: c}, nil
}

// Error is an error KMS answered with (Op is GenerateDataKey, Decrypt,
// GetPublicKey or Sign); a refused ciphertext matches keyring.ErrKMSRefused.
type Error = awsjson.Error

// GenerateDataKey makes an AES-256 data key under keyID, bound to encCtx.
func (c *Client) GenerateDataKey(ctx context.Context, keyID string, encCtx map[string]string) (plaintext, wrapped []byte, err error) {
	in := struct {
		KeyId             string
		KeySpec           string
		EncryptionContext map[string]string `json:",omitempty"`
	}{keyID, "AES_256", encCtx}
	var out struct{ Plaintext, CiphertextBlob []byte }
	if err := c.aws.Call(ctx, "GenerateDataKey", in, &out); err != nil {
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
	if err := c.aws.Call(ctx, "Decrypt", in, &out); err != nil {
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
	if err := c.aws.Call(ctx, "GetPublicKey", struct{ KeyId string }{keyID}, &out); err != nil {
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
	if err := c.aws.Call(ctx, "Sign", in, &out); err != nil {
		return nil, err
	}
	if len(out.Signature) == 0 {
		return nil, fmt.Errorf("kms Sign: answer without a signature")
	}
	return out.Signature, nil
}
