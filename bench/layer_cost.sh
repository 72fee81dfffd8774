#!/usr/bin/env bash
# Instructions per `POST /add` in process (no sockets), counted by callgrind, for the variants of
# calculator/examples/layer_cost.rs: the bare router (the reference), the bare router with `ApiJson`, the
# request layer per route, `app()`, and the calculator as `telemetry::serve` runs it. Instruction counts vary by
# about ±3 % between runs (hash seeds, allocator state), far less than `bench/http.sh`'s requests/s on a shared
# machine, so they show what a larger change to the request path saves. Each variant runs twice (SMALL=10000
# and LARGE=60000 requests): the difference cancels the start-up, and the long runs average out what happens
# only now and then (a hash table or slab growing).
#
#   bash bench/layer_cost.sh            # needs valgrind (Debian: apt-get install valgrind); ~5 minutes
#   LAYER_COST_BIN=path/to/layer_cost bash bench/layer_cost.sh   # another build of the example
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind is not installed (Debian: apt-get install valgrind)" >&2; exit 1; }
TARGET_DIR=${CARGO_TARGET_DIR:-target}
[ -n "${BENCH_NO_BUILD:-}${LAYER_COST_BIN:-}" ] || cargo build --release -q -p calculator --example layer_cost
bin="${LAYER_COST_BIN:-$TARGET_DIR/release/examples/layer_cost}"
SMALL=${SMALL:-10000}
LARGE=${LARGE:-60000}
workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT

# instructions ITERATIONS VARIANT: the program's total instruction count.
instructions() {
  valgrind --tool=callgrind --callgrind-out-file="$workdir/out" "$bin" "$1" "$2" >/dev/null 2>"$workdir/log"
  awk '/Collected :/ {print $4}' "$workdir/log"
}

names=("bare router, axum Json" "bare router, ApiJson" "request layer per route" "calculator app()" "calculator as served")
base=""
for variant in ${VARIANTS:-0 1 2 3 4}; do
  small=$(instructions "$SMALL" "$variant")
  large=$(instructions "$LARGE" "$variant")
  per=$(( (large - small) / (LARGE - SMALL) ))
  base=${base:-$per}
  printf '%-26s %7d instructions/request  (%+d vs the bare router)\n' "${names[$variant]}" "$per" "$((per - base))"
done
