package sdpneg

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

// crlf turns a readable multi-line SDP literal into a CRLF body.
func crlf(s string) []byte {
	s = strings.TrimLeft(s, "\n")
	return []byte(strings.ReplaceAll(s, "\n", "\r\n"))
}

func mustParse(t *testing.T, body []byte) *Session {
	t.Helper()
	s, err := Parse(body)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return s
}

// RFC 3264 §10.1 Basic Exchange: offer, answer, and the later offer/answer
// that adds a recvonly telephone-events stream.
const (
	rfc3264Offer1 = `
v=0
o=alice 2890844526 2890844526 IN IP4 host.anywhere.com
s=
c=IN IP4 host.anywhere.com
t=0 0
m=audio 49170 RTP/AVP 0
a=rtpmap:0 PCMU/8000
m=video 51372 RTP/AVP 31
a=rtpmap:31 H261/90000
m=video 53000 RTP/AVP 32
a=rtpmap:32 MPV/90000
`
	rfc3264Answer1 = `
v=0
o=bob 2890844730 2890844730 IN IP4 host.example.com
s=
c=IN IP4 host.example.com
t=0 0
m=audio 49920 RTP/AVP 0
a=rtpmap:0 PCMU/8000
m=video 0 RTP/AVP 31
m=video 53000 RTP/AVP 32
a=rtpmap:32 MPV/90000
`
	rfc3264Offer2 = `
v=0
o=bob 2890844730 2890844731 IN IP4 host.example.com
s=
c=IN IP4 host.example.com
t=0 0
m=audio 65422 RTP/AVP 0
a=rtpmap:0 PCMU/8000
m=video 0 RTP/AVP 31
m=video 53000 RTP/AVP 32
a=rtpmap:32 MPV/90000
m=audio 51434 RTP/AVP 110
a=rtpmap:110 telephone-events/8000
a=recvonly
`
	rfc3264Answer2 = `
v=0
o=alice 2890844526 2890844527 IN IP4 host.anywhere.com
s=
c=IN IP4 host.anywhere.com
t=0 0
m=audio 49170 RTP/AVP 0
a=rtpmap:0 PCMU/8000
m=video 0 RTP/AVP 31
a=rtpmap:31 H261/90000
m=video 53000 RTP/AVP 32
a=rtpmap:32 MPV/90000
m=audio 53122 RTP/AVP 110
a=rtpmap:110 telephone-events/8000
a=sendonly
`
	// RFC 3264 §10.2 One of N Codec Selection: an inactive offer of three
	// codecs, answered with two of them.
	rfc3264OneOfNOffer = `
v=0
o=alice 2890844526 2890844526 IN IP4 host.anywhere.com
s=
c=IN IP4 host.anywhere.com
t=0 0
m=audio 62986 RTP/AVP 0 4 18
a=rtpmap:0 PCMU/8000
a=rtpmap:4 G723/8000
a=rtpmap:18 G729/8000
a=inactive
`
	rfc3264OneOfNAnswer = `
v=0
o=bob 2890844730 2890844731 IN IP4 host.example.com
s=
c=IN IP4 host.example.com
t=0 0
m=audio 54344 RTP/AVP 0 4
a=rtpmap:0 PCMU/8000
a=rtpmap:4 G723/8000
a=inactive
`
	// RFC 4317 §2.1 Audio and Video 1: a dynamic iLBC offered, PCMU and
	// MPV answered.
	rfc4317AV1Offer = `
v=0
o=alice 2890844526 2890844526 IN IP4 host.atlanta.example.com
s=
c=IN IP4 host.atlanta.example.com
t=0 0
m=audio 49170 RTP/AVP 0 8 97
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:97 iLBC/8000
m=video 51372 RTP/AVP 31 32
a=rtpmap:31 H261/90000
a=rtpmap:32 MPV/90000
`
	rfc4317AV1Answer = `
v=0
o=bob 2808844564 2808844564 IN IP4 host.biloxi.example.com
s=
c=IN IP4 host.biloxi.example.com
t=0 0
m=audio 49174 RTP/AVP 0
a=rtpmap:0 PCMU/8000
m=video 49170 RTP/AVP 32
a=rtpmap:32 MPV/90000
`
	// RFC 4317 §3.1 Hold and Unhold 1 (hold offer and its answer), with the
	// dynamic telephone-event PT of that section.
	rfc4317HoldOffer = `
v=0
o=alice 2890844526 2890844527 IN IP4 host.atlanta.example.com
s=
c=IN IP4 host.atlanta.example.com
t=0 0
m=audio 49170 RTP/AVP 0 97
a=rtpmap:0 PCMU/8000
a=rtpmap:97 iLBC/8000
a=sendonly
`
	rfc4317HoldAnswer = `
v=0
o=bob 2808844564 2808844565 IN IP4 host.biloxi.example.com
s=
c=IN IP4 host.biloxi.example.com
t=0 0
m=audio 49172 RTP/AVP 97
a=rtpmap:97 iLBC/8000
a=recvonly
`
)

