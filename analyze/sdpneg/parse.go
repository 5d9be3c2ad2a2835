package sdpneg

import (
	"bytes"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"

	"voiplab/analyze/codec"
)

// Parse reads an SDP body (RFC 4566). It normalises the body for pion/sdp
// (see the package documentation), parses it with pion, and takes codec names
// and clock rates from a=rtpmap or the static payload type table.
//
// When pion rejects the body even after normalisation, a tolerant line parser
// reads what it can: Parse then returns that Session and an error wrapping
// ErrMalformed, so that the caller can both show the SDP and report it. An
// empty body gives (nil, ErrEmpty); a body with no SDP line at all gives
// (nil, error wrapping ErrMalformed).
func Parse(body []byte) (*Session, error) {
	raw := bytes.Clone(body)
	n := normalise(raw)
	if len(n.lines) == 0 {
		if len(bytes.TrimSpace(raw)) == 0 {
			return nil, ErrEmpty
		}
		return nil, fmt.Errorf("%w: no sdp line", ErrMalformed)
	}

	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(n.forPion()); err != nil {
		d, bad := tolerant(n.lines)
		s := d.session(raw, n.warnings)
		if bad != "" {
			return s, fmt.Errorf("%w: %v (%s)", ErrMalformed, err, bad)
		}
		return s, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	d := fromPion(&sd, n)
	return d.session(raw, n.warnings), nil
}

// line is one SDP line split into its type letter and value.
type line struct {
	typ   byte
	value string
}

// normalised is a body prepared for pion/sdp.
type normalised struct {
	lines    []line
	warnings []string
	// mediaAs holds, per m= line, the media type and transport as written
	// when they were replaced by ones pion accepts ("" when not replaced).
	mediaAs []mediaName
}

type mediaName struct{ typ, proto string }

// pionMedia and pionProtos are the m= media types and transport tokens that
// pion/sdp v3 accepts (its unmarshalMediaDescription); others are valid
// RFC 4566 §5.14 tokens (RFC 3362 "image", ITU-T T.38 "udptl") that it
// rejects.
var (
	pionMedia  = []string{"audio", "video", "text", "application", "message"}
	pionProtos = []string{"UDP", "RTP", "AVP", "SAVP", "SAVPF", "TLS", "DTLS", "SCTP", "AVPF", "TCP",
		"MSRP", "BFCP", "UDT", "IX", "MRCPv2", "FEC"}
)

func anyOf(s string, set []string) bool {
	for _, v := range set {
		if s == v {
			return true
		}
	}
	return false
}

// normalise splits the body into lines and notes what pion would reject for
// reasons that do not make the SDP unusable. It works around the pion
// pitfalls of LIBRARIES.md: a missing final CRLF, a missing s= or t= line
// (RFC 4566 §5 makes both mandatory but many endpoints omit them), and media
// types or transports outside pion's list.
func normalise(raw []byte) normalised {
	var n normalised
	text := string(raw)
	if strings.Contains(text, "\n") && !strings.Contains(text, "\r\n") {
		n.warnings = append(n.warnings, "LF-only line endings (RFC 4566 §5 requires CRLF)")
	}
	trimmed := strings.TrimRight(text, " \t")
	if trimmed != "" && !strings.HasSuffix(trimmed, "\n") {
		n.warnings = append(n.warnings, "no final CRLF")
	}
	// Lines end at LF; a CR not followed by LF also ends a line, as in
	// pion's lexer (and in old CR-only bodies).
	all := make([]string, 0, strings.Count(text, "\n")+1)
	for l := range strings.SplitSeq(text, "\n") {
		l = strings.TrimRight(l, "\r")
		if strings.IndexByte(l, '\r') < 0 {
			all = append(all, l)
			continue
		}
		all = append(all, strings.Split(l, "\r")...)
	}
	n.lines = make([]line, 0, len(all))
	for i, l := range all {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if i == len(all)-1 && len(l) == 1 {
			// A lone byte after the last line end: a body cut short. pion
			// ignores it too.
			n.warnings = append(n.warnings, "truncated last line")
			continue
		}
		if len(l) < 2 || l[1] != '=' {
			n.lines = append(n.lines, line{typ: 0, value: l})
			continue
		}
		n.lines = append(n.lines, line{typ: l[0], value: l[2:]})
	}
	has := func(t byte) bool {
		for _, l := range n.lines {
			if l.typ == 'm' {
				return false
			}
			if l.typ == t {
				return true
			}
		}
		return false
	}
	if len(n.lines) > 0 && !has('s') {
		n.warnings = append(n.warnings, "missing s= line")
	}
	if len(n.lines) > 0 && !has('t') {
		n.warnings = append(n.warnings, "missing t= line")
	}
	for _, l := range n.lines {
		if l.typ != 'm' {
			continue
		}
		var orig mediaName
		f := strings.Fields(l.value)
		if len(f) >= 3 {
			if !anyOf(f[0], pionMedia) && isToken(f[0]) {
				orig.typ = f[0]
			}
			for p := range strings.SplitSeq(f[2], "/") {
				if !anyOf(p, pionProtos) && isToken(f[2]) {
					orig.proto = f[2]
				}
			}
		}
		n.mediaAs = append(n.mediaAs, orig)
	}
	return n
}

// isToken reports whether s is an RFC 4566 §9 token (printable, no space,
// none of the separators it excludes).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c <= 0x20 || c >= 0x7f || strings.IndexByte("\"(),:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return true
}

