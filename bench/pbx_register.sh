#!/usr/bin/env bash
# pbx_register.sh — REGISTER load with digest auth (SIPp, ../shared/peers/sipp-reg.sh)
# against the voiplab PBX and against the Kamailio baseline registrar, side by
# side in one run: same 100 users (200-299, password pw<ext>), same rates,
# rising to 12,000/s. Prints a markdown table per rate and, for each, the
# highest rate sustained with no failed registration, and the CPU each
# spends per successful registration (µs; 100 % CPU = one core) with the
# PBX/kamailio ratio over the rates both sustained.
# Usage: bench/pbx_register.sh [OUT_DIR]
# Environment: RATES (default "500 2000 5000 8000 10000 12000"), BENCH_SECONDS
#   (per run, default 10), PBX_PORT (5090), KAM_PORT (5070), VOIPLAB (a built
#   voiplab binary; default: go build ./cmd/voiplab), PEERS (default
#   ../shared/peers), PBX_ONLY=1 (skip kamailio), LOG_LEVEL (PBX, default error).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
PEERS="${PEERS:-$(cd "$REPO/../shared/peers" && pwd)}"
OUT="${1:-$(mktemp -d /tmp/pbx-bench.XXXXXX)}"
mkdir -p "$OUT"
RATES="${RATES:-500 2000 5000 8000 10000 12000}"
SECS="${BENCH_SECONDS:-10}"
PBX_PORT="${PBX_PORT:-5090}"
KAM_PORT="${KAM_PORT:-5070}"
HZ=$(getconf CLK_TCK)

if [ -z "${VOIPLAB:-}" ]; then
  VOIPLAB="$OUT/voiplab"
  (cd "$REPO" && go build -o "$VOIPLAB" ./cmd/voiplab)
fi
if ! "$VOIPLAB" pbx serve --help >/dev/null 2>&1; then
  echo "error: $VOIPLAB has no 'pbx serve' command" >&2; exit 1
fi

# PBX configuration: the same users and passwords as kamailio's subscriber table.
{
  echo "domain: 127.0.0.1"
  echo "listen: { udp: \"127.0.0.1:$PBX_PORT\", tcp: \"127.0.0.1:$PBX_PORT\" }"
  echo "data_dir: $OUT/pbx-data"
  echo "admin: { addr: \"\" }"
  echo "drain_time: 0s"
  echo "extensions:"
  for ext in $(seq 200 299); do echo "  - { number: \"$ext\", password: \"pw$ext\" }"; done
} > "$OUT/pbx.yaml"
rm -rf "$OUT/pbx-data"

PBX_PID="" KAM_STARTED=0
finish() {
  if [ -n "$PBX_PID" ]; then kill -TERM "$PBX_PID" 2>/dev/null || true; wait "$PBX_PID" 2>/dev/null || true; fi
  if [ "$KAM_STARTED" = 1 ]; then PORT="$KAM_PORT" "$PEERS/kamailio-registrar/stop.sh" >/dev/null || true; fi
}
trap finish EXIT
trap 'exit 130' INT TERM

"$VOIPLAB" --log-level "${LOG_LEVEL:-error}" pbx serve --config "$OUT/pbx.yaml" > "$OUT/pbx.log" 2>&1 &
PBX_PID=$!
for _ in $(seq 1 100); do ss -lun 2>/dev/null | grep -q "127.0.0.1:$PBX_PORT " && break; sleep 0.1; done
ss -lun | grep -q "127.0.0.1:$PBX_PORT " || { echo "PBX did not start:" >&2; cat "$OUT/pbx.log" >&2; exit 1; }

if [ "${PBX_ONLY:-0}" != 1 ]; then
  PORT="$KAM_PORT" "$PEERS/kamailio-registrar/stop.sh" >/dev/null || true
  PORT="$KAM_PORT" "$PEERS/kamailio-registrar/start.sh" >/dev/null
  KAM_STARTED=1
  KAM_PID="$(cat "/tmp/kamailio-registrar-$KAM_PORT/kamailio.pid")"
