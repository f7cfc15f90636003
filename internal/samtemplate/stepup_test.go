package samtemplate

import (
	"strings"
	"testing"
)

// stepUpBackends are the functions that answer the authorizer's step-up
// signal (authorizer.CtxStepUp) with the step-up challenge: only their
// routes may be named in the authorizer's STEP_UP_ROUTES.
var stepUpBackends = map[string]bool{"WhoamiFunction": true}

// sessionErrorBackends answer a request with no user in the authorizer's
// context (authorizer.CtxInvalidSession) with 401 INVALID_SESSION_ID:
// only their routes may be named in SESSION_ERROR_ROUTES.
var sessionErrorBackends = map[string]bool{"DataFunction": true}

func TestStepUpRoutesAreRealRoutesOfBackendsThatEnforceIt(t *testing.T) {
	checkAuthorizerRoutes(t, "STEP_UP_ROUTES", stepUpBackends)
}

func TestSessionErrorRoutesAreRealRoutesOfBackendsThatAnswer401(t *testing.T) {
	checkAuthorizerRoutes(t, "SESSION_ERROR_ROUTES", sessionErrorBackends)
}

// checkAuthorizerRoutes: every route key the authorizer's variable names is
// a route behind it, served by one of backends.
func checkAuthorizerRoutes(t *testing.T, variable string, backends map[string]bool) {
	tpl := repoTemplate(t)
	for _, a := range tpl.Authorizers {
		fn := tpl.Functions[a.Function]
		if fn == nil {
			t.Fatalf("authorizer %s: no function %s", a.Name, a.Function)
		}
		for _, key := range strings.Split(fn.Env[variable], ",") {
			key = strings.TrimSpace(key)
			if key == "" {
				continue
			}
			found := false
			for _, f := range tpl.Functions {
				for _, r := range f.Routes {
					if r.Method+" "+r.Path == key && r.Authorizer == a.Name {
						found = true
						if !backends[f.LogicalID] {
							t.Errorf("%s names %q, served by %s, which does not answer what it lets through", variable, key, f.LogicalID)
						}
					}
				}
			}
			if !found {
				t.Errorf("%s names %q, which is no route behind authorizer %s", variable, key, a.Name)
			}
		}
	}
}
