package b2bua_test

import (
	"context"
	"net"
	"net/netip"
	"time"

	"github.com/emiago/sipgo"

	"voiplab/pbx/b2bua"
	"voiplab/pbx/cdr"
	"voiplab/pbx/relay"
)

// ExampleNew wires a B2BUA the way the PBX server does: one UA whose client
// sends from the listening port, a relay for the media, the handlers
// attached before the listener serves.
func ExampleNew() {
	listen := netip.MustParseAddrPort("127.0.0.1:5060")
	ua, _ := sipgo.NewUA(sipgo.WithUserAgent("voiplab"), sipgo.WithUserAgentHostname("lab.local"))
	defer ua.Close()
	srv, _ := sipgo.NewServer(ua)
	// Symmetric signalling: requests leave from the listening port.
	cli, _ := sipgo.NewClient(ua, sipgo.WithClientConnectionAddr(listen.String()))
	rel, _ := relay.New(relay.Config{Addr: listen.Addr(), PortMin: 10000, PortMax: 20000, Timeout: 60 * time.Second})
	b, err := b2bua.New(b2bua.Config{
		Domain: "lab.local", UA: ua, Client: cli, Contact: listen,
		Locator:   staticLocator{},
		Extension: func(n string) (b2bua.Extension, bool) { return b2bua.Extension{Number: n}, n >= "200" && n <= "209" },
		Codecs:    []string{"G722", "PCMA", "PCMU", "telephone-event"},
		RelayMode: b2bua.RelayAuto, Relay: rel,
		OnCDR: func(r cdr.Record) { /* store it */ },
	})
	if err != nil {
		return
	}
	b.Attach(srv)
	conn, err := net.ListenPacket("udp", listen.String())
	if err != nil {
		return
	}
	go srv.ServeUDP(conn)
	// ... on SIGTERM:
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = b.Drain(ctx)
}

type staticLocator struct{}

func (staticLocator) Contacts(string) []b2bua.Contact { return nil }
