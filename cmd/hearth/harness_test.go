package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const testAdminToken = "test-admin-token-0123456789abcdef"

// testServer is a Hearth instance running in this process on a loopback port.
type testServer struct {
	URL  string
	Data string
	cfg  Config
	out  *syncBuffer
	stop context.CancelFunc
	done chan error
	// Handler is the server's HTTP handler, for listing its routes.
	Handler http.Handler
	once    sync.Once
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startServer(t *testing.T, mod func(*Config)) *testServer {
	t.Helper()
	cfg := defaults()
	cfg.Addr = "127.0.0.1:0"
	cfg.Data = t.TempDir()
	cfg.Loopback = true
	cfg.Demo = false
	cfg.AdminToken = testAdminToken
	if mod != nil {
		mod(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &testServer{Data: cfg.Data, cfg: cfg, out: &syncBuffer{}, stop: cancel, done: make(chan error, 1)}
	ready := make(chan string, 1)
	go func() {
		s.done <- runWith(ctx, cfg, s.out, func(a string) { ready <- a }, func(h http.Handler) { s.Handler = h })
	}()
	select {
	case a := <-ready:
		s.URL = "http://" + a
	case err := <-s.done:
		t.Fatalf("server did not start: %v\n%s", err, s.out.String())
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start in 30 s")
	}
	t.Cleanup(func() {
		s.shutdown(t)
		if t.Failed() {
			t.Logf("server log:\n%s", s.out.String())
		}
	})
	return s
}

// shutdown stops the server gracefully and waits for it, once.
func (s *testServer) shutdown(t *testing.T) {
	t.Helper()
	s.once.Do(func() {
		s.stop()
		select {
		case err := <-s.done:
			if err != nil {
				t.Errorf("server exited with %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("server did not shut down in 20 s")
		}
	})
}

// do sends a request with the given bearer token ("" for none) and decodes a JSON answer.
func (s *testServer) do(t *testing.T, method, path, token, contentType string, body io.Reader) (int, map[string]any, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s %s: invalid JSON %q: %v", method, path, raw, err)
		}
	} else {
		m = map[string]any{"raw": string(raw)}
	}
	return resp.StatusCode, m, resp.Header
}

func (s *testServer) postJSON(t *testing.T, path string, v any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(v)
	code, m, _ := s.do(t, http.MethodPost, path, testAdminToken, "application/json", bytes.NewReader(b))
	return code, m
}

// multipartBody builds an upload body with a "file" field.
func multipartBody(t *testing.T, filename string, content []byte, title string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if title != "" {
		w.WriteField("title", title)
	}
	fw, err := w.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(content)
	w.Close()
	return w.FormDataContentType(), buf.Bytes()
}

func (s *testServer) upload(t *testing.T, filename string, content []byte) (int, map[string]any) {
	t.Helper()
	ct, body := multipartBody(t, filename, content, "")
	code, m, _ := s.do(t, http.MethodPost, "/api/v1/media", testAdminToken, ct, bytes.NewReader(body))
	return code, m
}

// uploadFile uploads a fixture and fails the test unless it is accepted.
func (s *testServer) uploadFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	code, m := s.upload(t, filepath.Base(path), b)
	if code != http.StatusCreated {
		t.Fatalf("upload %s: %d %v", path, code, m)
	}
	return m["id"].(string)
}

// createSession schedules a session at starts over the given media.
func (s *testServer) createSession(t *testing.T, title string, starts time.Time, loop bool, ids ...string) map[string]any {
	t.Helper()
	var items []map[string]string
	for _, id := range ids {
		items = append(items, map[string]string{"media_id": id})
	}
	code, m := s.postJSON(t, "/api/v1/sessions", map[string]any{
		"title": title, "starts_at": starts.Format(time.RFC3339Nano), "playlist": items, "loop": loop,
	})
	if code != http.StatusCreated {
		t.Fatalf("create session: %d %v", code, m)
	}
	return m
}

func fixture(name string) string { return filepath.Join("..", "..", "assets", "testdata", name) }

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return fmt.Sprint(string(b))
}

func readBody(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// longTest skips an end-to-end test that takes seconds (a browser, a restart, a whole program)
// under -short, so the quick loop while coding stays under a minute; make test runs them all.
func longTest(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test of several seconds: skipped with -short (make test runs it)")
	}
}
