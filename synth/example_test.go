package synth_test

import (
	"bytes"
	"fmt"
	"net/netip"
	"time"

	"voiplab/capture"
	"voiplab/synth"
)

// A busy callee: INVITE, 100, 180, 486, ACK and no media.
func ExampleScenario_Write() {
	s := synth.Scenario{
		Seed:  1,
		Start: time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC),
		Calls: []synth.Call{{
			CallID:  "busy@example",
			Caller:  synth.Endpoint{Addr: netip.MustParseAddrPort("192.0.2.1:5060"), User: "201", UserAgent: "phone"},
			Callee:  synth.Endpoint{Addr: netip.MustParseAddrPort("192.0.2.2:5060"), User: "202", UserAgent: "phone"},
			Outcome: synth.Rejected, RejectStatus: 486,
		}},
	}
	st, err := s.Write(synth.DatagramWriterFunc(func(d *capture.Datagram) error {
		first, _, _ := bytes.Cut(d.Payload, []byte("\r\n"))
		fmt.Printf("%s > %s  %s\n", d.Src, d.Dst, first)
		return nil
	}))
	if err != nil {
		fmt.Println(err)
	}
	fmt.Printf("%+v\n", st)
	// Output:
	// 192.0.2.1:5060 > 192.0.2.2:5060  INVITE sip:202@192.0.2.2:5060 SIP/2.0
	// 192.0.2.2:5060 > 192.0.2.1:5060  SIP/2.0 100 Trying
	// 192.0.2.2:5060 > 192.0.2.1:5060  SIP/2.0 180 Ringing
	// 192.0.2.2:5060 > 192.0.2.1:5060  SIP/2.0 486 Busy Here
	// 192.0.2.1:5060 > 192.0.2.2:5060  ACK sip:202@192.0.2.2:5060 SIP/2.0
	// {Packets:5 SIPMessages:5 RTPPackets:0 RTCPPackets:0}
}
