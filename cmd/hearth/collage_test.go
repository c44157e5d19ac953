package main

import (
	"bytes"
	"image/jpeg"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func contribute(t *testing.T, s *testServer, path, token, file string, fields map[string]string) (int, map[string]any) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, k := range []string{"caption", "name"} {
		if v, ok := fields[k]; ok {
			w.WriteField(k, v)
		}
	}
	fw, _ := w.CreateFormFile("file", filepath.Base(file))
	fw.Write(b)
	w.Close()
	code, m, _ := s.do(t, http.MethodPost, path, token, w.FormDataContentType(), &buf)
	return code, m
}

// TestCollageContributions: members add photos (made upright, stripped of every byte of metadata,
// GPS included) and songs through their link; the host reviews, recaptions, removes and finalizes;
// a locked collage takes no more; bad files get clear errors.
func TestCollageContributions(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	id := s.uploadFile(t, fixture("tone523_44k.mp3"))
	sess := s.createSession(t, "For Grandma", time.Now().Add(time.Hour), false, id)
	s.makeMemorial(t, sess)
	sid := sess["id"].(string)
	member, listener := sess["member_token"].(string), sess["listener_token"].(string)
	P := "/api/v1/sessions/" + sid + "/collage"
	photo := func(name string) string { return filepath.Join("..", "..", "media", "photo", "testdata", name) }

	// Finalizing an empty collage says what is missing.
	code, m := s.postJSON(t, P+"/finalize", map[string]any{})
	if code != 400 || !strings.Contains(m["error"].(string), "empty") {
		t.Fatalf("finalize empty: %d %v", code, m)
	}
	// A phone photo with GPS and a rotate-90 orientation.
	code, gps := contribute(t, s, P+"/photos", member, photo("phone_gps.jpg"), map[string]string{"caption": "Grandma at the lake, 1972", "name": "Ana"})
	if code != 201 {
		t.Fatalf("photo: %d %v", code, gps)
	}
	code, rot := contribute(t, s, P+"/photos", member, photo("orient6.jpg"), nil)
	if code != 201 {
		t.Fatalf("rotated photo: %d %v", code, rot)
	}
	// What is stored and served carries no metadata at all, and is upright.
	resp, err := http.Get(s.URL + gps["url"].(string) + "?t=" + listener)
	if err != nil {
		t.Fatal(err)
	}
	served, _ := readBody(resp)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("serve photo: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, leak := range []string{"Exif", "GPS", "http://ns.adobe.com/xap", "ICC_PROFILE"} {
		if bytes.Contains(served, []byte(leak)) {
			t.Fatalf("the served photo still contains %q", leak)
		}
	}
	src, _ := os.Open(photo("orient6.jpg"))
	cfg, _ := jpeg.DecodeConfig(src)
	src.Close()
	if w, h := int(rot["width"].(float64)), int(rot["height"].(float64)); w != cfg.Height || h != cfg.Width {
		t.Fatalf("orientation 6 photo is %dx%d, stored pixels %dx%d: not turned upright", w, h, cfg.Width, cfg.Height)
	}
	// Bad files: HEIC, text named .jpg.
	code, m = contribute(t, s, P+"/photos", member, photo("iphone.heic"), nil)
	if code != 415 || !strings.Contains(m["error"].(string), "JPEG") {
		t.Fatalf("HEIC: %d %v", code, m)
	}
	code, m = contribute(t, s, P+"/photos", member, photo("notes.jpg"), nil)
	if code < 400 || code >= 500 || m["error"] == nil {
		t.Fatalf("text named .jpg: %d %v", code, m)
	}
	// A listener may look but not contribute.
	if code, _ = contribute(t, s, P+"/photos", listener, photo("orient8.jpg"), nil); code != 403 {
		t.Fatalf("listener contributes: %d", code)
	}
	// Photos but no songs yet.
	code, m = s.postJSON(t, P+"/finalize", map[string]any{})
	if code != 400 || !strings.Contains(m["error"].(string), "no songs") {
		t.Fatalf("finalize without songs: %d %v", code, m)
	}
	// Songs that cannot be played are turned away when they are added, not at the session.
	for _, bad := range []string{"bad_truncated.mp3", "bad_wav_renamed.mp3", "bad_random.mp3", "bad_empty.mp3"} {
		code, m := contribute(t, s, P+"/songs", member, fixture(bad), nil)
		if code < 400 || code >= 500 || m["error"] == nil || m["error"] == "" {
			t.Fatalf("song %s: %d %v", bad, code, m)
		}
	}
	code, song := contribute(t, s, P+"/songs", member, fixture("beep7s_14s.mp3"), map[string]string{"caption": "Her favourite", "name": "Ben"})
	if code != 201 || song["kind"] != "song" {
		t.Fatalf("song: %d %v", code, song)
	}
	// The host recaptions, reorders and removes.
	code, upd, _ := s.do(t, http.MethodPatch, P+"/items/"+rot["id"].(string), testAdminToken, "application/json",
		strings.NewReader(`{"caption":"The garden","position":0}`))
	if code != 200 || upd["caption"] != "The garden" {
		t.Fatalf("recaption: %d %v", code, upd)
	}
	_, list, _ := s.do(t, http.MethodGet, P+"?t="+member, "", "", nil)
	items := list["items"].([]any)
	if len(items) != 3 || items[0].(map[string]any)["id"] != rot["id"] {
		t.Fatalf("collage order: %v", items)
	}
	if code, _, _ = s.do(t, http.MethodPatch, P+"/items/"+rot["id"].(string), member, "application/json", strings.NewReader(`{"caption":"x"}`)); code != 403 {
		t.Fatalf("a member edits: %d, want 403", code)
	}
	if code, _, _ = s.do(t, http.MethodDelete, P+"/items/"+gps["id"].(string), testAdminToken, "", nil); code != 204 {
		t.Fatalf("remove: %d", code)
	}
	// Finalize locks it; contributions after that are refused.
	code, m = s.postJSON(t, P+"/finalize", map[string]any{})
	if code != 200 || m["locked"] != true {
		t.Fatalf("finalize: %d %v", code, m)
	}
	code, m = contribute(t, s, P+"/photos", member, photo("orient8.jpg"), nil)
	if code != 409 {
		t.Fatalf("contribution after lock: %d %v", code, m)
	}
	// The removed photo's file is gone; nothing but cleaned JPEGs is stored.
	files, _ := filepath.Glob(filepath.Join(s.Data, "photos", "*"))
	if len(files) != 1 || !strings.HasSuffix(files[0], ".jpg") {
		t.Fatalf("photo files: %v", files)
	}
}
