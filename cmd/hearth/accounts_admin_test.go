package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"hearth/api"
	"hearth/auth"
	"hearth/clock"
	"hearth/store"
)

// signIn signs a fresh browser-like client in and fails the test otherwise.
func signIn(t *testing.T, s *testServer, username, password string) *browserClient {
	t.Helper()
	b := newBrowserClient(t, s)
	code, m := b.do("POST", "/api/v1/auth/login", map[string]any{"username": username, "password": password}, false)
	if code != 200 {
		t.Fatalf("sign in %s: %d %v", username, code, m)
	}
	b.csrf = m["csrf_token"].(string)
	return b
}

func hostToken(t *testing.T, b *browserClient) string {
	t.Helper()
	code, m := b.do("POST", "/api/v1/tokens", map[string]any{"name": "script"}, true)
	if code != 201 {
		t.Fatalf("token: %d %v", code, m)
	}
	return m["token"].(string)
}

func (s *testServer) doJSON(t *testing.T, method, path, token string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	ct := ""
	if body != nil {
		raw, _ := json.Marshal(body)
		rd, ct = bytes.NewReader(raw), "application/json"
	}
	code, m, _ := s.do(t, method, path, token, ct, rd)
	return code, m
}

func wantCode(t *testing.T, what string, code int, m map[string]any, want int, wantErrCode string) {
	t.Helper()
	if code != want {
		t.Fatalf("%s: %d %v, want %d", what, code, m, want)
	}
	if want >= 400 && m["error"] == nil {
		t.Fatalf("%s: %d without a JSON error: %v", what, code, m)
	}
	if wantErrCode != "" && m["code"] != wantErrCode {
		t.Fatalf("%s: code %v, want %s (%v)", what, m["code"], wantErrCode, m["error"])
	}
}

func createHost(t *testing.T, s *testServer, username string, admin bool) string {
	t.Helper()
	code, m := s.postJSON(t, "/api/v1/hosts", map[string]any{"username": username, "password": "a long passphrase", "admin": admin})
	if code != 201 {
		t.Fatalf("create %s: %d %v", username, code, m)
	}
	return m["id"].(string)
}

// TestDisabledHostStopsAtOnce: switching an account off ends its open browser session and
// refuses its API token on the very next request; switching it on lets the token work again
// (the browser signs in again).
func TestDisabledHostStopsAtOnce(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, nil)
	id := createHost(t, s, "maria", false)
	b := signIn(t, s, "maria", "a long passphrase")
	tok := hostToken(t, b)
	if code, _, _ := s.do(t, "GET", "/api/v1/groups", tok, "", nil); code != 200 {
		t.Fatalf("token before: %d", code)
	}
	code, m := s.doJSON(t, "PATCH", "/api/v1/hosts/"+id, testAdminToken, map[string]any{"disabled": true})
	wantCode(t, "disable", code, m, 200, "")
	if m["disabled"] != true {
		t.Fatalf("disable answer: %v", m)
	}
	if code, m := b.do("GET", "/api/v1/groups", nil, false); code != 401 {
		t.Fatalf("cookie after disable: %d %v, want 401", code, m)
	}
	if code, _, _ := s.do(t, "GET", "/api/v1/groups", tok, "", nil); code != 403 {
		t.Fatalf("token after disable: %d, want 403", code)
	}
	// A disabled host cannot sign in, and is told nothing more than a wrong password would be.
	code, m = newBrowserClient(t, s).do("POST", "/api/v1/auth/login", map[string]any{"username": "maria", "password": "a long passphrase"}, false)
	wantCode(t, "sign in while disabled", code, m, 401, "")
	// Nor get a reset link made.
	code, m = s.doJSON(t, "POST", "/api/v1/hosts/"+id+"/reset-link", testAdminToken, nil)
	wantCode(t, "reset link for a disabled host", code, m, 409, "account_disabled")

	code, m = s.doJSON(t, "GET", "/api/v1/hosts", testAdminToken, nil)
	wantCode(t, "list", code, m, 200, "")
	if hs := m["hosts"].([]any); len(hs) != 1 || hs[0].(map[string]any)["disabled"] != true {
		t.Fatalf("list shows: %v", hs)
	}
	code, m = s.doJSON(t, "PATCH", "/api/v1/hosts/"+id, testAdminToken, map[string]any{"disabled": false})
	wantCode(t, "enable", code, m, 200, "")
	if code, _, _ := s.do(t, "GET", "/api/v1/groups", tok, "", nil); code != 200 {
		t.Fatalf("token after enable: %d", code)
	}
	if code, _ := b.do("GET", "/api/v1/groups", nil, false); code != 401 {
		t.Fatalf("the old browser session came back: %d", code)
	}
	signIn(t, s, "maria", "a long passphrase")

	for name, tc := range map[string]struct {
		path, body string
		want       int
	}{
		"no field":      {"/api/v1/hosts/" + id, `{}`, 400},
		"wrong type":    {"/api/v1/hosts/" + id, `{"disabled":"yes"}`, 400},
		"unknown field": {"/api/v1/hosts/" + id, `{"disabled":true,"admin":true}`, 400},
		"not JSON":      {"/api/v1/hosts/" + id, `disabled`, 400},
		"huge":          {"/api/v1/hosts/" + id, `{"disabled":true,"x":"` + strings.Repeat("a", 2<<20) + `"}`, 413},
		"unknown host":  {"/api/v1/hosts/nosuch", `{"disabled":true}`, 404},
	} {
		code, m, _ := s.do(t, "PATCH", tc.path, testAdminToken, "application/json", strings.NewReader(tc.body))
		if code != tc.want || m["error"] == nil {
			t.Errorf("%s: %d %v, want %d", name, code, m, tc.want)
		}
	}
}

