package e2e

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"loginguard/internal/samtemplate"
	"loginguard/shared/callrecord"
)

// callLog is where every function of every stack notes its AWS calls
// (LOGINGUARD_AWS_CALL_LOG); TestMain checks them against template.yaml.
var callLog string

// stackParameters are the template parameters startStack overrides that
// the policies name (the SES identity the mail is sent as).
var stackParameters = map[string]string{"SenderAddress": "no-reply@e2e.example", "SenderIdentity": "e2e.example"}

// The ids the template's KMS keys get when the template is loaded without
// local key ids (samtemplate.LocalKMSARN of their logical ids).
const (
	keyringKeyID = "KeyringKey"
	idTokenKeyID = "IdTokenKey"
	digestKeyID  = "HistoryDigestKey"
)

// localKMSKeys is the logical id (in the template) of each key id the
// stacks' local KMSes hold: the calls name the local ids.
var localKMSKeys sync.Map

// TestMain runs the tests, then holds each function's IAM policy to the AWS
// calls its code made: every call must be allowed (in AWS a refused call
// fails, often only in a log), and, when the whole suite ran and passed,
// every grant must have been used (least privilege). A filtered or failed
// run skips the second part: calls that did not run would read as unused.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "loginguard-e2e-calls-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	callLog = filepath.Join(dir, "aws-calls.jsonl")
	code := m.Run()
	whole := flag.Lookup("test.run").Value.String() == "" && flag.Lookup("test.skip").Value.String() == "" && code == 0
	if problems, err := checkRecordedCalls(filepath.Join("..", "template.yaml"), callLog, whole); err != nil || len(problems) > 0 {
		fmt.Fprintln(os.Stderr, "IAM check of the recorded AWS calls against template.yaml:")
		if err != nil {
			fmt.Fprintln(os.Stderr, "  ", err)
		}
		for _, p := range problems {
			fmt.Fprintln(os.Stderr, "  ", p)
		}
		code = 1
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

func checkRecordedCalls(templatePath, log string, unused bool) ([]string, error) {
	calls, err := callrecord.Read(log)
	if err != nil || len(calls) == 0 {
		return nil, err
	}
	tpl, err := samtemplate.Load(templatePath, stackParameters)
	if err != nil {
		return nil, err
	}
	// Each stack's local KMS holds the template's KMS keys under ids of its
	// own: name them as the template does.
	for i, c := range calls {
		for j, r := range c.Resources {
			if id, ok := strings.CutPrefix(r, "key/"); ok && c.Service == "kms" {
				if logical, ok := localKMSKeys.Load(id); ok {
					calls[i].Resources[j] = "key/" + logical.(string)
				}
			}
		}
	}
	return iamProblems(tpl, calls, unused)
}

// iamProblems lists each recorded call a function's policy does not allow
// and, if unused, each grant no call used.
func iamProblems(tpl *samtemplate.Template, calls []callrecord.Call, unused bool) ([]string, error) {
	policies := map[string][]samtemplate.Statement{}
	for name := range tpl.Functions {
		p, err := tpl.Policy(name)
		if err != nil {
			return nil, err
		}
		policies[name] = p
	}
	seen := map[string]bool{}
	used := map[string]map[samtemplate.Grant]bool{}
	var problems []string
	for _, c := range calls {
		policy, ok := policies[c.Function]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s called %s, but template.yaml has no such function", c.Function, c.Action()))
			continue
		}
		if len(c.Resources) == 0 {
			problems = append(problems, fmt.Sprintf("%s: %s names no resource the check knows (teach shared/callrecord)", c.Function, c.Action()))
		}
		for _, res := range c.Resources {
			arns := callARNs(c.Service, res)
			allowed := false
			for _, arn := range arns {
				allowed = allowed || samtemplate.Allows(policy, c.Action(), arn)
				for _, g := range samtemplate.Grants(policy) {
					if g.Covers(c.Action(), arn) {
						if used[c.Function] == nil {
							used[c.Function] = map[samtemplate.Grant]bool{}
						}
						used[c.Function][g] = true
					}
				}
			}
			if p := fmt.Sprintf("not allowed: %s %s on %s", c.Function, c.Action(), res); !allowed && !seen[p] {
				seen[p] = true
				problems = append(problems, p)
			}
		}
	}
	if unused {
		for name, policy := range policies {
			for _, g := range samtemplate.Grants(policy) {
				if !used[name][g] {
					problems = append(problems, fmt.Sprintf("unused: %s is granted %s on %s, which no end-to-end test made it call", name, g.Action, g.Resource))
				}
			}
		}
	}
	sort.Strings(problems)
	return problems, nil
}

// callARNs are the ARNs IAM may check for a recorded resource (with the
// placeholder region and account the local template resolves to). A mail
// from an address is authorized by that address's identity or its domain's.
func callARNs(service, resource string) []string {
	arn := "arn:aws:" + service + ":us-east-1:000000000000:"
	out := []string{arn + resource}
	if addr, ok := strings.CutPrefix(resource, "identity/"); ok && service == "ses" {
		if _, domain, ok := strings.Cut(addr, "@"); ok {
			out = append(out, arn+"identity/"+domain)
		}
	}
	return out
}

func TestIAMCheckFindsRefusedAndUnusedGrants(t *testing.T) {
	tpl, err := samtemplate.Load(filepath.Join("..", "template.yaml"), stackParameters)
	if err != nil {
		t.Fatal(err)
	}
	calls := []callrecord.Call{
		{Function: "AuthorizerFunction", Service: "dynamodb", Operation: "GetItem", Resources: []string{"table/loginguard-dev-sessions"}},
		{Function: "AuthorizerFunction", Service: "dynamodb", Operation: "DeleteItem", Resources: []string{"table/loginguard-dev-sessions"}},
		{Function: "WebFunction", Service: "ses", Operation: "SendEmail", Resources: []string{"identity/no-reply@e2e.example"}},
		{Function: "WebFunction", Service: "ses", Operation: "SendEmail", Resources: []string{"identity/x@elsewhere.example"}},
		{Function: "WebFunction", Service: "dynamodb", Operation: "Query", Resources: []string{"table/loginguard-dev-users"}},
		{Function: "WhoamiFunction", Service: "kms", Operation: "Decrypt"},
	}
	problems, err := iamProblems(tpl, calls, true)
	if err != nil {
		t.Fatal(err)
	}
	report := strings.Join(problems, "\n")
	for _, want := range []string{
		"not allowed: AuthorizerFunction dynamodb:DeleteItem on table/loginguard-dev-sessions",
		"not allowed: WebFunction ses:SendEmail on identity/x@elsewhere.example",
		"not allowed: WebFunction dynamodb:Query on table/loginguard-dev-users", // the grant is on the index only
		"WhoamiFunction: kms:Decrypt names no resource",
		"unused: AuthorizerFunction is granted dynamodb:UpdateItem on arn:aws:dynamodb:us-east-1:000000000000:table/loginguard-dev-sessions",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("the report lacks %q:\n%s", want, report)
		}
	}
	for _, wrong := range []string{"AuthorizerFunction dynamodb:GetItem", "ses:SendEmail on identity/no-reply@e2e.example",
		"WebFunction is granted ses:SendEmail"} {
		if strings.Contains(report, wrong) {
			t.Errorf("the report has %q, which the calls do use as granted:\n%s", wrong, report)
		}
	}
}
