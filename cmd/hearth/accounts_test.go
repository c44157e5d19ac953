package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"os"
	"strings"
	"testing"
)

// browserClient is an HTTP client with a cookie jar, like a host's browser.
type browserClient struct {
	t    *testing.T
	s    *testServer
	c    *http.Client
	csrf string
}

func newBrowserClient(t *testing.T, s *testServer) *browserClient {
	jar, _ := cookiejar.New(nil)
	return &browserClient{t: t, s: s, c: &http.Client{Jar: jar}}
}

func (b *browserClient) do(method, path string, body any, withCSRF bool) (int, map[string]any) {
	b.t.Helper()
	var rd *bytes.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, b.s.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if withCSRF && b.csrf != "" {
		req.Header.Set("X-CSRF-Token", b.csrf)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func TestHostAccounts(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	// The bootstrap admin creates a host.
	code, m := s.postJSON(t, "/api/v1/hosts", map[string]any{"username": "maria", "password": "a long passphrase"})
	if code != 201 || m["username"] != "maria" {
		t.Fatalf("create host: %d %v", code, m)
	}
	for name, body := range map[string]map[string]any{
		"taken":          {"username": "MARIA", "password": "a long passphrase"},
		"short password": {"username": "jo-2", "password": "short"},
		"bad username":   {"username": "a b", "password": "a long passphrase"},
	} {
		if code, m := s.postJSON(t, "/api/v1/hosts", body); code < 400 || code >= 500 || m["error"] == nil {
			t.Errorf("%s: %d %v", name, code, m)
		}
	}

	b := newBrowserClient(t, s)
	code, m = b.do("POST", "/api/v1/auth/login", map[string]any{"username": "maria", "password": "wrong password!"}, false)
	if code != 401 || m["error"] != "wrong username or password" {
		t.Fatalf("wrong password: %d %v", code, m)
	}
	code, m2 := b.do("POST", "/api/v1/auth/login", map[string]any{"username": "nobody", "password": "wrong password!"}, false)
	if code != 401 || m2["error"] != m["error"] {
		t.Fatalf("unknown user answers differently: %d %v", code, m2)
	}
	code, m = b.do("POST", "/api/v1/auth/login", map[string]any{"username": "Maria", "password": "a long passphrase"}, false)
	if code != 200 || m["csrf_token"] == "" {
		t.Fatalf("login: %d %v", code, m)
	}
	b.csrf = m["csrf_token"].(string)
	if code, m = b.do("GET", "/api/v1/auth/me", nil, false); code != 200 || m["host"].(map[string]any)["username"] != "maria" {
		t.Fatalf("me: %d %v", code, m)
	}
	// A change without the CSRF header is refused; with it, allowed.
	if code, _ = b.do("POST", "/api/v1/tokens", map[string]any{"name": "sync"}, false); code != 403 {
		t.Fatalf("POST without CSRF: %d, want 403", code)
	}
	code, m = b.do("POST", "/api/v1/tokens", map[string]any{"name": "sync"}, true)
	if code != 201 || !strings.HasPrefix(m["token"].(string), "hearth_") {
		t.Fatalf("create token: %d %v", code, m)
	}
	tok, tid := m["token"].(string), m["id"].(string)
	// A host is not an admin.
	if code, _ = b.do("POST", "/api/v1/hosts", map[string]any{"username": "x-y-z", "password": "a long passphrase"}, true); code != 403 {
		t.Fatalf("host creates host: %d, want 403", code)
	}
	// The API token works for the host API, and stops working when revoked.
	code, g, _ := s.do(t, "POST", "/api/v1/groups", tok, "application/json", strings.NewReader(`{"name":"Circle"}`))
	if code != 201 {
		t.Fatalf("create group with API token: %d %v", code, g)
	}
	mp3, _ := os.ReadFile(fixture("tone523_44k.mp3"))
	ct, body := multipartBody(t, "tone.mp3", mp3, "")
	if code, m, _ := s.do(t, "POST", "/api/v1/groups/"+g["id"].(string)+"/media", tok, ct, bytes.NewReader(body)); code != 201 {
		t.Fatalf("upload with API token: %d %v", code, m)
	}
	if code, _ = b.do("DELETE", "/api/v1/tokens/"+tid, nil, true); code != 204 {
		t.Fatalf("revoke: %d", code)
	}
	if code, _, _ := s.do(t, "GET", "/api/v1/groups", tok, "", nil); code != 403 {
		t.Fatalf("revoked token: %d, want 403", code)
	}
	if code, _ = b.do("POST", "/api/v1/auth/logout", nil, true); code != 204 {
		t.Fatalf("logout: %d", code)
	}
	if code, _ = b.do("GET", "/api/v1/auth/me", nil, false); code != 401 && code != 403 {
		t.Fatalf("after logout: %d", code)
	}
}

func TestSignInIsThrottled(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	s.postJSON(t, "/api/v1/hosts", map[string]any{"username": "maria", "password": "a long passphrase"})
	b := newBrowserClient(t, s)
	var code int
	for i := 0; i < 8; i++ {
		code, _ = b.do("POST", "/api/v1/auth/login", map[string]any{"username": "maria", "password": "guess number " + string(rune('a'+i))}, false)
	}
	if code != http.StatusTooManyRequests {
		t.Fatalf("after 8 wrong passwords: %d, want 429", code)
	}
	// Even the right password waits out the lockout.
	if code, _ = b.do("POST", "/api/v1/auth/login", map[string]any{"username": "maria", "password": "a long passphrase"}, false); code != http.StatusTooManyRequests {
		t.Fatalf("right password during lockout: %d, want 429", code)
	}
}
