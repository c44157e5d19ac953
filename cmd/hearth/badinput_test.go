package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hearth/internal/testpeer"
)

// TestBadUploads sends every kind of broken "MP3" the issue lists: each gets a clear 4xx JSON error,
// nothing is stored, and the server keeps serving.
func TestBadUploads(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	tests := []struct {
		file string
		want int
	}{
		{"bad_empty.mp3", http.StatusUnprocessableEntity},
		{"bad_random.mp3", http.StatusUnprocessableEntity},
		{"bad_truncated.mp3", http.StatusUnprocessableEntity},
		{"bad_wav_renamed.mp3", http.StatusUnprocessableEntity},
		{"bad_mpeg25.mp3", http.StatusUnsupportedMediaType},
		{"bad_freeformat.mp3", http.StatusUnsupportedMediaType},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			b, err := os.ReadFile(fixture(tc.file))
			if err != nil {
				t.Fatal(err)
			}
			code, m := s.upload(t, tc.file, b)
			msg, _ := m["error"].(string)
			if code != tc.want || msg == "" {
				t.Fatalf("upload %s: %d %v, want %d with an error message", tc.file, code, m, tc.want)
			}
			t.Logf("%s -> %d %q", tc.file, code, msg)
		})
	}
	// A PNG and a text file are not audio at all.
	for name, content := range map[string][]byte{
		"photo.png": append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 100)...),
		"notes.txt": []byte("hello"),
		"song.flac": append([]byte("fLaC"), make([]byte, 100)...),
	} {
		code, m := s.upload(t, name, content)
		if code < 400 || code >= 500 || m["error"] == nil {
			t.Errorf("upload %s: %d %v, want a 4xx error", name, code, m)
		}
	}
	assertNoMediaStored(t, s)
	// Still serving: a good file goes through.
	s.uploadFile(t, fixture("tone1k_48k.wav"))
}

func assertNoMediaStored(t *testing.T, s *testServer) {
	t.Helper()
	code, m, _ := s.do(t, http.MethodGet, "/api/v1/media", testAdminToken, "", nil)
	if code != 200 || len(m["media"].([]any)) != 0 {
		t.Fatalf("media after failed uploads: %d %v", code, m)
	}
	var files []string
	filepath.Walk(filepath.Join(s.Data, "media"), func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 0 {
		t.Fatalf("files left behind: %v", files)
	}
}

func TestUploadTooLarge(t *testing.T) {
	t.Parallel()
	s := startServer(t, func(c *Config) { c.MaxUploadMB = 1 })
	big := make([]byte, 2<<20)
	rand.Read(big)
	code, m := s.upload(t, "big.mp3", big)
	if code != http.StatusRequestEntityTooLarge || m["error"] == nil {
		t.Fatalf("2 MB upload with a 1 MB limit: %d %v, want 413", code, m)
	}
	assertNoMediaStored(t, s)
}

// TestUploadCutOffMidBody sends half a multipart body and hangs up: no half file may remain.
func TestUploadCutOffMidBody(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, nil)
	b, err := os.ReadFile(fixture("tone523_44k.mp3"))
	if err != nil {
		t.Fatal(err)
	}
	ct, body := multipartBody(t, "tone.mp3", b, "")
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /api/v1/media HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		testAdminToken, ct, len(body))
	conn.Write(body[:len(body)/2])
	time.Sleep(200 * time.Millisecond)
	conn.Close()
	time.Sleep(500 * time.Millisecond)
	assertNoMediaStored(t, s)

	// The same with a body that ends early but a connection that stays open for the answer.
	conn, err = net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	half := body[:len(body)/2]
	fmt.Fprintf(conn, "POST /api/v1/media HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		testAdminToken, ct, len(half))
	conn.Write(half)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("truncated multipart body: %d, want 400 or 422", resp.StatusCode)
	}
	assertNoMediaStored(t, s)
	s.uploadFile(t, fixture("tone523_44k.mp3"))
}

func TestSessionBadInput(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	id := s.uploadFile(t, fixture("tone523_44k.mp3"))
	now := time.Now().Format(time.RFC3339)
	cases := []struct {
		name string
		body string
		want int
	}{
		{"unknown media", `{"title":"x","starts_at":"` + now + `","playlist":[{"media_id":"` + strings.Repeat("0", 64) + `"}]}`, 400},
		{"unparsable starts_at", `{"title":"x","starts_at":"next tuesday","playlist":[{"media_id":"` + id + `"}]}`, 400},
		{"empty playlist", `{"title":"x","starts_at":"` + now + `","playlist":[]}`, 400},
		{"no title", `{"title":"","starts_at":"` + now + `","playlist":[{"media_id":"` + id + `"}]}`, 400},
		{"malformed JSON", `{"title":`, 400},
		{"unknown field", `{"title":"x","starts_at":"` + now + `","playlist":[{"media_id":"` + id + `"}],"colour":"red"}`, 400},
		{"oversized JSON", `{"title":"` + strings.Repeat("x", 2<<20) + `"}`, 413},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, m, _ := s.do(t, http.MethodPost, "/api/v1/sessions", testAdminToken, "application/json", strings.NewReader(tc.body))
			if code != tc.want || m["error"] == nil {
				t.Fatalf("%d %v, want %d with an error", code, m, tc.want)
			}
		})
	}
	code, m, _ := s.do(t, http.MethodGet, "/api/v1/sessions/nosuchsession", testAdminToken, "", nil)
	if code != http.StatusNotFound || m["error"] == nil {
		t.Fatalf("unknown session: %d %v", code, m)
	}
}

