package turnserver

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
)

// TestWebRTCPeersConnectThroughTheRelay connects two pion peers that may only use relay
// candidates, so every packet between them goes through the server, and exchanges a data-channel
// message. The relays talk to each other on 127.0.0.1, hence AllowPrivatePeers.
func TestWebRTCPeersConnectThroughTheRelay(t *testing.T) {
	for _, transport := range []string{"udp", "tcp"} {
		t.Run(transport, func(t *testing.T) {
			s := newTestServer(t, Config{AllowPrivatePeers: true})
			offerer := relayPeer(t, s, transport)
			answerer := relayPeer(t, s, transport)

			got := make(chan string, 1)
			answerer.OnDataChannel(func(dc *webrtc.DataChannel) {
				dc.OnMessage(func(m webrtc.DataChannelMessage) {
					select {
					case got <- string(m.Data):
					default:
					}
				})
			})
			dc, err := offerer.CreateDataChannel("chat", nil)
			if err != nil {
				t.Fatal(err)
			}
			opened := make(chan struct{})
			dc.OnOpen(func() { close(opened) })

			offer, err := offerer.CreateOffer(nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := answerer.SetRemoteDescription(gathered(t, offerer, offer)); err != nil {
				t.Fatal(err)
			}
			answer, err := answerer.CreateAnswer(nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := offerer.SetRemoteDescription(gathered(t, answerer, answer)); err != nil {
				t.Fatal(err)
			}

			select {
			case <-opened:
			case <-time.After(15 * time.Second):
				t.Fatalf("data channel never opened (ICE %s)", offerer.ICEConnectionState())
			}
			if err := dc.SendText("hello from a strict network"); err != nil {
				t.Fatal(err)
			}
			select {
			case m := <-got:
				if m != "hello from a strict network" {
					t.Fatalf("got %q", m)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("message never arrived")
			}

			pair, err := offerer.SCTP().Transport().ICETransport().GetSelectedCandidatePair()
			if err != nil || pair == nil {
				t.Fatalf("no selected pair: %v", err)
			}
			if pair.Local.Typ != webrtc.ICECandidateTypeRelay || pair.Remote.Typ != webrtc.ICECandidateTypeRelay {
				t.Fatalf("selected pair %s <-> %s is not relay to relay", pair.Local, pair.Remote)
			}
			if n := s.Allocations(); n < 2 {
				t.Fatalf("allocations = %d, want one per peer at least", n)
			}
		})
	}
}

// relayPeer is a pion peer on loopback that gathers only relay candidates from s over transport.
func relayPeer(t *testing.T, s *Server, transport string) *webrtc.PeerConnection {
	t.Helper()
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	types := []webrtc.NetworkType{webrtc.NetworkTypeUDP4}
	if transport == "tcp" {
		types = append(types, webrtc.NetworkTypeTCP4)
	}
	se.SetNetworkTypes(types)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	cred := s.Credentials(time.Now())
	var urls []string
	for _, u := range cred.URLs {
		if strings.HasSuffix(u, "transport="+transport) {
			urls = append(urls, u)
		}
	}
	pc, err := webrtc.NewAPI(webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{
		ICEServers:         []webrtc.ICEServer{{URLs: urls, Username: cred.Username, Credential: cred.Credential}},
		ICETransportPolicy: webrtc.ICETransportPolicyRelay,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc
}

// gathered applies a local offer or answer and returns it with every candidate in it.
func gathered(t *testing.T, pc *webrtc.PeerConnection, sd webrtc.SessionDescription) webrtc.SessionDescription {
	t.Helper()
	done := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(sd); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("gathering never completed")
	}
	return *pc.LocalDescription()
}
