package rtcpreport

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"
)

// unhex decodes a hex string with spaces and newlines; "//" starts a
// comment that runs to the end of the line.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	var digits strings.Builder
	for line := range strings.Lines(s) {
		line, _, _ = strings.Cut(line, "//")
		digits.WriteString(strings.Join(strings.Fields(line), ""))
	}
	b, err := hex.DecodeString(digits.String())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCorpusValues decodes the first two datagrams of
// ndpi_rtcp_multiple_pkts_in_the_same_datagram.pcap and checks every field
// against tshark 4.0 (tshark -O rtcp, and -T fields -e rtcp.timestamp.ntp
// -e rtcp.sender.packetcount ...).
func TestCorpusValues(t *testing.T) {
	var frames [][]byte
	for _, dg := range readUDP(t, "ndpi_rtcp_multiple_pkts_in_the_same_datagram.pcap") {
		frames = append(frames, dg.payload)
	}
	sr, err := Decode(frames[0])
	if err != nil || len(sr) != 2 {
		t.Fatalf("frame 1: %d packets, %v", len(sr), err)
	}
	// SR: sender 0x5d931534, NTP Aug 13, 2017 12:15:44.302265999 UTC, RTP
	// 32000, 200 packets, 32000 octets; one block about SSRC 0 with
	// fraction 0, cumulative lost 1, highest seq 0, jitter 0, LSR/DLSR 0.
	p := sr[0]
	ntp := time.Date(2017, 8, 13, 12, 15, 44, 302265999, time.UTC)
	if p.Type != "SR" || p.SSRC != 0x5d931534 || p.RTPTime != 32000 || p.PacketCount != 200 || p.OctetCount != 32000 {
		t.Errorf("SR %+v", p)
	}
	if d := p.NTPTime.Sub(ntp); d < -time.Nanosecond || d > time.Nanosecond {
		t.Errorf("SR NTP time %v, want %v", p.NTPTime, ntp)
	}
	if want := (Block{CumulativeLost: 1}); len(p.Blocks) != 1 || p.Blocks[0] != want {
		t.Errorf("SR blocks %+v, want [%+v]", p.Blocks, want)
	}
	// SDES: chunk 0x5d931534, CNAME "5d931534", NOTE "FreeSWITCH.org -- Come
	// to ClueCon.com".
	s := sr[1]
	if s.Type != "SDES" || s.SSRC != 0x5d931534 || s.CNAME != "5d931534" ||
		s.Items["NOTE"] != "FreeSWITCH.org -- Come to ClueCon.com" || len(s.Chunks) != 1 {
		t.Errorf("SDES %+v", s)
	}

	rr, err := Decode(frames[1])
	if err != nil || len(rr) != 2 {
		t.Fatalf("frame 2: %d packets, %v", len(rr), err)
	}
	// RR: sender 0x01932db4; block about SSRC 0: fraction 1/256, cumulative
	// lost 1, extended highest sequence 48834, jitter 1, LSR 0, DLSR 0.
	want := Block{FractionLost: 1, CumulativeLost: 1, HighestSeq: 48834, Jitter: 1}
	if p := rr[0]; p.Type != "RR" || p.SSRC != 0x01932db4 || len(p.Blocks) != 1 || p.Blocks[0] != want {
		t.Errorf("RR %+v", p)
	}
	if f := rr[0].Blocks[0].Fraction(); f != 1.0/256 {
		t.Errorf("fraction %v", f)
	}
	if s := rr[1]; s.CNAME != "1932db4" {
		t.Errorf("SDES CNAME %q", s.CNAME)
	}
}

