package sdpneg

import (
	"errors"
	"reflect"
	"testing"
)

func TestChoose(t *testing.T) {
	pcmu := Format{PT: 0, Name: "PCMU", ClockRate: 8000, Channels: 1}
	pcma := Format{PT: 8, Name: "PCMA", ClockRate: 8000, Channels: 1}
	g722 := Format{PT: 9, Name: "G722", ClockRate: 8000, Channels: 1}
	opus := Format{PT: 111, Name: "opus", ClockRate: 48000, Channels: 2, Fmtp: "useinbandfec=1"}
	te := Format{PT: 101, Name: "telephone-event", ClockRate: 8000, Channels: 1, Fmtp: "0-16"}
	te48 := Format{PT: 110, Name: "telephone-event", ClockRate: 48000, Channels: 1}
	cn := Format{PT: 13, Name: "CN", ClockRate: 8000, Channels: 1}
	def := []string{"G722", "PCMA", "PCMU", "telephone-event"}
	tests := []struct {
		name    string
		offer   []Format
		allowed []string
		want    []Format
		err     bool
	}{
		{name: "priority_order_not_offer_order", offer: []Format{pcmu, pcma, g722, te}, allowed: def,
			want: []Format{g722, pcma, pcmu, te}},
		{name: "event_only_when_allowed", offer: []Format{pcmu, te}, allowed: []string{"PCMU"},
			want: []Format{pcmu}},
		{name: "event_only_when_offered", offer: []Format{pcma}, allowed: def, want: []Format{pcma}},
		{name: "case_insensitive_keeps_offer_pt", offer: []Format{{PT: 0, Name: "pcmu", ClockRate: 8000, Channels: 1}},
			allowed: []string{"PCMU"}, want: []Format{{PT: 0, Name: "pcmu", ClockRate: 8000, Channels: 1}}},
		{name: "event_rate_follows_audio_RFC4733", offer: []Format{opus, te, te48}, allowed: []string{"opus", "telephone-event"},
			want: []Format{opus, te48}},
		{name: "rate_in_allowed", offer: []Format{opus}, allowed: []string{"opus/16000", "PCMU"}, err: true},
		{name: "cn_allowed", offer: []Format{pcma, cn}, allowed: []string{"PCMA", "CN"}, want: []Format{pcma, cn}},
		{name: "no_common_codec", offer: []Format{pcmu, te}, allowed: def[:2], err: true},
		{name: "only_event_common", offer: []Format{te}, allowed: def, err: true},
		{name: "empty_offer", offer: nil, allowed: def, err: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Choose(tc.offer, tc.allowed)
			if tc.err {
				var nc *NoCommonCodecError
				if !errors.Is(err, ErrNoCommonCodec) || !errors.As(err, &nc) {
					t.Fatalf("err = %v, want *NoCommonCodecError wrapping ErrNoCommonCodec", err)
				}
				if len(nc.Offered) != len(tc.offer) || !reflect.DeepEqual(nc.Allowed, tc.allowed) {
					t.Errorf("error lists %q / %q", nc.Offered, nc.Allowed)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Choose = %+v, want %+v", got, tc.want)
			}
		})
	}
}
