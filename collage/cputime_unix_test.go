//go:build unix

package collage

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time this process has used. On a shared machine it measures the work a
// benchmark does better than the wall clock, which also counts time other processes held the CPU.
func cpuTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
