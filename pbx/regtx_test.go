package pbx_test

import (
	"bytes"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"

	"voiplab/pbx/pbxtest"
)

// rawRegister is a REGISTER datagram from conn (sent-by port viaPort, rport
// when rport) with branch and cseq; auth is an Authorization value or "".
func rawRegister(pbxAddr string, viaPort int, rport bool, branch, callID string, cseq int, auth string) []byte {
	rp := ""
	if rport {
		rp = ";rport"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "REGISTER sip:%s SIP/2.0\r\n", pbxAddr)
	fmt.Fprintf(&b, "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=%s%s\r\n", viaPort, branch, rp)
	b.WriteString("Max-Forwards: 70\r\n")
	b.WriteString("From: <sip:200@lab.local>;tag=raw200\r\n")
	b.WriteString("To: <sip:200@lab.local>\r\n")
	fmt.Fprintf(&b, "Call-ID: %s\r\n", callID)
	fmt.Fprintf(&b, "CSeq: %d REGISTER\r\n", cseq)
	fmt.Fprintf(&b, "Contact: <sip:200@127.0.0.1:%d>\r\n", viaPort)
	b.WriteString("Expires: 60\r\n")
	if auth != "" {
		fmt.Fprintf(&b, "Authorization: %s\r\n", auth)
	}
	b.WriteString("Content-Length: 0\r\n\r\n")
	return []byte(b.String())
}

func readDatagram(t *testing.T, c net.PacketConn) []byte {
	t.Helper()
	buf := make([]byte, 65535)
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	n, _, err := c.ReadFrom(buf)
	if err != nil {
		t.Fatalf("no response: %v", err)
	}
	return buf[:n]
}

func parseResponse(t *testing.T, b []byte) *sip.Response {
	t.Helper()
	m, err := sip.ParseMessage(b)
	if err != nil {
		t.Fatalf("parse %q: %v", b, err)
	}
	res, ok := m.(*sip.Response)
	if !ok {
		t.Fatalf("not a response: %q", b)
	}
	return res
}

// TestRegisterRetransmissions: a retransmitted UDP REGISTER is answered from
// its transaction's last response (RFC 3261 §17.2.2), byte for byte, and is
// not processed again: a retransmitted authenticated REGISTER gets the same
// 200, not the 401 a replayed nonce count would get.
func TestRegisterRetransmissions(t *testing.T) {
	r := pbxtest.Start(t, testConfig())
	pbxAddr := r.UDP.String()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	port := conn.LocalAddr().(*net.UDPAddr).Port
	dst := net.UDPAddrFromAddrPort(r.UDP)
	send := func(b []byte) {
		if _, err := conn.WriteTo(b, dst); err != nil {
			t.Fatal(err)
		}
	}
	callID := fmt.Sprintf("retrans-%d", time.Now().UnixNano())

	first := rawRegister(pbxAddr, port, true, "z9hG4bK-retrans-1", callID, 1, "")
	send(first)
	r401 := readDatagram(t, conn)
	send(first)
	again := readDatagram(t, conn)
	if !bytes.Equal(r401, again) {
		t.Errorf("retransmitted REGISTER got another answer:\n%s\n---\n%s", r401, again)
	}
	res := parseResponse(t, r401)
	if res.StatusCode != 401 {
		t.Fatalf("want 401, got %d", res.StatusCode)
	}
	if v := res.Via(); v == nil || v.Params.GetOr("rport", "") != fmt.Sprint(port) || v.Params.GetOr("received", "") != "127.0.0.1" {
		t.Errorf("Via %v: want rport=%d received=127.0.0.1 (RFC 3581 §4)", res.Via(), port)
	}
	ch, err := digest.ParseChallenge(res.GetHeader("WWW-Authenticate").Value())
	if err != nil {
		t.Fatal(err)
	}
	cred, err := digest.Digest(ch, digest.Options{Method: "REGISTER", URI: "sip:" + pbxAddr, Count: 1, Cnonce: "c0ffee",
		Username: "200", Password: "pw200"})
	if err != nil {
		t.Fatal(err)
	}
	second := rawRegister(pbxAddr, port, true, "z9hG4bK-retrans-2", callID, 2, cred.String())
	send(second)
	r200 := readDatagram(t, conn)
	if res := parseResponse(t, r200); res.StatusCode != 200 {
		t.Fatalf("authenticated REGISTER: %d %s", res.StatusCode, res.Reason)
	}
	for i := range 3 {
		send(second)
		if got := readDatagram(t, conn); !bytes.Equal(got, r200) {
			t.Fatalf("retransmission %d of the authenticated REGISTER: got\n%s", i+1, got)
		}
	}
	// The same credentials in a new transaction are a replay (RFC 3261 §22.4).
	send(rawRegister(pbxAddr, port, true, "z9hG4bK-retrans-3", callID, 3, cred.String()))
	if res := parseResponse(t, readDatagram(t, conn)); res.StatusCode != 401 {
		t.Errorf("replayed nc in a new transaction: %d, want 401", res.StatusCode)
	}
}

