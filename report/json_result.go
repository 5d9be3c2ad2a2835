package report

import (
	"slices"

	"voiplab/analyze"
)

// The append functions below write the analyze types field by field in the
// order and with the omitempty rules of their json tags (analyze/result.go).
// Each takes ind, the indent of the line its object opens on: fields sit at
// ind+2 and the closing brace at ind. A field added to analyze/result.go must
// be added here too; TestWriteJSONRandom fails until it is.

func (e *jsonEncoder) file(b []byte, f *analyze.File, ind int) []byte {
	b = open(b, ind, "path")
	b = appendString(b, f.Path)
	b = key(b, ind, "format")
	b = appendString(b, f.Format)
	b = key(b, ind, "link_type")
	b = appendString(b, f.LinkType)
	b = key(b, ind, "packets")
	b = appendInt(b, f.Packets)
	b = key(b, ind, "start")
	b = e.time(b, f.Start)
	b = key(b, ind, "end")
	b = e.time(b, f.End)
	b = key(b, ind, "warnings")
	b = e.strings(b, f.Warnings, ind+2)
	return closeObj(b, ind)
}

func (e *jsonEncoder) call(b []byte, c *analyze.Call, ind int) []byte {
	b = open(b, ind, "call_id")
	b = appendString(b, c.CallID)
	b = key(b, ind, "from")
	b = appendString(b, c.From)
	b = key(b, ind, "to")
	b = appendString(b, c.To)
	b = key(b, ind, "state")
	b = appendString(b, c.State)
	b = key(b, ind, "final_status")
	b = appendInt(b, c.FinalStatus)
	b = key(b, ind, "reason")
	b = appendString(b, c.Reason)
	b = key(b, ind, "start")
	b = e.time(b, c.Start)
	b = key(b, ind, "end")
	b = e.time(b, c.End)
	b = key(b, ind, "setup_ms")
	b = e.floatPtr(b, c.SetupMs)
	b = key(b, ind, "ring_ms")
	b = e.floatPtr(b, c.RingMs)
	b = key(b, ind, "duration_ms")
	b = e.floatPtr(b, c.DurationMs)
	if len(c.UserAgents) > 0 {
		b = key(b, ind, "user_agents")
		b = e.strings(b, c.UserAgents, ind+2)
	}
	b = key(b, ind, "messages")
	b = list(e, b, c.Messages, ind+2, (*jsonEncoder).message)
	b = key(b, ind, "sdp")
	b = e.callSDP(b, &c.SDP, ind+2)
	if len(c.Negotiations) > 0 {
		b = key(b, ind, "negotiations")
		b = list(e, b, c.Negotiations, ind+2, (*jsonEncoder).negotiation)
	}
	b = key(b, ind, "streams")
	b = e.strings(b, c.Streams, ind+2)
	if len(c.DTMF) > 0 {
		b = key(b, ind, "dtmf")
		b = list(e, b, c.DTMF, ind+2, (*jsonEncoder).dtmf)
	}
	b = key(b, ind, "findings")
	b = list(e, b, c.Findings, ind+2, (*jsonEncoder).finding)
	return closeObj(b, ind)
}

func (e *jsonEncoder) message(b []byte, m *analyze.Message, ind int) []byte {
	b = open(b, ind, "frame")
	b = appendInt(b, m.Frame)
	b = key(b, ind, "time")
	b = e.time(b, m.Time)
	b = key(b, ind, "src")
	b = appendString(b, m.Src)
	b = key(b, ind, "dst")
	b = appendString(b, m.Dst)
	b = key(b, ind, "transport")
	b = appendString(b, m.Transport)
	if m.Method != "" {
		b = key(b, ind, "method")
		b = appendString(b, m.Method)
	}
	if m.Status != 0 {
		b = key(b, ind, "status")
		b = appendInt(b, m.Status)
	}
	b = key(b, ind, "cseq")
	b = appendString(b, m.CSeq)
	b = key(b, ind, "summary")
	b = appendString(b, m.Summary)
	b = key(b, ind, "retransmission")
	b = appendBool(b, m.Retransmission)
	if m.CallID != "" {
		b = key(b, ind, "call_id")
		b = appendString(b, m.CallID)
	}
	if m.UserAgent != "" {
		b = key(b, ind, "user_agent")
		b = appendString(b, m.UserAgent)
	}
	if m.SDP != "" {
		b = key(b, ind, "sdp")
		b = appendString(b, m.SDP)
	}
	if m.Malformed != "" {
		b = key(b, ind, "malformed")
		b = appendString(b, m.Malformed)
	}
	if m.Raw != "" {
		b = key(b, ind, "raw")
		b = appendString(b, m.Raw)
	}
	return closeObj(b, ind)
}

