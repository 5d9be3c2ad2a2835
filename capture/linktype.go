package capture

// Link types (https://www.tcpdump.org/linktypes.html) that Reader decodes.
const (
	linkNull      = 0
	linkEthernet  = 1
	linkRawDLT12  = 12 // DLT_RAW on most BSDs
	linkRawDLT14  = 14 // DLT_RAW on OpenBSD
	linkRaw       = 101
	linkLoop      = 108
	linkLinuxSLL  = 113
	linkIPv4      = 228
	linkIPv6      = 229
	linkLinuxSLL2 = 276
)

func supportedLink(lt uint16) bool {
	return linkName(lt) != ""
}

// linkName returns the name "capinfos -M" gives a link type (Wireshark's
// encapsulation short names), or "" for one we do not decode.
func linkName(lt uint16) string {
	switch lt {
	case linkNull:
		return "null"
	case linkEthernet:
		return "ether"
	case linkRawDLT12, linkRawDLT14, linkRaw:
		return "rawip"
	case linkLoop:
		return "loop"
	case linkLinuxSLL:
		return "linux-sll"
	case linkIPv4:
		return "rawip4"
	case linkIPv6:
		return "rawip6"
	case linkLinuxSLL2:
		return "linux-sll2"
	}
	return ""
}