// TestCompoundByteLiterals covers layouts the corpus lacks.
func TestCompoundByteLiterals(t *testing.T) {
	tests := []struct {
		name    string
		hex     string
		wantErr error
		check   func(t *testing.T, pkts []Packet)
	}{
		{
			// RR with one block whose cumulative lost is ffff fe (−2:
			// duplicates, RFC 3550 §6.4.1), fraction 0x40 (0.25), padded
			// with 4 octets (P bit, last octet 4), then BYE with reason
			// "bye" (03 62 79 65).
			name: "rr negative loss padding and bye",
			hex: `a1c9 0008 0000 0001  0000 0002 40ff fffe  0001 0010 0000 00a0
			      1234 5678 0000 8000  0000 0004
			      81cb 0002 0000 0001  0362 7965`,
			check: func(t *testing.T, pkts []Packet) {
				if len(pkts) != 2 {
					t.Fatalf("%d packets", len(pkts))
				}
				b := pkts[0].Blocks[0]
				want := Block{SSRC: 2, FractionLost: 0x40, CumulativeLost: -2, HighestSeq: 0x10010, Jitter: 160, LSR: 0x12345678, DLSR: 0x8000}
				if b != want {
					t.Errorf("block %+v, want %+v", b, want)
				}
				if b.Fraction() != 0.25 || b.JitterMs(8000) != 20 {
					t.Errorf("fraction %v, jitter %v ms", b.Fraction(), b.JitterMs(8000))
				}
				if p := pkts[1]; p.Type != "BYE" || p.SSRC != 1 || p.Reason != "bye" || len(p.Sources) != 1 {
					t.Errorf("BYE %+v", p)
				}
			},
		},
		{
			// PSFB PLI (FMT 1): sender 0x0a, media 0x0b (RFC 4585 §6.3.1);
			// APP "PoC1" subtype 2 with 4 data octets.
			name: "psfb and app",
			hex:  `81ce 0002 0000 000a 0000 000b  82cc 0003 0000 000a 506f 4331 0102 0304`,
			check: func(t *testing.T, pkts []Packet) {
				if p := pkts[0]; p.Type != "PSFB" || p.Count != 1 || p.SSRC != 0x0a || p.MediaSSRC != 0x0b {
					t.Errorf("PSFB %+v", p)
				}
				if p := pkts[1]; p.Type != "APP" || p.Count != 2 || p.Name != "PoC1" || p.SSRC != 0x0a {
					t.Errorf("APP %+v", p)
				}
			},
		},
		{
			// SR claims 2 report blocks (RC=2) in room for none: malformed,
			// still returned with its SSRC; the RR after it still decodes.
			name: "malformed then valid",
			hex: `82c8 0006 0000 0007  0000 0000 0000 0000  0000 0000 0000 0000 0000 0000
			      80c9 0001 0000 0008`,
			wantErr: ErrMalformed,
			check: func(t *testing.T, pkts []Packet) {
				if len(pkts) != 2 || pkts[0].Type != "SR" || pkts[0].SSRC != 7 || pkts[1].SSRC != 8 {
					t.Errorf("packets %+v", pkts)
				}
			},
		},
		{
			// Two RRs then an SR whose length (12 words) overruns the
			// datagram. (After a single packet, 8 or more bytes that do not
			// form a packet are taken for SRTCP instead.)
			name:    "truncated",
			hex:     `80c9 0001 0000 0001  80c9 0001 0000 0002  80c8 000c 0000 0003`,
			wantErr: ErrTruncated,
			check: func(t *testing.T, pkts []Packet) {
				if len(pkts) != 3 || pkts[2].Type != "SR" || pkts[2].SSRC != 3 {
					t.Errorf("packets %+v", pkts)
				}
			},
		},
		{
			// Two RRs then 2 stray octets (as in heplify frame 529).
			name:    "trailing bytes",
			hex:     `80c9 0001 0000 0001  80c9 0001 0000 0002  0000`,
			wantErr: ErrTrailingData,
			check: func(t *testing.T, pkts []Packet) {
				if len(pkts) != 2 {
					t.Errorf("packets %+v", pkts)
				}
			},
		},
		{
			// SRTCP: the clear RR header and sender SSRC, then ciphertext,
			// E flag + SRTCP index and a 10-octet tag (Google Meet frame
			// 108's layout).
			name: "srtcp",
			hex: `80c9 0001 7869 1914  abb1 78d7 2a73 df26  1111 1111 2222 2222
			      8000 0002 3333 3333 3333 3333 3333`,
			check: func(t *testing.T, pkts []Packet) {
				want := Packet{Type: "RR", PT: 201, SSRC: 0x78691914, Encrypted: true}
				if len(pkts) != 1 || pkts[0].Type != want.Type || pkts[0].SSRC != want.SSRC || !pkts[0].Encrypted {
					t.Errorf("packets %+v, want [%+v]", pkts, want)
				}
			},
		},
		{name: "version 1", hex: `40c9 0001 0000 0001`, wantErr: ErrNotRTCP},
		{name: "rtp", hex: `8008 1234 0000 00a0 0000 0001`, wantErr: ErrNotRTCP},
		{name: "empty", hex: ``, wantErr: ErrNotRTCP},
		{name: "bad padding count", hex: `a0c9 0001 0000 0000`, wantErr: ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkts, err := Decode(unhex(t, tt.hex))
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "rtcpreport: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
			if tt.check != nil {
				tt.check(t, pkts)
			}
		})
	}
}

func TestLooksLikeRTCP(t *testing.T) {
	tests := []struct {
		name string
		hex  string
		want bool
	}{
		{"rr", `80c9 0001 0000 0001`, true},
		{"xr first", `80cf 0001 0000 0001`, true},
		{"srtcp", `80c9 0001 0000 0001 aaaa aaaa bbbb bbbb cccc cccc`, true},
		{"sr too short for sender info", `80c8 0001 0000 0001`, false},
		{"length overruns", `80c9 0002 0000 0001`, false},
		{"sdes first", `81ca 0001 0000 0001`, true},
		{"pt 199", `80c7 0001 0000 0001`, false},
		{"version 0", `00c9 0001 0000 0001`, false},
		// RTP PCMA, seq 1: second byte 0x08.
		{"rtp", `8008 0001 0000 00a0 0000 0001`, false},
		// RTP with marker and PT 73: looks like RR, but the "length" (its
		// sequence number 0x1234) overruns the datagram.
		{"rtp pt 73 marker", `80c9 1234 0000 00a0 0000 0001`, false},
		{"short", `80c9 0001`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LooksLikeRTCP(unhex(t, tt.hex)); got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// BenchmarkDecode decodes the SR+SDES compound of
// ndpi_rtcp_multiple_pkts_in_the_same_datagram.pcap frame 1.
func BenchmarkDecode(b *testing.B) {
	dgs := readUDP(b, "ndpi_rtcp_multiple_pkts_in_the_same_datagram.pcap")
	p := dgs[0].payload
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeXR decodes an XR VoIP metrics packet (pion decodes XR
// blocks by reflection).
func BenchmarkDecodeXR(b *testing.B) {
	p := unhex(b, `80cf 000a 0000 0abc 0700 0008 1122 3344 0d05 4002 00f0 1388 0096 0050 ecba 7f10 507f 297f b000 0028 0050 00c8`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLooksLikeRTCP runs the heuristic on an RTP packet.
func BenchmarkLooksLikeRTCP(b *testing.B) {
	p := unhex(b, `8008 0001 0000 00a0 0000 0001`+strings.Repeat(" d5", 160))
	for b.Loop() {
		LooksLikeRTCP(p)
	}
}
