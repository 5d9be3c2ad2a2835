package synth

import (
	"net/netip"
	"time"

	"voiplab/capture"
)

// DatagramWriter receives the generated datagrams in time order.
// capture.NewWriter implements it. The datagram and its payload are only
// valid during the call: copy what you keep.
type DatagramWriter interface {
	WriteDatagram(d *capture.Datagram) error
}

// DatagramWriterFunc adapts a function to a DatagramWriter.
type DatagramWriterFunc func(d *capture.Datagram) error

// WriteDatagram calls f(d).
func (f DatagramWriterFunc) WriteDatagram(d *capture.Datagram) error { return f(d) }

// Scenario is a list of events on a timeline. Everything is deterministic
// from Seed.
type Scenario struct {
	Seed int64
	// Start is the capture time of offset 0; the zero value means
	// 2026-01-01 00:00 UTC.
	Start         time.Time
	Calls         []Call
	Registrations []Registration
	Scans         []Scan
}

// Endpoint is a SIP user agent.
type Endpoint struct {
	// Addr is where its packets come from (public address behind a NAT).
	Addr netip.AddrPort
	// User is the user part of its SIP URI ("200").
	User string
	// UserAgent is written in User-Agent (requests) and Server (responses).
	UserAgent string
	// SDPAddr is the address written in SDP c= and in Contact; the zero
	// value means Addr's. Set a private address to simulate a phone behind
	// NAT.
	SDPAddr netip.Addr
}

// Outcome is how a call ends.
type Outcome int

// Call outcomes.
const (
	// Answered: 200 OK, ACK, media for Talk, BYE from the caller.
	Answered Outcome = iota
	// Rejected: a final error response (Call.RejectStatus, default 486).
	Rejected
	// Cancelled: 180 Ringing, then CANCEL, 200 (CANCEL), 487, ACK.
	Cancelled
	// NoResponse: the INVITE is retransmitted per RFC 3261 §17.1.1.2
	// Timer A (T1 = 500 ms, doubling) until Timer B (64×T1) fires.
	NoResponse
	// MissingACK: the 200 OK is retransmitted per RFC 3261 §13.3.1.4 (T1
	// doubling up to T2), no ACK comes, and the callee sends BYE after
	// 64×T1.
	MissingACK
	// NotEnded: answered, media for Talk, then nothing: no BYE.
	NotEnded
)

// String names the outcome.
func (o Outcome) String() string {
	switch o {
	case Answered:
		return "answered"
	case Rejected:
		return "rejected"
	case Cancelled:
		return "cancelled"
	case NoResponse:
		return "no-response"
	case MissingACK:
		return "missing-ack"
	case NotEnded:
		return "not-ended"
	}
	return "unknown"
}

// Call is one SIP call and its media.
type Call struct {
	// At is when the INVITE is sent, from Scenario.Start.
	At time.Duration
	// CallID is the Call-ID; empty means generated from the seed.
	CallID         string
	Caller, Callee Endpoint
	// Proxy is an optional stateful proxy (a PBX) in the middle: then every
	// message crosses two legs, with the proxy's Via and Record-Route.
	Proxy *Endpoint
	// Offer and Answer are codec names ("PCMU", "PCMA", "G722", "G729",
	// "telephone-event"): what the caller offers, what the callee supports.
	// Empty Offer means PCMU, PCMA, telephone-event; empty Answer means the
	// offer.
	Offer, Answer []string
	Outcome       Outcome
	// RejectStatus is the final status of a Rejected call (default 486).
	RejectStatus int
	// Talk is how long media flows (default 10 s).
	Talk time.Duration
	// Ptime is the packetisation time (default 20 ms).
	Ptime time.Duration
	// AuthChallenge: the first INVITE gets 407 and is resent with
	// Proxy-Authorization.
	AuthChallenge bool
	Media         MediaFaults
	// RTCP: an SR (or RR) every 5 s per direction and a BYE at the end.
	RTCP bool
	// DTMF digits are sent by the caller as RFC 4733 events during the
	// talk. When DTMFNegotiated is false, telephone-event is left out of the
	// SDP but the events are still sent on PT 101.
	DTMF           string
	DTMFNegotiated bool
	// ReInviteHold: the caller sends a re-INVITE with a=sendonly half-way
	// through the talk; the callee stops sending.
	ReInviteHold bool
	// AnswerNotInOffer: the 200's SDP lists the callee's codecs even when
	// the offer does not contain them.
	AnswerNotInOffer bool
	// Transport is "UDP" (default) or "TCP" for SIP; RTP is always UDP.
	Transport string
}

// MediaFaults are the media problems of a call.
type MediaFaults struct {
	// CallerToCallee and CalleeToCaller are the impairments of each
	// direction.
	CallerToCallee, CalleeToCaller Impairment
	// NoRTP: no RTP (nor RTCP) at all although the call is answered.
	NoRTP bool
}

// Impairment is what the network (or a broken phone) does to one RTP
// direction.
type Impairment struct {
	// LossPct is the mean packet loss in percent.
	LossPct float64
	// BurstLen, when > 1, makes loss bursty: a Gilbert-Elliott two-state
	// model whose bad state drops every packet and lasts BurstLen packets
	// on average, with LossPct as the stationary loss.
	BurstLen float64
	// JitterMs is the RFC 3550 §6.4.1 interarrival jitter the stream should
	// show (Wireshark's mean jitter), made by an exponential extra transit
	// delay. Without Reorder it saturates near 1.5×ptime: a packet that is
	// not allowed to overtake the previous one cannot vary more.
	JitterMs float64
	// Reorder lets a delayed packet arrive after the next one.
	Reorder bool
	// Silent: this direction sends nothing (one-way audio).
	Silent bool
	// WrongPT: the audio is sent on a payload type that is not in the SDP.
	WrongPT bool
	// SendTo, when valid, is where the RTP goes instead of the address and
	// port of the SDP.
	SendTo netip.AddrPort
}

// RegOutcome is how a registration ends.
type RegOutcome int

// Registration outcomes.
const (
	// RegOK: 401 then 200 OK.
	RegOK RegOutcome = iota
	// RegWrongPassword: 401, retry with a wrong digest, 403.
	RegWrongPassword
	// RegChallengeLoop: 401 three times in a row.
	RegChallengeLoop
	// RegUnknown: 404 Not Found.
	RegUnknown
	// RegNoResponse: REGISTER retransmitted per Timer E until Timer F.
	RegNoResponse
)

// Registration is one REGISTER transaction sequence.
type Registration struct {
	At        time.Duration
	Endpoint  Endpoint
	Registrar netip.AddrPort
	Outcome   RegOutcome
	// Expires in seconds (default 3600).
	Expires int
}

// Scan is a SIP scanner burst (sipvicious-like).
type Scan struct {
	At time.Duration
	// From is the scanner; UserAgent is usually "friendly-scanner".
	From   Endpoint
	Target netip.AddrPort
	// Extensions are probed one by one with Method.
	Extensions []string
	// Method is "OPTIONS", "REGISTER" or "INVITE" (default OPTIONS).
	Method string
	// Attempts, when > 0, is a brute force: that many REGISTER with wrong
	// credentials for Extensions[0] (or "100"), each 401 then 403.
	Attempts int
}

// Stats counts what Write produced.
type Stats struct {
	Packets, SIPMessages, RTPPackets, RTCPPackets int
}
