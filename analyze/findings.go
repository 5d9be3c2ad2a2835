package analyze

import (
	"slices"
	"strconv"
	"strings"
)

// Finding codes (DESIGN.md: stable, more may be added).
const (
	CodeCodecMismatch      = "codec-mismatch"
	CodeAnswerNotInOffer   = "answer-not-in-offer"
	CodeRTPPayloadMismatch = "rtp-payload-mismatch"
	CodeOneWayAudio        = "one-way-audio"
	CodeNoRTP              = "no-rtp"
	CodeRTPAddressMismatch = "rtp-address-mismatch"
	CodeNATPrivateAddress  = "nat-private-address"
	CodeAuthFailed         = "auth-failed"
	CodeBruteForce         = "brute-force"
	CodeScanner            = "scanner"
	CodeCallRejected       = "call-rejected"
	CodeCallCancelled      = "call-cancelled"
	CodeNoResponse         = "no-response"
	CodeMissingACK         = "missing-ack"
	CodeCallNotEnded       = "call-not-ended"
	CodePacketLoss         = "packet-loss"
	CodeHighJitter         = "high-jitter"
	CodeLowMOS             = "low-mos"
	CodeDTMFNotNegotiated  = "dtmf-not-negotiated"
	CodeMalformedSIP       = "malformed-sip"
	CodeTruncatedPacket    = "truncated-packet"
	CodeRegistrationFailed = "registration-failed"
	CodeSDPProblem         = "sdp-problem"
)

// template is the English text of one finding message. {name} is replaced
// by the parameter of that name. The report package holds the same keys in
// French.
type template struct {
	severity  string
	message   string
	hint      string
	reference string
}

// Templates returns the English message catalogue: key → message, hint and
// reference. Keys are a finding code or "code.variant".
func Templates() map[string][3]string {
	out := make(map[string][3]string, len(catalogue))
	for k, t := range catalogue {
		out[k] = [3]string{t.message, t.hint, t.reference}
	}
	return out
}

