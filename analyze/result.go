package analyze

import "time"

// SchemaVersion is the version of the JSON Result; DESIGN.md is its contract.
const SchemaVersion = 1

// Result is everything an analysis found, in the stable JSON form that
// `voiplab analyze --json` writes. Field names never change; fields are added.
type Result struct {
	Schema        int            `json:"schema"`
	Files         []File         `json:"files"`
	Calls         []Call         `json:"calls"`
	Registrations []Registration `json:"registrations"`
	Streams       []Stream       `json:"streams"`
	Findings      []Finding      `json:"findings"`
	// Other lists SIP transactions that belong neither to a call nor to a
	// registration (OPTIONS, MESSAGE, SUBSCRIBE, stray requests).
	Other []Message `json:"other,omitempty"`
}

// File describes one capture file that was read.
type File struct {
	Path     string    `json:"path"`
	Format   string    `json:"format"`
	LinkType string    `json:"link_type"`
	Packets  int       `json:"packets"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Warnings []string  `json:"warnings"`
}

// Call states (DESIGN.md).
const (
	StateCompleted  = "completed"
	StateRejected   = "rejected"
	StateCancelled  = "cancelled"
	StateFailed     = "failed"
	StateUnanswered = "unanswered"
	StateInProgress = "in-progress"
)

// Call is one INVITE dialog (RFC 3261 §12), or an INVITE that never made one.
type Call struct {
	CallID      string    `json:"call_id"`
	From        string    `json:"from"`
	To          string    `json:"to"`
	State       string    `json:"state"`
	FinalStatus int       `json:"final_status"`
	Reason      string    `json:"reason"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	// SetupMs is INVITE to 200 OK; RingMs is INVITE to the first 180/183
	// (post-dial delay). Both are null when that response never came.
	SetupMs    *float64  `json:"setup_ms"`
	RingMs     *float64  `json:"ring_ms"`
	DurationMs *float64  `json:"duration_ms"`
	UserAgents []string  `json:"user_agents,omitempty"`
	Messages   []Message `json:"messages"`
	SDP        CallSDP   `json:"sdp"`
	// Negotiations lists every offer/answer exchange of the call in order
	// (initial INVITE, early media, re-INVITE, UPDATE...); SDP is the first.
	Negotiations []Negotiation `json:"negotiations,omitempty"`
	Streams      []string      `json:"streams"`
	DTMF         []DTMF        `json:"dtmf,omitempty"`
	Findings     []Finding     `json:"findings"`
}

// Message is one SIP message on the wire.
type Message struct {
	Frame          int       `json:"frame"`
	Time           time.Time `json:"time"`
	Src            string    `json:"src"`
	Dst            string    `json:"dst"`
	Transport      string    `json:"transport"`
	Method         string    `json:"method,omitempty"`
	Status         int       `json:"status,omitempty"`
	CSeq           string    `json:"cseq"`
	Summary        string    `json:"summary"`
	Retransmission bool      `json:"retransmission"`
	CallID         string    `json:"call_id,omitempty"`
	UserAgent      string    `json:"user_agent,omitempty"`
	// SDP is the codecs the body offers or answers, short ("PCMU PCMA
	// telephone-event"), empty without SDP.
	SDP       string `json:"sdp,omitempty"`
	Malformed string `json:"malformed,omitempty"`
	// Raw is the whole message as captured (for reports).
	Raw string `json:"raw,omitempty"`
}

// CallSDP is the first offer/answer of a call and the codecs it agreed on.
type CallSDP struct {
	Offer      *SDP    `json:"offer"`
	Answer     *SDP    `json:"answer"`
	Negotiated []Codec `json:"negotiated"`
}

// Negotiation is one SDP offer/answer exchange (RFC 3264).
type Negotiation struct {
	Kind       string   `json:"kind"` // "initial", "early", "reinvite", "update", "ack"
	Offer      *SDP     `json:"offer"`
	Answer     *SDP     `json:"answer,omitempty"`
	Negotiated []Codec  `json:"negotiated"`
	Problems   []string `json:"problems,omitempty"`

	answerCSeq uint32
}

// SDP is one session description as the analysis keeps it.
type SDP struct {
	Frame      int     `json:"frame"`
	Connection string  `json:"connection"`
	Media      []Media `json:"media"`
	Raw        string  `json:"raw,omitempty"`
}

// Media is one m= line of an SDP (RFC 4566 §5.14).
type Media struct {
	Type       string  `json:"type"`
	Port       int     `json:"port"`
	Protocol   string  `json:"protocol"`
	Direction  string  `json:"direction"`
	Ptime      int     `json:"ptime"`
	Connection string  `json:"connection,omitempty"`
	RTCPMux    bool    `json:"rtcp_mux,omitempty"`
	Codecs     []Codec `json:"codecs"`
}

// Codec is one payload type of an m= line.
type Codec struct {
	PT        int    `json:"pt"`
	Name      string `json:"name"`
	ClockRate int    `json:"clock_rate"`
	Channels  int    `json:"channels"`
	Fmtp      string `json:"fmtp,omitempty"`
}

// Registration is one REGISTER flow of an address of record.
type Registration struct {
	AOR         string    `json:"aor"`
	Contact     string    `json:"contact"`
	UserAgent   string    `json:"user_agent"`
	Src         string    `json:"src"`
	State       string    `json:"state"` // "registered", "unregistered", "failed", "challenged", "no-response"
	Attempts    int       `json:"attempts"`
	FinalStatus int       `json:"final_status"`
	Expires     int       `json:"expires,omitempty"`
	CallID      string    `json:"call_id,omitempty"`
	Start       time.Time `json:"start"`
	Messages    []Message `json:"messages,omitempty"`
}

