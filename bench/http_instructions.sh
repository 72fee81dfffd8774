#!/usr/bin/env bash
# User-space work per `POST /add` over real HTTP, for the calculator as `cargo run --release` serves it (tracing
# at info writing JSON lines, the trace-id layer, the error envelope, the body limit) and for the bare axum
# handler (calculator/examples/bare_add.rs), each run under callgrind with its cache simulation and sent the
# same fixed number of requests over the same number of keep-alive connections (bench/http_client.py).
#
# The deterministic companion of bench/http.sh: on a shared 2-core VM, wrk's requests/s for the same two
# binaries moves by ±30 % from one 10-second round to the next, while these counts move by about 1 %. Everything
# in user space is counted — hyper's parsing, Tokio, routing, the middleware, the handler, serde — and nothing
# in the kernel (both servers make the same system calls per request: one recvfrom, one writev). Warm-up
# requests are sent before the counters are zeroed.
#
# Instructions alone flatter the calculator: its extra code also pushes hyper's and Tokio's out of the 32 KiB
# instruction cache between requests. So the cache misses are counted too, and combined the way callgrind's
# own cycle estimate does (instructions + 10 per L1 miss + 100 per last-level miss); that estimate's ratio is
# the one that tracks bench/http.sh's CPU-per-request ratio.
#
#   bash bench/http_instructions.sh          # needs valgrind and python3; ~1 minute after the build
#   REQUESTS=6400 CONNECTIONS=32 bash bench/http_instructions.sh
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind is not installed (Debian: apt-get install valgrind)" >&2; exit 1; }
TARGET_DIR=${CARGO_TARGET_DIR:-target}
[ -n "${BENCH_NO_BUILD:-}" ] || cargo build --release -q -p calculator --bin calculator --example bare_add
REQUESTS=${REQUESTS:-3200}
CONNECTIONS=${CONNECTIONS:-32}
workdir=$(mktemp -d)
cleanup() { kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$workdir"; }
trap cleanup EXIT

# count NAME PORT COMMAND...: callgrind's event totals (one line) for REQUESTS requests to COMMAND on PORT.
count() {
  local name=$1 port=$2
  shift 2
  valgrind --tool=callgrind --cache-sim=yes --callgrind-out-file="$workdir/$name.%p" "$@" \
    > "$workdir/$name.log" 2>&1 &
  local pid=$!
  for _ in $(seq 600); do
    curl -sf -o /dev/null -H 'content-type: application/json' -d '{"a":1,"b":2}' "http://127.0.0.1:$port/add" && break
    sleep 0.2
  done
  python3 bench/http_client.py 127.0.0.1 "$port" 500 "$CONNECTIONS"
  callgrind_control --zero "$pid" > /dev/null 2>&1
  python3 bench/http_client.py 127.0.0.1 "$port" "$REQUESTS" "$CONNECTIONS"
  callgrind_control --dump "$pid" > /dev/null 2>&1
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  # The dump after zeroing: an `events:` line naming the counters and a `summary:` line with their totals.
  cat "$workdir/$name.$pid".* | grep -E '^(events|summary):' | tr '\n' ' '
}

bare=$(BARE_ADDR=127.0.0.1:18100 count bare 18100 "$TARGET_DIR/release/examples/bare_add")
calculator=$(DATA_DIR="$workdir/data" LOG_FORMAT=json RUST_LOG="${CALCULATOR_RUST_LOG:-info}" CALCULATOR_ADDR=127.0.0.1:18200 \
  SIDECAR_ADDR=127.0.0.1:18201 count calculator 18200 "$TARGET_DIR/release/calculator")
python3 - "$REQUESTS" "$CONNECTIONS" "$bare" "$calculator" <<'PY'
import sys
requests, connections = int(sys.argv[1]), int(sys.argv[2])

def per_request(dump):
    words = dump.split()
    events = words[words.index("events:") + 1 : words.index("summary:")]
    totals = dict(zip(events, map(int, words[words.index("summary:") + 1 :])))
    if totals.get("Ir", 0) == 0:
        sys.exit(f"no instructions counted: {dump!r}")
    l1 = totals["I1mr"] + totals["D1mr"] + totals["D1mw"]
    last = totals["ILmr"] + totals["DLmr"] + totals["DLmw"]
    return {"Ir": totals["Ir"] / requests, "I1mr": totals["I1mr"] / requests,
            "D1m": (totals["D1mr"] + totals["D1mw"]) / requests,
            "cycles": (totals["Ir"] + 10 * l1 + 100 * last) / requests}

bare, calc = per_request(sys.argv[3]), per_request(sys.argv[4])
print(f"user-space work per POST /add over HTTP ({requests} requests, {connections} connections):")
print(f"{'':<20}{'instructions':>14}{'I1 misses':>11}{'D1 misses':>11}{'est. cycles':>13}")
for name, row in (("bare axum handler", bare), ("calculator", calc)):
    print(f"{name:<20}{row['Ir']:>14.0f}{row['I1mr']:>11.0f}{row['D1m']:>11.0f}{row['cycles']:>13.0f}")
print(f"ratio bare/calculator: {bare['Ir'] / calc['Ir']:.3f} by instructions, "
      f"{bare['cycles'] / calc['cycles']:.3f} by estimated cycles (target >= 0.85 for throughput)")
PY
