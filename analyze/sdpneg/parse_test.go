package sdpneg

import (
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

func TestParseFeatures(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		check func(t *testing.T, s *Session)
	}{
		{
			// RFC 4566 §5.7: IPv6 connection address.
			name: "RFC4566_s5.7_c_IP6",
			body: "v=0\no=- 1 1 IN IP6 2001:db8::1\ns=-\nc=IN IP6 2001:db8::2\nt=0 0\nm=audio 5004 RTP/AVP 0\n",
			check: func(t *testing.T, s *Session) {
				want := netip.MustParseAddr("2001:db8::2")
				if s.Connection != want || s.Media[0].Connection != want || s.ConnectionRaw != "2001:db8::2" {
					t.Errorf("connection = %v / %v, want %v", s.Connection, s.Media[0].Connection, want)
				}
				if s.Origin != "- 1 1 IN IP6 2001:db8::1" {
					t.Errorf("origin = %q", s.Origin)
				}
			},
		},
		{
			// RFC 4566 §5.7: multicast with TTL and address count.
			name: "RFC4566_s5.7_c_ttl_count",
			body: "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 224.2.1.1/127/3\nt=0 0\nm=audio 49170 RTP/AVP 0\n",
			check: func(t *testing.T, s *Session) {
				if s.ConnectionRaw != "224.2.1.1" || s.Connection != netip.MustParseAddr("224.2.1.1") {
					t.Errorf("connection = %q %v, want 224.2.1.1", s.ConnectionRaw, s.Connection)
				}
			},
		},
		{
			// RFC 4566 §5.14: m=<media> <port>/<number of ports>.
			name: "RFC4566_s5.14_port_count",
			body: "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\nm=audio 49170/2 RTP/AVP 0\n",
			check: func(t *testing.T, s *Session) {
				if m := s.Media[0]; m.Port != 49170 || m.PortCount != 2 {
					t.Errorf("port = %d/%d, want 49170/2", m.Port, m.PortCount)
				}
			},
		},
		{
			// T.38 fax (ITU-T T.38 Annex D, RFC 3362 image/t38): pion does not
			// know "image" or "udptl"; the normaliser must keep them.
			name: "T38_image_udptl_with_audio",
			body: "v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nc=IN IP4 10.0.0.1\nt=0 0\n" +
				"m=audio 0 RTP/AVP 8\nm=image 16756 udptl t38\na=T38FaxVersion:0\na=T38FaxRateManagement:transferredTCF\n",
			check: func(t *testing.T, s *Session) {
				if len(s.Media) != 2 {
					t.Fatalf("media = %d, want 2", len(s.Media))
				}
				m := s.Media[1]
				if m.Type != "image" || m.Protocol != "udptl" || m.Port != 16756 {
					t.Errorf("m[1] = %s %d %s, want image 16756 udptl", m.Type, m.Port, m.Protocol)
				}
				if len(m.Formats) != 1 || m.Formats[0].PT != -1 || m.Formats[0].Name != "t38" {
					t.Errorf("m[1] formats = %+v, want t38 with PT -1", m.Formats)
				}
				if !s.Media[0].Rejected() || s.Media[1].Rejected() {
					t.Errorf("rejected = %v %v, want true false", s.Media[0].Rejected(), s.Media[1].Rejected())
				}
			},
		},
		{
			// RFC 4566 §6: a session-level direction applies to every m= line
			// that has none; a media-level one overrides it.
			name: "RFC4566_s6_session_sendonly",
			body: "v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nc=IN IP4 10.0.0.1\nt=0 0\na=sendonly\n" +
				"m=audio 4000 RTP/AVP 0\nm=video 4002 RTP/AVP 31\na=inactive\n",
			check: func(t *testing.T, s *Session) {
				if s.Direction != SendOnly || s.Media[0].Direction != SendOnly || s.Media[1].Direction != Inactive {
					t.Errorf("directions = %s %s %s, want sendonly sendonly inactive",
						s.Direction, s.Media[0].Direction, s.Media[1].Direction)
				}
				if !s.Media[0].Held() {
					t.Error("sendonly audio not held (RFC 3264 §8.4)")
				}
			},
		},
		{
			// RFC 3264 §8.4: RFC 2543 hold with c=0.0.0.0.
			name: "RFC3264_s8.4_c_zero_hold",
			body: "v=0\no=- 1 2 IN IP4 10.0.0.1\ns=-\nc=IN IP4 0.0.0.0\nt=0 0\nm=audio 4000 RTP/AVP 0\n",
			check: func(t *testing.T, s *Session) {
				if !s.Media[0].Held() || s.Media[0].Direction != SendRecv {
					t.Errorf("held=%v dir=%s, want held sendrecv", s.Media[0].Held(), s.Media[0].Direction)
				}
			},
		},
		{
			// Media-level c= overrides the session's (RFC 4566 §5.7); rtcp,
			// rtcp-mux, ptime, maxptime, fmtp and a 2-channel opus rtpmap.
			name: "RFC4566_media_attributes",
			body: "v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nc=IN IP4 10.0.0.1\nt=0 0\n" +
				"m=audio 4000 RTP/SAVPF 111 101 13\nc=IN IP4 10.0.0.9\na=rtcp:4001 IN IP4 10.0.0.9\na=rtcp-mux\n" +
				"a=ptime:20\na=maxptime:60\na=rtpmap:111 opus/48000/2\na=fmtp:111 minptime=10;useinbandfec=1\n" +
				"a=rtpmap:101 telephone-event/8000\na=fmtp:101 0-16\n",
			check: func(t *testing.T, s *Session) {
				m := s.Media[0]
				if m.Connection != netip.MustParseAddr("10.0.0.9") || s.Connection != netip.MustParseAddr("10.0.0.1") {
					t.Errorf("connections = %v / %v", s.Connection, m.Connection)
				}
				if m.RTCPPort != 4001 || !m.RTCPMux || m.Ptime != 20 || m.MaxPtime != 60 || m.Protocol != "RTP/SAVPF" {
					t.Errorf("media = %+v", m)
				}
				want := []Format{
					{PT: 111, Name: "opus", ClockRate: 48000, Channels: 2, Fmtp: "minptime=10;useinbandfec=1"},
					{PT: 101, Name: "telephone-event", ClockRate: 8000, Channels: 1, Fmtp: "0-16"},
					{PT: 13, Name: "CN", ClockRate: 8000, Channels: 1},
				}
				if !reflect.DeepEqual(m.Formats, want) {
					t.Errorf("formats = %+v, want %+v", m.Formats, want)
				}
				if !m.Formats[1].Event() || m.Formats[0].Event() || !m.Formats[2].ComfortNoise() {
					t.Error("Event/ComfortNoise wrong")
				}
			},
		},
		{
			// Encoding name case is kept as written (RFC 4566 §6 names are
			// case-insensitive; heplify_sip_ipv6_udp.pcap writes "pcmu").
			name: "rtpmap_case_preserved",
			body: "v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nc=IN IP4 10.0.0.1\nt=0 0\nm=audio 4000 RTP/AVP 0\na=rtpmap:0 pcmu/8000/1\n",
			check: func(t *testing.T, s *Session) {
				f := s.Media[0].Formats[0]
				if f.Name != "pcmu" || !f.Same(Format{PT: 0, Name: "PCMU", ClockRate: 8000, Channels: 1}) {
					t.Errorf("format = %+v", f)
				}
			},
		},
		{
			// A dynamic PT without a=rtpmap has no name.
			name: "dynamic_pt_without_rtpmap",
			body: "v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nc=IN IP4 10.0.0.1\nt=0 0\nm=audio 4000 RTP/AVP 96\n",
			check: func(t *testing.T, s *Session) {
				if f := s.Media[0].Formats[0]; f != (Format{PT: 96, Channels: 1}) {
					t.Errorf("format = %+v", f)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.check(t, mustParse(t, crlf(tc.body)))
		})
	}
}

// TestParsePionPitfalls feeds one body per pion/sdp pitfall of LIBRARIES.md.
// Each must still give its media; only a body pion rejects after
// normalisation is reported as malformed.
func TestParsePionPitfalls(t *testing.T) {
	const good = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8 0\r\n"
	tests := []struct {
		name      string
		body      string
		malformed bool
		warning   string // a warning that must be present, "" for none
	}{
		{name: "no_final_CRLF", body: strings.TrimSuffix(good, "\r\n"), warning: "no final CRLF"},
		{name: "LF_only", body: strings.ReplaceAll(good, "\r\n", "\n"), warning: "LF-only"},
		{name: "missing_s", body: strings.Replace(good, "s=-\r\n", "", 1), warning: "missing s="},
		{name: "missing_t", body: strings.Replace(good, "t=0 0\r\n", "", 1), warning: "missing t="},
		{name: "missing_s_and_t", body: strings.Replace(strings.Replace(good, "s=-\r\n", "", 1), "t=0 0\r\n", "", 1), warning: "missing t="},
		{name: "unknown_line_type", body: strings.Replace(good, "t=0 0\r\n", "t=0 0\r\ny=foo\r\n", 1), malformed: true},
		{name: "line_out_of_order", body: strings.Replace(good, "t=0 0\r\n", "t=0 0\r\nc=IN IP4 10.0.0.2\r\n", 1), malformed: true},
		{name: "garbage_line", body: strings.Replace(good, "t=0 0\r\n", "t=0 0\r\nhello world\r\n", 1), malformed: true},
		{name: "missing_v", body: strings.Replace(good, "v=0\r\n", "", 1), malformed: true},
		{name: "bad_nettype", body: strings.Replace(good, "c=IN IP4", "c=XX IP4", 1), malformed: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse([]byte(tc.body))
			if tc.malformed != errors.Is(err, ErrMalformed) {
				t.Fatalf("err = %v, want malformed=%v", err, tc.malformed)
			}
			if !tc.malformed && err != nil {
				t.Fatalf("err = %v", err)
			}
			if s == nil || len(s.Media) != 1 {
				t.Fatalf("session = %+v, want one m= line", s)
			}
			m := s.Media[0]
			if m.Port != 4000 || len(m.Formats) != 2 || m.Formats[0].Name != "PCMA" || m.Formats[1].Name != "PCMU" {
				t.Errorf("media = %+v", m)
			}
			if tc.name != "bad_nettype" && m.Connection != netip.MustParseAddr("10.0.0.1") {
				t.Errorf("connection = %v", m.Connection)
			}
			if string(s.Raw) != tc.body {
				t.Error("Raw is not the body as given")
			}
			if tc.warning != "" && !strings.Contains(strings.Join(s.Warnings, "|"), tc.warning) {
				t.Errorf("warnings = %q, want one with %q", s.Warnings, tc.warning)
			}
		})
	}
}

