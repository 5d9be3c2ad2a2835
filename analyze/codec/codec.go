// Package codec is the table of audio and video codecs that voiplab knows:
// static RTP payload types (RFC 3551 §6, Table 4 and 5), RTP clock rates,
// nominal packet sizes, and the ITU-T G.113 Appendix I equipment impairment
// factor Ie and packet-loss robustness Bpl that the E-model (ITU-T G.107)
// needs to estimate a MOS.
//
// It is a leaf package: it imports nothing from voiplab, so that the analyser
// and the PBX share one table.
package codec

import "strings"

// Info describes one codec as RTP carries it.
type Info struct {
	// Name is the RTP encoding name as SDP writes it in a=rtpmap (RFC 4566 §6),
	// for example "PCMU", "G722", "telephone-event".
	Name string
	// ClockRate is the RTP timestamp clock in Hz (RFC 3551 §4.5). For G.722 it
	// is 8000 although the codec samples at 16 kHz (RFC 3551 §4.5.2).
	ClockRate int
	// Channels is the number of audio channels (1 unless SDP says otherwise).
	Channels int
	// Media is "audio", "video" or "image" (T.38).
	Media string
	// BitrateKbps is the codec's nominal payload bit rate, 0 when variable.
	BitrateKbps float64
	// Ie is the equipment impairment factor of ITU-T G.113 Appendix I (Table
	// I.1) and Bpl its packet-loss robustness factor (Table I.3), for the
	// narrowband E-model of ITU-T G.107. HasEModel is false when voiplab has
	// no value for this codec.
	Ie, Bpl   float64
	HasEModel bool
	// BplPLC is Bpl when the receiver conceals lost packets (G.711 Appendix I
	// PLC: 25.1 in G.113 Table I.3); 0 when G.113 gives no separate value.
	BplPLC float64
	// EModelAssumed is true when G.113 Appendix I does not give Ie or Bpl for
	// this codec and the value is voiplab's assumption (see the table's
	// comments): a MOS computed from it is a rougher estimate.
	EModelAssumed bool
	// Event is true for RFC 4733 telephone-event (DTMF), which carries no audio.
	Event bool
	// ComfortNoise is true for RFC 3389 comfort noise (CN).
	ComfortNoise bool
	// Historic is true for payload types that RFC 3551 §6 lists as reserved
	// but RFC 1890 (or drafts) once assigned, and that Wireshark still maps:
	// 1 (FS-1016), 2 (G.721) and 19 (old CN).
	Historic bool
}

// G.113 Appendix I values used below (narrowband, ITU-T G.113 (11/2007)):
//
//	Table I.1 (Ie): G.711 0; G.726 40/32/24/16 kbit/s 2/7/25/50; G.728 16 kbit/s 7;
//	  G.729 8 kbit/s 10, G.729A + VAD 11; G.723.1 6.3/5.3 kbit/s 15/19;
//	  GSM 06.10 full rate 20; GSM-EFR 5.
//	Table I.3 (Bpl, random loss): G.711 without PLC 4.3, with Appendix I PLC
//	  25.1; G.723.1 + VAD 16.1; G.729A + VAD 19.0; GSM-EFR 10.0.
//
// Codecs with an Ie but no Bpl in Table I.3 get Bpl 10 (about GSM-EFR's,
// between G.711's 4.3 and G.729A's 19), marked EModelAssumed.

