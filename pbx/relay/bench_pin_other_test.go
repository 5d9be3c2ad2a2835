//go:build !linux

package relay_test

import (
	"net"
	"os/exec"
)

func benchCPUs() ([]int, int, bool) { return nil, 0, false }

func pinProcess([]int) (func(), error) { return func() {}, nil }

func childCommand(_ int, args ...string) *exec.Cmd { return exec.Command(args[0], args[1:]...) }

func stampArrivals(*net.UDPConn) bool { return false }

func arrival([]byte) (int64, bool) { return 0, false }
