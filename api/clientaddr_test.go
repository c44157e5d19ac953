package api

import (
	"net/netip"
	"testing"
)

func TestClientAddr(t *testing.T) {
	proxies, err := ParseTrustedProxies([]string{"127.0.0.1", "10.0.0.0/8", "2001:db8:1::/48"})
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{cfg: Config{TrustedProxies: proxies}}
	untrusting := &Server{}
	cases := []struct {
		name      string
		srv       *Server
		remote    string
		forwarded []string
		xff       []string
		want      string
	}{
		{"direct client", s, "198.51.100.7:5000", nil, nil, "198.51.100.7"},
		{"untrusted peer's header is ignored", s, "198.51.100.7:5000", nil, []string{"203.0.113.9"}, "198.51.100.7"},
		{"no proxies configured", untrusting, "127.0.0.1:5000", nil, []string{"203.0.113.9"}, "127.0.0.1"},
		{"one proxy", s, "127.0.0.1:5000", nil, []string{"203.0.113.9"}, "203.0.113.9"},
		{"client-supplied spoof left of the real client", s, "127.0.0.1:5000", nil, []string{"1.1.1.1, 203.0.113.9"}, "203.0.113.9"},
		{"two trusted proxies", s, "127.0.0.1:5000", nil, []string{"203.0.113.9, 10.1.2.3"}, "203.0.113.9"},
		{"several header lines", s, "127.0.0.1:5000", nil, []string{"1.1.1.1", "203.0.113.9"}, "203.0.113.9"},
		{"garbage hop stops the walk", s, "127.0.0.1:5000", nil, []string{"203.0.113.9, nonsense"}, "127.0.0.1"},
		{"all hops trusted", s, "127.0.0.1:5000", nil, []string{"10.0.0.1"}, "10.0.0.1"},
		{"Forwarded wins", s, "127.0.0.1:5000", []string{`for=192.0.2.60;proto=https;by=10.0.0.1`}, []string{"203.0.113.9"}, "192.0.2.60"},
		{"Forwarded IPv6 with port", s, "127.0.0.1:5000", []string{`for="[2001:db8:cafe::17]:4711"`}, nil, "2001:db8:cafe::17"},
		{"Forwarded chain", s, "127.0.0.1:5000", []string{`for=1.1.1.1, for=198.51.100.1;proto=http`, `for=10.2.2.2`}, nil, "198.51.100.1"},
		{"Forwarded unknown", s, "127.0.0.1:5000", []string{`for=unknown`}, nil, "127.0.0.1"},
		{"Forwarded quoted comma", s, "127.0.0.1:5000", []string{`for=198.51.100.1;x="a,b"`}, nil, "198.51.100.1"},
		{"IPv6 proxy", s, "[2001:db8:1::5]:443", nil, []string{"198.51.100.3"}, "198.51.100.3"},
		{"mapped IPv4 peer", s, "[::ffff:127.0.0.1]:80", nil, []string{"198.51.100.3"}, "198.51.100.3"},
	}
	for _, tc := range cases {
		got := tc.srv.clientAddr(tc.remote, tc.forwarded, tc.xff)
		if got.String() != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestParseTrustedProxies(t *testing.T) {
	got, err := ParseTrustedProxies([]string{" 192.168.1.0/24", "::1", "10.1.2.3/8"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"192.168.1.0/24", "::1/128", "10.0.0.0/8"}
	for i, p := range got {
		if p.String() != want[i] {
			t.Errorf("prefix %d = %s, want %s", i, p, want[i])
		}
	}
	for _, bad := range []string{"", "proxy.example", "10.0.0.0/33"} {
		if _, err := ParseTrustedProxies([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzClientAddr feeds hostile forwarding headers: the answer is always the peer, a hop from the
// headers, or invalid when the peer itself is, and never a panic.
func FuzzClientAddr(f *testing.F) {
	f.Add("127.0.0.1:1", `for="[2001:db8::1]:80";by=x, for=unknown`, "1.2.3.4, 5.6.7.8")
	f.Add("10.0.0.1:1", `for=";;,,"\"`, "")
	f.Add("[::1]:1", "", "[::1]:8080,::ffff:1.2.3.4")
	proxies, _ := ParseTrustedProxies([]string{"127.0.0.0/8", "10.0.0.0/8", "::1"})
	s := &Server{cfg: Config{TrustedProxies: proxies}}
	f.Fuzz(func(t *testing.T, remote, fwd, xff string) {
		got := s.clientAddr(remote, []string{fwd}, []string{xff})
		peer := parseHop(remote)
		if !peer.IsValid() && got.IsValid() {
			t.Fatalf("invalid peer %q gave %s", remote, got)
		}
		if got.IsValid() && got != peer && !s.trusted(peer) {
			t.Fatalf("untrusted peer %s gave %s from headers", peer, got)
		}
		_ = netip.Addr.String(got)
	})
}
