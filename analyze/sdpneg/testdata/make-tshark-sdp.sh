#!/bin/sh
# Regenerates tshark-sdp.tsv: for every SIP message that carries SDP in the
# corpus captures, what tshark 4.0 decodes from its SDP. One row per frame:
#   file  frame  m-lines  c-lines  rtpmap attributes
# (multiple values joined by "|"). corpus_test.go compares Parse with it.
# Usage: testdata/make-tshark-sdp.sh [corpus dir]  (default ../../../shared/corpus)
set -eu
corpus=${1:-../../../shared/corpus}
for f in "$corpus"/pcaps/*.pcap "$corpus"/pcaps/*.pcapng; do
	opts="-n"
	case "$f" in *heplify_sip_ipv4_tcp_fragmented.pcap) opts="-n -d tcp.port==6060,sip" ;; esac
	tshark $opts -r "$f" -Y 'sip && sdp' -T fields -E occurrence=a -E aggregator='|' \
		-e frame.number -e sdp.media -e sdp.connection_info -e sdp.media_attr 2>/dev/null |
	while IFS='	' read -r frame media conn attrs; do
		rtpmaps=$(printf '%s' "$attrs" | tr '|' '\n' | grep '^rtpmap:' | paste -sd'|' -)
		printf '%s\t%s\t%s\t%s\t%s\n' "$(basename "$f")" "$frame" "$media" "$conn" "$rtpmaps"
	done
done
