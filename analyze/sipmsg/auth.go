package sipmsg

import "strings"

// The digest parameter lists are read by hand: sipgo v1.7.3 exports no
// parser for Authorization/WWW-Authenticate, and this leaf package imports
// only the standard library and sipgo (github.com/icholy/digest is for the
// PBX).

// parseCredentials reads an Authorization or Proxy-Authorization value
// (RFC 3261 §22.4, §25.1 credentials; RFC 2617 §3.2.2).
func parseCredentials(v string, proxy bool) *Credentials {
	c := &Credentials{Proxy: proxy}
	c.Scheme = authParams(v, func(k, val string) {
		switch k {
		case "username":
			c.Username = val
		case "realm":
			c.Realm = val
		case "nonce":
			c.Nonce = val
		case "uri":
			c.URI = val
		case "response":
			c.Response = val
		case "algorithm":
			c.Algorithm = val
		case "qop":
			c.QOP = val
		case "nc":
			c.NC = val
		case "cnonce":
			c.CNonce = val
		case "opaque":
			c.Opaque = val
		}
	})
	return c
}

// parseChallenge reads a WWW-Authenticate or Proxy-Authenticate value
// (RFC 3261 §22.4, §25.1 challenge; RFC 2617 §3.2.1).
func parseChallenge(v string, proxy bool) *Challenge {
	c := &Challenge{Proxy: proxy}
	c.Scheme = authParams(v, func(k, val string) {
		switch k {
		case "realm":
			c.Realm = val
		case "nonce":
			c.Nonce = val
		case "algorithm":
			c.Algorithm = val
		case "qop":
			c.QOP = val
		case "stale":
			c.Stale = strings.EqualFold(val, "true")
		case "opaque":
			c.Opaque = val
		case "domain":
			c.Domain = val
		}
	})
	return c
}

// authParams reads `scheme k=v, k="quoted", …`, calls fn with each
// lower-case key and unquoted value, and returns the scheme.
func authParams(v string, fn func(k, v string)) string {
	v = strings.TrimSpace(v)
	sp := strings.IndexAny(v, " \t")
	if sp < 0 {
		return v
	}
	scheme, rest := v[:sp], v[sp+1:]
	for {
		rest = strings.TrimLeft(rest, " \t,")
		eq := strings.IndexByte(rest, '=')
		if eq < 0 {
			return scheme
		}
		k := strings.ToLower(strings.TrimSpace(rest[:eq]))
		rest = strings.TrimLeft(rest[eq+1:], " \t")
		var val string
		if strings.HasPrefix(rest, `"`) {
			// quoted-string = DQUOTE *(qdtext / quoted-pair) DQUOTE (RFC 3261 §25.1)
			end, escaped := 1, false
			for end < len(rest) && rest[end] != '"' {
				if rest[end] == '\\' {
					escaped = true
					end++
				}
				end++
			}
			val = rest[1:min(end, len(rest))]
			if escaped {
				val = unquotePairs(val)
			}
			rest = rest[min(end+1, len(rest)):]
		} else {
			c := strings.IndexByte(rest, ',')
			if c < 0 {
				c = len(rest)
			}
			val, rest = strings.TrimSpace(rest[:c]), rest[c:]
		}
		fn(k, val)
	}
}

func unquotePairs(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
