package b2bua

import (
	"net/netip"
	"strconv"
	"strings"

	"voiplab/analyze/sdpneg"
)

// rewriteSDP points a body at the relay: every c= line gets the relay's
// address (RFC 4566 §5.7), the first audio m= line its port, a=rtcp lines
// go (RFC 3605: the relay's RTCP is on port + 1), and other m= lines are
// disabled with port 0 (RFC 3264 §8.2) since the relay carries one audio
// stream. When keep is not nil, the audio m= line lists only those formats,
// in that order, and the a=rtpmap/fmtp/rtcp-fb lines of the others go.
//
// The rewrite is line-based rather than through pion/sdp so that every line
// it does not touch stays byte for byte as the phone wrote it.
func rewriteSDP(body []byte, relay netip.AddrPort, keep []sdpneg.Format) []byte {
	text := strings.ReplaceAll(strings.ReplaceAll(string(body), "\r\n", "\n"), "\r", "\n")
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	family := "IP4"
	if relay.Addr().Is6() && !relay.Addr().Is4In6() {
		family = "IP6"
	}
	var out []string
	section := "" // "", "audio" (the relayed one), "other"
	audioDone := false
	var kept map[string]bool
	for _, l := range lines {
		if len(l) < 2 || l[1] != '=' {
			continue // RFC 4566 §5: every line is <type>=<value>; drop debris
		}
		switch {
		case strings.HasPrefix(l, "c="):
			l = "c=IN " + family + " " + relay.Addr().Unmap().String()
		case strings.HasPrefix(l, "m="):
			f := strings.Fields(l[2:])
			if len(f) < 3 {
				section = "other"
				break
			}
			if f[0] == "audio" && !audioDone && f[1] != "0" {
				audioDone, section = true, "audio"
				f[1] = strconv.Itoa(int(relay.Port()))
				if keep != nil {
					kept = map[string]bool{}
					var fmts []string
					for _, k := range keep {
						pt := strconv.Itoa(k.PT)
						for _, o := range f[3:] {
							if o == pt && !kept[pt] {
								fmts = append(fmts, pt)
								kept[pt] = true
							}
						}
					}
					if len(fmts) > 0 {
						f = append(f[:3], fmts...)
					} else {
						kept = nil
					}
				}
			} else {
				section = "other"
				f[1] = "0"
			}
			l = "m=" + strings.Join(f, " ")
		case section == "audio" && strings.HasPrefix(l, "a=rtcp:"):
			continue
		case section == "audio" && kept != nil && dropFormatLine(l, kept):
			continue
		}
		out = append(out, l)
	}
	return []byte(strings.Join(out, "\r\n") + "\r\n")
}

// dropFormatLine reports whether l is an a=rtpmap, a=fmtp or a=rtcp-fb line
// of a format not kept.
func dropFormatLine(l string, kept map[string]bool) bool {
	for _, p := range []string{"a=rtpmap:", "a=fmtp:", "a=rtcp-fb:"} {
		if rest, ok := strings.CutPrefix(l, p); ok {
			pt, _, _ := strings.Cut(rest, " ")
			return pt != "*" && !kept[pt]
		}
	}
	return false
}
