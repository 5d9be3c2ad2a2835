package pbx

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/netip"

	"github.com/emiago/sipgo/sip"
)

// shedFilter is a sipgo transport read filter for UDP: while the PBX is
// overloaded it answers a share of fresh REGISTER and OPTIONS requests (no
// Authorization) with a stateless 503 built from the raw datagram, before
// the SIP parser and the transaction layer spend anything on them. A 503
// after parsing costs as much as the 401 it replaces, so past the PBX's
// capacity shedding there would not relieve the read loop, and the
// clients' retransmissions would pile up. Anything it is unsure of goes
// the normal way. It never returns an error (that would end the read loop).
func (s *Server) shedFilter(conn func() net.PacketConn) sip.TransportReadFilter {
	return func(p sip.TransportReadProps, data []byte) ([]byte, error) {
		if s.bans != nil && s.bans.blocked(remoteAddr(p.RemoteAddr)) {
			s.metrics.BlacklistDrop()
			if p.Transport == "UDP" {
				return nil, nil // dropped unread: the guesser learns nothing
			}
			return nil, errBlacklisted // a stream: sipgo closes the connection
		}
		if p.Transport != "UDP" {
			return data, nil
		}
		c := conn()
		if c == nil {
			return data, nil
		}
		if s.load.refuse() {
			if res, ok := stateless503(data); ok {
				if _, err := c.WriteTo(res, p.RemoteAddr); err == nil {
					s.metrics.Overloaded()
					return nil, nil // dropped: answered
				}
			}
		}
		if s.regs != nil && bytes.HasPrefix(data, []byte("REGISTER ")) && s.regs.serve(c, p.RemoteAddr, data) {
			return nil, nil // served without sipgo's transaction layer (regtx.go)
		}
		return data, nil
	}
}

// remoteAddr is the IP address of a transport's remote address.
func remoteAddr(a net.Addr) netip.Addr {
	switch a := a.(type) {
	case *net.UDPAddr:
		return a.AddrPort().Addr()
	case *net.TCPAddr:
		return a.AddrPort().Addr()
	}
	if a == nil {
		return netip.Addr{}
	}
	return hostOf(a.String())
}

// stateless503 builds "503 Service Unavailable" with Retry-After for a
// REGISTER or OPTIONS without credentials (RFC 3261 §8.2.6.2: Via, From, To
// with a tag, Call-ID and CSeq copied; §21.5.4, §20.33 Retry-After).
func stateless503(data []byte) ([]byte, bool) {
	if !bytes.HasPrefix(data, []byte("REGISTER ")) && !bytes.HasPrefix(data, []byte("OPTIONS ")) {
		return nil, false
	}
	end := bytes.Index(data, []byte("\r\n\r\n"))
	if end < 0 {
		return nil, false
	}
	lines := bytes.Split(data[:end], []byte("\r\n"))[1:]
	var b bytes.Buffer
	b.WriteString("SIP/2.0 503 Service Unavailable\r\n")
	var seen [5]bool // via, from, to, call-id, cseq
	for _, l := range lines {
		if len(l) == 0 || l[0] == ' ' || l[0] == '\t' { // folded header: leave it to the parser
			return nil, false
		}
		colon := bytes.IndexByte(l, ':')
		if colon <= 0 {
			return nil, false
		}
		name := string(bytes.ToLower(bytes.TrimSpace(l[:colon])))
		switch name {
		case "authorization", "proxy-authorization":
			return nil, false // the second step of a registration: serve it
		case "via", "v":
			seen[0] = true
		case "from", "f":
			seen[1] = true
		case "to", "t":
			seen[2] = true
			if !bytes.Contains(bytes.ToLower(l[colon:]), []byte(";tag=")) {
				var tag [6]byte
				_, _ = rand.Read(tag[:])
				b.Write(l)
				b.WriteString(";tag=")
				b.WriteString(hex.EncodeToString(tag[:]))
				b.WriteString("\r\n")
				continue
			}
		case "call-id", "i":
			seen[3] = true
		case "cseq":
			seen[4] = true
		default:
			continue
		}
		b.Write(l)
		b.WriteString("\r\n")
	}
	for _, ok := range seen {
		if !ok {
			return nil, false
		}
	}
	b.WriteString("Retry-After: 5\r\nContent-Length: 0\r\n\r\n")
	return b.Bytes(), true
}
