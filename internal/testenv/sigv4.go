package testenv

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// VerifySigV4 checks r's SigV4 signature (of service in region) as AWS
// does: the signed headers and body, signed again with secret, must give
// the same signature. r is the request as sent or as a server received it.
func VerifySigV4(r *http.Request, body []byte, secret, region, service string) error {
	auth := r.Header.Get("Authorization")
	fields := map[string]string{}
	for _, f := range strings.Split(strings.TrimPrefix(auth, "AWS4-HMAC-SHA256 "), ", ") {
		k, v, _ := strings.Cut(f, "=")
		fields[k] = v
	}
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 ") || fields["Signature"] == "" {
		return errors.New("no SigV4 Authorization header: " + auth)
	}
	cred := strings.Split(fields["Credential"], "/")
	if len(cred) != 5 || cred[2] != region || cred[3] != service || cred[4] != "aws4_request" {
		return fmt.Errorf("credential scope is not <date>/%s/%s/aws4_request: %s", region, service, fields["Credential"])
	}
	when, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return err
	}
	u := *r.URL
	if u.Host == "" { // a request as a server received it
		u.Scheme, u.Host = "http", r.Host
	}
	again, _ := http.NewRequest(r.Method, u.String(), bytes.NewReader(body))
	for _, h := range strings.Split(fields["SignedHeaders"], ";") {
		if h != "host" {
			again.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
		}
	}
	sum := sha256.Sum256(body)
	err = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: cred[0], SecretAccessKey: secret, SessionToken: r.Header.Get("X-Amz-Security-Token")},
		again, hex.EncodeToString(sum[:]), service, region, when)
	if err != nil {
		return err
	}
	if again.Header.Get("Authorization") != auth {
		return errors.New("signature does not match")
	}
	return nil
}