func TestParseRFCExamples(t *testing.T) {
	pcmu := Format{PT: 0, Name: "PCMU", ClockRate: 8000, Channels: 1}
	tests := []struct {
		name      string
		body      string
		connRaw   string
		types     []string
		ports     []int
		dirs      []string
		formats   [][]Format
		held      []bool
		rejected  []bool
		firstConn netip.Addr
	}{
		{
			name: "RFC3264_s10.1_offer", body: rfc3264Offer1, connRaw: "host.anywhere.com",
			types: []string{"audio", "video", "video"}, ports: []int{49170, 51372, 53000},
			dirs: []string{"sendrecv", "sendrecv", "sendrecv"},
			formats: [][]Format{{pcmu}, {{PT: 31, Name: "H261", ClockRate: 90000, Channels: 1}},
				{{PT: 32, Name: "MPV", ClockRate: 90000, Channels: 1}}},
			held: []bool{false, false, false}, rejected: []bool{false, false, false},
		},
		{
			name: "RFC3264_s10.1_answer_port0", body: rfc3264Answer1, connRaw: "host.example.com",
			types: []string{"audio", "video", "video"}, ports: []int{49920, 0, 53000},
			dirs: []string{"sendrecv", "sendrecv", "sendrecv"},
			// PT 31 without rtpmap: name and rate from RFC 3551 §6 Table 5.
			formats: [][]Format{{pcmu}, {{PT: 31, Name: "H261", ClockRate: 90000, Channels: 1}},
				{{PT: 32, Name: "MPV", ClockRate: 90000, Channels: 1}}},
			held: []bool{false, false, false}, rejected: []bool{false, true, false},
		},
		{
			name: "RFC3264_s10.1_second_offer_recvonly", body: rfc3264Offer2, connRaw: "host.example.com",
			types: []string{"audio", "video", "video", "audio"}, ports: []int{65422, 0, 53000, 51434},
			dirs: []string{"sendrecv", "sendrecv", "sendrecv", "recvonly"},
			formats: [][]Format{{pcmu}, {{PT: 31, Name: "H261", ClockRate: 90000, Channels: 1}},
				{{PT: 32, Name: "MPV", ClockRate: 90000, Channels: 1}},
				{{PT: 110, Name: "telephone-events", ClockRate: 8000, Channels: 1}}},
			held: []bool{false, false, false, false}, rejected: []bool{false, true, false, false},
		},
		{
			name: "RFC3264_s10.2_inactive", body: rfc3264OneOfNOffer, connRaw: "host.anywhere.com",
			types: []string{"audio"}, ports: []int{62986}, dirs: []string{"inactive"},
			formats: [][]Format{{pcmu, {PT: 4, Name: "G723", ClockRate: 8000, Channels: 1},
				{PT: 18, Name: "G729", ClockRate: 8000, Channels: 1}}},
			held: []bool{true}, rejected: []bool{false},
		},
		{
			name: "RFC4317_s2.1_dynamic_iLBC", body: rfc4317AV1Offer, connRaw: "host.atlanta.example.com",
			types: []string{"audio", "video"}, ports: []int{49170, 51372},
			dirs: []string{"sendrecv", "sendrecv"},
			formats: [][]Format{{pcmu, {PT: 8, Name: "PCMA", ClockRate: 8000, Channels: 1},
				{PT: 97, Name: "iLBC", ClockRate: 8000, Channels: 1}},
				{{PT: 31, Name: "H261", ClockRate: 90000, Channels: 1}, {PT: 32, Name: "MPV", ClockRate: 90000, Channels: 1}}},
			held: []bool{false, false}, rejected: []bool{false, false},
		},
		{
			name: "RFC4317_s3.1_hold_sendonly", body: rfc4317HoldOffer, connRaw: "host.atlanta.example.com",
			types: []string{"audio"}, ports: []int{49170}, dirs: []string{"sendonly"},
			formats: [][]Format{{pcmu, {PT: 97, Name: "iLBC", ClockRate: 8000, Channels: 1}}},
			held:    []bool{true}, rejected: []bool{false},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mustParse(t, crlf(tc.body))
			if s.ConnectionRaw != tc.connRaw || s.Connection.IsValid() {
				t.Errorf("connection = %q %v, want hostname %q and no IP", s.ConnectionRaw, s.Connection, tc.connRaw)
			}
			if len(s.Media) != len(tc.types) {
				t.Fatalf("got %d media, want %d", len(s.Media), len(tc.types))
			}
			for i, m := range s.Media {
				if m.Type != tc.types[i] || m.Port != tc.ports[i] || m.Protocol != "RTP/AVP" {
					t.Errorf("m[%d] = %s %d %s, want %s %d RTP/AVP", i, m.Type, m.Port, m.Protocol, tc.types[i], tc.ports[i])
				}
				if m.Direction != tc.dirs[i] {
					t.Errorf("m[%d] direction = %s, want %s", i, m.Direction, tc.dirs[i])
				}
				if m.ConnectionRaw != tc.connRaw {
					t.Errorf("m[%d] inherits connection %q, want %q", i, m.ConnectionRaw, tc.connRaw)
				}
				if !reflect.DeepEqual(m.Formats, tc.formats[i]) {
					t.Errorf("m[%d] formats = %+v, want %+v", i, m.Formats, tc.formats[i])
				}
				if m.Held() != tc.held[i] || m.Rejected() != tc.rejected[i] {
					t.Errorf("m[%d] held=%v rejected=%v, want %v %v", i, m.Held(), m.Rejected(), tc.held[i], tc.rejected[i])
				}
			}
			if len(s.Warnings) != 0 {
				t.Errorf("warnings = %q, want none", s.Warnings)
			}
		})
	}
}

