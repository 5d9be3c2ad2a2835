package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

	"voiplab/analyze"
)

// ladderColumn is the width of one host column of a text ladder.
const ladderColumn = 34

// WriteLadder writes the SIP ladder of each call as text: hosts as columns,
// one arrow per message labelled with its method or status and the SDP
// codecs, time since the call's first message on the left, then the call's
// RTP streams. callID, when not empty, selects one call.
func WriteLadder(w io.Writer, r *analyze.Result, callID string) error {
	bw := bufio.NewWriter(w)
	found := false
	streams := streamIndex(r)
	for _, c := range r.Calls {
		if callID != "" && c.CallID != callID {
			continue
		}
		found = true
		writeTextLadder(bw, buildLadder(c, streams, false))
	}
	if callID != "" && !found {
		return fmt.Errorf("report: no call with Call-ID %q", callID)
	}
	return bw.Flush()
}

func streamIndex(r *analyze.Result) map[string]analyze.Stream {
	streams := make(map[string]analyze.Stream, len(r.Streams))
	for _, s := range r.Streams {
		streams[s.ID] = s
	}
	return streams
}

// ladder is the one model of a call's ladder diagram; writeTextLadder and
// writeSVGLadder are its two renderers.
type ladder struct {
	call  analyze.Call
	hosts []ladderHost
	rows  []ladderRow
}

// ladderHost is one column: a transport address and what we guess it is.
type ladderHost struct {
	addr      string
	userAgent string
	role      string // "phone", "pbx", "provider", "media", "" (unknown)
}

// ladderRow is one arrow: a SIP message or an RTP stream.
type ladderRow struct {
	offset    time.Duration // since the call's first message
	from, to  int           // host columns
	label     string        // method or "status reason"
	sdp       string        // SDP codecs, empty without SDP
	frame     int
	retrans   bool
	malformed bool
	fail      bool // a final error response: the reason the call failed
	challenge bool // 401/407: the server asks for credentials
	msg       int  // index in call.Messages; -1 for RTP
	stream    *analyze.Stream
}

// textLabel is the arrow's text as the terminal ladder writes it.
func (r ladderRow) textLabel() string {
	if r.stream != nil {
		s := r.stream
		return fmt.Sprintf("RTP %s %s %d pkts, %d lost", s.ID, s.Codec, s.Packets, s.Lost)
	}
	label := r.label
	if r.sdp != "" {
		label += " (" + r.sdp + ")"
	}
	if r.retrans {
		label += " [retrans]"
	}
	if r.malformed {
		label += " [malformed]"
	}
	return label
}

// buildLadder makes the ladder of call c. With mergeMedia, an RTP endpoint
// goes on the column of the SIP host with the same IP address (a phone's
// SIP port and RTP port are one device); without it every transport
// address is a column, as the text ladder has always drawn it.
func buildLadder(c analyze.Call, streams map[string]analyze.Stream, mergeMedia bool) ladder {
	l := ladder{call: c}
	col := map[string]int{}
	add := func(h string) int {
		if i, ok := col[h]; ok {
			return i
		}
		col[h] = len(l.hosts)
		l.hosts = append(l.hosts, ladderHost{addr: h})
		return len(l.hosts) - 1
	}
	for _, m := range c.Messages {
		add(m.Src)
		add(m.Dst)
	}
	sipHosts := len(l.hosts)
	media := func(addr string) int {
		if mergeMedia {
			ip := hostOf(addr)
			for i, h := range l.hosts[:sipHosts] {
				if hostOf(h.addr) == ip {
					return i
				}
			}
		}
		return add(addr)
	}
	for _, id := range c.Streams {
		if s, ok := streams[id]; ok {
			media(s.Src)
			media(s.Dst)
		}
	}
	t0 := c.Start
	for i, m := range c.Messages {
		label := m.Method
		if m.Status != 0 {
			label = fmt.Sprint(m.Status)
			if rs := strings.SplitN(m.Summary, " ", 2); len(rs) == 2 {
				label = rs[0] + " " + rs[1]
			}
		}
		l.rows = append(l.rows, ladderRow{
			offset: m.Time.Sub(t0), from: col[m.Src], to: col[m.Dst], label: label, sdp: m.SDP, frame: m.Frame,
			retrans: m.Retransmission, malformed: m.Malformed != "",
			fail:      m.Status >= 300 && m.Status != 401 && m.Status != 407 && m.Status != 487 || m.Malformed != "",
			challenge: m.Status == 401 || m.Status == 407,
			msg:       i,
		})
		if m.UserAgent != "" && l.hosts[col[m.Src]].userAgent == "" {
			l.hosts[col[m.Src]].userAgent = m.UserAgent
		}
	}
	for _, id := range c.Streams {
		s, ok := streams[id]
		if !ok {
			continue
		}
		l.rows = append(l.rows, ladderRow{offset: s.Start.Sub(t0), from: media(s.Src), to: media(s.Dst), frame: s.FirstFrame,
			msg: -1, stream: &s})
	}
	guessRoles(&l)
	return l
}

