package hep

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"voiplab/capture"
)

// corpusDir returns the shared corpus of real captures, or skips the test.
func corpusDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("VOIPLAB_CORPUS")
	if dir == "" {
		dir = "../../../shared/corpus"
	}
	if _, err := os.Stat(filepath.Join(dir, "pcaps")); err != nil {
		t.Skipf("corpus not found at %s (set VOIPLAB_CORPUS): %v", dir, err)
	}
	return dir
}

// corpusDatagrams reads every datagram of a corpus capture with the capture
// package's reader (payloads copied).
func corpusDatagrams(t testing.TB, name string) []capture.Datagram {
	t.Helper()
	r, err := capture.Open(filepath.Join(corpusDir(t), "pcaps", name))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []capture.Datagram
	for {
		d, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		c := *d
		c.Payload = bytes.Clone(d.Payload)
		out = append(out, c)
	}
}

// TestDecodeSngrep decodes packets that sngrep 1.6.0 sent (testdata/README.md
// says how they were made) and checks them against the capture sngrep read:
// addresses, transport, timestamp and payload must be the captured ones.
func TestDecodeSngrep(t *testing.T) {
	tests := []struct {
		file, pcap string
		index      int // datagram of the pcap the packet carries
		src, dst   string
		transport  capture.Transport
	}{
		// Addresses from tshark -T fields -e ip.src -e udp.srcport ... on
		// frames 1 and 2.
		{"sngrep_ipv4_udp_invite.hep", "pkts_sipp.pcap", 0, "127.0.0.1:5060", "127.0.0.1:5090", capture.UDP},
		{"sngrep_ipv4_udp_180.hep", "pkts_sipp.pcap", 1, "127.0.0.1:5090", "127.0.0.1:5060", capture.UDP},
		{"sngrep_ipv6_udp.hep", "heplify_sip_ipv6_udp.pcap", 0, "", "", capture.UDP},
		{"sngrep_ipv4_tcp.hep", "heplify_sip_ipv4_tcp_fragmented.pcap", 0, "", "", capture.TCP},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			p, err := Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			// sngrep's default capture ID is 2002, sent as 07 d2 00 00.
			if p.AgentID != 2002 {
				t.Errorf("agent ID %d (0x%x), want 2002", p.AgentID, p.AgentID)
			}
			if p.ProtoType != ProtoSIP || p.Transport != tt.transport {
				t.Errorf("proto type %d transport %v, want SIP over %v", p.ProtoType, p.Transport, tt.transport)
			}
			if tt.src != "" && (p.Src.String() != tt.src || p.Dst.String() != tt.dst) {
				t.Errorf("%s -> %s, want %s -> %s", p.Src, p.Dst, tt.src, tt.dst)
			}
			ds := corpusDatagrams(t, tt.pcap)
			d := ds[tt.index]
			if p.Src != d.Src || p.Dst != d.Dst {
				t.Errorf("%s -> %s, capture has %s -> %s", p.Src, p.Dst, d.Src, d.Dst)
			}
			// sngrep stamps a message with its first frame, the capture
			// reader with the last: they differ for a SIP message
			// reassembled from several TCP segments (here frames 1 and 2,
			// at .422287 and .422330 by tshark).
			if tt.transport == capture.UDP && !p.Time.Equal(d.Time.Truncate(time.Microsecond)) ||
				p.Time.After(d.Time) || d.Time.Sub(p.Time) > time.Second {
				t.Errorf("time %v, capture has %v", p.Time, d.Time)
			}
			if tt.transport == capture.TCP && !p.Time.Equal(time.Unix(1531993985, 422287000)) {
				t.Errorf("time %v, want frame 1's 1531993985.422287", p.Time)
			}
			if !bytes.Equal(p.Payload, d.Payload) {
				t.Errorf("payload differs from the capture:\n%q\n%q", p.Payload, d.Payload)
			}
		})
	}
}

