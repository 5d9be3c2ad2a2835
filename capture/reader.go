package capture

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// maxWarnings bounds the decoding warnings in FileInfo.Warnings; further ones
// are counted in a summary line, and the reason a read stopped is always kept.
const maxWarnings = 50

// Reader reads a pcap or pcapng file and returns its application datagrams.
// It is not safe for concurrent use.
type Reader struct {
	name     string
	src      *recordReader
	rec      record
	linkType uint16
	// linkFromFirst: a pcapng whose interface block was not read yet takes
	// its link type from the first packet's interface
	linkFromFirst bool
	closer        io.Closer
	counter       *countingReader
	total         int64

	info FileInfo
	done bool

	dec decoder
}

// countingReader counts the bytes read from the file, for Progress.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// Open opens a pcap or pcapng file (optionally gzip-compressed). The error
// names the file and what was found: "capture: x.txt: not a pcap or pcapng
// file (starts with 23 20 76 6f)", "capture: x.pcap: unsupported link type 147".
func Open(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	r, err := newReader(f, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	if st, err := f.Stat(); err == nil {
		r.total = st.Size()
	}
	r.closer = f
	return r, nil
}

// NewReader reads a pcap or pcapng stream (optionally gzip-compressed); name
// is used in errors and FileInfo.Path.
func NewReader(r io.Reader, name string) (*Reader, error) {
	return newReader(r, name)
}

func newReader(in io.Reader, name string) (*Reader, error) {
	base := filepath.Base(name)
	cr := &countingReader{r: in}
	// The bufio.Readers only peek at the magic numbers: the record reader
	// reads through its own buffer, and bufio hands its large reads
	// straight to the source.
	br := bufio.NewReaderSize(cr, 16)
	var rd io.Reader = br
	head, _ := br.Peek(4)
	if len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b {
		// flate reads byte by byte: it gets a buffer of its own
		gz, err := gzip.NewReader(bufio.NewReaderSize(br, 1<<16))
		if err != nil {
			return nil, fmt.Errorf("capture: %s: %w (gzip: %v)", base, ErrNotCapture, err)
		}
		gbr := bufio.NewReaderSize(gz, 16)
		rd = gbr
		head, _ = gbr.Peek(4)
	}
	if len(head) < 4 {
		return nil, fmt.Errorf("capture: %s: %w (%s)", base, ErrNotCapture, describeHead(head))
	}
	r := &Reader{name: name, counter: cr}
	r.info.Path = name
	magic := binary.LittleEndian.Uint32(head)
	switch magic {
	case 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1:
		pr, err := newRecordReader(rd, false)
		if err != nil {
			return nil, fmt.Errorf("capture: %s: pcap header: %w", base, err)
		}
		r.src = pr
		r.linkType = pr.linkType
		r.info.Format = "pcap"
	case 0x0a0d0d0a:
		nr, err := newRecordReader(rd, true)
		if err != nil {
			return nil, fmt.Errorf("capture: %s: pcapng header: %w", base, err)
		}
		r.src = nr
		r.info.Format = "pcapng"
		// the interface blocks come with the packets: the first packet's
		// interface tells
		r.linkType = linkEthernet
		r.linkFromFirst = true
	default:
		return nil, fmt.Errorf("capture: %s: %w (%s)", base, ErrNotCapture, describeHead(head))
	}
	if !supportedLink(r.linkType) {
		return nil, fmt.Errorf("capture: %s: %w %s", base, ErrLinkType, describeLink(r.linkType))
	}
	r.info.LinkType = linkName(r.linkType)
	r.dec.init()
	return r, nil
}

func describeHead(b []byte) string {
	if len(b) == 0 {
		return "empty file"
	}
	return fmt.Sprintf("starts with % x", b)
}

func describeLink(lt uint16) string {
	s := linkTypeNames[lt]
	if s == "" {
		return fmt.Sprint(lt)
	}
	return fmt.Sprintf("%d (%s)", lt, s)
}

// linkTypeNames are the LINKTYPE_ names (tcpdump.org link-layer header
// types registry) of link types a capture someone sends us may have, for
// the error that says which one we cannot read. Immutable lookup table.
var linkTypeNames = map[uint16]string{
	0: "NULL", 1: "ETHERNET", 6: "IEEE802_5", 8: "SLIP", 9: "PPP", 10: "FDDI",
	50: "PPP_HDLC", 51: "PPP_ETHER", 101: "RAW", 104: "C_HDLC", 105: "IEEE802_11",
	107: "FRELAY", 108: "LOOP", 113: "LINUX_SLL", 119: "IEEE802_11_PRISM",
	127: "IEEE802_11_RADIOTAP", 138: "APPLE_IP_OVER_IEEE1394", 139: "MTP2_WITH_PHDR",
	140: "MTP2", 141: "MTP3", 142: "SCCP", 143: "DOCSIS", 147: "USER0", 148: "USER1",
	149: "USER2", 150: "USER3", 163: "IEEE802_11_AVS", 187: "BLUETOOTH_HCI_H4",
	189: "USB_LINUX", 192: "PPI", 195: "IEEE802_15_4_WITHFCS", 201: "BLUETOOTH_HCI_H4_WITH_PHDR",
	215: "IEEE802_15_4_NONASK_PHY", 220: "USB_LINUX_MMAPPED", 227: "CAN_SOCKETCAN",
	228: "IPV4", 229: "IPV6", 230: "IEEE802_15_4_NOFCS", 235: "DVB_CI",
	239: "NFLOG", 240: "NETANALYZER", 249: "USBPCAP", 252: "WIRESHARK_UPPER_PDU",
	263: "IPMI_HPM_2", 276: "LINUX_SLL2", 283: "ETW",
}

// Next returns the next application datagram, or io.EOF. A truncated or
// damaged file ends with io.EOF after everything before the damage, and
// Info().Warnings names the frame where it stopped. The returned Datagram and
// its Payload are reused: they are valid until the next call.
func (r *Reader) Next() (*Datagram, error) {
	for {
		if d, ok := r.dec.pop(); ok {
			return d, nil
		}
		if r.done {
			return nil, io.EOF
		}
		r.dec.resetOutput()
		rec := &r.rec
		if err := r.src.next(rec); err != nil {
			r.finish(err)
			continue
		}
		r.info.Packets++
		ts := rec.ts
		if r.info.Packets == 1 || ts.Before(r.info.Start) {
			r.info.Start = ts
		}
		if ts.After(r.info.End) {
			r.info.End = ts
		}
		lt := rec.linkType // per packet: a pcapng may mix link types
		if r.linkFromFirst {
			r.linkFromFirst = false
			r.linkType, r.info.LinkType = lt, linkName(lt)
		}
		r.dec.frame(rec.data, lt, r.info.Packets, ts) // a snapped frame shows in its IP and UDP lengths
	}
}

// finish handles the end of the packet records: flushes what the
// reassemblers still hold and records why the read stopped. The decoder's
// warnings come first, in the order they happened; the reason the read
// stopped is always the last warning.
func (r *Reader) finish(err error) {
	r.done = true
	var stop string
	switch {
	case errors.Is(err, io.EOF):
	case errors.Is(err, io.ErrUnexpectedEOF):
		stop = fmt.Sprintf("file truncated at frame %d: unexpected EOF", r.info.Packets+1)
	default:
		stop = fmt.Sprintf("file damaged at frame %d: %v", r.info.Packets+1, err)
	}
	r.dec.flushAll()
	ws, lost := r.dec.takeWarnings()
	if len(ws) > maxWarnings-1 {
		lost += len(ws) - (maxWarnings - 1)
		ws = ws[:maxWarnings-1]
	}
	r.info.Warnings = append(r.info.Warnings, ws...)
	if lost > 0 {
		r.info.Warnings = append(r.info.Warnings, fmt.Sprintf("%d more warnings not shown", lost))
	}
	if stop != "" {
		r.info.Warnings = append(r.info.Warnings, stop)
	}
	if r.total > 0 {
		r.counter.n = r.total
	}
}

// Info describes the file; it is complete after Next has returned io.EOF.
func (r *Reader) Info() FileInfo {
	fi := r.info
	if !r.done {
		for _, w := range r.dec.warnings {
			fi.Warnings = append(fi.Warnings, w)
		}
	}
	fi.Warnings = append([]string(nil), fi.Warnings...)
	return fi
}

// Progress reports the bytes read so far and the file size (0 if unknown),
// for a progress bar. For a gzip file both count compressed bytes.
func (r *Reader) Progress() (done, total int64) {
	return r.counter.n, r.total
}

// Close closes the file opened by Open. It does not close the io.Reader given
// to NewReader.
func (r *Reader) Close() error {
	if r.closer == nil {
		return nil
	}
	err := r.closer.Close()
	r.closer = nil
	return err
}