// static is RFC 3551 §6 Table 4 (audio) and Table 5 (video), indexed by
// payload type, plus the historic types Wireshark still maps.
var static = map[uint8]Info{
	0: {Name: "PCMU", ClockRate: 8000, Channels: 1, Media: "audio", BitrateKbps: 64, Ie: 0, Bpl: 4.3, BplPLC: 25.1, HasEModel: true},
	1: {Name: "1016", ClockRate: 8000, Channels: 1, Media: "audio", BitrateKbps: 4.8, Historic: true},
	2: {Name: "G721", ClockRate: 8000, Channels: 1, Media: "audio", BitrateKbps: 32, Ie: 7, Bpl: 10, HasEModel: true, EModelAssumed: true, Historic: true},
	3: {Name: "GSM", ClockRate: 8000, Channels: 1, Media: "audio", BitrateKbps: 13, Ie: 20, Bpl: 10, HasEModel: true, EModelAssumed: true},
	4: {Name: "G723", ClockRate: 8000, Channels: 1, Media: "audio", BitrateKbps: 6.3, Ie: 15, Bpl: 16.1, HasEModel: true},
	5: {Name: "DVI4", ClockRate: 8000, Channels: 1, Media: "audio", BitrateKbps: 32},
	6: {Name: "DVI4", ClockRate: 16000, Channels: 1, Media: "audio", BitrateKbps: 64},
	7: {Name: "LPC", ClockRate: 8000, Channels: 1, Media: "audio", BitrateKbps: 2.4},
	8: {Name: "PCMA", ClockRate: 8000, Channels: 1, Media: "audio", BitrateKbps: 64, Ie: 0, Bpl: 4.3, BplPLC: 25.1, HasEModel: true},
	// G.722 is wideband: the narrowband E-model has no Ie for it (G.107.1
	// rates it on the wideband scale). Ie 0 and G.711's Bpl are assumed.
	9:  {Name: "G722", ClockRate: 8000, Channels: 1, Media: "audio", BitrateKbps: 64, Ie: 0, Bpl: 4.3, HasEModel: true, EModelAssumed: true},
	10: {Name: "L16", ClockRate: 44100, Channels: 2, Media: "audio", BitrateKbps: 1411.2},
	11: {Name: "L16", ClockRate: 44100, Channels: 1, Media: "audio", BitrateKbps: 705.6},
	12: {Name: "QCELP", ClockRate: 8000, Channels: 1, Media: "audio"},
	13: {Name: "CN", ClockRate: 8000, Channels: 1, Media: "audio", ComfortNoise: true},
	14: {Name: "MPA", ClockRate: 90000, Channels: 1, Media: "audio"},
	15: {Name: "G728", ClockRate: 8000, Channels: 1, Media: "audio", BitrateKbps: 16, Ie: 7, Bpl: 10, HasEModel: true, EModelAssumed: true},
	16: {Name: "DVI4", ClockRate: 11025, Channels: 1, Media: "audio", BitrateKbps: 44.1},
	17: {Name: "DVI4", ClockRate: 22050, Channels: 1, Media: "audio", BitrateKbps: 88.2},
	// RTP's G729 covers G.729, G.729A and Annex B (RFC 3551 §4.5.6); voiplab
	// uses G.113's "G.729A + VAD" pair, the usual VoIP configuration.
	18: {Name: "G729", ClockRate: 8000, Channels: 1, Media: "audio", BitrateKbps: 8, Ie: 11, Bpl: 19, HasEModel: true},
	19: {Name: "CN", ClockRate: 8000, Channels: 1, Media: "audio", ComfortNoise: true, Historic: true},
	25: {Name: "CelB", ClockRate: 90000, Media: "video"},
	26: {Name: "JPEG", ClockRate: 90000, Media: "video"},
	28: {Name: "nv", ClockRate: 90000, Media: "video"},
	31: {Name: "H261", ClockRate: 90000, Media: "video"},
	32: {Name: "MPV", ClockRate: 90000, Media: "video"},
	33: {Name: "MP2T", ClockRate: 90000, Media: "video"},
	34: {Name: "H263", ClockRate: 90000, Media: "video"},
}

