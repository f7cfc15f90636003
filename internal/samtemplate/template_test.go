package samtemplate

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/awslabs/goformation/v7/cloudformation/global"
)

// needs is, per function, every DynamoDB action it may use on each table:
// the template must grant exactly these, nothing broader.
var needs = map[string]map[string][]string{
	"SoapFunction": {
		"UsersTable":        {"dynamodb:GetItem", "dynamodb:UpdateItem"},
		"SessionsTable":     {"dynamodb:BatchWriteItem", "dynamodb:DeleteItem"},
		"LoginHistoryTable": {"dynamodb:BatchWriteItem", "dynamodb:PutItem"},
		"OrgsTable":         {"dynamodb:GetItem"}, // the keyring item only
		keyringKey:          {"kms:Decrypt"},
	},
	"AuthorizerFunction": {
		"SessionsTable": {"dynamodb:GetItem", "dynamodb:UpdateItem"},
	},
	"WhoamiFunction": {},
	"WebFunction": {
		"UsersTable":             {"dynamodb:GetItem", "dynamodb:UpdateItem"},
		"SessionsTable":          {"dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"},
		"LoginHistoryTable":      {"dynamodb:BatchWriteItem", "dynamodb:PutItem"},
		"UsersTable/index/byOrg": {"dynamodb:Query"},
		sesIdentity:              {"ses:SendEmail"},
		"OrgsTable":              {"dynamodb:GetItem", "dynamodb:PutItem"}, // reads the keyring, makes its first key
		keyringKey:               {"kms:Decrypt", "kms:GenerateDataKey"},   // seals at TOTP enrolment
	},
	"OAuthFunction": {
		"UsersTable":         {"dynamodb:GetItem", "dynamodb:UpdateItem"},
		"SessionsTable":      {"dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:GetItem"},
		"LoginHistoryTable":  {"dynamodb:BatchWriteItem", "dynamodb:PutItem"},
		"ConnectedAppsTable": {"dynamodb:GetItem"},
		"OrgsTable":          {"dynamodb:GetItem"},
		keyringKey:           {"kms:Decrypt"},
	},
}

// keyringKey is the KMS key wrapping the keyring's data keys (a resource
// among the tables here): functions that open TOTP keys may Decrypt with
// it, only the one that seals may GenerateDataKey.
const keyringKey = "KeyringKey"

// sesIdentity stands for the SES identity of the SenderIdentity parameter
// among the tables: a function that mails may send as it, and only as it.
const sesIdentity = "SES identity"

// envTables is the environment variable each table's name reaches a function by.
var envTables = map[string]string{"USERS_TABLE": "UsersTable", "SESSIONS_TABLE": "SessionsTable",
	"HISTORY_TABLE": "LoginHistoryTable", "ORGS_TABLE": "OrgsTable", "APPS_TABLE": "ConnectedAppsTable"}

func repoTemplate(t *testing.T) *Template {
	t.Helper()
	tpl, err := Load(filepath.Join("..", "..", "template.yaml"), nil)
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
			if _, ok := needs[name]; !ok {
				t.Fatalf("%s has no entry in this test's list of needs: add what it may do", name)
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
				_, needed := needs[name][table]
				if set != needed {
					t.Errorf("env %s set=%v, but the function needs table %s: %v", k, set, table, needed)
				}
				if set && v != tpl.TableName(table) {
					t.Errorf("env %s = %q; want the table name %q", k, v, tpl.TableName(table))
				}
			}
		})
	}
}

func TestPoliciesGrantNoMoreThanEachFunctionNeeds(t *testing.T) {
	tpl := repoTemplate(t)
	arnTable := map[string]string{"arn:aws:ses:us-east-1:000000000000:identity/example.com": sesIdentity,
		LocalKMSARN(keyringKey): keyringKey}
	for logical, tb := range tpl.Tables {
		arn := "arn:aws:dynamodb:us-east-1:000000000000:table/" + tpl.TableName(logical)
		arnTable[arn] = logical
		for _, gsi := range tb.GlobalSecondaryIndexes {
			arnTable[arn+"/index/"+gsi.IndexName] = logical + "/index/" + gsi.IndexName
		}
	}
	for name, f := range tpl.Raw.GetAllServerlessFunctionResources() {
		t.Run(name, func(t *testing.T) {
			if f.Policies == nil || f.Policies.IAMPolicyDocumentArray == nil {
				t.Fatal("policies must be inline statements (no managed or SAM template policies: they are broader)")
			}
			granted := map[string]map[string]bool{}
			for _, doc := range *f.Policies.IAMPolicyDocumentArray {
				for _, raw := range doc.Statement {
					st, _ := raw.(map[string]interface{})
					if st["Effect"] != "Allow" {
						continue
					}
					actions := strs(st["Action"])
					resources := strs(st["Resource"])
					for _, r := range resources {
						table, ok := arnTable[r]
						if !ok {
							t.Errorf("statement grants on %q, which is not one of the template's tables", r)
							continue
						}
						for _, a := range actions {
							if strings.Contains(a, "*") {
								t.Errorf("wildcard action %q", a)
							}
							if granted[table] == nil {
								granted[table] = map[string]bool{}
							}
							granted[table][a] = true
						}
					}
				}
			}
			got := map[string][]string{}
			for table, acts := range granted {
				for a := range acts {
					got[table] = append(got[table], a)
				}
				sort.Strings(got[table])
			}
			want := needs[name]
			for table, acts := range want {
				if strings.Join(got[table], ",") != strings.Join(acts, ",") {
					t.Errorf("%s on %s: granted %v; needs exactly %v", name, table, got[table], acts)
				}
			}
			for table := range got {
				if _, ok := want[table]; !ok {
					t.Errorf("%s is granted %v on %s, which it does not use", name, got[table], table)
				}
			}
		})
	}
}

