// Package analyze turns the datagrams of a capture into a Result: SIP
// messages grouped into transactions, dialogs, calls and registrations; SDP
// offers and answers with the codecs they agreed on; RTP and RTCP streams
// tied to their calls with Wireshark-compatible statistics and an E-model MOS;
// and findings, the plain-language diagnosis of what went wrong and why.
//
// Its leaf sub-packages (codec, sdpneg, rtpstats, sipmsg, dtmf, rtcpreport)
// import nothing above them, so that the PBX can share them.
package analyze
