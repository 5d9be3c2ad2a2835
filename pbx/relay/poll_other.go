//go:build !linux

package relay

import (
	"errors"
	"net/netip"
	"time"
)

// poller is Linux only (poll_linux.go); elsewhere each socket has its own
// reading goroutine.
type poller struct{}

func newPollers(time.Duration) []*poller { return nil }

func (p *poller) add(s *Session) error { return errPoll }

func (p *poller) remove(s *Session) {}

var errPoll = errors.New("relay: no poller on this system")

// rawLeg is unused without a poller.
type rawLeg struct{}

func (r *rawLeg) send(rtcp bool, pkt []byte, dst netip.AddrPort) error { return errPoll }
