#!/usr/bin/env bash
# bench/analyze.sh — analysis speed of voiplab against tshark on the same
# synthetic capture (Bench: overlapping G.711 calls, about a million packets).
#
#   bench/analyze.sh            # 2000 calls
#   CALLS=500 bench/analyze.sh  # smaller run
#   VOIPLAB=/path/to/voiplab bench/analyze.sh
#
# Needs ./bin/voiplab (make build), tshark, capinfos and GNU time
# (/usr/bin/time). Installs nothing. Prints, for each tool: packets, wall
# time, packets per second and peak RSS, then the speed ratio.
set -euo pipefail

cd "$(dirname "$0")/.."
VOIPLAB=${VOIPLAB:-./bin/voiplab}
CALLS=${CALLS:-2000}

need() {
	if ! command -v "$1" >/dev/null 2>&1 && [[ ! -x $1 ]]; then
		echo "bench/analyze.sh: $1 not found${2:+ ($2)}" >&2
		exit 1
	fi
}
need "$VOIPLAB" "run make build"
need tshark
need capinfos
need /usr/bin/time "GNU time"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
FILE=$TMP/bench.pcapng

echo "generating $CALLS calls..." >&2
"$VOIPLAB" synth bench -o "$FILE" --calls "$CALLS"
packets=$(capinfos -M -c -T -r "$FILE" | awk -F'\t' 'NF >= 2 {print $2; exit}')
size=$(du -m "$FILE" | cut -f1)
echo "capture: $packets packets, $size MiB" >&2

# measure NAME CMD...: runs CMD under GNU time, keeps wall seconds and peak
# RSS (KiB) in the globals wall_NAME / rss_NAME.
measure() {
	local name=$1
	shift
	local log=$TMP/$name.time
	if ! /usr/bin/time -v -o "$log" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"; then
		echo "bench/analyze.sh: $name failed:" >&2
		tail -5 "$TMP/$name.err" >&2
		exit 1
	fi
	# "Elapsed (wall clock) time (h:mm:ss or m:ss): 0:01.23"
	local elapsed
	elapsed=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log")
	printf -v "wall_$name" '%s' "$(awk -v t="$elapsed" 'BEGIN {
		n = split(t, p, ":"); s = 0
		for (i = 1; i <= n; i++) s = s * 60 + p[i]
		printf "%.3f", s }')"
	printf -v "rss_$name" '%s' "$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")"
	printf -v "cpu_$name" '%s' "$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.3f", s}' "$log")"
}

# The capture was just written: let it reach the disk, then read it once so
# that neither tool pays for the first read from disk.
sync
cat "$FILE" >/dev/null

# best of RUNS runs (default 3) per tool: the fastest wall time, with its CPU and peak memory
RUNS=${RUNS:-3}
best() {
	local name=$1
	shift
	local bw="" br="" bc=""
	for _ in $(seq "$RUNS"); do
		measure "$name" "$@"
		local w r c
		w=$(eval echo "\$wall_$name") r=$(eval echo "\$rss_$name") c=$(eval echo "\$cpu_$name")
		if [[ -z $bw ]] || awk -v a="$w" -v b="$bw" 'BEGIN { exit !(a < b) }'; then
			bw=$w br=$r bc=$c
		fi
	done
	printf -v "wall_$name" '%s' "$bw"
	printf -v "rss_$name" '%s' "$br"
	printf -v "cpu_$name" '%s' "$bc"
}
best voiplab "$VOIPLAB" analyze --json -o /dev/null "$FILE"
# the same on one core: voiplab reads ahead on a second goroutine
best voiplab1 env GOMAXPROCS=1 taskset -c 0 "$VOIPLAB" analyze --json -o /dev/null "$FILE"
best tshark tshark -n -q -r "$FILE" -o rtp.heuristic_rtp:TRUE -z rtp,streams -z sip,stat

row() { # name wall rss cpu
	awk -v n="$1" -v p="$packets" -v w="$2" -v r="$3" -v c="$4" 'BEGIN {
		printf "%-8s %10d %9.2f %8.2f %12.0f %10.1f\n", n, p, w, c, (w > 0 ? p / w : 0), r / 1024 }'
}
printf '%-8s %10s %9s %8s %12s %10s\n' tool packets wall_s cpu_s packets/s peak_MiB
row voiplab "$wall_voiplab" "$rss_voiplab" "$cpu_voiplab"
row "1 core" "$wall_voiplab1" "$rss_voiplab1" "$cpu_voiplab1"
row tshark "$wall_tshark" "$rss_tshark" "$cpu_tshark"
awk -v v="$wall_voiplab" -v t="$wall_tshark" 'BEGIN {
	if (v > 0) printf "speed ratio: voiplab is %.1fx tshark (tshark %.2f s / voiplab %.2f s)\n", t / v, t, v }'
awk -v v="$wall_voiplab1" -v t="$wall_tshark" 'BEGIN {
	if (v > 0) printf "on one core: voiplab is %.1fx tshark (tshark %.2f s / voiplab %.2f s)\n", t / v, t, v }'
