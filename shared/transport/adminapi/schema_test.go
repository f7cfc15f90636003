package adminapi_test

import (
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"loginguard/internal/openapi"
	"loginguard/internal/samtemplate"
	"loginguard/internal/testenv"
	"loginguard/shared/transport/adminapi"
)

// The OpenAPI file, the template's AdminFunction routes and the handler's
// name the same operations.
func TestOpenAPIFileNamesEveryRoute(t *testing.T) {
	doc := openapi.Load(t)
	if doc.OpenAPI != "3.1.0" || len(doc.Servers) != 1 || doc.Servers[0].URL != adminapi.Root {
		t.Fatalf("openapi %q, servers %+v", doc.OpenAPI, doc.Servers)
	}
	tpl, err := samtemplate.Load(filepath.Join(testenv.Root(t), "template.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	fn := tpl.Functions["AdminFunction"]
	if fn == nil {
		t.Fatal("template.yaml has no AdminFunction")
	}
	var inTemplate []string
	for _, r := range fn.Routes {
		if r.Authorizer != "SessionAuthorizer" {
			t.Errorf("%s is not behind the SessionAuthorizer", r.Key())
		}
		inTemplate = append(inTemplate, r.Key())
	}
	sort.Strings(inTemplate)
	served := adminapi.Routes()
	sort.Strings(served)
	if got := doc.RouteKeys(); !slices.Equal(got, inTemplate) || !slices.Equal(served, inTemplate) {
		t.Fatalf("routes differ:\nOpenAPI:  %v\ntemplate: %v\nhandler:  %v", got, inTemplate, served)
	}
	for _, k := range inTemplate {
		op := doc.Operation(k)
		_, path, _ := strings.Cut(k, " ")
		for _, p := range op.Parameters {
			if p.In == "path" && !strings.Contains(path, "{"+p.Name+"}") {
				t.Errorf("%s: path parameter %s is not in the path", k, p.Name)
			}
		}
		method, _, _ := strings.Cut(k, " ")
		switch hasBody := op.RequestBody != nil; {
		case hasBody && (method == "GET" || method == "DELETE"):
			t.Errorf("%s: a %s takes no body", k, method)
		case !hasBody && (method == "PATCH" || method == "PUT"):
			t.Errorf("%s: a %s takes a body", k, method)
		}
		for status, r := range op.Responses {
			if r.Content["application/json"].Schema == nil {
				t.Errorf("%s %s: no JSON schema", k, status)
			}
		}
	}
}