// TestRegisterResponseAddress: without rport the response goes to the
// source address and the Via sent-by port (RFC 3261 §18.2.2).
func TestRegisterResponseAddress(t *testing.T) {
	r := pbxtest.Start(t, testConfig())
	from, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer from.Close()
	to, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer to.Close()
	toPort := to.LocalAddr().(*net.UDPAddr).Port
	req := rawRegister(r.UDP.String(), toPort, false, "z9hG4bK-sentby", "sentby-1", 1, "")
	if _, err := from.WriteTo(req, net.UDPAddrFromAddrPort(r.UDP)); err != nil {
		t.Fatal(err)
	}
	if res := parseResponse(t, readDatagram(t, to)); res.StatusCode != 401 {
		t.Errorf("got %d", res.StatusCode)
	}
}

// BenchmarkRegisterUDP is one digest registration (REGISTER, 401,
// REGISTER with credentials, 200) over a real UDP socket on loopback, one
// at a time; the client's work (building requests, the digest) is counted
// too.
func BenchmarkRegisterUDP(b *testing.B) {
	r := pbxtest.Start(b, testConfig())
	pbxAddr := r.UDP.String()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	port := conn.LocalAddr().(*net.UDPAddr).Port
	dst := net.UDPAddrFromAddrPort(r.UDP)
	buf := make([]byte, 65535)
	roundTrip := func(req []byte) []byte {
		if _, err := conn.WriteTo(req, dst); err != nil {
			b.Fatal(err)
		}
		_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
		n, _, err := conn.ReadFrom(buf)
		if err != nil {
			b.Fatal(err)
		}
		return buf[:n]
	}
	callID := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		res := roundTrip(rawRegister(pbxAddr, port, true, fmt.Sprintf("z9hG4bK-b%da", i), callID, 2*i+1, ""))
		_, rest, ok := bytes.Cut(res, []byte(`nonce="`))
		nonce, _, ok2 := bytes.Cut(rest, []byte(`"`))
		if !ok || !ok2 {
			b.Fatalf("no nonce in %q", res)
		}
		ch := &digest.Challenge{Realm: "lab.local", Nonce: string(nonce), Algorithm: "MD5", QOP: []string{"auth"}}
		cred, err := digest.Digest(ch, digest.Options{Method: "REGISTER", URI: "sip:" + pbxAddr, Count: 1, Cnonce: "c0ffee",
			Username: "200", Password: "pw200"})
		if err != nil {
			b.Fatal(err)
		}
		res = roundTrip(rawRegister(pbxAddr, port, true, fmt.Sprintf("z9hG4bK-b%db", i), callID, 2*i+2, cred.String()))
		if !bytes.HasPrefix(res, []byte("SIP/2.0 200 ")) {
			b.Fatalf("got %q", res)
		}
	}
}
