#!/usr/bin/env python3
"""Shapes of CSV that once cost far more than their size, converted by the real engine.

Each shape is generated into a temporary directory at about SIZE_MB megabytes, next to a plain file of the same
size (whole numbers, decimals, text and dates), and both are converted with
`target/release/examples/groupby_bench engine-ingest` (a real worker, as an upload would be), alternately,
ROUNDS times. Prints wall seconds (a refusal's too), MB/s, the worker's peak RSS and each shape's seconds per megabyte against
the plain file's.

    python3 bench/csv_shapes.py                 # SIZE_MB=50, ROUNDS=2
    SIZE_MB=100 ROUNDS=3 python3 bench/csv_shapes.py

Build first: cargo build --release -p calculator --bin calculator -p engine --example groupby_bench
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "target", "release", "examples", "groupby_bench")
SIZE = int(float(os.environ.get("SIZE_MB", "50")) * 1e6)
ROUNDS = int(os.environ.get("ROUNDS", "2"))


def rows(path, header, line, tail=b"", size=SIZE, newline=b"\n"):
    """Writes header and then line(i) for i = 0, 1, ... until about `size` bytes, then `tail`."""
    with open(path, "wb") as f:
        f.write(header + newline)
        written, i = 0, 0
        while written < size:
            chunk = b"".join(line(j) + newline for j in range(i, i + 10_000))
            f.write(chunk)
            written += len(chunk)
            i += 10_000
        f.write(tail)


def plain(i):
    return b"%d,%d.25,name_%d,2024-01-%02d" % (i, i, i % 9973, i % 28 + 1)


HEADER = b"id,x,name,day"
LONG_VALUE = b"lorem ipsum dolor, sit amet\n" * (SIZE // 2 // 28)

SHAPES = {
    "plain": lambda p: rows(p, HEADER, plain),
    "a quote inside a value, early": lambda p: rows(
        p, HEADER, lambda i: plain(i) if i != 3 else b'3,3.25,27" wide,2024-01-04'),
    "a late value of another type": lambda p: rows(
        p, HEADER, plain, tail=b"abc,1.0,x,2024-01-01\n"),
    "lines ended by CR alone": lambda p: rows(p, HEADER, plain, newline=b"\r"),
    "UTF-8 with one Latin-1 byte": lambda p: rows(
        p, HEADER, lambda i: plain(i).replace(b"name", "Zürich".encode()),
        tail=b"1,1.0,Jos\xe9,2024-01-01\n"),
    "one value of half the file": lambda p: rows(
        p, HEADER, plain, size=SIZE // 2, tail=b'0,1.0,"' + LONG_VALUE + b'",2024-01-01\n'),
    "1,000 columns": lambda p: rows(
        p, b",".join(b"c%d" % j for j in range(1000)),
        lambda i: b",".join(b"%d" % ((i + j) % 1000) for j in range(1000))),
    "a quote never closed, early": lambda p: rows(
        p, HEADER, lambda i: plain(i) if i != 3 else b'3,3.25,"open,2024-01-04'),
}


def convert(csv, out):
    """Seconds (wall, a refusal included), the worker's peak RSS if stored, and the outcome."""
    started = time.perf_counter()
    done = subprocess.run([BENCH, "engine-ingest", csv, out], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    line = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    try:
        report = json.loads(line)
        return seconds, max(report["worker_peak_rss_mb"]), "stored"
    except (ValueError, KeyError):
        message = (done.stderr.strip().splitlines() or ["?"])[-1]
        return seconds, 0, "refused: " + message[:60]


def main():
    if not os.path.exists(BENCH):
        sys.exit(f"{BENCH} is missing; build it first (see the top of this file)")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.parquet")
        base = os.path.join(tmp, "plain.csv")
        SHAPES["plain"](base)
        print(f"{'shape':32} {'MB':>6} {'seconds':>16} {'MB/s':>6} {'RSS MB':>7} {'x plain':>8}  outcome")
        for name, make in SHAPES.items():
            path = os.path.join(tmp, "shape.csv")
            make(path)
            mb = os.path.getsize(path) / 1e6
            times, plains, rss, outcome = [], [], 0, ""
            for _ in range(ROUNDS):
                plains.append(convert(base, out)[0])
                seconds, peak, outcome = convert(path, out)
                times.append(seconds)
                rss = max(rss, peak)
            t, p = statistics.median(times), statistics.median(plains)
            spread = f"{min(times):.2f}-{max(times):.2f}"
            # Seconds per megabyte, against the plain file's.
            ratio = t / p * (os.path.getsize(base) / 1e6) / mb
            print(f"{name:32} {mb:6.0f} {spread:>16} {mb / t:6.0f} {rss:7.0f} {ratio:8.2f}  {outcome}")
            os.remove(path)


if __name__ == "__main__":
    main()
