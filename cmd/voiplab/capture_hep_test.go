package main

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"voiplab/analyze/sipmsg"
	"voiplab/capture"
	"voiplab/capture/hep"
)

// TestCaptureSendsHEP replays a corpus capture through `voiplab capture
// --hep` into a HEP listener: every SIP message arrives intact with its
// Call-ID as correlation, and the RTCP reports arrive as JSON.
func TestCaptureSendsHEP(t *testing.T) {
	path := corpusFile(t, "heplify_rtp_rtcp_sip_ipv4_udp.pcap")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	l, err := hep.Listen(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	o := &captureOptions{iface: "replay", filter: "", hep: l.Addr().String()}
	runCaptureTest(t, o, newReplay(t, path))

	// what the file holds
	r, err := capture.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for {
		d, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if sipmsg.LooksLikeSIP(d.Payload) {
			want = append(want, string(d.Payload))
		}
	}
	r.Close()

	var sip, rtcp, correlated int
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) { // until nothing more arrives for 500 ms
		pctx, pcancel := context.WithTimeout(ctx, 500*time.Millisecond)
		p, err := l.NextPacket(pctx)
		pcancel()
		if err != nil {
			break
		}
		switch p.ProtoType {
		case hep.ProtoSIP:
			if sip < len(want) && string(p.Payload) != want[sip] {
				t.Errorf("SIP message %d differs", sip+1)
			}
			if p.CorrelationID != "" && strings.Contains(string(p.Payload), p.CorrelationID) {
				correlated++
			}
			sip++
		case hep.ProtoRTCPJSON:
			rtcp++
		}
	}
	if sip != len(want) {
		t.Errorf("%d SIP messages arrived, the capture holds %d", sip, len(want))
	}
	if correlated != sip {
		t.Errorf("%d of %d SIP messages carry their Call-ID as correlation", correlated, sip)
	}
	if rtcp == 0 {
		t.Errorf("no RTCP report arrived as HEP JSON")
	}
}

// TestCaptureHEPListen sends a corpus capture's SIP as HEP to `voiplab
// capture --hep-listen` and checks the calls it prints.
func TestCaptureHEPListen(t *testing.T) {
	path := corpusFile(t, "pkts_sipp.pcap")
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close()

	r, err := capture.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var ds []capture.Datagram
	for {
		d, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		c := *d
		c.Payload = append([]byte(nil), d.Payload...)
		ds = append(ds, c)
	}
	r.Close()

	done := make(chan struct{})
	var code int
	var out, errOut string
	go func() {
		code, out, errOut = runCLI("capture", "--hep-listen", addr, "--count", itoa(len(ds)), "--duration", "15s")
		close(done)
	}()
	time.Sleep(300 * time.Millisecond) // the listener opens
	s, err := hep.Dial(context.Background(), addr, "udp", 2001)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ds {
		if err := s.SendSIP(&ds[i], ""); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
	s.Close()
	<-done
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if n := strings.Count(out, " completed after "); n != 5 {
		t.Errorf("%d completed calls printed, want the 5 SIPp calls:\n%s", n, out)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
