package b2bua

import (
	"log/slog"
	"testing"

	"github.com/emiago/sipgo/sip"
)

// respondTx records the response a handler sends.
type respondTx struct {
	sip.ServerTransaction
	res *sip.Response
}

func (t *respondTx) Respond(res *sip.Response) error { t.res = res; return nil }

// TestSafeRecoversPanic: a handler that panics on a hostile request answers
// 500 and the process goes on (sipgo recovers nothing itself).
func TestSafeRecoversPanic(t *testing.T) {
	b := &B2BUA{}
	b.log = discardLogger()
	req := sip.NewRequest(sip.INVITE, sip.Uri{User: "201", Host: "lab.local"})
	tx := &respondTx{}
	b.safe(func(*sip.Request, sip.ServerTransaction) { panic("hostile input") })(req, tx)
	if tx.res == nil || tx.res.StatusCode != 500 {
		t.Fatalf("response %v, want 500", tx.res)
	}
	ack := sip.NewRequest(sip.ACK, sip.Uri{User: "201", Host: "lab.local"})
	b.safe(func(*sip.Request, sip.ServerTransaction) { panic("hostile ACK") })(ack, nil) // no response, no panic
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
