package config

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"voiplab/analyze/codec"
)

// Validate checks every value; the first problem is returned as an *Error
// naming the key path (without a line: Load adds it).
func (c *Config) Validate() error {
	if c.Domain == "" || strings.ContainsAny(c.Domain, " \t@;:") {
		return fieldErr("domain", "%q is not a domain or host name", c.Domain)
	}
	if c.Listen.UDP == "" && c.Listen.TCP == "" && !c.Listen.TLS.Enabled() {
		return fieldErr("listen", "no transport: set udp, tcp or tls")
	}
	if err := hostPort("listen.udp", c.Listen.UDP, true); err != nil {
		return err
	}
	if err := hostPort("listen.tcp", c.Listen.TCP, true); err != nil {
		return err
	}
	if (c.Listen.TLS.Cert == "") != (c.Listen.TLS.Key == "") {
		return fieldErr("listen.tls", "cert and key go together: set both or neither")
	}
	if c.Listen.TLS.Enabled() {
		if err := hostPort("listen.tls.addr", c.Listen.TLS.Addr, false); err != nil {
			return err
		}
	}
	if c.DataDir == "" {
		return fieldErr("data_dir", "must not be empty")
	}
	if err := c.Media.validate(); err != nil {
		return err
	}
	if err := codecList("codecs", c.Codecs); err != nil {
		return err
	}
	if len(c.Codecs) == 0 {
		return fieldErr("codecs", "must list at least one codec")
	}
	seen := map[string]int{}
	for i, e := range c.Extensions {
		p := fmt.Sprintf("extensions[%d]", i)
		if !digits(e.Number) || len(e.Number) > 15 {
			return fieldErr(p+".number", "%q is not an extension number (digits only)", e.Number)
		}
		if j, dup := seen[e.Number]; dup {
			return fieldErr(p+".number", "%q is already extensions[%d]", e.Number, j)
		}
		seen[e.Number] = i
		if strings.ContainsAny(string(e.Password), "\r\n\"") {
			return fieldErr(p+".password", "must not contain quotes or line breaks")
		}
		if e.PIN != "" && !digits(string(e.PIN)) {
			return fieldErr(p+".pin", "must be digits only")
		}
		if err := codecList(p+".codecs", e.Codecs); err != nil {
			return err
		}
	}
	names := map[string]bool{}
	for i, t := range c.Trunks {
		p := fmt.Sprintf("trunks[%d]", i)
		if t.Name == "" || names[t.Name] {
			return fieldErr(p+".name", "%q must be a unique, non-empty name", t.Name)
		}
		names[t.Name] = true
		if err := hostPort(p+".host", t.Host, false); err != nil {
			if !strings.Contains(t.Host, ":") && t.Host != "" {
				err = nil // host without port: 5060
			} else {
				return err
			}
		}
		if t.Channels < 0 {
			return fieldErr(p+".channels", "%d must not be negative", t.Channels)
		}
		for j, d := range t.DIDs {
			if !digits(strings.TrimPrefix(d, "+")) {
				return fieldErr(fmt.Sprintf("%s.dids[%d]", p, j), "%q is not a number (digits, optional leading +)", d)
			}
		}
		if t.RouteTo != "" {
			if _, ok := seen[t.RouteTo]; !ok {
				return fieldErr(p+".route_to", "%q is not a configured extension", t.RouteTo)
			}
		}
	}
	if err := c.Security.validate(); err != nil {
		return err
	}
	if c.Admin.Addr != "" {
		if err := hostPort("admin.addr", c.Admin.Addr, true); err != nil {
			return err
		}
	}
	r := c.Registrar
	if r.MinExpires < 1 {
		return fieldErr("registrar.min_expires", "%d must be at least 1", r.MinExpires)
	}
	if r.MaxExpires < r.MinExpires {
		return fieldErr("registrar.max_expires", "%d is below min_expires %d", r.MaxExpires, r.MinExpires)
	}
	if r.DefaultExpires < r.MinExpires || r.DefaultExpires > r.MaxExpires {
		return fieldErr("registrar.default_expires", "%d is outside min_expires..max_expires (%d..%d)",
			r.DefaultExpires, r.MinExpires, r.MaxExpires)
	}
	if c.DrainTime < 0 {
		return fieldErr("drain_time", "%s must not be negative", c.DrainTime)
	}
	return nil
}

