// Package phone is the labs' simulated SIP phone: it registers with digest
// authentication, calls and answers, negotiates codecs (RFC 3264), sends a
// real tone encoded in the negotiated codec (G.711 µ-law or A-law with
// github.com/zaf/g711, G.722 with voiplab/g722), RFC 4733 DTMF events and
// RTCP sender reports, and counts what it receives (packets, digits).
//
// A phone can offer only some codecs, write a private address in its SDP
// (a phone behind NAT), start its media late, and send its RTP through an
// impairment (voiplab/labs/impair).
//
// # Why not diago
//
// The brief named github.com/emiago/diago. Its client Invite creates the
// media sockets itself (media.MediaSession.listenRTPandRTCP calls
// net.ListenUDP, and DialogClientSession.Invite builds a fresh DialogMedia
// that cannot be pre-initialised), and its Serve listens by address: the
// lab's single capture tap could not see the phones' RTP, and the NAT,
// late-media and impairment behaviours would need the same sockets. So the
// phone uses diago's own SIP stack, github.com/emiago/sipgo, directly
// (Server.ServeUDP on our socket, the client reusing it with
// WithClientConnectionAddr so that signalling is symmetric), and writes RTP
// with pion/rtp on sockets it owns.
//
// # Recording
//
// Every datagram a phone writes goes through its socket wrapper: a
// Config.Reachable function plays the network (a datagram to an address it
// refuses vanishes, as behind a NAT), and Config.Record sees every datagram
// that leaves, after the impairment, so that one capture tap records each
// datagram once, at its sender.
package phone
