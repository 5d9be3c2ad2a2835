package sipmsg

import (
	"errors"
	"strings"
	"testing"
)

// crlf turns a readable message written with "\n" into CRLF lines.
func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

// inviteSDP is a 500-odd-byte INVITE with SDP as a softphone sends it.
var inviteSDP = crlf(`INVITE sip:201@lab.local SIP/2.0
Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK776asdhds;rport
Max-Forwards: 70
From: "Alice" <sip:200@lab.local>;tag=1928301774
To: <sip:201@lab.local>
Call-ID: a84b4c76e66710@192.168.1.20
CSeq: 314159 INVITE
Contact: <sip:200@192.168.1.20:5060>
User-Agent: voiplab-test/1.0
Supported: replaces, timer
Content-Type: application/sdp
Content-Length: 157

v=0
o=alice 2890844526 2890844526 IN IP4 192.168.1.20
s=-
c=IN IP4 192.168.1.20
t=0 0
m=audio 49170 RTP/AVP 8 0 101
a=rtpmap:101 telephone-event/8000
`)

func TestParseInvite(t *testing.T) {
	m, err := Parse(inviteSDP)
	if err != nil {
		t.Fatal(err)
	}
	if m.Malformed != nil {
		t.Fatalf("Malformed: %v", m.Malformed)
	}
	eq(t, "Summary", m.Summary(), "INVITE sip:201@lab.local")
	eq(t, "Request", m.Request, true)
	eq(t, "CallID", m.CallID, "a84b4c76e66710@192.168.1.20")
	eq(t, "CSeq", m.CSeq, uint32(314159))
	eq(t, "From.Display", m.From.Display, "Alice")
	eq(t, "From.User", m.From.User, "200")
	eq(t, "From.Host", m.From.Host, "lab.local")
	eq(t, "From.Tag", m.From.Tag, "1928301774")
	eq(t, "To.URI", m.To.URI, "sip:201@lab.local")
	eq(t, "Via", m.Via[0], Via{Transport: "UDP", Host: "192.168.1.20", Port: 5060, Branch: "z9hG4bK776asdhds", HasRPort: true})
	eq(t, "Via.SentBy", m.Via[0].SentBy(), "192.168.1.20:5060")
	eq(t, "Contact.Port", m.Contact[0].Port, 5060)
	eq(t, "ContactExpires", m.ContactExpires[0], -1)
	eq(t, "Expires", m.Expires, -1)
	eq(t, "MaxForwards", m.MaxForwards, 70)
	eq(t, "UserAgent", m.UserAgent, "voiplab-test/1.0")
	eq(t, "Supported", strings.Join(m.Supported, "|"), "replaces|timer")
	eq(t, "IsSDP", m.IsSDP(), true)
	eq(t, "SDP starts", strings.HasPrefix(string(m.SDPBody()), "v=0\r\n"), true)
	eq(t, "len(Body)", len(m.Body), 157)
	eq(t, "TrailingBytes", m.TrailingBytes, 0)

	// The record owns its memory: the caller's buffer is reused.
	buf := append([]byte(nil), inviteSDP...)
	m2, _ := Parse(buf)
	for i := range buf {
		buf[i] = 'X'
	}
	eq(t, "CallID after reuse", m2.CallID, "a84b4c76e66710@192.168.1.20")
	eq(t, "Body after reuse", string(m2.Body[:4]), "v=0\r")
	eq(t, "Raw after reuse", string(m2.Raw[:6]), "INVITE")
}

