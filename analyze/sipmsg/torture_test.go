package sipmsg

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpusDir returns the shared corpus (VOIPLAB_CORPUS, default relative to
// this package) or skips the test.
func corpusDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("VOIPLAB_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "corpus")
	}
	if _, err := os.Stat(filepath.Join(dir, "sip-torture", "index.json")); err != nil {
		t.Skipf("corpus not found at %s (set VOIPLAB_CORPUS): %v", dir, err)
	}
	return dir
}

type tortureEntry struct {
	File    string `json:"file"`
	Section string `json:"rfc4475_section"`
	Verdict string `json:"verdict"`
	Note    string `json:"note"`
}

func loadTorture(t testing.TB) (string, []tortureEntry) {
	t.Helper()
	dir := filepath.Join(corpusDir(t), "sip-torture")
	raw, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var idx struct {
		Messages []tortureEntry `json:"messages"`
	}
	if err := json.Unmarshal(raw, &idx); err != nil {
		t.Fatal(err)
	}
	if len(idx.Messages) != 49 {
		t.Fatalf("index.json lists %d messages, RFC 4475 §3 has 49", len(idx.Messages))
	}
	return dir, idx.Messages
}

// tortureWant holds fields read by hand from the messages of RFC 4475 §3.
type tortureWant struct {
	summary    string // Summary()
	callID     string
	cseq       uint32
	cseqMethod string
	check      func(t *testing.T, m *Message)
	reason     string // for an invalid message: a substring of one reason
}

