package hep

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"voiplab/capture"
)

// srSDES is an SR with one report block followed by an SDES CNAME, written
// out from RFC 3550 §6.4.1 and §6.5.1.
var srSDES = strings.Join([]string{
	"81c8000c",          // V=2 RC=1 PT=200 length=12 (13 words)
	"11223344",          // SSRC of sender
	"e1a2b3c4 80000000", // NTP timestamp
	"00000fa0",          // RTP timestamp 4000
	"00000032",          // packet count 50
	"00001f40",          // octet count 8000
	"55667788",          // SSRC_1
	"05 00000a",         // fraction lost 5, cumulative lost 10
	"00010064",          // extended highest sequence 65636
	"0000001e",          // jitter 30
	"b3c48000",          // LSR
	"00020000",          // DLSR
	"81ca0003",          // V=2 SC=1 PT=202 length=3
	"11223344",          // SSRC
	"0104616c6963 0000", // CNAME "alic", end, padding
}, "")

func TestNewRTCPReport(t *testing.T) {
	b, err := hex.DecodeString(strings.ReplaceAll(srSDES, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRTCPReport(b)
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"sender_information":{"ntp_timestamp_sec":3785536452,"ntp_timestamp_usec":2147483648,` +
		`"rtp_timestamp":4000,"packets":50,"octets":8000},"ssrc":287454020,"type":200,"report_count":1,` +
		`"report_blocks":[{"source_ssrc":1432778632,"fraction_lost":5,"packets_lost":10,"highest_seq_no":65636,` +
		`"ia_jitter":30,"lsr":3015999488,"dlsr":131072}],` +
		`"report_blocks_xr":{"type":0,"id":0,"fraction_lost":0,"fraction_discard":0,"burst_density":0,` +
		`"gap_density":0,"burst_duration":0,"gap_duration":0,"round_trip_delay":0,"end_system_delay":0},` +
		`"sdes_ssrc":287454020}`
	if string(js) != want {
		t.Errorf("JSON:\n got %s\nwant %s", js, want)
	}

	// Two octets after the last packet, as in frame 529 of
	// heplify_rtp_rtcp_sip_ipv4_udp.pcap, which tshark decodes.
	r2, err := NewRTCPReport(append(b, 0, 0))
	if err != nil || r2.SdesSSRC != r.SdesSSRC || len(r2.ReportBlocks) != 1 {
		t.Errorf("with trailing octets: %+v, %v", r2, err)
	}

	if _, err := NewRTCPReport([]byte("INVITE")); !errors.Is(err, ErrRTCP) {
		t.Errorf("not RTCP: %v", err)
	}
}

// TestSendRTCP: the report travels as protocol type 5 with the Call-ID as
// correlation ID and the RTCP datagram's addresses.
func TestSendRTCP(t *testing.T) {
	b, _ := hex.DecodeString(strings.ReplaceAll(srSDES, " ", ""))
	l := listen(t, "127.0.0.1:0")
	s, err := Dial(context.Background(), l.Addr().String(), "udp", 9)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d := corpusLike(b)
	if err := s.SendRTCP(d, "call-42"); err != nil {
		t.Fatal(err)
	}
	if err := s.SendRTCP(&capture.Datagram{Payload: []byte("x")}, "c"); !errors.Is(err, ErrRTCP) {
		t.Errorf("non-RTCP datagram: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5e9)
	defer cancel()
	p, err := l.NextPacket(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p.ProtoType != ProtoRTCPJSON || p.CorrelationID != "call-42" || p.AgentID != 9 ||
		p.Src != d.Src || p.Dst != d.Dst || !p.Time.Equal(d.Time) {
		t.Errorf("packet %+v", p)
	}
	var r RTCPReport
	if err := json.Unmarshal(p.Payload, &r); err != nil || r.SSRC != 0x11223344 || len(r.ReportBlocks) != 1 {
		t.Errorf("payload %s: %v", p.Payload, err)
	}
}

func corpusLike(payload []byte) *capture.Datagram {
	return &capture.Datagram{
		Time:      mustTime("2026-11-27T18:00:01.000250Z"),
		Src:       mustAddrPort("192.0.2.1:10001"),
		Dst:       mustAddrPort("192.0.2.2:20001"),
		Transport: capture.UDP,
		Payload:   payload,
	}
}

// FuzzRTCPReport: NewRTCPReport never panics on any input.
func FuzzRTCPReport(f *testing.F) {
	b, _ := hex.DecodeString(strings.ReplaceAll(srSDES, " ", ""))
	f.Add(b)
	f.Add(b[:20])
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := NewRTCPReport(b); err == nil {
			if _, err := json.Marshal(r); err != nil {
				t.Fatal(err)
			}
		}
	})
}
