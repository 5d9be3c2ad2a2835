package capture

import (
	"fmt"
	"time"
)

// Decoder turns frames from any source (a live capture, a ring file) into
// datagrams with the decoding the Reader uses: tunnels stripped, IP
// fragments reassembled, TCP streams reassembled and SIP framed. It is not
// safe for concurrent use.
type Decoder struct {
	dec    decoder
	frames int
}

// NewDecoder returns a Decoder.
func NewDecoder() *Decoder {
	d := &Decoder{}
	d.dec.init()
	return d
}

// Decode decodes one frame of the given link type (see Frame.LinkType) and
// returns the datagrams it completes, often none or one. The datagrams and
// their payloads are valid until the next call to Decode or Flush (payloads
// may point into data). An unsupported link type is an error wrapping
// ErrLinkType; a malformed frame is not an error (see Warnings).
func (d *Decoder) Decode(data []byte, linkType uint16, ts time.Time) ([]Datagram, error) {
	if !supportedLink(linkType) {
		return nil, fmt.Errorf("capture: %w %s", ErrLinkType, describeLink(linkType))
	}
	d.frames++
	d.dec.resetOutput()
	d.dec.frame(data, linkType, d.frames, ts)
	return d.dec.out, nil
}

// Flush returns what the reassemblers still hold (incomplete fragments and
// TCP leftovers, marked Truncated), at the end of a capture.
func (d *Decoder) Flush() []Datagram {
	d.dec.flushAll()
	return d.dec.out
}

// Frames returns the number of frames decoded, which is the Frame number
// of the last datagram's frame.
func (d *Decoder) Frames() int { return d.frames }

// Warnings returns the decoding warnings since the last call, and the
// number of further ones not kept.
func (d *Decoder) Warnings() ([]string, int) { return d.dec.takeWarnings() }
