package synth

import (
	"bytes"
	"crypto/sha256"
	"hash"
	"net/netip"
	"time"

	"voiplab/capture"
)

// record is a datagram the fake writer kept.
type record struct {
	Time      time.Time
	Src, Dst  netip.AddrPort
	Transport capture.Transport
	Payload   []byte
	Frame     int
}

// memWriter keeps every datagram (for small scenarios).
type memWriter struct{ recs []record }

func (w *memWriter) WriteDatagram(d *capture.Datagram) error {
	w.recs = append(w.recs, record{Time: d.Time, Src: d.Src, Dst: d.Dst, Transport: d.Transport,
		Payload: bytes.Clone(d.Payload), Frame: d.Frame})
	return nil
}

// hashWriter digests everything without keeping it (for big scenarios).
type hashWriter struct {
	h    hash.Hash
	last time.Time
	n    int
	bad  int // datagrams out of time order
}

func newHashWriter() *hashWriter { return &hashWriter{h: sha256.New()} }

func (w *hashWriter) WriteDatagram(d *capture.Datagram) error {
	if d.Time.Before(w.last) {
		w.bad++
	}
	w.last = d.Time
	w.n++
	b, _ := d.Time.MarshalBinary()
	w.h.Write(b)
	w.h.Write([]byte(d.Src.String() + ">" + d.Dst.String()))
	w.h.Write(d.Payload)
	return nil
}