func TestParseCases(t *testing.T) {
	tests := []struct {
		name      string
		msg       []byte
		malformed string // substring of the reasons; "" for well formed
		check     func(t *testing.T, m *Message)
	}{
		{
			name: "compact forms and case-insensitive names",
			msg: crlf(`OPTIONS sip:201@lab.local SIP/2.0
v: SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK1
V: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK0;received=192.0.2.9;rport=5062
f: <sip:200@lab.local>;tag=a
T: <sip:201@lab.local>
I: compact-1
cSeQ: 2 OPTIONS
m: <sip:200@10.0.0.1>;expires=60, <sip:200@10.0.0.3>
k: 100rel
K: path
s: hello
c: text/plain
l: 2

hi`),
			check: func(t *testing.T, m *Message) {
				eq(t, "CallID", m.CallID, "compact-1")
				eq(t, "len(Via)", len(m.Via), 2)
				eq(t, "Via[0].Transport", m.Via[0].Transport, "TCP")
				eq(t, "Via[1].Received", m.Via[1].Received, "192.0.2.9")
				eq(t, "Via[1].RPort", m.Via[1].RPort, 5062)
				eq(t, "len(Contact)", len(m.Contact), 2)
				eq(t, "ContactExpires", [2]int{m.ContactExpires[0], m.ContactExpires[1]}, [2]int{60, -1})
				eq(t, "Supported", strings.Join(m.Supported, ","), "100rel,path")
				eq(t, "Body", string(m.Body), "hi")
				eq(t, "IsSDP", m.IsSDP(), false)
			},
		},
		{
			name: "401 with digest challenge",
			msg: crlf(`SIP/2.0 401 Unauthorized
Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bKnashds7;received=192.0.2.4
From: <sip:200@lab.local>;tag=1
To: <sip:200@lab.local>;tag=2
Call-ID: reg-1
CSeq: 1 REGISTER
WWW-Authenticate: Digest realm="lab.local", nonce="ab\"c", algorithm=MD5, qop="auth,auth-int", stale=TRUE, opaque="o"
Server: voiplab-pbx
Content-Length: 0

`),
			check: func(t *testing.T, m *Message) {
				eq(t, "Summary", m.Summary(), "401 Unauthorized (realm lab.local)")
				eq(t, "Challenge", *m.Challenge, Challenge{Scheme: "Digest", Realm: "lab.local", Nonce: `ab"c`,
					Algorithm: "MD5", QOP: "auth,auth-int", Stale: true, Opaque: "o"})
				eq(t, "UserAgent (Server)", m.UserAgent, "voiplab-pbx")
			},
		},
		{
			name: "REGISTER with proxy credentials, Expires, Reason, Warning",
			msg: crlf(`REGISTER sip:lab.local SIP/2.0
Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bKnashds8
From: <sip:200@lab.local>;tag=1
To: <sip:200@lab.local>
Call-ID: reg-1
CSeq: 2 REGISTER
Contact: <sip:200@192.168.1.20>;expires=0
Expires: 3600
Proxy-Authorization: Digest username="200", realm="lab.local", nonce="n1",
  uri="sip:lab.local", response="6629fae49393a05397450978507c4ef1",
  algorithm=MD5, cnonce="0a4f113b", qop=auth, nc=00000001
Reason: SIP ;cause=200 ;text="Call completed elsewhere"
Warning: 399 pbx "first", 399 pbx "second"
Require: path
RSeq: 988789
RAck: 776656 1 INVITE
Record-Route: <sip:p1.lab.local;lr>, <sip:p2.lab.local;lr>
Content-Length: 0

`),
			check: func(t *testing.T, m *Message) {
				a := m.Authorization
				if a == nil {
					t.Fatal("no Authorization")
				}
				eq(t, "Authorization", *a, Credentials{Proxy: true, Scheme: "Digest", Username: "200", Realm: "lab.local",
					Nonce: "n1", URI: "sip:lab.local", Response: "6629fae49393a05397450978507c4ef1", Algorithm: "MD5",
					QOP: "auth", NC: "00000001", CNonce: "0a4f113b"})
				eq(t, "Expires", m.Expires, 3600)
				eq(t, "ContactExpires", m.ContactExpires[0], 0)
				eq(t, "ReasonHeader", m.ReasonHeader, `SIP ;cause=200 ;text="Call completed elsewhere"`)
				eq(t, "Warning", m.Warning, `399 pbx "first", 399 pbx "second"`)
				eq(t, "Require", strings.Join(m.Require, ","), "path")
				eq(t, "RSeq", m.RSeq, uint32(988789))
				eq(t, "RAck", m.RAck, "776656 1 INVITE")
				eq(t, "RecordRoute", strings.Join(m.RecordRoute, " "), "sip:p1.lab.local;lr sip:p2.lab.local;lr")
			},
		},
		{
			name: "multipart/mixed with SDP part (RFC 5621)",
			msg: crlf(`INVITE sip:201@lab.local SIP/2.0
Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKmp
From: <sip:200@lab.local>;tag=1
To: <sip:201@lab.local>
Call-ID: mp-1
CSeq: 1 INVITE
Content-Type: multipart/mixed;boundary=unique-boundary-1
Content-Length: 222

--unique-boundary-1
Content-Type: application/sdp

v=0
o=- 1 1 IN IP4 10.0.0.1
s=-
c=IN IP4 10.0.0.1
t=0 0
m=audio 4000 RTP/AVP 0

--unique-boundary-1
Content-Type: application/isup

x
--unique-boundary-1--
`),
			check: func(t *testing.T, m *Message) {
				eq(t, "IsSDP", m.IsSDP(), true)
				sdp := string(m.SDPBody())
				eq(t, "SDP", strings.HasPrefix(sdp, "v=0\r\n") && strings.Contains(sdp, "m=audio 4000 RTP/AVP 0"), true)
				eq(t, "no boundary in SDP", strings.Contains(sdp, "unique-boundary"), false)
				eq(t, "TrailingBytes", m.TrailingBytes, 0)
			},
		},
		{
			name: "LF-only line endings read by the fallback",
			msg: []byte("BYE sip:200@10.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKlf\n" +
				"From: <sip:201@lab.local>;tag=b\nTo: <sip:200@lab.local>;tag=a\nCall-ID: lf-1\n" +
				"CSeq: 3 BYE\nContent-Length: 0\n\n"),
			malformed: "LF line endings",
			check: func(t *testing.T, m *Message) {
				eq(t, "sipgo refused it", cause(m) != nil, true)
				eq(t, "Summary", m.Summary(), "BYE sip:200@10.0.0.1")
				eq(t, "CallID", m.CallID, "lf-1")
				eq(t, "To.Tag", m.To.Tag, "a")
				eq(t, "Via.Branch", m.Via[0].Branch, "z9hG4bKlf")
			},
		},
		{
			name: "header line without colon",
			msg: crlf(`ACK sip:200@10.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKnc
From: <sip:201@lab.local>;tag=b
To: <sip:200@lab.local>;tag=a
Call-ID: nc-1
CSeq: 1 ACK
this line has no colon
Content-Length: 0

`),
			malformed: "header line without colon",
			check: func(t *testing.T, m *Message) {
				eq(t, "CallID", m.CallID, "nc-1")
				eq(t, "CSeqMethod", m.CSeqMethod, "ACK")
			},
		},
		{
			name: "missing Via and status 999 accepted by sipgo",
			msg: crlf(`SIP/2.0 999 Strange
From: <sip:201@lab.local>;tag=b
To: <sip:200@lab.local>;tag=a
Call-ID: s-1
CSeq: 1 INVITE
Content-Length: 0

`),
			malformed: "missing Via header",
			check: func(t *testing.T, m *Message) {
				eq(t, "Status", m.Status, 999)
				eq(t, "sipgo accepted it", cause(m) == nil, true)
				eq(t, "outside", strings.Contains(m.Malformed.Error(), "outside 100-699"), true)
			},
		},
		{
			name: "non-numeric CSeq",
			msg: crlf(`INVITE sip:201@lab.local SIP/2.0
Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKcs
From: <sip:200@lab.local>;tag=a
To: <sip:201@lab.local>
Call-ID: cseq-1
CSeq: one INVITE
Content-Length: 0

`),
			malformed: `CSeq number "one"`,
			check: func(t *testing.T, m *Message) {
				eq(t, "CallID", m.CallID, "cseq-1")
				eq(t, "CSeqMethod", m.CSeqMethod, "INVITE")
			},
		},
		{
			name: "Request-URI without scheme",
			msg: crlf(`INVITE 201@lab.local SIP/2.0
Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKns
From: <sip:200@lab.local>;tag=a
To: <sip:201@lab.local>
Call-ID: ns-1
CSeq: 1 INVITE
Content-Length: 0

`),
			malformed: "sipgo:",
			check: func(t *testing.T, m *Message) {
				eq(t, "Summary", m.Summary(), "INVITE 201@lab.local")
				eq(t, "CallID", m.CallID, "ns-1")
			},
		},
		{
			name: "short Content-Length: trailing octets ignored (RFC 3261 §18.3)",
			msg: crlf(`MESSAGE sip:201@lab.local SIP/2.0
Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKsc
From: <sip:200@lab.local>;tag=a
To: <sip:201@lab.local>
Call-ID: short-1
CSeq: 1 MESSAGE
Content-Type: text/plain
Content-Length: 5

hello world`),
			check: func(t *testing.T, m *Message) {
				eq(t, "Body", string(m.Body), "hello")
				eq(t, "TrailingBytes", m.TrailingBytes, 6)
			},
		},
		{
			name: "truncated datagram: headers cut",
			msg: crlf(`SIP/2.0 180 Ringing
Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKtr
From: <sip:200@lab.local>;tag=a
To: <sip:201@lab`),
			malformed: "no empty line after the headers",
			check: func(t *testing.T, m *Message) {
				eq(t, "Summary", m.Summary(), "180 Ringing")
				eq(t, "From.Tag", m.From.Tag, "a")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse(tt.msg)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if tt.malformed == "" && m.Malformed != nil {
				t.Fatalf("Malformed: %v", m.Malformed)
			}
			if tt.malformed != "" {
				if m.Malformed == nil {
					t.Fatalf("not flagged, want %q", tt.malformed)
				}
				if !errors.Is(m.Malformed, ErrMalformed) || !strings.Contains(m.Malformed.Error(), tt.malformed) {
					t.Fatalf("Malformed = %v, want %q", m.Malformed, tt.malformed)
				}
			}
			if tt.check != nil {
				tt.check(t, m)
			}
		})
	}
}

