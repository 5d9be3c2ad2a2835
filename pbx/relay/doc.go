// Package relay is the PBX's transparent RTP/RTCP forwarder: for each call it
// holds two legs (caller side, callee side), each an even RTP port and the
// RTCP port above it (RFC 3550 §11), and forwards every datagram that one
// side sends to the other side untouched: SSRC, sequence numbers, timestamps
// and payload stay as they are, so that DTMF (RFC 4733), comfort noise and
// any codec pass through, and a capture on either side shows the phones'
// own streams.
//
// # Addresses
//
// The B2BUA tells a Session what each side's SDP announced (SetPeer). The
// relay then sends to the address the packets of that side really come from
// (symmetric latching, in the manner of RFC 4961 symmetric RTP): a phone
// behind NAT announces a private address but sends from its public mapping,
// and sending back there fixes most one-way audio. RTCP goes to the RTP port
// + 1, or to the RTP port when the side uses rtcp-mux (RFC 5761 §5.1.3);
// RTCP multiplexed on an RTP port is recognised by its packet type (RFC 5761
// §4).
//
// # Quality
//
// Each direction is scored live with voiplab/analyze/rtpstats (Wireshark's
// packet count, loss and RFC 3550 §6.4.1 jitter, and the ITU-T G.107 E-model
// MOS) without an allocation per packet.
//
// # Dead media
//
// When no RTP or RTCP has arrived on either leg for Config.Timeout, counted
// from the first packet or from the moment both peers are known, the Session
// closes itself and Done is closed; Err then returns ErrMediaTimeout, and the
// B2BUA ends the call.
//
// # Performance
//
// On Linux the sockets of all sessions are read by a few epoll loops (one
// per GOMAXPROCS, sessions shared round robin; see poll_linux.go): each
// datagram costs one recvfrom and one sendto, both raw non-blocking system
// calls, and one goroutine wake-up serves every socket that became readable
// meanwhile. Config.BusyPoll keeps a loop polling for a while before it
// sleeps: under load it then seldom sleeps and is not woken up, which cut
// the delay (at 250 calls on the project's virtual machine: median 40 ->
// 20 µs, 99th percentile 0.2 -> 0.1 ms) for up to a core of CPU per loop. Elsewhere each socket has its own reading
// goroutine. A G.711 socket gets one datagram per 20 ms, so batched reads
// (recvmmsg) would return one datagram per call and are not used.
//
// BenchmarkRelay and BenchmarkRelaySplit measure packets per second, loss,
// relay delay and the relay's CPU per packet; BenchmarkRelaySplit puts the
// relay and the simulated phones on separate CPUs. On the project's 2-CPU
// virtual machine the relay costs 7 to 8 µs of CPU per datagram at 1,000
// calls, most of it in the kernel (sendto alone is half: on loopback it also
// runs the receiving side's path), so 100,000 datagrams per second keep its
// one CPU 70 to 80 % busy; that CPU stalls for 1 to 20 ms several times a
// second (the host's doing: no other task ran there), and each stall takes
// a few times its length to drain, so the 99th percentile of the delay
// ranged from 2 to 14 ms at 1,000 calls while the median stayed under
// 0.1 ms; at 250 calls it was 0.1 to 0.25 ms, at 500 calls 0.5 to 1.7 ms.
package relay
