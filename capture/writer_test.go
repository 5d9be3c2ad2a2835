package capture

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func sipMessage(method string, n int, body string) []byte {
	return fmt.Appendf(nil, "%s sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK%d\r\nCSeq: %d %s\r\nContent-Length: %d\r\n\r\n%s",
		method, n, n, method, len(body), body)
}

func TestWriterRoundTrip(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 123456789, time.UTC)
	v4a, v4b := netip.MustParseAddrPort("192.0.2.1:5060"), netip.MustParseAddrPort("198.51.100.7:5062")
	v6a, v6b := netip.MustParseAddrPort("[2001:db8::1]:5060"), netip.MustParseAddrPort("[2001:db8::2]:40000")
	big := strings.Repeat("a=x-filler\r\n", 7000) // 84 kB: several TCP segments
	in := []Datagram{
		{Src: v4a, Dst: v4b, Transport: UDP, Payload: sipMessage("INVITE", 1, "v=0\r\n")},
		{Src: v4b, Dst: v4a, Transport: UDP, Payload: []byte("SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n")},
		{Src: v6a, Dst: v6b, Transport: UDP, Payload: []byte{0x80, 0x08, 0, 1, 0, 0, 0, 160, 1, 2, 3, 4, 0xd5}},
		{Src: v4a, Dst: v4b, Transport: TCP, Payload: sipMessage("OPTIONS", 2, "")},
		{Src: v4a, Dst: v4b, Transport: TCP, Payload: sipMessage("MESSAGE", 3, big)},
		{Src: v4b, Dst: v4a, Transport: TCP, Payload: []byte("SIP/2.0 200 OK\r\nl: 3\r\n\r\nabc")},
		{Src: v6a, Dst: v6b, Transport: TCP, Payload: sipMessage("REGISTER", 4, "")},
		{Src: v6b, Dst: v6a, Transport: TCP, Payload: []byte("SIP/2.0 401 Unauthorized\r\nContent-Length: 0\r\n\r\n")},
	}
	for i := range in {
		in[i].Time = t0.Add(time.Duration(i) * 20 * time.Millisecond)
	}
	var buf bytes.Buffer
	w, err := NewWriter(&buf, WriterOptions{Comment: "round trip", Interface: "lo", Filter: "udp"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range in {
		if err := w.WriteDatagram(&in[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	file := buf.Bytes()
	r, err := NewReader(bytes.NewReader(file), "rt.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	var out []Datagram
	for {
		d, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		c := *d
		c.Payload = bytes.Clone(d.Payload)
		out = append(out, c)
	}
	if len(out) != len(in) {
		t.Fatalf("read %d datagrams, wrote %d", len(out), len(in))
	}
	for i := range in {
		name, _, _ := strings.Cut(string(firstLine(in[i].Payload)), " ")
		if !isSIPStart(firstLine(in[i].Payload)) {
			name = "rtp"
		}
		t.Run(fmt.Sprintf("%d_%s_%s", i, in[i].Transport, name), func(t *testing.T) {
			g, w := out[i], in[i]
			if g.Src != w.Src || g.Dst != w.Dst || g.Transport != w.Transport || !g.Time.Equal(w.Time) || g.Truncated {
				t.Errorf("got %s %s>%s %v trunc=%v, want %s %s>%s %v", g.Transport, g.Src, g.Dst, g.Time, g.Truncated, w.Transport, w.Src, w.Dst, w.Time)
			}
			if !bytes.Equal(g.Payload, w.Payload) {
				t.Errorf("payload differs: got %d bytes, want %d", len(g.Payload), len(w.Payload))
			}
		})
	}
	info := r.Info()
	if info.Format != "pcapng" || info.LinkType != "ether" || info.Packets != len(in)+1 { // the big message takes 2 segments
		t.Errorf("Info = %+v", info)
	}

	// tshark, when installed, must read the file, find good checksums and
	// reassemble the TCP messages.
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed")
	}
	p := filepath.Join(t.TempDir(), "rt.pcapng")
	if err := os.WriteFile(p, file, 0o644); err != nil {
		t.Fatal(err)
	}
	if o, err := exec.Command("tshark", "-r", p).CombinedOutput(); err != nil {
		t.Fatalf("tshark -r: %v\n%s", err, o)
	}
	o, err := exec.Command("tshark", "-n", "-r", p,
		"-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
		"-T", "fields", "-e", "frame.number", "-e", "ip.checksum.status", "-e", "udp.checksum.status",
		"-e", "tcp.checksum.status", "-e", "sip.Method", "-e", "sip.Status-Code").Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(o)), "\n")
	var sip []string
	for _, l := range lines {
		f := strings.Split(l, "\t")
		for _, st := range f[1:4] {
			if st != "" && st != "1" { // 1 = good
				t.Errorf("tshark: bad checksum status in %q", l)
			}
		}
		if s := strings.Join(f[4:], ""); s != "" {
			sip = append(sip, s)
		}
	}
	want := []string{"INVITE", "200", "OPTIONS", "MESSAGE", "200", "REGISTER", "401"}
	if strings.Join(sip, " ") != strings.Join(want, " ") {
		t.Errorf("tshark SIP messages %q, want %q", sip, want)
	}
	o, err = exec.Command("capinfos", "-M", p).Output()
	if err == nil && !strings.Contains(string(o), "round trip") {
		t.Errorf("capinfos does not show the section comment:\n%s", o)
	}
}

func TestWriterErrors(t *testing.T) {
	w, err := NewWriter(io.Discard, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		d    Datagram
		want error
	}{
		{"mixed families", Datagram{Src: netip.MustParseAddrPort("192.0.2.1:1"), Dst: netip.MustParseAddrPort("[2001:db8::1]:2"), Transport: UDP}, ErrAddress},
		{"no address", Datagram{Transport: UDP}, ErrAddress},
		{"sctp", Datagram{Src: netip.MustParseAddrPort("192.0.2.1:1"), Dst: netip.MustParseAddrPort("192.0.2.2:2"), Transport: SCTP}, ErrAddress},
		{"udp too large", Datagram{Src: netip.MustParseAddrPort("192.0.2.1:1"), Dst: netip.MustParseAddrPort("192.0.2.2:2"), Transport: UDP, Payload: make([]byte, 70000)}, ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := w.WriteDatagram(&tc.d); !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
}
