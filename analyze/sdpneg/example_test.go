package sdpneg_test

import (
	"fmt"

	"voiplab/analyze/sdpneg"
)

func ExampleCheck() {
	offer, _ := sdpneg.Parse([]byte("v=0\r\no=alice 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n" +
		"m=audio 49170 RTP/AVP 9 8 101\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n"))
	answer, _ := sdpneg.Parse([]byte("v=0\r\no=bob 1 1 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\nt=0 0\r\n" +
		"m=audio 5004 RTP/AVP 0 8\r\na=sendonly\r\n"))
	o := sdpneg.Check(offer, answer)
	for _, f := range o.Negotiated[0] {
		fmt.Println("negotiated", f.PT, f)
	}
	for _, p := range o.Problems {
		fmt.Println(p.Code+":", p.Detail)
	}
	// Output:
	// negotiated 8 PCMA/8000
	// answer-not-in-offer: m= line 1: answer format PCMU/8000 (PT 0) was not offered (RFC 3264 §6.1)
}

func ExampleChoose() {
	offer, _ := sdpneg.Parse([]byte("v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n" +
		"m=audio 49170 RTP/AVP 0 8 9 96\r\na=rtpmap:96 telephone-event/8000\r\n"))
	chosen, err := sdpneg.Choose(offer.Media[0].Formats, []string{"G722", "PCMA", "PCMU", "telephone-event"})
	fmt.Println(chosen, err)
	_, err = sdpneg.Choose(offer.Media[0].Formats, []string{"opus"})
	fmt.Println(err)
	// Output:
	// [G722/8000 PCMA/8000 PCMU/8000 telephone-event/8000] <nil>
	// sdpneg: no common codec: offered [PCMU/8000 PCMA/8000 G722/8000 telephone-event/8000], allowed [opus]
}
