package web

import (
	"regexp"
	"strings"
	"testing"
)

func TestContributePageEmbedded(t *testing.T) {
	page := ContributePage()
	if len(page) == 0 {
		t.Fatal("ContributePage is empty")
	}
	if string(page) != readStatic(t, "contribute.html") {
		t.Fatal("ContributePage differs from static/contribute.html")
	}
	if len(readStatic(t, "contribute.js")) == 0 {
		t.Fatal("contribute.js is empty")
	}
}

func TestContributeReferencesOnlyOwnStatic(t *testing.T) {
	referencesOnlyOwnStatic(t, string(ContributePage()))
}

func TestContributeHasNothingInline(t *testing.T) {
	nothingInline(t, string(ContributePage()))
}

func TestContributeHooks(t *testing.T) {
	is := func(name string, attrs ...string) func(tg *tag) string {
		return func(tg *tag) string {
			if tg.name != name {
				return "want a <" + name + ">"
			}
			for i := 0; i+1 < len(attrs); i += 2 {
				if tg.attrs[attrs[i]] != attrs[i+1] {
					return "want " + attrs[i] + "=" + attrs[i+1]
				}
			}
			return ""
		}
	}
	tests := []hook{
		{"data-testid", "contribute-file", func(tg *tag) string {
			if msg := is("input", "type", "file", "accept", "image/jpeg,image/png,image/webp,.heic")(tg); msg != "" {
				return msg
			}
			if _, ok := tg.attrs["multiple"]; !ok {
				return "want multiple, for a queue of photos"
			}
			return ""
		}},
		{"data-testid", "contribute-song-file", is("input", "type", "file")},
		{"data-testid", "contribute-caption", is("input", "type", "text", "maxlength", "300")},
		{"data-testid", "contribute-add", is("button", "type", "button")},
		{"data-testid", "contribute-progress", func(tg *tag) string {
			if tg.attrs["role"] != "progressbar" {
				return "want role=progressbar"
			}
			if _, ok := tg.attrs["aria-valuenow"]; !ok {
				return "want aria-valuenow"
			}
			return ""
		}},
		{"data-testid", "contribute-list", is("ul")},
		{"data-testid", "contribute-closed", func(tg *tag) string {
			if _, ok := tg.attrs["hidden"]; !ok {
				return "the closed message starts hidden"
			}
			return ""
		}},
		{"data-testid", "contribute-name", is("input", "type", "text", "maxlength", "40", "id", "name")},
		{"for", "name", is("label")},
		{"data-testid", "contribute-remember", is("input", "type", "checkbox")},
		{"id", "item-template", is("template")},
	}
	html := string(ContributePage())
	checkHooks(t, html, append(tests, commonHooks...))
	for _, text := range []string{
		"Your name (optional)",
		"Remember my name on this device",
		"The family has finished gathering photos. Thank you.",
	} {
		if !strings.Contains(html, text) {
			t.Errorf("contribute page does not say %q", text)
		}
	}
}

// Every element contribute.js looks up by id must be on the page.
func TestContributeScriptFindsItsElements(t *testing.T) {
	ids := map[string]bool{}
	for _, tg := range scanTags(t, readStatic(t, "contribute.html")) {
		if id := tg.attrs["id"]; id != "" {
			if ids[id] {
				t.Errorf("duplicate id %q", id)
			}
			ids[id] = true
		}
	}
	found := regexp.MustCompile(`\bel\("([^"]+)"\)`).FindAllStringSubmatch(readStatic(t, "contribute.js"), -1)
	if len(found) == 0 {
		t.Fatal("no el(...) lookups found; has the helper changed?")
	}
	for _, m := range found {
		if !ids[m[1]] {
			t.Errorf("contribute.js looks up #%s, which contribute.html does not have", m[1])
		}
	}
}

// The script may keep nothing but the name, and talks only to this server.
func TestContributeScriptKeepsToItself(t *testing.T) {
	js := readStatic(t, "contribute.js")
	if strings.Contains(js, "sessionStorage") || strings.Contains(js, "indexedDB") || strings.Contains(js, "document.cookie") {
		t.Error("contribute.js stores something other than the name")
	}
	if regexp.MustCompile(`https?://`).MatchString(js) {
		t.Error("contribute.js names another host")
	}
	if !strings.Contains(js, "XMLHttpRequest") {
		t.Error("contribute.js should upload with XMLHttpRequest, for progress")
	}
}
