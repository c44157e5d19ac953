package web

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// tag is one start tag of a page, as the scanner below saw it.
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

// pages are the HTML pages the server sends, by name.
var pages = []struct {
	name string
	html func() []byte
}{
	{"listen.html", ListenPage},
	{"join.html", JoinPage},
}

func TestEmbeddedFiles(t *testing.T) {
	for _, name := range []string{"listen.html", "listen.js", "text.js", "style.css", "icon.svg",
		"join.html", "join.js", "join.css", "shared.js", "collage-view.js"} {
		t.Run(name, func(t *testing.T) {
			if len(readStatic(t, name)) == 0 {
				t.Fatalf("%s is empty", name)
			}
		})
	}
	for _, p := range pages {
		if got, want := string(p.html()), readStatic(t, p.name); got != want {
			t.Fatalf("the page func differs from static/%s", p.name)
		}
	}
}

// The server sends a strict CSP and promises listeners and members that
// nothing leaves for another host, so a page may only point at its own
// /static/ files.
func TestPagesReferenceOnlyOwnStatic(t *testing.T) {
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) { referencesOnlyOwnStatic(t, string(p.html())) })
	}
}

func referencesOnlyOwnStatic(t *testing.T, html string) {
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
func TestPagesHaveNothingInline(t *testing.T) {
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) { nothingInline(t, string(p.html())) })
	}
}

