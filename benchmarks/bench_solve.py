"""Values and gradients: symbolic work independent of T, evaluation linear in T.

    python benchmarks/bench_solve.py [--quick]

Measured side by side in one run (fresh template caches for every measurement):

* **forward**, d = n = 4, T = 10, 100, 1,000: deriving the step template (symbolic,
  once), compiling it, and a certified solve at 50 digits; the whole scalar named program
  instantiated as SymPy objects (on request only) for comparison;
* **homework** at 15, 50, 1,000 and 10,000 digits: the certified solve against a
  hand-written mpmath loop computing the same forward pass once at that precision;
* **gradients** at 50 digits for T = 1, 2, 3, 10, 100, 1,000 with d = 2, n = 1 and with
  d = n = 4, against the naive approach (build the nested loss expression and
  `sympy.diff` it for every parameter) for as long as that finishes within 60 s;
* the homework's full gradient at 50 digits from a cold start of the Python API (a fresh
  process, import excluded).

Targets (issues #2 and #3): T = 1,000, d = n = 4 forward at 50 digits < 3 s; homework at
1,000 digits < 0.05 s and 10,000 digits < 0.5 s; all gradients for T = 1,000, d = n = 4
< 10 s; the homework's full gradient cold < 0.3 s.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout, not an installed copy

import mpmath  # noqa: E402
import sympy  # noqa: E402

from lstm_sym import Model, load_problem, problem_from_dict  # noqa: E402
from lstm_sym.derive import template  # noqa: E402
from lstm_sym.evaluate import backends  # noqa: E402
from lstm_sym.evaluate import compile as compiler  # noqa: E402
from lstm_sym.spec.functions import sigma  # noqa: E402

HW6 = ROOT / "examples" / "hw6.toml"


def clear_caches() -> None:
    """Forget derived and compiled templates, so each measurement pays for its own."""
    template.step_template.cache_clear()
    template.terminal_template.cache_clear()
    compiler._COMPILED.clear()


def problem(steps: int, d: int, n: int, seed: int = 7) -> Any:
    rng = random.Random(seed)

    def value() -> str:
        return f"{rng.randint(-20, 20)}/{rng.choice([10, 16, 25])}"

    params: dict[str, Any] = {}
    for g in "fioc":
        params[f"W_{g}"] = [[value() for _ in range(d)] for _ in range(n)]
        params[f"U_{g}"] = [[value() for _ in range(n)] for _ in range(n)]
        params[f"b_{g}"] = [value() for _ in range(n)]
    seq = {
        "x": [[value() for _ in range(d)] for _ in range(steps)],
        "y": [[value() for _ in range(n)] for _ in range(steps)],
    }
    return problem_from_dict({"parameters": params, "sequence": seq})


def timed(function: Any, *args: Any, **kwargs: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def derive_and_compile(p: Any) -> tuple[float, float]:
    """Seconds to derive the step templates, and to compile them for mpmath."""
    clear_caches()
    derive, templates = timed(template.problem_templates, p)
    compile_time, _ = timed(
        lambda: [compiler.compiled(t, dict(p.sizes), backends.MPMATH) for t in templates]
    )
    return derive, compile_time


def forward(steps_list: list[int], rows: list[str]) -> None:
    print("\nForward pass, d = n = 4, certified 50 digits")
    print(f"{'T':>6} {'derive':>9} {'compile':>9} {'solve':>9} {'solve/T':>10} {'program':>9}")
    rows.append(
        "| T | derive template | compile | certified solve (50 digits) | per step | whole scalar program as SymPy |"
    )
    rows.append("|---:|---:|---:|---:|---:|---:|")
    for steps in steps_list:
        p = problem(steps, 4, 4)
        derive, compile_time = derive_and_compile(p)
        solve, _ = timed(Model(p).solve, 50)
        build, program = timed(lambda p=p: len(Model(p).program(gradients=False)))
        print(
            f"{steps:>6} {derive:>8.3f}s {compile_time:>8.3f}s {solve:>8.3f}s {solve / steps * 1e3:>8.3f}ms {build:>8.2f}s"
            f"  ({program} assignments)"
        )
        rows.append(
            f"| {steps} | {derive:.3f} s | {compile_time:.3f} s | {solve:.3f} s | {solve / steps * 1e3:.2f} ms | "
            f"{build:.2f} s ({program:,} assignments) |"
        )


def hand_loop(dps: int) -> mpmath.mpf:
    """The homework's forward pass and loss, written by hand in mpmath (the alternative)."""
    with mpmath.workdps(dps):
        mpf = mpmath.mpf
        w = {"f": (1, 2), "i": (-1, 0), "o": (3, 0), "c": (1, 2)}
        u = {"f": mpf(1) / 2, "i": mpf(2), "o": mpf(-1), "c": mpf(3) / 2}
        b = {"f": mpf(1) / 5, "i": mpf(-1) / 10, "o": mpf(4) / 5, "c": mpf(1) / 2}
        xs = [(mpf(1), mpf(0)), (mpf(1) / 2, mpf(-1))]
        ys = [mpf(1) / 2, mpf(4) / 5]
        h = c = mpf(0)
        loss = mpf(0)
        for x, y in zip(xs, ys, strict=True):
            z = {g: w[g][0] * x[0] + w[g][1] * x[1] + u[g] * h + b[g] for g in "fioc"}
            f, i, o = (1 / (1 + mpmath.exp(-z[g])) for g in "fio")
            c = f * c + i * mpmath.tanh(z["c"])
            h = o * mpmath.tanh(c)
            loss += (y - h) ** 2 / 2
        return loss


