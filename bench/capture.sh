#!/usr/bin/env bash
# bench/capture.sh — live capture speed of `voiplab capture` against dumpcap
# on the loopback interface: the same bounded bursts of RTP-like UDP packets
# (bench/rtpburst: 172-byte G.711-sized packets, paced, loopback only, count-
# and time-bounded) are captured by each tool in turn, writing pcapng with the
# same filter and the same 32 MiB kernel buffer. Prints, per rate and tool:
# packets sent, captured, dropped (kernel), captured packets per second.
# Target (issue 5): no drops at 200,000 packets/s and at least dumpcap's rate.
#
#   sudo bench/capture.sh                     # rates 100k, 200k and max (0), 5 s each
#   RATES="200000" SECONDS_PER_RUN=10 sudo bench/capture.sh
#   VOIPLAB=/path/to/voiplab sudo bench/capture.sh
#
# Needs root (live capture), dumpcap (Debian tshark/wireshark-common) and Go.
# Rows: dumpcap; voiplab (-w only); voiplab --live (also analyses every packet).
set -euo pipefail

cd "$(dirname "$0")/.."
RATES=${RATES:-"100000 200000 0"}
SECS=${SECONDS_PER_RUN:-5}
PORT=${PORT:-40000}
FILTER="udp port $PORT"

[[ $(id -u) == 0 ]] || { echo "bench/capture.sh: needs root (live capture)" >&2; exit 1; }
command -v dumpcap >/dev/null || { echo "bench/capture.sh: dumpcap not found" >&2; exit 1; }

TMP=$(mktemp -d)
CAP_PID=""
# A network namespace of its own: its lo carries only the burst, whatever
# else runs on the machine.
NS=vlcapbench$$
cleanup() {
	[[ -n $CAP_PID ]] && kill "$CAP_PID" 2>/dev/null || true
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT
ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
IN=(ip netns exec "$NS")

go build -o "$TMP/rtpburst" ./bench/rtpburst
VOIPLAB=${VOIPLAB:-./bin/voiplab}
if ! [[ -x $VOIPLAB ]] || ! "$VOIPLAB" capture --help >/dev/null 2>&1; then
	# Build one; until root.go registers the capture command, with an overlay
	# that adds it.
	VOIPLAB=$TMP/voiplab
	if grep -q 'newCaptureCmd(' cmd/voiplab/root.go; then
		go build -o "$VOIPLAB" ./cmd/voiplab
	else
		sed 's/root.AddCommand(/root.AddCommand(newCaptureCmd(g), /' cmd/voiplab/root.go >"$TMP/root.go"
		printf '{"Replace":{"%s":"%s"}}' "$PWD/cmd/voiplab/root.go" "$TMP/root.go" >"$TMP/overlay.json"
		go build -overlay "$TMP/overlay.json" -o "$VOIPLAB" ./cmd/voiplab
	fi
fi

# run TOOL RATE COUNT: capture while one burst is sent; prints one table row.
run() {
	local tool=$1 rate=$2 count=$3 out=$TMP/cap.pcapng log=$TMP/cap.log
	rm -f "$out"
	case $tool in
	dumpcap) "${IN[@]}" dumpcap -q -i lo -f "$FILTER" -B 32 -w "$out" >"$log" 2>&1 & ;;
	voiplab) "${IN[@]}" "$VOIPLAB" capture -i lo --filter "$FILTER" --buffer 32 -w "$out" >/dev/null 2>"$log" & ;;
	voiplab-live) "${IN[@]}" "$VOIPLAB" capture -i lo --filter "$FILTER" --buffer 32 -w "$out" --live >/dev/null 2>"$log" & ;;
	esac
	CAP_PID=$!
	# Ready when the tool says it captures (voiplab says so once the filter
	# is attached), then a margin.
	for _ in $(seq 1 100); do
		grep -qi 'capturing on' "$log" 2>/dev/null && break
		sleep 0.1
	done
	sleep 0.5
	local burst
	burst=$("${IN[@]}" "$TMP/rtpburst" -dst "127.0.0.1:$PORT" -rate "$rate" -count "$count" -max-time $((SECS * 3))s)
	sleep 1
	kill -INT "$CAP_PID"
	wait "$CAP_PID" || true
	CAP_PID=""
	local sent secs captured dropped
	sent=$(sed -E 's/.*sent=([0-9]+).*/\1/' <<<"$burst")
	secs=$(sed -E 's/.*seconds=([0-9.]+).*/\1/' <<<"$burst")
	if [[ $tool == dumpcap ]]; then
		captured=$(grep -oE 'Packets captured: [0-9]+' "$log" | grep -oE '[0-9]+$' || echo 0)
		dropped=$(grep -oE "received/dropped on interface '.*': [0-9]+/[0-9]+" "$log" | sed -E 's|.*/||' || echo "?")
	else
		captured=$(grep -oE '[0-9]+ packets captured' "$log" | grep -oE '^[0-9]+' || echo 0)
		dropped=$(grep -oE '[0-9]+ dropped by kernel' "$log" | grep -oE '^[0-9]+' || echo "?")
	fi
	awk -v t="$tool" -v r="$rate" -v s="$sent" -v c="$captured" -v d="$dropped" -v e="$secs" \
		'BEGIN { printf "| %-12s | %8s | %9d | %8.0f | %9d | %7s | %10.0f | %6.2f %% |\n", t, r == 0 ? "max" : r, s, s / e, c, d, c / e, 100 * c / s }'
}

echo "capture benchmark on lo: $(nproc) CPUs, $SECS s per burst, filter \"$FILTER\", 32 MiB kernel buffer"
echo "voiplab: $VOIPLAB; dumpcap: $(dumpcap --version 2>/dev/null | head -1)"
echo
echo "The sender and the capture share the CPUs: 'sent/s' is the rate the sender achieved while"
echo "that tool captured (on loopback the kernel's receive path runs in the sender's context)."
echo
echo "| tool         |   target |      sent |   sent/s |  captured | dropped | captured/s | kept     |"
echo "|--------------|----------|-----------|----------|-----------|---------|------------|----------|"
for rate in $RATES; do
	count=$((rate * SECS))
	[[ $rate == 0 ]] && count=$((300000 * SECS))
	for tool in dumpcap voiplab voiplab-live; do
		run "$tool" "$rate" "$count"
	done
done
