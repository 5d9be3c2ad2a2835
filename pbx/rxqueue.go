package pbx

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
)

// rxQueue returns the bytes waiting in the receive queue of the UDP
// socket bound to port, from /proc/net/udp and /proc/net/udp6 (Linux; ok
// false elsewhere). The SIP read loop parses every datagram itself, so a
// growing queue is the first sign that requests arrive faster than the PBX
// reads them, before the kernel drops any.
func rxQueue(port uint16) (int, bool) {
	want := []byte(":" + strings.ToUpper(strconv.FormatUint(uint64(port)|1<<16, 16)[1:]))
	found, total := false, 0
	for _, f := range []string{"/proc/net/udp", "/proc/net/udp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Scan() // header
		for sc.Scan() {
			fields := bytes.Fields(sc.Bytes())
			// sl local_address rem_address st tx_queue:rx_queue ...
			if len(fields) < 5 || !bytes.HasSuffix(fields[1], want) {
				continue
			}
			_, rx, ok := bytes.Cut(fields[4], []byte(":"))
			if !ok {
				continue
			}
			n, err := strconv.ParseUint(string(rx), 16, 32)
			if err != nil {
				continue
			}
			found, total = true, total+int(n)
		}
	}
	return total, found
}