// Stream is one RTP stream: one SSRC from one source to one destination.
// Figures follow Wireshark 4.0's RTP Stream Analysis (see analyze/rtpstats).
type Stream struct {
	ID           string    `json:"id"`
	CallID       string    `json:"call_id"`
	Src          string    `json:"src"`
	Dst          string    `json:"dst"`
	SSRC         string    `json:"ssrc"`
	PayloadType  int       `json:"payload_type"`
	PayloadTypes []int     `json:"payload_types,omitempty"`
	Codec        string    `json:"codec"`
	ClockRate    int       `json:"clock_rate"`
	Signalled    bool      `json:"signalled"`
	Packets      int       `json:"packets"`
	Expected     int       `json:"expected"`
	Lost         int       `json:"lost"`
	LostPct      float64   `json:"lost_pct"`
	SeqErrors    int       `json:"seq_errors"`
	Duplicates   int       `json:"duplicates"`
	MinDeltaMs   float64   `json:"min_delta_ms"`
	MeanDeltaMs  float64   `json:"mean_delta_ms"`
	MaxDeltaMs   float64   `json:"max_delta_ms"`
	MinJitterMs  float64   `json:"min_jitter_ms"`
	MeanJitterMs float64   `json:"mean_jitter_ms"`
	MaxJitterMs  float64   `json:"max_jitter_ms"`
	RFactor      *float64  `json:"r_factor"`
	MOS          *float64  `json:"mos"`
	MOSNote      string    `json:"mos_note,omitempty"`
	BurstLosses  int       `json:"burst_losses"`
	Start        time.Time `json:"start"`
	End          time.Time `json:"end"`
	FirstFrame   int       `json:"first_frame"`
	RTCP         []RTCP    `json:"rtcp"`
	DTMF         []DTMF    `json:"dtmf,omitempty"`
	// Series is the stream over time for charts: at most 600 buckets of
	// SeriesWidthMs each (rtpstats.MaxSeriesPoints), whatever its length.
	Series        []SeriesPoint `json:"series,omitempty"`
	SeriesWidthMs float64       `json:"series_width_ms,omitempty"`
}

// SeriesPoint is one bucket of a stream's chart series.
type SeriesPoint struct {
	OffsetMs   float64 `json:"offset_ms"`    // bucket start, from the stream's first packet
	JitterMs   float64 `json:"jitter_ms"`    // largest running jitter (RFC 3550 §6.4.1) in the bucket
	MaxDeltaMs float64 `json:"max_delta_ms"` // largest arrival delta in the bucket
	Lost       int     `json:"lost"`         // packets missing in gaps opened in the bucket
	Packets    int     `json:"packets"`      // packets received in the bucket
}

// RTCP is one RTCP packet (RFC 3550 §6.4, RFC 3611) that concerns a stream.
type RTCP struct {
	Frame int       `json:"frame"`
	Time  time.Time `json:"time"`
	Src   string    `json:"src"`
	Dst   string    `json:"dst"`
	Type  string    `json:"type"` // "SR", "RR", "SDES", "BYE", "XR", "APP", ...
	// Reporter is the SSRC that sent the report; the figures are about the
	// stream's SSRC as the reporter received it.
	Reporter     string   `json:"reporter"`
	CNAME        string   `json:"cname,omitempty"`
	FractionLost *float64 `json:"fraction_lost,omitempty"` // 0..1
	CumLost      *int     `json:"cumulative_lost,omitempty"`
	JitterMs     *float64 `json:"jitter_ms,omitempty"`
	RTTMs        *float64 `json:"rtt_ms,omitempty"`
	// XR VoIP metrics (RFC 3611 §4.7).
	XRLossRate *float64 `json:"xr_loss_rate,omitempty"`
	XRRFactor  *int     `json:"xr_r_factor,omitempty"`
	XRMOSLQ    *float64 `json:"xr_mos_lq,omitempty"`
	XRMOSCQ    *float64 `json:"xr_mos_cq,omitempty"`
	Reason     string   `json:"reason,omitempty"`
}

// DTMF is one RFC 4733 telephone-event digit.
type DTMF struct {
	Digit      string    `json:"digit"`
	Time       time.Time `json:"time"`
	Frame      int       `json:"frame"`
	DurationMs float64   `json:"duration_ms"`
	Volume     int       `json:"volume"`
	Stream     string    `json:"stream"`
}

// Severities of a finding.
const (
	SeverityInfo    = "info"
	SeverityWarning = "warning"
	SeverityError   = "error"
)

// Finding is one diagnosis: what happened, why, and what to do about it.
// Message and Hint are English; Code and Params let a report translate them.
type Finding struct {
	Code      string `json:"code"`
	Severity  string `json:"severity"`
	Message   string `json:"message"`
	CallID    string `json:"call_id,omitempty"`
	Frames    []int  `json:"frames"`
	Hint      string `json:"hint"`
	Reference string `json:"reference"`
	// Key names the message template (the code, or code.variant) and Params
	// fill it, so that a report can say the same thing in another language.
	Key    string            `json:"key"`
	Params map[string]string `json:"params,omitempty"`
	Stream string            `json:"stream,omitempty"`
}
