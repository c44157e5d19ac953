package api

import (
	"net"
	"net/netip"
	"strings"

	"github.com/gin-gonic/gin"
)

// clientIP is the address of the person behind a request. Behind a reverse proxy every request
// comes from the proxy, so the forwarding headers are read, but only when the request reaches us
// from a proxy the operator configured (Config.TrustedProxies): anyone else could write any
// address there. The chain is walked from the nearest hop outwards, skipping trusted proxies; the
// first hop that is not one is the client. Forwarded (RFC 7239) wins over X-Forwarded-For.
func (s *Server) clientIP(c *gin.Context) string {
	if v, ok := c.Get("client_ip"); ok {
		return v.(string)
	}
	ip := s.clientAddr(c.Request.RemoteAddr, c.Request.Header.Values("Forwarded"), c.Request.Header.Values("X-Forwarded-For"))
	out := ip.String()
	if !ip.IsValid() {
		out = "unknown"
	}
	c.Set("client_ip", out)
	return out
}

// clientKey is the key per-address budgets count under: the client's IPv4 address, or its IPv6
// /64, since one home or phone network is handed a whole /64 and could otherwise spend a fresh
// budget from every address in it.
func (s *Server) clientKey(c *gin.Context) string {
	ip, err := netip.ParseAddr(s.clientIP(c))
	if err != nil {
		return "unknown"
	}
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}

func (s *Server) trusted(ip netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// clientAddr does clientIP's work on the raw values.
func (s *Server) clientAddr(remote string, forwarded, xff []string) netip.Addr {
	peer := parseHop(remote)
	if !peer.IsValid() || !s.trusted(peer) {
		return peer
	}
	var hops []string
	if len(forwarded) > 0 {
		hops = forwardedFor(forwarded)
	} else {
		for _, v := range xff {
			hops = append(hops, strings.Split(v, ",")...)
		}
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		hop := parseHop(strings.TrimSpace(hops[i]))
		if !hop.IsValid() {
			// "unknown", an obfuscated name or garbage: nothing further out can be believed.
			return client
		}
		client = hop
		if !s.trusted(hop) {
			return hop
		}
	}
	return client
}

// forwardedFor returns the for= value of each element of Forwarded headers, in order.
func forwardedFor(values []string) []string {
	var out []string
	for _, v := range values {
		for _, elem := range splitQuoted(v, ',') {
			found := ""
			for _, pair := range splitQuoted(elem, ';') {
				k, val, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if ok && strings.EqualFold(strings.TrimSpace(k), "for") {
					found = strings.Trim(strings.TrimSpace(val), `"`)
				}
			}
			// An element without for= still names a hop we cannot see through.
			if found == "" {
				found = "unknown"
			}
			out = append(out, found)
		}
	}
	return out
}

// splitQuoted splits s at sep outside double-quoted strings.
func splitQuoted(s string, sep byte) []string {
	var out []string
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && quoted:
			i++
		case s[i] == '"':
			quoted = !quoted
		case s[i] == sep && !quoted:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// parseHop reads "1.2.3.4", "1.2.3.4:5678", "[2001:db8::1]:443" or "2001:db8::1".
func parseHop(h string) netip.Addr {
	if h == "" || len(h) > 64 {
		return netip.Addr{}
	}
	if ap, err := netip.ParseAddrPort(h); err == nil {
		return ap.Addr().Unmap()
	}
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	ip, err := netip.ParseAddr(strings.Trim(h, "[]"))
	if err != nil || ip.Zone() != "" {
		return netip.Addr{}
	}
	return ip.Unmap()
}

// ParseTrustedProxies reads the --trusted-proxies list: IP addresses or CIDR prefixes.
func ParseTrustedProxies(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		s = strings.TrimSpace(s)
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		ip, err := netip.ParseAddr(s)
		if err != nil {
			return nil, &net.ParseError{Type: "IP address or CIDR prefix", Text: s}
		}
		out = append(out, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
	}
	return out, nil
}
