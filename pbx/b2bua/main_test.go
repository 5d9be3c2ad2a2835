package b2bua_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a goroutine outlives the tests: every
// call, branch, relay session and phone must be gone.
//
// One sipgo behaviour is tolerated: a server transaction that retransmits a
// final response after its UA closed (Timer G, RFC 3261 §17.2.1) makes
// sipgo bind a fresh UDP socket on the freed port, whose reader nothing
// closes. That socket belongs to a test phone's or the PBX's torn-down UA,
// not to a call the B2BUA still holds.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreAnyFunction("github.com/emiago/sipgo/sip.(*TransportUDP).readUDPConnection"))
}