def homework(rows: list[str]) -> None:
    print("\nHomework forward pass (certified) against a hand-written mpmath loop (one run)")
    rows.append("| digits | certified solve (every quantity) | hand-written mpmath loop | ratio |")
    rows.append("|---:|---:|---:|---:|")
    for digits in (15, 50, 1000, 10_000):
        model = Model(load_problem(HW6))
        model.solve(15)  # compile once; the template is shared by every precision
        solve = min(timed(model.solve, digits)[0] for _ in range(3))
        hand = min(timed(hand_loop, digits + 10)[0] for _ in range(3))
        print(
            f"{digits:>6} digits: solve {solve * 1e3:8.2f} ms   hand loop {hand * 1e3:8.2f} ms   ratio {solve / hand:5.1f}"
        )
        rows.append(
            f"| {digits:,} | {solve * 1e3:.2f} ms | {hand * 1e3:.2f} ms | {solve / hand:.1f} |"
        )


def naive_gradients(steps: int, d: int, n: int, queue: Any) -> None:
    """Build the nested loss in SymPy, diff it for every parameter, evaluate at 50 digits."""
    p = problem(steps, d, n)
    start = time.perf_counter()
    params = {name: sympy.Matrix(value) for name, value in p.params.items()}
    symbols = {
        name: sympy.Matrix(
            m.shape[0], m.shape[1], lambda r, c, name=name: sympy.Symbol(f"{name}_{r}{c}")
        )
        for name, m in params.items()
    }
    seq = p.sequences[0]
    h = sympy.zeros(n, 1)
    c = sympy.zeros(n, 1)
    loss = sympy.S.Zero
    for x_raw, y_raw in zip(seq.x, seq.targets, strict=True):
        x = sympy.Matrix(x_raw)
        z = {g: symbols[f"W_{g}"] * x + symbols[f"U_{g}"] * h + symbols[f"b_{g}"] for g in "fioc"}
        f, i, o = (z[g].applyfunc(sigma) for g in "fio")
        c = f.multiply_elementwise(c) + i.multiply_elementwise(z["c"].applyfunc(sympy.tanh))
        h = o.multiply_elementwise(c.applyfunc(sympy.tanh))
        loss += sum((sympy.Matrix(y_raw) - h).applyfunc(lambda e: e**2)) / 2
    values = {s: v for name in params for s, v in zip(symbols[name], params[name], strict=True)}
    gradients = [sympy.diff(loss, s).xreplace(values).evalf(50) for s in values]
    queue.put((time.perf_counter() - start, len(gradients)))


def naive(steps: int, d: int, n: int, limit: float) -> str:
    queue: Any = multiprocessing.Queue()
    process = multiprocessing.Process(target=naive_gradients, args=(steps, d, n, queue))
    process.start()
    process.join(limit)
    if process.is_alive():
        process.terminate()
        process.join()
        return f"> {limit:.0f} s"
    return f"{queue.get()[0]:.2f} s"


def gradients(
    sizes: list[tuple[int, int]], steps_list: list[int], limit: float, rows: list[str]
) -> None:
    print("\nAll gradients at 50 certified digits, against the naive nested diff")
    rows.append(
        "| d, n | T | derive template | certified solve with gradients | naive nested `sympy.diff` |"
    )
    rows.append("|---|---:|---:|---:|---:|")
    for d, n in sizes:
        stop_naive = False
        for steps in steps_list:
            p = problem(steps, d, n)
            derive, _ = derive_and_compile(p)
            clear_caches()
            solve, _ = timed(Model(p).solve, 50, gradients=True)
            naive_time = (
                "not run (slower T did not finish)" if stop_naive else naive(steps, d, n, limit)
            )
            stop_naive = stop_naive or naive_time.startswith(">")
            print(
                f"d={d} n={n} T={steps:>5}: derive {derive:.3f} s  solve {solve:8.3f} s   naive {naive_time}"
            )
            rows.append(f"| {d}, {n} | {steps} | {derive:.3f} s | {solve:.3f} s | {naive_time} |")


COLD = """
import time, sys
import lstm_sym
start = time.perf_counter()
lstm_sym.solve(sys.argv[1], 50, gradients=True)
print(time.perf_counter() - start)
"""


def cold(rows: list[str]) -> None:
    runs = sorted(
        float(
            subprocess.run(
                [sys.executable, "-c", COLD, str(HW6)],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            ).stdout
        )
        for _ in range(5)
    )
    print(
        f"\nHomework, every gradient at 50 digits, cold start (import excluded): median {runs[2]:.3f} s"
    )
    rows.append(
        f"\nHomework, every gradient at 50 digits, cold Python API start (import excluded), "
        f"median of 5 processes: **{runs[2]:.3f} s** (target < 0.3 s)."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run)")
    args = parser.parse_args()
    rows: list[str] = []
    quick = args.quick
    forward([10, 100] if quick else [10, 100, 1000], rows)
    rows.append("")
    homework(rows)
    rows.append("")
    gradients(
        [(2, 1), (4, 4)],
        [1, 2, 3, 10] if quick else [1, 2, 3, 10, 100, 1000],
        10 if quick else 60,
        rows,
    )
    cold(rows)
    print("\nMarkdown for benchmarks/RESULTS.md:\n")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
