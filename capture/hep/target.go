package hep

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// DefaultAgentID is the capture agent ID a Target gets when its spec names
// none: 2001, the value of Homer's and Kamailio's siptrace examples.
const DefaultAgentID = 2001

// Target is where to send HEP: the `--hep HOST:PORT[,proto=udp|tcp][,id=N]`
// flag of `voiplab capture`.
type Target struct {
	Addr    string // host:port
	Proto   string // "udp" or "tcp"
	AgentID uint32
}

// ParseTarget parses "HOST:PORT[,proto=udp|tcp][,id=N]" (default udp and
// DefaultAgentID). The error names the part at fault.
func ParseTarget(s string) (Target, error) {
	parts := strings.Split(s, ",")
	t := Target{Addr: strings.TrimSpace(parts[0]), Proto: "udp", AgentID: DefaultAgentID}
	host, port, err := net.SplitHostPort(t.Addr)
	if err != nil || host == "" || port == "" {
		return Target{}, fmt.Errorf("hep: target %q: want HOST:PORT[,proto=udp|tcp][,id=N]", s)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return Target{}, fmt.Errorf("hep: target %q: port %q is not a number from 0 to 65535", s, port)
	}
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		switch k {
		case "proto":
			if v != "udp" && v != "tcp" {
				return Target{}, fmt.Errorf("hep: target %q: proto %q (want udp or tcp): %w", s, v, ErrProto)
			}
			t.Proto = v
		case "id":
			n, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				return Target{}, fmt.Errorf("hep: target %q: id %q is not a 32-bit number", s, v)
			}
			t.AgentID = uint32(n)
		default:
			return Target{}, fmt.Errorf("hep: target %q: unknown option %q (want proto= or id=)", s, p)
		}
	}
	return t, nil
}

// String returns the target in the form ParseTarget reads.
func (t Target) String() string {
	return fmt.Sprintf("%s,proto=%s,id=%d", t.Addr, t.Proto, t.AgentID)
}

// Dial connects a Sender to the target.
func (t Target) Dial(ctx context.Context) (*Sender, error) {
	return Dial(ctx, t.Addr, t.Proto, t.AgentID)
}
