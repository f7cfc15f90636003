package samtemplate

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/awslabs/goformation/v7/cloudformation/global"
	cfnkms "github.com/awslabs/goformation/v7/cloudformation/kms"

	"loginguard/shared/ids"
	"loginguard/shared/store/dynamo"
)

// What each function may do is not listed here: the end-to-end tests record
// every AWS call the functions make and hold each policy to exactly those
// (e2e/iam_test.go). This test checks the shape of the policies.

// keyringKey is the KMS key wrapping the keyring's data keys.
const keyringKey = "KeyringKey"

// envTables is the environment variable each table's name reaches a function by.
var envTables = map[string]string{"USERS_TABLE": "UsersTable", "SESSIONS_TABLE": "SessionsTable",
	"HISTORY_TABLE": "LoginHistoryTable", "ORGS_TABLE": "OrgsTable", "APPS_TABLE": "ConnectedAppsTable"}

func repoTemplate(t *testing.T) *Template {
	t.Helper()
	return loadRepo(t, nil)
}

// loadRepo loads the repository's template.yaml with these parameter overrides.
func loadRepo(t *testing.T, overrides map[string]string) *Template {
	t.Helper()
	tpl, err := Load(filepath.Join("..", "..", "template.yaml"), overrides)
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

func TestEveryFunctionIsBuiltRoutedAndConfigured(t *testing.T) {
	tpl := repoTemplate(t)
	makefile, err := os.ReadFile(filepath.Join("..", "..", "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	g, ok := tpl.Raw.Globals["Function"].(*global.Function)
	if !ok || g.Runtime == nil || *g.Runtime != "provided.al2023" || g.Handler == nil || *g.Handler != "bootstrap" ||
		g.Architectures == nil || strings.Join(*g.Architectures, ",") != "arm64" {
		t.Fatalf("Globals.Function must set Runtime provided.al2023, Handler bootstrap, Architectures [arm64]: %+v", g)
	}
	if len(tpl.Functions) == 0 {
		t.Fatal("no functions")
	}
	for name, fn := range tpl.Functions {
		t.Run(name, func(t *testing.T) {
			policy, err := tpl.Policy(name)
			if err != nil {
				t.Fatal(err)
			}
			if !fn.BuildMake {
				t.Error("Metadata.BuildMethod must be makefile")
			}
			if !regexp.MustCompile(`(?m)^build-` + name + `:`).Match(makefile) {
				t.Errorf("the Makefile has no build-%s target", name)
			}
			if !regexp.MustCompile(`FUNCTIONS :=[^\n]*\b` + name + `:`).Match(makefile) {
				t.Errorf("the Makefile's FUNCTIONS list lacks %s (make build-local would not build it)", name)
			}
			isAuthorizer := false
			for _, a := range tpl.Authorizers {
				isAuthorizer = isAuthorizer || a.Function == name
			}
			if len(fn.Routes) == 0 && !isAuthorizer {
				t.Error("no HttpApi route, and not an authorizer of the HTTP API")
			}
			for k, table := range envTables {
				v, set := fn.Env[k]
				tableARN := "arn:aws:dynamodb:us-east-1:000000000000:table/" + tpl.TableName(table)
				granted := false
				for _, g := range Grants(policy) {
					granted = granted || g.Resource == tableARN || strings.HasPrefix(g.Resource, tableARN+"/index/")
				}
				if set != granted {
					t.Errorf("env %s set=%v, but the policy grants on table %s: %v", k, set, table, granted)
				}
				if set && v != tpl.TableName(table) {
					t.Errorf("env %s = %q; want the table name %q", k, v, tpl.TableName(table))
				}
			}
		})
	}
}

func TestPoliciesNameOnlyActionsAndResourcesOfTheTemplate(t *testing.T) {
	tpl := repoTemplate(t)
	// The ARNs a grant may name: tables, their indexes, the template's KMS
	// keys, and the one SES identity of the SenderIdentity parameter.
	known := map[string]bool{"arn:aws:ses:us-east-1:000000000000:identity/example.com": true}
	for logical, tb := range tpl.Tables {
		arn := "arn:aws:dynamodb:us-east-1:000000000000:table/" + tpl.TableName(logical)
		known[arn] = true
		for _, gsi := range tb.GlobalSecondaryIndexes {
			known[arn+"/index/"+gsi.IndexName] = true
		}
	}
	for name, r := range tpl.Raw.Resources {
		if r.AWSCloudFormationType() == "AWS::KMS::Key" {
			known["arn:aws:kms:us-east-1:000000000000:key/"+name] = true
		}
	}
	for name := range tpl.Functions {
		t.Run(name, func(t *testing.T) {
			policy, err := tpl.Policy(name)
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range Grants(policy) {
				if strings.ContainsAny(g.Action, "*?") || strings.ContainsAny(g.Resource, "*?") {
					t.Errorf("wildcard in %s on %s", g.Action, g.Resource)
				}
				if !known[g.Resource] {
					t.Errorf("%s on %q, which is not a resource of the template", g.Action, g.Resource)
				}
			}
		})
	}
}

func TestPolicyEvaluationFollowsIAM(t *testing.T) {
	table := "arn:aws:dynamodb:us-east-1:000000000000:table/users"
	policy := []Statement{
		{Effect: "Allow", Actions: []string{"dynamodb:GetItem", "dynamodb:UpdateItem"}, Resources: []string{table}},
		{Effect: "Allow", Actions: []string{"dynamodb:Query"}, Resources: []string{table + "/index/byOrg"}},
		{Effect: "Allow", Actions: []string{"kms:Decrypt"}, Resources: []string{"arn:aws:kms:us-east-1:000000000000:key/*"}},
		{Effect: "Deny", Actions: []string{"dynamodb:UpdateItem"}, Resources: []string{table}},
	}
	tests := []struct {
		name, action, arn string
		want              bool
	}{
		{"an action on its resource is allowed", "dynamodb:GetItem", table, true},
		{"actions match without regard to case", "DynamoDB:getitem", table, true},
		{"an action not granted is refused", "dynamodb:PutItem", table, false},
		{"a Deny wins over an Allow", "dynamodb:UpdateItem", table, false},
		{"the table's grant does not reach its index", "dynamodb:GetItem", table + "/index/byOrg", false},
		{"the index's grant does not reach the table", "dynamodb:Query", table, false},
		{"another table is refused", "dynamodb:GetItem", table + "2", false},
		{"a wildcard resource matches, in another local account", "kms:Decrypt", "arn:aws:kms:us-east-1:111122223333:key/abc", true},
		{"another service is refused", "kms:Decrypt", "arn:aws:ses:us-east-1:000000000000:key/abc", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Allows(policy, tt.action, tt.arn); got != tt.want {
				t.Fatalf("Allows(%s, %s) = %v", tt.action, tt.arn, got)
			}
		})
	}
}

func TestPoliciesThatCannotBeCheckedAreRefused(t *testing.T) {
	for name, policies := range map[string]string{
		"a managed policy":         "- AWSLambdaBasicExecutionRole",
		"a SAM policy template":    "- DynamoDBReadPolicy: {TableName: t}",
		"a condition":              "- Statement: [{Effect: Allow, Action: [s3:GetObject], Resource: '*', Condition: {Bool: {aws:SecureTransport: true}}}]",
		"NotAction":                "- Statement: [{Effect: Allow, NotAction: [s3:GetObject], Resource: '*'}]",
		"a pattern on another key": "- Statement: [{Effect: Allow, Action: [dynamodb:GetItem], Resource: '*', Condition: {ForAllValues:StringLike: {dynamodb:Attributes: ['h*']}}}]",
		"an unresolved resource":   "- Statement: [{Effect: Allow, Action: [s3:GetObject], Resource: !GetAtt Nope.Arn}]",
	} {
		t.Run(name, func(t *testing.T) {
			tpl := loadYAML(t, "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Policies:\n"+indent(policies, "        "))
			if st, err := tpl.Policy("Fn"); err == nil {
				t.Fatalf("accepted: %+v", st)
			}
		})
	}
}

func loadYAML(t *testing.T, body string) *Template {
	t.Helper()
	tpl, err := loadYAMLWith(t, body, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

// loadYAMLWith loads a template of this body with these parameter overrides.
func loadYAMLWith(t *testing.T, body string, overrides map[string]string) (*Template, error) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "template.yaml")
	if err := os.WriteFile(p, []byte("AWSTemplateFormatVersion: \"2010-09-09\"\nTransform: AWS::Serverless-2016-10-31\n"+body), 0o600); err != nil {
		t.Fatal(err)
	}
	return Load(p, overrides)
}

func indent(s, by string) string { return by + strings.ReplaceAll(s, "\n", "\n"+by) + "\n" }

func TestTablesAreEncryptedRecoverableAndExpire(t *testing.T) {
	tpl := repoTemplate(t)
	ttl := map[string]bool{"SessionsTable": true, "LoginHistoryTable": true, "SourcesTable": true}
	for name, tb := range tpl.Tables {
		if tb.PointInTimeRecoverySpecification == nil || tb.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled == nil || !*tb.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled {
			t.Errorf("%s: point-in-time recovery is off", name)
		}
		if tb.SSESpecification == nil || !tb.SSESpecification.SSEEnabled {
			t.Errorf("%s: encryption is off", name)
		}
		hasTTL := tb.TimeToLiveSpecification != nil && tb.TimeToLiveSpecification.Enabled
		if hasTTL != ttl[name] {
			t.Errorf("%s: TTL enabled=%v; want %v", name, hasTTL, ttl[name])
		}
		if hasTTL && *tb.TimeToLiveSpecification.AttributeName != "expiresAt" {
			t.Errorf("%s: TTL attribute %s; the store writes expiresAt", name, *tb.TimeToLiveSpecification.AttributeName)
		}
	}
}

func TestParameterOverridesResolve(t *testing.T) {
	tpl, err := Load(filepath.Join("..", "..", "template.yaml"), map[string]string{"Stage": "prod"})
	if err != nil {
		t.Fatal(err)
	}
	if got := tpl.Functions["SoapFunction"].Env["USERS_TABLE"]; got != "loginguard-prod-users" {
		t.Fatalf("USERS_TABLE with Stage=prod is %q", got)
	}
	if _, err := Load(filepath.Join("..", "..", "template.yaml"), map[string]string{"Nope": "x"}); err == nil {
		t.Fatal("an unknown parameter override must be refused")
	}
}

func TestProtectedRoutesUseTheSessionAuthorizer(t *testing.T) {
	tpl := repoTemplate(t)
	a := tpl.Authorizers["SessionAuthorizer"]
	if a == nil || a.Function != "AuthorizerFunction" || !a.SimpleResponses || strings.Join(a.IdentityHeaders, ",") != "Authorization" {
		t.Fatalf("SessionAuthorizer %+v", a)
	}
	if a.CacheTTL != 0 {
		// The decision reads route, method, IP and time, and a session can
		// end at any moment: no answer may be reused (ReauthorizeEvery: 0).
		t.Errorf("SessionAuthorizer caches its decisions for %s; want ReauthorizeEvery: 0", a.CacheTTL)
	}
	for _, name := range protectedFunctions {
		fn := tpl.Functions[name]
		if fn == nil || len(fn.Routes) == 0 {
			t.Errorf("no function %s with routes", name)
			continue
		}
		for _, r := range fn.Routes {
			if r.Authorizer != "SessionAuthorizer" {
				t.Errorf("%s: route %s %s is not behind the session authorizer", name, r.Method, r.Path)
			}
		}
	}
}

// protectedFunctions serve only what a session may see: every route of
// theirs is behind the session authorizer (DataFunction's /services/data
// too, which Salesforce serves without one).
var protectedFunctions = []string{"WhoamiFunction", "DataFunction", "AdminFunction"}

// orgPartitionActions reports whether a function may do actions in the
// orgs' partitions (never the keyring's): each reads an org; the admin API
// also changes orgs and profiles, as lgadmin does.
func orgPartitionActions(function string, actions []string) bool {
	allowed := map[string]bool{"dynamodb:GetItem": true}
	// The admin API and the console (WebFunction's /setup pages) change
	// orgs and profiles.
	if function == "AdminFunction" || function == "WebFunction" {
		for _, a := range []string{"dynamodb:Query", "dynamodb:PutItem"} {
			allowed[a] = true
		}
	}
	for _, a := range actions {
		if !allowed[a] {
			return false
		}
	}
	return true
}

func TestTheKeyringKeyIsAKMSKeyOnlyItsFunctionsUse(t *testing.T) {
	tpl := repoTemplate(t)
	key := templateKey(t, tpl, keyringKey, "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", "KEYRING_KMS_KEY")
	if key.EnableKeyRotation == nil || !*key.EnableKeyRotation {
		t.Errorf("%s: EnableKeyRotation must be true", keyringKey)
	}
	// Each grant on the keyring is limited: the orgs table to the keyring's
	// partition (or the password histories', TestPasswordHistoriesAre...),
	// the KMS key to the TOTP keyring's encryption context.
	for name, f := range tpl.Raw.GetAllServerlessFunctionResources() {
		for _, doc := range *f.Policies.IAMPolicyDocumentArray {
			for _, raw := range doc.Statement {
				st, _ := raw.(map[string]interface{})
				cond := fmt.Sprint(st["Condition"])
				for _, r := range strs(st["Resource"]) {
					if r == "arn:aws:dynamodb:us-east-1:000000000000:table/"+tpl.TableName("OrgsTable") &&
						cond != "map[ForAllValues:StringEquals:map[dynamodb:LeadingKeys:[KEYRING]]]" && cond != passwordHistoryCondition &&
						(cond != orgPartitionCondition || !orgPartitionActions(name, strs(st["Action"]))) {
						t.Errorf("%s: a grant on the orgs table without the KEYRING (or password history) leading-key condition, or a read of orgs' partitions only: %v", name, cond)
					}
					if r == LocalKMSARN(keyringKey) && cond != "map[StringEquals:map[kms:EncryptionContext:loginguard:keyring:totp]]" {
						t.Errorf("%s: a grant on the keyring key without the encryption-context condition: %v", name, cond)
					}
				}
			}
		}
	}
	local, err := LoadWithKMSKeys(filepath.Join("..", "..", "template.yaml"), nil, map[string]string{keyringKey: "1234abcd-12ab-34cd-56ef-1234567890ab"})
	if err != nil {
		t.Fatal(err)
	}
	if got := local.Functions["SoapFunction"].Env["KEYRING_KMS_KEY"]; got != "arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab" {
		t.Fatalf("with a local key id, KEYRING_KMS_KEY = %q", got)
	}
	if _, err := LoadWithKMSKeys(filepath.Join("..", "..", "template.yaml"), nil, map[string]string{"UsersTable": "x"}); err == nil {
		t.Fatal("a local KMS key for a resource that is not a KMS key must be refused")
	}
}

// templateKey is the template's KMS key name, checked to be of this spec
// and usage, administered by the account root only, and named by env in
// exactly the functions granted something on it.
func templateKey(t *testing.T, tpl *Template, name, spec, usage, env string) *cfnkms.Key {
	t.Helper()
	key, err := tpl.Raw.GetKMSKeyWithName(name)
	if err != nil {
		t.Fatal(err)
	}
	if key.KeySpec == nil || *key.KeySpec != spec || key.KeyUsage == nil || *key.KeyUsage != usage {
		t.Errorf("%s must be a key of spec %s and usage %s", name, spec, usage)
	}
	rootAdministers(t, name, key.KeyPolicy)
	keyEnvMatchesGrants(t, tpl, name, env)
	return key
}

// rootAdministers checks that a key's policy lets the account root, and no
// one else, administer the key: functions get IAM policies.
func rootAdministers(t *testing.T, name string, policy interface{}) {
	t.Helper()
	doc, _ := policy.(map[string]interface{})
	root := false
	for _, raw := range asAny(doc["Statement"]) {
		st, _ := raw.(map[string]interface{})
		p, _ := st["Principal"].(map[string]interface{})
		if st["Effect"] == "Allow" && fmt.Sprint(p["AWS"]) == "arn:aws:iam::000000000000:root" {
			root = true
		} else if st["Effect"] == "Allow" {
			t.Errorf("%s: the key policy grants to %v; only the account root administers the key (functions get IAM policies)", name, st["Principal"])
		}
	}
	if !root {
		t.Errorf("%s: the key policy must let the account root administer the key", name)
	}
}

// keyEnvMatchesGrants checks that env names the KMS key exactly in the
// functions granted something on it.
func keyEnvMatchesGrants(t *testing.T, tpl *Template, key, env string) {
	t.Helper()
	for name, fn := range tpl.Functions {
		needs := false
		policy, err := tpl.Policy(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range Grants(policy) {
			needs = needs || g.Resource == LocalKMSARN(key)
		}
		if got := fn.Env[env]; (got != "") != needs || needs && got != LocalKMSARN(key) {
			t.Errorf("%s: %s = %q; the function needs the key: %v", name, env, got, needs)
		}
	}
}

// idTokenKey is the KMS key that signs id_tokens.
const idTokenKey = "IdTokenKey"

func TestTheIDTokenKeyIsAnRSASigningKeyOnlyTheOAuthFunctionReads(t *testing.T) {
	tpl := repoTemplate(t)
	key := templateKey(t, tpl, idTokenKey, "RSA_2048", "SIGN_VERIFY", "ID_TOKEN_KMS_KEY")
	if key.EnableKeyRotation != nil && *key.EnableKeyRotation {
		t.Errorf("%s: EnableKeyRotation on an asymmetric key fails the deployment", idTokenKey)
	}
	for name := range tpl.Functions {
		policy, _ := tpl.Policy(name)
		for _, g := range Grants(policy) {
			if g.Resource != LocalKMSARN(idTokenKey) {
				continue
			}
			if name != "OAuthFunction" || (g.Action != "kms:GetPublicKey" && g.Action != "kms:Sign") {
				t.Errorf("%s is granted %s on the id_token key; only the OAuth function reads and signs with it", name, g.Action)
			}
		}
	}
	if tpl.Functions["OAuthFunction"].Env["ID_TOKEN_KMS_KEY"] == "" {
		t.Error("the OAuth function has no ID_TOKEN_KMS_KEY")
	}
}

// passwordHistoryCondition limits a grant on the orgs table to the
// password histories' partitions (the store's key prefix).
var passwordHistoryCondition = "map[ForAllValues:StringLike:map[dynamodb:LeadingKeys:[" + dynamo.PasswordHistoryPartition + "*]]]"

// orgPartitionCondition limits a grant on the orgs table to the orgs'
// partitions (an org's id is its item's key): the org and its profiles,
// never the keyring or a password history. It may only read.
var orgPartitionCondition = "map[ForAllValues:StringLike:map[dynamodb:LeadingKeys:[" + ids.PrefixOrg + "*]]]"

// passwordSetters are the functions that set passwords (through
// shared/account): the web pages, and SOAP's setPassword to come.
var passwordSetters = []string{"SoapFunction", "WebFunction"}

func TestPasswordHistoriesAreGrantedToThePasswordSettersOnly(t *testing.T) {
	tpl := repoTemplate(t)
	orgs := "arn:aws:dynamodb:us-east-1:000000000000:table/" + tpl.TableName("OrgsTable")
	var granted []string
	for name, f := range tpl.Raw.GetAllServerlessFunctionResources() {
		for _, doc := range *f.Policies.IAMPolicyDocumentArray {
			for _, raw := range doc.Statement {
				st, _ := raw.(map[string]interface{})
				if fmt.Sprint(st["Condition"]) != passwordHistoryCondition {
					continue
				}
				granted = append(granted, name)
				// The store reads with GetItem and replaces with a
				// conditional PutItem (RememberPasswords); nothing else.
				if got := strings.Join(strs(st["Action"]), ","); got != "dynamodb:GetItem,dynamodb:PutItem" {
					t.Errorf("%s: password histories granted %s; want dynamodb:GetItem,dynamodb:PutItem", name, got)
				}
				if got := strs(st["Resource"]); len(got) != 1 || got[0] != orgs {
					t.Errorf("%s: the password history grant is on %v; want the orgs table only", name, got)
				}
			}
		}
	}
	sort.Strings(granted)
	if strings.Join(granted, ",") != strings.Join(passwordSetters, ",") {
		t.Errorf("password histories are granted to %v; want %v", granted, passwordSetters)
	}
}

func asAny(v interface{}) []interface{} {
	l, _ := v.([]interface{})
	return l
}

func TestAuthorizerCacheTTLIsReadAsAPIGatewayDoes(t *testing.T) {
	auth := func(identity string) string {
		return "Resources:\n  Api:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n      Auth:\n        Authorizers:\n" +
			"          A:\n            FunctionArn: !GetAtt Fn.Arn\n            EnableSimpleResponses: true\n" + identity +
			"  Fn:\n    Type: AWS::Serverless::Function\n"
	}
	headers := "            Identity:\n              Headers: [Authorization]\n"
	for name, tt := range map[string]struct {
		identity string
		want     time.Duration
	}{
		"no ReauthorizeEvery caches for API Gateway's 300 s": {headers, 300 * time.Second},
		"ReauthorizeEvery 0 turns the cache off":             {headers + "              ReauthorizeEvery: 0\n", 0},
		"ReauthorizeEvery sets the time":                     {headers + "              ReauthorizeEvery: 60\n", time.Minute},
	} {
		t.Run(name, func(t *testing.T) {
			if got := loadYAML(t, auth(tt.identity)).Authorizers["A"].CacheTTL; got != tt.want {
				t.Fatalf("CacheTTL %s; want %s", got, tt.want)
			}
		})
	}
	for name, identity := range map[string]string{
		"more than an hour":                  headers + "              ReauthorizeEvery: 3601\n",
		"a cache without an identity source": "            Identity:\n              ReauthorizeEvery: 60\n",
	} {
		t.Run(name+" is refused", func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "template.yaml")
			os.WriteFile(p, []byte("AWSTemplateFormatVersion: \"2010-09-09\"\nTransform: AWS::Serverless-2016-10-31\n"+auth(identity)), 0o600)
			if _, err := Load(p, nil); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func strs(v interface{}) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []interface{}:
		var out []string
		for _, e := range x {
			out = append(out, strs(e)...)
		}
		return out
	}
	return nil
}