// guessRoles labels each host: a host that receives an INVITE and sends
// one on (a B2BUA or proxy) or whose User-Agent names a PBX is a PBX; a
// host that only sends or receives media is a media endpoint; the others
// are phones, or a provider when a PBX talks to them and their
// User-Agent names a carrier product. It is a guess, and the page says so.
func guessRoles(l *ladder) {
	recvInvite := make([]bool, len(l.hosts))
	sendInvite := make([]bool, len(l.hosts))
	sip := make([]bool, len(l.hosts))
	for _, m := range l.call.Messages {
		for i, h := range l.hosts {
			if h.addr == m.Src || h.addr == m.Dst {
				sip[i] = true
			}
		}
		if m.Method == "INVITE" && !m.Retransmission {
			for i, h := range l.hosts {
				if h.addr == m.Src {
					sendInvite[i] = true
				}
				if h.addr == m.Dst {
					recvInvite[i] = true
				}
			}
		}
	}
	for i := range l.hosts {
		h := &l.hosts[i]
		ua := strings.ToLower(h.userAgent)
		switch {
		case !sip[i]:
			h.role = "media"
		case containsAny(ua, pbxAgents) || recvInvite[i] && sendInvite[i]:
			h.role = "pbx"
		case containsAny(ua, providerAgents):
			h.role = "provider"
		default:
			h.role = "phone"
		}
	}
}

// pbxAgents and providerAgents are lower-case User-Agent/Server fragments
// of well-known PBX and carrier software (an immutable lookup table).
var (
	pbxAgents      = []string{"asterisk", "freeswitch", "kamailio", "opensips", "3cx", "pbx", "yate", "voiplab", "sems", "sip express router", "openser", "b2bua", "sbc", "sip server", "proxy", "registrar", "ondo", "elastix", "fusionpbx", "wazo", "mitel", "avaya", "cisco-cucm", "ccm"}
	providerAgents = []string{"broadworks", "acme packet", "oracle", "sonus", "ribbon", "audiocodes mediant", "carrier"}
)

// hostOf is the IP part of "ip:port" or "[ip]:port".
func hostOf(addr string) string {
	if i := strings.LastIndexByte(addr, ':'); i > 0 && !strings.HasSuffix(addr[:i], ":") {
		return strings.Trim(addr[:i], "[]")
	}
	return addr
}

func containsAny(s string, parts []string) bool {
	for _, p := range parts {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

func writeTextLadder(w io.Writer, l ladder) {
	c := l.call
	status := c.State
	if c.FinalStatus != 0 {
		status += fmt.Sprintf(", %d %s", c.FinalStatus, c.Reason)
	}
	fmt.Fprintf(w, "Call %s  %s → %s  (%s)\n", c.CallID, c.From, c.To, status)
	width := (len(l.hosts)-1)*ladderColumn + 1
	var head strings.Builder
	head.WriteString(strings.Repeat(" ", 12))
	for i, h := range l.hosts {
		label := short(h.addr, ladderColumn-2)
		pad := 0
		if i < len(l.hosts)-1 {
			pad = ladderColumn - len([]rune(label))
		}
		head.WriteString(label + strings.Repeat(" ", max(pad, 1)))
	}
	fmt.Fprintln(w, strings.TrimRight(head.String(), " "))
	for _, r := range l.rows {
		shaft := '-'
		if r.stream != nil {
			shaft = '='
		}
		line := arrow(width, r.from, r.to, r.textLabel(), shaft)
		fmt.Fprintf(w, "%10.6f  %s  #%d\n", r.offset.Seconds(), line, r.frame)
	}
	fmt.Fprintln(w)
}

// arrow draws one ladder row: a '|' per host column and an arrow from
// column a to column b with the label written on it.
func arrow(width, a, b int, label string, shaft rune) string {
	row := []rune(strings.Repeat(" ", width))
	for i := 0; i < width; i += ladderColumn {
		row[i] = '|'
	}
	if a == b {
		lbl := []rune(" ↺ " + label)
		for i, r := range lbl {
			if p := a*ladderColumn + 1 + i; p < len(row) {
				row[p] = r
			} else {
				row = append(row, r)
			}
		}
		return string(row)
	}
	lo, hi := min(a, b), max(a, b)
	start, end := lo*ladderColumn+1, hi*ladderColumn-1
	for i := start; i <= end; i++ {
		row[i] = shaft
	}
	if b > a {
		row[end] = '>'
	} else {
		row[start] = '<'
	}
	lbl := []rune(label)
	room := end - start - 3
	if len(lbl) > room {
		if room > 1 {
			lbl = append(lbl[:room-1], '…')
		} else {
			lbl = nil
		}
	}
	off := start + 2
	for i, r := range lbl {
		row[off+i] = r
	}
	return string(row)
}
