package sipmsg_test

import (
	"errors"
	"fmt"

	"voiplab/analyze/sipmsg"
)

func ExampleParse() {
	datagram := []byte("SIP/2.0 401 Unauthorized\r\n" +
		"Via: SIP/2.0/UDP [2001:db8::20]:5060;branch=z9hG4bK74bf9;received=2001:db8::20\r\n" +
		"From: \"Alice\" <sip:200@lab.local>;tag=9fxced76sl\r\n" +
		"To: <sip:200@lab.local>;tag=37GkEhwl6\r\n" +
		"Call-ID: 3848276298220188511@[2001:db8::20]\r\n" +
		"CSeq: 1 REGISTER\r\n" +
		"WWW-Authenticate: Digest realm=\"lab.local\", nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\", qop=\"auth\"\r\n" +
		"Content-Length: 0\r\n\r\n")
	m, err := sipmsg.Parse(datagram)
	if errors.Is(err, sipmsg.ErrNotSIP) {
		return
	}
	fmt.Println(m.Summary())
	fmt.Println(m.CallID, m.CSeq, m.CSeqMethod)
	fmt.Println(m.From.Display, m.From.User, m.From.Tag)
	fmt.Println(m.Via[0].SentBy(), m.Via[0].Branch)
	fmt.Println(m.Malformed == nil)

	lf := []byte("OPTIONS sip:201@lab.local SIP/2.0\nCall-ID: x\n\n")
	m, _ = sipmsg.Parse(lf)
	fmt.Println(m.Malformed)
	// Output:
	// 401 Unauthorized (realm lab.local)
	// 3848276298220188511@[2001:db8::20] 1 REGISTER
	// Alice 200 9fxced76sl
	// [2001:db8::20]:5060 z9hG4bK74bf9
	// true
	// sipmsg: malformed SIP message: LF line endings (RFC 3261 §7: lines end with CRLF); missing CSeq header (RFC 3261 §8.1.1); missing From header (RFC 3261 §8.1.1); missing To header (RFC 3261 §8.1.1); missing Via header (RFC 3261 §8.1.1)
}
