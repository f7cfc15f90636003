// Package callrecord writes down, in test mode only, every AWS operation a
// function performs (service, operation, resource names), so the end-to-end
// tests can hold each function's IAM policy to what its code really does.
package callrecord

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	netmail "net/mail"
	"os"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go/middleware"
)

// Call is one AWS operation as IAM sees it: the action is
// Service + ":" + Operation, and each resource is the part of an ARN after
// region and account ("table/users", "table/users/index/byOrg",
// "identity/no-reply@example.com", "key/1234..."). Only names: never keys,
// items or message content.
type Call struct {
	Function  string   `json:"function"`
	Service   string   `json:"service"` // IAM service prefix: dynamodb, ses, kms
	Operation string   `json:"operation"`
	Resources []string `json:"resources"`
}

// Action is the IAM action the call needs, e.g. dynamodb:GetItem.
func (c Call) Action() string { return c.Service + ":" + c.Operation }

// Attach makes every client built from cfg append one JSON line per
// operation to the file at path. Only main (through deps) calls it, and only
// when the test-mode variable names a file: unset, no middleware exists and
// calls cost nothing extra.
func Attach(cfg *aws.Config, path, function string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("AWS call log: %w", err)
	}
	r := &recorder{f: f, function: function}
	cfg.APIOptions = append(cfg.APIOptions, func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("loginguard.callrecord", r.handle), middleware.After)
	})
	// Our own KMS and EventBridge clients (shared/awsjson) have no SDK
	// middleware stack: their calls are noted from the HTTP requests they
	// send through cfg's HTTP client.
	next := cfg.HTTPClient
	if next == nil {
		next = awshttp.NewBuildableClient()
	}
	cfg.HTTPClient = &jsonRecorder{next: next, r: r}
	return nil
}

// jsonServices are the IAM service prefixes of the X-Amz-Target prefixes
// our own clients send.
var jsonServices = map[string]string{"TrentService": "kms", "AWSEvents": "events"}

// jsonRecorder notes each JSON-protocol request of our own clients
// (X-Amz-Target TrentService.<Op>, AWSEvents.<Op>) by the names in its
// body (the key, the buses); every other request passes as is.
type jsonRecorder struct {
	next aws.HTTPClient
	r    *recorder
}

func (j *jsonRecorder) Do(req *http.Request) (*http.Response, error) {
	target, op, _ := strings.Cut(req.Header.Get("X-Amz-Target"), ".")
	service, ok := jsonServices[target]
	if !ok || req.GetBody == nil {
		return j.next.Do(req)
	}
	// Only the name fields are decoded: never a ciphertext or a detail.
	var in struct {
		KeyId   string
		Entries []struct{ EventBusName string }
	}
	if body, err := req.GetBody(); err == nil {
		_ = json.NewDecoder(io.LimitReader(body, 1<<20)).Decode(&in)
		body.Close()
	}
	j.r.note(Call{Function: j.r.function, Service: service, Operation: op, Resources: Resources(service, in, nil)})
	return j.next.Do(req)
}

// Note appends c to the call log at path: for a call a local stand-in
// makes in place of AWS (the security events written to the log instead of
// EventBridge's PutEvents), so the check holds its grant to it all the same.
func Note(path string, c Call) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("AWS call log: %w", err)
	}
	r := &recorder{f: f, function: c.Function}
	r.note(c)
	return f.Close()
}

func (r *recorder) note(c Call) {
	line, _ := json.Marshal(c)
	r.mu.Lock()
	// One write per line: O_APPEND keeps lines of concurrent processes whole.
	_, _ = r.f.Write(append(line, '\n'))
	r.mu.Unlock()
}

type recorder struct {
	mu       sync.Mutex
	f        *os.File
	function string
}

// handle records after the call so that a KMS key named only inside a
// ciphertext is known from the answer; a refused or failed call is recorded
// too: IAM is asked before the service answers.
func (r *recorder) handle(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	out, md, err := next.HandleInitialize(ctx, in)
	service := iamService(awsmiddleware.GetServiceID(ctx))
	c := Call{Function: r.function, Service: service, Operation: awsmiddleware.GetOperationName(ctx),
		Resources: Resources(service, in.Parameters, out.Result)}
	r.note(c)
	return out, md, err
}

