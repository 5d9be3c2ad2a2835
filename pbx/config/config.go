package config

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the whole pbx.yaml (DESIGN.md "The PBX configuration").
type Config struct {
	Domain     string      `yaml:"domain"`
	Listen     Listen      `yaml:"listen"`
	DataDir    string      `yaml:"data_dir"`
	Media      Media       `yaml:"media"`
	Codecs     []string    `yaml:"codecs"`
	Extensions []Extension `yaml:"extensions"`
	Trunks     []Trunk     `yaml:"trunks"`
	Security   Security    `yaml:"security"`
	Admin      Admin       `yaml:"admin"`
	Registrar  Registrar   `yaml:"registrar"`
	// DrainTime is how long a stopping PBX lets active calls go on before it
	// ends them with BYE.
	DrainTime Duration `yaml:"drain_time"`
}

// Listen holds the SIP listening addresses; an empty address disables that
// transport.
type Listen struct {
	UDP string `yaml:"udp"`
	TCP string `yaml:"tcp"`
	TLS TLS    `yaml:"tls"`
}

// TLS is the SIP over TLS listener; it is enabled when Cert and Key are set.
type TLS struct {
	Addr string `yaml:"addr"`
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
}

// Enabled reports whether a TLS listener is configured.
func (t TLS) Enabled() bool { return t.Cert != "" && t.Key != "" }

// Relay modes of media.relay.
const (
	RelayAlways = "always" // every call's RTP goes through the PBX
	RelayNever  = "never"  // direct media, the SDP passes untouched
	RelayAuto   = "auto"   // relay when an extension asks for it or a party is behind NAT
)

// Media configures the RTP relay.
type Media struct {
	RTPPorts string   `yaml:"rtp_ports"` // "lo-hi", lo even
	Relay    string   `yaml:"relay"`     // always | never | auto
	Timeout  Duration `yaml:"timeout"`   // no RTP for this long ends a relayed call
}

// PortRange returns the bounds of RTPPorts (after Validate, lo is even and
// lo < hi).
func (m Media) PortRange() (lo, hi int, err error) {
	a, b, ok := strings.Cut(m.RTPPorts, "-")
	if !ok {
		return 0, 0, fmt.Errorf("%q is not a range lo-hi", m.RTPPorts)
	}
	lo, err1 := strconv.Atoi(strings.TrimSpace(a))
	hi, err2 := strconv.Atoi(strings.TrimSpace(b))
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("%q is not a range of port numbers lo-hi", m.RTPPorts)
	}
	return lo, hi, nil
}

// Extension is one phone line: a number that registers and is called.
type Extension struct {
	Number string `yaml:"number"`
	Name   string `yaml:"name"`
	// Password is the digest password. Empty means generated once, kept in
	// the store under data_dir and printed at the first start.
	Password Secret   `yaml:"password"`
	PIN      Secret   `yaml:"pin"`    // voicemail and feature codes
	Codecs   []string `yaml:"codecs"` // empty: the global codecs
	// Relay forces the media through the PBX for this extension ("PBX
	// delivers audio"); nil follows media.relay.
	Relay *bool `yaml:"relay"`
}

// Trunk is a SIP trunk to a provider (parsed and validated, used later).
type Trunk struct {
	Name     string   `yaml:"name"`
	Host     string   `yaml:"host"`
	Username string   `yaml:"username"`
	Password Secret   `yaml:"password"`
	Register bool     `yaml:"register"`
	Channels int      `yaml:"channels"`
	DIDs     []string `yaml:"dids"`
	RouteTo  string   `yaml:"route_to"`
}

// Security holds the anti brute force and toll-fraud rules (parsed and
// validated, enforced later) and the digest algorithms offered.
type Security struct {
	MaxFailedAuth       int      `yaml:"max_failed_auth"`
	BlacklistSeconds    int      `yaml:"blacklist_seconds"`
	AllowedCountryCodes []string `yaml:"allowed_country_codes"`
	EmergencyNumbers    []string `yaml:"emergency_numbers"`
	AdminAllow          []string `yaml:"admin_allow"`
	// DigestAlgorithms are offered in this order, one challenge header each
	// (RFC 8760 §2.4). MD5 first by default: many phones and SIPp answer the
	// first challenge only and know MD5 only.
	DigestAlgorithms []string `yaml:"digest_algorithms"`
	// NonceLifetime is how long a digest nonce is accepted before the PBX
	// answers stale=true (RFC 3261 §22.4, RFC 2617 §3.2.1).
	NonceLifetime Duration `yaml:"nonce_lifetime"`
}

// Admin is the admin HTTP listener; an empty Addr disables it.
type Admin struct {
	Addr string `yaml:"addr"`
}

// Registrar bounds the Expires of registrations (RFC 3261 §10.3 steps 7-8),
// in seconds.
type Registrar struct {
	MinExpires     int `yaml:"min_expires"`
	MaxExpires     int `yaml:"max_expires"`
	DefaultExpires int `yaml:"default_expires"`
}

// Duration is a time.Duration written as a Go duration string ("10s").
type Duration time.Duration

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// UnmarshalYAML reads a duration string such as "10s" or "1m30s".
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("want a duration such as \"10s\"")
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("%q is not a duration such as \"10s\"", n.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration string.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// String is the duration string.
func (d Duration) String() string { return time.Duration(d).String() }

// Secret is a password or PIN. It never reaches a log (STYLE.md).
type Secret string

// LogValue hides the secret from slog.
func (Secret) LogValue() slog.Value { return slog.StringValue("REDACTED") }

// String hides the secret from fmt %v and %s; use string(s) to read it.
func (Secret) String() string { return "REDACTED" }

// DefaultConfig is the embedded configuration of `voiplab pbx serve` without
// --config: domain lab.local, UDP and TCP on 0.0.0.0:5060, extensions 200-209
// whose passwords are generated at the first start.
func DefaultConfig() Config {
	exts := make([]Extension, 0, 10)
	for n := 200; n <= 209; n++ {
		exts = append(exts, Extension{Number: strconv.Itoa(n), Name: "Extension " + strconv.Itoa(n)})
	}
	return Config{
		Domain:  "lab.local",
		Listen:  Listen{UDP: "0.0.0.0:5060", TCP: "0.0.0.0:5060", TLS: TLS{Addr: "0.0.0.0:5061"}},
		DataDir: "./voiplab-data",
		Media: Media{
			RTPPorts: "10000-20000",
			Relay:    RelayAuto,
			Timeout:  Duration(30 * time.Second),
		},
		Codecs:     []string{"G722", "PCMA", "PCMU", "telephone-event"},
		Extensions: exts,
		Security: Security{
			MaxFailedAuth:       3,
			BlacklistSeconds:    86400,
			AllowedCountryCodes: []string{"41"},
			EmergencyNumbers:    []string{"112", "117", "118", "144", "143", "147"},
			AdminAllow:          []string{"127.0.0.1/32"},
			DigestAlgorithms:    []string{"MD5", "SHA-256"},
			NonceLifetime:       Duration(5 * time.Minute),
		},
		Admin:     Admin{Addr: "127.0.0.1:8089"},
		Registrar: Registrar{MinExpires: 60, MaxExpires: 3600, DefaultExpires: 3600},
		DrainTime: Duration(10 * time.Second),
	}
}

// Extension returns the extension with that number.
func (c *Config) Extension(number string) (Extension, bool) {
	for _, e := range c.Extensions {
		if e.Number == number {
			return e, true
		}
	}
	return Extension{}, false
}
