# Sourced by the groupby benches (groupby.sh, upload_overlap.sh): the db-benchmark groupby table they use,
# N rows and K groups (default 1e7 x 100, the 509 MB table), cached under BENCH_DIR (or CSV to name another
# file), a median of numbers, and a check that a port is free.
N="${N:-1e7}"
K="${K:-100}"
OUT="${BENCH_DIR:-target/bench}"
CSV="${CSV:-$OUT/G1_${N}_${K}.csv}"
BIN=target/release

# Generates the table once (the release `groupby_gen` example must be built).
groupby_table() {
    mkdir -p "$OUT"
    [ -f "$CSV" ] || "$BIN/examples/groupby_gen" "$CSV" "$N" "$K"
}

median() {
    printf '%s\n' "$@" | sort -n \
        | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# port_free PORT: fails the bench when something already answers there; its health check would otherwise pass
# against that server while the calculator just started exits with "address in use".
port_free() {
    if curl -fsS "localhost:$1/healthz" > /dev/null 2>&1; then
        echo "port $1 already answers (a calculator left running?); stop it or set another port" >&2
        exit 1
    fi
}
