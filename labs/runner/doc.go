// Package runner runs a lab end to end in one process and without root:
// the PBX (voiplab/pbx) on 127.0.0.10 when the lab needs it, simulated
// phones (voiplab/labs/phone) on 127.0.0.11, 127.0.0.12, ..., one
// capture.Tap recording every datagram once, then the analysis, the JSON
// and HTML reports and the grading of the lab's objectives (labs/check).
//
// # Who records what
//
// Every datagram is recorded once, into one capture.Tap, at a phone: what
// the phone sends (just before the write) and what it receives from the
// PBX (in its read loop, before it can answer), so that the capture keeps
// causal order. The PBX's own pbx.WithTap is not used until capture.Tap
// records writes before they happen (see world.go). Labs that show the
// PBX's point of view (media-path) keep only the datagrams to or from the
// PBX.
//
// # Reproducibility
//
// Everything random in a lab is seeded from RunOptions.Seed: SSRCs,
// sequence numbers, RTP timestamps, tags, the impairment's loss, jitter and
// reordering. Call-IDs (sipgo), ports and times are not. Two runs are "the
// same" when their Summary is equal: the calls with their parties, final
// state, status, negotiated codecs and SIP message counts; the
// registrations; the streams with their codec, packets and loss; the DTMF
// digits; and the finding codes. Jitter and MOS depend on the machine's
// timing and are left out.
package runner
