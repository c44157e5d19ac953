package disk

import (
	"errors"
	"testing"
)

func TestGuard(t *testing.T) {
	dir := t.TempDir()
	free, err := Free(dir)
	if err != nil || free <= 0 {
		t.Fatalf("Free = %d, %v", free, err)
	}
	if err := (Guard{Dir: dir, MinFree: 1}).Check(); err != nil {
		t.Fatalf("1 byte reserve refused: %v", err)
	}
	if err := (Guard{Dir: dir, MinFree: free + 1<<40}).Check(); !errors.Is(err, ErrFull) {
		t.Fatalf("a reserve above the free space gave %v, want ErrFull", err)
	}
	if err := (Guard{Dir: dir, MinFree: 1}).CheckFor(free + 1<<30); !errors.Is(err, ErrFull) {
		t.Fatalf("a write larger than the free space gave %v, want ErrFull", err)
	}
	if err := (Guard{Dir: dir + "/missing"}).Check(); err == nil || errors.Is(err, ErrFull) {
		t.Fatalf("a missing directory gave %v, want a statfs error", err)
	}
	if err := (Guard{}).Check(); err != nil {
		t.Fatalf("an unset guard refused: %v", err)
	}
}
