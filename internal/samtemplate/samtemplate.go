// Package samtemplate reads template.yaml the way SAM would for a local run:
// functions with Globals merged, environment values resolved (parameters to
// their defaults or overrides, table references to the tables' local
// names, conditions evaluated), the HTTP API routes of their events, and
// the API's throttling.
package samtemplate

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
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
	Schedules  []Schedule // its Schedule events
	BuildMake  bool       // Metadata.BuildMethod: makefile
}

// Schedule is one Schedule event (an EventBridge rule with a rate): a local
// run invokes the function every Every with a scheduled event.
type Schedule struct {
	Name       string // the event's name in the template
	Expression string // as written: rate(1 hour)
	Every      time.Duration
}

// parseRate reads an EventBridge rate expression: rate(1 hour),
// rate(5 minutes), rate(1 day). Cron expressions are not run locally.
func parseRate(expr string) (time.Duration, error) {
	inner, ok := strings.CutPrefix(strings.TrimSpace(expr), "rate(")
	inner, ok2 := strings.CutSuffix(inner, ")")
	f := strings.Fields(inner)
	if !ok || !ok2 || len(f) != 2 {
		return 0, fmt.Errorf("schedule %q: want rate(N unit)", expr)
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n < 1 {
		return 0, fmt.Errorf("schedule %q: want a whole number of at least 1", expr)
	}
	units := map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}
	u, ok := units[strings.TrimSuffix(f[1], "s")]
	if !ok {
		return 0, fmt.Errorf("schedule %q: the unit is minute(s), hour(s) or day(s)", expr)
	}
	return time.Duration(n) * u, nil
}

// Route is one HttpApi event: METHOD and path ("ANY" for any method), the
// HTTP API it belongs to (ApiId), and the Lambda authorizer that guards it
// ("" for none).
type Route struct {
	Method     string
	Path       string
	API        string // logical id of the AWS::Serverless::HttpApi
	Authorizer string
}

// Key is the route key API Gateway names the route by ("POST /login"), as
// RouteSettings and the event's routeKey spell it.
func (r Route) Key() string { return r.Method + " " + r.Path }

// ImplicitHttpAPI is the API SAM makes for HttpApi events without an ApiId.
const ImplicitHttpAPI = "ServerlessHttpApi"

// HttpAPI is the stage throttling of an AWS::Serverless::HttpApi. API
// Gateway applies it at the edge, before any authorizer or function runs;
// a local run does not.
type HttpAPI struct {
	LogicalID string
	// Default is DefaultRouteSettings: the limits of every route the
	// RouteSettings do not name.
	Default Throttle
	// Routes is RouteSettings, by route key. Each key is a route of this
	// API: API Gateway refuses a stage whose settings name another.
	Routes map[string]Throttle
}

