#!/usr/bin/env bash
# Sidecar benchmark (issue 4): overhead per /ai/codegen call against a mock LLM with a fixed 200 ms latency
# (p50, p99, measured against direct calls to the mock in the same run), 2,000 concurrent codegen calls, sidecar
# RSS idle and under load. Release build in CARGO_TARGET_DIR (default target/).
#
#   bash bench/sidecar.sh      # the issue's measurement, the sidecar at its defaults
#   AI_MAX_CONCURRENCY=2000 BENCH_CONCURRENCY=4 HOLD_LATENCY_MS=3000 bash bench/sidecar.sh    # stress variant
#
# Defaults: BENCH_CALLS=400 per side, one call at a time (BENCH_CONCURRENCY=1), BENCH_BURST=2000, LATENCY_MS=200,
# and the sidecar's own AI_MAX_CONCURRENCY (64): calls beyond it wait in the sidecar, as they would in use.
# AI_MAX_CONCURRENCY=2000 forwards every call to the mock at once; BENCH_CONCURRENCY=4 sends 4 calls together.
#
# On 2 cores a 200 ms burst never has all 2,000 calls in flight at once: the first are answered before the last
# are sent (the mock reports how many it held). So a second, held phase repeats the burst against a mock that
# answers after HOLD_LATENCY_MS (1000): all 2,000 are in flight at the sidecar together (and, with
# AI_MAX_CONCURRENCY=2000 and HOLD_LATENCY_MS=3000, at the mock too: the worst case for memory).
# HOLD_LATENCY_MS=0 skips it.
#
# Both phases run once per HTTP version the sidecar speaks to the LLM (UPSTREAM_HTTP, default "1.1 2"; see
# AI_HTTP_VERSION): HTTP/1.1 as to vLLM, Ollama or LM Studio over http:// (what `auto`, the default, speaks
# there), one connection per call in flight; HTTP/2 as to OpenAI, Gemini or Azure over TLS (here by prior
# knowledge: the mock speaks both), every call a stream of one connection.
set -euo pipefail
cd "$(dirname "$0")/.."

LATENCY_MS="${LATENCY_MS:-200}"
export BENCH_CONCURRENCY="${BENCH_CONCURRENCY:-1}"
TARGET="${CARGO_TARGET_DIR:-target}"
# Thousands of sockets per process (client side, server side and the sidecar's upstream pool).
ulimit -n "$(ulimit -Hn)"

# BENCH_NO_BUILD=1 reuses the binaries already built.
if [ -z "${BENCH_NO_BUILD:-}" ]; then
  cargo build --release -p sidecar --bin sidecar --example mock_llm --example codegen_load
fi

pids=()
logs=()
# Stops this run's processes and waits for them (their ports and memory are free before the next phase).
stop() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait "${pids[@]}" 2>/dev/null || true; pids=(); }
# A failed start leaves its logs for a look; a finished run removes them.
cleanup() { stop; rm -f "${logs[@]}"; }
trap stop EXIT

# start_stack LATENCY_MS HTTP_VERSION: a mock LLM answering after LATENCY_MS and a sidecar in front of it,
# speaking HTTP_VERSION to it; sets mock_addr, sidecar_addr and sidecar_pid.
start_stack() {
  local mock_log sidecar_log
  mock_log="$(mktemp)"
  logs+=("$mock_log")
  "$TARGET/release/examples/mock_llm" 127.0.0.1:0 "$1" >"$mock_log" &
  pids+=($!)
  for _ in $(seq 100); do grep -q "listening on" "$mock_log" && break; sleep 0.05; done
  mock_addr="$(sed -n 's/^listening on //p' "$mock_log")"

  sidecar_log="$(mktemp)"
  logs+=("$sidecar_log")
  # Logs at warn: the benchmark measures the service, not the terminal.
  # AI_MAX_CONCURRENCY, _RJEM_MALLOC_CONF (jemalloc's settings, see the README) and TOKIO_WORKER_THREADS are
  # passed on when set.
  env -i PATH="$PATH" ${_RJEM_MALLOC_CONF:+_RJEM_MALLOC_CONF="$_RJEM_MALLOC_CONF"} ${TOKIO_WORKER_THREADS:+TOKIO_WORKER_THREADS="$TOKIO_WORKER_THREADS"} SIDECAR_ADDR=127.0.0.1:0 \
    LOG_FORMAT=json RUST_LOG=warn,sidecar=info \
    AI_PROVIDER=openai AI_BASE_URL="http://$mock_addr/v1" AI_MODEL=mock AI_TIMEOUT=60 \
    ${AI_MAX_CONCURRENCY:+AI_MAX_CONCURRENCY="$AI_MAX_CONCURRENCY"} AI_HTTP_VERSION="$2" \
    "$TARGET/release/sidecar" >"$sidecar_log" 2>&1 &
  sidecar_pid=$!
  pids+=("$sidecar_pid")
  # The sidecar logs its configuration at info; its address comes from the listening line.
  for _ in $(seq 100); do grep -q '"addr"' "$sidecar_log" && break; sleep 0.05; done
  sidecar_addr="$(grep -o '"addr":"[^"]*"' "$sidecar_log" | head -1 | cut -d'"' -f4)"
  if [ -z "$sidecar_addr" ]; then
    echo "the sidecar did not start; its log: $sidecar_log, the mock's: $mock_log" >&2
    exit 1
  fi
}

HOLD_LATENCY_MS="${HOLD_LATENCY_MS:-1000}"
for version in ${UPSTREAM_HTTP:-1.1 2}; do
  echo "# upstream HTTP/$version (AI_HTTP_VERSION=$version, AI_MAX_CONCURRENCY=${AI_MAX_CONCURRENCY:-64, the default})"
  start_stack "$LATENCY_MS" "$version"
  SIDECAR_URL="http://$sidecar_addr" MOCK_URL="http://$mock_addr" SIDECAR_PID="$sidecar_pid" \
    "$TARGET/release/examples/codegen_load"
  stop

  if [ "$HOLD_LATENCY_MS" != 0 ]; then
    echo
    echo "## held phase: the burst again, the mock LLM answering after ${HOLD_LATENCY_MS} ms"
    start_stack "$HOLD_LATENCY_MS" "$version"
    SIDECAR_URL="http://$sidecar_addr" MOCK_URL="http://$mock_addr" SIDECAR_PID="$sidecar_pid" BENCH_CALLS=0 \
      "$TARGET/release/examples/codegen_load" | sed -n '/^burst phase/,$p'
    stop
  fi
  echo
done
cleanup