// forPion rebuilds the body with CRLF line ends, inserts a missing s= or t=
// line where RFC 4566 §5 places them, and replaces media types and transports
// that pion does not know by ones it knows (restored by fromPion).
func (n normalised) forPion() string {
	var b strings.Builder
	size := 16
	for _, l := range n.lines {
		size += len(l.value) + 4
	}
	b.Grow(size)
	hasS, hasT := false, false
	for _, l := range n.lines {
		if l.typ == 'm' {
			break
		}
		hasS = hasS || l.typ == 's'
		hasT = hasT || l.typ == 't'
	}
	mi := 0
	for i, l := range n.lines {
		if l.typ == 0 {
			b.WriteString(l.value) // pion rejects it: the tolerant parser runs
			b.WriteString("\r\n")
			continue
		}
		if !hasS && l.typ != 'v' && l.typ != 'o' {
			b.WriteString("s=-\r\n") // RFC 4566 §5.3 suggests "s=-" for no name
			hasS = true
		}
		// t= follows v o s i u e p c b (RFC 4566 §5).
		if !hasT && strings.IndexByte("vosiuepcb", l.typ) < 0 {
			b.WriteString("t=0 0\r\n")
			hasT = true
		}
		if l.typ == 'm' && mi < len(n.mediaAs) {
			l = n.pionMediaLine(mi, l)
			mi++
		}
		b.WriteByte(l.typ)
		b.WriteByte('=')
		b.WriteString(l.value)
		b.WriteString("\r\n")
		if i == len(n.lines)-1 {
			if !hasS {
				b.WriteString("s=-\r\n")
			}
			if !hasT {
				b.WriteString("t=0 0\r\n")
			}
		}
	}
	return b.String()
}

func (n normalised) pionMediaLine(i int, l line) line {
	o := n.mediaAs[i]
	if o.typ == "" && o.proto == "" {
		return l
	}
	f := strings.Fields(l.value)
	if o.typ != "" {
		f[0] = "application"
	}
	if o.proto != "" {
		f[2] = "UDP"
	}
	l.value = strings.Join(f, " ")
	return l
}

// desc is the parser-independent form of an SDP that both pion and the
// tolerant parser produce and from which the Session is built.
type desc struct {
	origin  string
	conn    string // c= address field as written, "" when absent
	hasConn bool
	attrs   []attr
	media   []mdesc
}

type mdesc struct {
	typ, port, proto string
	formats          []string
	conn             string
	hasConn          bool
	attrs            []attr
}

type attr struct{ key, value string }

func fromPion(sd *sdp.SessionDescription, n normalised) desc {
	var d desc
	for _, l := range n.lines {
		if l.typ == 'o' {
			d.origin = l.value
			break
		}
	}
	if c := sd.ConnectionInformation; c != nil && c.Address != nil {
		d.conn, d.hasConn = c.Address.String(), true
	}
	for _, a := range sd.Attributes {
		d.attrs = append(d.attrs, attr{a.Key, a.Value})
	}
	for i, md := range sd.MediaDescriptions {
		m := mdesc{
			typ:     md.MediaName.Media,
			port:    md.MediaName.Port.String(),
			proto:   strings.Join(md.MediaName.Protos, "/"),
			formats: md.MediaName.Formats,
		}
		if i < len(n.mediaAs) {
			if o := n.mediaAs[i]; o.typ != "" {
				m.typ = o.typ
			}
			if o := n.mediaAs[i]; o.proto != "" {
				m.proto = o.proto
			}
		}
		if c := md.ConnectionInformation; c != nil && c.Address != nil {
			m.conn, m.hasConn = c.Address.String(), true
		}
		for _, a := range md.Attributes {
			m.attrs = append(m.attrs, attr{a.Key, a.Value})
		}
		d.media = append(d.media, m)
	}
	return d
}

