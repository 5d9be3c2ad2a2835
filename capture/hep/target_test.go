package hep

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestParseTarget(t *testing.T) {
	tests := []struct {
		in   string
		want Target
		err  string
	}{
		{in: "127.0.0.1:9060", want: Target{"127.0.0.1:9060", "udp", DefaultAgentID}},
		{in: "homer.example.com:9060,proto=tcp", want: Target{"homer.example.com:9060", "tcp", DefaultAgentID}},
		{in: "[2001:db8::1]:9060,id=7,proto=udp", want: Target{"[2001:db8::1]:9060", "udp", 7}},
		{in: "homer", err: "want HOST:PORT"},
		{in: ":9060", err: "want HOST:PORT"},
		{in: "homer:x", err: `port "x"`},
		{in: "homer:9060,proto=sctp", err: `proto "sctp"`},
		{in: "homer:9060,id=-1", err: `id "-1"`},
		{in: "homer:9060,tls", err: `unknown option "tls"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTarget(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("%+v, %v; want %+v", got, err, tt.want)
			}
			if again, err := ParseTarget(got.String()); err != nil || again != got {
				t.Errorf("String %q does not parse back: %+v, %v", got.String(), again, err)
			}
		})
	}
	if _, err := ParseTarget("h:1,proto=x"); !errors.Is(err, ErrProto) {
		t.Errorf("proto error %v does not wrap ErrProto", err)
	}
}

func TestTargetDial(t *testing.T) {
	l := listen(t, "127.0.0.1:0")
	tg, err := ParseTarget(l.Addr().String() + ",proto=tcp,id=5")
	if err != nil {
		t.Fatal(err)
	}
	s, err := tg.Dial(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Send(&Packet{ProtoType: ProtoSIP, Payload: []byte("X")}); err != nil {
		t.Fatal(err)
	}
	p, err := l.NextPacket(context.Background())
	if err != nil || p.AgentID != 5 {
		t.Fatalf("%+v, %v", p, err)
	}
}