var catalogue = map[string]template{
	CodeCodecMismatch: {SeverityError,
		"The call failed because the two sides have no codec in common: the caller offered {offered}; the callee {answered}. The callee answered {status}.",
		"Enable a common codec on both phones (for example PCMA or PCMU, which every SIP phone supports), or let the PBX relay and transcode.",
		"RFC 3264 §6; RFC 3261 §21.4.26 (488)"},
	CodeCodecMismatch + ".reinvite": {SeverityWarning,
		"The change of media during the call was refused with {status}: the offer listed {offered}; the other side {answered}. The call goes on with the media it had before.",
		"Check that both sides support the new media (for a fax: T.38 on both gateways), or keep the call on G.711 (fax pass-through).",
		"RFC 3264 §8; RFC 3261 §14.2"},
	CodeAnswerNotInOffer: {SeverityWarning,
		"The answer in frame {frame} chose {codecs}, which the offer did not list. An answer may only pick codecs from the offer.",
		"Check the answering device's codec configuration; some devices answer with their own preferred codec. The caller may not decode that audio.",
		"RFC 3264 §6.1"},
	CodeRTPPayloadMismatch: {SeverityWarning,
		"Stream {stream} carries RTP payload type {pt}, but the SDP of this call negotiated {negotiated}. The receiver may drop or misdecode this audio.",
		"Compare the codec the phone actually sends with what it announced in SDP; a firmware or codec-priority bug is the usual cause.",
		"RFC 3264 §5.1; RFC 3551 §3"},
	CodeOneWayAudio: {SeverityError,
		"Audio flowed in one direction only: {from} sent {packets} RTP packets to {to}, but nothing came back from {to} during the {seconds} s of the call.",
		"This is almost always NAT or a firewall: check the address in the silent side's SDP (c= line), enable symmetric RTP or let the PBX relay the media, and open the RTP port range.",
		"RFC 3550 §11; RFC 4961 (symmetric RTP)"},
	CodeNoRTP: {SeverityWarning,
		"The call was answered and lasted {seconds} s, but no RTP was seen for it in the capture.",
		"Either the capture did not include the media (capture filter, or media took another path), or no side sent audio: check the SDP addresses and the firewall.",
		"RFC 3550; RFC 3264 §5"},
	CodeNoRTP + ".capture": {SeverityWarning,
		"The capture holds no RTP at all, although {count} calls were answered: it shows only the signalling.",
		"Capture the media too: widen the capture filter (RTP uses even UDP ports, often 10000-20000) or capture where the media flows; with direct media the PBX does not see it.",
		"RFC 3550; RFC 3264 §5"},
	CodeRTPAddressMismatch: {SeverityWarning,
		"RTP of this call went from {src} to {dst}, but the SDP announced {expected}. The media does not go where the signalling said it would.",
		"A NAT or an ALG rewrote addresses, or a phone sends from another port than it announced. Enable symmetric RTP / latching on the PBX, or disable the router's SIP ALG.",
		"RFC 3264 §5; RFC 4961"},
	CodeNATPrivateAddress: {SeverityWarning,
		"{party} announced the private address {private} in its {where}, but its packets came from {public}: it is behind NAT and the other side cannot send to that address.",
		"Configure the phone's NAT settings (STUN or a public address), or let the PBX relay the media with symmetric latching so it answers to where the packets come from.",
		"RFC 1918; RFC 3581 (rport); RFC 4961"},
	CodeAuthFailed: {SeverityError,
		"The credentials of {user} were rejected: {detail}.",
		"Check the user name and password on the phone; the realm must match the server's. Repeated challenges with a fresh nonce mean the password is wrong.",
		"RFC 3261 §22; RFC 8760"},
	CodeBruteForce: {SeverityError,
		"{src} failed to authenticate {count} times ({users}): this looks like a password-guessing attack.",
		"Block the source address (fail2ban, the PBX blacklist), use long random SIP passwords, and never expose extensions with weak passwords to the internet.",
		"RFC 3261 §26.1"},
	CodeScanner: {SeverityWarning,
		"{src} probed the server {detail}: this is a SIP scanner looking for extensions or open relays.",
		"Block the source address, answer unknown users with the same challenge as known ones (no enumeration), and do not expose SIP to the internet without a firewall.",
		"RFC 3261 §26; RFC 8760"},
	CodeCallRejected + ".generic": {SeverityWarning,
		"The callee side rejected the call with {status} {reason}.",
		"Look at the status code and the Warning/Reason headers of the response for the cause.",
		"RFC 3261 §21"},
	CodeCallRejected + ".403": {SeverityError,
		"The call was refused with 403 Forbidden: the server understood the request but will not route it (caller not allowed, wrong credentials, or a blocked destination).",
		"Check the caller's permissions and dial plan on the server, and the credentials.",
		"RFC 3261 §21.4.4"},
	CodeCallRejected + ".404": {SeverityWarning,
		"The call was refused with 404 Not Found: the number {to} does not exist on the server.",
		"Check the dialled number and the dial plan; the extension may not be configured.",
		"RFC 3261 §21.4.5"},
	CodeCallRejected + ".408": {SeverityError,
		"The call failed with 408 Request Timeout: the server could not reach the callee in time.",
		"The callee's registration may be stale or its device offline; check the registration and the network path to it.",
		"RFC 3261 §21.4.9"},
	CodeCallRejected + ".480": {SeverityWarning,
		"The call was refused with 480 Temporarily Unavailable: the callee {to} is not registered or not reachable now.",
		"Check that the callee's phone is registered (voiplab analyze shows registrations) and online.",
		"RFC 3261 §21.4.18"},
	CodeCallRejected + ".486": {SeverityInfo,
		"The callee {to} was busy (486 Busy Here).",
		"Nothing is broken: the callee was in another call or pressed reject. Call-waiting or a voicemail on busy would take the call.",
		"RFC 3261 §21.4.24"},
	CodeCallRejected + ".487": {SeverityInfo,
		"The INVITE was terminated (487 Request Terminated) after a CANCEL.",
		"This is the normal answer to a cancelled call.",
		"RFC 3261 §21.4.25"},
	CodeCallRejected + ".500": {SeverityError,
		"The server failed while handling the call (500 Server Internal Error).",
		"Look at the server's logs at the time of the call.",
		"RFC 3261 §21.5.1"},
	CodeCallRejected + ".503": {SeverityError,
		"The call was refused with 503 Service Unavailable: the server or the trunk behind it is overloaded or down.",
		"Check the trunk/provider registration and the server's channel limits.",
		"RFC 3261 §21.5.4"},
	CodeCallRejected + ".603": {SeverityInfo,
		"The callee declined the call (603 Decline).",
		"Nothing is broken: the callee pressed decline or a rule rejected the call everywhere.",
		"RFC 3261 §21.6.2"},
	CodeCallRejected + ".auth": {SeverityWarning,
		"The server asked for authentication ({status} {reason}) and the caller did not send credentials again.",
		"Configure the caller's user name and password for this server, or allow it without authentication.",
		"RFC 3261 §22.2"},
	CodeCallCancelled: {SeverityInfo,
		"The caller hung up before the call was answered (CANCEL after {seconds} s).",
		"Nothing is broken if the caller gave up; if it happens every time, check that the callee's phone rings (180 Ringing) and answers.",
		"RFC 3261 §9"},
	CodeNoResponse: {SeverityError,
		"The {method} to {dst} was sent {count} times without any response: the other side is unreachable or ignores us.",
		"Check the address and port, the firewall, and that the server listens on that transport (UDP/TCP).",
		"RFC 3261 §17.1.1.2 (Timer A/B)"},
	CodeMissingACK: {SeverityError,
		"The callee answered 200 OK but no ACK was seen: the 200 OK was sent {count} times. Without ACK the callee hangs up after 32 s.",
		"The 200 OK does not reach the caller, or the ACK does not reach the callee: check Contact and Record-Route addresses (often NAT) and the firewall.",
		"RFC 3261 §13.3.1.4"},
	CodeCallNotEnded: {SeverityInfo,
		"The call was answered but not ended (no BYE) before the capture stopped.",
		"If the call really ended, the BYE was lost or sent on another path; otherwise capture longer.",
		"RFC 3261 §15"},
	CodePacketLoss: {SeverityWarning,
		"Stream {stream} ({src} → {dst}) lost {lost} of {expected} packets ({pct} %), in {bursts} bursts.",
		"Loss comes from the network (congestion, Wi-Fi, a saturated uplink): check QoS marking and the link's bandwidth.",
		"RFC 3550 §6.4.1; ITU-T G.113 Appendix I"},
	CodeHighJitter: {SeverityWarning,
		"Stream {stream} ({src} → {dst}) has a mean jitter of {jitter} ms (max {max} ms): packets arrive unevenly.",
		"A jitter buffer hides some jitter at the cost of delay; find the congested link and give voice priority (QoS, DSCP EF).",
		"RFC 3550 §6.4.1"},
	CodeLowMOS: {SeverityWarning,
		"Stream {stream} ({src} → {dst}) has an estimated MOS of {mos} (R = {r}): users would rate this call {rating}.",
		"Reduce loss and jitter first; a codec with better loss robustness also helps. This MOS is an E-model estimate (ITU-T G.107), not a listening test.",
		"ITU-T G.107; ITU-T G.113"},
	CodeDTMFNotNegotiated: {SeverityWarning,
		"Stream {stream} carries RFC 4733 telephone-events (payload type {pt}), but telephone-event was not negotiated in SDP: the receiver may ignore these digits.",
		"Enable RFC 2833/4733 DTMF on both sides, or agree on SIP INFO or in-band DTMF.",
		"RFC 4733 §2.1; RFC 3264"},
	CodeMalformedSIP: {SeverityWarning,
		"The SIP message in frame {frame} is malformed: {reason}.",
		"A strict peer answers such a message with 400 Bad Request or drops it; fix the sender.",
		"RFC 3261 §7, §25; RFC 4475"},
	CodeTruncatedPacket: {SeverityWarning,
		"Frame {frame} was captured incomplete ({detail}); its content is partly missing.",
		"Capture with a larger snap length (tcpdump -s 0), and capture all IP fragments.",
		"RFC 791 (fragmentation)"},
	CodeRegistrationFailed: {SeverityError,
		"The registration of {aor} failed: {detail}.",
		"Check the user name, password, registrar address and the Expires value.",
		"RFC 3261 §10"},
	CodeSDPProblem: {SeverityWarning,
		"The SDP in frame {frame} breaks the offer/answer rules: {detail}.",
		"Fix the device that wrote this SDP.",
		"RFC 3264 §6"},
}