func TestAuth(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	id := s.uploadFile(t, fixture("tone523_44k.mp3"))
	sess := s.createSession(t, "Auth", time.Now().Add(time.Hour), false, id)
	sid := sess["id"].(string)
	listener := sess["listener_token"].(string)
	member := sess["member_token"].(string)
	if member == "" || member == listener {
		t.Fatalf("member token %q", member)
	}
	cases := []struct {
		name, method, path, token string
		want                      int
	}{
		{"no token", "GET", "/api/v1/media", "", 401},
		{"wrong token", "GET", "/api/v1/media", "not-the-token", 403},
		{"listener token on host API", "GET", "/api/v1/sessions/" + sid, listener, 403},
		{"listener token uploads", "POST", "/api/v1/media", listener, 403},
		{"listen info without token", "GET", "/api/v1/listen/" + sid, "", 401},
		{"listen info wrong token", "GET", "/api/v1/listen/" + sid, "nope", 403},
		{"listen info unknown session", "GET", "/api/v1/listen/nosuch", listener, 403},
		{"listen info", "GET", "/api/v1/listen/" + sid, listener, 200},
		{"WHEP without token", "POST", "/whep/" + sid, "", 401},
		{"listener token joins with a microphone", "POST", "/api/v1/sessions/" + sid + "/join?name=A", listener, 403},
		{"member token on host API", "GET", "/api/v1/sessions/" + sid, member, 403},
		{"member token mutes someone", "POST", "/api/v1/sessions/" + sid + "/members/x/mute", member, 403},
		{"member token locks the room", "POST", "/api/v1/sessions/" + sid + "/room", member, 403},
		{"member token reads listen info", "GET", "/api/v1/listen/" + sid, member, 200},
		{"events without token", "GET", "/api/v1/sessions/" + sid + "/events", "", 401},
		{"WHEP wrong token", "POST", "/whep/" + sid, "nope", 403},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, m, h := s.do(t, tc.method, tc.path, tc.token, "application/sdp", strings.NewReader("v=0"))
			if code != tc.want {
				t.Fatalf("%d %v, want %d", code, m, tc.want)
			}
			if code >= 400 && m["error"] == nil {
				t.Fatalf("error without a JSON message: %v", m)
			}
			if code == 401 && h.Get("WWW-Authenticate") == "" {
				t.Fatal("401 without WWW-Authenticate")
			}
			if tc.want == 200 && m["listener_token"] != nil {
				t.Fatal("listen info leaks the token")
			}
		})
	}
}

func TestWHEPBadInput(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	id := s.uploadFile(t, fixture("tone523_44k.mp3"))
	sess := s.createSession(t, "WHEP", time.Now(), true, id)
	path := "/whep/" + sess["id"].(string)
	tok := sess["listener_token"].(string)
	_, good, err := testpeer.New()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, ct, body string
		want           int
	}{
		{"malformed", "application/sdp", "this is not sdp", 400},
		{"oversized", "application/sdp", good + strings.Repeat("a=x:"+strings.Repeat("y", 500)+"\r\n", 200), 413},
		{"no audio", "application/sdp", strings.ReplaceAll(good, "m=audio", "m=video"), 400},
		{"wrong content type", "application/json", good, 415},
		{"empty", "application/sdp", "", 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, m, _ := s.do(t, http.MethodPost, path, tok, tc.ct, bytes.NewReader([]byte(tc.body)))
			if code != tc.want || m["error"] == nil {
				t.Fatalf("%d %v, want %d with an error", code, m, tc.want)
			}
		})
	}
	code, _, _ := s.do(t, http.MethodPost, "/whep/nosuch", testAdminToken, "application/sdp", strings.NewReader(good))
	if code != http.StatusNotFound {
		t.Fatalf("WHEP for an unknown session: %d, want 404", code)
	}
	// Trickle is declined the WHEP way; CORS preflight answers.
	code, _, _ = s.do(t, http.MethodPatch, path+"/abc", tok, "application/trickle-ice-sdpfrag", strings.NewReader("a=end-of-candidates"))
	if code != http.StatusMethodNotAllowed {
		t.Fatalf("PATCH: %d, want 405", code)
	}
	code, _, h := s.do(t, http.MethodOptions, path, "", "", nil)
	if code != http.StatusNoContent || h.Get("Access-Control-Allow-Methods") == "" {
		t.Fatalf("OPTIONS: %d %v", code, h)
	}
	// After all that the endpoint still serves a real listener.
	l, _, err := testpeer.DialWHEP(t.Context(), s.URL+path, tok)
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
}
