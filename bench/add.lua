-- wrk script: POST /add with a JSON body; prints one JSON summary line for bench/http.sh to read.
wrk.method = "POST"
wrk.body = '{"a": 1.5, "b": 2.25}'
wrk.headers["Content-Type"] = "application/json"

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    '{"rps": %.1f, "p50_us": %d, "p99_us": %d, "requests": %d, "errors": %d, "bytes_per_response": %.1f}\n',
    summary.requests / seconds, latency:percentile(50), latency:percentile(99), summary.requests, errors,
    summary.bytes / math.max(summary.requests, 1)))
end