fi

ticks() { # CPU ticks of a process and its children
  local t=0 p
  for p in "$1" $(pgrep -P "$1" || true); do
    [ -r "/proc/$p/stat" ] && t=$(( t + $(awk '{ print $14 + $15 }' "/proc/$p/stat") ))
  done
  echo "$t"
}
field() { awk -F= -v k="$1" '$1 == k { print $2 }'; }

run() { # name pid port rate -> "achieved failed resp_ms cpu% retrans cpu_us_per_registration"
  local name="$1" pid="$2" port="$3" rate="$4" t0 t1 out el
  t0=$(ticks "$pid")
  out=$("$PEERS/sipp-reg.sh" "127.0.0.1:$port" 100 "$rate" "$SECS" || true)
  t1=$(ticks "$pid")
  echo "$out" | tail -1 | sed "s/^{/{\"target_name\":\"$name\",/" >> "$OUT/raw.jsonl"
  el=$(echo "$out" | field elapsed_s)
  printf '%s %s %s %s %s %s\n' "$(echo "$out" | field achieved_rate)" "$(echo "$out" | field failed)" \
    "$(echo "$out" | field resp_time1_mean_ms)" \
    "$(awk -v a="$t0" -v b="$t1" -v hz="$HZ" -v e="$el" 'BEGIN { printf "%.0f", (e > 0 ? (b - a) / hz / e * 100 : 0) }')" \
    "$(echo "$out" | field retransmissions)" \
    "$(awk -v a="$t0" -v b="$t1" -v hz="$HZ" -v n="$(echo "$out" | field successful)" 'BEGIN { printf "%.0f", (n > 0 ? (b - a) / hz / n * 1e6 : 0) }')"
}

echo "# REGISTER with digest (401 + authenticated REGISTER), 100 users, ${SECS}s per rate, $(nproc) cores, $(date -u +%FT%TZ)"
echo
echo "| offered reg/s | PBX achieved | PBX failed | PBX resp ms | PBX CPU % | PBX CPU µs/reg | PBX retrans | kamailio achieved | kamailio failed | kamailio resp ms | kamailio CPU % | kamailio CPU µs/reg | kamailio retrans |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
best_pbx=0 best_kam=0 us_pbx=0 us_kam=0
for r in $RATES; do
  read -r pa pf pr pc pt pu < <(run pbx "$PBX_PID" "$PBX_PORT" "$r")
  [ "${pf:-1}" = 0 ] && [ "$r" -gt "$best_pbx" ] && best_pbx=$r
  sleep 1
  if [ "$KAM_STARTED" = 1 ]; then
    read -r ka kf kr kc kt ku < <(run kamailio "$KAM_PID" "$KAM_PORT" "$r")
    [ "${kf:-1}" = 0 ] && [ "$r" -gt "$best_kam" ] && best_kam=$r
    if [ "${pf:-1}" = 0 ] && [ "${kf:-1}" = 0 ]; then us_pbx=$((us_pbx + pu)) us_kam=$((us_kam + ku)); fi
    sleep 1
  else
    ka=- kf=- kr=- kc=- kt=- ku=-
  fi
  echo "| $r | $pa | $pf | $pr | $pc | $pu | $pt | $ka | $kf | $kr | $kc | $ku | $kt |"
done
echo
echo "highest offered rate sustained with no failures: voiplab PBX ${best_pbx}/s, kamailio ${best_kam}/s"
[ "$us_kam" -gt 0 ] && awk -v p="$us_pbx" -v k="$us_kam" 'BEGIN { printf "CPU per registration, PBX/kamailio, summed over the rates both sustained: %.2f\n", p / k }'
true
grep -c . "$OUT/pbx.log" >/dev/null 2>&1 && echo "PBX log: $OUT/pbx.log; raw SIPp results: $OUT/raw.jsonl"
