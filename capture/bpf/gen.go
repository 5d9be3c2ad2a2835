package bpf

import (
	"fmt"

	xbpf "golang.org/x/net/bpf"
)

// gen emits jumping code: each node is compiled with a "true" and a "false"
// target label, so that and/or/not cost no instructions of their own (the
// classic short-circuit code generation; libpcap's gencode.c does the same
// with its block graph before optimizing).
//
// It also tracks what the A and X registers hold, so that a test of a value
// already loaded does not load it again (a fraction of what libpcap's
// optimizer does, enough for most of its listings to be ours too): jumps do
// not change registers, so at a label the registers hold what they held at
// every jump to it, when all those jumps agree.
type gen struct {
	ins    []pending
	labels []int        // label → instruction index, -1 until placed
	in     [][]regs     // label → register states of the jumps to it
	cur    regs         // registers at the current point
	jumps  int          // conditional jumps emitted so far
	far    map[int]bool // ordinals of conditional jumps to emit as long jumps
}

// regs describes the contents of A and X, as a key of the load that filled
// them ("" when unknown).
type regs struct{ a, x string }

// pending is an instruction whose jumps still name labels.
type pending struct {
	i      xbpf.Instruction
	jt, jf int  // labels of a conditional jump
	cond   bool // i is a JumpIf with labels jt, jf
	ja     int  // label of an unconditional jump
	isJa   bool
	ord    int // ordinal of a conditional jump
}

func (g *gen) label() int {
	g.labels = append(g.labels, -1)
	g.in = append(g.in, nil)
	return len(g.labels) - 1
}

// place puts label l at the next instruction. All jumps to it are emitted by
// then (jumps only go forward), and none falls through into it (every
// instruction before it is a jump or a return).
func (g *gen) place(l int) {
	g.labels[l] = len(g.ins)
	var r regs
	for i, s := range g.in[l] {
		if i == 0 {
			r = s
			continue
		}
		if s.a != r.a {
			r.a = ""
		}
		if s.x != r.x {
			r.x = ""
		}
	}
	g.cur = r
}

func (g *gen) emit(n node, t, f int) {
	switch n := n.(type) {
	case nAnd:
		m := g.label()
		g.emit(n.a, m, f)
		g.place(m)
		g.emit(n.b, t, f)
	case nOr:
		m := g.label()
		g.emit(n.a, t, m)
		g.place(m)
		g.emit(n.b, t, f)
	case nNot:
		g.emit(n.x, f, t)
	case nTrue:
		g.ins = append(g.ins, pending{isJa: true, ja: t})
		g.in[t] = append(g.in[t], g.cur)
		g.cur = regs{}
	case nTest:
		x := ""
		if n.ldx >= 0 {
			x = fmt.Sprintf("hlen %d", n.ldx)
			if g.cur.x != x {
				g.ins = append(g.ins, pending{i: xbpf.LoadMemShift{Off: uint32(n.ldx)}})
				g.cur.x = x
				if n.ind {
					g.cur.a = "" // an A that came from X+off is stale
				}
			}
		}
		a := fmt.Sprintf("ld%d %s+%d &%#x", n.size, x, n.off, n.mask)
		if g.cur.a != a {
			if n.ind {
				g.ins = append(g.ins, pending{i: xbpf.LoadIndirect{Off: n.off, Size: n.size}})
			} else {
				g.ins = append(g.ins, pending{i: xbpf.LoadAbsolute{Off: n.off, Size: n.size}})
			}
			if n.mask != 0 {
				g.ins = append(g.ins, pending{i: xbpf.ALUOpConstant{Op: xbpf.ALUOpAnd, Val: n.mask}})
			}
			g.cur.a = a
		}
		g.jumps++
		if g.far[g.jumps] {
			// Too far for an 8-bit offset: jump to two long jumps.
			jt, jf := g.label(), g.label()
			g.ins = append(g.ins, pending{i: xbpf.JumpIf{Cond: n.cond, Val: n.k}, jt: jt, jf: jf, cond: true, ord: g.jumps})
			g.in[jt] = append(g.in[jt], g.cur)
			g.in[jf] = append(g.in[jf], g.cur)
			g.place(jt)
			g.ins = append(g.ins, pending{isJa: true, ja: t})
			g.in[t] = append(g.in[t], g.cur)
			g.place(jf)
			g.ins = append(g.ins, pending{isJa: true, ja: f})
			g.in[f] = append(g.in[f], g.cur)
			g.cur = regs{}
			return
		}
		g.ins = append(g.ins, pending{i: xbpf.JumpIf{Cond: n.cond, Val: n.k}, jt: t, jf: f, cond: true, ord: g.jumps})
		g.in[t] = append(g.in[t], g.cur)
		g.in[f] = append(g.in[f], g.cur)
		g.cur = regs{} // nothing falls through a conditional jump
	default:
		panic(fmt.Sprintf("bpf: node %T", n))
	}
}

// resolve turns label references into relative jump offsets. It returns
// the ordinals of the conditional jumps whose offset does not fit in 8 bits
// (the caller emits them again as long jumps).
func (g *gen) resolve() ([]xbpf.Instruction, []int) {
	out := make([]xbpf.Instruction, len(g.ins))
	var far []int
	for idx, p := range g.ins {
		switch {
		case p.cond:
			j := p.i.(xbpf.JumpIf)
			st, sf := g.labels[p.jt]-idx-1, g.labels[p.jf]-idx-1
			if st > 255 || sf > 255 {
				far = append(far, p.ord)
				continue
			}
			j.SkipTrue, j.SkipFalse = uint8(st), uint8(sf)
			out[idx] = j
		case p.isJa:
			out[idx] = xbpf.Jump{Skip: uint32(g.labels[p.ja] - idx - 1)}
		default:
			out[idx] = p.i
		}
	}
	return out, far
}

// Cooked rewrites a program compiled for LinuxSLL for a Linux SOCK_DGRAM
// packet socket, whose filter sees the packet from its network header, as
// libpcap's fix_offset (pcap-linux.c) does: the SLL protocol field becomes
// the kernel's SKF_AD_PROTOCOL ancillary load, every other load moves back
// by the 16-byte SLL header. A load of another SLL field cannot be run in
// the kernel and is refused.
func Cooked(prog []xbpf.Instruction) ([]xbpf.Instruction, error) {
	const sll = 16
	out := make([]xbpf.Instruction, len(prog))
	for i, in := range prog {
		switch x := in.(type) {
		case xbpf.LoadAbsolute:
			switch {
			case x.Off == 14 && x.Size == 2:
				in = xbpf.LoadExtension{Num: xbpf.ExtProto}
			case x.Off >= sll:
				x.Off -= sll
				in = x
			default:
				return nil, fmt.Errorf("bpf: load of SLL header byte %d: %w", x.Off, ErrUnsupported)
			}
		case xbpf.LoadIndirect:
			if x.Off < sll {
				return nil, fmt.Errorf("bpf: indirect load at %d: %w", x.Off, ErrUnsupported)
			}
			x.Off -= sll
			in = x
		case xbpf.LoadMemShift:
			if x.Off < sll {
				return nil, fmt.Errorf("bpf: header length load at %d: %w", x.Off, ErrUnsupported)
			}
			x.Off -= sll
			in = x
		}
		out[i] = in
	}
	return out, nil
}