// TestDecodeSngrepTimestamp checks the first fixture's time against tshark's
// reference: pkts_sipp.pcap's first packet is at 2012-06-23 23:45:09.792454
// UTC (pkts_sipp.pcap.tshark.json, capinfos first_packet_time).
func TestDecodeSngrepTimestamp(t *testing.T) {
	b, err := os.ReadFile("testdata/sngrep_ipv4_udp_invite.hep")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2012, 6, 23, 23, 45, 9, 792454000, time.UTC)
	if !p.Time.Equal(want) {
		t.Errorf("time %v, want %v", p.Time, want)
	}
	if !bytes.HasPrefix(p.Payload, []byte("INVITE sip:service@127.0.0.1:5090 SIP/2.0\r\n")) {
		t.Errorf("payload starts %q", p.Payload[:min(60, len(p.Payload))])
	}
}

// build assembles a HEP packet from raw chunks, with a correct total length.
func build(chunks ...[]byte) []byte {
	b := []byte("HEP3\x00\x00")
	for _, c := range chunks {
		b = append(b, c...)
	}
	binary.BigEndian.PutUint16(b[4:], uint16(len(b)))
	return b
}

func chunk(vendor, typ uint16, data ...byte) []byte {
	c := binary.BigEndian.AppendUint16(nil, vendor)
	c = binary.BigEndian.AppendUint16(c, typ)
	c = binary.BigEndian.AppendUint16(c, uint16(6+len(data)))
	return append(c, data...)
}

