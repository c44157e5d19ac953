// Package disk tells how much room is left where Hearth writes, so a full disk is a state the
// server reports and refuses uploads in, not a crash halfway through a file.
package disk

import (
	"errors"
	"fmt"
	"syscall"
)

// ErrFull means there is not enough free space to accept more data.
var ErrFull = errors.New("the server's disk is full")

// Free is the number of bytes an unprivileged writer may still use in the file system holding dir.
func Free(dir string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, fmt.Errorf("disk space of %s: %w", dir, err)
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}

// Guard refuses work when the file system holding Dir has less than MinFree bytes left.
type Guard struct {
	Dir     string
	MinFree int64
}

// Check returns an error wrapping ErrFull when free space is under MinFree (or under need more
// than that, for a write of a known size), and the statfs error if space cannot be read.
func (g Guard) Check() error { return g.CheckFor(0) }

// CheckFor is Check for a write of need bytes.
func (g Guard) CheckFor(need int64) error {
	if g.Dir == "" {
		return nil
	}
	free, err := Free(g.Dir)
	if err != nil {
		return err
	}
	if free-max(need, 0) < g.MinFree {
		return fmt.Errorf("%w: %d MB free, %d MB kept in reserve", ErrFull, free>>20, g.MinFree>>20)
	}
	return nil
}
