#!/usr/bin/env bash
# Throughput of the calculator's POST /add — with tracing, the trace-id layer and the error envelope on, logging
# every request at info as JSON to a file — against a bare axum handler with no middleware, under the same wrk
# load, alternating rounds in one run. Target: calculator >= 0.85x the bare handler's requests/s.
#
# Usage: bench/http.sh            (DURATION=10s CONNECTIONS=32 ROUNDS=3 to change the load)
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
ROUNDS=${ROUNDS:-3}
command -v wrk >/dev/null || { echo "wrk is not installed (Debian: apt-get install wrk)" >&2; exit 1; }
TARGET_DIR=${CARGO_TARGET_DIR:-target}

cargo build --release -q -p calculator --bin calculator --example bare_add

workdir=$(mktemp -d)
cleanup() { kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$workdir"; }
trap cleanup EXIT

# With two or more cores, servers share core 0 and wrk gets the rest, so load generation does not starve them.
pin_server=(); pin_load=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  pin_server=(taskset -c 0); pin_load=(taskset -c "1-$(($(nproc) - 1))")
fi

BARE_ADDR=127.0.0.1:18100 "${pin_server[@]}" "$TARGET_DIR/release/examples/bare_add" &
bare_pid=$!
LOG_FORMAT=json RUST_LOG=info CALCULATOR_ADDR=127.0.0.1:18200 SIDECAR_ADDR=127.0.0.1:18201 \
  "${pin_server[@]}" "$TARGET_DIR/release/calculator" > "$workdir/calculator.log" 2>&1 &
calculator_pid=$!

for url in http://127.0.0.1:18100/add http://127.0.0.1:18200/add; do
  for _ in $(seq 100); do
    curl -sf -o /dev/null -H 'content-type: application/json' -d '{"a":1,"b":2}' "$url" && break
    sleep 0.1
  done
done

# CPU time (user + system, in clock ticks) a process has used: per request, it is a figure that other load on
# the machine disturbs far less than requests/s.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# run URL PID: one wrk run; prints wrk's JSON summary with the server's CPU ticks during it added.
run() {
  local before after
  before=$(cpu_ticks "$2")
  local summary
  summary=$("${pin_load[@]}" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" -s bench/add.lua "$1" | tail -n 1)
  after=$(cpu_ticks "$2")
  echo "${summary%\}}, \"cpu_ticks\": $((after - before))}"
}

: > "$workdir/results"
for round in $(seq "$ROUNDS"); do
  echo "bare $(run http://127.0.0.1:18100/add "$bare_pid")" >> "$workdir/results"
  echo "calculator $(run http://127.0.0.1:18200/add "$calculator_pid")" >> "$workdir/results"
  echo "round $round done" >&2
done

python3 - "$workdir/results" "$workdir/calculator.log" "$(getconf CLK_TCK)" <<'PY'
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
print(f"{'server':<12}{'req/s':>12}{'p50 µs':>10}{'p99 µs':>10}{'CPU µs/req':>12}{'errors':>8}")
for name in ("bare", "calculator"):
    print(f"{name:<12}{med(name,'rps'):>12.0f}{med(name,'p50_us'):>10.0f}{med(name,'p99_us'):>10.0f}"
          f"{med(name,'cpu_us_per_req'):>12.2f}{sum(r['errors'] for r in runs[name]):>8}")
ratio = med("calculator", "rps") / med("bare", "rps")
cpu_ratio = med("bare", "cpu_us_per_req") / med("calculator", "cpu_us_per_req")
print(f"throughput ratio calculator/bare = {ratio:.3f} (median of {len(runs['bare'])} alternating rounds; "
      f"target >= 0.85)")
print(f"CPU-per-request ratio bare/calculator = {cpu_ratio:.3f} (the same comparison, less sensitive to other "
      f"load on the machine); calculator wrote {log_lines} JSON log lines")
PY
