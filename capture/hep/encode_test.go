package hep

import (
	"bytes"
	"encoding/hex"
	"net/netip"
	"strings"
	"testing"
	"time"

	"voiplab/capture"
)

// TestEncodeBytes checks Encode against a packet written out by hand from the
// HEP3 specification: "HEP3", total length, then vendor/type/length chunks.
func TestEncodeBytes(t *testing.T) {
	p := &Packet{
		Src:       netip.MustParseAddrPort("10.0.0.1:5060"),
		Dst:       netip.MustParseAddrPort("10.0.0.2:5061"),
		Transport: capture.UDP,
		Time:      time.Unix(0x5f5e1000, 123456000),
		ProtoType: ProtoSIP,
		AgentID:   2002,
		Payload:   []byte("OPTIONS"),
	}
	want := strings.Join([]string{
		"48455033 006a",                 // "HEP3", 106 octets: 6 + 7+7 + 8+8 + 10+10 + 7 + 10 + 10+10 + 13
		"0000 0001 0007 02",             // IP family: IPv4 (2)
		"0000 0002 0007 11",             // IP protocol: UDP (17)
		"0000 0007 0008 13c4",           // source port 5060
		"0000 0008 0008 13c5",           // destination port 5061
		"0000 0009 000a 5f5e1000",       // seconds
		"0000 000a 000a 0001e240",       // microseconds 123456
		"0000 000b 0007 01",             // protocol type SIP
		"0000 000c 000a 000007d2",       // agent ID 2002
		"0000 0003 000a 0a000001",       // IPv4 source
		"0000 0004 000a 0a000002",       // IPv4 destination
		"0000 000f 000d 4f5054494f4e53", // payload "OPTIONS"
	}, "")
	want = strings.ReplaceAll(want, " ", "")
	got := hex.EncodeToString(Encode(nil, p))
	if got != want {
		t.Fatalf("Encode:\n got %s\nwant %s", got, want)
	}
	if n := EncodedLen(p); n != len(want)/2 {
		t.Errorf("EncodedLen = %d, want %d", n, len(want)/2)
	}
}

func TestRoundTrip(t *testing.T) {
	ts := time.Date(2026, 11, 27, 18, 0, 0, 123456000, time.UTC)
	sip := []byte("INVITE sip:bob@example.com SIP/2.0\r\nCall-ID: a84b4c76e66710\r\n\r\n")
	tests := []struct {
		name string
		p    Packet
	}{
		{"ipv4 udp", Packet{
			Src: netip.MustParseAddrPort("192.0.2.1:5060"), Dst: netip.MustParseAddrPort("192.0.2.2:5060"),
			Transport: capture.UDP, IPProto: 17, Time: ts, ProtoType: ProtoSIP, AgentID: 7, Payload: sip,
		}},
		{"ipv4 tcp with correlation", Packet{
			Src: netip.MustParseAddrPort("192.0.2.1:40000"), Dst: netip.MustParseAddrPort("192.0.2.2:5060"),
			Transport: capture.TCP, IPProto: 6, Time: ts, ProtoType: ProtoSIP, AgentID: 0xdeadbeef,
			Payload: sip, CorrelationID: "a84b4c76e66710",
		}},
		{"ipv6 udp", Packet{
			Src: netip.MustParseAddrPort("[2001:db8::1]:5060"), Dst: netip.MustParseAddrPort("[2001:db8::2]:5062"),
			Transport: capture.UDP, IPProto: 17, Time: ts, ProtoType: ProtoSIP, AgentID: 1, Payload: sip,
		}},
		{"ipv6 tcp rtcp json", Packet{
			Src: netip.MustParseAddrPort("[fe80::1]:10001"), Dst: netip.MustParseAddrPort("[fe80::2]:20001"),
			Transport: capture.TCP, IPProto: 6, Time: ts, ProtoType: ProtoRTCPJSON, AgentID: 1,
			Payload: []byte(`{"type":200}`), CorrelationID: "call-1", AuthKey: "secret",
		}},
		{"sctp", Packet{
			Src: netip.MustParseAddrPort("192.0.2.1:5060"), Dst: netip.MustParseAddrPort("192.0.2.2:5060"),
			Transport: capture.SCTP, IPProto: 132, Time: ts, ProtoType: ProtoSIP, Payload: sip,
		}},
		{"other IP protocol, no time, empty payload", Packet{
			Src: netip.MustParseAddrPort("192.0.2.1:1"), Dst: netip.MustParseAddrPort("192.0.2.2:2"),
			IPProto: 47, ProtoType: ProtoLog, Payload: []byte{},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prefix := []byte("keep")
			b := Encode(prefix, &tt.p)
			if !bytes.HasPrefix(b, []byte("keepHEP3")) {
				t.Fatalf("Encode did not append to dst: % x", b[:8])
			}
			got, err := Decode(b[4:])
			if err != nil {
				t.Fatal(err)
			}
			assertPacket(t, got, &tt.p)
		})
	}
}

func assertPacket(t *testing.T, got, want *Packet) {
	t.Helper()
	if got.Src != want.Src || got.Dst != want.Dst {
		t.Errorf("addresses %s -> %s, want %s -> %s", got.Src, got.Dst, want.Src, want.Dst)
	}
	if got.Transport != want.Transport || got.IPProto != want.IPProto {
		t.Errorf("transport %v/%d, want %v/%d", got.Transport, got.IPProto, want.Transport, want.IPProto)
	}
	if !got.Time.Equal(want.Time) {
		t.Errorf("time %v, want %v", got.Time, want.Time)
	}
	if got.ProtoType != want.ProtoType || got.AgentID != want.AgentID {
		t.Errorf("proto type %d agent %d, want %d, %d", got.ProtoType, got.AgentID, want.ProtoType, want.AgentID)
	}
	if !bytes.Equal(got.Payload, want.Payload) {
		t.Errorf("payload %q, want %q", got.Payload, want.Payload)
	}
	if got.CorrelationID != want.CorrelationID || got.AuthKey != want.AuthKey {
		t.Errorf("correlation %q auth %q, want %q, %q", got.CorrelationID, got.AuthKey, want.CorrelationID, want.AuthKey)
	}
}

// TestEncodeTooLarge: a payload that does not fit is cut so that the packet
// stays within MaxLen and still decodes.
func TestEncodeTooLarge(t *testing.T) {
	p := &Packet{
		Src: netip.MustParseAddrPort("192.0.2.1:5060"), Dst: netip.MustParseAddrPort("192.0.2.2:5060"),
		Transport: capture.TCP, Payload: make([]byte, 70000),
	}
	b := Encode(nil, p)
	if len(b) != MaxLen {
		t.Fatalf("len %d, want %d", len(b), MaxLen)
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if want := MaxLen - (EncodedLen(p) - len(p.Payload)); len(got.Payload) != want {
		t.Errorf("payload %d octets, want %d", len(got.Payload), want)
	}
}
