package hep

import (
	"net/netip"
	"time"
)

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func mustAddrPort(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }
