package sdpneg

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/pion/sdp/v3"
)

// FuzzParse: Parse never panics, always returns a Session or an error, keeps
// the raw body, and for a body that pion accepts as is, Parse of pion's
// Marshal gives the same formats (the round trip of pion's own fuzz test).
// Seeds: the RFC examples and the SDP bodies of a few corpus captures.
func FuzzParse(f *testing.F) {
	for _, s := range []string{rfc3264Offer1, rfc3264Answer2, rfc3264OneOfNOffer, rfc4317AV1Offer, rfc4317HoldOffer} {
		f.Add(crlf(s))
	}
	f.Add([]byte("v=0\no=- 1 1 IN IP4 10.0.0.1\nc=IN IP4 10.0.0.1\nm=image 5000 udptl t38\n"))
	f.Add([]byte(""))
	if dir := os.Getenv("VOIPLAB_CORPUS"); dir != "" || dirExists("../../../shared/corpus") {
		if dir == "" {
			dir = "../../../shared/corpus"
		}
		for _, file := range []string{"rtp-pcap_sip-rtp-opus.pcap", "heplify_sip_ipv6_udp.pcap", "ndpi_fuzz-2006-06-26-2594.pcap"} {
			for _, m := range readSDPBodies(f, filepath.Join(dir, "pcaps", file)) {
				f.Add(m.body)
			}
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		s, err := Parse(body)
		if s == nil && err == nil {
			t.Fatal("Parse returned neither a Session nor an error")
		}
		if s != nil && !bytes.Equal(s.Raw, body) {
			t.Fatal("Raw differs from the body")
		}
		var sd sdp.SessionDescription
		if bareCR(body) {
			// pion reads a CR inside a line differently in different
			// places (a line end before a type letter, part of the value
			// elsewhere); Parse always ends the line there.
			return
		}
		if sd.Unmarshal(body) != nil || len(sd.MediaDescriptions) == 0 {
			// pion accepts an empty body and some one-byte garbage ("0")
			// as an empty SDP; Parse reports those, which is not a bug.
			return
		}
		if err != nil {
			t.Fatalf("pion accepts the body but Parse fails: %v", err)
		}
		out, err := sd.Marshal()
		if err != nil {
			return
		}
		s2, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse(Marshal) = %v\n%q", err, out)
		}
		if len(s.Media) != len(s2.Media) {
			t.Fatalf("media %d after round trip, %d before", len(s2.Media), len(s.Media))
		}
		for i := range s.Media {
			if !reflect.DeepEqual(s.Media[i].Formats, s2.Media[i].Formats) {
				t.Fatalf("m[%d] formats %+v after round trip, %+v before", i, s2.Media[i].Formats, s.Media[i].Formats)
			}
		}
	})
}

func dirExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// bareCR reports whether b holds a CR that is not part of a CRLF.
func bareCR(b []byte) bool {
	for i, c := range b {
		if c == '\r' && (i+1 >= len(b) || b[i+1] != '\n') {
			return true
		}
	}
	return false
}