// TestAdminCannotLockThemselvesOut: an admin cannot switch off or delete their own account, nor
// the last admin account that can sign in.
func TestAdminCannotLockThemselvesOut(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	annID := createHost(t, s, "ann", true)
	ann := signIn(t, s, "ann", "a long passphrase")
	code, m := ann.do("PATCH", "/api/v1/hosts/"+annID, map[string]any{"disabled": true}, true)
	wantCode(t, "disable self", code, m, 409, "own_account")
	code, m = ann.do("DELETE", "/api/v1/hosts/"+annID, nil, true)
	wantCode(t, "delete self", code, m, 409, "own_account")
	// With the admin token (the API's bootstrap key) ann is the last admin who can sign in.
	code, m = s.doJSON(t, "DELETE", "/api/v1/hosts/"+annID, testAdminToken, nil)
	wantCode(t, "delete last admin", code, m, 409, "last_admin")
	code, m = s.doJSON(t, "PATCH", "/api/v1/hosts/"+annID, testAdminToken, map[string]any{"disabled": true})
	wantCode(t, "disable last admin", code, m, 409, "last_admin")
	// With a second admin, ann may switch off the first... the other way round: bob goes.
	bobID := createHost(t, s, "bob", true)
	code, m = ann.do("PATCH", "/api/v1/hosts/"+bobID, map[string]any{"disabled": true}, true)
	wantCode(t, "disable another admin", code, m, 200, "")
	// A host who is not an admin may not manage accounts.
	createHost(t, s, "cara", false)
	cara := signIn(t, s, "cara", "a long passphrase")
	code, m = cara.do("PATCH", "/api/v1/hosts/"+annID, map[string]any{"disabled": true}, true)
	wantCode(t, "host disables admin", code, m, 403, "")
	code, m = cara.do("POST", "/api/v1/hosts/"+annID+"/reset-link", nil, true)
	wantCode(t, "host makes reset link", code, m, 403, "")
}

