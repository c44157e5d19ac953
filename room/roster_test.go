package room

import (
	"context"
	"slices"
	"testing"
	"time"

	"hearth/internal/testpeer"
)

// rosterNames lists the names of a roster in its order.
func rosterNames(roster any) []string {
	var names []string
	switch r := roster.(type) {
	case []memberJSON:
		for _, e := range r {
			names = append(names, e.Name)
		}
	case []any:
		for _, e := range r {
			names = append(names, e.(map[string]any)["name"].(string))
		}
	}
	return names
}

// TestRosterKeepsJoinOrder: the roster lists members in the order they joined, the same in every
// state message and in the host's API; one leaving leaves the others in their places, and a
// newcomer goes at the end.
func TestRosterKeepsJoinOrder(t *testing.T) {
	r := newTestRoom(t, Config{})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go pump(ctx, r, 440)
	names := []string{"Noor", "Ana", "Zed", "Ben", "Maya", "Eli"}
	peers := map[string]*testpeer.Member{}
	keys := map[string]string{}
	for _, n := range names {
		peers[n], keys[n] = joinMember(t, ctx, r, n)
	}
	check := func(want []string) {
		t.Helper()
		// Each call builds the roster anew from the published list: many calls, one order.
		for range 20 {
			if got := rosterNames(r.Roster()); !slices.Equal(got, want) {
				t.Fatalf("roster %v, want join order %v", got, want)
			}
		}
		// And the members' state messages say the same once the last change has reached them.
		first := peers[want[0]]
		waitFor(t, "a state with everyone", 2*time.Second, func() bool {
			st := first.Messages("state")
			return len(st) > 0 && len(rosterNames(st[len(st)-1]["roster"])) == len(want)
		})
		st := first.Messages("state")
		if got := rosterNames(st[len(st)-1]["roster"]); !slices.Equal(got, want) {
			t.Fatalf("state message's roster %v, want %v", got, want)
		}
	}
	check(names)

	// Zed leaves: the others keep their places.
	if !r.LeaveByKey(keys["Zed"]) {
		t.Fatal("Zed could not leave")
	}
	check([]string{"Noor", "Ana", "Ben", "Maya", "Eli"})

	// A newcomer goes at the end, after everyone already there.
	peers["Ada"], _ = joinMember(t, ctx, r, "Ada")
	check([]string{"Noor", "Ana", "Ben", "Maya", "Eli", "Ada"})

	// The first to arrive leaves; the order of the rest holds.
	if !r.Leave(memberID(t, peers["Noor"])) {
		t.Fatal("Noor could not leave")
	}
	check([]string{"Ana", "Ben", "Maya", "Eli", "Ada"})
}
