// Package openapi reads the admin API's OpenAPI file and checks answers
// against its response schemas: the subset of JSON Schema the file uses.
package openapi

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"loginguard/internal/testenv"
)

// schema is the subset of JSON Schema the OpenAPI file uses: type (one or
// a list), required, properties, additionalProperties (false), items,
// enum, minItems and $ref to components.
type Schema struct {
	Ref                  string             `json:"$ref"`
	Type                 any                `json:"type"`
	Required             []string           `json:"required"`
	Properties           map[string]*Schema `json:"properties"`
	AdditionalProperties *bool              `json:"additionalProperties"`
	Items                *Schema            `json:"items"`
	Enum                 []any              `json:"enum"`
	MinItems             int                `json:"minItems"`
}

type media struct {
	Schema *Schema `json:"schema"`
}

type Operation struct {
	Parameters []struct {
		Name, In string
	} `json:"parameters"`
	RequestBody *struct {
		Content map[string]media `json:"content"`
	} `json:"requestBody"`
	Responses map[string]struct {
		Content map[string]media `json:"content"`
	} `json:"responses"`
}

type Doc struct {
	OpenAPI string                           `json:"openapi"`
	Servers []struct{ URL string }           `json:"servers"`
	Paths   map[string]map[string]*Operation `json:"paths"`
	Comps   struct {
		Schemas map[string]*Schema `json:"schemas"`
	} `json:"components"`
}

// Load reads docs/admin-api.openapi.json.
func Load(t testing.TB) *Doc {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.Root(t), "docs", "admin-api.openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc Doc
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("docs/admin-api.openapi.json: %v", err)
	}
	return &doc
}

// Operation is the operation of a route key, nil when the file has none.
func (d *Doc) Operation(routeKey string) *Operation {
	method, path, _ := strings.Cut(routeKey, " ")
	return d.Paths[strings.TrimPrefix(path, d.Servers[0].URL)][strings.ToLower(method)]
}

// RouteKeys are the file's operations as API Gateway route keys.
func (d *Doc) RouteKeys() []string {
	var out []string
	for p, ops := range d.Paths {
		for m := range ops {
			out = append(out, strings.ToUpper(m)+" "+d.Servers[0].URL+p)
		}
	}
	sort.Strings(out)
	return out
}

// Check reports where v (decoded JSON) breaks s.
func (d *Doc) Check(s *Schema, v any, at string) []string {
	if s.Ref != "" {
		return d.Check(d.Comps.Schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")], v, at)
	}
	var types []string
	switch ty := s.Type.(type) {
	case string:
		types = []string{ty}
	case []any:
		for _, x := range ty {
			types = append(types, x.(string))
		}
	}
	if len(types) > 0 && !slices.Contains(types, jsonType(v)) && !(jsonType(v) == "integer" && slices.Contains(types, "number")) {
		return []string{fmt.Sprintf("%s: %s, want %v", at, jsonType(v), types)}
	}
	var out []string
	if len(s.Enum) > 0 && !slices.Contains(s.Enum, v) {
		out = append(out, fmt.Sprintf("%s: %v is not one of %v", at, v, s.Enum))
	}
	switch v := v.(type) {
	case map[string]any:
		for _, r := range s.Required {
			if _, ok := v[r]; !ok {
				out = append(out, fmt.Sprintf("%s: %s missing", at, r))
			}
		}
		for k, x := range v {
			p, known := s.Properties[k]
			switch {
			case known:
				out = append(out, d.Check(p, x, at+"."+k)...)
			case s.AdditionalProperties != nil && !*s.AdditionalProperties, s.Properties != nil:
				out = append(out, fmt.Sprintf("%s: %s is not in the schema", at, k))
			}
		}
	case []any:
		if len(v) < s.MinItems {
			out = append(out, fmt.Sprintf("%s: %d items, want at least %d", at, len(v), s.MinItems))
		}
		for i, x := range v {
			if s.Items != nil {
				out = append(out, d.Check(s.Items, x, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	}
	return out
}

func jsonType(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case float64:
		if v == float64(int64(v)) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	}
	return "object"
}

// Answers checks that an answer of routeKey is what the file says of its
// status.
func (d *Doc) Answers(t testing.TB, routeKey string, status int, body string) {
	t.Helper()
	op := d.Operation(routeKey)
	if op == nil {
		t.Fatalf("%s is not in the OpenAPI file", routeKey)
	}
	resp, ok := op.Responses[fmt.Sprint(status)]
	if !ok {
		t.Fatalf("%s answered %d, which the OpenAPI file does not list: %s", routeKey, status, body)
	}
	var v any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("%s %d: not JSON: %s", routeKey, status, body)
	}
	if errs := d.Check(resp.Content["application/json"].Schema, v, "body"); len(errs) > 0 {
		t.Fatalf("%s %d does not match the OpenAPI file:\n%s\n%s", routeKey, status, strings.Join(errs, "\n"), body)
	}
}