func TestDecodeTolerant(t *testing.T) {
	payload := chunk(0, 0x0f, 'S', 'I', 'P')
	tests := []struct {
		name  string
		b     []byte
		check func(t *testing.T, p *Packet)
	}{
		{"vendor chunk skipped", build(chunk(0x0002, 0x0001, 9, 9, 9), payload), func(t *testing.T, p *Packet) {
			if string(p.Payload) != "SIP" {
				t.Errorf("payload %q", p.Payload)
			}
		}},
		{"unknown generic chunks skipped", build(chunk(0, 0x0012, 0, 5), chunk(0, 0x0099), payload), func(t *testing.T, p *Packet) {
			if string(p.Payload) != "SIP" {
				t.Errorf("payload %q", p.Payload)
			}
		}},
		{"sngrep byte-swapped agent ID", build(chunk(0, 0x0c, 0x07, 0xd2, 0, 0)), func(t *testing.T, p *Packet) {
			if p.AgentID != 2002 {
				t.Errorf("agent %d", p.AgentID)
			}
		}},
		{"agent ID in network order", build(chunk(0, 0x0c, 0, 0, 0x07, 0xd2)), func(t *testing.T, p *Packet) {
			if p.AgentID != 2002 {
				t.Errorf("agent %d", p.AgentID)
			}
		}},
		{"16-bit agent ID", build(chunk(0, 0x0c, 0x07, 0xd2)), func(t *testing.T, p *Packet) {
			if p.AgentID != 2002 {
				t.Errorf("agent %d", p.AgentID)
			}
		}},
		{"correlation ID with a trailing NUL", build(chunk(0, 0x11, 'a', 'b', 0)), func(t *testing.T, p *Packet) {
			if p.CorrelationID != "ab" {
				t.Errorf("correlation %q", p.CorrelationID)
			}
		}},
		{"trailing bytes after the packet ignored", append(build(payload), "HEP3garbage"...), func(t *testing.T, p *Packet) {
			if string(p.Payload) != "SIP" {
				t.Errorf("payload %q", p.Payload)
			}
		}},
		{"chunks in any order, IPv6 family", build(payload,
			chunk(0, 0x06, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2),
			chunk(0, 0x08, 0x13, 0xc4),
			chunk(0, 0x05, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
			chunk(0, 0x01, 10)), func(t *testing.T, p *Packet) {
			if p.Src != netip.MustParseAddrPort("[2001:db8::1]:0") || p.Dst != netip.MustParseAddrPort("[2001:db8::2]:5060") {
				t.Errorf("%s -> %s", p.Src, p.Dst)
			}
		}},
		{"empty packet", build(), func(t *testing.T, p *Packet) {
			if p.Payload != nil || p.Src.IsValid() || !p.Time.IsZero() {
				t.Errorf("%+v", p)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Decode(tt.b)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, p)
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		err  error
		msg  string
	}{
		{"empty", nil, ErrTruncated, "0 octets"},
		{"short header", []byte("HEP"), ErrTruncated, "3 octets"},
		{"not HEP", []byte("INVITE sip:"), ErrNotHEP, `starts with 49 4e 56 49, not "HEP3"`},
		{"HEPv2", []byte{2, 16, 2, 17, 0x13, 0xc4, 0x13, 0xc4}, ErrNotHEP, "HEPv2 is not supported"},
		{"length below header", []byte("HEP3\x00\x05"), ErrChunk, "announces 5 octets"},
		{"packet cut", build(chunk(0, 0x0f, 'a', 'b'))[:12], ErrTruncated, "announces 14 octets, 12 received"},
		{"chunk header cut", append([]byte("HEP3\x00\x0a"), 0, 0, 0, 1), ErrTruncated, "4 octets left at offset 6"},
		{"chunk shorter than its header", build([]byte{0, 0, 0, 0x0f, 0, 3}), ErrChunk, "chunk 0x000f (payload) at offset 6 has length 3"},
		{"chunk past the end", build([]byte{0, 0, 0, 0x0f, 0, 40, 'a'}), ErrTruncated, "chunk 0x000f (payload) at offset 6 has length 40, only 7 octets left"},
		{"bad IPv4 size", build(chunk(0, 0x03, 1, 2, 3)), ErrChunk, "chunk 0x0003 (IPv4 source) at offset 6 has 3 data octets, want 4"},
		{"bad port size", build(chunk(0, 0x01, 2), chunk(0, 0x07, 1)), ErrChunk, "chunk 0x0007 (source port) at offset 13 has 1 data octets, want 2"},
		{"compressed payload", build(chunk(0, 0x10, 0x1f, 0x8b)), ErrUnsupported, "compressed payload"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Decode(tt.b)
			if err == nil {
				t.Fatalf("no error, packet %+v", p)
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("error %v, want %v", err, tt.err)
			}
			if !strings.Contains(err.Error(), tt.msg) || !strings.HasPrefix(err.Error(), "hep: ") {
				t.Errorf("error %q, want it to start with \"hep: \" and contain %q", err, tt.msg)
			}
		})
	}
}

// kamOptions is the request sent to Kamailio to make the kamailio_*.hep
// fixtures (testdata/README.md).
const kamOptions = "OPTIONS sip:kam@127.0.0.1:15070 SIP/2.0\r\n" +
	"Via: SIP/2.0/UDP 127.0.0.1:15071;branch=z9hG4bK-voiplab-1\r\n" +
	"Max-Forwards: 70\r\nFrom: <sip:t@127.0.0.1>;tag=1\r\nTo: <sip:kam@127.0.0.1>\r\n" +
	"Call-ID: voiplab-hep-fixture-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"

// TestDecodeKamailio decodes what Kamailio's siptrace module sent for an
// OPTIONS and its 200 OK: chunks in Kamailio's order, agent ID 2001 in
// network order, the request byte for byte.
func TestDecodeKamailio(t *testing.T) {
	tests := []struct {
		file, src, dst, prefix string
	}{
		{"kamailio_options.hep", "127.0.0.1:15071", "127.0.0.1:15070", kamOptions},
		{"kamailio_200.hep", "127.0.0.1:15070", "127.0.0.1:15071", "SIP/2.0 200 OK\r\n"},
	}
	// The fixtures were made on 2026-11-27 around 18:59 UTC.
	made := time.Date(2026, 11, 27, 18, 55, 0, 0, time.UTC)
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			p, err := Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			if p.AgentID != 2001 || p.ProtoType != ProtoSIP || p.Transport != capture.UDP {
				t.Errorf("agent %d proto type %d transport %v", p.AgentID, p.ProtoType, p.Transport)
			}
			if p.Src.String() != tt.src || p.Dst.String() != tt.dst {
				t.Errorf("%s -> %s, want %s -> %s", p.Src, p.Dst, tt.src, tt.dst)
			}
			if !strings.HasPrefix(string(p.Payload), tt.prefix) || !strings.Contains(string(p.Payload), "Call-ID: voiplab-hep-fixture-1\r\n") {
				t.Errorf("payload %q", p.Payload)
			}
			if p.Time.Before(made) || p.Time.After(made.Add(10*time.Minute)) {
				t.Errorf("time %v", p.Time)
			}
		})
	}
}
