package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

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
	streams := make(map[string]analyze.Stream, len(r.Streams))
	for _, s := range r.Streams {
		streams[s.ID] = s
	}
	for _, c := range r.Calls {
		if callID != "" && c.CallID != callID {
			continue
		}
		found = true
		writeCallLadder(bw, c, streams)
	}
	if callID != "" && !found {
		return fmt.Errorf("report: no call with Call-ID %q", callID)
	}
	return bw.Flush()
}

func writeCallLadder(w io.Writer, c analyze.Call, streams map[string]analyze.Stream) {
	status := c.State
	if c.FinalStatus != 0 {
		status += fmt.Sprintf(", %d %s", c.FinalStatus, c.Reason)
	}
	fmt.Fprintf(w, "Call %s  %s → %s  (%s)\n", c.CallID, c.From, c.To, status)
	var hosts []string
	col := map[string]int{}
	add := func(h string) {
		if _, ok := col[h]; !ok {
			col[h] = len(hosts)
			hosts = append(hosts, h)
		}
	}
	for _, m := range c.Messages {
		add(m.Src)
		add(m.Dst)
	}
	for _, id := range c.Streams {
		if s, ok := streams[id]; ok {
			add(s.Src)
			add(s.Dst)
		}
	}
	width := (len(hosts)-1)*ladderColumn + 1
	var head strings.Builder
	head.WriteString(strings.Repeat(" ", 12))
	for i, h := range hosts {
		label := short(h, ladderColumn-2)
		pad := 0
		if i < len(hosts)-1 {
			pad = ladderColumn - len([]rune(label))
		}
		head.WriteString(label + strings.Repeat(" ", max(pad, 1)))
	}
	fmt.Fprintln(w, strings.TrimRight(head.String(), " "))
	t0 := c.Start
	for _, m := range c.Messages {
		label := m.Method
		if m.Status != 0 {
			label = fmt.Sprint(m.Status)
			if rs := strings.SplitN(m.Summary, " ", 2); len(rs) == 2 {
				label = rs[0] + " " + rs[1]
			}
		}
		if m.SDP != "" {
			label += " (" + m.SDP + ")"
		}
		if m.Retransmission {
			label += " [retrans]"
		}
		if m.Malformed != "" {
			label += " [malformed]"
		}
		line := arrow(width, col[m.Src], col[m.Dst], label, '-')
		fmt.Fprintf(w, "%10.6f  %s  #%d\n", m.Time.Sub(t0).Seconds(), line, m.Frame)
	}
	for _, id := range c.Streams {
		s, ok := streams[id]
		if !ok {
			continue
		}
		label := fmt.Sprintf("RTP %s %s %d pkts, %d lost", s.ID, s.Codec, s.Packets, s.Lost)
		line := arrow(width, col[s.Src], col[s.Dst], label, '=')
		fmt.Fprintf(w, "%10.6f  %s  #%d\n", s.Start.Sub(t0).Seconds(), line, s.FirstFrame)
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
