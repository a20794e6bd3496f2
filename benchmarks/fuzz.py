"""The long fuzz run: every reader of tests/fuzz_readers.py with many examples.

``python benchmarks/fuzz.py [--examples N] [--quick] [READER ...]`` (default 100,000
examples per reader; ``--quick``: 2,000). Prints one row per reader: examples, how many
were accepted and refused, failures (anything but acceptance or the documented error),
total and slowest time per example; Markdown for benchmarks/RESULTS.md at the end. A
failure is printed with its input and stops that reader.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fuzz_readers import READERS, Reader, read_one  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402


def fuzz(reader: Reader, examples: int) -> dict[str, float]:
    """Run one reader; the counts and times of the run."""
    stats = {"examples": 0, "accepted": 0, "refused": 0, "failures": 0, "slowest": 0.0}

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(reader.inputs)
    def run(value: object) -> None:
        start = time.perf_counter()
        accepted = read_one(reader, value)
        stats["slowest"] = max(stats["slowest"], time.perf_counter() - start)
        stats["examples"] += 1
        stats["accepted" if accepted else "refused"] += 1
        if stats["examples"] % 5000 == 0:  # partial results survive a stopped run
            print(f"{reader.name}: {stats['examples']:,.0f} examples, no failure", file=sys.stderr)
            sys.stderr.flush()

    start = time.perf_counter()
    try:
        run()
    except Exception as error:  # a failure: hypothesis has shrunk and printed it
        stats["failures"] += 1
        print(f"{reader.name}: FAILED: {type(error).__name__}: {error}", file=sys.stderr)
    stats["seconds"] = time.perf_counter() - start
    return stats


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="2,000 examples per reader")
    parser.add_argument("readers", nargs="*", help="only these readers")
    args = parser.parse_args()
    examples = 2000 if args.quick else args.examples
    rows = []
    header = f"{'reader':10} {'examples':>9} {'accepted':>9} {'refused':>9} {'failures':>8} "
    print(header + f"{'seconds':>8} {'slowest':>8}", flush=True)
    for reader in READERS:
        if args.readers and reader.name not in args.readers:
            continue
        s = fuzz(reader, examples)
        rows.append((reader.name, s))
        print(
            f"{reader.name:10} {s['examples']:9,.0f} {s['accepted']:9,.0f} {s['refused']:9,.0f} "
            f"{s['failures']:8.0f} {s['seconds']:8.1f} {s['slowest'] * 1000:6.0f}ms",
            flush=True,
        )
    print("\n| reader | examples | accepted | refused | failures | time | slowest example |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, s in rows:
        print(
            f"| {name} | {s['examples']:,.0f} | {s['accepted']:,.0f} | {s['refused']:,.0f} | "
            f"{s['failures']:.0f} | {s['seconds']:.0f} s | {s['slowest'] * 1000:.0f} ms |"
        )
    return 1 if any(s["failures"] for _, s in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
