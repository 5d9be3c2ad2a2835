// Package cdr defines the call detail record that the PBX writes for every
// call, in the JSON form of DESIGN.md, and its CSV form.
//
// It is a leaf shared by the B2BUA (which fills records), the store (which
// keeps them) and `voiplab pbx cdr` (which prints them).
package cdr

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Media says where the audio of a call flowed.
const (
	MediaRelay  = "relay"  // through the PBX's RTP relay
	MediaDirect = "direct" // between the phones, the PBX saw only SIP
)

// Record is one call (DESIGN.md: `voiplab pbx cdr --json`).
type Record struct {
	CallID     string      `json:"call_id"`
	From       string      `json:"from"`
	To         string      `json:"to"`
	Start      time.Time   `json:"start"`
	Answer     *time.Time  `json:"answer"`
	End        time.Time   `json:"end"`
	Status     int         `json:"status"`
	Reason     string      `json:"reason"`
	DurationMs int64       `json:"duration_ms"`
	Codec      string      `json:"codec"`
	Media      string      `json:"media"`
	RTP        []Direction `json:"rtp"`
}

// Direction is what the relay measured on one direction of a call's RTP
// (analyze/rtpstats: Wireshark-compatible loss and jitter, E-model MOS).
type Direction struct {
	Direction string  `json:"direction"` // "caller->callee" or "callee->caller"
	Packets   int     `json:"packets"`
	Lost      int     `json:"lost"`
	JitterMs  float64 `json:"jitter_ms"`
	MOS       float64 `json:"mos"`
}

// WriteJSON writes records as a JSON array.
func WriteJSON(w io.Writer, recs []Record) error {
	if recs == nil {
		recs = []Record{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(recs); err != nil {
		return fmt.Errorf("cdr: json: %w", err)
	}
	return nil
}

// csvHeader names the CSV columns: the JSON fields, with the two RTP
// directions flattened.
var csvHeader = []string{"call_id", "from", "to", "start", "answer", "end", "status", "reason", "duration_ms",
	"codec", "media", "rtp1_direction", "rtp1_packets", "rtp1_lost", "rtp1_jitter_ms", "rtp1_mos",
	"rtp2_direction", "rtp2_packets", "rtp2_lost", "rtp2_jitter_ms", "rtp2_mos"}

// WriteCSV writes records as CSV with a header line (RFC 4180).
func WriteCSV(w io.Writer, recs []Record) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return fmt.Errorf("cdr: csv: %w", err)
	}
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	for _, r := range recs {
		answer := ""
		if r.Answer != nil {
			answer = ts(*r.Answer)
		}
		row := []string{r.CallID, r.From, r.To, ts(r.Start), answer, ts(r.End), strconv.Itoa(r.Status), r.Reason,
			strconv.FormatInt(r.DurationMs, 10), r.Codec, r.Media}
		for i := range 2 {
			if i < len(r.RTP) {
				d := r.RTP[i]
				row = append(row, d.Direction, strconv.Itoa(d.Packets), strconv.Itoa(d.Lost),
					strconv.FormatFloat(d.JitterMs, 'f', 3, 64), strconv.FormatFloat(d.MOS, 'f', 2, 64))
			} else {
				row = append(row, "", "", "", "", "")
			}
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("cdr: csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("cdr: csv: %w", err)
	}
	return nil
}
