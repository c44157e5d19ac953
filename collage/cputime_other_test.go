//go:build !unix

package collage

import "time"

// cpuTime is unavailable here; benchmarks report wall-clock rates only.
func cpuTime() (time.Duration, bool) { return 0, false }