// Throttle is a token bucket API Gateway keeps for a route, shared by every
// client: Burst requests at once, refilled at Rate a second. nil is unset,
// and the account's limit applies (10,000 a second, burst 5,000, unless
// raised).
type Throttle struct {
	Burst *int
	Rate  *float64
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
	HttpAPIs    map[string]*HttpAPI           // by logical id
	// Raw is the whole template, intrinsics resolved and conditions
	// evaluated (a property set to !Ref AWS::NoValue is absent). Its
	// HttpApis lack RouteSettings, which goformation cannot hold: they are
	// in HttpAPIs.
	Raw *cloudformation.Template
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
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	params, numbers, err := parameters(data, overrides)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	// Resources a Ref may name: tables resolve to their TableName. Empty on
	// the first pass, which only learns the tables' names.
	resourceRef := map[string]string{}
	var resources map[string]cloudformation.Resource
	// arnOf is the local stand-in for a resource's Arn attribute.
	arnOf := func(res string) string {
		n, ok := resourceRef[res]
		if !ok {
			return ""
		}
		switch resources[res].(type) {
		case *serverless.Function:
			return "arn:aws:lambda:us-east-1:000000000000:function:" + n
		case *cfnkms.Key:
			return LocalKMSARN(n)
		}
		return "arn:aws:dynamodb:us-east-1:000000000000:table/" + n
	}
	var problems []string
	opts := &intrinsics.ProcessorOptions{
		EvaluateConditions: true,
		IntrinsicHandlerOverrides: map[string]intrinsics.IntrinsicHandler{
			"Ref": func(name string, input interface{}, template interface{}) interface{} {
				s, _ := input.(string)
				// A Number parameter is a number where the typed
				// properties (ReservedConcurrentExecutions, throttling
				// limits) want one; environment values get its text.
				if v, ok := numbers[s]; ok {
					return v
				}
				if v, ok := params[s]; ok {
					return v
				}
				if v, ok := resourceRef[s]; ok {
					return v
				}
				return intrinsics.Ref(name, input, template) // AWS::NoValue is nil
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
			// CloudFormation compares the values as text: a Number
			// parameter equals 0 and "0" alike.
			"Fn::Equals": func(name string, input interface{}, template interface{}) interface{} {
				arr, ok := input.([]interface{})
				if !ok || len(arr) != 2 {
					problems = append(problems, fmt.Sprintf("Fn::Equals %v: want two values", input))
					return nil
				}
				a, aok := scalar(arr[0])
				b, bok := scalar(arr[1])
				if !aok || !bok {
					problems = append(problems, fmt.Sprintf("Fn::Equals %v: want two resolved values", input))
					return nil
				}
				return a == b
			},
			// goformation's Fn::If gives nil, silently, for a condition it
			// could not evaluate: that would drop the property.
			"Fn::If": func(name string, input interface{}, template interface{}) interface{} {
				arr, ok := input.([]interface{})
				if !ok || len(arr) != 3 {
					problems = append(problems, fmt.Sprintf("Fn::If %v: want [condition, if true, if false]", input))
					return nil
				}
				cond, _ := arr[0].(string)
				conds, _ := template.(map[string]interface{})["Conditions"].(map[string]interface{})
				v, ok := conds[cond].(bool)
				if !ok {
					problems = append(problems, fmt.Sprintf("Fn::If: condition %v is not in Conditions or is neither true nor false", arr[0]))
					return nil
				}
				if v {
					return arr[1]
				}
				return arr[2]
			},
		},
	}
	parse := func() (*cloudformation.Template, map[string]*HttpAPI, error) {
		problems = nil
		tpl, apis, err := decode(data, opts)
		if err == nil && len(problems) > 0 {
			err = errors.New(strings.Join(problems, "; "))
		}
		if err != nil {
			return nil, nil, fmt.Errorf("reading %s: %w", path, err)
		}
		return tpl, apis, nil
	}
	// First pass: parameters resolved, references to resources still empty;
	// enough to learn the tables' names.
	raw, _, err := parse()
	if err != nil {
		return nil, err
	}
	resources = raw.Resources
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
	tpl, apis, err := parse()
	if err != nil {
		return nil, err
	}
	out := &Template{Functions: map[string]*Function{}, Authorizers: map[string]*Authorizer{}, Tables: tpl.GetAllDynamoDBTableResources(),
		HttpAPIs: apis, Raw: tpl}
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
			if ev.Type == "Schedule" {
				if ev.Properties == nil || ev.Properties.ScheduleEvent == nil {
					return nil, fmt.Errorf("function %s event %s: Schedule without a schedule", name, evName)
				}
				every, err := parseRate(ev.Properties.ScheduleEvent.Schedule)
				if err != nil {
					return nil, fmt.Errorf("function %s event %s: %w", name, evName, err)
				}
				fn.Schedules = append(fn.Schedules, Schedule{Name: evName, Expression: ev.Properties.ScheduleEvent.Schedule, Every: every})
				continue
			}
			if ev.Type != "HttpApi" {
				continue
			}
			if ev.Properties == nil || ev.Properties.HttpApiEvent == nil {
				return nil, fmt.Errorf("function %s event %s: HttpApi without properties", name, evName)
			}
			h := ev.Properties.HttpApiEvent
			r := Route{Method: "ANY", Path: "$default", API: ImplicitHttpAPI, Authorizer: defaultAuth}
			if h.ApiId != nil {
				r.API = *h.ApiId
			}
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
	routes := map[string]bool{}
	for _, fn := range out.Functions {
		for _, r := range fn.Routes {
			routes[r.API+" "+r.Key()] = true
		}
	}
	for _, api := range out.HttpAPIs {
		for key := range api.Routes {
			if !routes[api.LogicalID+" "+key] {
				return nil, fmt.Errorf("HttpApi %s: RouteSettings names %q, which is no route of this API (want \"METHOD /path\" as an event declares it)", api.LogicalID, key)
			}
		}
	}
	return out, nil
}

// parameters reads the template's parameters: each one's text (its default,
// or its override), and the value of each Number parameter. Overrides of
// parameters the template lacks, and Number values that are no number or
// are outside MinValue and MaxValue, are refused, as CloudFormation does.
func parameters(data []byte, overrides map[string]string) (map[string]string, map[string]float64, error) {
	b, err := intrinsics.ProcessYAML(data, &intrinsics.ProcessorOptions{NoProcess: true})
	if err != nil {
		return nil, nil, err
	}
	var doc struct {
		Parameters map[string]cloudformation.Parameter
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, nil, err
	}
	params := map[string]string{"AWS::Region": "us-east-1", "AWS::AccountId": "000000000000", "AWS::Partition": "aws",
		"AWS::URLSuffix": "amazonaws.com", "AWS::StackName": "local"}
	for name, p := range doc.Parameters {
		if p.Default != nil {
			params[name], _ = scalar(p.Default)
		}
	}
	for k, v := range overrides {
		if _, ok := doc.Parameters[k]; !ok {
			return nil, nil, fmt.Errorf("parameter override %s: the template has no such parameter", k)
		}
		params[k] = v
	}
	numbers := map[string]float64{}
	for name, p := range doc.Parameters {
		v, set := params[name]
		if p.Type != "Number" || !set {
			continue
		}
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, nil, fmt.Errorf("parameter %s: %q is not a number", name, v)
		}
		if p.MinValue != nil && n < *p.MinValue || p.MaxValue != nil && n > *p.MaxValue {
			return nil, nil, fmt.Errorf("parameter %s: %v is outside MinValue and MaxValue", name, v)
		}
		numbers[name] = n
	}
	return params, numbers, nil
}