func (e *jsonEncoder) callSDP(b []byte, s *analyze.CallSDP, ind int) []byte {
	b = open(b, ind, "offer")
	b = e.sdp(b, s.Offer, ind+2)
	b = key(b, ind, "answer")
	b = e.sdp(b, s.Answer, ind+2)
	b = key(b, ind, "negotiated")
	b = list(e, b, s.Negotiated, ind+2, (*jsonEncoder).codec)
	return closeObj(b, ind)
}

func (e *jsonEncoder) negotiation(b []byte, n *analyze.Negotiation, ind int) []byte {
	b = open(b, ind, "kind")
	b = appendString(b, n.Kind)
	b = key(b, ind, "offer")
	b = e.sdp(b, n.Offer, ind+2)
	if n.Answer != nil {
		b = key(b, ind, "answer")
		b = e.sdp(b, n.Answer, ind+2)
	}
	b = key(b, ind, "negotiated")
	b = list(e, b, n.Negotiated, ind+2, (*jsonEncoder).codec)
	if len(n.Problems) > 0 {
		b = key(b, ind, "problems")
		b = e.strings(b, n.Problems, ind+2)
	}
	return closeObj(b, ind)
}

// sdp appends *s, or null.
func (e *jsonEncoder) sdp(b []byte, s *analyze.SDP, ind int) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	b = open(b, ind, "frame")
	b = appendInt(b, s.Frame)
	b = key(b, ind, "connection")
	b = appendString(b, s.Connection)
	b = key(b, ind, "media")
	b = list(e, b, s.Media, ind+2, (*jsonEncoder).media)
	if s.Raw != "" {
		b = key(b, ind, "raw")
		b = appendString(b, s.Raw)
	}
	return closeObj(b, ind)
}

func (e *jsonEncoder) media(b []byte, m *analyze.Media, ind int) []byte {
	b = open(b, ind, "type")
	b = appendString(b, m.Type)
	b = key(b, ind, "port")
	b = appendInt(b, m.Port)
	b = key(b, ind, "protocol")
	b = appendString(b, m.Protocol)
	b = key(b, ind, "direction")
	b = appendString(b, m.Direction)
	b = key(b, ind, "ptime")
	b = appendInt(b, m.Ptime)
	if m.Connection != "" {
		b = key(b, ind, "connection")
		b = appendString(b, m.Connection)
	}
	if m.RTCPMux {
		b = key(b, ind, "rtcp_mux")
		b = appendBool(b, m.RTCPMux)
	}
	b = key(b, ind, "codecs")
	b = list(e, b, m.Codecs, ind+2, (*jsonEncoder).codec)
	return closeObj(b, ind)
}

func (e *jsonEncoder) codec(b []byte, c *analyze.Codec, ind int) []byte {
	b = open(b, ind, "pt")
	b = appendInt(b, c.PT)
	b = key(b, ind, "name")
	b = appendString(b, c.Name)
	b = key(b, ind, "clock_rate")
	b = appendInt(b, c.ClockRate)
	b = key(b, ind, "channels")
	b = appendInt(b, c.Channels)
	if c.Fmtp != "" {
		b = key(b, ind, "fmtp")
		b = appendString(b, c.Fmtp)
	}
	return closeObj(b, ind)
}

func (e *jsonEncoder) registration(b []byte, r *analyze.Registration, ind int) []byte {
	b = open(b, ind, "aor")
	b = appendString(b, r.AOR)
	b = key(b, ind, "contact")
	b = appendString(b, r.Contact)
	b = key(b, ind, "user_agent")
	b = appendString(b, r.UserAgent)
	b = key(b, ind, "src")
	b = appendString(b, r.Src)
	b = key(b, ind, "state")
	b = appendString(b, r.State)
	b = key(b, ind, "attempts")
	b = appendInt(b, r.Attempts)
	b = key(b, ind, "final_status")
	b = appendInt(b, r.FinalStatus)
	if r.Expires != 0 {
		b = key(b, ind, "expires")
		b = appendInt(b, r.Expires)
	}
	if r.CallID != "" {
		b = key(b, ind, "call_id")
		b = appendString(b, r.CallID)
	}
	b = key(b, ind, "start")
	b = e.time(b, r.Start)
	if len(r.Messages) > 0 {
		b = key(b, ind, "messages")
		b = list(e, b, r.Messages, ind+2, (*jsonEncoder).message)
	}
	return closeObj(b, ind)
}

