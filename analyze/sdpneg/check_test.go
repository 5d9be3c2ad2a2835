package sdpneg

import (
	"reflect"
	"testing"
)

// sdpBody builds a CRLF SDP with the given m= sections (each "m=..." plus its
// attribute lines separated by "\n").
func sdpBody(media ...string) []byte {
	b := "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n"
	for _, m := range media {
		b += m + "\n"
	}
	return crlf(b)
}

func TestCheckProblems(t *testing.T) {
	const (
		audioOffer = "m=audio 4000 RTP/AVP 9 8 0 101\na=rtpmap:101 telephone-event/8000"
		video      = "m=video 4002 RTP/AVP 31"
	)
	tests := []struct {
		name          string
		offer, answer []string
		problems      []string
		negotiated    [][]string
		common        [][]string
	}{
		{
			name: "ok_dynamic_pt_renumbered_RFC3264_s6.1", offer: []string{audioOffer},
			answer:     []string{"m=audio 5000 RTP/AVP 8 96\na=rtpmap:96 telephone-event/8000"},
			negotiated: [][]string{{"PCMA/8000", "telephone-event/8000"}},
			common:     [][]string{{"PCMA/8000", "telephone-event/8000"}},
		},
		{
			name: "answer-not-in-offer_RFC3264_s6.1", offer: []string{audioOffer},
			answer:     []string{"m=audio 5000 RTP/AVP 18 8"},
			problems:   []string{ProblemAnswerNotInOffer},
			negotiated: [][]string{{"PCMA/8000"}},
			common:     [][]string{{"PCMA/8000"}},
		},
		{
			name: "no-common-codec_only_event", offer: []string{audioOffer},
			answer:     []string{"m=audio 5000 RTP/AVP 18 101\na=rtpmap:101 telephone-event/8000"},
			problems:   []string{ProblemAnswerNotInOffer, ProblemNoCommonCodec},
			negotiated: [][]string{{"telephone-event/8000"}},
			common:     [][]string{{"telephone-event/8000"}},
		},
		{
			name: "m-line-count_RFC3264_s6", offer: []string{audioOffer, video},
			answer:     []string{"m=audio 5000 RTP/AVP 0"},
			problems:   []string{ProblemMLineCount},
			negotiated: [][]string{{"PCMU/8000"}},
			common:     [][]string{{"PCMU/8000"}},
		},
		{
			name: "m-line-order_RFC3264_s6", offer: []string{audioOffer, video},
			answer:     []string{"m=video 5002 RTP/AVP 31", "m=audio 5000 RTP/AVP 0"},
			problems:   []string{ProblemMLineOrder},
			negotiated: [][]string{nil, nil},
			common:     [][]string{nil, nil},
		},
		{
			name: "media-type", offer: []string{audioOffer},
			answer:     []string{"m=image 5000 udptl t38"},
			problems:   []string{ProblemMediaType},
			negotiated: [][]string{nil},
			common:     [][]string{nil},
		},
		{
			name: "direction_sendonly_answered_sendonly_RFC3264_s6.1", offer: []string{audioOffer + "\na=sendonly"},
			answer:     []string{"m=audio 5000 RTP/AVP 0\na=sendonly"},
			problems:   []string{ProblemDirection},
			negotiated: [][]string{{"PCMU/8000"}},
			common:     [][]string{{"PCMU/8000"}},
		},
		{
			name: "direction_inactive_answered_sendrecv_RFC3264_s6.1", offer: []string{audioOffer + "\na=inactive"},
			answer:     []string{"m=audio 5000 RTP/AVP 0\na=sendrecv"},
			problems:   []string{ProblemDirection},
			negotiated: [][]string{{"PCMU/8000"}},
			common:     [][]string{{"PCMU/8000"}},
		},
		{
			name: "direction_sendrecv_answered_recvonly_ok", offer: []string{audioOffer},
			answer:     []string{"m=audio 5000 RTP/AVP 0\na=recvonly"},
			negotiated: [][]string{{"PCMU/8000"}},
			common:     [][]string{{"PCMU/8000"}},
		},
		{
			name: "rejected_stream_no_problem_RFC3264_s6", offer: []string{audioOffer, video},
			answer:     []string{"m=audio 5000 RTP/AVP 0", "m=video 0 RTP/AVP 31"},
			negotiated: [][]string{{"PCMU/8000"}, nil},
			common:     [][]string{{"PCMU/8000"}, nil},
		},
		{
			name: "rejected-stream-accepted_RFC3264_s6", offer: []string{audioOffer, "m=video 0 RTP/AVP 31"},
			answer:     []string{"m=audio 5000 RTP/AVP 0", "m=video 5002 RTP/AVP 31"},
			problems:   []string{ProblemRejectedAccepted},
			negotiated: [][]string{{"PCMU/8000"}, nil},
			common:     [][]string{{"PCMU/8000"}, nil},
		},
		{
			// The answer uses the offer's name but another clock rate: not
			// the same format (RFC 3264 §6.1).
			name: "clock_rate_differs", offer: []string{"m=audio 4000 RTP/AVP 96\na=rtpmap:96 opus/48000/2"},
			answer:     []string{"m=audio 5000 RTP/AVP 96\na=rtpmap:96 opus/16000/2"},
			problems:   []string{ProblemAnswerNotInOffer, ProblemNoCommonCodec},
			negotiated: [][]string{nil},
			common:     [][]string{nil},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := Check(mustParse(t, sdpBody(tc.offer...)), mustParse(t, sdpBody(tc.answer...)))
			if got := codes(o.Problems); !reflect.DeepEqual(got, tc.problems) {
				t.Errorf("problems = %+v, want %q", o.Problems, tc.problems)
			}
			if got := formatStrings(o.Negotiated); !reflect.DeepEqual(got, tc.negotiated) {
				t.Errorf("negotiated = %q, want %q", got, tc.negotiated)
			}
			if got := formatStrings(o.Common); !reflect.DeepEqual(got, tc.common) {
				t.Errorf("common = %q, want %q", got, tc.common)
			}
		})
	}
}

// TestCheckPTNumbers checks which side's payload type numbers each list
// carries (RFC 3264 §5.1/§6.1).
func TestCheckPTNumbers(t *testing.T) {
	offer := mustParse(t, sdpBody("m=audio 4000 RTP/AVP 0 101\na=rtpmap:101 telephone-event/8000"))
	answer := mustParse(t, sdpBody("m=audio 5000 RTP/AVP 0 96\na=rtpmap:96 telephone-event/8000"))
	o := Check(offer, answer)
	if got := o.Negotiated[0][1].PT; got != 96 {
		t.Errorf("negotiated event PT = %d, want the answer's 96", got)
	}
	if got := o.Common[0][1].PT; got != 101 {
		t.Errorf("common event PT = %d, want the offer's 101", got)
	}
}

func TestCheckNil(t *testing.T) {
	if o := Check(nil, nil); o.Negotiated != nil || o.Problems != nil {
		t.Errorf("Check(nil, nil) = %+v", o)
	}
}