// newFinding builds a finding from its catalogue key and parameters.
func newFinding(key string, callID string, frames []int, params map[string]string) Finding {
	t, ok := catalogue[key]
	if !ok {
		panic("analyze: no finding template " + key) // programming error, covered by tests
	}
	code, _, _ := strings.Cut(key, ".")
	frames = slices.DeleteFunc(slices.Clone(frames), func(f int) bool { return f <= 0 })
	slices.Sort(frames)
	frames = slices.Compact(frames)
	if frames == nil {
		frames = []int{}
	}
	return Finding{
		Code: code, Severity: t.severity, CallID: callID, Frames: frames,
		Message:   Expand(t.message, params),
		Hint:      Expand(t.hint, params),
		Reference: t.reference,
		Key:       key,
		Params:    params,
	}
}

// Expand replaces {name} in s by params[name].
func Expand(s string, params map[string]string) string {
	if !strings.Contains(s, "{") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		name := s[i+1 : i+j]
		if v, ok := params[name]; ok {
			b.WriteString(v)
		} else {
			b.WriteString(s[i : i+j+1])
		}
		s = s[i+j+1:]
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func ftoa(f float64, prec int) string { return strconv.FormatFloat(f, 'f', prec, 64) }

func severityRank(s string) int {
	switch s {
	case SeverityError:
		return 3
	case SeverityWarning:
		return 2
	case SeverityInfo:
		return 1
	}
	return 0
}

// SeverityAtLeast reports whether severity s is at or above min.
func SeverityAtLeast(s, min string) bool { return severityRank(s) >= severityRank(min) }
