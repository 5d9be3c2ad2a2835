package synth

import (
	"fmt"
	"net/netip"
	"time"
)

// demoStart is the fixed start of the demo and bench captures, so that
// their bytes never change.
func demoStart() time.Time { return time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC) }

// defaultStart replaces a zero Scenario.Start, so that RTCP's NTP times
// stay in range and the bytes stay deterministic.
func defaultStart() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }

func ep(addr, user, agent string) Endpoint {
	return Endpoint{Addr: netip.MustParseAddrPort(addr), User: user, UserAgent: agent}
}

// Demo returns a scenario of about eight calls, each showing one thing a
// student should learn to spot, plus registrations and a scanner burst.
// Addresses are from the documentation ranges (RFC 5737) and RFC 1918.
//
//	demo-clean       completed G.711 call with RTCP and DTMF "123#"
//	demo-busy        486 Busy Here, through the PBX (two legs)
//	demo-codec       488: the caller offers G722 only, the callee has PCMU/PCMA
//	demo-nat         caller behind NAT (private SDP and Contact), callee's audio never arrives
//	demo-loss        5 % bursty loss and 40 ms jitter towards the callee, with RTCP
//	                 (40 ms on 20 ms packets implies some reordering)
//	demo-cancel      the caller hangs up while it rings
//	demo-noanswer    INVITE retransmitted, no response at all
//	demo-dtmf        DTMF sent on PT 101 without telephone-event in the SDP
//	registrations    201 registers fine; 202 uses a wrong password (403)
//	scan             friendly-scanner probes 200-209 with OPTIONS, then brute-forces 200
func Demo() Scenario {
	const phone = "Yealink SIP-T46U 66.86.0.15"
	const soft = "Linphone/5.2.5 (belle-sip/5.2.4)"
	pbx := ep("203.0.113.10:5060", "pbx", "voiplab-pbx")
	alice := ep("198.51.100.21:5060", "201", phone)
	bob := ep("198.51.100.22:5060", "202", soft)
	carol := ep("198.51.100.23:5060", "203", phone)
	dave := ep("198.51.100.24:5060", "204", soft)
	nat := ep("192.0.2.50:5060", "205", soft)
	nat.SDPAddr = netip.MustParseAddr("192.168.1.50")
	s := Scenario{Seed: 20260115, Start: demoStart()}
	talk := 20 * time.Second
	s.Registrations = []Registration{
		{At: 0, Endpoint: alice, Registrar: pbx.Addr, Outcome: RegOK},
		{At: 500 * time.Millisecond, Endpoint: bob, Registrar: pbx.Addr, Outcome: RegWrongPassword},
	}
	s.Calls = []Call{
		{At: 2 * time.Second, CallID: "demo-clean", Caller: alice, Callee: bob, Offer: []string{"PCMU", "PCMA", "telephone-event"},
			Outcome: Answered, Talk: talk, RTCP: true, DTMF: "123#", DTMFNegotiated: true},
		{At: 4 * time.Second, CallID: "demo-busy", Caller: carol, Callee: dave, Proxy: &pbx, Outcome: Rejected, RejectStatus: 486},
		{At: 6 * time.Second, CallID: "demo-codec", Caller: dave, Callee: alice, Offer: []string{"G722"}, Answer: []string{"PCMU", "PCMA"},
			Outcome: Rejected, RejectStatus: 488},
		{At: 8 * time.Second, CallID: "demo-nat", Caller: nat, Callee: carol, Outcome: Answered, Talk: 15 * time.Second,
			Media: MediaFaults{CalleeToCaller: Impairment{Silent: true}}},
		{At: 10 * time.Second, CallID: "demo-loss", Caller: bob, Callee: carol, Outcome: Answered, Talk: talk, RTCP: true,
			Media: MediaFaults{CallerToCallee: Impairment{LossPct: 5, BurstLen: 3, JitterMs: 40, Reorder: true}}},
		{At: 12 * time.Second, CallID: "demo-cancel", Caller: carol, Callee: alice, Outcome: Cancelled},
		{At: 14 * time.Second, CallID: "demo-noanswer", Caller: alice, Callee: ep("198.51.100.99:5060", "299", phone), Outcome: NoResponse},
		{At: 16 * time.Second, CallID: "demo-dtmf", Caller: dave, Callee: bob, Outcome: Answered, Talk: 8 * time.Second,
			Offer: []string{"PCMA"}, DTMF: "42", DTMFNegotiated: false},
	}
	exts := make([]string, 0, 10)
	for i := 200; i < 210; i++ {
		exts = append(exts, fmt.Sprint(i))
	}
	scanner := ep("192.0.2.200:5070", "100", "friendly-scanner")
	s.Scans = []Scan{
		{At: 30 * time.Second, From: scanner, Target: pbx.Addr, Extensions: exts, Method: "OPTIONS"},
		{At: 31 * time.Second, From: scanner, Target: pbx.Addr, Extensions: []string{"200"}, Attempts: 20},
	}
	return s
}

// Bench returns calls overlapping G.711 (PCMU, 20 ms) calls between
// distinct address pairs, each with talk seconds of media: with
// Bench(2000, 5*time.Second) about 1,000,000 RTP packets. A new call starts
// every 5 ms, so a few hundred are in progress at once.
func Bench(calls int, talk time.Duration) Scenario {
	s := Scenario{Seed: 1, Start: demoStart()}
	s.Calls = make([]Call, calls)
	for i := range calls {
		hi, lo := byte(i/250), byte(i%250+1)
		s.Calls[i] = Call{
			At:      time.Duration(i) * 5 * time.Millisecond,
			CallID:  fmt.Sprintf("bench-%05d@voiplab", i),
			Caller:  Endpoint{Addr: netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, hi, lo}), 5060), User: fmt.Sprint(100000 + i), UserAgent: "voiplab-bench"},
			Callee:  Endpoint{Addr: netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 2, hi, lo}), 5060), User: fmt.Sprint(200000 + i), UserAgent: "voiplab-bench"},
			Offer:   []string{"PCMU"},
			Outcome: Answered,
			Talk:    talk,
		}
	}
	return s
}