func TestTablesAreEncryptedRecoverableAndExpire(t *testing.T) {
	tpl := repoTemplate(t)
	ttl := map[string]bool{"SessionsTable": true, "LoginHistoryTable": true}
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

func TestProtectedRoutesUseTheSessionAuthorizer(t *testing.T) {
	tpl := repoTemplate(t)
	a := tpl.Authorizers["SessionAuthorizer"]
	if a == nil || a.Function != "AuthorizerFunction" || !a.SimpleResponses || strings.Join(a.IdentityHeaders, ",") != "Authorization" {
		t.Fatalf("SessionAuthorizer %+v", a)
	}
	for _, r := range tpl.Functions["WhoamiFunction"].Routes {
		if r.Authorizer != "SessionAuthorizer" {
			t.Errorf("route %s %s is not behind the session authorizer", r.Method, r.Path)
		}
	}
}

func TestTheKeyringKeyIsAKMSKeyOnlyItsFunctionsUse(t *testing.T) {
	tpl := repoTemplate(t)
	key, err := tpl.Raw.GetKMSKeyWithName(keyringKey)
	if err != nil {
		t.Fatal(err)
	}
	if key.KeySpec == nil || *key.KeySpec != "SYMMETRIC_DEFAULT" || key.KeyUsage == nil || *key.KeyUsage != "ENCRYPT_DECRYPT" {
		t.Errorf("%s must be a symmetric ENCRYPT_DECRYPT key", keyringKey)
	}
	if key.EnableKeyRotation == nil || !*key.EnableKeyRotation {
		t.Errorf("%s: EnableKeyRotation must be true", keyringKey)
	}
	doc, _ := key.KeyPolicy.(map[string]interface{})
	root := false
	for _, raw := range asAny(doc["Statement"]) {
		st, _ := raw.(map[string]interface{})
		p, _ := st["Principal"].(map[string]interface{})
		if st["Effect"] == "Allow" && fmt.Sprint(p["AWS"]) == "arn:aws:iam::000000000000:root" {
			root = true
		} else if st["Effect"] == "Allow" {
			t.Errorf("the key policy grants to %v; only the account root administers the key (functions get IAM policies)", st["Principal"])
		}
	}
	if !root {
		t.Error("the key policy must let the account root administer the key")
	}
	for name, fn := range tpl.Functions {
		_, needs := needs[name][keyringKey]
		if got := fn.Env["KEYRING_KMS_KEY"]; (got != "") != needs || needs && got != LocalKMSARN(keyringKey) {
			t.Errorf("%s: KEYRING_KMS_KEY = %q; the function needs the key: %v", name, got, needs)
		}
	}
	// Each grant on the keyring is limited: the orgs table to the keyring's
	// partition, the KMS key to the TOTP keyring's encryption context.
	for name, f := range tpl.Raw.GetAllServerlessFunctionResources() {
		for _, doc := range *f.Policies.IAMPolicyDocumentArray {
			for _, raw := range doc.Statement {
				st, _ := raw.(map[string]interface{})
				cond := fmt.Sprint(st["Condition"])
				for _, r := range strs(st["Resource"]) {
					if r == "arn:aws:dynamodb:us-east-1:000000000000:table/"+tpl.TableName("OrgsTable") &&
						cond != "map[ForAllValues:StringEquals:map[dynamodb:LeadingKeys:[KEYRING]]]" {
						t.Errorf("%s: a grant on the orgs table without the KEYRING leading-key condition: %v", name, cond)
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

func asAny(v interface{}) []interface{} {
	l, _ := v.([]interface{})
	return l
}
