package turnserver

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/pion/turn/v5"
)

// Every test here runs on 127.0.0.1 only: the server listens there, advertises it as its public
// address and binds its relays there.

// testRelayPorts is a range of high ports; the server skips ports other programs hold.
const testRelayMin, testRelayMax = 45100, 45299

func testLog(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return nil
}

func newTestServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	cfg.ListenAddr = "127.0.0.1:0"
	cfg.PublicIP = "127.0.0.1"
	if cfg.RelayPortMin == 0 {
		cfg.RelayPortMin, cfg.RelayPortMax = testRelayMin, testRelayMax
	}
	s, err := New(cfg, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

// client is a pion TURN client over UDP or TCP to s.
type client struct {
	*turn.Client
	conn net.PacketConn
}

func dial(t *testing.T, s *Server, transport string, cred ICEServer) *client {
	t.Helper()
	addr := s.Addr().String()
	var conn net.PacketConn
	switch transport {
	case "udp":
		c, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		conn = c
	case "tcp":
		c, err := net.Dial("tcp4", addr)
		if err != nil {
			t.Fatal(err)
		}
		conn = turn.NewSTUNConn(c)
	}
	tc, err := turn.NewClient(&turn.ClientConfig{
		STUNServerAddr: addr,
		TURNServerAddr: addr,
		Conn:           conn,
		Username:       cred.Username,
		Password:       cred.Credential,
		RTO:            200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := tc.Listen(); err != nil {
		t.Fatal(err)
	}
	c := &client{Client: tc, conn: conn}
	t.Cleanup(c.close)
	return c
}

func (c *client) close() {
	c.Client.Close()
	c.conn.Close()
}

// echoPeer answers every datagram with the same bytes and reports what it received.
func echoPeer(t *testing.T) (*net.UDPConn, <-chan []byte) {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1500)
		for {
			n, from, err := conn.ReadFrom(buf)
			if err != nil {
				return
			}
			select {
			case got <- bytes.Clone(buf[:n]):
			default:
			}
			conn.WriteTo(buf[:n], from)
		}
	}()
	t.Cleanup(func() { conn.Close(); <-done })
	return conn, got
}

// The relay tests send to an echo peer on 127.0.0.1, a loopback address: the server refuses such
// peers by default, which is exactly what TestRefusesPrivatePeers checks, so these tests allow
// them. Nothing else differs between loopback and a peer on the internet.
func TestRelaysDatagramsOverUDPAndTCP(t *testing.T) {
	for _, transport := range []string{"udp", "tcp"} {
		t.Run(transport, func(t *testing.T) {
			s := newTestServer(t, Config{AllowPrivatePeers: true})
			peer, got := echoPeer(t)
			c := dial(t, s, transport, s.Credentials(time.Now()))
			relay, err := c.Allocate()
			if err != nil {
				t.Fatalf("allocate: %v", err)
			}
			defer relay.Close()
			if ra := relay.LocalAddr().(*net.UDPAddr); !ra.IP.Equal(net.IPv4(127, 0, 0, 1)) ||
				ra.Port < testRelayMin || ra.Port > testRelayMax {
				t.Fatalf("relay address %v: want 127.0.0.1 in %d-%d", ra, testRelayMin, testRelayMax)
			}
			if n := s.Allocations(); n != 1 {
				t.Fatalf("allocations = %d, want 1", n)
			}
			msg := []byte("hello through the relay " + transport)
			// The first datagram may race the permission it triggers; send until the echo returns.
			relay.SetReadDeadline(time.Now().Add(5 * time.Second))
			stop := make(chan struct{})
			defer close(stop)
			go func() {
				for {
					relay.WriteTo(msg, peer.LocalAddr())
					select {
					case <-stop:
						return
					case <-time.After(100 * time.Millisecond):
					}
				}
			}()
			buf := make([]byte, 1500)
			n, from, err := relay.ReadFrom(buf)
			if err != nil {
				t.Fatalf("no echo through the relay: %v", err)
			}
			if !bytes.Equal(buf[:n], msg) || from.String() != peer.LocalAddr().String() {
				t.Fatalf("got %q from %v, want %q from %v", buf[:n], from, msg, peer.LocalAddr())
			}
			select {
			case b := <-got:
				if !bytes.Equal(b, msg) {
					t.Fatalf("peer got %q", b)
				}
			default:
				t.Fatal("the peer saw nothing")
			}
		})
	}
}

func TestRefusesBadCredentials(t *testing.T) {
	s := newTestServer(t, Config{AllowPrivatePeers: true})
	good := s.Credentials(time.Now())
	other, err := New(Config{ListenAddr: "127.0.0.1:0", PublicIP: "127.0.0.1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	foreign := other.Credentials(time.Now()) // valid, but signed with another secret
	other.Close()
	expired := s.Credentials(time.Now().Add(-DefaultTTL - time.Minute))
	tooLong := s.Credentials(time.Now().Add(24 * time.Hour))

	cases := []struct {
		name       string
		user, pass string
	}{
		{"expired", expired.Username, expired.Credential},
		{"expiry beyond the lifetime", tooLong.Username, tooLong.Credential},
		{"another credential's password", good.Username, s.Credentials(time.Now()).Credential},
		{"password of a longer name", good.Username, password(s.secret, good.Username+"0")},
		{"other server's secret", foreign.Username, foreign.Credential},
		{"empty password", good.Username, ""},
		{"no expiry", "justaname", password(s.secret, "justaname")},
		{"garbage expiry", "12x4:ABC", password(s.secret, "12x4:ABC")},
		{"negative expiry", "-1:ABC", password(s.secret, "-1:ABC")},
		{"no id", strings.Split(good.Username, ":")[0] + ":", password(s.secret, strings.Split(good.Username, ":")[0]+":")},
		{"bad id characters", strings.Split(good.Username, ":")[0] + ":a b", password(s.secret, strings.Split(good.Username, ":")[0]+":a b")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, transport := range []string{"udp", "tcp"} {
				c := dial(t, s, transport, ICEServer{Username: tc.user, Credential: tc.pass})
				if relay, err := c.Allocate(); err == nil {
					relay.Close()
					t.Fatalf("%s: allocation granted", transport)
				}
			}
		})
	}
	if n := s.Allocations(); n != 0 {
		t.Fatalf("allocations = %d after refusals", n)
	}
	// The good credentials do work, so the refusals above are about the credentials.
	if relay, err := dial(t, s, "udp", good).Allocate(); err != nil {
		t.Fatalf("good credentials refused: %v", err)
	} else {
		relay.Close()
	}
}

func TestRefusesPrivatePeers(t *testing.T) {
	s := newTestServer(t, Config{}) // AllowPrivatePeers: false
	peer, got := echoPeer(t)
	for _, transport := range []string{"udp", "tcp"} {
		t.Run(transport, func(t *testing.T) {
			c := dial(t, s, transport, s.Credentials(time.Now()))
			relay, err := c.Allocate()
			if err != nil {
				t.Fatalf("allocate: %v", err)
			}
			defer relay.Close()
			for _, ip := range []string{"127.0.0.1", "127.1.2.3", "10.0.0.1", "172.16.5.4", "192.168.1.1",
				"169.254.169.254", "100.64.0.1", "0.0.0.0", "255.255.255.255", "224.0.0.1"} {
				if err := c.CreatePermission(&net.UDPAddr{IP: net.ParseIP(ip), Port: 9}); err == nil {
					t.Errorf("permission to %s granted", ip)
				}
			}
			// A public address is granted (a permission sends nothing to the peer), so the
			// refusals above are the policy's.
			if err := c.CreatePermission(&net.UDPAddr{IP: net.IPv4(1, 1, 1, 1), Port: 9}); err != nil {
				t.Errorf("permission to a public address refused: %v", err)
			}
			// Writing to the loopback peer must not reach it.
			for range 3 {
				relay.WriteTo([]byte("let me in"), peer.LocalAddr())
			}
			select {
			case b := <-got:
				t.Fatalf("loopback peer received %q through the relay", b)
			case <-time.After(300 * time.Millisecond):
			}
		})
	}
}

func TestAllocationCaps(t *testing.T) {
	s := newTestServer(t, Config{MaxAllocationsPerUser: 2, MaxAllocations: 3})
	alice, bob, carol := s.Credentials(time.Now()), s.Credentials(time.Now()), s.Credentials(time.Now())
	allocate := func(cred ICEServer, transport string) (net.PacketConn, error) {
		return dial(t, s, transport, cred).Allocate()
	}
	var held []net.PacketConn
	for i, transport := range []string{"udp", "tcp"} {
		r, err := allocate(alice, transport)
		if err != nil {
			t.Fatalf("alice's allocation %d: %v", i+1, err)
		}
		held = append(held, r)
	}
	if _, err := allocate(alice, "udp"); err == nil {
		t.Fatal("alice got a third allocation over a per-user cap of 2")
	}
	r, err := allocate(bob, "udp")
	if err != nil {
		t.Fatalf("bob's allocation: %v", err)
	}
	if _, err := allocate(carol, "tcp"); err == nil {
		t.Fatal("carol got a fourth allocation over a total cap of 3")
	}
	if n := s.Allocations(); n != 3 {
		t.Fatalf("allocations = %d, want 3", n)
	}
	// Releasing one frees its place.
	r.Close()
	waitFor(t, "bob's allocation to be released", func() bool { return s.Allocations() == 2 })
	if r, err := allocate(carol, "tcp"); err != nil {
		t.Fatalf("carol refused after a release: %v", err)
	} else {
		held = append(held, r)
	}
	for _, r := range held {
		r.Close()
	}
	waitFor(t, "all allocations to be released", func() bool { return s.Allocations() == 0 })
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestCloseLeavesNothingRunning closes the server while clients still hold allocations and a TCP
// connection, then checks that no goroutine outlives it.
func TestCloseLeavesNothingRunning(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		s, err := New(Config{ListenAddr: "127.0.0.1:0", PublicIP: "127.0.0.1", AllowPrivatePeers: true,
			RelayPortMin: testRelayMin, RelayPortMax: testRelayMax}, testLog(t))
		if err != nil {
			t.Fatal(err)
		}
		peer, got := echoPeer(t)
		var clients []*client
		var relays []net.PacketConn
		for _, transport := range []string{"udp", "tcp", "tcp"} {
			c := dial(t, s, transport, s.Credentials(time.Now()))
			clients = append(clients, c)
			relay, err := c.Allocate()
			if err != nil {
				t.Fatal(err)
			}
			relays = append(relays, relay)
			relay.WriteTo([]byte("x"), peer.LocalAddr())
		}
		select {
		case <-got:
		case <-time.After(5 * time.Second):
			t.Fatal("nothing relayed")
		}
		start := time.Now()
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("close took %v", d)
		}
		if n := s.Allocations(); n != 0 {
			t.Errorf("allocations = %d after close", n)
		}
		if err := s.Close(); err != nil {
			t.Errorf("second close: %v", err)
		}
		for _, r := range relays {
			r.Close()
		}
		for _, c := range clients {
			c.close()
		}
		peer.Close()
	}()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= before {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("goroutines: %d before, %d after\n%s", before, n, buf)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"no public ip", Config{ListenAddr: "127.0.0.1:0"}},
		{"bad public ip", Config{ListenAddr: "127.0.0.1:0", PublicIP: "example.org"}},
		{"unspecified public ip", Config{ListenAddr: "127.0.0.1:0", PublicIP: "0.0.0.0"}},
		{"no listen addr", Config{PublicIP: "127.0.0.1"}},
		{"hostname listen addr", Config{ListenAddr: "localhost:3478", PublicIP: "127.0.0.1"}},
		{"mixed families", Config{ListenAddr: "[::1]:0", PublicIP: "127.0.0.1"}},
		{"inverted range", Config{ListenAddr: "127.0.0.1:0", PublicIP: "127.0.0.1", RelayPortMin: 50000, RelayPortMax: 49000}},
		{"listen port in range", Config{ListenAddr: "127.0.0.1:49170", PublicIP: "127.0.0.1"}},
		{"short secret", Config{ListenAddr: "127.0.0.1:0", PublicIP: "127.0.0.1", Secret: []byte("short")}},
		{"tiny ttl", Config{ListenAddr: "127.0.0.1:0", PublicIP: "127.0.0.1", TTL: time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := New(tc.cfg, nil)
			if err == nil {
				s.Close()
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("error %v does not wrap ErrConfig", err)
			}
		})
	}
}

