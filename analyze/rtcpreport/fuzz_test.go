package rtcpreport

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzDecode checks that Decode and LooksLikeRTCP never panic, and that
// Decode's results are consistent: an error is one of the package's
// sentinels, and a nil error comes with at least one packet.
func FuzzDecode(f *testing.F) {
	// Seeds: byte literals of the unit tests, and the RTCP datagrams of the
	// corpus when it is present.
	for _, s := range []string{
		`80c9 0001 0000 0001`,
		`a1c9 0008 0000 0001 0000 0002 40ff fffe 0001 0010 0000 00a0 1234 5678 0000 8000 0000 0004 81cb 0002 0000 0001 0362 7965`,
		`81ce 0002 0000 000a 0000 000b 82cc 0003 0000 000a 506f 4331 0102 0304`,
		`80cf 000a 0000 0abc 0700 0008 1122 3344 0d05 4002 00f0 1388 0096 0050 ecba 7f10 507f 297f b000 0028 0050 00c8`,
		`80cf 000d 0000 0001 0400 0002 dcd5 2d00 8000 0000 0500 0006 0000 0002 b705 2030 0005 4000 0000 0003 0000 0000 0000 0000 2a00 0001 dead beef`,
	} {
		f.Add(unhex(f, s))
	}
	for _, name := range []string{
		"ndpi_rtcp_multiple_pkts_in_the_same_datagram.pcap",
		"sngrep_aaa.pcap",
		"ndpi_stun_google_meet.pcapng",
	} {
		if _, err := os.Stat(filepath.Join(corpusDir(), "pcaps", name)); err != nil {
			continue
		}
		for _, dg := range readUDP(f, name) {
			if LooksLikeRTCP(dg.payload) {
				f.Add(dg.payload)
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		looks := LooksLikeRTCP(b)
		pkts, err := Decode(b)
		if err == nil && len(pkts) == 0 {
			t.Fatal("no packets and no error")
		}
		if looks && errors.Is(err, ErrNotRTCP) {
			t.Fatalf("LooksLikeRTCP true but Decode says %v", err)
		}
		if err != nil && !errors.Is(err, ErrNotRTCP) && !errors.Is(err, ErrTruncated) &&
			!errors.Is(err, ErrMalformed) && !errors.Is(err, ErrTrailingData) {
			t.Fatalf("unexpected error %v", err)
		}
		for _, p := range pkts {
			for _, blk := range p.Blocks {
				_ = blk.JitterMs(8000) + blk.Fraction()
				_, _ = RoundTrip(time.Unix(0, 0), blk.LSR, blk.DLSR)
			}
		}
	})
}
