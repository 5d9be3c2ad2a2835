// Package analyze turns the datagrams of a capture into a Result: SIP
// messages grouped into transactions, dialogs, calls and registrations; SDP
// offers and answers with the codecs they agreed on; RTP and RTCP streams
// tied to their calls with Wireshark-compatible statistics and an E-model MOS;
// and findings, the plain-language diagnosis of what went wrong and why.
//
// Its leaf sub-packages (codec, sdpneg, rtpstats, sipmsg, dtmf, rtcpreport)
// import nothing above them, so that the PBX can share them.
//
// # Speed and memory
//
// [Run] reads each file on two goroutines (readahead.go): one reads and
// decodes the frames and parses SIP and SDP, the other correlates them in
// capture order; [Analyzer.Datagram] does both on the caller's goroutine.
// The per-packet RTP path allocates nothing and touches a few cache lines
// of its stream. Memory holds what the Result will hold (messages, streams,
// chart series of at most 600 points) plus the state of the calls, never
// the packets. BenchmarkRun and bench/analyze.sh (make bench) measure it
// against tshark.
package analyze
