package main

import (
	"net/http"
	"sort"
	"strings"
	"testing"

	"hearth/api"
)

// TestOpenAPIMatchesRoutes: the document served at /api/v1/openapi.json describes exactly the API
// routes the server has (pages and static files aside), and is a well-formed OpenAPI 3 document.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, nil)
	code, doc, _ := s.do(t, http.MethodGet, "/api/v1/openapi.json", "", "", nil)
	if code != 200 || doc["openapi"] != "3.0.3" {
		t.Fatalf("openapi.json: %d %v", code, doc["openapi"])
	}
	documented := map[string]bool{}
	for _, r := range api.DocumentedRoutes() {
		documented[r] = true
	}
	served := map[string]bool{}
	for _, r := range api.Routes(s.Handler) {
		path := strings.SplitN(r, " ", 2)[1]
		if !strings.HasPrefix(path, "/api/") && !strings.HasPrefix(path, "/whep/") && !strings.HasPrefix(path, "/calendar/") && path != "/healthz" {
			continue // pages and static files
		}
		served[r] = true
	}
	var problems []string
	for r := range served {
		if !documented[r] {
			problems = append(problems, "served but not documented: "+r)
		}
	}
	for r := range documented {
		if !served[r] {
			problems = append(problems, "documented but not served: "+r)
		}
	}
	sort.Strings(problems)
	if len(problems) > 0 {
		t.Fatal(strings.Join(problems, "\n"))
	}
	// Structure: every operation has responses, every $ref resolves, path parameters are declared.
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	var check func(v any)
	check = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				name := strings.TrimPrefix(ref, "#/components/schemas/")
				if _, ok := schemas[name]; !ok {
					t.Errorf("unresolved $ref %s", ref)
				}
			}
			for _, y := range x {
				check(y)
			}
		case []any:
			for _, y := range x {
				check(y)
			}
		}
	}
	check(doc)
	ids := map[string]bool{}
	for path, item := range doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			o := op.(map[string]any)
			if len(o["responses"].(map[string]any)) == 0 {
				t.Errorf("%s %s has no responses", method, path)
			}
			id := o["operationId"].(string)
			if ids[id] {
				t.Errorf("duplicate operationId %s", id)
			}
			ids[id] = true
			n := strings.Count(path, "{")
			if params, _ := o["parameters"].([]any); len(params) != n {
				t.Errorf("%s %s declares %d path parameters, has %d", method, path, len(params), n)
			}
		}
	}
}