func TestCheckRFCExamples(t *testing.T) {
	tests := []struct {
		name          string
		offer, answer string
		negotiated    [][]string // Format.String() per m-line
		common        [][]string
		problems      []string // codes
	}{
		{
			name: "RFC3264_s10.1_basic", offer: rfc3264Offer1, answer: rfc3264Answer1,
			negotiated: [][]string{{"PCMU/8000"}, nil, {"MPV/90000"}},
			common:     [][]string{{"PCMU/8000"}, nil, {"MPV/90000"}},
		},
		{
			// The fourth stream: offered recvonly, answered sendonly (§6.1).
			name: "RFC3264_s10.1_added_stream", offer: rfc3264Offer2, answer: rfc3264Answer2,
			negotiated: [][]string{{"PCMU/8000"}, nil, {"MPV/90000"}, {"telephone-events/8000"}},
			common:     [][]string{{"PCMU/8000"}, nil, {"MPV/90000"}, {"telephone-events/8000"}},
		},
		{
			name: "RFC3264_s10.2_one_of_n", offer: rfc3264OneOfNOffer, answer: rfc3264OneOfNAnswer,
			negotiated: [][]string{{"PCMU/8000", "G723/8000"}},
			common:     [][]string{{"PCMU/8000", "G723/8000"}},
		},
		{
			name: "RFC4317_s2.1_audio_video", offer: rfc4317AV1Offer, answer: rfc4317AV1Answer,
			negotiated: [][]string{{"PCMU/8000"}, {"MPV/90000"}},
			common:     [][]string{{"PCMU/8000"}, {"MPV/90000"}},
		},
		{
			name: "RFC4317_s3.1_hold", offer: rfc4317HoldOffer, answer: rfc4317HoldAnswer,
			negotiated: [][]string{{"iLBC/8000"}},
			common:     [][]string{{"iLBC/8000"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := Check(mustParse(t, crlf(tc.offer)), mustParse(t, crlf(tc.answer)))
			if got := formatStrings(o.Negotiated); !reflect.DeepEqual(got, tc.negotiated) {
				t.Errorf("negotiated = %q, want %q", got, tc.negotiated)
			}
			if got := formatStrings(o.Common); !reflect.DeepEqual(got, tc.common) {
				t.Errorf("common = %q, want %q", got, tc.common)
			}
			if got := codes(o.Problems); !reflect.DeepEqual(got, tc.problems) {
				t.Errorf("problems = %+v, want codes %q", o.Problems, tc.problems)
			}
		})
	}
}

func formatStrings(fss [][]Format) [][]string {
	out := make([][]string, len(fss))
	for i, fs := range fss {
		for _, f := range fs {
			out[i] = append(out[i], f.String())
		}
	}
	return out
}

func codes(ps []Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Code)
	}
	return out
}