func TestLooksLikeSIP(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"request", "INVITE sip:201@lab.local SIP/2.0\r\n", true},
		{"extension method", "!interesting-Method0123456789_*+`.%indeed'~ sip:x@y SIP/2.0\r\n", true},
		{"response", "SIP/2.0 200 OK\r\n", true},
		{"empty reason", "SIP/2.0 100 \r\n", true},
		{"LF only", "BYE sip:a@b SIP/2.0\nVia: x\n", true},
		{"other version", "OPTIONS sip:a@b SIP/7.0\r\n", true},
		{"trailing spaces", "OPTIONS sip:a@b SIP/2.0  \r\n", true},
		{"no line end", "REGISTER sip:lab.local SIP/2.0", true},
		{"http", "GET / HTTP/1.1\r\nHost: x\r\n", false},
		{"http response", "HTTP/1.1 200 OK\r\n", false},
		{"rtp-like", "\x80\x08\x00\x01\x00\x00\x00\xa0", false},
		{"status without code", "SIP/2.0 OK\r\n", false},
		{"empty", "", false},
		{"keepalive", "\r\n\r\n", false},
		{"no version", "INVITE sip:a@b\r\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eq(t, "LooksLikeSIP", LooksLikeSIP([]byte(tt.in)), tt.want)
			_, err := Parse([]byte(tt.in))
			eq(t, "ErrNotSIP", errors.Is(err, ErrNotSIP), !tt.want)
		})
	}
}

func TestSummaryNeverEmpty(t *testing.T) {
	for _, m := range []*Message{{}, {Request: true}, {Status: 200}, {Request: true, Method: "BYE"}} {
		if m.Summary() == "" {
			t.Errorf("empty Summary for %+v", m)
		}
	}
}

// cause returns sipgo's error behind m.Malformed (nil when sipgo accepted).
func cause(m *Message) error {
	var me *MalformedError
	if errors.As(m.Malformed, &me) {
		return me.Cause
	}
	return nil
}
