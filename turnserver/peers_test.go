package turnserver

import (
	"net"
	"net/netip"
	"testing"
)

func TestPeerPolicy(t *testing.T) {
	for _, tc := range []struct {
		ip             string
		strict, opened bool // allowed with AllowPrivatePeers false, true
	}{
		{"1.1.1.1", true, true},
		{"8.8.8.8", true, true},
		{"2606:4700:4700::1111", true, true},
		{"127.0.0.1", false, true},
		{"127.255.0.9", false, true},
		{"::1", false, true},
		{"10.0.0.1", false, true},
		{"172.16.0.1", false, true},
		{"172.31.255.255", false, true},
		{"172.32.0.1", true, true},
		{"192.168.1.1", false, true},
		{"169.254.169.254", false, true},
		{"fe80::1", false, true},
		{"fd00::1", false, true},
		{"100.64.0.1", false, true},
		{"100.127.255.254", false, true},
		{"192.0.2.1", false, true},
		{"198.18.0.1", false, true},
		{"240.0.0.1", false, true},
		{"::ffff:10.0.0.1", false, true},
		{"::ffff:1.1.1.1", true, true},
		{"64:ff9b::a00:1", false, true},   // NAT64 of 10.0.0.1
		{"64:ff9b::101:101", true, true},  // NAT64 of 1.1.1.1
		{"2002:c0a8:101::1", false, true}, // 6to4 of 192.168.1.1
		{"2002:101:101::1", true, true},   // 6to4 of 1.1.1.1
		{"2001:db8::1", false, true},
		{"0.0.0.0", false, false},
		{"::", false, false},
		{"255.255.255.255", false, false},
		{"224.0.0.1", false, false},
		{"239.255.255.250", false, false},
		{"ff02::1", false, false},
	} {
		ip := netip.MustParseAddr(tc.ip)
		if got := (peerPolicy{}).allowIP(ip); got != tc.strict {
			t.Errorf("%s allowed = %v, want %v", ip, got, tc.strict)
		}
		if got := (peerPolicy{allowPrivate: true}).allowIP(ip); got != tc.opened {
			t.Errorf("%s allowed with private peers = %v, want %v", ip, got, tc.opened)
		}
		perms := &permits{byAddr: map[string]map[netip.Addr]struct{}{}}
		if got := perms.permit(&net.UDPAddr{}, net.ParseIP(tc.ip)); got != tc.strict {
			t.Errorf("permit(%s) = %v, want %v", ip, got, tc.strict)
		}
	}
}

func TestPeerPolicyPorts(t *testing.T) {
	self := []netip.Addr{netip.MustParseAddr("203.0.113.7"), netip.MustParseAddr("127.0.0.1")}
	strict := peerPolicy{self: self, turnPort: 3478, mediaPort: 8443, relayMin: 49160, relayMax: 49200}
	open := strict
	open.mediaPort = 0
	open.allowPrivate = true
	for _, tc := range []struct {
		ap             string
		strict, opened bool
	}{
		{"198.51.100.9:3478", false, true}, // documentation range: private-ish
		{"1.1.1.1:3478", true, true},       // someone else's TURN port is just a port
		{"1.1.1.1:0", false, false},        // port 0 is never a peer
		{"203.0.113.7:3478", false, false}, // our own TURN port
		{"203.0.113.7:8443", false, true},  // our media port (documentation IP: strict refuses the IP)
		{"127.0.0.1:8443", false, true},    // loopback: only with private peers allowed
		{"127.0.0.1:53", false, true},      // any port on self when no media port is known
		{"[::ffff:127.0.0.1]:3478", false, false},
		{"127.0.0.2:3478", false, true}, // not one of our addresses
	} {
		ap := netip.MustParseAddrPort(tc.ap)
		if got := strict.allowPeer(ap); got != tc.strict {
			t.Errorf("strict allowPeer(%s) = %v, want %v", ap, got, tc.strict)
		}
		if got := open.allowPeer(ap); got != tc.opened {
			t.Errorf("open allowPeer(%s) = %v, want %v", ap, got, tc.opened)
		}
	}

	// With a public self address and a media port, only that port and the relay range are
	// reachable on it.
	pub := peerPolicy{self: []netip.Addr{netip.MustParseAddr("1.2.3.4")}, turnPort: 3478, mediaPort: 8443,
		relayMin: 49160, relayMax: 49200}
	for _, tc := range []struct {
		ap   string
		want bool
	}{
		{"1.2.3.4:8443", true},
		{"1.2.3.4:49160", true},
		{"1.2.3.4:49200", true},
		{"1.2.3.4:49201", false},
		{"1.2.3.4:53", false},
		{"1.2.3.4:3478", false},
		{"1.2.3.5:53", true},
	} {
		if got := pub.allowPeer(netip.MustParseAddrPort(tc.ap)); got != tc.want {
			t.Errorf("allowPeer(%s) = %v, want %v", tc.ap, got, tc.want)
		}
	}
}

func TestPermitsCapDistinctPeers(t *testing.T) {
	p := &permits{policy: peerPolicy{}, byAddr: map[string]map[netip.Addr]struct{}{}}
	client, other := &net.UDPAddr{IP: net.IPv4(1, 2, 3, 4), Port: 5000}, &net.TCPAddr{IP: net.IPv4(1, 2, 3, 4), Port: 5000}
	peer := func(i int) net.IP { return net.IPv4(8, 8, byte(i/256), byte(i%256)) }
	for i := range maxPermissionsPerAllocation {
		if !p.permit(client, peer(i)) {
			t.Fatalf("permission %d refused", i)
		}
		p.created(client, peer(i))
	}
	if p.permit(client, peer(1000)) {
		t.Fatal("a permission over the cap was granted")
	}
	if !p.permit(client, peer(3)) {
		t.Fatal("refreshing a held permission was refused")
	}
	if !p.permit(other, peer(1000)) {
		t.Fatal("another allocation was refused")
	}
	p.deleted(client, peer(3))
	if !p.permit(client, peer(1000)) {
		t.Fatal("a freed place was not reusable")
	}
	for i := range maxPermissionsPerAllocation {
		p.deleted(client, peer(i))
	}
	if len(p.byAddr) != 0 {
		t.Fatalf("state left after every permission ended: %v", p.byAddr)
	}
}
