package rtcpreport

import (
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// tsharkCounts reads media_fields.rtcp_packet_types of a capture's
// reference file: how many RTCP packets of each type tshark 4.0 decoded
// with rtcp.heuristic_rtcp:TRUE.
func tsharkCounts(t *testing.T, name string) map[uint8]int {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(corpusDir(), "pcaps", name+".tshark.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		MediaFields struct {
			RTCPPacketTypes map[string]int `json:"rtcp_packet_types"`
		} `json:"media_fields"`
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	out := map[uint8]int{}
	for k, v := range ref.MediaFields.RTCPPacketTypes {
		pt, err := strconv.Atoi(k)
		if err != nil {
			t.Fatal(err)
		}
		out[uint8(pt)] = v
	}
	return out
}

// frameTypes is the list of packet types decoded from one frame.
type frameTypes struct {
	frame int
	types []uint8
}

// TestCorpusCounts finds the RTCP datagrams of real captures with
// LooksLikeRTCP, decodes them, and compares the number of packets of each
// type with tshark's reference counts. Where the counts differ on purpose,
// the frames are listed with the types they must decode to, and why.
func TestCorpusCounts(t *testing.T) {
	tests := []struct {
		file string
		// extra are frames decoded here that the reference does not count,
		// missing frames it counts that are not decoded here.
		extra, missing []frameTypes
		// trailing are the frames whose datagram ends with stray bytes.
		trailing []int
		// encrypted is the number of datagrams expected to look like SRTCP.
		encrypted int
	}{
		// The media server relays RTCP SR+RR+SDES to the other leg with 2
		// stray bytes after the compound (UDP length 126, RTCP 116 bytes).
		// tshark decodes frames 529 and 2644 (its SDP-made conversation)
		// but its RTCP heuristic rejects the relayed copies 531 and 2646
		// (it wants a length that is a multiple of 4) and shows them as data.
		{
			file: "heplify_rtp_rtcp_sip_ipv4_udp.pcap",
			extra: []frameTypes{
				{531, []uint8{200, 201, 202}},
				{2646, []uint8{200, 201, 202}},
			},
			trailing: []int{529, 531, 2644, 2646},
		},
		{file: "sngrep_aaa.pcap"},
		{file: "ndpi_rtcp_multiple_pkts_in_the_same_datagram.pcap"},
		// Google Meet SRTCP: every RTCP datagram carries an SRTCP trailer,
		// so only the first packet's header is read.
		{
			file: "ndpi_stun_google_meet.pcapng",
			extra: []frameTypes{
				// tshark 4.0 run on the file without a display filter
				// decodes these as RTCP (RTP heuristic, RFC 5761 mux); the
				// single-pass -Y 'rtp or rtcp' run of the reference did not.
				{52, []uint8{207}}, {56, []uint8{205}}, {62, []uint8{207}},
				{78, []uint8{200}}, {260, []uint8{207}}, {343, []uint8{205}},
				// Transport-wide congestion control feedback (RTPFB FMT 15)
				// from the same SSRCs as the XR and RR packets; tshark shows
				// them as data in both runs (its RTCP heuristic does not
				// accept RTPFB first).
				{142, []uint8{205}}, {257, []uint8{205}}, {272, []uint8{205}}, {351, []uint8{205}},
			},
			missing: []frameTypes{
				// After the clear RR, the ciphertext starts 7b ce 07 b6:
				// version 1, "type 206", 1974 words. Wireshark's compound
				// loop checks only the type and counts a malformed PSFB;
				// Decode stops at version != 2 (RFC 3550 §6.4.1, A.2).
				{105, []uint8{206}},
			},
			encrypted: 29,
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			datagrams := readUDP(t, tt.file)
			want := tsharkCounts(t, tt.file)
			for _, f := range tt.extra {
				for _, pt := range f.types {
					want[pt]++
				}
			}
			for _, f := range tt.missing {
				for _, pt := range f.types {
					if want[pt]--; want[pt] == 0 {
						delete(want, pt)
					}
				}
			}
			byFrame := map[int][]uint8{}
			got := map[uint8]int{}
			encrypted := 0
			var trailing []int
			for _, dg := range datagrams {
				if !LooksLikeRTCP(dg.payload) {
					continue
				}
				pkts, err := Decode(dg.payload)
				switch {
				case errors.Is(err, ErrTrailingData):
					trailing = append(trailing, dg.frame)
				case err != nil:
					t.Errorf("frame %d: %v", dg.frame, err)
				}
				for _, p := range pkts {
					got[p.PT]++
					byFrame[dg.frame] = append(byFrame[dg.frame], p.PT)
					if p.Encrypted {
						encrypted++
					}
				}
			}
			if !maps.Equal(got, want) {
				t.Errorf("packet types %v, want %v (tshark, adjusted)", got, want)
			}
			for _, f := range tt.extra {
				if !slices.Equal(byFrame[f.frame], f.types) {
					t.Errorf("frame %d decoded as %v, want %v", f.frame, byFrame[f.frame], f.types)
				}
			}
			if !slices.Equal(trailing, tt.trailing) {
				t.Errorf("trailing bytes in frames %v, want %v", trailing, tt.trailing)
			}
			if encrypted != tt.encrypted {
				t.Errorf("%d SRTCP datagrams, want %d", encrypted, tt.encrypted)
			}
		})
	}
}

// TestNoFalsePositives runs LooksLikeRTCP over captures in which tshark
// finds no RTCP at all (RTP, SIP, DTMF, noise): none may pass.
func TestNoFalsePositives(t *testing.T) {
	entries, err := os.ReadDir(filepath.Join(corpusDir(), "pcaps"))
	if err != nil {
		t.Skipf("corpus absent: %v", err)
	}
	for _, e := range entries {
		name := e.Name()
		if filepath.Ext(name) == ".json" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			want := tsharkCounts(t, name)
			if len(want) != 0 {
				t.Skip("has RTCP, checked by TestCorpusCounts")
			}
			for _, dg := range readUDP(t, name) {
				if LooksLikeRTCP(dg.payload) {
					t.Errorf("frame %d (port %d→%d) taken for RTCP", dg.frame, dg.srcPort, dg.dstPort)
				}
			}
		})
	}
}
