package bpf

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// expr is a parsed filter expression.
type expr interface{ isExpr() }

type (
	andExpr struct{ a, b expr }
	orExpr  struct{ a, b expr }
	notExpr struct{ x expr }
	// prim is one primitive: qualifiers and a value (or a protocol alone).
	prim struct {
		q   quals
		val string // "" for a protocol alone ("udp")
	}
)

func (andExpr) isExpr() {}
func (orExpr) isExpr()  {}
func (notExpr) isExpr() {}
func (prim) isExpr()    {}

// quals are pcap-filter(7)'s qualifiers: proto, dir and type.
type quals struct {
	proto string // "", "ip", "ip6", "udp", "tcp", "sctp"
	dir   string // "", "src", "dst", "or", "and"
	typ   string // "", "host", "net", "port", "portrange"
}

type parser struct {
	toks []string
	pos  int
	last *quals // qualifiers of the previous primitive, for "port 1 or 2"
}

// tokenize splits an expression into words, parentheses, "!", "&&" and "||".
func tokenize(s string) []string {
	var toks []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			toks = append(toks, string(c))
			i++
		case c == '!':
			toks = append(toks, "!")
			i++
		case (c == '&' || c == '|') && i+1 < len(s) && s[i+1] == c:
			toks = append(toks, s[i:i+2])
			i += 2
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r()!&|", rune(s[j])) {
				j++
			}
			if j == i { // a lone '&' or '|'
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		}
	}
	return toks
}

func parse(s string) (expr, error) {
	p := &parser{toks: tokenize(s)}
	if len(p.toks) == 0 {
		return nil, fmt.Errorf("bpf: empty expression: %w", ErrSyntax)
	}
	e, err := p.expr()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, p.errorf("unexpected %q", p.toks[p.pos])
	}
	return e, nil
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("bpf: %s (token %d): %w", fmt.Sprintf(format, args...), p.pos+1, ErrSyntax)
}

func (p *parser) peek(k int) string {
	if p.pos+k < len(p.toks) {
		return strings.ToLower(p.toks[p.pos+k])
	}
	return ""
}

func isAnd(t string) bool { return t == "and" || t == "&&" }
func isOr(t string) bool  { return t == "or" || t == "||" }

// expr parses unary {(and|or) unary}: libpcap gives "and" and "or" the same
// precedence, left to right (pcap-filter(7)).
func (p *parser) expr() (expr, error) {
	e, err := p.unary()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek(0)
		if !isAnd(t) && !isOr(t) {
			return e, nil
		}
		p.pos++
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		if isAnd(t) {
			e = andExpr{e, r}
		} else {
			e = orExpr{e, r}
		}
	}
}

func (p *parser) unary() (expr, error) {
	switch t := p.peek(0); t {
	case "":
		return nil, p.errorf("unexpected end of expression")
	case "not", "!":
		p.pos++
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return notExpr{x}, nil
	case "(":
		p.pos++
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		if p.peek(0) != ")" {
			return nil, p.errorf("missing )")
		}
		p.pos++
		return e, nil
	case ")":
		return nil, p.errorf("unexpected )")
	}
	return p.primitive()
}

var protos = map[string]bool{"ip": true, "ip6": true, "udp": true, "tcp": true, "sctp": true}
var types = map[string]bool{"host": true, "net": true, "port": true, "portrange": true}

func keyword(t string) bool {
	return protos[t] || types[t] || t == "src" || t == "dst" || t == "not" || t == "!" ||
		isAnd(t) || isOr(t) || t == "(" || t == ")" || t == ""
}

func (p *parser) primitive() (expr, error) {
	var q quals
	start := p.pos
	if t := p.peek(0); protos[t] {
		q.proto = t
		p.pos++
	}
	if t := p.peek(0); t == "src" || t == "dst" {
		q.dir = t
		p.pos++
		// "src or dst", "src and dst"
		if o := p.peek(0); (isOr(o) || isAnd(o)) && (p.peek(1) == "src" || p.peek(1) == "dst") && p.peek(1) != t {
			if isOr(o) {
				q.dir = "or"
			} else {
				q.dir = "and"
			}
			p.pos += 2
		}
	}
	if t := p.peek(0); types[t] {
		q.typ = t
		p.pos++
	}
	v := p.peek(0)
	if keyword(v) {
		if q.proto != "" && q.dir == "" && q.typ == "" {
			return prim{q: q}, nil // "udp"
		}
		if p.pos == start {
			return nil, p.errorf("unknown keyword %q", p.toks[p.pos])
		}
		return nil, p.errorf("missing value after %q", p.toks[p.pos-1])
	}
	p.pos++
	v = p.toks[p.pos-1]
	if p.pos-1 == start && p.last != nil {
		q = *p.last // "port 5060 or 5061": the value reuses the qualifiers
	}
	if q.typ == "" {
		// libpcap needs a type ("host", "net", "port") before a value,
		// except in "port 5060 or 5061" (handled above).
		return nil, p.errorf("%q needs a qualifier (host, net, port, portrange)", v)
	}
	p.last = &q
	return prim{q: q, val: v}, nil
}

func isAddr(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

// parsePort reads a port number 0-65535.
func parsePort(s string) (uint32, error) {
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil {
		return 0, fmt.Errorf("bpf: port %q: not a number 0-65535 (service names are not resolved): %w", s, ErrUnsupported)
	}
	return uint32(n), nil
}
