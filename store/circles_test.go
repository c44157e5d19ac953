package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestCirclesMigration: a database from before memorial sessions keeps its collages: a session
// that already gathered photos (or played its collage) becomes a memorial, others do not, and
// every session gets a contribution token of its own.
func TestCirclesMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	// The schema as it stood at version 10.
	for i, m := range migrations[:10] {
		if _, err := db.Exec(m); err != nil {
			t.Fatalf("migration %d: %v", i+1, err)
		}
	}
	if _, err := db.Exec(`PRAGMA user_version = 10`); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"with-photos", "final", "plain"} {
		if _, err := db.Exec(`INSERT INTO sessions (id, title, starts_at, loop, crossfade, listener_token, created_at, member_token)
			VALUES (?, ?, 0, 0, 0, 'l', 0, 'm')`, id, id); err != nil {
			t.Fatal(err)
		}
	}
	db.Exec(`INSERT INTO collage_items (id, session_id, kind, ref, caption, contributor, width, height, position, created_at)
		VALUES ('i1', 'with-photos', 'photo', 'p', '', '', 1, 1, 1, 0)`)
	db.Exec(`UPDATE sessions SET collage_final = 1 WHERE id = 'final'`)
	db.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tokens := map[string]bool{}
	for id, want := range map[string]bool{"with-photos": true, "final": true, "plain": false} {
		x, err := s.Session(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if x.Memorial != want {
			t.Errorf("%s: memorial %v, want %v", id, x.Memorial, want)
		}
		if len(x.ContributeToken) < 32 || tokens[x.ContributeToken] || x.ContributeToken == x.MemberToken {
			t.Errorf("%s: contribution token %q is not its own", id, x.ContributeToken)
		}
		tokens[x.ContributeToken] = true
	}
}

// TestClaimInviteHoldsMaxUses: many people claiming a link at once never pass max_uses, and a
// person's second claim is free.
func TestClaimInviteHoldsMaxUses(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	now := time.Now()
	if err := s.CreateGroup(ctx, Group{ID: "g", Name: "Circle", CreatedAt: now}, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateInvite(ctx, Invite{ID: "i", GroupID: "g", Kind: "member", CreatedAt: now, MaxUses: 3}, "secret-token"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if _, err := s.ClaimInvite(ctx, "secret-token", fmt.Sprintf("person-%02d", i), now); err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	list, _ := s.Invites(ctx, "g")
	if ok != 3 || list[0].Uses != 3 || list[0].Token != "secret-token" {
		t.Fatalf("%d claims passed, uses %d, token %q", ok, list[0].Uses, list[0].Token)
	}
	for i := 0; i < 12; i++ {
		if claimed, _ := s.InviteClaimed(ctx, "i", fmt.Sprintf("person-%02d", i)); claimed {
			if _, err := s.ClaimInvite(ctx, "secret-token", fmt.Sprintf("person-%02d", i), now); err != nil {
				t.Fatalf("a second claim by person-%02d: %v", i, err)
			}
		}
	}
	if list, _ = s.Invites(ctx, "g"); list[0].Uses != 3 {
		t.Fatalf("second claims counted: %d", list[0].Uses)
	}
	if _, err := s.ClaimInvite(ctx, "secret-token", "late", now); err != ErrNotFound {
		t.Fatalf("a claim past max_uses: %v", err)
	}
}
