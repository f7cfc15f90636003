// Package samtemplate reads template.yaml the way SAM would for a local run:
// functions with Globals merged, environment values resolved (parameters to
// their defaults or overrides, table references to the tables' local
// names), and the HTTP API routes of their events.
package samtemplate

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/awslabs/goformation/v7"
	"github.com/awslabs/goformation/v7/cloudformation"
	cfndynamodb "github.com/awslabs/goformation/v7/cloudformation/dynamodb"
	"github.com/awslabs/goformation/v7/cloudformation/global"
	cfnkms "github.com/awslabs/goformation/v7/cloudformation/kms"
	"github.com/awslabs/goformation/v7/cloudformation/serverless"
	"github.com/awslabs/goformation/v7/intrinsics"
)

// Function is one AWS::Serverless::Function as it runs locally.
type Function struct {
	LogicalID  string
	MemorySize int               // MB
	Timeout    int               // seconds
	Env        map[string]string // resolved
	Routes     []Route
	BuildMake  bool // Metadata.BuildMethod: makefile
}

// Route is one HttpApi event: METHOD and path ("ANY" for any method), and
// the Lambda authorizer that guards it ("" for none).
type Route struct {
	Method     string
	Path       string
	Authorizer string
}

// Authorizer is a Lambda REQUEST authorizer of the HTTP API.
type Authorizer struct {
	Name            string
	Function        string   // logical id of the authorizer function
	SimpleResponses bool     // EnableSimpleResponses
	IdentityHeaders []string // Identity.Headers: all must be present, else 401
	// CacheTTL is Identity.ReauthorizeEvery: how long API Gateway reuses a
	// decision for the same identity source values, on any route the
	// authorizer guards. 0 turns the cache off; absent is API Gateway's
	// default, DefaultAuthorizerTTL.
	CacheTTL time.Duration
}

// DefaultAuthorizerTTL is how long API Gateway caches a Lambda authorizer's
// answer when the template does not say.
const DefaultAuthorizerTTL = 300 * time.Second

// Template is the part of template.yaml a local run needs.
type Template struct {
	Functions   map[string]*Function
	Authorizers map[string]*Authorizer
	Tables      map[string]*cfndynamodb.Table // by logical id, TableName resolved
	Raw         *cloudformation.Template
}

var subVar = regexp.MustCompile(`\$\{([A-Za-z0-9:.]+)\}`)

// Load reads the template at path. overrides set parameters as
// --parameter-overrides does.
func Load(path string, overrides map[string]string) (*Template, error) {
	return LoadWithKMSKeys(path, overrides, nil)
}

// LocalKMSARN is the ARN a KMS key with this id has locally (local-kms run
// with KMS_ACCOUNT_ID and KMS_REGION as every local ARN here).
func LocalKMSARN(keyID string) string { return "arn:aws:kms:us-east-1:000000000000:key/" + keyID }

