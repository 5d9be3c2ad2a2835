package pbx

import (
	"strings"
	"testing"

	"github.com/emiago/sipgo/sip"
)

func TestStateless503(t *testing.T) {
	reg := "REGISTER sip:lab.local SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bK776asdhds;rport\r\n" +
		"Max-Forwards: 70\r\n" +
		"To: Bob <sip:200@lab.local>\r\n" +
		"From: Bob <sip:200@lab.local>;tag=456248\r\n" +
		"Call-ID: 843817637684230@998sdasdh09\r\n" +
		"CSeq: 1826 REGISTER\r\n" +
		"Contact: <sip:200@192.0.2.1:5062>\r\n" +
		"Content-Length: 0\r\n\r\n"
	for _, tc := range []struct {
		name string
		msg  string
		ok   bool
	}{
		{"fresh REGISTER", reg, true},
		{"compact form OPTIONS", "OPTIONS sip:lab.local SIP/2.0\r\nv: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx\r\nt: <sip:lab.local>;tag=9\r\nf: <sip:a@lab.local>;tag=1\r\ni: abc\r\nCSeq: 1 OPTIONS\r\n\r\n", true},
		{"authenticated step is served", strings.Replace(reg, "Max-Forwards: 70\r\n", "Max-Forwards: 70\r\nAuthorization: Digest username=\"200\"\r\n", 1), false},
		{"INVITE is left to the B2BUA", strings.Replace(reg, "REGISTER sip", "INVITE sip", 1), false},
		{"no Call-ID", strings.Replace(reg, "Call-ID: 843817637684230@998sdasdh09\r\n", "", 1), false},
		{"folded header", strings.Replace(reg, "Max-Forwards: 70\r\n", "Subject: a\r\n b\r\n", 1), false},
		{"truncated", reg[:40], false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, ok := stateless503([]byte(tc.msg))
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			// the answer parses and matches the request's transaction
			msg, err := sip.NewParser().ParseSIP(b)
			if err != nil {
				t.Fatalf("%v\n%s", err, b)
			}
			res := msg.(*sip.Response)
			req, _ := sip.NewParser().ParseSIP([]byte(tc.msg))
			if res.StatusCode != 503 || res.GetHeader("Retry-After") == nil || res.CallID().Value() != req.CallID().Value() ||
				res.CSeq().SeqNo != req.CSeq().SeqNo || res.Via().Params.String() != req.(*sip.Request).Via().Params.String() {
				t.Errorf("503:\n%s", b)
			}
			if tag, ok := res.To().Params.Get("tag"); !ok || tag == "" {
				t.Errorf("no To tag:\n%s", b)
			}
		})
	}
}

func FuzzStateless503(f *testing.F) {
	f.Add([]byte("REGISTER sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:a@x>\r\nFrom: <sip:a@x>;tag=1\r\nCall-ID: c\r\nCSeq: 1 REGISTER\r\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		stateless503(b) // no panic
	})
}
