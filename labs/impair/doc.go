// Package impair degrades a stream of packets the way a bad network does,
// deterministically: random loss (Bernoulli), bursty loss (the
// Gilbert-Elliott two-state model), a fixed delay, jitter, and reordering,
// all drawn from seeded PCG generators (math/rand/v2) so that two runs with
// the same Config and the same packets give the same pattern. The labs use it
// on a simulated phone's outgoing RTP or on the relay.
//
// # Decisions
//
// Impairment.Decide is called once per packet, in sending order, with the
// time the packet would leave; it returns whether to drop the packet and when
// to send it. Each aspect has its own random stream, drawn once per packet
// whatever the other settings, so that changing the jitter does not change
// which packets are lost, and the i-th packet of a run always meets the same
// draws:
//
//   - Loss: with LossPct, each packet is lost independently with that
//     probability. With Burst, a two-state Markov chain (Gilbert-Elliott)
//     moves per packet from Good to Bad with probability P and from Bad to
//     Good with probability R; a packet is lost with probability LossGood in
//     Good and LossBad in Bad (the loss uses the state the packet meets, the
//     transition follows it, as in Linux netem's "gemodel p r 1-h 1-k").
//     With LossGood = 0 and LossBad = 1 (the Gilbert model) the loss rate is
//     P/(P+R) and loss bursts are geometric with mean length 1/R packets
//     (RFC 3611 §4.7.2 reports loss in the same two-state terms of bursts
//     and gaps).
//   - Delay and jitter: each packet is delayed by DelayMs plus a jitter
//     drawn uniformly in [-JitterMs, +JitterMs] (the default distribution of
//     netem's "delay D J"), never less than zero. The uniform draw has a
//     standard deviation of JitterMs/√3, and for packets far enough apart
//     RFC 3550 §6.4.1's interarrival jitter then converges to about
//     2·JitterMs/3, the mean absolute difference of two draws. Jitter never
//     reorders: like a router queue, a packet never leaves before the packet
//     sent before it (its send time is raised to the previous one's), so
//     close packets bunch up rather than overtake. That lowers the measured
//     jitter when JitterMs exceeds the packet interval: for 20 ms packets,
//     ±40 ms gives an RFC 3550 jitter of about 18 ms and ±20 ms about 12 ms
//     (measured over 100k packets).
//   - Reordering: with probability ReorderPct a packet is held back by
//     ReorderMs after its place in the queue (30 ms by default, more than
//     one 20 ms packet interval), outside the queue order, so the next
//     packet overtakes it; it never overtakes an earlier packet.
//
// # Conn
//
// Conn wraps a net.PacketConn and applies an Impairment to what is written
// with WriteTo: a dropped packet is reported as sent and vanishes, a delayed
// one waits in a timer queue served by one goroutine until Close. Reads pass
// through untouched. Conn reads the wall clock: it is a live network
// element, not analysis logic.
package impair