func (e *jsonEncoder) stream(b []byte, s *analyze.Stream, ind int) []byte {
	b = open(b, ind, "id")
	b = appendString(b, s.ID)
	b = key(b, ind, "call_id")
	b = appendString(b, s.CallID)
	b = key(b, ind, "src")
	b = appendString(b, s.Src)
	b = key(b, ind, "dst")
	b = appendString(b, s.Dst)
	b = key(b, ind, "ssrc")
	b = appendString(b, s.SSRC)
	b = key(b, ind, "payload_type")
	b = appendInt(b, s.PayloadType)
	if len(s.PayloadTypes) > 0 {
		b = key(b, ind, "payload_types")
		b = e.ints(b, s.PayloadTypes, ind+2)
	}
	b = key(b, ind, "codec")
	b = appendString(b, s.Codec)
	b = key(b, ind, "clock_rate")
	b = appendInt(b, s.ClockRate)
	b = key(b, ind, "signalled")
	b = appendBool(b, s.Signalled)
	b = key(b, ind, "packets")
	b = appendInt(b, s.Packets)
	b = key(b, ind, "expected")
	b = appendInt(b, s.Expected)
	b = key(b, ind, "lost")
	b = appendInt(b, s.Lost)
	b = key(b, ind, "lost_pct")
	b = e.float(b, s.LostPct)
	b = key(b, ind, "seq_errors")
	b = appendInt(b, s.SeqErrors)
	b = key(b, ind, "duplicates")
	b = appendInt(b, s.Duplicates)
	b = key(b, ind, "min_delta_ms")
	b = e.float(b, s.MinDeltaMs)
	b = key(b, ind, "mean_delta_ms")
	b = e.float(b, s.MeanDeltaMs)
	b = key(b, ind, "max_delta_ms")
	b = e.float(b, s.MaxDeltaMs)
	b = key(b, ind, "min_jitter_ms")
	b = e.float(b, s.MinJitterMs)
	b = key(b, ind, "mean_jitter_ms")
	b = e.float(b, s.MeanJitterMs)
	b = key(b, ind, "max_jitter_ms")
	b = e.float(b, s.MaxJitterMs)
	b = key(b, ind, "r_factor")
	b = e.floatPtr(b, s.RFactor)
	b = key(b, ind, "mos")
	b = e.floatPtr(b, s.MOS)
	if s.MOSNote != "" {
		b = key(b, ind, "mos_note")
		b = appendString(b, s.MOSNote)
	}
	b = key(b, ind, "burst_losses")
	b = appendInt(b, s.BurstLosses)
	b = key(b, ind, "start")
	b = e.time(b, s.Start)
	b = key(b, ind, "end")
	b = e.time(b, s.End)
	b = key(b, ind, "first_frame")
	b = appendInt(b, s.FirstFrame)
	b = key(b, ind, "rtcp")
	b = list(e, b, s.RTCP, ind+2, (*jsonEncoder).rtcp)
	if len(s.DTMF) > 0 {
		b = key(b, ind, "dtmf")
		b = list(e, b, s.DTMF, ind+2, (*jsonEncoder).dtmf)
	}
	if len(s.Series) > 0 {
		b = key(b, ind, "series")
		b = list(e, b, s.Series, ind+2, (*jsonEncoder).seriesPoint)
	}
	if s.SeriesWidthMs != 0 {
		b = key(b, ind, "series_width_ms")
		b = e.float(b, s.SeriesWidthMs)
	}
	return closeObj(b, ind)
}

// seriesPoint writes one of the up to 600 chart buckets of a stream, the
// most numerous objects of a Result: its key lines are built once per
// indent (seriesKeys) and appended whole.
func (e *jsonEncoder) seriesPoint(b []byte, p *analyze.SeriesPoint, ind int) []byte {
	if e.seriesInd != ind || e.seriesKeys[0] == "" {
		e.seriesInd = ind
		lines := [...]string{"offset_ms", "jitter_ms", "max_delta_ms", "lost", "packets"}
		for i, name := range lines {
			e.seriesKeys[i] = jsonKeyLines[ind+2] + name + `": `
		}
		e.seriesKeys[0] = "{" + e.seriesKeys[0][1:]
		e.seriesKeys[5] = "\n" + jsonSpaces[:ind] + "}"
	}
	k := &e.seriesKeys
	b = append(b, k[0]...)
	b = e.float(b, p.OffsetMs)
	b = append(b, k[1]...)
	b = e.float(b, p.JitterMs)
	b = append(b, k[2]...)
	b = e.float(b, p.MaxDeltaMs)
	b = append(b, k[3]...)
	b = appendInt(b, p.Lost)
	b = append(b, k[4]...)
	b = appendInt(b, p.Packets)
	return append(b, k[5]...)
}

