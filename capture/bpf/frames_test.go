package bpf

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// frame is a crafted test frame and a description for failure messages.
type frame struct {
	b    []byte
	desc string
}

var (
	addrs4 = [][2]string{
		{"10.0.0.1", "1.2.3.4"}, {"1.2.3.4", "10.0.0.1"}, {"10.1.2.3", "192.168.1.1"},
		{"192.168.7.9", "10.200.0.1"}, {"1.2.3.4", "5.6.7.8"}, {"10.0.0.1", "10.0.0.1"},
	}
	addrs6 = [][2]string{
		{"::1", "::1"}, {"fe80::1", "2001:db8::5"}, {"2001:db8::5", "fe80::1"},
		{"2001:db8:0:1::7", "2001:db9::1"}, {"2001:db9::1", "2001:db8::ffff"}, {"fe80::1", "febf::2"},
	}
	ports = [][2]uint16{
		{5060, 5060}, {5061, 40000}, {40000, 5060}, {53, 33000}, {10000, 20000},
		{20001, 9999}, {1023, 1024}, {40000, 15000}, {1, 65535},
	}
	ipProtos = []uint8{17, 6, 132, 1}
)

// linkHeader returns the link-layer header for an EtherType.
func linkHeader(lt LinkType, etherType uint16) []byte {
	if lt == LinuxSLL {
		h := make([]byte, 16)
		binary.BigEndian.PutUint16(h[0:], 0)  // incoming to us
		binary.BigEndian.PutUint16(h[2:], 1)  // ARPHRD_ETHER
		binary.BigEndian.PutUint16(h[4:], 6)  // address length
		copy(h[6:], []byte{2, 0, 0, 0, 0, 1}) // address
		binary.BigEndian.PutUint16(h[14:], etherType)
		return h
	}
	h := make([]byte, 14)
	copy(h, []byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1})
	binary.BigEndian.PutUint16(h[12:], etherType)
	return h
}

// transport returns a transport header (ports first) and a payload whose
// first bytes look like port 5060 again, so that a filter reading ports in
// the wrong place is caught.
func transport(proto uint8, sp, dp uint16) []byte {
	b := make([]byte, 28)
	binary.BigEndian.PutUint16(b[0:], sp)
	binary.BigEndian.PutUint16(b[2:], dp)
	binary.BigEndian.PutUint16(b[20:], 5060)
	binary.BigEndian.PutUint16(b[22:], 5060)
	return b
}

func craftFrames(lt LinkType) []frame {
	var out []frame
	add := func(desc string, b []byte) { out = append(out, frame{b, desc}) }
	for _, a := range addrs4 {
		src, dst := netip.MustParseAddr(a[0]).As4(), netip.MustParseAddr(a[1]).As4()
		for _, p := range ipProtos {
			for _, pp := range ports {
				for _, frag := range []string{"", "first", "middle", "last"} {
					for _, ihl := range []int{5, 6} {
						ip := make([]byte, ihl*4)
						ip[0] = 0x40 | byte(ihl)
						ip[8] = 64
						ip[9] = p
						copy(ip[12:], src[:])
						copy(ip[16:], dst[:])
						if ihl == 6 { // an option that looks like ports
							binary.BigEndian.PutUint16(ip[20:], 5060)
							binary.BigEndian.PutUint16(ip[22:], 5060)
						}
						switch frag {
						case "first":
							binary.BigEndian.PutUint16(ip[6:], 0x2000)
						case "middle":
							binary.BigEndian.PutUint16(ip[6:], 0x2000|185)
						case "last":
							binary.BigEndian.PutUint16(ip[6:], 370)
						}
						pkt := append(ip, transport(p, pp[0], pp[1])...)
						binary.BigEndian.PutUint16(pkt[2:], uint16(len(pkt)))
						add(fmt.Sprintf("ipv4 %s>%s proto %d ports %d>%d frag %q ihl %d", a[0], a[1], p, pp[0], pp[1], frag, ihl),
							append(linkHeader(lt, etherIPv4), pkt...))
					}
				}
			}
		}
		// ARP and RARP request (RFC 826) between the two addresses.
		for _, et := range []uint16{etherARP, etherRARP} {
			arp := make([]byte, 28)
			binary.BigEndian.PutUint16(arp[0:], 1)
			binary.BigEndian.PutUint16(arp[2:], etherIPv4)
			arp[4], arp[5] = 6, 4
			binary.BigEndian.PutUint16(arp[6:], 1)
			copy(arp[14:], src[:])
			copy(arp[24:], dst[:])
			add(fmt.Sprintf("arp %#x %s>%s", et, a[0], a[1]), append(linkHeader(lt, et), arp...))
		}
	}
	for _, a := range addrs6 {
		src, dst := netip.MustParseAddr(a[0]).As16(), netip.MustParseAddr(a[1]).As16()
		for _, p := range []uint8{17, 6, 132, 58} {
			for _, pp := range ports {
				for _, frag := range []string{"", "first", "later"} {
					ip := make([]byte, 40)
					ip[0] = 0x60
					ip[6] = p
					ip[7] = 64
					copy(ip[8:], src[:])
					copy(ip[24:], dst[:])
					pkt := ip
					if frag != "" {
						// RFC 8200 §4.5 fragment header.
						fh := make([]byte, 8)
						fh[0] = p
						if frag == "first" {
							binary.BigEndian.PutUint16(fh[2:], 1)
						} else {
							binary.BigEndian.PutUint16(fh[2:], 185<<3)
						}
						pkt[6] = ipv6Fragment
						pkt = append(pkt, fh...)
					}
					pkt = append(pkt, transport(p, pp[0], pp[1])...)
					binary.BigEndian.PutUint16(pkt[4:], uint16(len(pkt)-40))
					add(fmt.Sprintf("ipv6 %s>%s proto %d ports %d>%d frag %q", a[0], a[1], p, pp[0], pp[1], frag),
						append(linkHeader(lt, etherIPv6), pkt...))
				}
			}
		}
	}
	// An 802.1Q-tagged IPv4/UDP 5060 frame: libpcap matches it only with "vlan".
	udp := out[0].b[len(linkHeader(lt, 0)):]
	tagged := append(linkHeader(lt, 0x8100), 0, 100, 0x08, 0x00)
	add("vlan ipv4 udp 5060", append(tagged, udp...))
	add("lldp", append(linkHeader(lt, 0x88cc), make([]byte, 40)...))
	// Truncated frames: loads past the end reject the packet.
	full := out[0].b
	for _, n := range []int{10, 14, 16, 20, 30, 34, 36, 40, 44} {
		if n < len(full) {
			add(fmt.Sprintf("ipv4 udp 5060 cut at %d", n), full[:n])
		}
	}
	return out
}