// TestDeleteHostHandsOverCircles: deleting the only owner of a circle is refused with a 409 that
// lists it, unless another host takes it over; circles the host only co-hosted just lose them.
func TestDeleteHostHandsOverCircles(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	mariaID := createHost(t, s, "maria", false)
	joID := createHost(t, s, "joan", false)
	offID := createHost(t, s, "off", false)
	maria := signIn(t, s, "maria", "a long passphrase")
	mariaTok := hostToken(t, maria)
	jo := signIn(t, s, "joan", "a long passphrase")
	code, g := maria.do("POST", "/api/v1/groups", map[string]any{"name": "Tuesday grief circle"}, true)
	wantCode(t, "maria's circle", code, g, 201, "")
	gid := g["id"].(string)
	code, g2 := jo.do("POST", "/api/v1/groups", map[string]any{"name": "Jo's circle"}, true)
	wantCode(t, "jo's circle", code, g2, 201, "")
	if code, m := jo.do("POST", "/api/v1/groups/"+g2["id"].(string)+"/hosts", map[string]any{"username": "maria"}, true); code != 201 {
		t.Fatalf("co-host: %d %v", code, m)
	}

	code, m := s.doJSON(t, "GET", "/api/v1/hosts", testAdminToken, nil)
	wantCode(t, "list", code, m, 200, "")
	for _, h := range m["hosts"].([]any) {
		h := h.(map[string]any)
		owned := h["sole_owner_of"].([]any)
		if h["username"] == "maria" && (len(owned) != 1 || owned[0].(map[string]any)["name"] != "Tuesday grief circle") {
			t.Fatalf("maria's sole-owned circles: %v", owned)
		}
	}
	code, m = s.doJSON(t, "DELETE", "/api/v1/hosts/"+mariaID, testAdminToken, nil)
	wantCode(t, "delete sole owner", code, m, 409, "sole_owner")
	if cs := m["circles"].([]any); len(cs) != 1 || cs[0].(map[string]any)["id"] != gid || !strings.Contains(m["error"].(string), "Tuesday grief circle") {
		t.Fatalf("409 lists: %v", m)
	}
	s.doJSON(t, "PATCH", "/api/v1/hosts/"+offID, testAdminToken, map[string]any{"disabled": true})
	for name, q := range map[string]string{"unknown heir": "nosuch", "heir is the host": mariaID, "heir switched off": offID} {
		code, m = s.doJSON(t, "DELETE", "/api/v1/hosts/"+mariaID+"?transfer_to="+q, testAdminToken, nil)
		wantCode(t, name, code, m, 400, "bad_transfer")
	}
	// Nothing changed on the refusals: maria still works.
	if code, _, _ := s.do(t, "GET", "/api/v1/groups/"+gid, mariaTok, "", nil); code != 200 {
		t.Fatalf("maria after refusals: %d", code)
	}
	code, m = s.doJSON(t, "DELETE", "/api/v1/hosts/"+mariaID+"?transfer_to="+joID, testAdminToken, nil)
	wantCode(t, "delete with hand-over", code, m, 204, "")
	if code, _, _ := s.do(t, "GET", "/api/v1/groups", mariaTok, "", nil); code != 403 {
		t.Fatalf("deleted host's token: %d, want 403", code)
	}
	if code, _ := maria.do("GET", "/api/v1/groups", nil, false); code != 401 {
		t.Fatalf("deleted host's cookie: %d, want 401", code)
	}
	code, m = jo.do("GET", "/api/v1/groups/"+gid, nil, false)
	wantCode(t, "jo owns the circle", code, m, 200, "")
	if hs, _ := m["hosts"].([]any); len(hs) != 1 || hs[0].(map[string]any)["username"] != "joan" || hs[0].(map[string]any)["role"] != "owner" {
		t.Fatalf("the circle's hosts after the hand-over: %v", m["hosts"])
	}
	code, audit := jo.do("GET", "/api/v1/groups/"+gid+"/audit", nil, false)
	if code != 200 || !strings.Contains(mustJSON(audit), "owner_transferred") {
		t.Fatalf("audit: %d %v", code, audit)
	}
	code, m = s.doJSON(t, "DELETE", "/api/v1/hosts/"+mariaID, testAdminToken, nil)
	wantCode(t, "delete twice", code, m, 404, "")
	// A co-host only: deleted at once, the circle keeps its owner.
	code, m = s.doJSON(t, "DELETE", "/api/v1/hosts/"+offID, testAdminToken, nil)
	wantCode(t, "delete a host without circles", code, m, 204, "")
}

var resetURL = regexp.MustCompile(`/dashboard#/reset/([A-Z2-7]{26})$`)

// TestResetLink: the admin's reset link sets a new password once; reused, replaced, malformed,
// unknown or another account's links are refused with clear 4xx answers, and the reset ends the
// host's other sign-ins.
func TestResetLink(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	id := createHost(t, s, "maria", false)
	createHost(t, s, "joan", false)
	old := signIn(t, s, "maria", "a long passphrase")

	code, m := s.doJSON(t, "POST", "/api/v1/hosts/"+id+"/reset-link", testAdminToken, nil)
	wantCode(t, "first link", code, m, 201, "")
	first := resetURL.FindStringSubmatch(m["url"].(string))
	code, m = s.doJSON(t, "POST", "/api/v1/hosts/"+id+"/reset-link", testAdminToken, nil)
	wantCode(t, "second link", code, m, 201, "")
	sm := resetURL.FindStringSubmatch(m["url"].(string))
	if first == nil || sm == nil || m["username"] != "maria" {
		t.Fatalf("reset link answer: %v", m)
	}
	token := sm[1]
	if exp, err := time.Parse(time.RFC3339, m["expires_at"].(string)); err != nil || time.Until(exp) < 23*time.Hour || time.Until(exp) > 25*time.Hour {
		t.Fatalf("expires_at %v (%v)", m["expires_at"], err)
	}
	code, m = s.doJSON(t, "GET", "/api/v1/account-links/"+token, "", nil)
	wantCode(t, "peek", code, m, 200, "")
	if m["kind"] != "reset" || m["username"] != "maria" {
		t.Fatalf("peek: %v", m)
	}
	code, m = s.doJSON(t, "GET", "/api/v1/account-links/"+first[1], "", nil)
	wantCode(t, "replaced link", code, m, 410, "link_replaced")

	for name, tc := range map[string]struct {
		token string
		body  any
		want  int
		code  string
	}{
		"malformed":       {"not-a-token", map[string]any{"username": "maria", "password": "a new long passphrase"}, 400, "link_malformed"},
		"lower case":      {strings.ToLower(token), map[string]any{"username": "maria", "password": "a new long passphrase"}, 400, "link_malformed"},
		"too long":        {token + "A", map[string]any{"username": "maria", "password": "a new long passphrase"}, 400, "link_malformed"},
		"unknown":         {auth.NewToken(""), map[string]any{"username": "maria", "password": "a new long passphrase"}, 404, "link_unknown"},
		"another account": {token, map[string]any{"username": "joan", "password": "a new long passphrase"}, 403, "link_other_account"},
		"no username":     {token, map[string]any{"password": "a new long passphrase"}, 403, "link_other_account"},
		"weak password":   {token, map[string]any{"username": "maria", "password": "short"}, 400, "password_weak"},
		"replaced":        {first[1], map[string]any{"username": "maria", "password": "a new long passphrase"}, 410, "link_replaced"},
		"unknown field":   {token, map[string]any{"username": "maria", "password": "a new long passphrase", "admin": true}, 400, ""},
	} {
		code, m := s.doJSON(t, "POST", "/api/v1/account-links/"+tc.token, "", tc.body)
		if code != tc.want || m["error"] == nil || (tc.code != "" && m["code"] != tc.code) {
			t.Errorf("%s: %d %v, want %d %s", name, code, m, tc.want, tc.code)
		}
	}
	b := newBrowserClient(t, s)
	code, m = b.do("POST", "/api/v1/account-links/"+token, map[string]any{"username": "Maria", "password": "a new long passphrase"}, false)
	wantCode(t, "use", code, m, 200, "")
	if m["host"].(map[string]any)["username"] != "maria" || m["csrf_token"] == "" {
		t.Fatalf("use answer: %v", m)
	}
	if code, _ := b.do("GET", "/api/v1/auth/me", nil, false); code != 200 {
		t.Fatalf("signed in by the link: %d", code)
	}
	if code, _ := old.do("GET", "/api/v1/auth/me", nil, false); code != 401 {
		t.Fatalf("the old sign-in survived a reset: %d", code)
	}
	code, m = s.doJSON(t, "POST", "/api/v1/account-links/"+token, "", map[string]any{"username": "maria", "password": "another long passphrase"})
	wantCode(t, "reuse", code, m, 410, "link_used")
	code, m = s.doJSON(t, "GET", "/api/v1/account-links/"+token, "", nil)
	wantCode(t, "peek used", code, m, 410, "link_used")
	signIn(t, s, "maria", "a new long passphrase")
	if code, _ := newBrowserClient(t, s).do("POST", "/api/v1/auth/login", map[string]any{"username": "maria", "password": "a long passphrase"}, false); code != 401 {
		t.Fatalf("old password still works: %d", code)
	}
	// A link made before the account was switched off does not work while it is off.
	code, m = s.doJSON(t, "POST", "/api/v1/hosts/"+id+"/reset-link", testAdminToken, nil)
	wantCode(t, "third link", code, m, 201, "")
	third := resetURL.FindStringSubmatch(m["url"].(string))[1]
	s.doJSON(t, "PATCH", "/api/v1/hosts/"+id, testAdminToken, map[string]any{"disabled": true})
	code, m = s.doJSON(t, "POST", "/api/v1/account-links/"+third, "", map[string]any{"username": "maria", "password": "a third long passphrase"})
	wantCode(t, "link of a disabled host", code, m, 403, "account_disabled")
	code, m = s.doJSON(t, "POST", "/api/v1/hosts/nosuch/reset-link", testAdminToken, nil)
	wantCode(t, "reset link for nobody", code, m, 404, "")
}

