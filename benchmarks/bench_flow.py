"""Gradient flow: the cost grows linearly in T.

    python benchmarks/bench_flow.py [--quick]

For an LSTM with d = n = 1 and with d = n = 2, and an Elman RNN with d = n = 2, times a
certified ``GradientFlow.solve(digits=6)`` — every adjoint norm, the paths of every
adjoint, every step Jacobian's norm and radius, and ∂s_T/∂s_t for every t (every path
and the direct path) — at T = 125, 250, 500 and 1,000, and fits the exponent k of
time ∝ T^k by least squares on log time against log T. Products are accumulated backward
from T, so k should be 1 (a T² set of Jacobians would give 2). Process CPU time is
reported beside wall-clock time: the machine may be shared.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout, not an installed copy

from lstm_sym import problem_from_dict  # noqa: E402
from lstm_sym.flow import GradientFlow  # noqa: E402

CELLS = {
    "lstm": ("W_f", "U_f", "b_f", "W_i", "U_i", "b_i", "W_o", "U_o", "b_o", "W_c", "U_c", "b_c"),
    "elman": ("W_h", "U_h", "b_h"),
}


def problem(cell: str, steps: int, n: int, seed: int = 3) -> Any:
    """A problem of ``steps`` steps, inputs and parameters of two decimal places, one target."""
    rng = random.Random(seed)

    def value() -> str:
        return f"{rng.randint(-90, 90)}/100"

    params: dict[str, Any] = {}
    for name in CELLS[cell]:
        if name.startswith("W") or name.startswith("U"):
            params[name] = [[value() for _ in range(n)] for _ in range(n)]
        else:
            params[name] = [value() for _ in range(n)]
    if cell == "lstm":
        params["b_f"] = ["3"] * n  # an open forget gate: the carousel of docs/flow.md
    sequence = {
        "x": [[value() for _ in range(n)] for _ in range(steps)],
        "y": ["none"] * (steps - 1) + [[value() for _ in range(n)]],
    }
    return problem_from_dict(
        {"cell": cell, "loss": "half_sse", "parameters": params, "sequence": sequence}
    )


def measure(cell: str, steps: int, n: int) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one certified flow solve."""
    flow = GradientFlow(problem(cell, steps, n))
    wall, cpu = time.perf_counter(), time.process_time()
    flow.solve(digits=6)
    return time.perf_counter() - wall, time.process_time() - cpu


def exponent(steps: list[int], seconds: list[float]) -> float:
    """The least-squares slope of log(seconds) against log(steps)."""
    xs, ys = [math.log(s) for s in steps], [math.log(t) for t in seconds]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="T = 25..200, a smoke run")
    args = parser.parse_args()
    steps = [25, 50, 100, 200] if args.quick else [125, 250, 500, 1000]
    print("| cell | d = n | T | certified flow (wall) | CPU | CPU per step |")
    print("|---|---:|---:|---:|---:|---:|")
    for cell, n in (("lstm", 1), ("lstm", 2), ("elman", 2)):
        measure(cell, 5, n)  # derive and compile the templates once, outside the timing
        cpu_times = []
        for t in steps:
            wall, cpu = measure(cell, t, n)
            cpu_times.append(cpu)
            print(f"| {cell} | {n} | {t} | {wall:.2f} s | {cpu:.2f} s | {1000 * cpu / t:.2f} ms |")
        print(
            f"| {cell} | {n} | fitted exponent k (CPU ∝ T^k) | | **{exponent(steps, cpu_times):.2f}** | |"
        )


if __name__ == "__main__":
    main()
