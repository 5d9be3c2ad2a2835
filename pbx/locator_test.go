package pbx

import (
	"net/netip"
	"testing"

	"voiplab/pbx/registrar"
)

func TestTarget(t *testing.T) {
	src := netip.MustParseAddrPort("192.0.2.10:31000")
	for _, tc := range []struct {
		name, contact, transport, want string
	}{
		{"contact on the source host: its listening port", "sip:299@192.0.2.10:5080", "UDP", "192.0.2.10:5080"},
		{"default port", "sip:299@192.0.2.10", "UDP", "192.0.2.10:5060"},
		{"private contact behind NAT: the source", "sip:299@10.0.0.5:5060", "UDP", "192.0.2.10:31000"},
		{"host name: the source", "sip:299@phone.lan:5060", "UDP", "192.0.2.10:31000"},
		{"TCP reuses the connection", "sip:299@192.0.2.10:5080;transport=tcp", "TCP", "192.0.2.10:31000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := target(registrar.Binding{Contact: tc.contact, Source: src, Transport: tc.transport})
			if got.String() != tc.want {
				t.Errorf("target = %v, want %s", got, tc.want)
			}
		})
	}
}