// named holds codecs known by their rtpmap name, usually on a dynamic payload
// type (96-127). Keys are upper case. Clock rates follow the IANA RTP
// registry (and Wireshark's table in ui/tap-rtp-analysis.c); an a=rtpmap
// rate replaces them (ByName).
var named = map[string]Info{
	"TELEPHONE-EVENT": {Name: "telephone-event", ClockRate: 8000, Channels: 1, Media: "audio", Event: true},
	"OPUS":            {Name: "opus", ClockRate: 48000, Channels: 2, Media: "audio"},
	"SPEEX":           {Name: "speex", ClockRate: 8000, Channels: 1, Media: "audio"},
	// iLBC is not in G.113 Appendix I; Ie 11 and Bpl 32 are assumed
	// (published iLBC loss-robustness studies put it well above G.729A).
	"ILBC": {Name: "iLBC", ClockRate: 8000, Channels: 1, Media: "audio", BitrateKbps: 15.2, Ie: 11, Bpl: 32, HasEModel: true, EModelAssumed: true},
	// AMR 12.2 kbit/s is GSM-EFR's codec (Ie 5, Bpl 10 in G.113); other AMR
	// modes are worse, so this is a best case.
	"AMR":       {Name: "AMR", ClockRate: 8000, Channels: 1, Media: "audio", BitrateKbps: 12.2, Ie: 5, Bpl: 10, HasEModel: true, EModelAssumed: true},
	"AMR-WB":    {Name: "AMR-WB", ClockRate: 16000, Channels: 1, Media: "audio"},
	"GSM-EFR":   {Name: "GSM-EFR", ClockRate: 8000, Channels: 1, Media: "audio", BitrateKbps: 12.2, Ie: 5, Bpl: 10, HasEModel: true},
	"G726-16":   {Name: "G726-16", ClockRate: 8000, Channels: 1, Media: "audio", BitrateKbps: 16, Ie: 50, Bpl: 10, HasEModel: true, EModelAssumed: true},
	"G726-24":   {Name: "G726-24", ClockRate: 8000, Channels: 1, Media: "audio", BitrateKbps: 24, Ie: 25, Bpl: 10, HasEModel: true, EModelAssumed: true},
	"G726-32":   {Name: "G726-32", ClockRate: 8000, Channels: 1, Media: "audio", BitrateKbps: 32, Ie: 7, Bpl: 10, HasEModel: true, EModelAssumed: true},
	"G726-40":   {Name: "G726-40", ClockRate: 8000, Channels: 1, Media: "audio", BitrateKbps: 40, Ie: 2, Bpl: 10, HasEModel: true, EModelAssumed: true},
	"G7221":     {Name: "G7221", ClockRate: 16000, Channels: 1, Media: "audio"},
	"EVS":       {Name: "EVS", ClockRate: 16000, Channels: 1, Media: "audio"},
	"G729":      static[18],
	"G722":      static[9],
	"PCMU":      static[0],
	"PCMA":      static[8],
	"GSM":       static[3],
	"G723":      static[4],
	"G728":      static[15],
	"CN":        static[13],
	"L16":       {Name: "L16", ClockRate: 44100, Channels: 1, Media: "audio"},
	"RED":       {Name: "red", ClockRate: 8000, Channels: 1, Media: "audio"},
	"T140":      {Name: "t140", ClockRate: 1000, Channels: 1, Media: "text"},
	"H264":      {Name: "H264", ClockRate: 90000, Media: "video"},
	"H263-1998": {Name: "H263-1998", ClockRate: 90000, Media: "video"},
	"H263-2000": {Name: "H263-2000", ClockRate: 90000, Media: "video"},
	"MP4V-ES":   {Name: "MP4V-ES", ClockRate: 90000, Media: "video"},
	"VP8":       {Name: "VP8", ClockRate: 90000, Media: "video"},
	"VP9":       {Name: "VP9", ClockRate: 90000, Media: "video"},
	"T38":       {Name: "t38", Media: "image"},
}

// ByPayloadType returns the codec of a static payload type (RFC 3551 §6),
// historic ones included (Info.Historic). Dynamic payload types (96-127)
// have no static meaning: ok is false.
func ByPayloadType(pt uint8) (Info, bool) {
	c, ok := static[pt]
	return c, ok
}

// ByName returns the codec an a=rtpmap encoding name refers to, case-insensitively.
// clockRate, when not 0, replaces the table's rate (Opus and Speex are used at
// several rates). An unknown name gives ok false and an Info with that name
// and clock rate.
func ByName(name string, clockRate int) (Info, bool) {
	c, ok := named[strings.ToUpper(name)]
	if !ok {
		return Info{Name: name, ClockRate: clockRate, Channels: 1}, false
	}
	if clockRate > 0 {
		c.ClockRate = clockRate
	}
	return c, true
}

// IsDynamic reports whether pt is in the dynamic range 96-127 (RFC 3551 §3).
func IsDynamic(pt uint8) bool { return pt >= 96 && pt <= 127 }