func nothingInline(t *testing.T, html string) {
	for _, tg := range scanTags(t, html) {
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

// hook is an element a test or the page's script relies on, and what it
// must be.
type hook struct {
	attr, value string
	check       func(tg *tag) string
}

func checkHooks(t *testing.T, html string, tests []hook) {
	t.Helper()
	tags := scanTags(t, html)
	find := func(attr, value string) *tag {
		for i := range tags {
			if v, ok := tags[i].attrs[attr]; ok && v == value {
				return &tags[i]
			}
		}
		return nil
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

// commonHooks are what every page needs: a phone viewport, no Referer, a
// language, a polite status line and an accessible progress bar.
var commonHooks = []hook{
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

func TestListenPageHooks(t *testing.T) {
	tests := []hook{
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
		// Who is here and who is speaking change often: announcing them would
		// talk over the session, so neither is a live region.
		{"data-testid", "people", notLive},
		{"data-testid", "speaking", notLive},
	}
	tests = append(tests, collageHooks...)
	checkHooks(t, string(ListenPage()), append(tests, append(roomHooks, commonHooks...)...))
}

// notLive checks that an element changing with the room is not read out on
// every change.
func notLive(tg *tag) string {
	if v, ok := tg.attrs["aria-live"]; ok && v != "off" {
		return "must not be a live region"
	}
	if r := tg.attrs["role"]; r == "status" || r == "alert" || r == "log" {
		return "must not have role=" + r
	}
	return ""
}

// collageHooks are what both pages need to show a memorial collage: a picture
// that only shows pictures (muted, inline, playing by itself) in a box hidden
// until frames arrive, and a caption that screen readers hear whole.
var collageHooks = []hook{
	{"data-testid", "collage-video", func(tg *tag) string {
		if tg.name != "video" {
			return "want a <video>"
		}
		for _, a := range []string{"playsinline", "autoplay", "muted"} {
			if _, ok := tg.attrs[a]; !ok {
				return "want " + a
			}
		}
		if _, ok := tg.attrs["controls"]; ok {
			return "the picture has no controls: the page's own play and volume work for it"
		}
		return ""
	}},
	{"id", "collage-frame", func(tg *tag) string {
		if _, ok := tg.attrs["hidden"]; !ok {
			return "want hidden: the picture shows only once frames arrive"
		}
		return ""
	}},
	{"data-testid", "caption", func(tg *tag) string {
		if tg.attrs["aria-live"] != "polite" || tg.attrs["aria-atomic"] != "true" {
			return "want aria-live=polite aria-atomic=true"
		}
		if _, ok := tg.attrs["hidden"]; ok {
			return "a hidden live region is not announced when it appears: empty it instead"
		}
		return ""
	}},
	{"data-testid", "caption-name", func(*tag) string { return "" }},
}

// roomHooks are what both pages need to show the room's reactions: a quiet
// stage that screen readers skip, and one polite region that says them.
var roomHooks = []hook{
	{"data-testid", "reactions", func(tg *tag) string {
		if tg.attrs["aria-hidden"] != "true" {
			return "want aria-hidden=true: the announce region says them instead"
		}
		return ""
	}},
	{"id", "announce", func(tg *tag) string {
		if tg.attrs["aria-live"] != "polite" {
			return "want aria-live=polite"
		}
		if !strings.Contains(" "+tg.attrs["class"]+" ", " visually-hidden ") {
			return "want class visually-hidden"
		}
		return ""
	}},
}

func TestJoinPageHooks(t *testing.T) {
	button := func(pressed string) func(tg *tag) string {
		return func(tg *tag) string {
			if tg.name != "button" || tg.attrs["type"] != "button" {
				return "want a <button type=button>"
			}
			if pressed != "" && tg.attrs["aria-pressed"] != pressed {
				return "want aria-pressed=" + pressed
			}
			return ""
		}
	}
	tests := []hook{
		{"data-testid", "join-mic", button("")},
		{"data-testid", "join-listen", button("")},
		{"data-testid", "mic-toggle", button("false")},
		{"data-testid", "hand", button("false")},
		{"data-testid", "candle", button("")},
		{"data-testid", "heart", button("")},
		{"data-testid", "leave", button("")},
		{"data-testid", "roster", func(tg *tag) string {
			if tg.name != "ul" {
				return "want a <ul>"
			}
			return ""
		}},
		{"data-testid", "name", func(tg *tag) string {
			switch {
			case tg.name != "input" || tg.attrs["type"] != "text":
				return "want an <input type=text>"
			// The 40 the server allows are grapheme clusters; maxlength counts
			// UTF-16 units, so it only stops an absurd paste (the page says why a
			// long name is refused), and never cuts an emoji family in two.
			case tg.attrs["maxlength"] != "400":
				return "want maxlength=400"
			case tg.attrs["autocomplete"] != "off":
				return "want autocomplete=off"
			case tg.attrs["id"] == "":
				return "want an id for its label"
			}
			return ""
		}},
		{"for", "name", func(tg *tag) string {
			if tg.name != "label" {
				return "want a <label>"
			}
			return ""
		}},
		{"id", "sink", func(tg *tag) string {
			if _, ok := tg.attrs["hidden"]; !ok {
				return "the container of <audio> elements must be hidden"
			}
			return ""
		}},
		// The way to the collage's contribution page: its address, with the
		// member token, is set by the script, and only while the collage is open.
		{"data-testid", "contribute-link", func(tg *tag) string {
			if tg.name != "a" {
				return "want an <a>"
			}
			if _, ok := tg.attrs["href"]; ok {
				return "want no href in the page: the script sets it with the token"
			}
			if tg.attrs["target"] == "_blank" && !strings.Contains(tg.attrs["rel"], "noopener") {
				return "a new tab needs rel=noopener"
			}
			return ""
		}},
		{"id", "contribute", func(tg *tag) string {
			if _, ok := tg.attrs["hidden"]; !ok {
				return "want hidden until the collage is known to be open"
			}
			return ""
		}},
	}
	tests = append(tests, collageHooks...)
	html := string(JoinPage())
	checkHooks(t, html, append(tests, append(roomHooks, commonHooks...)...))
	for _, text := range []string{
		">Your first name or a nickname</label>",
		"Only this name is shared with the group. Nothing else about you is stored.",
		"Join with microphone",
		"Just listen",
		"Light a candle",
		"Add photos and songs to the memorial collage",
	} {
		if !strings.Contains(html, text) {
			t.Errorf("join page does not say %q", text)
		}
	}
}

// Every element a script looks up by id must be on its page: a missing one
// would stop the script before it does anything.
func TestScriptsFindTheirElements(t *testing.T) {
	idRE := regexp.MustCompile(`\bel\("([^"]+)"\)`)
	for _, tc := range []struct{ page, script string }{{"listen.html", "listen.js"}, {"join.html", "join.js"}} {
		t.Run(tc.script, func(t *testing.T) {
			ids := map[string]bool{}
			for _, tg := range scanTags(t, readStatic(t, tc.page)) {
				if id := tg.attrs["id"]; id != "" {
					if ids[id] {
						t.Errorf("%s: duplicate id %q", tc.page, id)
					}
					ids[id] = true
				}
			}
			found := idRE.FindAllStringSubmatch(readStatic(t, tc.script), -1)
			if len(found) == 0 {
				t.Fatalf("%s: no el(...) lookups found; has the helper changed?", tc.script)
			}
			for _, m := range found {
				if !ids[m[1]] {
					t.Errorf("%s looks up #%s, which %s does not have", tc.script, m[1], tc.page)
				}
			}
		})
	}
}

// The join page may keep one thing on the device, the display name, and only
// under its own key; nothing else may be stored or sent elsewhere.
func TestJoinStoresOnlyTheName(t *testing.T) {
	all := ""
	for name, src := range pageScripts(t, "join.js") {
		all += src
		for _, bad := range []string{"sessionStorage", "indexedDB", "document.cookie", "caches.", "serviceWorker"} {
			if strings.Contains(src, bad) {
				t.Errorf("%s uses %s", name, bad)
			}
		}
		setRE := regexp.MustCompile(`setItem\(([^,]+),`)
		for _, m := range setRE.FindAllStringSubmatch(src, -1) {
			if strings.TrimSpace(m[1]) != "NAME_KEY" {
				t.Errorf("%s stores under %s, want only NAME_KEY", name, m[1])
			}
		}
	}
	if n := strings.Count(all, "localStorage"); n != 1 {
		t.Errorf("the join page's scripts name localStorage %d times, want once (handed to nameStore)", n)
	}
	if !strings.Contains(readStatic(t, "join-name.js"), `const NAME_KEY = "hearth.name";`) {
		t.Errorf("NAME_KEY is not hearth.name in join-name.js")
	}
}

// Scripts and styles must not reach out either, nor use what the CSP forbids.
func TestAssetsStayLocal(t *testing.T) {
	importRE := regexp.MustCompile(`(?ms)^import (\{[^}]*\}|\S+) from "([^"]+)";`)
	tests := []struct {
		name      string
		forbidden []string
	}{
		{"listen.js", []string{"http://", "https://", "innerHTML", "eval(", "new Function", `setAttribute("style"`, "document.cookie", "localStorage"}},
		{"join*.js", []string{"http://", "https://", "innerHTML", "insertAdjacentHTML", "eval(", "new Function", `setAttribute("style"`, "document.cookie"}},
		{"shared.js", []string{"http://", "https://", "innerHTML", "eval(", "new Function", "document.cookie", "localStorage"}},
		{"live*.js", []string{"http://", "https://", "innerHTML", "eval(", "new Function", "document.", "localStorage", "sessionStorage"}},
		{"collage-view.js", []string{"http://", "https://", "innerHTML", "eval(", "new Function", `setAttribute("style"`, "document.cookie", "localStorage", "sessionStorage"}},
		{"text.js", []string{"http://", "https://", "eval(", "new Function"}},
		{"style.css", []string{"http://", "https://", "@import", "url("}},
		{"join.css", []string{"http://", "https://", "@import", "url("}},
	}
	for _, tc := range tests {
		// A name may be a pattern: a page's script and the modules split from it.
		names, err := fs.Glob(Static(), tc.name)
		if err != nil || len(names) == 0 {
			t.Fatalf("%s: no such file (%v)", tc.name, err)
		}
		for _, name := range names {
			assetStaysLocal(t, name, tc.forbidden, importRE)
		}
	}
}

// assetStaysLocal checks one file: none of the forbidden strings, and every
// import a sibling module that exports what is asked of it.
func assetStaysLocal(t *testing.T, file string, forbidden []string, importRE *regexp.Regexp) {
	t.Run(file, func(t *testing.T) {
		src := readStatic(t, file)
		// Drawing an SVG element names its namespace, which is not an address
		// anything is fetched from.
		checked := strings.ReplaceAll(src, `"http://www.w3.org/2000/svg"`, `""`)
		for _, bad := range forbidden {
			if strings.Contains(checked, bad) {
				t.Errorf("%s contains %q", file, bad)
			}
		}
		for _, m := range importRE.FindAllStringSubmatch(src, -1) {
			name, ok := strings.CutPrefix(m[2], "./")
			if !ok {
				t.Errorf("import %q: want a sibling module", m[2])
				continue
			}
			if _, err := fs.Stat(Static(), name); err != nil {
				t.Errorf("import %q: not embedded: %v", m[2], err)
				continue
			}
			// A name the module does not export fails the whole page at load.
			mod := reexported(t, name)
			for _, part := range strings.Split(strings.Trim(m[1], "{}"), ",") {
				exported := strings.Fields(part)
				if len(exported) == 0 {
					continue
				}
				re := regexp.MustCompile(`(?m)^export (async )?(function|const|let|class) ` + regexp.QuoteMeta(exported[0]) + `\b`)
				if !re.MatchString(mod) {
					t.Errorf("import { %s } from %q: not exported there", exported[0], m[2])
				}
			}
		}
	})
}

// reexported returns a module's text and that of every module it passes on
// whole (export * from "./x.js"), directly or not: what it exports.
func reexported(t *testing.T, name string) string {
	t.Helper()
	reRE := regexp.MustCompile(`(?m)^export \* from "\./([^"]+)";`)
	src := readStatic(t, name)
	out := src
	for _, m := range reRE.FindAllStringSubmatch(src, -1) {
		out += "\n" + reexported(t, m[1])
	}
	return out
}

// pageScripts returns the text of a page's script and of the sibling modules
// it imports, directly or not.
func pageScripts(t *testing.T, entry string) map[string]string {
	t.Helper()
	importRE := regexp.MustCompile(`(?ms)^(?:import|export) (?:\{[^}]*\}|\S+) from "\./([^"]+)";`)
	out := map[string]string{}
	todo := []string{entry}
	for len(todo) > 0 {
		name := todo[0]
		todo = todo[1:]
		if _, ok := out[name]; ok {
			continue
		}
		out[name] = readStatic(t, name)
		for _, m := range importRE.FindAllStringSubmatch(out[name], -1) {
			todo = append(todo, m[1])
		}
	}
	return out
}

// A class a page or its scripts put on an element, and that some stylesheet
// styles, must be styled by the stylesheets that page loads: the listen page
// does not load join.css, so what the two pages share lives in style.css.
func TestClassesAreStyled(t *testing.T) {
	classRE := []*regexp.Regexp{
		regexp.MustCompile(`className = "([^"]+)"`),
		regexp.MustCompile(`classList\.add\("([^"]+)"\)`),
		regexp.MustCompile(`\bspan\("([^"]+)"`),
	}
	all := ""
	for _, name := range []string{"style.css", "join.css"} {
		all += readStatic(t, name)
	}
	styled := func(css, class string) bool {
		return regexp.MustCompile(`\.` + regexp.QuoteMeta(class) + `([^\w-]|$)`).MatchString(css)
	}
	for _, tc := range []struct{ page, script string }{{"listen.html", "listen.js"}, {"join.html", "join.js"}} {
		t.Run(tc.page, func(t *testing.T) {
			tags := scanTags(t, readStatic(t, tc.page))
			css := ""
			for _, tg := range tags {
				if tg.name == "link" && tg.attrs["rel"] == "stylesheet" {
					css += readStatic(t, strings.TrimPrefix(tg.attrs["href"], "/static/"))
				}
			}
			classes := map[string]string{}
			for _, tg := range tags {
				for _, c := range strings.Fields(tg.attrs["class"]) {
					classes[c] = tc.page
				}
			}
			for name, src := range pageScripts(t, tc.script) {
				for _, re := range classRE {
					for _, m := range re.FindAllStringSubmatch(src, -1) {
						for _, c := range strings.Fields(m[1]) {
							classes[c] = name
						}
					}
				}
			}
			for c, where := range classes {
				if styled(all, c) && !styled(css, c) {
					t.Errorf("class %q (from %s) has no rule in the stylesheets %s loads", c, where, tc.page)
				}
			}
		})
	}
}

// Both pages follow the room's events through live.js, so the stream's
// rules (the token in ?t=, the retries) live in one place; and both keep the
// room in window.hearth for tests.
func TestPagesShareTheEventStream(t *testing.T) {
	opens := 0
	for _, src := range pageScripts(t, "live.js") {
		opens += strings.Count(src, "new EventSource(")
	}
	if opens != 1 {
		t.Errorf("live.js and its modules open an EventSource in %d places, want 1", opens)
	}
	for _, script := range []string{"listen.js", "join.js"} {
		t.Run(script, func(t *testing.T) {
			src := readStatic(t, script)
			if strings.Contains(src, "EventSource") {
				t.Errorf("%s uses EventSource itself; use eventFeed from live.js", script)
			}
			for _, want := range []string{
				"eventFeed({",
				"reactionStage({",
				"/events?t=${encodeURIComponent(token)}",
			} {
				if !strings.Contains(src, want) {
					t.Errorf("%s does not have %q", script, want)
				}
			}
			literal := regexp.MustCompile(`(?s)const hearth = \{(.*?)\n\};`).FindStringSubmatch(src)
			if literal == nil {
				t.Fatalf("%s: no `const hearth = {...};`", script)
			}
			for _, field := range []string{"roster:", "listeners:", "state:", "pc:", "audio:"} {
				if !strings.Contains(literal[1], field) {
					t.Errorf("%s: window.hearth has no %s", script, strings.TrimSuffix(field, ":"))
				}
			}
		})
	}
}

// Reactions move only for those who have not asked the system for less
// motion; for those who have, they still fade, and nothing else animates.
func TestReducedMotion(t *testing.T) {
	css := readStatic(t, "style.css")
	i := strings.Index(css, "@media (prefers-reduced-motion: reduce)")
	if i < 0 {
		t.Fatal("style.css has no prefers-reduced-motion rule")
	}
	block := css[i:]
	for _, want := range []string{"animation: none !important", ".reaction", "transform: none !important"} {
		if !strings.Contains(block, want) {
			t.Errorf("the reduced-motion rule does not have %q", want)
		}
	}
}

// An "ended" from the room (data channel or event stream) may only be a server
// restart closing rooms: join.js must confirm with the session info before it
// ends the page, as listen.js does, and not end on the message alone.
func TestJoinConfirmsEndedMessage(t *testing.T) {
	src := readStatic(t, "join.js")
	// The room's news (live.js's roomMessages) goes to onEndedMessage.
	news := regexp.MustCompile(`(?s)const roomNews = roomMessages\(\{(.*?)\n\}\);`).FindStringSubmatch(src)
	if news == nil {
		t.Fatal("join.js has no roomNews = roomMessages({...})")
	}
	if c := regexp.MustCompile(`ended: \(\) => (\w+)\(`).FindStringSubmatch(news[1]); c == nil || c[1] != "onEndedMessage" {
		t.Errorf("join.js handles an \"ended\" message with %v, want onEndedMessage (which asks the server first)", c)
	}
	// The two places messages arrive both hand them to roomNews first: the
	// data channel's onMessage and the event stream's handler.
	for _, where := range []struct{ from, to string }{
		{"\nfunction onMessage(", "\n}\n"},
		{"\nconst events = eventFeed({", "\n});\n"},
	} {
		i := strings.Index(src, where.from)
		if i < 0 {
			t.Fatalf("join.js has no %q", strings.TrimSpace(where.from))
		}
		body := src[i:]
		if j := strings.Index(body, where.to); j >= 0 {
			body = body[:j]
		}
		if !strings.Contains(body, "roomNews(msg)") {
			t.Errorf("%s does not hand the room's news to roomNews", strings.TrimSpace(where.from))
		}
		if strings.Contains(body, `case "ended":`) {
			t.Errorf("%s handles \"ended\" by itself", strings.TrimSpace(where.from))
		}
	}
	if !strings.Contains(src, "async function onEndedMessage(") {
		t.Error("join.js has no onEndedMessage")
	}
}

// Both pages ask for the collage's video (receive only) next to the sound, on
// every path: the join page's with a microphone and its Just listen (WHEP),
// and the listen page. A video track goes to the collage's picture, never to
// an <audio> element; captions come on the event stream and, for members, the
// data channel.
func TestPagesReceiveTheCollage(t *testing.T) {
	live := pageScripts(t, "live.js")["live-events.js"]
	types := regexp.MustCompile(`export const EVENT_TYPES = \[([^\]]*)\];`).FindStringSubmatch(live)
	if types == nil || !strings.Contains(types[1], `"caption"`) {
		t.Errorf("eventFeed does not listen for caption events: %v", types)
	}
	for _, tc := range []struct {
		script   string
		captions int
	}{{"listen.js", 1}, {"join.js", 1}} {
		t.Run(tc.script, func(t *testing.T) {
			src := readStatic(t, tc.script)
			if n := strings.Count(src, `addTransceiver("video", { direction: "recvonly" })`); n != 1 {
				t.Errorf("%d receive-only video transceivers, want 1 for every connection", n)
			}
			if !regexp.MustCompile(`\.track\.kind === "video"\)\s*\{(\s*//[^\n]*)*\s*collage\.attach\(event\.track\);\s*return;`).MatchString(src) {
				t.Error("ontrack does not hand video tracks to the collage first")
			}
			// One roomMessages handler serves the event stream and, for members, the data channel.
			if n := strings.Count(src, `caption: (msg) =>`); n != tc.captions {
				t.Errorf("%d caption handlers, want %d", n, tc.captions)
			}
			if !strings.Contains(src, "pageCollage(document)") {
				t.Error("the page does not use pageCollage from collage-view.js")
			}
			literal := regexp.MustCompile(`(?s)const hearth = \{(.*?)\n\};`).FindStringSubmatch(src)
			if literal == nil || !strings.Contains(literal[1], "video:") || !strings.Contains(literal[1], "collage:") {
				t.Error("window.hearth has no video and collage for tests")
			}
		})
	}
	// On the join page the video transceiver is added after the member and
	// listener branches, so both ask for it.
	join := readStatic(t, "join.js")
	i := strings.Index(join, `a.tx = pc.addTransceiver("audio", { direction: "recvonly" });`)
	j := strings.Index(join, `addTransceiver("video", { direction: "recvonly" })`)
	if i < 0 || j < i || !strings.Contains(join[i:j], "\n  }\n") {
		t.Error("join.js adds the video transceiver inside one branch, not after both")
	}
}
