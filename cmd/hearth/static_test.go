package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func get(t *testing.T, url string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	// The transport would ask for gzip itself and hide it; ask explicitly or not at all.
	tr := &http.Transport{DisableCompression: true}
	c := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// TestStaticFilesAndPagesCaching: static files come gzipped when asked (and plain when not), with
// Vary and an ETag that answers 304; pages are cacheable (no-cache, not no-store) and so may stay
// in the back/forward cache; token-bearing API answers stay no-store; GET / sends a signed-in host
// to the dashboard.
func TestStaticFilesAndPagesCaching(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	plainResp, plain := get(t, s.URL+"/static/join.js", nil)
	if plainResp.StatusCode != 200 || plainResp.Header.Get("Content-Encoding") != "" || len(plain) < 1000 {
		t.Fatalf("plain: %d %q %d bytes", plainResp.StatusCode, plainResp.Header.Get("Content-Encoding"), len(plain))
	}
	gzResp, gz := get(t, s.URL+"/static/join.js", map[string]string{"Accept-Encoding": "br;q=1.0, gzip;q=0.8"})
	if gzResp.Header.Get("Content-Encoding") != "gzip" || gzResp.Header.Get("Vary") != "Accept-Encoding" || len(gz) >= len(plain)/2 {
		t.Fatalf("gzip: %q vary %q, %d bytes against %d", gzResp.Header.Get("Content-Encoding"), gzResp.Header.Get("Vary"), len(gz), len(plain))
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	if un, _ := io.ReadAll(zr); !bytes.Equal(un, plain) {
		t.Fatal("the gzip body is not the file")
	}
	if r, _ := get(t, s.URL+"/static/join.js", map[string]string{"Accept-Encoding": "gzip;q=0"}); r.Header.Get("Content-Encoding") != "" {
		t.Fatal("gzip;q=0 got gzip")
	}
	if gzResp.Header.Get("ETag") == plainResp.Header.Get("ETag") || plainResp.Header.Get("ETag") == "" {
		t.Fatalf("etags %q and %q", gzResp.Header.Get("ETag"), plainResp.Header.Get("ETag"))
	}
	if r, b := get(t, s.URL+"/static/join.js", map[string]string{"Accept-Encoding": "gzip", "If-None-Match": gzResp.Header.Get("ETag")}); r.StatusCode != 304 || len(b) != 0 {
		t.Fatalf("If-None-Match: %d, %d bytes", r.StatusCode, len(b))
	}
	if r, _ := get(t, s.URL+"/static/style.css", nil); !strings.HasPrefix(r.Header.Get("Content-Type"), "text/css") || strings.Contains(r.Header.Get("Cache-Control"), "no-store") {
		t.Fatalf("style.css: %q %q", r.Header.Get("Content-Type"), r.Header.Get("Cache-Control"))
	}
	if r, _ := get(t, s.URL+"/static/nope.js", nil); r.StatusCode != 404 {
		t.Fatalf("missing file: %d", r.StatusCode)
	}
	for _, p := range []string{"/listen/x", "/join/x", "/dashboard", "/contribute/x", "/i/x", "/"} {
		r, b := get(t, s.URL+p, map[string]string{"Accept-Encoding": "gzip"})
		cc := r.Header.Get("Cache-Control")
		if r.StatusCode != 200 || strings.Contains(cc, "no-store") || cc == "" || r.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("%s: %d Cache-Control %q CSP %q", p, r.StatusCode, cc, r.Header.Get("Content-Security-Policy"))
		}
		if p != "/" && (r.Header.Get("Content-Encoding") != "gzip" || r.Header.Get("ETag") == "" || len(b) == 0) {
			t.Errorf("%s: encoding %q etag %q", p, r.Header.Get("Content-Encoding"), r.Header.Get("ETag"))
		}
	}
	if r, _ := get(t, s.URL+"/join/x", nil); r.Header.Get("Permissions-Policy") == "" {
		t.Error("the join page lost its Permissions-Policy")
	}
	// An API answer read with a token (listen info) stays out of every cache.
	sess := s.createSession(t, "Circle", time.Now().Add(time.Hour), false, s.uploadFile(t, fixture("tone523_44k.mp3")))
	if _, _, h := s.do(t, http.MethodGet, "/api/v1/listen/"+sess["id"].(string), sess["listener_token"].(string), "", nil); h.Get("Cache-Control") != "no-store" {
		t.Errorf("listen info: Cache-Control %q", h.Get("Cache-Control"))
	}
	// GET / with a sign-in cookie leads to the dashboard.
	r, _ := get(t, s.URL+"/", map[string]string{"Cookie": "hearth_session=anything"})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/dashboard" {
		t.Fatalf("GET / as a host: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
}
