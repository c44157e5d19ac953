// Package turnserver is Hearth's optional built-in TURN server. It relays media for members whose
// networks block direct UDP to the server (strict corporate Wi-Fi, some mobile carriers), hands out
// short-lived credentials in the widely used time-limited scheme, and refuses to relay to the
// host's own private networks so that it cannot be used as a way into them.
package turnserver

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"time"
)

// Errors returned by this package.
var (
	// ErrConfig wraps every configuration problem found by Validate.
	ErrConfig = errors.New("invalid TURN configuration")
	// ErrClosed is returned for allocations attempted while the server shuts down.
	ErrClosed = errors.New("TURN server is closed")
	// ErrQuota is returned when an allocation would exceed a per-user or total cap.
	ErrQuota = errors.New("TURN allocation quota reached")
)

// Defaults applied to zero fields of Config.
const (
	DefaultRealm                 = "hearth"
	DefaultTTL                   = 6 * time.Hour
	DefaultRelayPortMin          = 49160
	DefaultRelayPortMax          = 49200
	DefaultMaxAllocationsPerUser = 8
)

// Config is the TURN server's configuration, passed by value. Zero fields take the defaults above.
type Config struct {
	// ListenAddr is where clients reach the server, on UDP and on TCP at the same port, e.g.
	// ":3478". A host, if given, must be an IP address. Port 0 picks a free port (tests).
	ListenAddr string
	// PublicIP is the address advertised to clients in relay candidates and in the TURN URLs: the
	// router's public address at home, the VM's public (1:1 NAT) address in a cloud. Its family
	// (IPv4 or IPv6) is the family the server listens and relays on.
	PublicIP string
	// Realm is the TURN realm; clients learn it from the server.
	Realm string
	// Secret is the HMAC key of the credentials. Empty generates a random one at start, which
	// invalidates earlier credentials on restart (harmless: Hearth's peers restart with it).
	Secret []byte
	// RelayPortMin and RelayPortMax bound the UDP ports relays use (inclusive). The firewall must
	// let UDP in on this range as well as on ListenAddr's port.
	RelayPortMin, RelayPortMax int
	// TTL is how long credentials stay valid. It should outlast the longest session: an
	// allocation cannot be refreshed with expired credentials.
	TTL time.Duration
	// AllowPrivatePeers lets relays talk to loopback, private (RFC 1918, ULA), link-local,
	// carrier-grade NAT and other special-purpose addresses. Off, the server only relays to
	// globally routable unicast addresses. Only for tests and closed networks.
	AllowPrivatePeers bool
	// MediaPort is Hearth's own WebRTC UDP port (--udp-port). On the server's own addresses
	// relays may then reach only that port and the relay range, nothing else the host runs.
	// Zero (Hearth on ephemeral ports) allows any port there except the TURN port itself.
	MediaPort int
	// MaxAllocationsPerUser caps the live allocations of one credential (a browser makes one
	// per TURN URL and local network interface).
	MaxAllocationsPerUser int
	// MaxAllocations caps the live allocations in total. Zero means the size of the relay port
	// range, which is a hard cap anyway.
	MaxAllocations int
}

func (c Config) withDefaults() Config {
	if c.Realm == "" {
		c.Realm = DefaultRealm
	}
	if c.TTL == 0 {
		c.TTL = DefaultTTL
	}
	if c.RelayPortMin == 0 && c.RelayPortMax == 0 {
		c.RelayPortMin, c.RelayPortMax = DefaultRelayPortMin, DefaultRelayPortMax
	}
	if c.MaxAllocationsPerUser == 0 {
		c.MaxAllocationsPerUser = DefaultMaxAllocationsPerUser
	}
	if c.MaxAllocations == 0 {
		c.MaxAllocations = c.RelayPortMax - c.RelayPortMin + 1
	}
	return c
}

// Validate reports the first problem of a configuration after defaults are applied.
func (c Config) Validate() error {
	c = c.withDefaults()
	_, err := c.resolve()
	return err
}

// resolved is the checked, parsed form of a Config.
type resolved struct {
	public   netip.Addr // advertised relay address
	bind     netip.Addr // local address of the listeners and relays
	port     int        // listen port as configured (0: pick one)
	udp, tcp string     // "udp4"/"tcp4" or "udp6"/"tcp6"
}

func (c Config) resolve() (resolved, error) {
	var r resolved
	bad := func(format string, args ...any) (resolved, error) {
		return r, fmt.Errorf("%w: %s", ErrConfig, fmt.Sprintf(format, args...))
	}
	if c.PublicIP == "" {
		return bad("a public IP is required: it is the relay address clients are given")
	}
	pub, err := netip.ParseAddr(c.PublicIP)
	if err != nil || pub.Zone() != "" {
		return bad("public IP %q is not an IP address", c.PublicIP)
	}
	pub = pub.Unmap()
	if pub.IsUnspecified() || pub.IsMulticast() {
		return bad("public IP %s cannot be a relay address", pub)
	}
	r.public = pub
	r.udp, r.tcp = "udp4", "tcp4"
	r.bind = netip.IPv4Unspecified()
	if pub.Is6() {
		r.udp, r.tcp = "udp6", "tcp6"
		r.bind = netip.IPv6Unspecified()
	}

	if c.ListenAddr == "" {
		return bad("a listen address is required, e.g. :3478")
	}
	host, portStr, err := net.SplitHostPort(c.ListenAddr)
	if err != nil {
		return bad("listen address %q: %v", c.ListenAddr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535 {
		return bad("listen address %q: bad port", c.ListenAddr)
	}
	r.port = port
	if host != "" {
		ip, err := netip.ParseAddr(host)
		if err != nil {
			return bad("listen address %q: the host must be an IP address", c.ListenAddr)
		}
		ip = ip.Unmap()
		if ip.Is4() != pub.Is4() {
			return bad("listen address %s and public IP %s are of different IP families", ip, pub)
		}
		r.bind = ip
	}

	switch {
	case c.RelayPortMin < 1 || c.RelayPortMax > 65535 || c.RelayPortMin > c.RelayPortMax:
		return bad("relay port range %d-%d is not a range of ports", c.RelayPortMin, c.RelayPortMax)
	case port != 0 && port >= c.RelayPortMin && port <= c.RelayPortMax:
		return bad("listen port %d lies inside the relay port range %d-%d", port, c.RelayPortMin, c.RelayPortMax)
	case c.MediaPort < 0 || c.MediaPort > 65535:
		return bad("media port %d is not a port", c.MediaPort)
	case c.MediaPort != 0 && (c.MediaPort == port || c.MediaPort >= c.RelayPortMin && c.MediaPort <= c.RelayPortMax):
		return bad("media port %d collides with the TURN port or the relay range", c.MediaPort)
	case c.Realm == "" || len(c.Realm) > 127:
		return bad("realm must be 1 to 127 characters")
	case len(c.Secret) > 0 && len(c.Secret) < 16:
		return bad("secret must be at least 16 bytes (or empty to generate one)")
	case c.TTL < time.Minute:
		return bad("credential lifetime %s is shorter than a minute", c.TTL)
	case c.MaxAllocationsPerUser < 1 || c.MaxAllocations < 1:
		return bad("allocation caps must be positive")
	}
	return r, nil
}