func TestParseEmptyAndGarbage(t *testing.T) {
	if s, err := Parse(nil); s != nil || !errors.Is(err, ErrEmpty) {
		t.Errorf("Parse(nil) = %v, %v; want nil, ErrEmpty", s, err)
	}
	if s, err := Parse([]byte("\r\n  \r\n")); s != nil || !errors.Is(err, ErrEmpty) {
		t.Errorf("Parse(blank) = %v, %v; want nil, ErrEmpty", s, err)
	}
	if _, err := Parse([]byte("<html>not sdp</html>")); !errors.Is(err, ErrMalformed) {
		t.Errorf("Parse(html) err = %v, want ErrMalformed", err)
	}
}

func TestParseOwnsRaw(t *testing.T) {
	body := crlf(rfc3264Offer1)
	s := mustParse(t, body)
	body[0] = 'X'
	if s.Raw[0] != 'v' {
		t.Error("Session.Raw shares the caller's buffer")
	}
}

func TestSummary(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"RFC3264_s10.1_answer_skips_port0", rfc3264Answer1, "PCMU MPV"},
		{"RFC4317_s2.1_offer", rfc4317AV1Offer, "PCMU PCMA iLBC H261 MPV"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := mustParse(t, crlf(tc.body)).Summary(); got != tc.want {
				t.Errorf("Summary = %q, want %q", got, tc.want)
			}
		})
	}
}
