package pbx

import (
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

// TestRegLayerTransactions: one handler call per transaction (RFC 3261
// §17.2.3 matching: branch, sent-by, method), retransmissions absorbed or
// answered while the transaction lives (Timer J), a new call after it.
func TestRegLayerTransactions(t *testing.T) {
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var calls atomic.Int32
	answer := true
	l := newRegLayer(func(req *sip.Request, tx sip.ServerTransaction) {
		calls.Add(1)
		if answer {
			_ = tx.Respond(sip.NewResponseFromRequest(req, 401, "Unauthorized", nil))
		}
	}, 50*time.Millisecond)
	src := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9} // discard
	reg := func(branch, sentBy string) []byte {
		return []byte("REGISTER sip:lab.local SIP/2.0\r\nVia: SIP/2.0/UDP " + sentBy + ";branch=" + branch +
			"\r\nFrom: <sip:200@lab.local>;tag=a\r\nTo: <sip:200@lab.local>\r\nCall-ID: c1\r\nCSeq: 1 REGISTER\r\n" +
			"Content-Length: 0\r\n\r\n")
	}
	for _, tc := range []struct {
		name      string
		data      []byte
		served    bool
		wantCalls int32
	}{
		{"first", reg("z9hG4bK1", "127.0.0.1:5999"), true, 1},
		{"retransmission", reg("z9hG4bK1", "127.0.0.1:5999"), true, 1},
		{"other sent-by is another transaction", reg("z9hG4bK1", "127.0.0.1:5998"), true, 2},
		{"other branch", reg("z9hG4bK2", "127.0.0.1:5999"), true, 3},
		{"RFC 2543 branch goes to sipgo", reg("old1", "127.0.0.1:5999"), false, 3},
		{"not a REGISTER", []byte("OPTIONS sip:lab.local SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK3\r\nCSeq: 1 OPTIONS\r\n\r\n"), false, 3},
		{"garbage", []byte("REGISTER nonsense"), false, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := l.serve(conn, src, tc.data); got != tc.served {
				t.Errorf("served %v, want %v", got, tc.served)
			}
			if n := calls.Load(); n != tc.wantCalls {
				t.Errorf("handler calls %d, want %d", n, tc.wantCalls)
			}
		})
	}
	t.Run("unanswered transaction absorbs retransmissions", func(t *testing.T) {
		answer = false
		l.serve(conn, src, reg("z9hG4bK4", "127.0.0.1:5999"))
		l.serve(conn, src, reg("z9hG4bK4", "127.0.0.1:5999"))
		if n := calls.Load(); n != 4 {
			t.Errorf("handler calls %d, want 4", n)
		}
		answer = true
	})
	t.Run("after Timer J a request is new", func(t *testing.T) {
		time.Sleep(110 * time.Millisecond) // two rotations
		l.serve(conn, src, reg("z9hG4bK1", "127.0.0.1:5999"))
		if n := calls.Load(); n != 5 {
			t.Errorf("handler calls %d, want 5", n)
		}
	})
}

func TestRegTxRespond(t *testing.T) {
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req := sip.NewRequest(sip.REGISTER, sip.Uri{Host: "lab.local"})
	req.AppendHeader(sip.NewHeader("Via", "SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK1"))
	req.AppendHeader(sip.NewHeader("CSeq", "1 REGISTER"))
	tx := &regTx{conn: conn, dest: conn.LocalAddr().(*net.UDPAddr), done: make(chan struct{})}
	ended := 0
	if !tx.OnTerminate(func(string, error) { ended++ }) {
		t.Fatal("OnTerminate before the final response: false")
	}
	if err := tx.Respond(sip.NewResponseFromRequest(req, 100, "Trying", nil)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-tx.Done():
		t.Fatal("done after a provisional response")
	default:
	}
	if err := tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil)); err != nil {
		t.Fatal(err)
	}
	<-tx.Done()
	if ended != 1 || tx.OnTerminate(func(string, error) {}) {
		t.Errorf("terminate callbacks %d, OnTerminate after the end should be false", ended)
	}
	if err := tx.Respond(sip.NewResponseFromRequest(req, 500, "Late", nil)); err == nil {
		t.Error("a second final response was sent")
	}
}
