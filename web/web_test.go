package web

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// tag is one start tag of the listen page, as the scanner below saw it.
type tag struct {
	name  string
	attrs map[string]string
	body  string // text up to the end tag, for script and style only
}

// scanTags is a deliberately small HTML tokenizer: enough to see every start
// tag and its attributes in a page we write ourselves, without pulling an
// HTML parser into the module for one test.
func scanTags(t *testing.T, html string) []tag {
	t.Helper()
	var tags []tag
	i := 0
	for {
		lt := strings.IndexByte(html[i:], '<')
		if lt < 0 {
			return tags
		}
		i += lt + 1
		switch {
		case strings.HasPrefix(html[i:], "!--"):
			end := strings.Index(html[i:], "-->")
			if end < 0 {
				t.Fatalf("unterminated comment at %d", i)
			}
			i += end + 3
			continue
		case strings.HasPrefix(html[i:], "!"), strings.HasPrefix(html[i:], "/"):
			end := strings.IndexByte(html[i:], '>')
			if end < 0 {
				t.Fatalf("unterminated tag at %d", i)
			}
			i += end + 1
			continue
		}
		j := i
		for j < len(html) && !isSpace(html[j]) && html[j] != '>' && html[j] != '/' {
			j++
		}
		tg := tag{name: strings.ToLower(html[i:j]), attrs: map[string]string{}}
		i = j
		for i < len(html) && html[i] != '>' {
			if isSpace(html[i]) || html[i] == '/' {
				i++
				continue
			}
			k := i
			for k < len(html) && !isSpace(html[k]) && html[k] != '=' && html[k] != '>' && html[k] != '/' {
				k++
			}
			name := strings.ToLower(html[i:k])
			i = k
			value := ""
			if i < len(html) && html[i] == '=' {
				i++
				if i < len(html) && (html[i] == '"' || html[i] == '\'') {
					q := html[i]
					end := strings.IndexByte(html[i+1:], q)
					if end < 0 {
						t.Fatalf("unterminated attribute %s", name)
					}
					value = html[i+1 : i+1+end]
					i += end + 2
				} else {
					k = i
					for k < len(html) && !isSpace(html[k]) && html[k] != '>' {
						k++
					}
					value = html[i:k]
					i = k
				}
			}
			tg.attrs[name] = value
		}
		i++
		if tg.name == "script" || tg.name == "style" {
			end := strings.Index(strings.ToLower(html[i:]), "</"+tg.name)
			if end < 0 {
				t.Fatalf("unterminated <%s>", tg.name)
			}
			tg.body = html[i : i+end]
			i += end
		}
		tags = append(tags, tg)
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

func readStatic(t *testing.T, name string) string {
	t.Helper()
	b, err := fs.ReadFile(Static(), name)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return string(b)
}

func TestEmbeddedFiles(t *testing.T) {
	for _, name := range []string{"listen.html", "listen.js", "text.js", "style.css", "icon.svg"} {
		t.Run(name, func(t *testing.T) {
			if len(readStatic(t, name)) == 0 {
				t.Fatalf("%s is empty", name)
			}
		})
	}
	if got, want := string(ListenPage()), readStatic(t, "listen.html"); got != want {
		t.Fatalf("ListenPage differs from static/listen.html")
	}
}

// The server sends a strict CSP and promises listeners that nothing leaves
// for another host, so the page may only point at its own /static/ files.
func TestListenPageReferencesOnlyOwnStatic(t *testing.T) {
	html := string(ListenPage())
	for _, tg := range scanTags(t, html) {
		for _, attr := range []string{"src", "href", "action", "poster", "srcset", "data"} {
			v, ok := tg.attrs[attr]
			if !ok {
				continue
			}
			if !strings.HasPrefix(v, "/static/") || strings.Contains(v, "//") {
				t.Errorf("<%s %s=%q>: want a /static/ path", tg.name, attr, v)
				continue
			}
			if _, err := fs.Stat(Static(), strings.TrimPrefix(v, "/static/")); err != nil {
				t.Errorf("<%s %s=%q>: not embedded: %v", tg.name, attr, v, err)
			}
		}
	}
}

// Inline code and styles would be blocked by the CSP, so there must be none.
func TestListenPageHasNothingInline(t *testing.T) {
	for _, tg := range scanTags(t, string(ListenPage())) {
		if tg.name == "style" {
			t.Errorf("inline <style> element")
		}
		if tg.name == "script" {
			if tg.attrs["src"] == "" {
				t.Errorf("<script> without src")
			}
			if strings.TrimSpace(tg.body) != "" {
				t.Errorf("<script src=%q> has inline content", tg.attrs["src"])
			}
		}
		for name := range tg.attrs {
			if name == "style" || strings.HasPrefix(name, "on") {
				t.Errorf("<%s %s=...>: inline %s", tg.name, name, name)
			}
		}
	}
}

func TestListenPageHooks(t *testing.T) {
	html := string(ListenPage())
	tags := scanTags(t, html)
	find := func(attr, value string) *tag {
		for i := range tags {
			if v, ok := tags[i].attrs[attr]; ok && v == value {
				return &tags[i]
			}
		}
		return nil
	}
	tests := []struct {
		attr, value string
		check       func(tg *tag) string
	}{
		{"data-testid", "listen", func(tg *tag) string {
			if tg.name != "button" || tg.attrs["aria-pressed"] != "false" {
				return "want a <button aria-pressed=false>"
			}
			return ""
		}},
		{"data-testid", "volume", func(tg *tag) string {
			if tg.name != "input" || tg.attrs["type"] != "range" {
				return "want an <input type=range>"
			}
			return ""
		}},
		{"data-testid", "status", func(tg *tag) string {
			if tg.attrs["aria-live"] != "polite" {
				return "want aria-live=polite"
			}
			return ""
		}},
		{"role", "progressbar", func(tg *tag) string {
			if _, ok := tg.attrs["aria-valuenow"]; !ok {
				return "want aria-valuenow"
			}
			return ""
		}},
		{"name", "viewport", func(*tag) string { return "" }},
		{"name", "referrer", func(tg *tag) string {
			if tg.attrs["content"] != "no-referrer" {
				return "want content=no-referrer"
			}
			return ""
		}},
		{"lang", "en", func(tg *tag) string {
			if tg.name != "html" {
				return "want lang on <html>"
			}
			return ""
		}},
	}
	for _, tc := range tests {
		t.Run(tc.attr+"="+tc.value, func(t *testing.T) {
			tg := find(tc.attr, tc.value)
			if tg == nil {
				t.Fatalf("no element with %s=%q", tc.attr, tc.value)
			}
			if msg := tc.check(tg); msg != "" {
				t.Fatalf("<%s %s=%q>: %s", tg.name, tc.attr, tc.value, msg)
			}
		})
	}
	if !regexp.MustCompile(`<title>[^<]+</title>`).MatchString(html) {
		t.Errorf("page has no <title>")
	}
}

// Scripts and styles must not reach out either, nor use what the CSP forbids.
func TestAssetsStayLocal(t *testing.T) {
	importRE := regexp.MustCompile(`(?m)^import .* from "([^"]+)";`)
	tests := []struct {
		name      string
		forbidden []string
	}{
		{"listen.js", []string{"http://", "https://", "innerHTML", "eval(", "new Function", `setAttribute("style"`, "document.cookie", "localStorage"}},
		{"text.js", []string{"http://", "https://", "eval(", "new Function"}},
		{"style.css", []string{"http://", "https://", "@import", "url("}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := readStatic(t, tc.name)
			for _, bad := range tc.forbidden {
				if strings.Contains(src, bad) {
					t.Errorf("%s contains %q", tc.name, bad)
				}
			}
			for _, m := range importRE.FindAllStringSubmatch(src, -1) {
				name, ok := strings.CutPrefix(m[1], "./")
				if !ok {
					t.Errorf("import %q: want a sibling module", m[1])
					continue
				}
				if _, err := fs.Stat(Static(), name); err != nil {
					t.Errorf("import %q: not embedded: %v", m[1], err)
				}
			}
		})
	}
}
