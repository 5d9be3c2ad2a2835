package hep_test

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"voiplab/capture"
	"voiplab/capture/hep"
)

// A Sender forwards the SIP a capture sees to a collector; a Listener turns
// the HEP it receives back into datagrams the analyser reads like a capture.
func Example() {
	ctx := context.Background()
	l, err := hep.Listen(ctx, "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()

	s, err := hep.Dial(ctx, l.Addr().String(), "tcp", 2001)
	if err != nil {
		panic(err)
	}
	defer s.Close()
	err = s.SendSIP(&capture.Datagram{
		Time:      time.Date(2026, 11, 27, 18, 0, 0, 250000000, time.UTC),
		Src:       netip.MustParseAddrPort("192.0.2.10:5060"),
		Dst:       netip.MustParseAddrPort("192.0.2.20:5060"),
		Transport: capture.UDP,
		Payload:   []byte("OPTIONS sip:pbx@192.0.2.20 SIP/2.0\r\nCall-ID: abc\r\n\r\n"),
	}, "abc")
	if err != nil {
		panic(err)
	}

	d, err := l.Next(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println(d.Frame, d.Time.Format(time.RFC3339Nano), d.Src, "->", d.Dst, d.Transport)
	fmt.Printf("%.34s\n", d.Payload)
	// Output:
	// 1 2026-11-27T18:00:00.25Z 192.0.2.10:5060 -> 192.0.2.20:5060 UDP
	// OPTIONS sip:pbx@192.0.2.20 SIP/2.0
}

func ExampleDecode() {
	b := hep.Encode(nil, &hep.Packet{
		Src:       netip.MustParseAddrPort("[2001:db8::1]:5060"),
		Dst:       netip.MustParseAddrPort("[2001:db8::2]:5060"),
		Transport: capture.UDP,
		ProtoType: hep.ProtoSIP,
		AgentID:   7,
		Payload:   []byte("SIP/2.0 200 OK\r\n\r\n"),
	})
	p, err := hep.Decode(b)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(b), p.Src, p.Dst, p.AgentID, p.ProtoType == hep.ProtoSIP)

	_, err = hep.Decode(b[:40])
	fmt.Println(err)
	// Output:
	// 141 [2001:db8::1]:5060 [2001:db8::2]:5060 7 true
	// hep: header announces 141 octets, 40 received: truncated HEP packet
}
