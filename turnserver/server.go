package turnserver

import (
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/pion/turn/v5"
)

// closeWait bounds how long Close waits for pion's goroutines to leave the sockets.
const closeWait = 5 * time.Second

// Server is a running TURN server: UDP and TCP on one port, UDP relays in a port range.
type Server struct {
	cfg    Config
	log    *slog.Logger
	now    func() time.Time
	secret []byte
	urls   []string
	addr   netip.AddrPort // bound listen address

	turn   *turn.Server
	tcp    *listener
	relays *relays
	wg     sync.WaitGroup // one per socket handed to pion

	closeOnce sync.Once
	closeErr  error
}

// New validates cfg, listens on UDP and TCP and starts serving. log may be nil.
func New(cfg Config, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	rc, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: log, now: time.Now}
	if len(cfg.Secret) > 0 {
		s.secret = append([]byte(nil), cfg.Secret...)
	} else {
		s.secret = make([]byte, 32)
		rand.Read(s.secret)
	}

	udp, tcp, err := listenBoth(rc)
	if err != nil {
		return nil, err
	}
	s.addr = udp.LocalAddr().(*net.UDPAddr).AddrPort()
	port := s.addr.Port()
	host := rc.public.String()
	if rc.public.Is6() {
		host = "[" + host + "]"
	}
	p := strconv.Itoa(int(port))
	s.urls = []string{"turn:" + host + ":" + p + "?transport=udp", "turn:" + host + ":" + p + "?transport=tcp"}

	policy := peerPolicy{
		allowPrivate: cfg.AllowPrivatePeers,
		self:         []netip.Addr{rc.public},
		turnPort:     port,
		mediaPort:    uint16(cfg.MediaPort),
		relayMin:     uint16(cfg.RelayPortMin),
		relayMax:     uint16(cfg.RelayPortMax),
	}
	if !rc.bind.IsUnspecified() && rc.bind != rc.public {
		policy.self = append(policy.self, rc.bind)
	}
	perms := &permits{policy: policy, byAddr: map[string]map[netip.Addr]struct{}{}}
	s.relays = &relays{
		network: rc.udp,
		bind:    rc.bind,
		public:  rc.public,
		min:     cfg.RelayPortMin,
		max:     cfg.RelayPortMax,
		perUser: cfg.MaxAllocationsPerUser,
		total:   cfg.MaxAllocations,
		policy:  policy,
		wg:      &s.wg,
		log:     log,
		byUser:  map[string]int{},
	}
	pc := &packetConn{PacketConn: udp, g: newGate(&s.wg), log: log}
	s.tcp = newListener(tcp, &s.wg, log)

	s.turn, err = turn.NewServer(turn.ServerConfig{
		Realm:         cfg.Realm,
		AuthHandler:   s.authenticate,
		QuotaHandler:  func(user, _ string, _ net.Addr) bool { return s.relays.room(user) },
		LoggerFactory: pionLogs{log},
		EventHandler: turn.EventHandler{
			// pion reports every allocation as UDP (the relay's protocol); the listener's
			// address tells how the client came in.
			OnAllocationCreated: func(src, dst net.Addr, _, user, _ string, relay net.Addr, _ int) {
				log.Debug("turn: allocation", "client", src, "transport", dst.Network(), "user", user, "relay", relay)
			},
			OnAllocationDeleted: func(src, dst net.Addr, _, user, _ string) {
				log.Debug("turn: allocation ended", "client", src, "transport", dst.Network(), "user", user)
			},
			OnPermissionCreated: func(src, _ net.Addr, _, _, _ string, _ net.Addr, peer net.IP) {
				perms.created(src, peer)
			},
			OnPermissionDeleted: func(src, _ net.Addr, _, _, _ string, _ net.Addr, peer net.IP) {
				perms.deleted(src, peer)
			},
			OnAuth: func(src, _ net.Addr, _, user, _, method string, ok bool) {
				if !ok {
					log.Debug("turn: refused credentials", "client", src, "user", user, "method", method, "reason", "wrong password")
				}
			},
		},
		PacketConnConfigs: []turn.PacketConnConfig{{
			PacketConn:            pc,
			RelayAddressGenerator: s.relays,
			PermissionHandler:     perms.permit,
		}},
		ListenerConfigs: []turn.ListenerConfig{{
			Listener:              s.tcp,
			RelayAddressGenerator: s.relays,
			PermissionHandler:     perms.permit,
		}},
	})
	if err != nil {
		s.relays.shut()
		pc.Close()
		s.tcp.Close()
		s.wait()
		return nil, fmt.Errorf("turn server: %w", err)
	}
	log.Info("turn: listening", "udp", udp.LocalAddr(), "tcp", tcp.Addr(), "public_ip", rc.public,
		"relay_ports", fmt.Sprintf("%d-%d", cfg.RelayPortMin, cfg.RelayPortMax))
	return s, nil
}

// listenBoth opens UDP and TCP on the same port. With port 0 it retries a few times in case the
// port picked for UDP is taken on TCP.
func listenBoth(rc resolved) (net.PacketConn, net.Listener, error) {
	for try := 0; ; try++ {
		udp, err := net.ListenUDP(rc.udp, net.UDPAddrFromAddrPort(netip.AddrPortFrom(rc.bind, uint16(rc.port))))
		if err != nil {
			return nil, nil, fmt.Errorf("turn udp listen: %w", err)
		}
		port := udp.LocalAddr().(*net.UDPAddr).Port
		tcp, err := net.ListenTCP(rc.tcp, net.TCPAddrFromAddrPort(netip.AddrPortFrom(rc.bind, uint16(port))))
		if err == nil {
			return udp, tcp, nil
		}
		udp.Close()
		if rc.port != 0 || try == 10 {
			return nil, nil, fmt.Errorf("turn tcp listen: %w", err)
		}
	}
}

// Addr is the bound listen address (UDP and TCP).
func (s *Server) Addr() netip.AddrPort { return s.addr }

// Allocations is the number of live relay allocations.
func (s *Server) Allocations() int { return s.relays.allocations() }

// Close stops the server: it refuses new allocations, closes the listeners, every TCP connection
// and every relay, and waits until pion's goroutines have left all of those sockets.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.relays.shut()
		err := s.turn.Close()
		s.tcp.shutdown()
		s.closeErr = errors.Join(err, s.wait())
	})
	return s.closeErr
}

func (s *Server) wait() error {
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-time.After(closeWait):
		return fmt.Errorf("turn server: sockets still in use %s after close", closeWait)
	}
}
