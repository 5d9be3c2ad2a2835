package sdpneg

import (
	"fmt"
	"strings"
)

// tolerant reads the lines of an SDP that pion/sdp rejected. It is written by
// hand because pion stops at the first departure from RFC 4566 (a line out of
// order, an unknown line type, a bad field) and returns nothing, while the
// analyser must still show the m=, c= and a= information of a broken SDP to
// explain the call. It returns the description and the first problem seen,
// "" when it found none.
func tolerant(lines []line) (desc, string) {
	var d desc
	bad := ""
	note := func(i int, format string, args ...any) {
		if bad == "" {
			bad = fmt.Sprintf("line %d: ", i+1) + fmt.Sprintf(format, args...)
		}
	}
	var cur *mdesc
	for i, l := range lines {
		switch l.typ {
		case 0:
			note(i, "not a type=value line: %q", truncate(l.value))
		case 'o':
			if d.origin == "" {
				d.origin = l.value
			}
		case 'c':
			// RFC 4566 §5.7 c=<nettype> <addrtype> <connection-address>
			f := strings.Fields(l.value)
			if len(f) < 3 {
				note(i, "bad c= line: %q", truncate(l.value))
				continue
			}
			// RFC 4566 §5: one c= per level; keep the first.
			switch {
			case cur != nil && !cur.hasConn:
				cur.conn, cur.hasConn = f[2], true
			case cur == nil && !d.hasConn:
				d.conn, d.hasConn = f[2], true
			default:
				note(i, "second c= line: %q", truncate(l.value))
			}
		case 'm':
			// RFC 4566 §5.14 m=<media> <port>[/<number of ports>] <proto> <fmt> ...
			f := strings.Fields(l.value)
			m := mdesc{}
			if len(f) > 0 {
				m.typ = f[0]
			}
			if len(f) > 1 {
				m.port = f[1]
			}
			if len(f) > 2 {
				m.proto = f[2]
				m.formats = f[3:]
			}
			if len(f) < 4 {
				note(i, "short m= line: %q", truncate(l.value))
			}
			d.media = append(d.media, m)
			cur = &d.media[len(d.media)-1]
		case 'a':
			k, v, _ := strings.Cut(l.value, ":")
			if cur != nil {
				cur.attrs = append(cur.attrs, attr{k, v})
			} else {
				d.attrs = append(d.attrs, attr{k, v})
			}
		case 'v', 's', 'i', 'u', 'e', 'p', 'b', 't', 'r', 'z', 'k':
		default:
			note(i, "unknown line type %q", string(l.typ))
		}
	}
	return d, bad
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
