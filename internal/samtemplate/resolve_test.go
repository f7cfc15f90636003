package samtemplate

import (
	"strings"
	"testing"
)

func TestConditionsAndNumberParametersResolveAsCloudFormation(t *testing.T) {
	const body = `Parameters:
  Reserve: {Type: Number, Default: 5, MinValue: 0, MaxValue: 100}
  Empty: {Type: String, Default: ""}
Conditions:
  Reserving: !Not [!Equals [!Ref Reserve, "0"]]
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      DefaultRouteSettings: {ThrottlingBurstLimit: !Ref Reserve, ThrottlingRateLimit: 2.5}
      RouteSettings:
        "POST /x": {ThrottlingBurstLimit: 1, ThrottlingRateLimit: !Ref Reserve}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      ReservedConcurrentExecutions: !If [Reserving, !Ref Reserve, !Ref AWS::NoValue]
      Environment:
        Variables:
          LIMIT: !Ref Reserve
          EMPTY: !Ref Empty
          UNRESERVED: !If [Reserving, !Ref AWS::NoValue, "yes"]
      Events:
        X: {Type: HttpApi, Properties: {ApiId: !Ref Api, Method: POST, Path: /x}}
`
	tests := []struct {
		name       string
		overrides  map[string]string
		reserved   *int
		env        map[string]string
		unreserved bool // the variable set only without a reservation
	}{
		{"a Number parameter is a number in a property and text in the environment", nil, ptr(5), map[string]string{"LIMIT": "5", "EMPTY": ""}, false},
		{"Fn::If takes the condition's branch, and AWS::NoValue drops the property", map[string]string{"Reserve": "0"}, nil, map[string]string{"LIMIT": "0", "UNRESERVED": "yes"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, err := loadYAMLWith(t, body, tt.overrides)
			if err != nil {
				t.Fatal(err)
			}
			if got := tpl.Raw.GetAllServerlessFunctionResources()["Fn"].ReservedConcurrentExecutions; deref(got) != deref(tt.reserved) {
				t.Errorf("ReservedConcurrentExecutions %v; want %v", deref(got), deref(tt.reserved))
			}
			env := tpl.Functions["Fn"].Env
			for k, v := range tt.env {
				if got, ok := env[k]; !ok || got != v {
					t.Errorf("env %s = %q (set %v); want %q", k, got, ok, v)
				}
			}
			if _, set := env["UNRESERVED"]; set != tt.unreserved {
				t.Errorf("env UNRESERVED set %v; want %v", set, tt.unreserved)
			}
		})
	}
	tpl, err := loadYAMLWith(t, body, nil)
	if err != nil {
		t.Fatal(err)
	}
	api := tpl.HttpAPIs["Api"]
	if api == nil || !api.Default.is(5, 2.5) || !api.Routes["POST /x"].is(1, 5) || len(api.Routes) != 1 {
		t.Fatalf("HttpApi %+v; want default 5/2.5 and POST /x 1/5", api)
	}

	for name, tt := range map[string]struct {
		body      string
		overrides map[string]string
	}{
		"a Number below MinValue":                    {body, map[string]string{"Reserve": "-1"}},
		"a Number above MaxValue":                    {body, map[string]string{"Reserve": "101"}},
		"a Number that is none":                      {body, map[string]string{"Reserve": "five"}},
		"a fraction where a whole number is wanted":  {body, map[string]string{"Reserve": "2.5"}},
		"RouteSettings naming no route of the API":   {strings.Replace(body, `"POST /x": {`, `"POST /y": {`, 1), nil},
		"a route setting an HTTP API does not take":  {strings.Replace(body, `ThrottlingBurstLimit: 1,`, `LoggingLevel: INFO,`, 1), nil},
		"a negative limit":                           {strings.Replace(body, `ThrottlingBurstLimit: 1,`, `ThrottlingBurstLimit: -1,`, 1), nil},
		"Fn::If on a condition the template lacks":   {strings.Replace(body, `!If [Reserving,`, `!If [Nope,`, 1), nil},
		"a resource Condition, which is not handled": {strings.Replace(body, "  Fn:\n    Type: AWS::Serverless::Function\n", "  Fn:\n    Type: AWS::Serverless::Function\n    Condition: Reserving\n", 1), nil},
	} {
		t.Run(name+" is refused", func(t *testing.T) {
			if _, err := loadYAMLWith(t, tt.body, tt.overrides); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

// is reports whether both limits are set to burst and rate.
func (s Throttle) is(burst int, rate float64) bool {
	return s.Burst != nil && *s.Burst == burst && s.Rate != nil && *s.Rate == rate
}

func (s Throttle) String() string {
	return "burst " + deref(s.Burst) + ", rate " + deref(s.Rate)
}

func deref[T int | float64](p *T) string {
	if p == nil {
		return "unset"
	}
	v, _ := scalar(float64(*p))
	return v
}

func ptr[T any](v T) *T { return &v }
