package capture_test

import (
	"bytes"
	"fmt"
	"io"
	"net/netip"
	"time"

	"voiplab/capture"
)

// Write two SIP messages over TCP into a pcapng, then read them back framed.
func ExampleNewReader() {
	var file bytes.Buffer
	w, _ := capture.NewWriter(&file, capture.WriterOptions{Comment: "example"})
	a, b := netip.MustParseAddrPort("192.0.2.1:5060"), netip.MustParseAddrPort("192.0.2.2:5060")
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, m := range []string{
		"OPTIONS sip:b@example.com SIP/2.0\r\nContent-Length: 0\r\n\r\n",
		"SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n",
	} {
		w.WriteDatagram(&capture.Datagram{Time: t0, Src: a, Dst: b, Transport: capture.TCP, Payload: []byte(m)})
		a, b = b, a
	}
	w.Flush()

	r, err := capture.NewReader(&file, "example.pcapng")
	if err != nil {
		fmt.Println(err)
		return
	}
	for {
		d, err := r.Next()
		if err == io.EOF {
			break
		}
		line, _, _ := bytes.Cut(d.Payload, []byte("\r\n"))
		fmt.Printf("frame %d %s %s > %s: %s\n", d.Frame, d.Transport, d.Src, d.Dst, line)
	}
	info := r.Info()
	fmt.Println(info.Format, info.LinkType, info.Packets)
	// Output:
	// frame 1 TCP 192.0.2.1:5060 > 192.0.2.2:5060: OPTIONS sip:b@example.com SIP/2.0
	// frame 2 TCP 192.0.2.2:5060 > 192.0.2.1:5060: SIP/2.0 200 OK
	// pcapng ether 2
}
