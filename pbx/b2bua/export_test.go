package b2bua

import (
	"net/netip"

	"voiplab/analyze/sdpneg"
)

// RewriteSDPForTest exposes rewriteSDP to the external tests.
func RewriteSDPForTest(body []byte, relay netip.AddrPort, pts []int) []byte {
	var keep []sdpneg.Format
	for _, pt := range pts {
		keep = append(keep, sdpneg.Format{PT: pt})
	}
	return rewriteSDP(body, relay, keep)
}