// TestChangePassword: a host changes their own password with the current one; their other
// sign-ins end, this one stays.
func TestChangePassword(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	createHost(t, s, "maria", false)
	b := signIn(t, s, "maria", "a long passphrase")
	other := signIn(t, s, "maria", "a long passphrase")
	tok := hostToken(t, b)
	for name, tc := range map[string]struct {
		body any
		want int
		code string
	}{
		"wrong current": {map[string]any{"current_password": "not my password", "new_password": "a new long passphrase"}, 403, "wrong_password"},
		"weak new":      {map[string]any{"current_password": "a long passphrase", "new_password": "short"}, 400, "password_weak"},
		"too long new":  {map[string]any{"current_password": "a long passphrase", "new_password": strings.Repeat("é", 257)}, 400, "password_weak"},
		"same":          {map[string]any{"current_password": "a long passphrase", "new_password": "a long passphrase"}, 400, "password_unchanged"},
		"not JSON":      {"nope", 400, ""},
	} {
		code, m := b.do("POST", "/api/v1/auth/password", tc.body, true)
		if code != tc.want || m["error"] == nil || (tc.code != "" && m["code"] != tc.code) {
			t.Errorf("%s: %d %v, want %d %s", name, code, m, tc.want, tc.code)
		}
	}
	if code, _ := b.do("POST", "/api/v1/auth/password", map[string]any{"current_password": "a long passphrase", "new_password": "a new long passphrase"}, false); code != 403 {
		t.Fatalf("change without CSRF: %d", code)
	}
	// The admin token is no host account.
	code, m := s.doJSON(t, "POST", "/api/v1/auth/password", testAdminToken, map[string]any{"current_password": "x", "new_password": "a new long passphrase"})
	wantCode(t, "admin token", code, m, 400, "")
	code, m = b.do("POST", "/api/v1/auth/password", map[string]any{"current_password": "a long passphrase", "new_password": "a new long passphrase"}, true)
	wantCode(t, "change", code, m, 204, "")
	if code, _ := b.do("GET", "/api/v1/auth/me", nil, false); code != 200 {
		t.Fatalf("this sign-in ended: %d", code)
	}
	if code, _ := other.do("GET", "/api/v1/auth/me", nil, false); code != 401 {
		t.Fatalf("the other sign-in survived: %d", code)
	}
	if code, _, _ := s.do(t, "GET", "/api/v1/groups", tok, "", nil); code != 200 {
		t.Fatalf("API token after a password change: %d", code)
	}
	signIn(t, s, "maria", "a new long passphrase")
	// Guessing the current password is throttled like sign-in.
	var last int
	for i := 0; i < 8; i++ {
		last, _ = b.do("POST", "/api/v1/auth/password", map[string]any{"current_password": "guess " + strings.Repeat("x", i+5), "new_password": "a third long passphrase"}, true)
	}
	if last != http.StatusTooManyRequests {
		t.Fatalf("after 8 wrong current passwords: %d, want 429", last)
	}
}