// LoadWithKMSKeys is Load where the template's KMS keys (AWS::KMS::Key, by
// logical id) are keys of a local KMS: !Ref gives the key id, !GetAtt .Arn
// its LocalKMSARN. A key not in kmsKeys gets its logical id as key id.
func LoadWithKMSKeys(path string, overrides map[string]string, kmsKeys map[string]string) (*Template, error) {
	ov := map[string]interface{}{}
	for k, v := range overrides {
		ov[k] = v
	}
	// First pass: parameters resolved, references to resources still empty;
	// enough to learn the parameters and the tables' names.
	raw, err := goformation.OpenWithOptions(path, &intrinsics.ProcessorOptions{ParameterOverrides: ov})
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	params := map[string]string{"AWS::Region": "us-east-1", "AWS::AccountId": "000000000000", "AWS::Partition": "aws",
		"AWS::URLSuffix": "amazonaws.com", "AWS::StackName": "local"}
	for name, p := range raw.Parameters {
		if p.Default != nil {
			params[name] = fmt.Sprint(p.Default)
		}
	}
	for k, v := range overrides {
		if _, ok := raw.Parameters[k]; !ok {
			return nil, fmt.Errorf("parameter override %s: the template has no such parameter", k)
		}
		params[k] = v
	}
	// Resources a Ref may name: tables resolve to their TableName.
	resourceRef := map[string]string{}
	for name, r := range raw.Resources {
		resourceRef[name] = name
		if t, ok := r.(*cfndynamodb.Table); ok && t.TableName != nil && *t.TableName != "" {
			resourceRef[name] = *t.TableName
		}
		if _, ok := r.(*cfnkms.Key); ok && kmsKeys[name] != "" {
			resourceRef[name] = kmsKeys[name]
		}
	}
	for name := range kmsKeys {
		if _, ok := raw.Resources[name].(*cfnkms.Key); !ok {
			return nil, fmt.Errorf("local KMS key for %s: the template has no AWS::KMS::Key %s", name, name)
		}
	}
	// arnOf is the local stand-in for a resource's Arn attribute.
	arnOf := func(res string) string {
		n, ok := resourceRef[res]
		if !ok {
			return ""
		}
		switch raw.Resources[res].(type) {
		case *serverless.Function:
			return "arn:aws:lambda:us-east-1:000000000000:function:" + n
		case *cfnkms.Key:
			return "arn:aws:kms:us-east-1:000000000000:key/" + n
		}
		if _, key := raw.Resources[res].(*cfnkms.Key); key {
			return LocalKMSARN(n)
		}
		return "arn:aws:dynamodb:us-east-1:000000000000:table/" + n
	}
	overridesAny := map[string]interface{}{}
	for k, v := range params {
		overridesAny[k] = v
	}
	tpl, err := goformation.OpenWithOptions(path, &intrinsics.ProcessorOptions{
		ParameterOverrides: overridesAny,
		IntrinsicHandlerOverrides: map[string]intrinsics.IntrinsicHandler{
			"Ref": func(name string, input interface{}, template interface{}) interface{} {
				s, _ := input.(string)
				if v, ok := params[s]; ok {
					return v
				}
				if v, ok := resourceRef[s]; ok {
					return v
				}
				return intrinsics.Ref(name, input, template)
			},
			"Fn::GetAtt": func(name string, input interface{}, template interface{}) interface{} {
				parts, _ := input.([]interface{})
				if str, ok := input.(string); ok { // the short form: !GetAtt Table.Arn
					if res, attr, ok := strings.Cut(str, "."); ok {
						parts = []interface{}{res, attr}
					}
				}
				if len(parts) == 2 && parts[1] == "Arn" {
					return arnOf(fmt.Sprint(parts[0]))
				}
				return ""
			},
			"Fn::Sub": func(name string, input interface{}, template interface{}) interface{} {
				if s, ok := input.(string); ok {
					return subVar.ReplaceAllStringFunc(s, func(m string) string {
						k := m[2 : len(m)-1]
						if v, ok := params[k]; ok {
							return v
						}
						if v, ok := resourceRef[k]; ok {
							return v
						}
						if res, ok := strings.CutSuffix(k, ".Arn"); ok {
							if v := arnOf(res); v != "" {
								return v
							}
						}
						return m
					})
				}
				return intrinsics.FnSub(name, input, template)
			},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	out := &Template{Functions: map[string]*Function{}, Authorizers: map[string]*Authorizer{}, Tables: tpl.GetAllDynamoDBTableResources(), Raw: tpl}
	defaultAuth := ""
	for _, api := range tpl.GetAllServerlessHttpApiResources() {
		if api.Auth == nil {
			continue
		}
		if api.Auth.DefaultAuthorizer != nil {
			defaultAuth = *api.Auth.DefaultAuthorizer
		}
		auths, _ := api.Auth.Authorizers.(map[string]interface{})
		for name, v := range auths {
			m, _ := v.(map[string]interface{})
			arn, _ := m["FunctionArn"].(string)
			fn := arn[strings.LastIndex(arn, ":")+1:]
			a := &Authorizer{Name: name, Function: fn}
			a.SimpleResponses, _ = m["EnableSimpleResponses"].(bool)
			a.CacheTTL = DefaultAuthorizerTTL
			if id, ok := m["Identity"].(map[string]interface{}); ok {
				for _, h := range asList(id["Headers"]) {
					a.IdentityHeaders = append(a.IdentityHeaders, h)
				}
				if v, set := id["ReauthorizeEvery"]; set {
					secs, err := strconv.Atoi(fmt.Sprint(v))
					if err != nil || secs < 0 || secs > 3600 {
						return nil, fmt.Errorf("authorizer %s: ReauthorizeEvery %v: want whole seconds from 0 to 3600", name, v)
					}
					a.CacheTTL = time.Duration(secs) * time.Second
				}
			}
			if a.CacheTTL > 0 && len(a.IdentityHeaders) == 0 {
				// API Gateway refuses it too: the cache is keyed by the identity sources.
				return nil, fmt.Errorf("authorizer %s: caching (ReauthorizeEvery > 0 or absent) needs an identity source", name)
			}
			if _, ok := tpl.GetAllServerlessFunctionResources()[fn]; !ok || fn == "" {
				return nil, fmt.Errorf("authorizer %s: FunctionArn must be !GetAtt <a function of this template>.Arn", name)
			}
			out.Authorizers[name] = a
		}
	}
	var g *global.Function
	if r, ok := tpl.Globals["Function"]; ok {
		g, _ = r.(*global.Function)
	}
	for name, f := range tpl.GetAllServerlessFunctionResources() {
		fn := &Function{LogicalID: name, MemorySize: 128, Timeout: 3, Env: map[string]string{}}
		if g != nil {
			if g.MemorySize != nil {
				fn.MemorySize = *g.MemorySize
			}
			if g.Timeout != nil {
				fn.Timeout = *g.Timeout
			}
			if g.Environment != nil {
				for k, v := range g.Environment.Variables {
					fn.Env[k] = v
				}
			}
		}
		if f.MemorySize != nil {
			fn.MemorySize = *f.MemorySize
		}
		if f.Timeout != nil {
			fn.Timeout = *f.Timeout
		}
		if f.Environment != nil {
			for k, v := range f.Environment.Variables {
				fn.Env[k] = v
			}
		}
		if m, ok := f.AWSCloudFormationMetadata["BuildMethod"]; ok && m == "makefile" {
			fn.BuildMake = true
		}
		for evName, ev := range f.Events {
			if ev.Type != "HttpApi" {
				continue
			}
			if ev.Properties == nil || ev.Properties.HttpApiEvent == nil {
				return nil, fmt.Errorf("function %s event %s: HttpApi without properties", name, evName)
			}
			h := ev.Properties.HttpApiEvent
			r := Route{Method: "ANY", Path: "$default", Authorizer: defaultAuth}
			if h.Auth != nil && h.Auth.Authorizer != nil {
				r.Authorizer = *h.Auth.Authorizer
			}
			if r.Authorizer == "NONE" {
				r.Authorizer = ""
			}
			if _, ok := out.Authorizers[r.Authorizer]; r.Authorizer != "" && !ok {
				return nil, fmt.Errorf("function %s event %s: no authorizer %q in the HTTP API", name, evName, r.Authorizer)
			}
			if h.Method != nil {
				r.Method = strings.ToUpper(*h.Method)
			}
			if h.Path != nil {
				r.Path = *h.Path
			}
			fn.Routes = append(fn.Routes, r)
		}
		sort.Slice(fn.Routes, func(i, j int) bool {
			return fn.Routes[i].Path+fn.Routes[i].Method < fn.Routes[j].Path+fn.Routes[j].Method
		})
		out.Functions[name] = fn
	}
	return out, nil
}

func asList(v interface{}) []string {
	var out []string
	switch x := v.(type) {
	case string:
		out = append(out, x)
	case []interface{}:
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
	}
	return out
}
