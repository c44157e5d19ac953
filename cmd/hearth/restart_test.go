package main

import (
	"context"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"hearth/internal/testpeer"
)

// process is a hearth binary running as a child process.
type process struct {
	cmd *exec.Cmd
	out *syncBuffer
}

func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "hearth")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startProcess(t *testing.T, bin, addr, data string) *process {
	t.Helper()
	p := &process{out: &syncBuffer{}}
	p.cmd = exec.Command(bin, "--addr", addr, "--data", data, "--demo=false")
	p.cmd.Env = append(os.Environ(), "HEARTH_ADMIN_TOKEN="+testAdminToken, "HEARTH_LOOPBACK=true")
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
		if t.Failed() {
			t.Logf("process log:\n%s", p.out.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("hearth did not become healthy: %v\n%s", err, p.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// playedPosition listens until it has heard `want` step changes in the steps fixture (200 + 10*k Hz
// during second k), or until timeout, and returns for each the error between when the stream reached
// second k and when the timeline says it should have (start + k s).
func playedPosition(t *testing.T, whep, token string, start time.Time, want int, timeout time.Duration) []time.Duration {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout+10*time.Second)
	defer cancel()
	l, _, err := testpeer.DialWHEP(ctx, whep, token)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	deadline := time.Now().Add(timeout)
	var errs []time.Duration
	var heard []int
	for time.Now().Before(deadline) {
		time.Sleep(250 * time.Millisecond)
		errs, heard = stepErrors(l.Packets(), l, start)
		if len(errs) >= want {
			return errs
		}
	}
	pcm, derrs := l.PCM()
	t.Fatalf("heard %d of %d step changes in %s: %d packets, %.1f s decoded, %d decode errors, steps heard %v",
		len(errs), want, timeout, len(l.Packets()), float64(len(pcm))/2/48000, derrs, heard)
	return nil
}

func stepErrors(pkts []testpeer.Packet, l *testpeer.Listener, start time.Time) ([]time.Duration, []int) {
	pcm, _ := l.PCM()
	left := testpeer.Left(pcm)
	// Each packet decodes to 960 samples; classify 100 ms windows (5 packets) by step.
	const win = 5
	var errs []time.Duration
	var heard []int
	prev := -1     // the last step heard cleanly
	straddle := -1 // the window where the stream left step prev, if one was unclean
	for w := 0; (w+1)*win*960 <= len(left) && (w+1)*win <= len(pkts); w++ {
		f := testpeer.Frequency(left[w*win*960:(w+1)*win*960], 48000)
		k := int(math.Round((f - 200) / 10))
		if math.Abs(f-float64(200+10*k)) > 2.5 {
			// A window straddling a step change (or silence): the change happened inside it.
			if straddle < 0 {
				straddle = w
			}
			continue
		}
		if len(heard) == 0 || heard[len(heard)-1] != k {
			heard = append(heard, k)
		}
		if prev >= 0 && k == prev+1 {
			// The stream reached second k in the straddling window, or at this one's start.
			at := w
			if straddle >= 0 {
				at = straddle
			}
			errs = append(errs, pkts[at*win].Arrival.Sub(start.Add(time.Duration(k)*time.Second)))
		}
		prev, straddle = k, -1
	}
	return errs, heard
}

// TestRestartResumesPosition kills the server with SIGKILL during a live session and starts it
// again: the stream picks up within a second of where the timeline says it should be.
func TestRestartResumesPosition(t *testing.T) {
	t.Parallel()
	longTest(t)
	bin := buildBinary(t)
	data := t.TempDir()
	addr := freePort(t)
	p := startProcess(t, bin, addr, data)
	s := &testServer{URL: "http://" + addr, Data: data}
	id := s.uploadFile(t, filepath.Join("testdata", "steps_44k.mp3"))
	start := time.Now().Add(500 * time.Millisecond).Truncate(time.Millisecond)
	sess := s.createSession(t, "Restart", start, false, id)
	token := sess["listener_token"].(string)
	sid := sess["id"].(string)

	for _, e := range playedPosition(t, sess["whep_url"].(string), token, start, 2, 10*time.Second) {
		if e.Abs() > time.Second {
			t.Fatalf("before the restart the stream is %v off the timeline", e)
		}
	}

	p.cmd.Process.Signal(syscall.SIGKILL)
	p.cmd.Wait()
	time.Sleep(time.Second)
	startProcess(t, bin, addr, data)

	code, info, _ := s.do(t, http.MethodGet, "/api/v1/sessions/"+sid, testAdminToken, "", nil)
	if code != 200 || info["state"] != "live" {
		t.Fatalf("after restart: %d %v", code, info)
	}
	pos := info["now_playing"].(map[string]any)["position_ms"].(float64)
	if want := float64(time.Since(start).Milliseconds()); math.Abs(pos-want) > 1000 {
		t.Fatalf("after restart position_ms = %.0f, want %.0f +/- 1000", pos, want)
	}
	errs := playedPosition(t, sess["whep_url"].(string), token, start, 3, 10*time.Second)
	var parts []string
	for _, e := range errs {
		parts = append(parts, e.Round(time.Millisecond).String())
		if e.Abs() > time.Second {
			t.Fatalf("after the restart the stream is %v off the timeline (all: %v)", e, errs)
		}
	}
	t.Logf("after restart, stream vs timeline at each step change: %s", strings.Join(parts, ", "))
}
