package rtcpreport

import "time"

// ntpUnixOffset is the number of seconds from the NTP epoch (1 January 1900)
// to the Unix epoch (1 January 1970).
const ntpUnixOffset = 2208988800

// NTPToTime converts a 64-bit NTP timestamp (RFC 3550 §4: seconds since
// 1900 in the high 32 bits, a binary fraction in the low 32) to a time. A
// seconds field with its top bit clear is read in era 1, from 7 February
// 2036 (RFC 4330 §3). A zero timestamp gives the zero time: an SR sender
// without a wallclock sends zero (RFC 3550 §6.4.1).
func NTPToTime(ntp uint64) time.Time {
	if ntp == 0 {
		return time.Time{}
	}
	sec := int64(ntp >> 32)
	if sec&0x80000000 == 0 {
		sec += 1 << 32
	}
	nsec := int64((ntp & 0xffffffff) * 1e9 >> 32)
	return time.Unix(sec-ntpUnixOffset, nsec).UTC()
}

// TimeToNTP converts a time to a 64-bit NTP timestamp (RFC 3550 §4).
func TimeToNTP(t time.Time) uint64 {
	sec := uint64(t.Unix()+ntpUnixOffset) & 0xffffffff
	frac := uint64(t.Nanosecond()) << 32 / 1e9
	return sec<<32 | frac
}

// NTPMiddle is the middle 32 bits of a 64-bit NTP timestamp, the form of LSR
// (RFC 3550 §6.4.1): 16 bits of seconds and 16 bits of fraction.
func NTPMiddle(ntp uint64) uint32 {
	return uint32(ntp >> 16)
}

// RoundTrip computes the round-trip time the sender of an SR learns from a
// reception report block about it (RFC 3550 §6.4.1, Figure 2): the arrival
// time of the RR as the middle 32 bits of an NTP timestamp, minus LSR, minus
// DLSR, in units of 1/65536 second.
//
// arrival must be the time the RR reached the host that sent the SR: a
// capture taken elsewhere adds the path between that host and the capture
// point. ok is false when lsr is 0 (no SR received yet) or when the result
// is negative (clocks or capture point inconsistent).
func RoundTrip(arrival time.Time, lsr, dlsr uint32) (time.Duration, bool) {
	if lsr == 0 {
		return 0, false
	}
	a := NTPMiddle(TimeToNTP(arrival))
	rtt := int32(a - lsr - dlsr) // modulo 2^32, as the 32-bit fields wrap
	if rtt < 0 {
		return 0, false
	}
	return time.Duration(int64(rtt) * int64(time.Second) >> 16), true
}