// iamService maps an SDK service id to its IAM prefix where they differ.
func iamService(serviceID string) string {
	s := strings.ToLower(strings.ReplaceAll(serviceID, " ", ""))
	switch s {
	case "sesv2":
		return "ses"
	}
	return s
}

// Resources names what an operation of service acts on, read from the
// input's (and for KMS the output's) name fields. An operation this does not
// know gives none, which the policy check reports rather than passes.
func Resources(service string, input, output interface{}) []string {
	var out []string
	switch service {
	case "dynamodb":
		table := field(input, "TableName")
		if idx := field(input, "IndexName"); table != "" && idx != "" {
			// A query of an index is authorized against the index's ARN only.
			out = append(out, "table/"+table+"/index/"+idx)
		} else if table != "" {
			out = append(out, "table/"+table)
		}
		for _, t := range mapKeys(input, "RequestItems") {
			out = append(out, "table/"+t)
		}
	case "ses":
		if arn := field(input, "FromEmailAddressIdentityArn"); arn != "" {
			out = append(out, arnResource(arn))
		} else if from := field(input, "FromEmailAddress"); from != "" {
			out = append(out, "identity/"+bareAddress(from))
		}
		if cs := field(input, "ConfigurationSetName"); cs != "" {
			out = append(out, "configuration-set/"+cs)
		}
	case "events":
		// PutEvents names a bus per entry; none is the default bus.
		for _, bus := range sliceField(input, "Entries", "EventBusName") {
			if bus == "" {
				bus = "default"
			}
			out = append(out, "event-bus/"+bus)
		}
	case "kms":
		// The answer names the key actually used (Decrypt may name none).
		key := field(output, "KeyId")
		if key == "" {
			key = field(input, "KeyId")
		}
		if key != "" {
			out = append(out, kmsResource(key))
		}
	}
	return out
}

// bareAddress is the address of "Name <a@b>" or of "a@b".
func bareAddress(from string) string {
	if a, err := netmail.ParseAddress(from); err == nil {
		return a.Address
	}
	return from
}

// arnResource is what follows partition, service, region and account.
func arnResource(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 {
		return parts[5]
	}
	return arn
}

func kmsResource(key string) string {
	switch {
	case strings.HasPrefix(key, "arn:"):
		return arnResource(key)
	case strings.HasPrefix(key, "alias/"):
		return key
	}
	return "key/" + key
}

// field is the value of a string or *string field of a struct (or pointer).
func field(v interface{}, name string) string {
	s := structOf(v)
	if !s.IsValid() {
		return ""
	}
	f := s.FieldByName(name)
	switch {
	case !f.IsValid():
		return ""
	case f.Kind() == reflect.Pointer && f.Type().Elem().Kind() == reflect.String && !f.IsNil():
		return f.Elem().String()
	case f.Kind() == reflect.String:
		return f.String()
	}
	return ""
}

// sliceField is the name field of every element of v's slice field list.
func sliceField(v interface{}, list, name string) []string {
	s := structOf(v)
	if !s.IsValid() {
		return nil
	}
	f := s.FieldByName(list)
	if !f.IsValid() || f.Kind() != reflect.Slice {
		return nil
	}
	out := make([]string, 0, f.Len())
	for i := 0; i < f.Len(); i++ {
		out = append(out, field(f.Index(i).Interface(), name))
	}
	return out
}

func mapKeys(v interface{}, name string) []string {
	s := structOf(v)
	if !s.IsValid() {
		return nil
	}
	f := s.FieldByName(name)
	if !f.IsValid() || f.Kind() != reflect.Map || f.Type().Key().Kind() != reflect.String {
		return nil
	}
	var keys []string
	for _, k := range f.MapKeys() {
		keys = append(keys, k.String())
	}
	sort.Strings(keys)
	return keys
}

func structOf(v interface{}) reflect.Value {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			return reflect.Value{}
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return reflect.Value{}
	}
	return rv
}

// Read returns every call recorded in the file at path (none when it does
// not exist: no function ran).
func Read(path string) ([]Call, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var calls []Call
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		var c Call
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		calls = append(calls, c)
	}
	return calls, sc.Err()
}
