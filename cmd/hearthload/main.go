// Command hearthload measures what listeners cost a running Hearth server: it connects N WHEP
// listeners over loopback, keeps them for a while, and reports time from WHEP POST to first audio
// packet, packets received, and the server process's CPU per packet and memory per listener (read
// from /proc, so the load tool's own work is not counted).
//
//	hearthload -whep http://127.0.0.1:8080/whep/ID -token TOKEN -n 100 -hold 20s -pid $(pidof hearth)
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"hearth/internal/testpeer"
)

func main() {
	whep := flag.String("whep", "", "WHEP endpoint URL (required)")
	token := flag.String("token", "", "listener token (required)")
	n := flag.Int("n", 10, "number of listeners")
	hold := flag.Duration("hold", 20*time.Second, "how long to keep every listener connected")
	pid := flag.Int("pid", 0, "server process id, to read its CPU and memory from /proc")
	rate := flag.Int("rate", 20, "listeners started per second")
	members := flag.Int("members", 0, "members who join with a microphone and talk (a tone) the whole time")
	memberToken := flag.String("member-token", "", "member token, with -members")
	admin := flag.String("admin-token", "", "admin token, to read the room's tick statistics")
	flag.Parse()
	if *whep == "" || *token == "" || *n < 1 || *n > 2000 || *hold <= 0 || *hold > 10*time.Minute {
		fmt.Fprintln(os.Stderr, "usage: hearthload -whep URL -token TOKEN [-n 1..2000] [-hold <=10m] [-pid PID]")
		os.Exit(2)
	}
	if *members < 0 || *members > 200 || (*members > 0 && *memberToken == "") {
		fmt.Fprintln(os.Stderr, "-members needs 0..200 and -member-token")
		os.Exit(2)
	}
	if err := run(*whep, *token, *n, *hold, *pid, *rate, *members, *memberToken, *admin); err != nil {
		fmt.Fprintln(os.Stderr, "hearthload:", err)
		os.Exit(1)
	}
}

type sample struct {
	cpu time.Duration // user+system CPU of the server process
	rss int64         // resident set size in bytes
	at  time.Time
}

func readProc(pid int) (sample, error) {
	s := sample{at: time.Now()}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	if len(f) < 13 {
		return s, errors.New("short /proc stat")
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	const hz = 100 // USER_HZ on Linux
	s.cpu = time.Duration(ut+st) * time.Second / hz
	st2, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	for _, line := range strings.Split(string(st2), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			kb, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			s.rss = kb * 1024
		}
	}
	return s, nil
}

func run(whep, token string, n int, hold time.Duration, pid, rate, members int, memberToken, admin string) error {
	ctx, cancel := context.WithTimeout(context.Background(), hold+time.Duration(n/rate+60)*time.Second)
	defer cancel()
	var before sample
	if pid > 0 {
		var err error
		if before, err = readProc(pid); err != nil {
			return err
		}
	}
	var (
		mu        sync.Mutex
		listeners []*testpeer.Listener
		firsts    []time.Duration
		failures  int
		wg        sync.WaitGroup
	)
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	for i := 0; i < n; i++ {
		<-tick.C
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			l, _, err := testpeer.DialWHEPWith(ctx, whep, token, false)
			if err != nil {
				mu.Lock()
				failures++
				mu.Unlock()
				fmt.Fprintln(os.Stderr, "listener:", err)
				return
			}
			select {
			case <-l.First():
			case <-ctx.Done():
			}
			mu.Lock()
			listeners = append(listeners, l)
			firsts = append(firsts, time.Since(t0))
			mu.Unlock()
		}()
	}
	wg.Wait()
	base, sid := splitWHEP(whep)
	var talkers []*testpeer.Member
	for i := 0; i < members; i++ {
		m, _, err := testpeer.JoinHTTPWith(ctx, base, sid, memberToken, fmt.Sprintf("Load %d", i+1), false)
		if err != nil {
			return fmt.Errorf("member %d: %w", i+1, err)
		}
		if err := m.WaitOpen(ctx); err != nil {
			return err
		}
		if err := m.SendTone(300+float64(i)*37, -20, nil); err != nil {
			return err
		}
		talkers = append(talkers, m)
	}
	defer func() {
		for _, m := range talkers {
			m.Close()
		}
	}()
	if members > 0 {
		time.Sleep(3 * time.Second) // renegotiations settle
		roomStats(base, sid, admin) // resets the maximum
	}
	connected := time.Now()
	var mid sample
	if pid > 0 {
		mid, _ = readProc(pid)
	}
	time.Sleep(hold)
	var after sample
	if pid > 0 {
		after, _ = readProc(pid)
	}
	if members > 0 && admin != "" {
		fmt.Printf("members: %d talking; room tick while holding: %s\n", members, roomStats(base, sid, admin))
	}
	var packets int
	for _, l := range listeners {
		packets += len(l.Packets())
	}
	held := time.Since(connected)
	for _, l := range listeners {
		l.Close()
	}
	sort.Slice(firsts, func(i, j int) bool { return firsts[i] < firsts[j] })
	pct := func(p float64) time.Duration {
		if len(firsts) == 0 {
			return 0
		}
		return firsts[int(p*float64(len(firsts)-1))]
	}
	fmt.Printf("listeners: %d connected, %d failed\n", len(listeners), failures)
	fmt.Printf("WHEP POST -> first audio packet: p50 %v  p95 %v  max %v\n",
		pct(0.5).Round(time.Millisecond), pct(0.95).Round(time.Millisecond), pct(1).Round(time.Millisecond))
	expected := float64(len(listeners)) * held.Seconds() * 50
	fmt.Printf("packets received: %d (%.1f%% of %d listeners x 50/s over %s, incl. connect phase)\n",
		packets, 100*float64(packets)/expected, len(listeners), held.Round(time.Millisecond))
	if pid > 0 && len(listeners) > 0 {
		cpu := after.cpu - mid.cpu
		wall := after.at.Sub(mid.at)
		sent := float64(len(listeners)) * wall.Seconds() * 50
		fmt.Printf("server CPU while holding: %.1f%% of one core; %.2f us per listener-packet\n",
			100*cpu.Seconds()/wall.Seconds(), cpu.Seconds()*1e6/sent)
		fmt.Printf("server RSS: %.1f MB before, %.1f MB with listeners: %.0f KB per listener\n",
			float64(before.rss)/1e6, float64(mid.rss)/1e6, float64(mid.rss-before.rss)/1024/float64(len(listeners)))
	}
	return nil
}

// splitWHEP turns http://host/whep/ID into the base URL and the session id.
func splitWHEP(u string) (string, string) {
	i := strings.LastIndex(u, "/whep/")
	if i < 0 {
		return u, ""
	}
	return u[:i], u[i+len("/whep/"):]
}

// roomStats reads the room's tick statistics (average and maximum since the last read).
func roomStats(base, sid, admin string) string {
	if admin == "" {
		return ""
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/sessions/"+sid+"/room", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	var v struct {
		Stats struct {
			TickAvgMS float64 `json:"tick_avg_ms"`
			TickMaxMS float64 `json:"tick_max_ms"`
		} `json:"stats"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return err.Error()
	}
	return fmt.Sprintf("avg %.2f ms, max %.2f ms (of a 20 ms budget)", v.Stats.TickAvgMS, v.Stats.TickMaxMS)
}
