package dtmf

import "time"

// defaultClockRate is used when Add is given no clock rate: telephone-events
// are almost always sent at 8000 Hz (RFC 4733 §2.1, RFC 3551 §4.5).
const defaultClockRate = 8000

// Digit is one complete telephone-event.
type Digit struct {
	// Digit is the key: "0".."9", "*", "#", "A".."D", or "event N" for other
	// event codes ("event 16" is flash).
	Digit string
	// Event is the RFC 4733 event code.
	Event uint8
	// Start is the arrival time of the first packet of the event.
	Start time.Time
	// Timestamp is the RTP timestamp of the event (the same in all its
	// packets, RFC 4733 §2.5.1.2).
	Timestamp uint32
	// DurationMs is the event's final duration field converted with the
	// clock rate (§2.5.1.4: the end packet carries the total duration).
	DurationMs float64
	// Volume is the power level in dBm0 with the sign dropped: 0..63 means
	// 0 to −63 dBm0 (§2.3.5).
	Volume int
	// Frame is the frame number of the first packet seen, EndFrame that of
	// the last packet counted before the digit was reported.
	Frame, EndFrame int
	// Packets is the number of packets of the event counted up to the moment
	// the digit was reported (the redundant end packets that follow are not
	// counted).
	Packets int
	// Ended is true when a packet with the end bit was seen.
	Ended bool
}

// Detector finds the digits of one RTP stream of telephone-events. Its zero
// value is ready to use. It is not safe for concurrent use.
type Detector struct {
	cur      Digit
	duration uint16 // cur's duration field, in timestamp units
	clock    int    // cur's clock rate
	active   bool   // cur holds an event
	reported bool   // cur was already returned
	prevTS   uint32 // timestamp of the event before cur
	havePrev bool
}

// Add gives the detector one telephone-event RTP packet: its arrival time
// and frame number, the RTP timestamp and marker bit of its header, its
// payload (the bytes after the RTP header) and the payload type's clock rate
// (8000 when clockRate <= 0).
//
// It returns a digit when one is complete: at the first packet with the end
// bit of an event. The redundant end packets (RFC 4733 §2.5.1.4) and
// retransmitted updates (§2.6) of an event already reported return nothing.
// A new RTP timestamp starts a new event (§2.5.1.2); so does a packet with
// the marker bit and another event code under the same timestamp (a sender
// that reuses timestamps). When a new event starts while the previous one
// never ended, Add returns the previous one with Ended false; the new event
// is then reported by its next end packet or by Flush.
//
// A payload shorter than 4 bytes is ignored.
func (d *Detector) Add(arrival time.Time, frame int, rtpTimestamp uint32, marker bool, payload []byte, clockRate int) (Digit, bool) {
	ev, err := Decode(payload)
	if err != nil {
		return Digit{}, false
	}
	if clockRate <= 0 {
		clockRate = defaultClockRate
	}

	sameEvent := d.active && rtpTimestamp == d.cur.Timestamp &&
		!(marker && ev.Event != d.cur.Event)
	if sameEvent {
		if d.reported {
			// A redundant end packet or a retransmission: §2.5.1.4, §2.6.
			return Digit{}, false
		}
		d.cur.Packets++
		d.cur.EndFrame = frame
		d.cur.Volume = int(ev.Volume)
		// The final packet carries the total duration (§2.5.1.4); before
		// it, keep the longest duration seen in case updates are reordered.
		if ev.End || ev.Duration > d.duration {
			d.duration = ev.Duration
		}
		d.clock = clockRate
		d.cur.DurationMs = durationMs(d.duration, d.clock)
		if ev.End {
			d.cur.Ended = true
			d.reported = true
			return d.cur, true
		}
		return Digit{}, false
	}
	if d.havePrev && rtpTimestamp == d.prevTS && !marker {
		// A late packet of the event before the current one.
		return Digit{}, false
	}

	// A new event starts (§2.5.1.2).
	var out Digit
	var ok bool
	if d.active {
		if !d.reported {
			out, ok = d.cur, true // it never ended: its end packets were lost
		}
		d.prevTS, d.havePrev = d.cur.Timestamp, true
	}
	d.active, d.reported = true, false
	d.duration, d.clock = ev.Duration, clockRate
	d.cur = Digit{
		Digit:      Name(ev.Event),
		Event:      ev.Event,
		Start:      arrival,
		Timestamp:  rtpTimestamp,
		DurationMs: durationMs(ev.Duration, clockRate),
		Volume:     int(ev.Volume),
		Frame:      frame,
		EndFrame:   frame,
		Packets:    1,
		Ended:      ev.End,
	}
	if ev.End && !ok {
		d.reported = true
		return d.cur, true
	}
	// When ok is true and the new packet already had the end bit, the new
	// digit is reported by its next (redundant) end packet or by Flush.
	return out, ok
}

// Flush returns the current event if it was never returned by Add: normally
// an event whose end packets were all lost, reported with Ended false. Call
// it when the stream ends. A second call returns nothing.
func (d *Detector) Flush() (Digit, bool) {
	if !d.active || d.reported {
		return Digit{}, false
	}
	d.reported = true
	return d.cur, true
}

// durationMs converts a duration field to milliseconds (RFC 4733 §2.3.6: in
// timestamp units of the payload type's clock).
func durationMs(units uint16, clockRate int) float64 {
	return float64(units) * 1000 / float64(clockRate)
}
