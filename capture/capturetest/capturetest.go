// Package capturetest builds datagrams and capture files for tests of the
// packages that consume capture (analysis, reports, labs).
package capturetest

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"voiplab/capture"
)

// Datagram returns a datagram from src to dst ("ip:port", IPv6 as
// "[ip]:port") at time at; frame is left 0 (Reader numbers frames).
func Datagram(tr capture.Transport, src, dst string, at time.Time, payload string) capture.Datagram {
	return capture.Datagram{
		Time:      at,
		Src:       netip.MustParseAddrPort(src),
		Dst:       netip.MustParseAddrPort(dst),
		Transport: tr,
		Payload:   []byte(payload),
	}
}

// UDP is Datagram(capture.UDP, ...).
func UDP(src, dst string, at time.Time, payload string) capture.Datagram {
	return Datagram(capture.UDP, src, dst, at, payload)
}

// TCP is Datagram(capture.TCP, ...): consecutive TCP datagrams of one
// direction become one stream, with running sequence numbers.
func TCP(src, dst string, at time.Time, payload string) capture.Datagram {
	return Datagram(capture.TCP, src, dst, at, payload)
}

// File writes the datagrams as a pcapng file (Ethernet link type, one frame
// per UDP datagram or TCP segment) in a temporary directory of t and
// returns its path.
func File(tb testing.TB, ds ...capture.Datagram) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), "capturetest.pcapng")
	f, err := os.Create(p)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	w, err := capture.NewWriter(f, capture.WriterOptions{Comment: "capturetest " + tb.Name()})
	if err != nil {
		tb.Fatal(err)
	}
	for i := range ds {
		if err := w.WriteDatagram(&ds[i]); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return p
}

// ReadAll reads every datagram of a capture file, with copied payloads.
func ReadAll(tb testing.TB, path string) ([]capture.Datagram, capture.FileInfo) {
	tb.Helper()
	r, err := capture.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	var out []capture.Datagram
	for {
		d, err := r.Next()
		if err != nil {
			break // io.EOF: Next returns no other error
		}
		c := *d
		c.Payload = append([]byte(nil), d.Payload...)
		out = append(out, c)
	}
	return out, r.Info()
}
