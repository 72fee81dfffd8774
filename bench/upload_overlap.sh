#!/usr/bin/env bash
# What converting an upload while it arrives is worth for a client slower than the loopback: the groupby
# table uploaded at RATE (curl --limit-rate) to two release calculators, one with the default
# UPLOAD_OVERLAP_AFTER (1 s) and one that never overlaps, alternately for ROUNDS rounds.
#
#   bench/upload_overlap.sh                  # RATE=200M (about 1.6 Gbit/s), 3 rounds
#   RATE=50M ROUNDS=2 bench/upload_overlap.sh
#   BENCH_NO_BUILD=1 bench/upload_overlap.sh
#
# Prints each upload's time and the calculator's split of it (receiving; converting after the last byte;
# publishing), then the medians.
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/groupby_table.sh
RATE="${RATE:-200M}"
ROUNDS="${ROUNDS:-3}"

if [ -z "${BENCH_NO_BUILD:-}" ]; then
    cargo build --release -q -p calculator --bin calculator -p engine --example groupby_gen
fi
groupby_table

PIDS=()
DIRS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "${DIRS[@]}"; }
trap cleanup EXIT

# start PORT OVERLAP_AFTER: a calculator with its own DATA_DIR (and its embedded sidecar on PORT+100).
start() {
    local dir
    port_free "$1"
    port_free "$(($1 + 100))"
    dir="$(mktemp -d)"
    DIRS+=("$dir")
    CALCULATOR_ADDR="127.0.0.1:$1" SIDECAR_ADDR="127.0.0.1:$(($1 + 100))" DATA_DIR="$dir" \
        UPLOAD_OVERLAP_AFTER="$2" LOG_FORMAT=json RUST_LOG=warn,calculator::datasets=debug \
        "$BIN/calculator" > "$OUT/overlap_$1.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 100); do curl -fsS "localhost:$1/healthz" > /dev/null 2>&1 && return; sleep 0.1; done
    echo "calculator on $1 did not start"; exit 1
}

# upload PORT: one upload at RATE, deleted again; prints the time and the calculator's split.
upload() {
    local reply seconds id split
    reply=$(curl -sS -X POST "localhost:$1/datasets?name=x" -H 'content-type: text/csv' \
        --limit-rate "$RATE" --data-binary @"$CSV" -w '\n%{time_total}')
    seconds=$(tail -n1 <<<"$reply")
    id=$(head -n1 <<<"$reply" | sed -E 's/.*"id":"([^"]+)".*/\1/')
    [ "$id" != "$(head -n1 <<<"$reply")" ] || { echo "upload failed: $reply"; exit 1; }
    curl -fsS -o /dev/null -X DELETE "localhost:$1/datasets/$id"
    split=$(grep '"upload stored"' "$OUT/overlap_$1.log" | tail -n1 | sed -E \
        's/.*"overlapped":([a-z]+),"receive_ms":([0-9]+),"convert_ms":([0-9]+),"publish_ms":([0-9]+).*/overlapped \1: receive \2 ms, convert after it \3 ms, publish \4 ms/')
    echo "$seconds ($split)"
}

start 18111 1s
start 18112 86400
echo "== $CSV ($(( $(stat -c %s "$CSV") / 1000000 )) MB) uploaded at $RATE/s, $ROUNDS rounds"
OVERLAPPED=()
RECEIVED_FIRST=()
for round in $(seq "$ROUNDS"); do
    a=$(upload 18111)
    b=$(upload 18112)
    echo "   round $round: UPLOAD_OVERLAP_AFTER=1s $a"
    echo "   round $round: never overlapped     $b"
    OVERLAPPED+=("${a%% *}")
    RECEIVED_FIRST+=("${b%% *}")
done
m1=$(median "${OVERLAPPED[@]}")
m2=$(median "${RECEIVED_FIRST[@]}")
awk -v a="$m1" -v b="$m2" 'BEGIN { printf "== summary\n   overlapped %.2fs, received first %.2fs: %.2fx\n", a, b, a / b }'