func (e *jsonEncoder) rtcp(b []byte, r *analyze.RTCP, ind int) []byte {
	b = open(b, ind, "frame")
	b = appendInt(b, r.Frame)
	b = key(b, ind, "time")
	b = e.time(b, r.Time)
	b = key(b, ind, "src")
	b = appendString(b, r.Src)
	b = key(b, ind, "dst")
	b = appendString(b, r.Dst)
	b = key(b, ind, "type")
	b = appendString(b, r.Type)
	b = key(b, ind, "reporter")
	b = appendString(b, r.Reporter)
	if r.CNAME != "" {
		b = key(b, ind, "cname")
		b = appendString(b, r.CNAME)
	}
	if r.FractionLost != nil {
		b = key(b, ind, "fraction_lost")
		b = e.float(b, *r.FractionLost)
	}
	if r.CumLost != nil {
		b = key(b, ind, "cumulative_lost")
		b = appendInt(b, *r.CumLost)
	}
	if r.JitterMs != nil {
		b = key(b, ind, "jitter_ms")
		b = e.float(b, *r.JitterMs)
	}
	if r.RTTMs != nil {
		b = key(b, ind, "rtt_ms")
		b = e.float(b, *r.RTTMs)
	}
	if r.XRLossRate != nil {
		b = key(b, ind, "xr_loss_rate")
		b = e.float(b, *r.XRLossRate)
	}
	if r.XRRFactor != nil {
		b = key(b, ind, "xr_r_factor")
		b = appendInt(b, *r.XRRFactor)
	}
	if r.XRMOSLQ != nil {
		b = key(b, ind, "xr_mos_lq")
		b = e.float(b, *r.XRMOSLQ)
	}
	if r.XRMOSCQ != nil {
		b = key(b, ind, "xr_mos_cq")
		b = e.float(b, *r.XRMOSCQ)
	}
	if r.Reason != "" {
		b = key(b, ind, "reason")
		b = appendString(b, r.Reason)
	}
	return closeObj(b, ind)
}

func (e *jsonEncoder) dtmf(b []byte, d *analyze.DTMF, ind int) []byte {
	b = open(b, ind, "digit")
	b = appendString(b, d.Digit)
	b = key(b, ind, "time")
	b = e.time(b, d.Time)
	b = key(b, ind, "frame")
	b = appendInt(b, d.Frame)
	b = key(b, ind, "duration_ms")
	b = e.float(b, d.DurationMs)
	b = key(b, ind, "volume")
	b = appendInt(b, d.Volume)
	b = key(b, ind, "stream")
	b = appendString(b, d.Stream)
	return closeObj(b, ind)
}

func (e *jsonEncoder) finding(b []byte, f *analyze.Finding, ind int) []byte {
	b = open(b, ind, "code")
	b = appendString(b, f.Code)
	b = key(b, ind, "severity")
	b = appendString(b, f.Severity)
	b = key(b, ind, "message")
	b = appendString(b, f.Message)
	if f.CallID != "" {
		b = key(b, ind, "call_id")
		b = appendString(b, f.CallID)
	}
	b = key(b, ind, "frames")
	b = e.ints(b, f.Frames, ind+2)
	b = key(b, ind, "hint")
	b = appendString(b, f.Hint)
	b = key(b, ind, "reference")
	b = appendString(b, f.Reference)
	b = key(b, ind, "key")
	b = appendString(b, f.Key)
	if len(f.Params) > 0 {
		b = key(b, ind, "params")
		b = e.stringMap(b, f.Params, ind+2)
	}
	if f.Stream != "" {
		b = key(b, ind, "stream")
		b = appendString(b, f.Stream)
	}
	return closeObj(b, ind)
}

// stringMap appends a non-empty map as an object with its keys sorted, as
// encoding/json does.
func (e *jsonEncoder) stringMap(b []byte, m map[string]string, ind int) []byte {
	keys := e.keys[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = newline(b, ind+2)
		b = appendString(b, k)
		b = append(b, ": "...)
		b = appendString(b, m[k])
	}
	e.keys = keys[:0]
	return closeObj(b, ind)
}