var tortureWants = map[string]tortureWant{
	// §3.1.1.1: folding, LWS everywhere, leading zeros, compact forms.
	"valid/wsinv.dat": {summary: "INVITE sip:vivekg@chair-dnrc.example.com;unknownparam",
		callID: "wsinv.ndaksdj@192.0.2.1", cseq: 9, cseqMethod: "INVITE",
		check: func(t *testing.T, m *Message) {
			eq(t, "MaxForwards", m.MaxForwards, 68)
			eq(t, "From.Display", m.From.Display, `J Rosenberg \"`)
			eq(t, "From.Tag", m.From.Tag, "98asjd8")
			eq(t, "To.Tag", m.To.Tag, "1918181833n")
			eq(t, "To.Host", m.To.Host, "chair-dnrc.example.com")
			eq(t, "len(Via)", len(m.Via), 3)
			if len(m.Via) == 3 {
				eq(t, "Via[0]", m.Via[0], Via{Transport: "UDP", Host: "192.0.2.2", Branch: "390skdjuw"})
				eq(t, "Via[1]", m.Via[1], Via{Transport: "TCP", Host: "spindle.example.com", Branch: "z9hG4bK9ikj8"})
				eq(t, "Via[2]", m.Via[2], Via{Transport: "UDP", Host: "192.168.255.111", Branch: "z9hG4bK30239"})
			}
			eq(t, "len(Contact)", len(m.Contact), 1)
			eq(t, "ContentType", m.ContentType, "application/sdp")
			eq(t, "IsSDP", m.IsSDP(), true)
			eq(t, "len(Body)", len(m.Body), 150)
			eq(t, "Route", strings.Join(m.Route, ","), "sip:services.example.com;lr;unknownwith=value;unknown-no-value")
		}},
	"valid/intmeth.dat": {cseq: 139122385, cseqMethod: "!interesting-Method0123456789_*+`.%indeed'~",
		callID: "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{"},
	"valid/esc01.dat": {summary: "INVITE sip:sips%3Auser%40example.com@example.net",
		callID: "esc01.239409asdfakjkn23onasd0-3234", cseq: 234234, cseqMethod: "INVITE",
		check: func(t *testing.T, m *Message) {
			eq(t, "From.User", m.From.User, "I%20have%20spaces")
		}},
	"valid/escnull.dat": {summary: "REGISTER sip:example.com", callID: "escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd",
		cseq: 14398234, cseqMethod: "REGISTER",
		check: func(t *testing.T, m *Message) {
			eq(t, "To.User", m.To.User, "null-%00-null")
			eq(t, "len(Contact)", len(m.Contact), 2)
		}},
	// §3.1.1.5: C%6Fntact is an unknown header: two Contact values.
	"valid/esc02.dat": {summary: "RE%47IST%45R sip:registrar.example.com", cseq: 29344, cseqMethod: "RE%47IST%45R",
		callID: "esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf",
		check: func(t *testing.T, m *Message) {
			eq(t, "len(Contact)", len(m.Contact), 2)
			eq(t, "From.Display", m.From.Display, "%Z%45")
		}},
	"valid/lwsdisp.dat": {summary: "OPTIONS sip:user@example.com", callID: "lwsdisp.1234abcd@funky.example.com",
		cseq: 60, cseqMethod: "OPTIONS",
		check: func(t *testing.T, m *Message) { eq(t, "From.Display", m.From.Display, "caller") }},
	"valid/longreq.dat": {summary: "INVITE sip:user@example.com", cseq: 3882340, cseqMethod: "INVITE",
		check: func(t *testing.T, m *Message) {
			eq(t, "CallID prefix", strings.HasPrefix(m.CallID, "longreq.onereallyreally"), true)
			eq(t, "len(Via)", len(m.Via), 34)
		}},
	// §3.1.1.8: the INVITE after Content-Length 0 is ignored.
	"valid/dblreq.dat": {summary: "REGISTER sip:example.com", callID: "dblreq.0ha0isndaksdj99sdfafnl3lk233412",
		cseq: 8, cseqMethod: "REGISTER",
		check: func(t *testing.T, m *Message) {
			eq(t, "len(Body)", len(m.Body), 0)
			eq(t, "TrailingBytes>0", m.TrailingBytes > 0, true)
		}},
	"valid/semiuri.dat": {summary: "OPTIONS sip:user;par=u%40example.net@example.com", callID: "semiuri.0ha0isndaksdj",
		cseq: 8, cseqMethod: "OPTIONS"},
	"valid/transports.dat": {summary: "OPTIONS sip:user@example.com", callID: "transports.kijh4akdnaqjkwendsasfdj",
		cseq: 60, cseqMethod: "OPTIONS",
		check: func(t *testing.T, m *Message) {
			var tr []string
			for _, v := range m.Via {
				tr = append(tr, v.Transport)
			}
			eq(t, "transports", strings.Join(tr, ","), "UDP,SCTP,TLS,UNKNOWN,TCP")
		}},
	"valid/mpart01.dat": {summary: "MESSAGE sip:kumiko@example.org", callID: "3d9485ad0c49859b@Zmx1ZmZ5LW1hYy0xNi5sb2NhbA..",
		cseq: 1, cseqMethod: "MESSAGE",
		check: func(t *testing.T, m *Message) {
			eq(t, "len(Body)", len(m.Body), 553)
			eq(t, "IsSDP", m.IsSDP(), false) // text/plain + octet-stream parts
			eq(t, "UserAgent", m.UserAgent, "SIPimp.org/0.2.5 (curses)")
			eq(t, "Via[0].HasRPort", m.Via[0].HasRPort, true)
		}},
	"valid/unreason.dat": {summary: "200 = 2**3 * 5**2 но сто девяносто девять - простое",
		callID: "unreason.1234ksdfak3j2erwedfsASdf", cseq: 35, cseqMethod: "INVITE"},
	"valid/noreason.dat": {summary: "100", callID: "noreason.asndj203insdf99223ndf", cseq: 35, cseqMethod: "INVITE"},
	"valid/badbranch.dat": {summary: "OPTIONS sip:user@example.com", cseq: 8, cseqMethod: "OPTIONS",
		check: func(t *testing.T, m *Message) { eq(t, "Branch", m.Via[0].Branch, "z9hG4bK") }},
	"valid/unkscm.dat":  {summary: "OPTIONS nobodyKnowsThisScheme:totallyopaquecontent", cseqMethod: "OPTIONS", cseq: 3923423},
	"valid/novelsc.dat": {summary: "OPTIONS soap.beep://192.0.2.103:3002", cseqMethod: "OPTIONS", cseq: 3923423},
	"valid/unksm2.dat": {summary: "REGISTER sip:example.com", cseqMethod: "REGISTER", cseq: 234902,
		check: func(t *testing.T, m *Message) {
			eq(t, "To.URI", m.To.URI, "isbn:2983792873")
			eq(t, "From.URI", m.From.URI, "http://www.example.com")
		}},
	"valid/bext01.dat": {summary: "OPTIONS sip:user@example.com", cseqMethod: "OPTIONS", cseq: 8,
		check: func(t *testing.T, m *Message) {
			eq(t, "Require", strings.Join(m.Require, ","), "nothingSupportsThis,nothingSupportsThisEither")
		}},
	"valid/invut.dat": {summary: "INVITE sip:user@example.com", cseqMethod: "INVITE", cseq: 235448,
		check: func(t *testing.T, m *Message) { eq(t, "IsSDP", m.IsSDP(), false) }},
	"valid/regaut01.dat": {summary: "REGISTER sip:example.com", cseqMethod: "REGISTER", cseq: 9338,
		check: func(t *testing.T, m *Message) {
			if m.Authorization == nil {
				t.Fatal("Authorization not read")
			}
			eq(t, "Scheme", m.Authorization.Scheme, "NoOneKnowsThisScheme")
		}},
	"valid/bcast.dat": {summary: "200 OK", cseqMethod: "INVITE", cseq: 35,
		check: func(t *testing.T, m *Message) { eq(t, "Via[1].Host", m.Via[1].Host, "255.255.255.255") }},
	"valid/zeromf.dat": {summary: "OPTIONS sip:user@example.com", cseqMethod: "OPTIONS", cseq: 39234321,
		check: func(t *testing.T, m *Message) { eq(t, "MaxForwards", m.MaxForwards, 0) }},
	"valid/cparam01.dat": {summary: "REGISTER sip:example.com", cseqMethod: "REGISTER", cseq: 2,
		check: func(t *testing.T, m *Message) {
			eq(t, "Contact[0].Params has unknownparam", hasKey(m.Contact[0].Params, "unknownparam"), true)
		}},
	"valid/cparam02.dat": {summary: "REGISTER sip:example.com", cseqMethod: "REGISTER", cseq: 3},
	"valid/regescrt.dat": {summary: "REGISTER sip:example.com", cseqMethod: "REGISTER", cseq: 14398234},
	"valid/sdp01.dat": {summary: "INVITE sip:user@example.com", cseqMethod: "INVITE", cseq: 8,
		check: func(t *testing.T, m *Message) { eq(t, "IsSDP", m.IsSDP(), true) }},
	// §3.4.1: RFC 2543 syntax: no Max-Forwards, no branch, no From tag.
	"valid/inv2543.dat": {summary: "INVITE sip:UserB@example.com", callID: "inv2543.1717@ift.client.example.com",
		cseq: 56, cseqMethod: "INVITE",
		check: func(t *testing.T, m *Message) {
			eq(t, "MaxForwards", m.MaxForwards, -1)
			eq(t, "From.Tag", m.From.Tag, "")
		}},

	"invalid/badinv01.dat":   {reason: "empty parameter or list element in Via"},
	"invalid/clerr.dat":      {reason: "Content-Length 9999 but only"},
	"invalid/ncl.dat":        {reason: `Content-Length "-999"`},
	"invalid/scalar02.dat":   {reason: "CSeq number"},
	"invalid/scalarlg.dat":   {reason: "CSeq number"},
	"invalid/quotbal.dat":    {reason: "unterminated quoted string in To"},
	"invalid/ltgtruri.dat":   {reason: "Request-URI enclosed in < >", summary: "INVITE sip:user@example.com"},
	"invalid/lwsruri.dat":    {reason: "space inside the Request-URI"},
	"invalid/lwsstart.dat":   {reason: "single SP", summary: "INVITE sip:user@example.com"},
	"invalid/trws.dat":       {reason: "single SP"},
	"invalid/escruri.dat":    {reason: "Request-URI carries headers"},
	"invalid/baddate.dat":    {reason: "is not in GMT"},
	"invalid/regbadct.dat":   {reason: "Contact URI with '?' not enclosed"},
	"invalid/badaspec.dat":   {reason: "To header"},
	"invalid/baddn.dat":      {reason: "non-token characters"},
	"invalid/badvers.dat":    {reason: `SIP version "SIP/7.0"`},
	"invalid/mismatch01.dat": {reason: "CSeq method INVITE does not match request method OPTIONS"},
	"invalid/mismatch02.dat": {reason: "CSeq method INVITE does not match request method NEWMETHOD"},
	"invalid/bigcode.dat":    {reason: "outside 100-699"},
	"invalid/insuf.dat":      {reason: "missing Call-ID"},
	"invalid/multi01.dat":    {reason: "2 Call-ID headers"},
	"invalid/mcl01.dat":      {reason: "2 Content-Length headers"},
}

