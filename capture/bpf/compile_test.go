package bpf

import (
	"bufio"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	xbpf "golang.org/x/net/bpf"
)

var update = flag.Bool("update", false, "rewrite testdata/tcpdump.txt from tcpdump -dd (interop tag)")

// exprs are compiled by us and by tcpdump -dd (libpcap 1.10.3), for both
// link types; testdata/tcpdump.txt holds tcpdump's programs.
var exprs = []string{
	"ip", "ip6", "udp", "tcp", "sctp", "not udp", "! tcp",
	"host 10.0.0.1", "src host 10.0.0.1", "dst host 10.0.0.1", "ip host 10.0.0.1",
	"host 192.168.1.1 or host 10.1.2.3",
	"host ::1", "src host 2001:db8::5", "dst host fe80::1", "ip6 host 2001:db8::5",
	"net 10.0.0.0/8", "src net 10.0.0.0/8", "dst net 192.168.0.0/16", "net 0.0.0.0/0",
	"net fe80::/10", "net 2001:db8::/32", "net 2001:db8::/64", "src net 2001:db8::5/128",
	"net 10.1.2.3",
	"port 5060", "src port 5060", "dst port 5060", "udp port 5060", "tcp port 5060",
	"sctp port 5060", "udp src port 5060", "host 10.0.0.1 or 1.2.3.4", "src net 10.0.0.0/8 or 192.168.0.0/16",
	"portrange 10000-20000", "udp portrange 10000-20000", "src portrange 10000-20000",
	"dst portrange 1-1023", "portrange 5060-5060",
	"port 5060 or 5061", "udp port 5060 or 5061 or 53",
	"src or dst port 5060", "src and dst port 5060", "src and dst host 10.0.0.1",
	"udp and port 5060", "udp && port 5060", "udp || tcp", "tcp or udp and port 5060",
	"not (tcp or udp) and port 5060", "!(udp and port 53)",
	"host 10.0.0.1 and (port 5060 or portrange 10000-20000)",
	"ip and udp and not port 53", "ip6 and tcp", "ip6 and not udp",
	"udp and not portrange 1-1023",
	DefaultFilter,
	"(udp and not portrange 1-1023) or (tcp and (port 5060 or port 5061)) or host 10.0.0.1",
}

var linkNames = map[LinkType]string{Ethernet: "EN10MB", LinuxSLL: "LINUX_SLL"}

// readTcpdump reads testdata/tcpdump.txt: "== LINK EXPR" lines, each
// followed by tcpdump -dd's "{ code, jt, jf, k }," lines.
func readTcpdump(t *testing.T) map[string][]xbpf.RawInstruction {
	t.Helper()
	f, err := os.Open("testdata/tcpdump.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	progs := map[string][]xbpf.RawInstruction{}
	var key string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "== "):
			key = line[3:]
			progs[key] = nil
		case strings.HasPrefix(line, "{"):
			ri, err := parseDD(line)
			if err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			progs[key] = append(progs[key], ri)
		}
	}
	return progs
}

// parseDD reads one line of tcpdump -dd output: "{ 0x28, 0, 0, 0x0000000c },".
func parseDD(line string) (xbpf.RawInstruction, error) {
	line = strings.Trim(line, "{}, ")
	f := strings.Split(line, ",")
	if len(f) != 4 {
		return xbpf.RawInstruction{}, fmt.Errorf("bad -dd line %q", line)
	}
	var v [4]uint64
	for i := range f {
		n, err := strconv.ParseUint(strings.TrimSpace(f[i]), 0, 32)
		if err != nil {
			return xbpf.RawInstruction{}, err
		}
		v[i] = n
	}
	return xbpf.RawInstruction{Op: uint16(v[0]), Jt: uint8(v[1]), Jf: uint8(v[2]), K: uint32(v[3])}, nil
}

// TestAgainstTcpdump runs our program and tcpdump's for every expression on
// every crafted frame, in x/net/bpf's VM, and requires the same verdict.
func TestAgainstTcpdump(t *testing.T) {
	ref := readTcpdump(t)
	for _, lt := range []LinkType{Ethernet, LinuxSLL} {
		frames := craftFrames(lt)
		for _, e := range exprs {
			key := linkNames[lt] + " " + e
			t.Run(key, func(t *testing.T) {
				raw, ok := ref[key]
				if !ok {
					t.Fatalf("no tcpdump program for %q in testdata (run go test -tags interop -update)", key)
				}
				theirs, err := xbpf.NewVM(disassemble(t, raw))
				if err != nil {
					t.Fatalf("tcpdump program: %v", err)
				}
				prog, err := Compile(e, lt, 0)
				if err != nil {
					t.Fatal(err)
				}
				ours, err := xbpf.NewVM(prog)
				if err != nil {
					t.Fatalf("our program does not load: %v", err)
				}
				accepted := 0
				for i, fr := range frames {
					a, errA := ours.Run(fr.b)
					b, errB := theirs.Run(fr.b)
					if errA != nil || errB != nil {
						t.Fatalf("frame %d: vm: %v / %v", i, errA, errB)
					}
					if (a > 0) != (b > 0) {
						t.Errorf("%s: ours %v, tcpdump %v", fr.desc, a > 0, b > 0)
					}
					if a > 0 {
						accepted++
					}
				}
				t.Logf("%d instructions (tcpdump %d), %d of %d frames accepted", len(prog), len(raw), accepted, len(frames))
			})
		}
	}
}