var setupURL = regexp.MustCompile(`(http://\S+)/dashboard#/setup/([A-Z2-7]{26})`)

// TestSetupLink: the first start prints the dashboard, a setup link and (with the demo) its join
// and listen links; the setup link creates the first admin once, and the admin token keeps working
// for scripts.
func TestSetupLink(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, nil)
	out := s.out.String()
	m := setupURL.FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "Dashboard for hosts:  "+s.URL+"/dashboard") {
		t.Fatalf("first start output:\n%s", out)
	}
	token := m[2]
	code, info := s.doJSON(t, "GET", "/api/v1/account-links/"+token, "", nil)
	wantCode(t, "peek", code, info, 200, "")
	if info["kind"] != "setup" {
		t.Fatalf("peek: %v", info)
	}
	for name, tc := range map[string]struct {
		body any
		want int
		code string
	}{
		"bad username":  {map[string]any{"username": "a b", "password": "a long passphrase"}, 400, "username_invalid"},
		"html username": {map[string]any{"username": "<b>x</b>", "password": "a long passphrase"}, 400, "username_invalid"},
		"weak password": {map[string]any{"username": "ann", "password": "123"}, 400, "password_weak"},
		"empty body":    {map[string]any{}, 400, ""},
	} {
		code, m := s.doJSON(t, "POST", "/api/v1/account-links/"+token, "", tc.body)
		if code != tc.want || m["error"] == nil || (tc.code != "" && m["code"] != tc.code) {
			t.Errorf("%s: %d %v, want %d %s", name, code, m, tc.want, tc.code)
		}
	}
	b := newBrowserClient(t, s)
	code, res := b.do("POST", "/api/v1/account-links/"+token, map[string]any{"username": "ann", "password": "a long passphrase"}, false)
	wantCode(t, "setup", code, res, 200, "")
	if h := res["host"].(map[string]any); h["username"] != "ann" || h["admin"] != true {
		t.Fatalf("setup made: %v", res)
	}
	b.csrf = res["csrf_token"].(string)
	if code, m := b.do("POST", "/api/v1/hosts", map[string]any{"username": "maria", "password": "a long passphrase"}, true); code != 201 {
		t.Fatalf("the first admin adds a host: %d %v", code, m)
	}
	code, m2 := s.doJSON(t, "POST", "/api/v1/account-links/"+token, "", map[string]any{"username": "eve", "password": "a long passphrase"})
	wantCode(t, "setup twice", code, m2, 410, "link_used")
	// The admin token still works for automation.
	if code, m := s.postJSON(t, "/api/v1/hosts", map[string]any{"username": "bot", "password": "a long passphrase"}); code != 201 {
		t.Fatalf("admin token: %d %v", code, m)
	}
	// A restart with accounts prints no setup link.
	s.shutdown(t)
	s2 := startServer(t, func(c *Config) { c.Data = s.Data })
	if strings.Contains(s2.out.String(), "/dashboard#/setup/") {
		t.Fatalf("a setup link was printed although accounts exist:\n%s", s2.out.String())
	}
}

