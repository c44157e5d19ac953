package turnserver

import (
	"net"
	"net/netip"
	"slices"
	"sync"
)

// Special-purpose ranges a relay must not reach unless private peers are allowed, beyond what
// netip's predicates (loopback, RFC 1918/ULA, link-local) already cover. A TURN server sits inside
// the host's network, so relaying to these would let anyone with a credential send UDP to the
// host's own services, its LAN, or a VPN/carrier network it is attached to.
var specialPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT, also used by some VPNs
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and the broadcast address
	netip.MustParsePrefix("::/96"),           // IPv4-compatible (deprecated)
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("2001::/23"),       // IETF protocol assignments, Teredo included
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("fec0::/10"),       // site-local (deprecated)
}

// Prefixes that embed an IPv4 address, which is checked in turn: 64:ff9b::10.0.0.1 reaches
// 10.0.0.1 through a NAT64 gateway, 2002:0a00:0001:: through a 6to4 relay.
var (
	nat64Prefix = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour   = netip.MustParsePrefix("2002::/16")
)

// peerPolicy decides which addresses relays may exchange datagrams with.
type peerPolicy struct {
	allowPrivate bool
	// self holds the server's own addresses as peers would name them (the public IP, and the
	// bind IP if one was given). Relays reach them only on the ports below, so a relay cannot be
	// used to knock on the host's other UDP services from inside its firewall.
	self []netip.Addr
	// turnPort is never reachable on self: relaying into our own TURN port would loop the server
	// into itself.
	turnPort uint16
	// mediaPort, if set, is Hearth's WebRTC port, the one service on self that relays are for;
	// the relay range is reachable too (two relayed members talk relay to relay).
	mediaPort          uint16
	relayMin, relayMax uint16
}

// allowIP reports whether a relay may talk to ip at all. Unspecified and multicast/broadcast
// addresses are always refused; the rest of the special ranges only without allowPrivate.
func (p peerPolicy) allowIP(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsUnspecified() || ip.IsMulticast() || ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return false
	}
	return p.allowPrivate || globalUnicast(ip)
}

// allowPeer is allowIP plus the port-level rules, checked for each datagram a relay sends.
func (p peerPolicy) allowPeer(ap netip.AddrPort) bool {
	ip, port := ap.Addr().Unmap(), ap.Port()
	switch {
	case port == 0 || !p.allowIP(ip):
		return false
	case !slices.Contains(p.self, ip):
		return true
	case port == p.turnPort:
		return false
	case p.mediaPort == 0 || port == p.mediaPort:
		return true
	default:
		return port >= p.relayMin && port <= p.relayMax
	}
}

// Permissions one allocation may hold at once. A browser needs one per remote address it talks
// to: Hearth's, perhaps a handful. Each costs memory and a timer in pion, which sets no limit.
const maxPermissionsPerAllocation = 32

// permits is pion's PermissionHandler, which gates CreatePermission, ChannelBind and Connect:
// the peer policy plus a cap on distinct peer addresses per allocation, counted from pion's
// permission events. An allocation is named by its client address, as pion's handler sees it.
type permits struct {
	policy peerPolicy

	mu     sync.Mutex
	byAddr map[string]map[netip.Addr]struct{}
}

func clientKey(a net.Addr) string { return a.Network() + " " + a.String() }

func (p *permits) permit(client net.Addr, peer net.IP) bool {
	ip, ok := netip.AddrFromSlice(peer)
	if !ok || !p.policy.allowIP(ip) {
		return false
	}
	ip = ip.Unmap()
	p.mu.Lock()
	defer p.mu.Unlock()
	held := p.byAddr[clientKey(client)]
	_, refresh := held[ip]
	return refresh || len(held) < maxPermissionsPerAllocation
}

func (p *permits) created(client net.Addr, peer net.IP) {
	ip, ok := netip.AddrFromSlice(peer)
	if !ok {
		return
	}
	k := clientKey(client)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.byAddr[k] == nil {
		p.byAddr[k] = map[netip.Addr]struct{}{}
	}
	p.byAddr[k][ip.Unmap()] = struct{}{}
}

func (p *permits) deleted(client net.Addr, peer net.IP) {
	ip, ok := netip.AddrFromSlice(peer)
	if !ok {
		return
	}
	k := clientKey(client)
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.byAddr[k], ip.Unmap())
	if len(p.byAddr[k]) == 0 {
		delete(p.byAddr, k)
	}
}

// globalUnicast reports whether ip is an ordinary address on the public internet.
func globalUnicast(ip netip.Addr) bool {
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range specialPrefixes {
		if p.Contains(ip) {
			return false
		}
	}
	if ip.Is6() {
		b := ip.As16()
		switch {
		case nat64Prefix.Contains(ip):
			return globalUnicast(netip.AddrFrom4([4]byte(b[12:16])))
		case sixToFour.Contains(ip):
			return globalUnicast(netip.AddrFrom4([4]byte(b[2:6])))
		}
	}
	return true
}
