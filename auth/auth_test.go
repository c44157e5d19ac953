package auth

import (
	"strings"
	"testing"
	"time"
)

var fast = Params{Memory: 1024, Time: 1, Threads: 1}

func TestPasswordRoundTrip(t *testing.T) {
	h, err := HashPassword("correct horse battery", fast)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("hash %q", h)
	}
	for pw, want := range map[string]bool{"correct horse battery": true, "correct horse batterY": false, "": false} {
		ok, err := VerifyPassword(h, pw)
		if err != nil || ok != want {
			t.Errorf("verify %q = %v, %v; want %v", pw, ok, err, want)
		}
	}
	h2, _ := HashPassword("correct horse battery", fast)
	if h2 == h {
		t.Error("two hashes of one password are equal: no salt?")
	}
}

func TestWeakPasswordsRefused(t *testing.T) {
	for _, pw := range []string{"", "short", strings.Repeat("x", 257)} {
		if _, err := HashPassword(pw, fast); err != ErrWeakPassword {
			t.Errorf("%q: %v", pw, err)
		}
	}
}

func TestTamperedHashesRefused(t *testing.T) {
	for _, h := range []string{"", "plain", "$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "$argon2id$v=19$m=1024,t=1,p=1$!!$!!"} {
		if ok, err := VerifyPassword(h, "whatever123"); ok || err != ErrBadHash {
			t.Errorf("%q: %v %v", h, ok, err)
		}
	}
}

func TestThrottle(t *testing.T) {
	th := NewThrottle(3, time.Second, 10*time.Second)
	now := time.Unix(1000, 0)
	for i := 0; i < 3; i++ {
		if ok, _ := th.Allow("k", now); !ok {
			t.Fatalf("attempt %d refused", i)
		}
		th.Fail("k", now)
	}
	th.Fail("k", now)
	if ok, wait := th.Allow("k", now); ok || wait != time.Second {
		t.Fatalf("after 4 failures: %v %v", ok, wait)
	}
	th.Fail("k", now)
	if _, wait := th.Allow("k", now); wait != 2*time.Second {
		t.Fatalf("lockout does not double: %v", wait)
	}
	for i := 0; i < 10; i++ {
		th.Fail("k", now)
	}
	if _, wait := th.Allow("k", now); wait != 10*time.Second {
		t.Fatalf("lockout not capped: %v", wait)
	}
	if ok, _ := th.Allow("other", now); !ok {
		t.Fatal("another key is locked out")
	}
	th.Succeed("k")
	if ok, _ := th.Allow("k", now); !ok {
		t.Fatal("success did not clear")
	}
}
