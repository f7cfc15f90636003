package samtemplate

import (
	"slices"
	"testing"
	"time"

	"loginguard/shared/config"
	"loginguard/shared/policy"
)

// loginFunctions are the functions that check passwords and codes: their
// routes named here (nil: every route) are throttled at the login limits,
// and their concurrency is capped and reserved. Every route of SOAP takes a
// password or a session; OAuth's token endpoint takes passwords, its other
// routes are session checks; the web's other routes are pages and
// signed-in actions that check no secret (template.yaml says why each is
// or is not here).
var loginFunctions = map[string][]string{
	"SoapFunction":  nil,
	"OAuthFunction": {"POST /services/oauth2/token"},
	"WebFunction": {"POST /login", "POST /login/verify", "POST /login/step-up", "POST /settings/password",
		"POST /login/forgot", "GET /login/reset", "POST /login/reset"},
}

// edgeParameters are the parameters of the edge limits; each is a Number
// from 0 with a default and a description.
var edgeParameters = []string{"ApiThrottlingBurstLimit", "ApiThrottlingRateLimit",
	"LoginThrottlingBurstLimit", "LoginThrottlingRateLimit", "LoginReservedConcurrency"}

// edgeOverrides are values no default has, so a limit that reads one of
// them is that parameter's.
var edgeOverrides = map[string]string{"ApiThrottlingBurstLimit": "901", "ApiThrottlingRateLimit": "902.5",
	"LoginThrottlingBurstLimit": "31", "LoginThrottlingRateLimit": "32.5", "LoginReservedConcurrency": "33"}

func TestLoginRoutesAreThrottledAndLoginFunctionsCapped(t *testing.T) {
	defaults := map[string]float64{}
	base := repoTemplate(t)
	for _, name := range edgeParameters {
		p, ok := base.Raw.Parameters[name]
		n, isNum := p.Default.(float64)
		if !ok || p.Type != "Number" || !isNum || p.MinValue == nil || *p.MinValue != 0 || p.Description == nil || *p.Description == "" {
			t.Errorf("parameter %s: want Type Number, a Default, MinValue 0 and a Description; got %+v", name, p)
			continue
		}
		defaults[name] = n
	}
	for _, kind := range []string{"Burst", "Rate"} {
		login, api := defaults["LoginThrottling"+kind+"Limit"], defaults["ApiThrottling"+kind+"Limit"]
		if login == 0 || api == 0 {
			t.Errorf("%s limits default to 0, which refuses every request", kind)
		}
		if login > api {
			t.Errorf("the login %s limit's default %v is above the API-wide %v", kind, login, api)
		}
	}

	tpl := loadRepo(t, edgeOverrides)
	login := map[string]bool{} // API and route key
	for name, keys := range loginFunctions {
		fn := tpl.Functions[name]
		if fn == nil {
			t.Errorf("no function %s", name)
			continue
		}
		for _, key := range keys {
			if !slices.ContainsFunc(fn.Routes, func(r Route) bool { return r.Key() == key }) {
				t.Errorf("%s has no route %s to throttle", name, key)
			}
		}
		for _, r := range fn.Routes {
			if keys == nil || slices.Contains(keys, r.Key()) {
				login[r.API+" "+r.Key()] = true
			}
		}
	}
	for _, fn := range tpl.Functions {
		for _, r := range fn.Routes {
			api := tpl.HttpAPIs[r.API]
			if api == nil {
				t.Errorf("%s %s: no HttpApi %s in the template", fn.LogicalID, r.Key(), r.API)
				continue
			}
			s, set := api.Routes[r.Key()]
			switch {
			case login[r.API+" "+r.Key()] && !set:
				t.Errorf("%s %s: a login route without a RouteSettings entry", fn.LogicalID, r.Key())
			case login[r.API+" "+r.Key()] && !s.is(31, 32.5):
				t.Errorf("%s %s: throttled at %s; want !Ref LoginThrottlingBurstLimit and !Ref LoginThrottlingRateLimit", fn.LogicalID, r.Key(), s)
			case !login[r.API+" "+r.Key()] && set:
				t.Errorf("%s %s: throttled by RouteSettings but no login route here (add it to loginFunctions, and say why in template.yaml, or drop it)", fn.LogicalID, r.Key())
			}
		}
	}
	for name, api := range tpl.HttpAPIs {
		if !api.Default.is(901, 902.5) {
			t.Errorf("HttpApi %s: DefaultRouteSettings throttle at %s; want !Ref ApiThrottlingBurstLimit and !Ref ApiThrottlingRateLimit", name, api.Default)
		}
	}

	// Reserved concurrency: on the login functions, from the parameter,
	// and none when it is 0; nowhere else, as each reservation is taken
	// from what the authorizer (and whoami) draw on.
	unreserved := loadRepo(t, map[string]string{"LoginReservedConcurrency": "0"})
	for name, f := range tpl.Raw.GetAllServerlessFunctionResources() {
		got := f.ReservedConcurrentExecutions
		_, isLogin := loginFunctions[name]
		switch {
		case isLogin && (got == nil || *got != 33):
			t.Errorf("%s: ReservedConcurrentExecutions %v; want !Ref LoginReservedConcurrency", name, deref(got))
		case !isLogin && got != nil:
			t.Errorf("%s: ReservedConcurrentExecutions %d; only the login functions are capped", name, *got)
		}
		if got := unreserved.Raw.GetAllServerlessFunctionResources()[name].ReservedConcurrentExecutions; got != nil {
			t.Errorf("%s: LoginReservedConcurrency 0 reserves %d; want none (!Ref AWS::NoValue)", name, *got)
		}
	}
}

func TestTheSourceThrottleComesFromItsParameters(t *testing.T) {
	tests := []struct {
		name      string
		overrides map[string]string
		limit     int
		window    time.Duration
		exempt    int
	}{
		{"the defaults are the code's", nil, policy.DefaultSourceThrottle.Limit, policy.DefaultSourceThrottle.Window, 0},
		{"each parameter reaches its variable", map[string]string{"SourceFailureLimit": "7", "SourceFailureWindow": "30m",
			"SourceExemptRanges": "192.0.2.7,10.0.0.0-10.0.255.255"}, 7, 30 * time.Minute, 2},
		{"0 turns the throttle off", map[string]string{"SourceFailureLimit": "0"}, 0, policy.DefaultSourceThrottle.Window, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl := loadRepo(t, tt.overrides)
			for name := range loginFunctions {
				fn := tpl.Functions[name]
				c, err := config.Load(func(k string) string { return fn.Env[k] })
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if c.Throttle.Limit != tt.limit || c.Throttle.Window != tt.window || len(c.Throttle.Exempt) != tt.exempt {
					t.Errorf("%s: throttle %+v; want limit %d, window %s, %d exempt ranges", name, c.Throttle, tt.limit, tt.window, tt.exempt)
				}
			}
		})
	}
}
