package turnserver

import (
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"
)

// pion/turn's Server.Close closes the sockets it was given but does not wait for the goroutines
// that read them, and leaves accepted TCP connections open. Every socket handed to pion is
// therefore wrapped: each is "finished" once it is closed and no pion goroutine is blocked reading
// it, and Server.Close waits for all of them.

// gate tracks one socket. done runs once, when the socket is closed and no reader is inside it.
type gate struct {
	mu      sync.Mutex
	closed  bool
	readers int
	once    sync.Once
	done    func()
}

func newGate(wg *sync.WaitGroup) *gate {
	wg.Add(1)
	return &gate{done: wg.Done}
}

func (g *gate) enter() {
	g.mu.Lock()
	g.readers++
	g.mu.Unlock()
}

func (g *gate) leave() {
	g.mu.Lock()
	g.readers--
	finished := g.closed && g.readers == 0
	g.mu.Unlock()
	if finished {
		g.once.Do(g.done)
	}
}

func (g *gate) close() {
	g.mu.Lock()
	g.closed = true
	finished := g.readers == 0
	g.mu.Unlock()
	if finished {
		g.once.Do(g.done)
	}
}

// packetConn is the TURN server's UDP socket. pion stops serving at the first read error of any
// kind, so errors other than the socket being closed are logged and the read retried.
type packetConn struct {
	net.PacketConn
	g   *gate
	log *slog.Logger
}

func (c *packetConn) ReadFrom(b []byte) (int, net.Addr, error) {
	c.g.enter()
	defer c.g.leave()
	for {
		n, from, err := c.PacketConn.ReadFrom(b)
		if err == nil || errors.Is(err, net.ErrClosed) {
			return n, from, err
		}
		c.log.Warn("turn: UDP read failed; retrying", "err", err)
		time.Sleep(10 * time.Millisecond)
	}
}

func (c *packetConn) Close() error {
	err := c.PacketConn.Close()
	c.g.close()
	return err
}

// Limits on TURN-over-TCP connections, which cost a file descriptor and a goroutine each whether
// or not they ever authenticate. A busy member holds a few; a whole group a few dozen.
const (
	maxTCPConns      = 256
	maxTCPConnsPerIP = 16
	// tcpIdle closes a connection that sent nothing for this long. Live allocations refresh
	// well within it (the allocation lifetime is 10 minutes) and carry consent checks every few
	// seconds while in use.
	tcpIdle = 11 * time.Minute
)

// listener is the TURN server's TCP listener. It caps connections, keeps accepting through
// transient errors (pion stops accepting at the first error of any kind), and closes every
// accepted connection on shutdown.
type listener struct {
	net.Listener
	g    *gate
	wg   *sync.WaitGroup
	log  *slog.Logger
	stop chan struct{}

	mu     sync.Mutex
	closed bool
	conns  map[*tcpConn]struct{}
	perIP  map[netip.Addr]int
}

func newListener(l net.Listener, wg *sync.WaitGroup, log *slog.Logger) *listener {
	return &listener{
		Listener: l,
		g:        newGate(wg),
		wg:       wg,
		log:      log,
		stop:     make(chan struct{}),
		conns:    map[*tcpConn]struct{}{},
		perIP:    map[netip.Addr]int{},
	}
}

func (l *listener) Accept() (net.Conn, error) {
	l.g.enter()
	defer l.g.leave()
	backoff := 5 * time.Millisecond
	for {
		c, err := l.Listener.Accept()
		if errors.Is(err, net.ErrClosed) {
			return nil, err
		}
		if err != nil {
			l.log.Warn("turn: accept failed; retrying", "err", err, "in", backoff)
			select {
			case <-l.stop:
				return nil, net.ErrClosed
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, time.Second)
			continue
		}
		backoff = 5 * time.Millisecond
		if tc := l.admit(c); tc != nil {
			return tc, nil
		}
		c.Close()
	}
}

// admit registers c, or returns nil when a cap is reached or the listener is closed.
func (l *listener) admit(c net.Conn) *tcpConn {
	ip := netip.Addr{}
	if ap, err := netip.ParseAddrPort(c.RemoteAddr().String()); err == nil {
		ip = ap.Addr().Unmap()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.closed:
		return nil
	case len(l.conns) >= maxTCPConns, l.perIP[ip] >= maxTCPConnsPerIP:
		l.log.Debug("turn: TCP connection refused: too many", "client", c.RemoteAddr())
		return nil
	}
	tc := &tcpConn{Conn: c, l: l, ip: ip}
	l.wg.Add(1)
	l.conns[tc] = struct{}{}
	l.perIP[ip]++
	return tc
}

func (l *listener) Close() error {
	err := l.Listener.Close()
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.stop)
	}
	l.mu.Unlock()
	l.g.close()
	return err
}

// shutdown closes every accepted connection's socket, which ends pion's goroutine reading it;
// that goroutine then deletes its allocation and calls tcpConn.Close.
func (l *listener) shutdown() {
	l.mu.Lock()
	conns := make([]*tcpConn, 0, len(l.conns))
	for c := range l.conns {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	for _, c := range conns {
		c.Conn.Close()
	}
}

// tcpConn is one accepted TURN-over-TCP connection.
type tcpConn struct {
	net.Conn
	l    *listener
	ip   netip.Addr
	once sync.Once
}

func (c *tcpConn) Read(b []byte) (int, error) {
	if err := c.Conn.SetReadDeadline(time.Now().Add(tcpIdle)); err != nil {
		return 0, err
	}
	return c.Conn.Read(b)
}

// Close is called by pion when its goroutine for this connection is done with it.
func (c *tcpConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.l.mu.Lock()
		delete(c.l.conns, c)
		if c.l.perIP[c.ip]--; c.l.perIP[c.ip] <= 0 {
			delete(c.l.perIP, c.ip)
		}
		c.l.mu.Unlock()
		c.l.wg.Done()
	})
	return err
}
