package report

import (
	"cmp"
	"fmt"
	"html"
	"slices"
	"strings"
)

// SVG geometry of a ladder, in CSS pixels.
const (
	svgTimeWidth = 78  // the time column on the left
	svgColumn    = 300 // distance between two host lines
	svgHead      = 64  // host labels
	svgRow       = 30  // one arrow
	svgFrameCol  = 60  // the frame numbers on the right
)

// writeSVGLadder renders the ladder model as inline SVG: one column per
// host (address, User-Agent, guessed role), one arrow per SIP message
// (class "sip", data-msg and data-frame for the page's script) and one
// thick arrow per RTP stream (class "rtp"). prefix makes element ids
// unique on the page ("c3" for the third call).
func writeSVGLadder(b *strings.Builder, l ladder, prefix string, tr *translator) {
	width := svgTimeWidth + max(len(l.hosts), 2)*svgColumn + svgFrameCol
	height := svgHead + (len(l.rows)+1)*svgRow
	x := func(col int) int { return svgTimeWidth + svgColumn/2 + col*svgColumn }
	esc := html.EscapeString
	fmt.Fprintf(b, `<svg class="ladder" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s">`,
		width, height, width, height, esc(tr.T("ladder.title", nil)))
	fmt.Fprintf(b, `<defs><marker id="%[1]s-ah" viewBox="0 0 10 10" refX="10" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="context-stroke"/></marker>`+
		`<marker id="%[1]s-rh" viewBox="0 0 10 10" refX="10" refY="5" markerUnits="userSpaceOnUse" markerWidth="16" markerHeight="16" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="context-stroke"/></marker></defs>`, prefix)
	for i, h := range l.hosts {
		cx := x(i)
		fmt.Fprintf(b, `<g class="host"><text x="%d" y="16" class="addr">%s</text>`, cx, esc(h.addr))
		if h.userAgent != "" {
			fmt.Fprintf(b, `<text x="%d" y="32" class="ua"><title>%s</title>%s</text>`, cx, esc(h.userAgent), esc(short(h.userAgent, 44)))
		}
		fmt.Fprintf(b, `<text x="%d" y="48" class="role">%s</text>`, cx, esc(tr.T("role."+h.role, nil)))
		fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" class="life"/></g>`, cx, svgHead-8, cx, height-4)
	}
	// The text ladder lists the streams after the messages; on the SVG's
	// time axis they go where they started.
	rows := slices.Clone(l.rows)
	slices.SortStableFunc(rows, func(a, b ladderRow) int { return cmp.Compare(a.offset, b.offset) })
	for i, r := range rows {
		y := svgHead + i*svgRow + svgRow/2 + 6
		fmt.Fprintf(b, `<text x="4" y="%d" class="time">%.3f</text>`, y+4, r.offset.Seconds())
		x1, x2 := x(r.from), x(r.to)
		var cls, label, id string
		if r.stream != nil {
			s := r.stream
			cls = "arrow rtp"
			label = tr.T("ladder.rtp", map[string]any{"ID": s.ID, "Codec": s.Codec, "Packets": s.Packets, "Lost": s.Lost,
				"Ports": portOf(s.Src) + " → " + portOf(s.Dst)})
			id = fmt.Sprintf(` id="%s-rtp-%s" data-stream="%s"`, prefix, htmlID(s.ID), htmlID(s.ID))
		} else {
			cls = "arrow sip"
			switch {
			case r.fail:
				cls += " fail"
			case r.challenge:
				cls += " challenge"
			}
			if r.retrans {
				cls += " retrans"
			}
			label = r.label
			if r.sdp != "" {
				label += " (" + r.sdp + ")"
			}
			if r.retrans {
				label += " ↻"
			}
			id = fmt.Sprintf(` id="%s-a%d" data-msg="%s-m%d" tabindex="0" role="button"`, prefix, r.msg, prefix, r.msg)
		}
		fmt.Fprintf(b, `<g class="%s" data-frame="%d"%s>`, cls, r.frame, id)
		title := label
		if r.retrans {
			title += " — " + tr.T("ladder.retrans", nil)
		}
		fmt.Fprintf(b, `<title>%s (#%d)</title>`, esc(title), r.frame)
		if x1 == x2 { // a message a host sends to itself: a small loop
			fmt.Fprintf(b, `<path d="M%d,%d h40 v10 h-38" class="shaft" fill="none" marker-end="url(#%s-ah)"/>`, x1, y-6, prefix)
			fmt.Fprintf(b, `<text x="%d" y="%d" class="label" text-anchor="start">%s</text>`, x1+46, y, esc(short(label, 40)))
		} else {
			fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" class="hit"/>`, x1, y, x2, y)
			head, lift := "ah", 5
			if r.stream != nil {
				head, lift = "rh", 7
			}
			fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" class="shaft" marker-end="url(#%s-%s)"/>`, x1, y, x2, y, prefix, head)
			room := (abs(x2-x1) - 10) / 7 // about 7 px per character at 11 px
			fmt.Fprintf(b, `<text x="%d" y="%d" class="label">%s</text>`, (x1+x2)/2, y-lift, esc(short(label, max(room, 8))))
		}
		fmt.Fprintf(b, `<text x="%d" y="%d" class="frame">#%d</text></g>`, width-svgFrameCol+6, y+4, r.frame)
	}
	b.WriteString(`</svg>`)
}

// portOf is the port of "ip:port".
func portOf(addr string) string {
	if i := strings.LastIndexByte(addr, ':'); i >= 0 {
		return addr[i+1:]
	}
	return addr
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// htmlID makes s usable in an id attribute and a CSS selector: letters,
// digits, '-' and '_' are kept, anything else becomes '_'.
func htmlID(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}
