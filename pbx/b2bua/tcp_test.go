package b2bua_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"voiplab/pbx/b2bua"
)

// tcpCallee is a raw SIP-over-TCP callee that answers each INVITE with a
// 180 and a 200 in ONE write, the case where sipgo's per-response
// goroutines lose or reorder the 180 (LIBRARIES.md).
type tcpCallee struct {
	ln   net.Listener
	addr netip.AddrPort
}

func newTCPCallee(t *testing.T) *tcpCallee {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &tcpCallee{ln: ln, addr: ln.Addr().(*net.TCPAddr).AddrPort()}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go c.serve(conn)
		}
	}()
	return c
}

// readMsg reads one SIP message from a stream (RFC 3261 §18.3: framed by
// Content-Length).
func readMsg(r *bufio.Reader) (*sip.Request, error) {
	var head bytes.Buffer
	length := 0
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		if head.Len() == 0 && strings.TrimSpace(line) == "" {
			continue // keep-alive CRLF
		}
		head.WriteString(line)
		if v, ok := strings.CutPrefix(strings.ToLower(line), "content-length:"); ok {
			length, _ = strconv.Atoi(strings.TrimSpace(v))
		}
		if line == "\r\n" {
			break
		}
	}
	body := make([]byte, length)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, err
	}
	msg, err := sip.NewParser().ParseSIP(append(head.Bytes(), body...))
	if err != nil {
		return nil, err
	}
	req, ok := msg.(*sip.Request)
	if !ok {
		return nil, fmt.Errorf("not a request")
	}
	return req, nil
}

func (c *tcpCallee) serve(conn net.Conn) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	for {
		req, err := readMsg(r)
		if err != nil {
			return
		}
		switch req.Method {
		case sip.INVITE:
			tag := sip.GenerateTagN(8)
			ringing := sip.NewResponseFromRequest(req, 180, "Ringing", nil)
			ringing.To().Params.Add("tag", tag)
			ok := sip.NewResponseFromRequest(req, 200, "OK", sdpBody(netip.MustParseAddrPort("127.0.0.1:4000"), []int{0}, ""))
			ok.To().Params.Add("tag", tag)
			ok.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
			contact := &sip.ContactHeader{Address: sip.Uri{Scheme: "sip", Host: "127.0.0.1", Port: int(c.addr.Port()), UriParams: sip.NewParams()}}
			contact.Address.UriParams.Add("transport", "tcp")
			ok.AppendHeader(contact)
			// Both responses in one TCP segment.
			conn.Write([]byte(ringing.String() + ok.String()))
		case sip.BYE:
			conn.Write([]byte(sip.NewResponseFromRequest(req, 200, "OK", nil).String()))
		}
	}
}

// TestProvisionalOrderTCP: the callee sends 180 and 200 in one TCP write;
// the caller gets 180 before 200 every time.
func TestProvisionalOrderTCP(t *testing.T) {
	bob := newTCPCallee(t)
	ct := b2bua.Contact{URI: fmt.Sprintf("sip:201@%s;transport=tcp", bob.addr), Addr: bob.addr, Transport: "tcp"}
	p := startPBX(t, locator{"201": {ct}}, b2bua.RelayNever, exts)
	const runs = 20
	for i := range runs {
		alice := newCaller(t)
		d, err := alice.invite(t, p, "201", []int{0})
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		deadline := time.Now().Add(time.Second)
		for !slices.Contains(alice.node.responses(), 200) && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if got := alice.node.responses(); !slices.Equal(got[:min(3, len(got))], []int{100, 180, 200}) {
			t.Fatalf("run %d: caller saw %v", i, got)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := d.Bye(ctx); err != nil {
			t.Errorf("run %d: bye: %v", i, err)
		}
		cancel()
	}
	p.waitCDR(t, runs)
}