// decode resolves the template's intrinsics with opts and reads it. SAM's
// HttpApi RouteSettings, a map by route key that goformation types as one
// setting, are lifted out into the HttpAPIs first; environment values that
// resolved to numbers become text, as CloudFormation passes them, and a
// variable set to !Ref AWS::NoValue is dropped.
func decode(data []byte, opts *intrinsics.ProcessorOptions) (*cloudformation.Template, map[string]*HttpAPI, error) {
	b, err := intrinsics.ProcessYAML(data, opts)
	if err != nil {
		return nil, nil, err
	}
	var doc map[string]interface{}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, nil, err
	}
	apis := map[string]*HttpAPI{}
	if g, ok := doc["Globals"].(map[string]interface{}); ok {
		if err := envAsText(g["Function"]); err != nil {
			return nil, nil, fmt.Errorf("Globals.Function: %w", err)
		}
	}
	resources, _ := doc["Resources"].(map[string]interface{})
	for name, v := range resources {
		r, ok := v.(map[string]interface{})
		if !ok {
			// goformation evaluates a resource's Condition into the
			// resource itself.
			return nil, nil, fmt.Errorf("resource %s: a resource Condition is not supported", name)
		}
		props, _ := r["Properties"].(map[string]interface{})
		switch r["Type"] {
		case "AWS::Serverless::Function":
			if err := envAsText(props); err != nil {
				return nil, nil, fmt.Errorf("function %s: %w", name, err)
			}
		case "AWS::Serverless::HttpApi":
			api := &HttpAPI{LogicalID: name, Routes: map[string]Throttle{}}
			if api.Default, err = throttle(props["DefaultRouteSettings"]); err != nil {
				return nil, nil, fmt.Errorf("HttpApi %s DefaultRouteSettings: %w", name, err)
			}
			if v, ok := props["RouteSettings"]; ok {
				settings, ok := v.(map[string]interface{})
				if !ok {
					return nil, nil, fmt.Errorf("HttpApi %s RouteSettings: want a map by route key", name)
				}
				for key, v := range settings {
					if api.Routes[key], err = throttle(v); err != nil {
						return nil, nil, fmt.Errorf("HttpApi %s RouteSettings %q: %w", name, key, err)
					}
				}
				delete(props, "RouteSettings")
			}
			apis[name] = api
		}
	}
	if b, err = json.Marshal(doc); err != nil {
		return nil, nil, err
	}
	tpl, err := goformation.ParseJSONWithOptions(b, &intrinsics.ProcessorOptions{NoProcess: true})
	if err != nil {
		return nil, nil, err
	}
	return tpl, apis, nil
}

// envAsText makes the resolved Environment.Variables of a function's
// properties text.
func envAsText(props interface{}) error {
	p, _ := props.(map[string]interface{})
	env, _ := p["Environment"].(map[string]interface{})
	vars, _ := env["Variables"].(map[string]interface{})
	for k, v := range vars {
		if v == nil {
			delete(vars, k)
			continue
		}
		s, ok := scalar(v)
		if !ok {
			return fmt.Errorf("environment variable %s: %v is not a value", k, v)
		}
		vars[k] = s
	}
	return nil
}

// throttle reads a route's settings: only the throttling ones, as an HTTP
// API takes no others but detailed metrics.
func throttle(v interface{}) (Throttle, error) {
	var t Throttle
	if v == nil {
		return t, nil
	}
	m, ok := v.(map[string]interface{})
	if !ok {
		return t, fmt.Errorf("want ThrottlingBurstLimit and ThrottlingRateLimit, got %v", v)
	}
	for k, v := range m {
		n, isNum := v.(float64)
		switch {
		case k == "DetailedMetricsEnabled":
		case (k == "ThrottlingBurstLimit" || k == "ThrottlingRateLimit") && (!isNum || n < 0):
			return t, fmt.Errorf("%s %v: want a number from 0", k, v)
		case k == "ThrottlingBurstLimit" && n != float64(int(n)):
			return t, fmt.Errorf("%s %v: want a whole number of requests", k, v)
		case k == "ThrottlingBurstLimit":
			t.Burst = aws.Int(int(n))
		case k == "ThrottlingRateLimit":
			t.Rate = aws.Float64(n)
		default:
			return t, fmt.Errorf("%s: an HTTP API route takes only the throttling limits and DetailedMetricsEnabled", k)
		}
	}
	return t, nil
}

// scalar is the text of a resolved value as CloudFormation would pass it:
// numbers without exponent or trailing zeros.
func scalar(v interface{}) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case int:
		return strconv.Itoa(x), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
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