// session builds the Session: connection inheritance (RFC 4566 §5.7),
// direction inheritance (RFC 4566 §6), formats with their codecs.
func (d desc) session(raw []byte, warnings []string) *Session {
	s := &Session{Origin: d.origin, Raw: raw, Warnings: warnings}
	if d.hasConn {
		s.ConnectionRaw, s.Connection = connAddr(d.conn)
	}
	s.Direction = direction(d.attrs)
	for _, md := range d.media {
		m := Media{Type: md.typ, Protocol: md.proto, PortCount: 1,
			Connection: s.Connection, ConnectionRaw: s.ConnectionRaw}
		port, count, _ := strings.Cut(md.port, "/")
		// atoiPrefix: a broken "3000E" (seen in a fuzzed capture) reads as
		// 3000 rather than 0, which would mean a rejected stream.
		m.Port = atoiPrefix(port)
		if c, err := strconv.Atoi(count); err == nil && c > 0 {
			m.PortCount = c
		}
		if md.hasConn {
			m.ConnectionRaw, m.Connection = connAddr(md.conn)
		}
		// RFC 4566 §6: a media-level direction overrides the session's;
		// RFC 3264 §5.1: none at all means sendrecv.
		m.Direction = direction(md.attrs)
		if m.Direction == "" {
			m.Direction = s.Direction
		}
		if m.Direction == "" {
			m.Direction = SendRecv
		}
		m.Formats = formats(md.formats, md.attrs)
		for _, a := range md.attrs {
			switch strings.ToLower(a.key) {
			case "ptime":
				m.Ptime = atoiPrefix(a.value)
			case "maxptime":
				m.MaxPtime = atoiPrefix(a.value)
			case "rtcp": // RFC 3605 §2.1: a=rtcp:<port> [nettype addrtype addr]
				m.RTCPPort = atoiPrefix(a.value)
			case "rtcp-mux": // RFC 5761 §5.1.1
				m.RTCPMux = true
			}
		}
		s.Media = append(s.Media, m)
	}
	return s
}

// connAddr splits a c= address field (RFC 4566 §5.7) into the address text
// without its "/ttl" or "/count" suffix and the parsed IP (zero for a
// hostname or garbage).
func connAddr(field string) (string, netip.Addr) {
	a, _, _ := strings.Cut(strings.TrimSpace(field), "/")
	ip, err := netip.ParseAddr(a)
	if err != nil {
		return a, netip.Addr{}
	}
	return a, ip
}

func direction(attrs []attr) string {
	dir := ""
	for _, a := range attrs {
		switch k := strings.ToLower(a.key); k {
		case SendRecv, SendOnly, RecvOnly, Inactive:
			dir = k
		}
	}
	return dir
}

// formats resolves the m= line formats: a=rtpmap (RFC 4566 §6) first, else
// the static payload type table of RFC 3551 §6. Matching of names is
// case-insensitive elsewhere; the case written is kept here.
func formats(tokens []string, attrs []attr) []Format {
	out := make([]Format, 0, len(tokens))
	for _, t := range tokens {
		pt, err := strconv.Atoi(t)
		if err != nil || pt < 0 || pt > 127 {
			f := Format{PT: -1, Name: t, Channels: 1}
			if info, ok := codec.ByName(t, 0); ok {
				f.ClockRate = info.ClockRate
			}
			out = append(out, f)
			continue
		}
		f := Format{PT: pt, Channels: 1}
		if info, ok := codec.ByPayloadType(uint8(pt)); ok {
			f.Name, f.ClockRate = info.Name, info.ClockRate
			if info.Channels > 1 {
				f.Channels = info.Channels
			}
		}
		out = append(out, f)
	}
	for _, a := range attrs {
		key := strings.ToLower(a.key)
		if key != "rtpmap" && key != "fmtp" {
			continue
		}
		ptText, rest, _ := strings.Cut(strings.TrimSpace(a.value), " ")
		pt, err := strconv.Atoi(ptText)
		if err != nil {
			continue
		}
		for i := range out {
			if out[i].PT != pt {
				continue
			}
			if key == "fmtp" {
				out[i].Fmtp = strings.TrimSpace(rest)
				continue
			}
			// RFC 4566 §6 a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]
			parts := strings.Split(strings.TrimSpace(rest), "/")
			if parts[0] == "" {
				continue
			}
			out[i].Name = parts[0]
			out[i].ClockRate, out[i].Channels = 0, 1
			if len(parts) > 1 {
				out[i].ClockRate = atoiPrefix(parts[1])
			}
			if len(parts) > 2 {
				if c, err := strconv.Atoi(strings.TrimSpace(parts[2])); err == nil && c > 0 {
					out[i].Channels = c
				}
			}
		}
	}
	return out
}

// atoiPrefix reads the leading decimal digits of s ("20", "20.5", "9 IN IP4 ..."), 0 if none.
func atoiPrefix(s string) int {
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	v, _ := strconv.Atoi(s[:i])
	return v
}

func itoa(i int) string { return strconv.Itoa(i) }
