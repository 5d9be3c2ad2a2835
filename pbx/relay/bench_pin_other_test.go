//go:build !linux

package relay_test

import (
	"errors"
	"net"
	"time"
)

func benchCPUs() ([]int, int, bool) { return nil, 0, false }

func pinProcess([]int) (func(), error) { return func() {}, nil }

func stampArrivals(*net.UDPConn) bool { return false }

func arrival([]byte) (int64, bool) { return 0, false }

type rawBatch struct{}

func newRawBatch(*net.UDPConn, int) (*rawBatch, error) { return nil, errors.ErrUnsupported }

func (b *rawBatch) read(func(pkt, oob []byte)) int { return 0 }

func sleepThread(d time.Duration) { time.Sleep(d) }