func disassemble(t *testing.T, raw []xbpf.RawInstruction) []xbpf.Instruction {
	t.Helper()
	ins, ok := xbpf.Disassemble(raw)
	if !ok {
		t.Fatal("cannot disassemble tcpdump's program")
	}
	return ins
}

// TestListing compares instruction listings where our code generator and
// libpcap's optimizer give the same program. Elsewhere libpcap's jump
// threading (a path that knows the EtherType is 0x800 skips the test for
// 0x86dd) makes its programs a few instructions shorter; the verdicts are
// the same (TestAgainstTcpdump).
func TestListing(t *testing.T) {
	ref := readTcpdump(t)
	for _, e := range []string{
		"ip", "ip6", "ip host 10.0.0.1", "host ::1", "src host 2001:db8::5", "dst host fe80::1",
		"ip6 host 2001:db8::5", "net fe80::/10", "net 2001:db8::/32", "net 2001:db8::/64",
		"src net 2001:db8::5/128",
	} {
		t.Run(e, func(t *testing.T) {
			prog := MustCompile(e, Ethernet)
			raw, err := xbpf.Assemble(prog)
			if err != nil {
				t.Fatal(err)
			}
			want := ref["EN10MB "+e]
			if fmt.Sprint(raw) != fmt.Sprint(want) {
				t.Errorf("listing differs:\n ours    %v\n tcpdump %v", raw, want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	for _, c := range []struct {
		expr string
		want error
	}{
		{"", ErrSyntax},
		{"udp and", ErrSyntax},
		{"(udp", ErrSyntax},
		{"udp)", ErrSyntax},
		{"port", ErrSyntax},
		{"host example.com", ErrUnsupported},
		{"port sip", ErrUnsupported},
		{"port 70000", ErrUnsupported},
		{"portrange 10-", ErrUnsupported},
		{"udp host 10.0.0.1", ErrUnsupported},
		{"ip6 host 10.0.0.1", ErrUnsupported},
		{"ip host ::1", ErrUnsupported},
		{"net 10.1.2.3/8", ErrUnsupported},
		{"host 10.0.0.0/8", ErrUnsupported},
		{"vlan", ErrSyntax},
		{"10.0.0.1", ErrSyntax},
		{"ip port 5060", ErrUnsupported},
		{"icmp", ErrSyntax},
	} {
		t.Run(c.expr, func(t *testing.T) {
			_, err := Compile(c.expr, Ethernet, 0)
			if !errors.Is(err, c.want) {
				t.Errorf("Compile(%q) = %v, want %v", c.expr, err, c.want)
			}
		})
	}
	if _, err := Compile("udp", LinkType(105), 0); !errors.Is(err, ErrUnsupported) {
		t.Errorf("link 105: %v", err)
	}
}

// TestLongJumps: a filter whose jumps exceed 255 instructions is compiled
// with long jumps and accepts exactly the ports it names; one beyond the
// kernel's 4096 instructions is refused.
func TestLongJumps(t *testing.T) {
	var b strings.Builder
	b.WriteString("udp and (port 1")
	for i := 2; i < 100; i++ {
		fmt.Fprintf(&b, " or %d", i)
	}
	b.WriteString(")")
	prog, err := Compile(b.String(), Ethernet, 0)
	if err != nil {
		t.Fatal(err)
	}
	vm, err := xbpf.NewVM(prog)
	if err != nil {
		t.Fatal(err)
	}
	frame := func(port uint16) []byte {
		f := append(linkHeader(Ethernet, etherIPv4), 0x45, 0, 0, 36, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2)
		return append(f, transport(17, 40000, port)...)
	}
	for _, c := range []struct {
		port uint16
		want bool
	}{{1, true}, {50, true}, {99, true}, {100, false}, {5060, false}} {
		n, err := vm.Run(frame(c.port))
		if err != nil || (n > 0) != c.want {
			t.Errorf("port %d: accepted %v (%v), want %v", c.port, n > 0, err, c.want)
		}
	}
	t.Logf("%d instructions", len(prog))
	b.Reset()
	b.WriteString("host 10.0.0.0")
	for i := 1; i < 600; i++ {
		fmt.Fprintf(&b, " or host 10.0.%d.%d", i/256, i%256)
	}
	if _, err := Compile(b.String(), Ethernet, 0); !errors.Is(err, ErrTooLarge) {
		t.Errorf("600 hosts: got %v, want ErrTooLarge", err)
	}
}

// TestCooked checks the SOCK_DGRAM rewrite: on a frame without its SLL
// header, the cooked program (with the protocol load replaced by the
// protocol value, which x/net/bpf's VM cannot compute) gives the verdict the
// SLL program gives on the full frame.
func TestCooked(t *testing.T) {
	frames := craftFrames(LinuxSLL)
	for _, e := range exprs {
		t.Run(e, func(t *testing.T) {
			sll := MustCompile(e, LinuxSLL)
			cooked, err := Cooked(sll)
			if err != nil {
				t.Fatal(err)
			}
			vmSLL, err := xbpf.NewVM(sll)
			if err != nil {
				t.Fatal(err)
			}
			for _, fr := range frames {
				if len(fr.b) < 16 {
					continue
				}
				proto := binary.BigEndian.Uint16(fr.b[14:16])
				prog := make([]xbpf.Instruction, len(cooked))
				for i, in := range cooked {
					if x, ok := in.(xbpf.LoadExtension); ok && x.Num == xbpf.ExtProto {
						in = xbpf.LoadConstant{Dst: xbpf.RegA, Val: uint32(proto)}
					}
					prog[i] = in
				}
				vm, err := xbpf.NewVM(prog)
				if err != nil {
					t.Fatal(err)
				}
				a, _ := vmSLL.Run(fr.b)
				b, _ := vm.Run(fr.b[16:])
				if (a > 0) != (b > 0) {
					t.Errorf("%s: SLL %v, cooked %v", fr.desc, a > 0, b > 0)
				}
			}
		})
	}
}

// FuzzCompile: any expression either fails with a sentinel error or gives a
// program that x/net/bpf accepts and that runs on any input.
func FuzzCompile(f *testing.F) {
	for _, e := range exprs {
		f.Add(e)
	}
	f.Fuzz(func(t *testing.T, e string) {
		prog, err := Compile(e, Ethernet, 0)
		if err != nil {
			if !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("Compile(%q): unexpected error %v", e, err)
			}
			return
		}
		vm, err := xbpf.NewVM(prog)
		if err != nil {
			t.Fatalf("Compile(%q): program refused: %v", e, err)
		}
		vm.Run(make([]byte, 64))
	})
}

// TestCorpusFrames runs our programs and tcpdump's on every frame of the
// Ethernet captures of the shared corpus (real SIP, RTP, fragments, TCP,
// IPv6, tunnels), and requires the same verdicts.
func TestCorpusFrames(t *testing.T) {
	dir := os.Getenv("VOIPLAB_CORPUS")
	if dir == "" {
		dir = "../../../shared/corpus"
	}
	files, _ := filepath.Glob(filepath.Join(dir, "pcaps", "*.pcap"))
	if len(files) == 0 {
		t.Skipf("corpus not found at %s (set VOIPLAB_CORPUS)", dir)
	}
	var frames [][]byte
	for _, path := range files {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		r, err := pcapgo.NewReader(f)
		if err != nil || r.LinkType() != layers.LinkTypeEthernet {
			f.Close()
			continue
		}
		for {
			data, _, err := r.ReadPacketData()
			if err != nil {
				break
			}
			frames = append(frames, data)
		}
		f.Close()
	}
	ref := readTcpdump(t)
	for _, e := range []string{DefaultFilter, "udp", "tcp port 5060", "port 5060", "portrange 10000-20000", "net 10.0.0.0/8", "ip6", "host 10.0.0.1", "host 192.168.1.1 or host 10.1.2.3", "not udp"} {
		t.Run(e, func(t *testing.T) {
			theirs, err := xbpf.NewVM(disassemble(t, ref["EN10MB "+e]))
			if err != nil {
				t.Fatal(err)
			}
			ours, err := xbpf.NewVM(MustCompile(e, Ethernet))
			if err != nil {
				t.Fatal(err)
			}
			acc := 0
			for i, b := range frames {
				a, _ := ours.Run(b)
				c, _ := theirs.Run(b)
				if (a > 0) != (c > 0) {
					t.Errorf("frame %d: ours %v, tcpdump %v", i, a > 0, c > 0)
				}
				if a > 0 {
					acc++
				}
			}
			t.Logf("%d of %d corpus frames accepted", acc, len(frames))
		})
	}
}
