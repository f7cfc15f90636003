package samtemplate

import (
	"strings"
	"testing"
)

// stepUpBackends are the functions that answer the authorizer's step-up
// signal (authorizer.CtxStepUp) with the step-up challenge: only their
// routes may be named in the authorizer's STEP_UP_ROUTES.
var stepUpBackends = map[string]bool{"WhoamiFunction": true}

func TestStepUpRoutesAreRealRoutesOfBackendsThatEnforceIt(t *testing.T) {
	tpl := repoTemplate(t)
	for _, a := range tpl.Authorizers {
		fn := tpl.Functions[a.Function]
		if fn == nil {
			t.Fatalf("authorizer %s: no function %s", a.Name, a.Function)
		}
		for _, key := range strings.Split(fn.Env["STEP_UP_ROUTES"], ",") {
			key = strings.TrimSpace(key)
			if key == "" {
				continue
			}
			found := false
			for _, f := range tpl.Functions {
				for _, r := range f.Routes {
					if r.Method+" "+r.Path == key && r.Authorizer == a.Name {
						found = true
						if !stepUpBackends[f.LogicalID] {
							t.Errorf("STEP_UP_ROUTES names %q, served by %s, which does not answer the step-up signal", key, f.LogicalID)
						}
					}
				}
			}
			if !found {
				t.Errorf("STEP_UP_ROUTES names %q, which is no route behind authorizer %s", key, a.Name)
			}
		}
	}
}