func (m *Media) validate() error {
	lo, hi, err := m.PortRange()
	if err != nil {
		return fieldErr("media.rtp_ports", "%v", err)
	}
	// RFC 3550 §11: RTP on an even port, RTCP on the next odd one.
	if lo < 1024 || hi > 65535 || lo >= hi || lo%2 != 0 {
		return fieldErr("media.rtp_ports", "%q: want lo-hi with lo even, 1024 <= lo < hi <= 65535", m.RTPPorts)
	}
	switch m.Relay {
	case RelayAlways, RelayNever, RelayAuto:
	default:
		return fieldErr("media.relay", "%q is not one of always, never, auto", m.Relay)
	}
	if m.Timeout <= 0 {
		return fieldErr("media.timeout", "%s must be positive", m.Timeout)
	}
	return nil
}

func (s *Security) validate() error {
	if s.MaxFailedAuth < 0 {
		return fieldErr("security.max_failed_auth", "%d must not be negative", s.MaxFailedAuth)
	}
	if s.BlacklistSeconds < 0 {
		return fieldErr("security.blacklist_seconds", "%d must not be negative", s.BlacklistSeconds)
	}
	for i, cc := range s.AllowedCountryCodes {
		if !digits(cc) || len(cc) > 3 {
			return fieldErr(fmt.Sprintf("security.allowed_country_codes[%d]", i), "%q is not a country calling code (1-3 digits)", cc)
		}
	}
	for i, n := range s.EmergencyNumbers {
		if !digits(n) {
			return fieldErr(fmt.Sprintf("security.emergency_numbers[%d]", i), "%q is not a number", n)
		}
	}
	for i, a := range s.AdminAllow {
		if _, err := netip.ParsePrefix(a); err != nil {
			return fieldErr(fmt.Sprintf("security.admin_allow[%d]", i), "%q is not an address prefix such as 127.0.0.1/32", a)
		}
	}
	if len(s.DigestAlgorithms) == 0 {
		return fieldErr("security.digest_algorithms", "must list MD5, SHA-256 or both")
	}
	for i, a := range s.DigestAlgorithms {
		if a != "MD5" && a != "SHA-256" {
			return fieldErr(fmt.Sprintf("security.digest_algorithms[%d]", i), "%q is not one of MD5, SHA-256", a)
		}
	}
	if s.NonceLifetime <= 0 {
		return fieldErr("security.nonce_lifetime", "%s must be positive", s.NonceLifetime)
	}
	return nil
}

func hostPort(path, v string, emptyOK bool) error {
	if v == "" {
		if emptyOK {
			return nil
		}
		return fieldErr(path, "must not be empty")
	}
	h, p, err := net.SplitHostPort(v)
	if err != nil {
		return fieldErr(path, "%q is not host:port", v)
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 0 || n > 65535 {
		return fieldErr(path, "%q: port %q is not 0-65535", v, p)
	}
	if h != "" && strings.ContainsAny(h, " /") {
		return fieldErr(path, "%q: bad host %q", v, h)
	}
	return nil
}

func codecList(path string, names []string) error {
	seen := map[string]bool{}
	for i, n := range names {
		info, ok := codec.ByName(n, 0)
		if !ok || info.Media != "audio" {
			return fieldErr(fmt.Sprintf("%s[%d]", path, i), "%q is not an audio codec voiplab knows (e.g. G722, PCMA, PCMU, opus, telephone-event)", n)
		}
		if seen[strings.ToLower(n)] {
			return fieldErr(fmt.Sprintf("%s[%d]", path, i), "%q is listed twice", n)
		}
		seen[strings.ToLower(n)] = true
	}
	return nil
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// ExtensionRange expands "200-209" (or one number "200") into numbers.
func ExtensionRange(s string) ([]string, error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		b = a
	}
	lo, err1 := strconv.Atoi(strings.TrimSpace(a))
	hi, err2 := strconv.Atoi(strings.TrimSpace(b))
	if err1 != nil || err2 != nil || lo < 0 || hi < lo || hi-lo >= 10000 {
		return nil, fmt.Errorf("config: extension range %q: want lo-hi such as 200-209: %w", s, ErrInvalid)
	}
	var out []string
	for n := lo; n <= hi; n++ {
		out = append(out, strconv.Itoa(n))
	}
	return out, nil
}
