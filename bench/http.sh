#!/usr/bin/env bash
# Throughput of the calculator's POST /add — tracing on (JSON lines at info to a file), the trace-id layer, the
# error envelope and the body limit all on, as `cargo run --release` serves it — against a bare axum handler
# with no middleware (calculator/examples/bare_add.rs), under the same wrk load, alternating rounds in one run.
# Target: calculator >= 0.85x the bare handler's requests/s.
#
# Both servers are pinned to core 0 (so each runs one Tokio worker: the same runtime flavour and thread count)
# and wrk to the other cores. Requests/s moves with whatever else the machine runs; the CPU time each server
# spends per request is much steadier, so it is printed too, with the load average before and after.
#
# Usage: bench/http.sh            (DURATION=10s CONNECTIONS=32 ROUNDS=5 to change the load)
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
ROUNDS=${ROUNDS:-5}
command -v wrk >/dev/null || { echo "wrk is not installed (Debian: apt-get install wrk)" >&2; exit 1; }
TARGET_DIR=${CARGO_TARGET_DIR:-target}

[ -n "${BENCH_NO_BUILD:-}" ] || cargo build --release -q -p calculator --bin calculator --example bare_add

workdir=$(mktemp -d)
cleanup() { kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$workdir"; }
trap cleanup EXIT

pin_server=(); pin_load=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  pin_server=(taskset -c 0); pin_load=(taskset -c "1-$(($(nproc) - 1))")
fi

BARE_ADDR=127.0.0.1:18100 "${pin_server[@]}" "$TARGET_DIR/release/examples/bare_add" &
bare_pid=$!
DATA_DIR="$workdir/data" LOG_FORMAT=json RUST_LOG="${CALCULATOR_RUST_LOG:-info}" CALCULATOR_ADDR=127.0.0.1:18200 \
  SIDECAR_ADDR=127.0.0.1:18201 "${pin_server[@]}" "$TARGET_DIR/release/calculator" > "$workdir/calculator.log" 2>&1 &
calculator_pid=$!

for url in http://127.0.0.1:18100/add http://127.0.0.1:18200/add; do
  for _ in $(seq 100); do
    curl -sf -o /dev/null -H 'content-type: application/json' -d '{"a":1,"b":2}' "$url" && break
    sleep 0.1
  done
done
# The comparison is only fair if both answer the same body; the calculator adds its trace id header.
for url in http://127.0.0.1:18100/add http://127.0.0.1:18200/add; do
  echo "$url -> $(curl -s -D - -H 'content-type: application/json' -d '{"a": 1.5, "b": 2.25}' "$url" \
    | tr -d '\r' | grep -iE '^(x-trace-id|content-type):|^\{' | sort | tr '\n' ' ')" >&2
done
threads() { awk '/^Threads:/ {print $2}' "/proc/$1/status"; }
echo "threads: bare $(threads "$bare_pid"), calculator $(threads "$calculator_pid") (with the embedded sidecar)" >&2

# CPU time (user + system, in clock ticks) a process has used.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# run URL PID: one wrk run; prints wrk's JSON summary with the server's CPU ticks during it added.
run() {
  local before after summary
  before=$(cpu_ticks "$2")
  summary=$("${pin_load[@]}" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" -s bench/add.lua "$1" | tail -n 1)
  after=$(cpu_ticks "$2")
  echo "${summary%\}}, \"cpu_ticks\": $((after - before))}"
}

# Warm-up (connections, allocator, caches), not counted.
for url in http://127.0.0.1:18100/add http://127.0.0.1:18200/add; do
  "${pin_load[@]}" wrk -t1 -c"$CONNECTIONS" -d2s -s bench/add.lua "$url" > /dev/null
done

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
: > "$workdir/results"
for round in $(seq "$ROUNDS"); do
  # Alternate which server goes first, so that a trend in the machine's load favours neither.
  if [ $((round % 2)) -eq 1 ]; then order="bare calculator"; else order="calculator bare"; fi
  for name in $order; do
    if [ "$name" = bare ]; then url=http://127.0.0.1:18100/add; pid=$bare_pid
    else url=http://127.0.0.1:18200/add; pid=$calculator_pid; fi
    echo "$name $(run "$url" "$pid")" >> "$workdir/results"
  done
  echo "round $round done" >&2
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$workdir/results" "$workdir/calculator.log" "$(getconf CLK_TCK)" "$load_before" "$load_after" <<'PY'
import json, statistics, sys
tick_us = 1e6 / int(sys.argv[3])
runs = {}
for line in open(sys.argv[1]):
    name, data = line.split(" ", 1)
    runs.setdefault(name, []).append(json.loads(data))
log_lines = sum(1 for _ in open(sys.argv[2]))
for rs in runs.values():
    for r in rs:
        r["cpu_us_per_req"] = r["cpu_ticks"] * tick_us / max(r["requests"], 1)
def med(name, key):
    return statistics.median(r[key] for r in runs[name])
print(f"{'server':<12}{'req/s':>10}{'p50 µs':>9}{'p99 µs':>9}{'CPU µs/req':>12}{'bytes/resp':>12}{'errors':>8}")
for name in ("bare", "calculator"):
    print(f"{name:<12}{med(name,'rps'):>10.0f}{med(name,'p50_us'):>9.0f}{med(name,'p99_us'):>9.0f}"
          f"{med(name,'cpu_us_per_req'):>12.2f}{med(name,'bytes_per_response'):>12.0f}"
          f"{sum(r['errors'] for r in runs[name]):>8}")
rounds = len(runs["bare"])
ratios = [c["rps"] / b["rps"] for b, c in zip(runs["bare"], runs["calculator"])]
ratio = med("calculator", "rps") / med("bare", "rps")
cpu_ratio = med("bare", "cpu_us_per_req") / med("calculator", "cpu_us_per_req")
print(f"throughput ratio calculator/bare = {ratio:.3f} (medians of {rounds} alternating rounds; per round: "
      f"{', '.join(f'{r:.2f}' for r in ratios)}; target >= 0.85)")
print(f"CPU-per-request ratio bare/calculator = {cpu_ratio:.3f} (the same comparison, steadier under other load)")
print(f"load average before {sys.argv[4]}, after {sys.argv[5]}; the calculator wrote {log_lines} JSON log lines")
PY
