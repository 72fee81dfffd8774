#!/usr/bin/env bash
# Analyze benchmark: what the calculator and the sidecar add to one `POST /datasets/{id}/analyze` beyond the LLM's
# time and the query's time. The whole stack runs in release (the calculator with its embedded sidecar and its
# engine workers), the LLM is the sidecar's mock with a fixed latency, and the dataset is seaborn's titanic.csv.
#
#   overhead = p50(analyze) - LLM latency - p50(the same SQL through POST /datasets/{id}/query)
#
# Both latencies are measured by the same client in the same run, alternating. Target: overhead <= 5 ms at p50.
#
#   bash bench/analyze.sh            # CALLS=200 LATENCY_MS=100
set -euo pipefail
cd "$(dirname "$0")/.."

CALLS="${CALLS:-200}"
LATENCY_MS="${LATENCY_MS:-100}"
TARGET="${CARGO_TARGET_DIR:-target}"
CSV="../shared/corpora/csv/seaborn-data/titanic.csv"
[ -f "$CSV" ] || { echo "skipped: $CSV is absent (the shared corpora are needed for this benchmark)"; exit 0; }

# BENCH_NO_BUILD=1 reuses the binaries already built (one `cargo build` per package set rebuilds polars when
# the features unify differently).
if [ -z "${BENCH_NO_BUILD:-}" ]; then
  cargo build --release -q -p calculator --bin calculator -p sidecar --example mock_llm
fi

work="$(mktemp -d)"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

"$TARGET/release/examples/mock_llm" 127.0.0.1:0 "$LATENCY_MS" >"$work/mock.log" &
pids+=($!)
for _ in $(seq 100); do grep -q "listening on" "$work/mock.log" && break; sleep 0.05; done
mock_addr="$(sed -n 's/^listening on //p' "$work/mock.log")"

# Logs at info as JSON to a file: the benchmark measures the services as they are run, not a terminal.
env -i PATH="$PATH" HOME="$HOME" CALCULATOR_ADDR=127.0.0.1:18300 SIDECAR_ADDR=127.0.0.1:18301 \
  DATA_DIR="$work/data" LOG_FORMAT=json RUST_LOG=info \
  AI_PROVIDER=openai AI_BASE_URL="http://$mock_addr/v1" AI_MODEL=mock AI_REVIEW=off \
  "$TARGET/release/calculator" >"$work/calculator.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do curl -sf -o /dev/null http://127.0.0.1:18300/healthz && break; sleep 0.05; done

python3 - "$CSV" "$CALLS" "$LATENCY_MS" <<'PY'
import http.client, json, statistics, sys, time

csv_path, calls, latency_ms = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
conn = http.client.HTTPConnection("127.0.0.1", 18300)

def call(method, path, body=None, headers=None):
    start = time.perf_counter()
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    elapsed = (time.perf_counter() - start) * 1000
    if response.status >= 300:
        sys.exit(f"{method} {path}: HTTP {response.status}: {data[:300]!r}")
    return elapsed, json.loads(data)

with open(csv_path, "rb") as f:
    _, dataset = call("POST", "/datasets?name=titanic", f.read(), {"content-type": "text/csv"})
dataset_id = dataset["id"]
analyze = json.dumps({"question": "Which class had the highest survival rate?"})
json_headers = {"content-type": "application/json"}

# Warm up: worker processes, connection pools, the sample-row cache.
_, first = call("POST", f"/datasets/{dataset_id}/analyze", analyze, json_headers)
query = json.dumps({"sql": first["code"]})
for _ in range(5):
    call("POST", f"/datasets/{dataset_id}/query", query, json_headers)

analyses, queries = [], []
for _ in range(calls):
    elapsed, body = call("POST", f"/datasets/{dataset_id}/analyze", analyze, json_headers)
    assert body["result"]["row_count"] == 1 and body["attempts"] == 1, body
    analyses.append(elapsed)
    elapsed, _ = call("POST", f"/datasets/{dataset_id}/query", query, json_headers)
    queries.append(elapsed)

def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]

a50, a99, q50 = pct(analyses, 50), pct(analyses, 99), pct(queries, 50)
overhead = a50 - latency_ms - q50
print(f"analyze calls: {calls}, mock LLM latency {latency_ms:.0f} ms (one LLM call per analysis: review off)")
print(f"analyze latency   p50 {a50:8.2f} ms   p99 {a99:8.2f} ms")
print(f"same SQL /query   p50 {q50:8.2f} ms   p99 {pct(queries, 99):8.2f} ms")
print(f"overhead beyond LLM and query time: p50 {overhead:.2f} ms (target <= 5 ms)")
PY
