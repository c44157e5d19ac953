package room

import (
	"fmt"
	"net"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
)

// NetConfig describes how peers reach the server.
type NetConfig struct {
	// UDPPort, if non-zero, carries all WebRTC media on one UDP port (ICE UDP mux), which is what a
	// firewall or a home router can forward. Zero uses an ephemeral port per peer.
	UDPPort int
	// PublicIPs are advertised as host candidates in place of the machine's own addresses, for
	// servers behind 1:1 NAT.
	PublicIPs []string
	// Loopback offers 127.0.0.1 candidates and only those: for tests and single-machine use.
	Loopback bool
}

// NewAPI builds the pion API every room shares: codecs (Opus, and VP8 for collages), default interceptors (NACK, RTCP reports,
// TWCC) and ICE settings.
func NewAPI(cfg NetConfig) (*webrtc.API, func() error, error) {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: opusCapability,
		PayloadType:        111,
	}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, nil, err
	}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: vp8Capability,
		PayloadType:        96,
	}, webrtc.RTPCodecTypeVideo); err != nil {
		return nil, nil, err
	}
	reg := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, reg); err != nil {
		return nil, nil, err
	}
	se := webrtc.SettingEngine{}
	se.SetICETimeouts(5*time.Second, 15*time.Second, 2*time.Second)
	closer := func() error { return nil }
	if cfg.Loopback {
		se.SetIncludeLoopbackCandidate(true)
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
		se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	} else {
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6})
	}
	if len(cfg.PublicIPs) > 0 {
		if err := se.SetICEAddressRewriteRules(webrtc.ICEAddressRewriteRule{
			External:        cfg.PublicIPs,
			AsCandidateType: webrtc.ICECandidateTypeHost,
			Mode:            webrtc.ICEAddressRewriteReplace,
		}); err != nil {
			return nil, nil, fmt.Errorf("public ip: %w", err)
		}
	}
	if cfg.UDPPort != 0 {
		addr := &net.UDPAddr{Port: cfg.UDPPort}
		if cfg.Loopback {
			addr.IP = net.IPv4(127, 0, 0, 1)
		}
		conn, err := net.ListenUDP("udp", addr)
		if err != nil {
			return nil, nil, fmt.Errorf("webrtc udp port %d: %w", cfg.UDPPort, err)
		}
		mux := webrtc.NewICEUDPMux(nil, conn)
		se.SetICEUDPMux(mux)
		closer = mux.Close
	}
	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se))
	return api, closer, nil
}

var opusCapability = webrtc.RTPCodecCapability{
	MimeType:    webrtc.MimeTypeOpus,
	ClockRate:   48000,
	Channels:    2,
	SDPFmtpLine: "minptime=10;useinbandfec=1;stereo=1;sprop-stereo=1",
}
