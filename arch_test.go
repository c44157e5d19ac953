package hearth_test

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// TestImportRules keeps the dependency arrows of the design pointing down: only api imports gin,
// nothing imports api or cmd, and the domain packages know nothing of HTTP or of each other's
// upper layers.
func TestImportRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-json", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	type pkg struct {
		ImportPath string
		Deps       []string
	}
	forbidden := map[string][]string{
		"hearth/session":     {"hearth/api", "hearth/room", "hearth/broadcaster", "hearth/live", "hearth/store", "github.com/gin-gonic/gin", "github.com/pion/webrtc/v4"},
		"hearth/playlist":    {"hearth/"},
		"hearth/broadcaster": {"hearth/api", "hearth/room", "hearth/session", "hearth/store", "hearth/live", "hearth/media", "github.com/gin-gonic/gin", "github.com/pion/webrtc/v4"},
		"hearth/room":        {"hearth/api", "hearth/session", "hearth/store", "hearth/live", "hearth/broadcaster", "github.com/gin-gonic/gin", "net/http"},
		"hearth/media":       {"hearth/api", "hearth/session", "hearth/store", "hearth/room", "hearth/broadcaster", "hearth/live", "github.com/gin-gonic/gin", "github.com/pion/webrtc/v4"},
		"hearth/store":       {"hearth/api", "hearth/room", "hearth/live", "hearth/broadcaster", "github.com/gin-gonic/gin"},
		"hearth/live":        {"hearth/api", "hearth/store", "github.com/gin-gonic/gin"},
		"hearth/schedule":    {"hearth/"},
		"hearth/calendar":    {"hearth/api", "hearth/session", "hearth/store", "hearth/room", "hearth/live", "hearth/media", "github.com/gin-gonic/gin"},
		"hearth/auth":        {"hearth/", "github.com/gin-gonic/gin", "net/http"},
		"hearth/limit":       {"hearth/", "github.com/gin-gonic/gin", "net/http"},
		"hearth/disk":        {"hearth/", "github.com/gin-gonic/gin", "net/http"},
		"hearth/show":        {"hearth/api", "hearth/session", "hearth/store", "hearth/room", "hearth/live", "hearth/broadcaster", "github.com/gin-gonic/gin", "github.com/pion/webrtc/v4", "net/http"},
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		seen++
		for _, d := range p.Deps {
			if d == "github.com/gin-gonic/gin" && p.ImportPath != "hearth/api" && !strings.HasPrefix(p.ImportPath, "hearth/cmd/") {
				t.Errorf("%s imports gin; only api may", p.ImportPath)
			}
			if (d == "hearth/api" || strings.HasPrefix(d, "hearth/cmd")) && !strings.HasPrefix(p.ImportPath, "hearth/cmd/") {
				t.Errorf("%s imports %s; nothing may", p.ImportPath, d)
			}
		}
		rules, ok := forbidden[p.ImportPath]
		if !ok {
			continue
		}
		for _, d := range p.Deps {
			for _, f := range rules {
				if d == f || (strings.HasSuffix(f, "/") && strings.HasPrefix(d, f)) {
					t.Errorf("%s depends on %s, against the design's arrows", p.ImportPath, d)
				}
			}
		}
	}
	if seen < 10 {
		t.Fatalf("go list returned only %d packages", seen)
	}
}
