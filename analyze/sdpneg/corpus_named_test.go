package sdpneg

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// firstOfferAnswer parses the first INVITE SDP and the first 200 SDP of a
// capture.
func firstOfferAnswer(t *testing.T, file string) (offer, answer *Session) {
	t.Helper()
	for _, m := range readSDPBodies(t, filepath.Join(corpusDir(t), "pcaps", file)) {
		switch {
		case offer == nil && strings.HasPrefix(m.first, "INVITE "):
			offer = mustParse(t, m.body)
		case answer == nil && strings.HasPrefix(m.first, "SIP/2.0 200"):
			answer = mustParse(t, m.body)
		}
	}
	if offer == nil || answer == nil {
		t.Fatalf("%s: offer %v answer %v", file, offer != nil, answer != nil)
	}
	return offer, answer
}

// TestCorpusCodecs checks named captures against what tshark 4.0 shows for
// them (tshark -Y sdp -e sdp.media -e sdp.media_attr; see tshark-sdp.tsv).
func TestCorpusCodecs(t *testing.T) {
	te := Format{PT: 101, Name: "telephone-event", ClockRate: 8000, Channels: 1, Fmtp: "0-16"}
	tests := []struct {
		file              string
		offer, answer     []Format
		offerDir, ansDir  string
		problems          []string
		negotiatedStrings []string
	}{
		{
			// tshark frame 1: "audio 6000 RTP/AVP 9", rtpmap:9 G722/8000, recvonly;
			// frame 4: "audio 17472 RTP/AVP 9 101", sendonly. The answer adds
			// PT 101 that the offer did not list: RFC 3264 §6.1 violation.
			file:     "rtp-pcap_sip-rtp-g722.pcap",
			offer:    []Format{{PT: 9, Name: "G722", ClockRate: 8000, Channels: 1}},
			answer:   []Format{{PT: 9, Name: "G722", ClockRate: 8000, Channels: 1}, te},
			offerDir: RecvOnly, ansDir: SendOnly,
			problems:          []string{ProblemAnswerNotInOffer},
			negotiatedStrings: []string{"G722/8000"},
		},
		{
			// tshark frame 1: "audio 6000 RTP/AVP 99", rtpmap:99 opus/48000/2;
			// frame 4 adds fmtp:99 and telephone-event 101.
			file:  "rtp-pcap_sip-rtp-opus.pcap",
			offer: []Format{{PT: 99, Name: "opus", ClockRate: 48000, Channels: 2}},
			answer: []Format{{PT: 99, Name: "opus", ClockRate: 48000, Channels: 2,
				Fmtp: "useinbandfec=1; minptime=10; maxptime=40"}, te},
			offerDir: RecvOnly, ansDir: SendOnly,
			problems:          []string{ProblemAnswerNotInOffer},
			negotiatedStrings: []string{"opus/48000/2"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			offer, answer := firstOfferAnswer(t, tc.file)
			if got := offer.Media[0].Formats; !reflect.DeepEqual(got, tc.offer) {
				t.Errorf("offer formats = %+v, want %+v", got, tc.offer)
			}
			if got := answer.Media[0].Formats; !reflect.DeepEqual(got, tc.answer) {
				t.Errorf("answer formats = %+v, want %+v", got, tc.answer)
			}
			if offer.Media[0].Direction != tc.offerDir || answer.Media[0].Direction != tc.ansDir {
				t.Errorf("directions %s/%s, want %s/%s", offer.Media[0].Direction, answer.Media[0].Direction, tc.offerDir, tc.ansDir)
			}
			o := Check(offer, answer)
			if got := codes(o.Problems); !reflect.DeepEqual(got, tc.problems) {
				t.Errorf("problems = %+v, want %q", o.Problems, tc.problems)
			}
			if got := formatStrings(o.Negotiated); !reflect.DeepEqual(got, [][]string{tc.negotiatedStrings}) {
				t.Errorf("negotiated = %q", got)
			}
		})
	}
}

// TestCorpusT38 checks the T.38 re-INVITE of the fax capture: tshark shows
// "image 16756 udptl t38" (frame 3100, CSeq 3 INVITE) and four 488 Not
// Acceptable Here responses (sip_stat in the .tshark.json).
func TestCorpusT38(t *testing.T) {
	file := filepath.Join(corpusDir(t), "pcaps", "heplify_FAX-Call-t38-CA-TDM-SIP-FB-1.pcap")
	var t38 *Session
	for _, m := range readSDPBodies(t, file) {
		if m.frame == 3100 {
			t38 = mustParse(t, m.body)
		}
	}
	if t38 == nil {
		t.Fatal("frame 3100 not found")
	}
	want := Media{Type: "image", Port: 16756, PortCount: 1, Protocol: "udptl",
		Connection: t38.Connection, ConnectionRaw: "10.23.1.52", Direction: SendRecv,
		Formats: []Format{{PT: -1, Name: "t38", Channels: 1}}}
	if len(t38.Media) != 1 || !reflect.DeepEqual(t38.Media[0], want) {
		t.Errorf("media = %+v, want %+v", t38.Media, want)
	}
	// The 488 answers carry no SDP; count them in the raw capture.
	n488 := countStatus(t, file, "SIP/2.0 488")
	if n488 != 4 {
		t.Errorf("488 responses = %d, tshark counts 4", n488)
	}
	// An audio-only answer to this T.38 offer is the media-type problem the
	// analyser explains next to the 488.
	audio := mustParse(t, sdpBody("m=audio 5000 RTP/AVP 8"))
	if got := codes(Check(t38, audio).Problems); !reflect.DeepEqual(got, []string{ProblemMediaType}) {
		t.Errorf("problems = %q", got)
	}
}