// TestOwnAddressOnlyOnMediaPort: on the server's own address (127.0.0.1 here) a relay reaches
// Hearth's media port and nothing else.
func TestOwnAddressOnlyOnMediaPort(t *testing.T) {
	// Neither port may lie in the relay range, which is reachable on purpose.
	media, mediaGot := echoPeerOutsideRelays(t)
	other, otherGot := echoPeerOutsideRelays(t)
	s := newTestServer(t, Config{AllowPrivatePeers: true, MediaPort: media.LocalAddr().(*net.UDPAddr).Port})
	c := dial(t, s, "udp", s.Credentials(time.Now()))
	relay, err := c.Allocate()
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()
	for range 5 {
		relay.WriteTo([]byte("other"), other.LocalAddr())
		relay.WriteTo([]byte("media"), media.LocalAddr())
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case b := <-mediaGot:
		if string(b) != "media" {
			t.Fatalf("media port got %q", b)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the media port got nothing")
	}
	select {
	case b := <-otherGot:
		t.Fatalf("another port on the server's own address got %q", b)
	case <-time.After(200 * time.Millisecond):
	}
}

func echoPeerOutsideRelays(t *testing.T) (*net.UDPConn, <-chan []byte) {
	for {
		conn, got := echoPeer(t)
		if p := conn.LocalAddr().(*net.UDPAddr).Port; p < testRelayMin || p > testRelayMax {
			return conn, got
		}
	}
}

func TestPermissionCapPerAllocation(t *testing.T) {
	s := newTestServer(t, Config{})
	c := dial(t, s, "udp", s.Credentials(time.Now()))
	relay, err := c.Allocate()
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()
	// Permissions to public addresses send nothing to them.
	peer := func(i int) net.Addr { return &net.UDPAddr{IP: net.IPv4(1, 1, byte(i/256), byte(i%256+1)), Port: 9} }
	for i := range maxPermissionsPerAllocation {
		if err := c.CreatePermission(peer(i)); err != nil {
			t.Fatalf("permission %d: %v", i, err)
		}
	}
	if err := c.CreatePermission(peer(maxPermissionsPerAllocation)); err == nil {
		t.Fatal("permission over the cap granted")
	}
	if err := c.CreatePermission(peer(0)); err != nil {
		t.Fatalf("refreshing a permission refused: %v", err)
	}
}
