//go:build interop

package bpf

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// TestTcpdumpTestdata runs tcpdump -dd for every expression and link type
// and checks testdata/tcpdump.txt holds the same programs (-update rewrites
// it). tcpdump must be installed (Debian package tcpdump).
func TestTcpdumpTestdata(t *testing.T) {
	if _, err := exec.LookPath("tcpdump"); err != nil {
		t.Fatal("tcpdump not installed (apt-get install tcpdump): ", err)
	}
	var b bytes.Buffer
	ver, _ := exec.Command("tcpdump", "--version").CombinedOutput()
	fmt.Fprintf(&b, "# tcpdump -dd -y LINK EXPR, from:\n# %s\n", bytes.ReplaceAll(bytes.TrimSpace(ver), []byte("\n"), []byte("\n# ")))
	for _, lt := range []LinkType{Ethernet, LinuxSLL} {
		for _, e := range exprs {
			out, err := exec.Command("tcpdump", "-dd", "-y", linkNames[lt], e).Output()
			if err != nil {
				t.Fatalf("tcpdump -dd -y %s %q: %v", linkNames[lt], e, err)
			}
			fmt.Fprintf(&b, "== %s %s\n%s", linkNames[lt], e, out)
		}
	}
	if *update {
		if err := os.WriteFile("testdata/tcpdump.txt", b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	old, err := os.ReadFile("testdata/tcpdump.txt")
	if err != nil {
		t.Fatal(err)
	}
	// The version header may differ; the programs must not.
	strip := func(x []byte) []byte { return x[bytes.Index(x, []byte("\n== ")):] }
	if !bytes.Equal(strip(old), strip(b.Bytes())) {
		t.Error("testdata/tcpdump.txt differs from this tcpdump's output (go test -tags interop -run TestTcpdumpTestdata -update)")
	}
}