// TestTorture runs every RFC 4475 §3 message: valid ones parse with
// Malformed == nil and the fields of the RFC text; invalid ones are
// Malformed with a reason (none is ErrNotSIP: all start like SIP).
func TestTorture(t *testing.T) {
	dir, msgs := loadTorture(t)
	for _, e := range msgs {
		t.Run(e.File, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, e.File))
			if err != nil {
				t.Fatal(err)
			}
			want, ok := tortureWants[e.File]
			if !ok {
				t.Fatalf("no expectation for %s (§%s)", e.File, e.Section)
			}
			m, err := Parse(b)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if m.Summary() == "" {
				t.Error("empty Summary")
			}
			switch e.Verdict {
			case "valid":
				if m.Malformed != nil {
					t.Fatalf("valid message (§%s) flagged: %v", e.Section, m.Malformed)
				}
			case "invalid":
				if m.Malformed == nil {
					t.Fatalf("invalid message (§%s: %s) not flagged", e.Section, e.Note)
				}
				if !errors.Is(m.Malformed, ErrMalformed) {
					t.Errorf("Malformed %v does not wrap ErrMalformed", m.Malformed)
				}
				var me *MalformedError
				if !errors.As(m.Malformed, &me) || len(me.Reasons) == 0 {
					t.Fatalf("Malformed %v has no reasons", m.Malformed)
				}
				if !strings.Contains(m.Malformed.Error(), want.reason) {
					t.Errorf("reasons %q lack %q", me.Reasons, want.reason)
				}
			default:
				t.Fatalf("verdict %q", e.Verdict)
			}
			if want.summary != "" {
				eq(t, "Summary", m.Summary(), want.summary)
			}
			if want.callID != "" {
				eq(t, "CallID", m.CallID, want.callID)
			} else if e.Verdict == "valid" && m.CallID == "" {
				t.Error("empty Call-ID")
			}
			if want.cseqMethod != "" {
				eq(t, "CSeq", m.CSeq, want.cseq)
				eq(t, "CSeqMethod", m.CSeqMethod, want.cseqMethod)
				if m.Request && e.Verdict == "valid" {
					eq(t, "Method", m.Method, want.cseqMethod)
				}
			}
			if want.check != nil {
				want.check(t, m)
			}
		})
	}
}

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}
