package bpf_test

import (
	"fmt"

	xbpf "golang.org/x/net/bpf"

	"voiplab/capture/bpf"
)

// The program for "ip6" is the one tcpdump -d -y EN10MB prints (TestListing
// checks the raw instructions against tcpdump -dd's); x/net/bpf writes
// tcpdump's "jeq #0x86dd jt 2 jf 3" as "jneq #34525,1".
func ExampleCompile() {
	prog, err := bpf.Compile("ip6", bpf.Ethernet, 0)
	if err != nil {
		panic(err)
	}
	for _, in := range prog {
		fmt.Println(in)
	}
	// Output:
	// ldh [12]
	// jneq #34525,1
	// ret #262144
	// ret #0
}

// Compile a filter, then run it on a frame with x/net/bpf's VM (the kernel
// runs the same program on a socket, see capture.LiveConfig.Filter).
func ExampleCompile_vm() {
	prog := bpf.MustCompile("udp port 5060", bpf.Ethernet)
	vm, err := xbpf.NewVM(prog)
	if err != nil {
		panic(err)
	}
	// Ethernet + IPv4 (UDP) + UDP 40000 → 5060, no payload.
	frame := []byte{
		0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0x08, 0x00,
		0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
		0x9c, 0x40, 0x13, 0xc4, 0, 8, 0, 0,
	}
	n, _ := vm.Run(frame)
	fmt.Println("accepted:", n > 0)
	// Output: accepted: true
}
