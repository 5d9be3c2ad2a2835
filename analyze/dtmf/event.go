package dtmf

import (
	"encoding/binary"
	"strconv"
)

// Event is one telephone-event block (RFC 4733 §2.3):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     event     |E|R| volume    |          duration             |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
type Event struct {
	// Event is the event code (RFC 4733 §3.2 Table 7 for DTMF: 0–9, 10 '*',
	// 11 '#', 12–15 'A'–'D', 16 flash).
	Event uint8
	// End is the E bit: the last packet(s) of the event (§2.3.4).
	End bool
	// Volume is the power level in dBm0 with the sign dropped: 0..63 means
	// 0 to −63 dBm0 (§2.3.5).
	Volume uint8
	// Duration is the event duration so far, in RTP timestamp units (§2.3.6).
	Duration uint16
}

// Decode reads the first 4-byte event block of a telephone-event payload
// (the bytes after the RTP header). The R bit is ignored, as §2.3.3 asks of a
// receiver. Bytes after the first block are ignored.
func Decode(payload []byte) (Event, error) {
	if len(payload) < 4 {
		return Event{}, ErrShortPayload
	}
	return Event{
		Event:    payload[0],
		End:      payload[1]&0x80 != 0,
		Volume:   payload[1] & 0x3f,
		Duration: binary.BigEndian.Uint16(payload[2:4]),
	}, nil
}

// eventNames maps every event code to its name (an immutable lookup table,
// built once so that naming an event never allocates).
var eventNames = buildEventNames()

func buildEventNames() (names [256]string) {
	// RFC 4733 §3.2 Table 7: the DTMF events.
	const keys = "0123456789*#ABCD"
	for i := range names {
		if i < len(keys) {
			names[i] = keys[i : i+1]
		} else {
			names[i] = "event " + strconv.Itoa(i)
		}
	}
	return names
}

// Name is the key an event code stands for: "0".."9", "*", "#", "A".."D",
// and "event N" for any other code (16 is flash, RFC 4733 §3.2).
func Name(event uint8) string {
	return eventNames[event]
}