// TestFirstRunOutput: with the demo on, the first start names the demo's join and listen links,
// and says phones need HTTPS.
func TestFirstRunOutput(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, func(c *Config) { c.Demo = true })
	out := s.out.String()
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`Join with a microphone:  ` + regexp.QuoteMeta(s.URL) + `/join/\S+#t=\S+`),
		regexp.MustCompile(`Listen only:             ` + regexp.QuoteMeta(s.URL) + `/listen/\S+#t=\S+`),
		regexp.MustCompile(`docs/DEPLOYMENT\.md`),
		setupURL,
	} {
		if !want.MatchString(out) {
			t.Errorf("first start output lacks %s:\n%s", want, out)
		}
	}
	join := regexp.MustCompile(`/join/(\S+)#t=(\S+)`).FindStringSubmatch(out)
	if code, m, _ := s.do(t, "GET", "/api/v1/listen/"+join[1], join[2], "", nil); code != 200 {
		t.Fatalf("the printed join link's token: %d %v", code, m)
	}
}

// TestAccountLinksExpire drives the API on a fake clock: setup and reset links work until 24
// hours have passed, and then answer 410 link_expired.
func TestAccountLinksExpire(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "hearth.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	clk := clock.NewFake(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	cheap := auth.Params{Memory: 1024, Time: 1, Threads: 1}
	h := api.New(api.Config{AdminTokenHash: api.HashToken(testAdminToken), Clock: clk, PasswordParams: &cheap},
		nil, nil, nil, nil, st, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	srv := httptest.NewServer(h)
	defer srv.Close()
	s := &testServer{URL: srv.URL}

	path, err := api.SetupLinkPath(ctx, st, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	setup := path[strings.LastIndex(path, "/")+1:]
	clk.Advance(api.AccountLinkLife - time.Second)
	code, m := s.doJSON(t, "GET", "/api/v1/account-links/"+setup, "", nil)
	wantCode(t, "setup link just before expiry", code, m, 200, "")
	clk.Advance(time.Second)
	code, m = s.doJSON(t, "POST", "/api/v1/account-links/"+setup, "", map[string]any{"username": "ann", "password": "a long passphrase"})
	wantCode(t, "expired setup link", code, m, 410, "link_expired")

	// A new setup link works; after setup, an older unexpired one answers setup_done.
	path, _ = api.SetupLinkPath(ctx, st, clk.Now())
	code, m = s.doJSON(t, "POST", "/api/v1/account-links/"+path[strings.LastIndex(path, "/")+1:], "", map[string]any{"username": "ann", "password": "a long passphrase"})
	wantCode(t, "fresh setup link", code, m, 200, "")

	code, m = s.doJSON(t, "POST", "/api/v1/hosts", testAdminToken, map[string]any{"username": "maria", "password": "a long passphrase"})
	wantCode(t, "host", code, m, 201, "")
	code, m = s.doJSON(t, "POST", "/api/v1/hosts/"+m["id"].(string)+"/reset-link", testAdminToken, nil)
	wantCode(t, "reset link", code, m, 201, "")
	if m["expires_at"] != clk.Now().Add(24*time.Hour).UTC().Format(time.RFC3339) {
		t.Fatalf("expires_at %v on the fake clock %v", m["expires_at"], clk.Now())
	}
	reset := resetURL.FindStringSubmatch(m["url"].(string))[1]
	clk.Advance(24 * time.Hour)
	code, m = s.doJSON(t, "GET", "/api/v1/account-links/"+reset, "", nil)
	wantCode(t, "expired reset link", code, m, 410, "link_expired")
	code, m = s.doJSON(t, "POST", "/api/v1/account-links/"+reset, "", map[string]any{"username": "maria", "password": "a new long passphrase"})
	wantCode(t, "use an expired reset link", code, m, 410, "link_expired")

	// Browser sessions follow the same clock: a week later the cookie has lapsed.
	b := &browserClient{t: t, s: s, c: &http.Client{Jar: newJar()}}
	if code, m := b.do("POST", "/api/v1/auth/login", map[string]any{"username": "maria", "password": "a long passphrase"}, false); code != 200 {
		t.Fatalf("sign in: %d %v", code, m)
	}
	clk.Advance(7*24*time.Hour + time.Second)
	if code, _ := b.do("GET", "/api/v1/auth/me", nil, false); code != 401 {
		t.Fatalf("a week-old sign-in: %d, want 401", code)
	}
}

func newJar() http.CookieJar {
	j, _ := cookiejar.New(nil)
	return j
}
