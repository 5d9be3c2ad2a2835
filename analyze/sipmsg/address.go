package sipmsg

import (
	"strings"

	"github.com/emiago/sipgo/sip"
)

// nameAddrOf converts a sipgo name-addr (RFC 3261 §20.10, §20.20, §20.39).
func nameAddrOf(display string, u *sip.Uri, params sip.HeaderParams) NameAddr {
	// sipgo keeps LWS that RFC 3261 §25.1 allows around ";" and "=" and
	// the quoted-pairs of a display name (RFC 4475 §3.1.1.1): trim and
	// unescape here.
	if strings.IndexByte(display, '\\') >= 0 {
		display = unquotePairs(display)
	}
	na := NameAddr{Display: display, Host: strings.TrimSpace(u.Host), Port: u.Port, User: u.User}
	switch {
	case u.Wildcard:
		na.URI = "*"
	default:
		na.URI = strings.TrimSpace(u.String())
	}
	if u.Scheme != "" && u.Scheme != "sip" && u.Scheme != "sips" {
		// tel:+41215550100;phone-context=… (RFC 3966): the number is the user.
		raw := u.Raw()
		if i := strings.IndexByte(raw, ';'); i >= 0 {
			raw = raw[:i]
		}
		if u.Scheme == "tel" {
			na.User = raw
		}
	}
	if len(params) > 0 {
		na.Params = make(map[string]string, len(params))
		for _, kv := range params {
			k := strings.ToLower(strings.TrimSpace(kv.K))
			if _, dup := na.Params[k]; !dup && k != "" {
				na.Params[k] = strings.Trim(strings.TrimSpace(kv.V), `"`)
			}
		}
		na.Tag = na.Params["tag"]
	}
	return na
}

func paramInt(params sip.HeaderParams, key string) int {
	for _, kv := range params {
		if strings.EqualFold(kv.K, key) {
			if n, ok := atoi(kv.V); ok {
				return n
			}
			return -1
		}
	}
	return -1
}

// crudeNameAddr reads a From/To/Contact value that sipgo refused, as
// Wireshark does: display name before '<', URI inside < > (or up to the
// first ';'), parameters after.
func crudeNameAddr(v string) NameAddr {
	var na NameAddr
	v = strings.TrimSpace(v)
	var uri, params string
	if lt := strings.IndexByte(v, '<'); lt >= 0 {
		na.Display = strings.TrimSpace(v[:lt])
		rest := v[lt+1:]
		if gt := strings.IndexByte(rest, '>'); gt >= 0 {
			uri, params = rest[:gt], rest[gt+1:]
		} else {
			uri = rest
		}
	} else if i := strings.IndexByte(v, ';'); i >= 0 {
		uri, params = v[:i], v[i:]
	} else {
		uri = v
	}
	na.Display = strings.TrimSpace(strings.Trim(na.Display, "\""))
	uri = strings.TrimSpace(uri)
	na.URI = uri
	var u sip.Uri
	if err := sip.ParseUri(uri, &u); err == nil {
		na.User, na.Host, na.Port = u.User, u.Host, u.Port
	} else {
		// scheme:user@host:port;params
		s := uri
		if i := strings.IndexByte(s, ':'); i >= 0 {
			s = s[i+1:]
		}
		if i := strings.IndexAny(s, ";?"); i >= 0 {
			s = s[:i]
		}
		if i := strings.LastIndexByte(s, '@'); i >= 0 {
			na.User, s = s[:i], s[i+1:]
		}
		// host[:port]; an IPv6 address without [ ] (malformed, reported by
		// validate) is kept whole.
		if i := strings.LastIndexByte(s, ':'); i >= 0 && strings.Count(s, ":") == 1 {
			if p, ok := atoi(s[i+1:]); ok && p < 65536 {
				na.Port = p
			}
			s = s[:i]
		}
		na.Host = s
	}
	na.Params = crudeParams(params)
	na.Tag = na.Params["tag"]
	return na
}

// eachParam calls fn for each ";k=v" or ";k" of s, trimmed, without
// allocating.
func eachParam(s string, fn func(k, v string)) {
	for s != "" {
		var p string
		if i := strings.IndexByte(s, ';'); i >= 0 {
			p, s = s[:i], s[i+1:]
		} else {
			p, s = s, ""
		}
		k, v, _ := strings.Cut(p, "=")
		if k = strings.TrimSpace(k); k != "" {
			fn(k, strings.Trim(strings.TrimSpace(v), `"`))
		}
	}
}

// crudeParams reads ";k=v;k2" into a map with lower-case keys (nil if none).
func crudeParams(s string) map[string]string {
	var out map[string]string
	for _, p := range strings.Split(s, ";") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		k, v, _ := strings.Cut(p, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		if k == "" {
			continue
		}
		if out == nil {
			out = make(map[string]string)
		}
		if _, dup := out[k]; !dup {
			out[k] = strings.Trim(strings.TrimSpace(v), "\"")
		}
	}
	return out
}

// parseVia reads one Via value: sent-protocol LWS sent-by *( SEMI
// via-params ), with LWS allowed around "/", ":" and ";" (RFC 3261 §20.42,
// §25.1; rport RFC 3581).
func parseVia(v string) Via {
	var via Via
	rest := v
	// sent-protocol = protocol-name SLASH protocol-version SLASH transport
	for range 2 {
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			rest = rest[i+1:]
		}
	}
	rest = strings.TrimLeft(rest, " \t")
	i := strings.IndexAny(rest, " \t")
	if i < 0 {
		i = len(rest)
	}
	via.Transport = strings.ToUpper(rest[:i])
	rest = rest[i:]
	sentBy, params := rest, ""
	if i := strings.IndexByte(rest, ';'); i >= 0 {
		sentBy, params = rest[:i], rest[i:]
	}
	host := strings.TrimSpace(sentBy)
	if strings.ContainsAny(host, " \t") { // LWS around ":" (RFC 3261 §25.1 HCOLON)
		host = strings.Join(strings.Fields(host), "")
	}
	if strings.HasPrefix(host, "[") {
		if j := strings.IndexByte(host, ']'); j >= 0 {
			if p, ok := atoi(strings.TrimPrefix(host[j+1:], ":")); ok {
				via.Port = p
			}
			host = host[:j+1]
		}
	} else if i := strings.LastIndexByte(host, ':'); i >= 0 {
		if p, ok := atoi(host[i+1:]); ok {
			via.Port = p
		}
		host = host[:i]
	}
	via.Host = host
	eachParam(params, func(k, v string) {
		switch {
		case strings.EqualFold(k, "branch"):
			via.Branch = v
		case strings.EqualFold(k, "received"):
			via.Received = v
		case strings.EqualFold(k, "rport"):
			via.HasRPort = true
			via.RPort, _ = atoi(v)
		}
	})
	return via
}

// splitList splits a header value on commas outside quotes and < >
// (RFC 3261 §7.3.1).
func splitList(v string) []string {
	var out []string
	inQuote, inAngle := false, false
	start := 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '\\' && inQuote:
			i++
		case c == '"':
			inQuote = !inQuote
		case c == '<' && !inQuote:
			inAngle = true
		case c == '>' && !inQuote:
			inAngle = false
		case c == ',' && !inQuote && !inAngle:
			if p := strings.TrimSpace(v[start:i]); p != "" {
				out = append(out, p)
			}
			start = i + 1
		}
	}
	if p := strings.TrimSpace(v[start:]); p != "" {
		out = append(out, p)
	}
	return out
}
