package web

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// dashboardAssets are the host dashboard's own files.
func dashboardAssets(t *testing.T) (scripts, styles []string) {
	t.Helper()
	names, err := fs.Glob(Static(), "dashboard*")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		switch {
		case strings.HasSuffix(n, ".js"):
			scripts = append(scripts, n)
		case strings.HasSuffix(n, ".css"):
			styles = append(styles, n)
		}
	}
	if len(scripts) == 0 || len(styles) == 0 {
		t.Fatalf("dashboard assets missing: scripts %v, styles %v", scripts, styles)
	}
	return scripts, styles
}

func TestDashboardEmbedded(t *testing.T) {
	page := DashboardPage()
	if len(page) == 0 {
		t.Fatal("DashboardPage is empty")
	}
	if string(page) != readStatic(t, "dashboard.html") {
		t.Fatal("DashboardPage differs from static/dashboard.html")
	}
	scripts, styles := dashboardAssets(t)
	for _, name := range append(scripts, styles...) {
		if len(readStatic(t, name)) == 0 {
			t.Errorf("%s is empty", name)
		}
	}
}

// The server sends the dashboard with the same strict CSP as the other pages:
// it may load only its own /static/ files. Its links are routes within the
// page (#/...), which fetch nothing.
func TestDashboardReferencesOnlyOwnStatic(t *testing.T) {
	for _, tg := range scanTags(t, string(DashboardPage())) {
		for _, attr := range []string{"src", "href", "action", "poster", "srcset", "data", "formaction"} {
			v, ok := tg.attrs[attr]
			if !ok {
				continue
			}
			if tg.name == "a" && attr == "href" && strings.HasPrefix(v, "#") {
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

func TestDashboardHasNothingInline(t *testing.T) {
	nothingInline(t, string(DashboardPage()))
}

func TestDashboardHooks(t *testing.T) {
	input := func(typ string, more ...string) func(tg *tag) string {
		return func(tg *tag) string {
			if tg.name != "input" || tg.attrs["type"] != typ {
				return "want an <input type=" + typ + ">"
			}
			for i := 0; i+1 < len(more); i += 2 {
				if tg.attrs[more[i]] != more[i+1] {
					return "want " + more[i] + "=" + more[i+1]
				}
			}
			return ""
		}
	}
	btn := func(typ string) func(tg *tag) string {
		return func(tg *tag) string {
			if tg.name != "button" || tg.attrs["type"] != typ {
				return "want a <button type=" + typ + ">"
			}
			return ""
		}
	}
	is := func(name string) func(tg *tag) string {
		return func(tg *tag) string {
			if tg.name != name {
				return "want a <" + name + ">"
			}
			return ""
		}
	}
	progress := func(tg *tag) string {
		if tg.attrs["role"] != "progressbar" {
			return "want role=progressbar"
		}
		if _, ok := tg.attrs["aria-valuenow"]; !ok {
			return "want aria-valuenow"
		}
		return ""
	}
	tests := []hook{
		{"data-testid", "login-username", input("text", "autocomplete", "username")},
		{"data-testid", "login-password", input("password", "autocomplete", "current-password")},
		{"data-testid", "login-submit", btn("submit")},
		{"data-testid", "group-name", input("text")},
		{"data-testid", "group-create", btn("submit")},
		{"data-testid", "upload-input", func(tg *tag) string {
			if msg := input("file")(tg); msg != "" {
				return msg
			}
			if _, ok := tg.attrs["multiple"]; !ok {
				return "want multiple, for a queue of files"
			}
			return ""
		}},
		{"data-testid", "upload-progress", progress},
		{"data-testid", "session-title", input("text")},
		{"data-testid", "session-date", input("date")},
		{"data-testid", "session-time", input("time")},
		{"data-testid", "session-zone", is("select")},
		{"data-testid", "session-create", btn("submit")},
		{"data-testid", "invite-create", btn("submit")},
		{"data-testid", "invite-url", func(tg *tag) string {
			if msg := input("text")(tg); msg != "" {
				return msg
			}
			if _, ok := tg.attrs["readonly"]; !ok {
				return "want readonly"
			}
			return ""
		}},
		{"data-testid", "invite-qr", is("canvas")},
		{"data-testid", "live-pause", btn("button")},
		{"data-testid", "live-resume", btn("button")},
		{"data-testid", "live-skip", btn("button")},
		{"data-testid", "live-end", btn("button")},
		{"data-testid", "live-mics", func(tg *tag) string {
			if msg := btn("button")(tg); msg != "" {
				return msg
			}
			if tg.attrs["role"] != "switch" || tg.attrs["aria-checked"] == "" {
				return "want role=switch with aria-checked"
			}
			return ""
		}},
		// Planning a program in parts; the parts are copies of a <template>.
		{"data-testid", "plan-mode-program", input("radio", "name", "plan-mode")},
		{"data-testid", "segment-add", btn("button")},
		{"data-testid", "segment-item", is("li")},
		{"data-testid", "segment-name", input("text")},
		{"data-testid", "segment-length", input("number", "min", "0", "step", "any")},
		{"data-testid", "segment-mics", is("select")},
		{"data-testid", "segment-ducking", input("checkbox")},
		{"data-testid", "segment-loop", input("checkbox")},
		{"data-testid", "segment-until", input("checkbox")},
		// The live view of a program, and jumping within a recording.
		{"data-testid", "live-segment", func(*tag) string { return "" }},
		{"data-testid", "live-next-segment", btn("button")},
		{"data-testid", "live-seek", func(tg *tag) string {
			if msg := input("range", "min", "0")(tg); msg != "" {
				return msg
			}
			if tg.attrs["id"] == "" {
				return "want an id for its <label for> (\"Jump to\")"
			}
			return ""
		}},
		{"data-testid", "roster", is("ul")},
		{"data-testid", "progress", progress},
		// The memorial collage.
		{"data-testid", "collage-render-progress", func(tg *tag) string {
			if tg.name != "progress" || tg.attrs["max"] != "100" {
				return "want a <progress max=100>"
			}
			if tg.attrs["aria-labelledby"] == "" {
				return "want aria-labelledby, so the bar says what it measures"
			}
			return ""
		}},
		{"data-testid", "collage-prerender", func(tg *tag) string {
			if msg := input("checkbox")(tg); msg != "" {
				return msg
			}
			if _, ok := tg.attrs["checked"]; !ok {
				return "want checked: preparing ahead is recommended"
			}
			return ""
		}},
		{"data-testid", "collage-finalize", btn("button")},
		{"data-testid", "collage-open", func(tg *tag) string {
			if msg := btn("button")(tg); msg != "" {
				return msg
			}
			if tg.attrs["role"] != "switch" || tg.attrs["aria-checked"] == "" {
				return "want role=switch with aria-checked"
			}
			return ""
		}},
		{"data-testid", "collage-error", func(tg *tag) string {
			if tg.attrs["role"] != "alert" {
				return "want role=alert: the reason a collage cannot be finalized is read out"
			}
			return ""
		}},
		{"data-testid", "collage-photos", is("ol")},
		{"data-testid", "collage-songs", is("ol")},
		{"data-testid", "status", func(tg *tag) string {
			if tg.attrs["aria-live"] != "polite" {
				return "want aria-live=polite"
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
		{"lang", "en", is("html")},
	}
	checkHooks(t, string(DashboardPage()), tests)
}

// Every form control has a label, so a screen reader says what it is for.
func TestDashboardControlsAreLabelled(t *testing.T) {
	tags := scanTags(t, string(DashboardPage()))
	labelled := map[string]bool{}
	for _, tg := range tags {
		if tg.name == "label" && tg.attrs["for"] != "" {
			labelled[tg.attrs["for"]] = true
		}
	}
	for _, tg := range tags {
		if tg.name != "input" && tg.name != "select" && tg.name != "textarea" {
			continue
		}
		if tg.attrs["type"] == "radio" || tg.attrs["type"] == "checkbox" {
			continue // wrapped in their <label>
		}
		id := tg.attrs["id"]
		if id == "" || !labelled[id] {
			t.Errorf("<%s id=%q> has no <label for>", tg.name, id)
		}
	}
}

// Every element the scripts look up by id is on the page, once.
func TestDashboardScriptsFindTheirElements(t *testing.T) {
	ids := map[string]bool{}
	for _, tg := range scanTags(t, string(DashboardPage())) {
		if id := tg.attrs["id"]; id != "" {
			if ids[id] {
				t.Errorf("duplicate id %q", id)
			}
			ids[id] = true
		}
	}
	idRE := regexp.MustCompile(`\bel\("([^"]+)"\)`)
	scripts, _ := dashboardAssets(t)
	found := 0
	for _, name := range scripts {
		for _, m := range idRE.FindAllStringSubmatch(readStatic(t, name), -1) {
			found++
			if !ids[m[1]] {
				t.Errorf("%s looks up #%s, which dashboard.html does not have", name, m[1])
			}
		}
	}
	if found < 50 {
		t.Fatalf("only %d el(...) lookups found; has the helper changed?", found)
	}
	// Views are shown by name: view-NAME for each name dashboard.js lists.
	views := regexp.MustCompile(`const VIEWS = \[([^\]]+)\]`).FindStringSubmatch(readStatic(t, "dashboard.js"))
	if views == nil {
		t.Fatal("dashboard.js has no VIEWS list")
	}
	for _, v := range regexp.MustCompile(`"([a-z]+)"`).FindAllStringSubmatch(views[1], -1) {
		if !ids["view-"+v[1]] {
			t.Errorf("no #view-%s for view %q", v[1], v[1])
		}
	}
}

// The dashboard reaches nothing but this server and uses nothing the CSP
// forbids. Its one stored item is the CSRF token, in sessionStorage.
func TestDashboardAssetsStayLocal(t *testing.T) {
	scripts, styles := dashboardAssets(t)
	importRE := regexp.MustCompile(`(?ms)^import (\{[^}]*\}|\S+) from "([^"]+)";`)
	for _, name := range scripts {
		src := readStatic(t, name)
		checked := strings.ReplaceAll(src, `"http://www.w3.org/2000/svg"`, `""`)
		for _, bad := range []string{"http://", "https://", "innerHTML", "outerHTML", "insertAdjacentHTML", "document.write",
			"eval(", "new Function", `setAttribute("style"`, "document.cookie", "localStorage", "indexedDB", "import("} {
			if strings.Contains(checked, bad) {
				t.Errorf("%s contains %q", name, bad)
			}
		}
		if strings.Contains(src, "sessionStorage") && name != "dashboard-api.js" {
			t.Errorf("%s uses sessionStorage; only dashboard-api.js keeps the CSRF token", name)
		}
		for _, m := range importRE.FindAllStringSubmatch(src, -1) {
			mod, ok := strings.CutPrefix(m[2], "./")
			if !ok {
				t.Errorf("%s: import %q: want a sibling module", name, m[2])
				continue
			}
			if _, err := fs.Stat(Static(), mod); err != nil {
				t.Errorf("%s: import %q: not embedded", name, m[2])
				continue
			}
			text := reexported(t, mod)
			for _, part := range strings.Split(strings.Trim(m[1], "{}"), ",") {
				f := strings.Fields(part)
				if len(f) == 0 {
					continue
				}
				re := regexp.MustCompile(`(?m)^export (async )?(function|const|let|class) ` + regexp.QuoteMeta(f[0]) + `\b`)
				if !re.MatchString(text) {
					t.Errorf("%s: import { %s } from %q: not exported there", name, f[0], m[2])
				}
			}
		}
	}
	api := readStatic(t, "dashboard-api.js")
	for _, m := range regexp.MustCompile(`sessionStorage\.setItem\(([^,]+),`).FindAllStringSubmatch(api, -1) {
		if strings.TrimSpace(m[1]) != "CSRF_KEY" {
			t.Errorf("dashboard-api.js stores under %s, want only CSRF_KEY", m[1])
		}
	}
	for _, name := range styles {
		src := readStatic(t, name)
		for _, bad := range []string{"http://", "https://", "@import", "url("} {
			if strings.Contains(src, bad) {
				t.Errorf("%s contains %q", name, bad)
			}
		}
	}
}

// Every class the page and its scripts use has a rule in the stylesheets the
// page loads, so a typo in a class name does not leave something unstyled.
func TestDashboardClassesAreStyled(t *testing.T) {
	html := string(DashboardPage())
	css := ""
	for _, tg := range scanTags(t, html) {
		if tg.name == "link" && tg.attrs["rel"] == "stylesheet" {
			css += readStatic(t, strings.TrimPrefix(tg.attrs["href"], "/static/"))
		}
	}
	classes := map[string]string{}
	for _, tg := range scanTags(t, html) {
		for _, c := range strings.Fields(tg.attrs["class"]) {
			classes[c] = "dashboard.html"
		}
	}
	classRE := []*regexp.Regexp{
		regexp.MustCompile(`\bclass: "([^"]+)"`),
		regexp.MustCompile(`\bcls: "([^"]+)"`),
		regexp.MustCompile(`className = "([^"]+)"`),
		regexp.MustCompile(`classList\.(?:add|remove|toggle)\("([^"]+)"`),
		regexp.MustCompile("\\bclass: `([^`$]+)"),
	}
	scripts, _ := dashboardAssets(t)
	for _, name := range scripts {
		src := readStatic(t, name)
		for _, re := range classRE {
			for _, m := range re.FindAllStringSubmatch(src, -1) {
				for _, c := range strings.Fields(m[1]) {
					classes[c] = name
				}
			}
		}
	}
	// Hooks for scripts and tests only, with nothing to style.
	unstyled := map[string]bool{"member-name": true, "member-state": true, "session-form": true, "upload-label": true,
		"form": true, "view": true, "column": true, "copy": true, "group-name": true, "repeat-slot": true, "when-fields": true}
	var missing []string
	for c, where := range classes {
		if unstyled[c] {
			continue
		}
		if !regexp.MustCompile(`\.` + regexp.QuoteMeta(c) + `([^\w-]|$)`).MatchString(css) {
			missing = append(missing, c+" (from "+where+")")
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("class %s has no rule in style.css or dashboard.css", m)
	}
}

// node runs a module script with Node.js against copies of the dashboard's
// modules (as .mjs, so Node reads them as ES modules). The pure modules, the
// QR encoder and the time-zone arithmetic, need no browser. Without node the
// test is skipped.
func node(t *testing.T, script string, modules ...string) (out, dir string) {
	t.Helper()
	bin, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed; the browser run covers this module")
	}
	dir = t.TempDir()
	for _, m := range modules {
		// As .mjs for the script, and under its own name (in a package of ES
		// modules) for the modules that import it.
		for _, name := range []string{strings.TrimSuffix(m, ".js") + ".mjs", m} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(readStatic(t, m)), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"type": "module"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "run.mjs"), []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "run.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TZ=UTC", "LANG=en_GB.UTF-8", "LC_ALL=en_GB.UTF-8")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.String())
	}
	return stdout.String(), dir
}

// The wall time a host picks becomes the right instant in its zone, across
// daylight-saving changes, and is said back in words.
func TestDashboardTimeZones(t *testing.T) {
	out, _ := node(t, `
import { zoneInstant, rfc3339, whenPhrase } from "./dashboard-time.mjs";
const cases = [
  ["Europe/Berlin", [2026, 11, 24, 19, 0]],
  ["Europe/Berlin", [2026, 7, 24, 19, 0]],
  ["Europe/Berlin", [2026, 3, 29, 2, 30]],
  ["Europe/Berlin", [2026, 10, 25, 2, 30]],
  ["America/New_York", [2026, 3, 8, 2, 15]],
  ["America/New_York", [2026, 11, 1, 1, 30]],
  ["Australia/Lord_Howe", [2026, 10, 4, 2, 10]],
  ["Asia/Kolkata", [2026, 1, 1, 0, 0]],
  ["Pacific/Chatham", [2026, 6, 1, 12, 0]],
  ["UTC", [2026, 2, 28, 7, 5]],
];
for (const [zone, [year, month, day, hour, minute]] of cases) {
  const r = zoneInstant({ year, month, day, hour, minute }, zone);
  console.log(zone, r.kind, rfc3339(r.ms, zone));
}
console.log(whenPhrase(zoneInstant({ year: 2026, month: 11, day: 24, hour: 19, minute: 0 }, "Europe/Berlin").ms, "Europe/Berlin", Date.UTC(2026, 0, 1)));
`, "dashboard-time.js")
	want := `Europe/Berlin exact 2026-11-24T19:00:00+01:00
Europe/Berlin exact 2026-07-24T19:00:00+02:00
Europe/Berlin gap 2026-03-29T03:30:00+02:00
Europe/Berlin overlap 2026-10-25T02:30:00+02:00
America/New_York gap 2026-03-08T03:15:00-04:00
America/New_York overlap 2026-11-01T01:30:00-04:00
Australia/Lord_Howe gap 2026-10-04T02:40:00+11:00
Asia/Kolkata exact 2026-01-01T00:00:00+05:30
Pacific/Chatham exact 2026-06-01T12:00:00+12:45
UTC exact 2026-02-28T07:05:00+00:00
Tuesday 24 November, 19:00 Berlin time
`
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

// The QR encoder's symbols decode back to the exact text with a real decoder
// (zbarimg, from Debian's zbar-tools), for links of many lengths (versions 1
// to 27) and with every one of the eight masks.
func TestDashboardQRDecodes(t *testing.T) {
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		t.Skip("zbarimg is not installed (apt-get install zbar-tools)")
	}
	out, dir := node(t, `
import { qrEncode, QUIET } from "./dashboard-qr.mjs";
import { deflateSync } from "node:zlib";
import { writeFileSync } from "node:fs";
function crc32(buf) {
  let crc = 0xffffffff;
  for (const b of buf) {
    let c = (crc ^ b) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function png(qr, scale) {
  const side = (qr.size + 2 * QUIET) * scale;
  const raw = Buffer.alloc((side + 1) * side, 255);
  for (let y = 0; y < side; y++) {
    raw[y * (side + 1)] = 0;
    for (let x = 0; x < side; x++) {
      const mx = Math.floor(x / scale) - QUIET, my = Math.floor(y / scale) - QUIET;
      if (mx >= 0 && my >= 0 && mx < qr.size && my < qr.size && qr.dark[my * qr.size + mx]) raw[y * (side + 1) + 1 + x] = 0;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0); ihdr.writeUInt32BE(side, 4); ihdr[8] = 8;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}
const base = "https://hearth.example.org/i/";
const filler = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567abcdefghijklmnopqrstuvwxyz";
const texts = [];
for (const n of [1, 17, 26, 42, 55, 62, 84, 106, 122, 152, 180, 213, 250, 321, 425, 600, 1000]) {
  texts.push([(base + filler.repeat(20)).slice(0, n), -1]);
}
for (let m = 0; m < 8; m++) texts.push([base + "mask" + m + filler.slice(0, 20 + m), m]);
texts.push(["https://hearth.example.org/listen/Grüße-0123456789#t=" + filler, -1]);
texts.forEach(([text, mask], i) => {
  const qr = qrEncode(text, { mask });
  writeFileSync("q" + i + ".png", png(qr, 3));
  writeFileSync("q" + i + ".txt", text);
  console.log("q" + i, qr.version, qr.mask);
});
`, "dashboard-qr.js")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 26 {
		t.Fatalf("node wrote %d codes: %s", len(lines), out)
	}
	for _, line := range lines {
		f := strings.Fields(line) // name version mask
		want, err := os.ReadFile(filepath.Join(dir, f[0]+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := exec.Command(zbar, "-q", "--raw", "-Sbinary", filepath.Join(dir, f[0]+".png")).Output()
		if err != nil {
			t.Errorf("version %s mask %s (%d bytes): zbarimg found no code: %v", f[1], f[2], len(want), err)
			continue
		}
		if got := strings.TrimSuffix(string(got), "\n"); got != string(want) {
			t.Errorf("version %s mask %s: decoded %q, want %q", f[1], f[2], got, want)
		}
	}
}

// A program's parts are checked as the server checks them (a part with no
// length needs music and must not loop) and sent in the server's shape.
func TestDashboardProgram(t *testing.T) {
	out, _ := node(t, `
import { supportCircleTemplate, programProblems, programBody, minutesOf } from "./dashboard-program.mjs";
const tone = { id: "m1", title: "Tone", duration_ms: 3000 };
const segs = supportCircleTemplate();
console.log(segs.map((s) => s.name).join("|"));
console.log(programProblems(segs).map((p) => p.index + ":" + p.field).join(" "));
segs[1].items = [{ media: tone }];
segs[3].items = [{ media: tone }];
console.log(JSON.stringify(programProblems(segs)));
console.log(JSON.stringify(programBody(segs)));
segs[1].loop = true;
segs[2].minutes = "0";
segs[0].name = " ";
console.log(programProblems(segs).map((p) => p.index + ":" + p.field).join(" "));
console.log(programProblems([]).length, minutesOf("0,5"), minutesOf("1.5"), minutesOf("abc"), minutesOf(""));
`, "dashboard-program.js", "dashboard-time.js", "dashboard-ui.js", "dashboard-qr.js", "shared.js", "text.js")
	want := `Arrival|Guided meditation|Sharing circle|Closing bell
1:media 3:media
[]
[{"name":"Arrival","playlist":[],"loop":false,"length_ms":300000,"mics":"open","ducking":true},{"name":"Guided meditation","playlist":[{"media_id":"m1"}],"loop":false,"length_ms":0,"mics":"muted","ducking":true},{"name":"Sharing circle","playlist":[],"loop":false,"length_ms":2700000,"mics":"open","ducking":false},{"name":"Closing bell","playlist":[{"media_id":"m1"}],"loop":false,"length_ms":0,"mics":"muted","ducking":false}]
0:name 1:loop 2:length
1 0.5 1.5 NaN NaN
`
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

// The collage panel's words and links: the contribution link is the join
// link's, with /contribute/; a collage without the fields the server adds for
// finalizing reads as not final, with no video being prepared.
func TestDashboardCollage(t *testing.T) {
	out, _ := node(t, `
import { contributeURL, countPhrase, tidyCollage } from "./dashboard-collage.mjs";
console.log(contributeURL({ id: "s1", join_url: "https://hearth.example.org/join/s1#t=tok+en/=", member_token: "tok+en/=" }));
console.log(countPhrase(1, 1) + " | " + countPhrase(3, 0));
const old = tidyCollage({ items: [{ id: "a", kind: "photo", caption: "Lake", position: 1, url: "/x" }, { id: "b", kind: "song", position: 2 }, null], locked: false });
console.log(JSON.stringify([old.items.map((i) => i.id + ":" + i.kind), old.locked, old.final, old.render]));
const now = tidyCollage({ items: [], locked: true, final: true, render: { state: "rendering", progress: 1.7 } });
console.log(JSON.stringify([now.locked, now.final, now.render]));
console.log(tidyCollage({ render: { state: "melting" } }).render.state);
`, "dashboard-collage.js", "dashboard-api.js", "dashboard-ui.js", "dashboard-qr.js", "shared.js", "text.js")
	want := `https://hearth.example.org/contribute/s1#t=tok+en/=
1 photo and 1 song | 3 photos and 0 songs
[["a:photo","b:song"],false,false,{"state":"none","progress":0,"error":""}]
[true,true,{"state":"rendering","progress":1,"error":""}]
none
`
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}
