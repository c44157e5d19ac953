package web

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The live pages' modules are tested under node (web/test/*.test.js, with
// fakes for RTCPeerConnection, fetch, EventSource and timers), and every web
// client file that says // @ts-check is type-checked by TypeScript, pinned in
// web/tools. Both run here so that `go test ./...` (and `make test`) covers
// them; scripts/deps.sh installs node and npm.

// nodeBin returns the path of node, failing the test with what to install.
func nodeBin(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not installed: run `scripts/deps.sh test` (Debian packages nodejs and npm), then test again")
	}
	return p
}

func run(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "NODE_OPTIONS=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	if testing.Verbose() {
		t.Logf("%s %s:\n%s", name, strings.Join(args, " "), out)
	}
}

func TestClientModulesUnderNode(t *testing.T) {
	bin := nodeBin(t)
	tests, err := filepath.Glob(filepath.Join("test", "*.test.js"))
	if err != nil || len(tests) == 0 {
		t.Fatalf("no node tests found in web/test: %v", err)
	}
	run(t, ".", bin, append([]string{"--test", "--test-reporter=spec"}, tests...)...)
}

func TestClientTypeCheck(t *testing.T) {
	if testing.Short() {
		t.Skip("the TypeScript check takes seconds: skipped with -short (make test runs it)")
	}
	bin := nodeBin(t)
	tsc := filepath.Join("tools", "node_modules", "typescript", "bin", "tsc")
	if _, err := os.Stat(tsc); err != nil {
		// A clean clone: install the pinned TypeScript from the lock file.
		npm, err := exec.LookPath("npm")
		if err != nil {
			t.Fatal("npm is not installed: run `scripts/deps.sh test` (Debian packages nodejs and npm), then test again")
		}
		run(t, "tools", npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
	}
	run(t, ".", bin, tsc, "-p", filepath.Join("tools", "tsconfig.json"))
}

// tsc checks the files under static that begin with // @ts-check (tools/tsconfig.json
// takes them all, and checks those): the live pages' scripts and every module
// split from them must say so, so that a new one is checked too.
func TestClientFilesSayTsCheck(t *testing.T) {
	for _, pattern := range []string{"dashboard-room.js", "join*.js", "listen*.js", "live*.js", "shared.js", "text.js"} {
		names, err := fs.Glob(Static(), pattern)
		if err != nil || len(names) == 0 {
			t.Fatalf("%s: no such file (%v)", pattern, err)
		}
		for _, name := range names {
			if !strings.HasPrefix(readStatic(t, name), "// @ts-check\n") {
				t.Errorf("%s does not begin with // @ts-check", name)
			}
		}
	}
}
