package config

import (
	"bytes"
	"fmt"
	"strconv"
)

// Template returns the commented pbx.yaml that `voiplab pbx init` writes,
// with DefaultConfig's values and the given extensions (their passwords as
// given: the caller generates them). Load reads it back unchanged.
func Template(exts []Extension) []byte {
	d := DefaultConfig()
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	q := strconv.Quote
	p("# voiplab PBX configuration (voiplab pbx serve --config pbx.yaml).\n")
	p("# Strict: an unknown key or a bad value stops the start with the key and the reason.\n\n")
	p("# SIP domain and digest realm.\n")
	p("domain: %s\n\n", d.Domain)
	p("# SIP listeners; an empty address disables a transport. TLS starts when cert and key are set.\n")
	p("listen:\n  udp: %q\n  tcp: %q\n  tls: { addr: %q, cert: \"\", key: \"\" }\n\n", d.Listen.UDP, d.Listen.TCP, d.Listen.TLS.Addr)
	p("# SQLite store (registrations, CDRs, generated passwords), recordings, voicemail, backups.\n")
	p("data_dir: %s\n\n", d.DataDir)
	p("media:\n")
	p("  rtp_ports: %q   # relay ports: RTP on even ports, RTCP on the next odd one\n", d.Media.RTPPorts)
	p("  relay: %s              # always | never | auto (relay when an extension asks for it)\n", d.Media.Relay)
	p("  timeout: %s             # no RTP for this long ends a relayed call\n\n", d.Media.Timeout)
	p("# Codecs in order of preference (like a phone template); extensions may narrow them.\n")
	p("codecs: [G722, PCMA, PCMU, telephone-event]\n\n")
	p("# Extensions start at 200 (the first hundred is close to emergency numbers).\n")
	p("# An empty password is generated at the first start, stored in data_dir and printed once.\n")
	p("# Per extension: codecs: [PCMA, telephone-event] narrows the codecs; relay: true makes the PBX deliver the audio.\n")
	p("extensions:\n")
	if len(exts) == 0 {
		b.Truncate(b.Len() - len("extensions:\n"))
		p("extensions: []\n")
	}
	for _, e := range exts {
		name := e.Name
		if name == "" {
			name = "Extension " + e.Number
		}
		p("  - { number: %s, name: %s, password: %s, pin: %s }\n", q(e.Number), q(name), q(string(e.Password)), q(string(e.PIN)))
	}
	p("\n# SIP trunks to a provider (parsed and checked; used by a later version).\n")
	p("trunks: []\n")
	p("#  - { name: provider, host: \"sip.example.net:5060\", username: \"\", password: \"\", register: true,\n")
	p("#      channels: 4, dids: [\"+41215550100\"], route_to: \"200\" }\n\n")
	s := d.Security
	p("security:\n")
	p("  max_failed_auth: %d            # failed authentications in a row, then the source address is blacklisted (0: never)\n", s.MaxFailedAuth)
	p("  blacklist_seconds: %d       # how long; a PBX restart lifts every ban\n", s.BlacklistSeconds)
	p("  allowed_country_codes: [\"41\"]   # outbound international calls allowed only here\n")
	p("  emergency_numbers: [\"112\", \"117\", \"118\", \"144\", \"143\", \"147\"]\n")
	p("  admin_allow: [\"127.0.0.1/32\"]\n")
	p("  digest_algorithms: [MD5, SHA-256]   # one challenge each, in this order (RFC 8760)\n")
	p("  nonce_lifetime: %s              # an older nonce gets stale=true\n\n", s.NonceLifetime)
	p("# Admin HTTP API (/status, /registrations, /calls, /metrics); loopback only by default.\n")
	p("admin:\n  addr: %q\n\n", d.Admin.Addr)
	p("# Registration interval bounds in seconds (shorter than min_expires: 423 Interval Too Brief).\n")
	p("registrar: { min_expires: %d, max_expires: %d, default_expires: %d }\n\n", d.Registrar.MinExpires, d.Registrar.MaxExpires, d.Registrar.DefaultExpires)
	p("# On stop: refuse new calls, let active calls go on this long, then end them with BYE.\n")
	p("drain_time: %s\n", d.DrainTime)
	return b.Bytes()
}
