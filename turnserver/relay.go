package turnserver

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"

	"github.com/pion/turn/v5"
)

var (
	errTCPRelay   = errors.New("TCP relays (RFC 6062) are not offered: WebRTC uses UDP relays")
	errFamily     = errors.New("relay address family not served")
	errPortRange  = errors.New("requested relay port is outside the relay range")
	errNoPort     = errors.New("no free port in the relay range")
	errPeerDenied = errors.New("peer address not allowed")
)

// relays is the RelayAddressGenerator shared by the UDP and TCP listeners. It opens relay sockets
// in the configured port range and enforces the allocation caps where the socket is made, so the
// count is exact whichever listener the request came through.
type relays struct {
	network  string     // "udp4" or "udp6"
	bind     netip.Addr // local address of relay sockets
	public   netip.Addr // address advertised for them
	min, max int
	perUser  int
	total    int
	policy   peerPolicy
	wg       *sync.WaitGroup
	log      *slog.Logger

	mu     sync.Mutex
	closed bool
	count  int
	byUser map[string]int
}

var _ turn.RelayAddressGenerator = (*relays)(nil)

func (r *relays) Validate() error { return nil }

// room reports whether user may have one more allocation. It backs pion's QuotaHandler, which
// answers 486 (Allocation Quota Reached); AllocatePacketConn repeats the check atomically.
func (r *relays) room(user string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return !r.closed && r.count < r.total && r.byUser[user] < r.perUser
}

// reserve counts an allocation for user before its socket is opened.
func (r *relays) reserve(user string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.closed:
		return ErrClosed
	case r.count >= r.total, r.byUser[user] >= r.perUser:
		return ErrQuota
	}
	r.count++
	r.byUser[user]++
	r.wg.Add(1) // released by relayConn's gate, or by release on failure
	return nil
}

func (r *relays) release(user string) {
	r.mu.Lock()
	r.count--
	if r.byUser[user]--; r.byUser[user] <= 0 {
		delete(r.byUser, user)
	}
	r.mu.Unlock()
}

// shut refuses allocations from now on.
func (r *relays) shut() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
}

func (r *relays) allocations() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.count
}

func (r *relays) AllocatePacketConn(c turn.AllocateListenerConfig) (net.PacketConn, net.Addr, error) {
	if c.Network != r.network {
		return nil, nil, fmt.Errorf("%w: %s", errFamily, c.Network)
	}
	if c.RequestedPort != 0 && (c.RequestedPort < r.min || c.RequestedPort > r.max) {
		return nil, nil, errPortRange
	}
	if err := r.reserve(c.UserID); err != nil {
		r.log.Debug("turn: allocation refused", "user", c.UserID, "err", err)
		return nil, nil, err
	}
	conn, err := r.listen(c.RequestedPort)
	if err != nil {
		r.release(c.UserID)
		r.wg.Done()
		r.log.Warn("turn: cannot open a relay socket", "err", err)
		return nil, nil, err
	}
	port := conn.LocalAddr().(*net.UDPAddr).Port
	rc := &relayConn{UDPConn: conn, r: r, user: c.UserID, g: &gate{done: r.wg.Done}}
	return rc, net.UDPAddrFromAddrPort(netip.AddrPortFrom(r.public, uint16(port))), nil
}

// listen opens the requested port, or else the first free one from a random point of the range.
func (r *relays) listen(port int) (*net.UDPConn, error) {
	bind := func(p int) (*net.UDPConn, error) {
		return net.ListenUDP(r.network, net.UDPAddrFromAddrPort(netip.AddrPortFrom(r.bind, uint16(p))))
	}
	if port != 0 {
		return bind(port)
	}
	n := r.max - r.min + 1
	start := rand.IntN(n)
	for i := range n {
		if conn, err := bind(r.min + (start+i)%n); err == nil {
			return conn, nil
		}
	}
	return nil, errNoPort
}

func (r *relays) AllocateListener(turn.AllocateListenerConfig) (net.Listener, net.Addr, error) {
	return nil, nil, errTCPRelay
}

func (r *relays) AllocateConn(turn.AllocateConnConfig) (net.Conn, error) {
	return nil, errTCPRelay
}

// relayConn is one allocation's relay socket. Writes to peers the policy refuses are dropped:
// pion's permission check already refuses them, and this is the last gate, the only one that
// sees ports.
type relayConn struct {
	*net.UDPConn
	r    *relays
	user string
	g    *gate
	once sync.Once
}

func (c *relayConn) ReadFrom(b []byte) (int, net.Addr, error) {
	c.g.enter()
	defer c.g.leave()
	return c.UDPConn.ReadFrom(b)
}

func (c *relayConn) WriteTo(b []byte, to net.Addr) (int, error) {
	ua, ok := to.(*net.UDPAddr)
	if !ok || !c.r.policy.allowPeer(ua.AddrPort()) {
		return 0, fmt.Errorf("%w: %v", errPeerDenied, to)
	}
	return c.UDPConn.WriteTo(b, to)
}

func (c *relayConn) Close() error {
	err := c.UDPConn.Close()
	c.once.Do(func() {
		c.r.release(c.user)
		c.g.close()
	})
	return err
}
