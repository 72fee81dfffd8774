#!/usr/bin/env bash
# Ingest of a table of dates and datetimes, against polars' own eager CSV read of the same file (what
# `pl.read_csv(try_parse_dates=True)` does): 2 million rows of an id, an ISO datetime, a US date
# (03/15/2024), a US 12-hour datetime (3/15/2024 1:30 PM) and a number. The calculator reads these date
# columns itself (crates/engine/src/worker/numeric_dates.rs); polars reads the ISO datetime with its own
# parser and leaves the US columns text. Same rounds and report as `INGEST_ONLY=1 bench/groupby.sh`.
#
#   bench/datetimes.sh
#   ROWS=500000 BENCH_NO_BUILD=1 bench/datetimes.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${ROWS:-2000000}"
OUT="${BENCH_DIR:-target/bench}"
CSV="$OUT/datetimes_${ROWS}.csv"
mkdir -p "$OUT"
if [ ! -f "$CSV" ]; then
    python3 - "$CSV" "$ROWS" <<'PY'
import datetime, random, sys
path, rows = sys.argv[1], int(sys.argv[2])
random.seed(7)
start = datetime.datetime(2020, 1, 1)
with open(path, "w") as f:
    f.write("id,at,day,local,amount\n")
    for i in range(rows):
        t = start + datetime.timedelta(seconds=random.randrange(4 * 365 * 86400))
        hour = t.hour % 12 or 12
        noon = "AM" if t.hour < 12 else "PM"
        f.write(f"{i},{t:%Y-%m-%d %H:%M:%S},{t:%m/%d/%Y},{t.month}/{t.day}/{t.year} {hour}:{t:%M} {noon},"
                f"{random.randrange(100000) / 100}\n")
PY
fi
CSV="$CSV" INGEST_ONLY=1 exec bench/groupby.sh
