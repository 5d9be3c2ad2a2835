package report

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"voiplab/analyze"
	"voiplab/capture"
)

// jitterExample is one worked RFC 3550 §6.4.1 jitter computation with the
// real numbers of the first three packets of a stream.
type jitterExample struct {
	Stream analyze.Stream
	Rows   [3]examplePacket
	D2, J2 float64 // packet 2: transit difference and jitter
	D3, J3 float64 // packet 3
}

type examplePacket struct {
	Frame     int
	Seq       uint16
	ArrivalMs float64 // since the first packet
	Timestamp uint32
	TSMs      float64 // (timestamp − first timestamp) × 1000 / clock
}

// findJitterExample reads the first three packets of the first audio stream
// of r again from its capture file: the Result keeps figures, not packets.
// It returns nil when no stream qualifies or no file can be read (a Result
// loaded from JSON on another machine): the page then shows the formula
// alone.
func findJitterExample(r *analyze.Result) (*jitterExample, error) {
	var st *analyze.Stream
	for i := range r.Streams {
		s := &r.Streams[i]
		if s.ClockRate > 0 && s.Packets >= 3 && s.Codec != "telephone-event" {
			st = s
			break
		}
	}
	if st == nil {
		return nil, nil
	}
	ssrc, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(st.SSRC), "0x"), 16, 32)
	if err != nil {
		return nil, fmt.Errorf("report: ssrc %q: %w", st.SSRC, err)
	}
	var errs []error
	for _, f := range r.Files {
		ex, err := examplePackets(f.Path, *st, uint32(ssrc))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if ex != nil {
			return ex, nil
		}
	}
	return nil, errors.Join(errs...)
}

func examplePackets(path string, st analyze.Stream, ssrc uint32) (*jitterExample, error) {
	rd, err := capture.Open(path)
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	ex := &jitterExample{Stream: st}
	n := 0
	var t0 float64
	var ts0 uint32
	for n < 3 {
		d, err := rd.Next()
		if err == io.EOF {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if d.Frame < st.FirstFrame || d.Src.String() != st.Src || d.Dst.String() != st.Dst {
			continue
		}
		p := d.Payload
		// RFC 3550 §5.1 fixed header: V=2, then sequence number (bytes 2-3),
		// timestamp (4-7) and SSRC (8-11); only these fields are needed.
		if len(p) < 12 || p[0]>>6 != 2 || binary.BigEndian.Uint32(p[8:12]) != ssrc || int(p[1]&0x7f) != st.PayloadType {
			continue
		}
		at := float64(d.Time.UnixNano()) / 1e6
		ts := binary.BigEndian.Uint32(p[4:8])
		if n == 0 {
			t0, ts0 = at, ts
		}
		ex.Rows[n] = examplePacket{Frame: d.Frame, Seq: binary.BigEndian.Uint16(p[2:4]), ArrivalMs: at - t0, Timestamp: ts,
			TSMs: float64(int32(ts-ts0)) * 1000 / float64(st.ClockRate)}
		n++
	}
	// RFC 3550 §6.4.1: D(i-1,i) = (Ri − Ri-1) − (Si − Si-1); J += (|D| − J)/16,
	// starting from J = 0 at the first packet (as Wireshark does).
	r := ex.Rows
	ex.D2 = (r[1].ArrivalMs - r[0].ArrivalMs) - (r[1].TSMs - r[0].TSMs)
	ex.J2 = math.Abs(ex.D2) / 16
	ex.D3 = (r[2].ArrivalMs - r[1].ArrivalMs) - (r[2].TSMs - r[1].TSMs)
	ex.J3 = ex.J2 + (math.Abs(ex.D3)-ex.J2)/16
	return ex, nil
}
