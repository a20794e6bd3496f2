"""How the cost grows with T: measure it, save the numbers, plot them.

    python benchmarks/scaling.py [--quick] [--plot-only]

Measures, for an LSTM with d = 2, n = 1 (the homework's sizes) and with d = n = 4, at
T = 1 … 1,000 steps and 50 certified digits: deriving the step templates (forward and
backward; symbolic, once per cell), the certified solve with every gradient, and the
naive approach (build the nested loss expression, ``sympy.diff`` it for every parameter,
evaluate) in a subprocess stopped after a time limit (60 s; 10 s with ``--quick``). The
numbers go to ``benchmarks/scaling.csv`` and the plot to
``docs/images/benchmark-scaling.png`` (needs matplotlib: ``pip install '.[docs]'``);
``--plot-only`` redraws the plot from the saved numbers.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_solve import (  # noqa: E402
    Model,
    clear_caches,
    derive_and_compile,
    naive,
    problem,
    timed,
)

CSV = HERE / "scaling.csv"
PNG = HERE.parent / "docs" / "images" / "benchmark-scaling.png"
SIZES = [(2, 1), (4, 4)]
STEPS = [1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000]
QUICK_STEPS = [1, 2, 3, 10, 100]
DIGITS = 50
FIELDS = ["d", "n", "T", "method", "seconds", "finished"]


def measure(steps_list: list[int], limit: float) -> list[dict[str, object]]:
    """One row per (size, T, method): seconds, and whether it finished within ``limit``."""
    rows: list[dict[str, object]] = []
    for d, n in SIZES:
        naive_done = True
        for steps in steps_list:
            p = problem(steps, d, n)
            derive, _ = derive_and_compile(p)
            clear_caches()
            solve, _ = timed(Model(p).solve, DIGITS, gradients=True)
            rows.append(dict(d=d, n=n, T=steps, method="derive", seconds=derive, finished=1))
            rows.append(dict(d=d, n=n, T=steps, method="certified", seconds=solve, finished=1))
            message = f"d={d} n={n} T={steps:>5}: derive {derive:.3f} s, solve {solve:.3f} s"
            if naive_done:
                result = naive(steps, d, n, limit)
                naive_done = not result.startswith(">")
                seconds = float(result.strip("> s"))
                rows.append(
                    dict(
                        d=d, n=n, T=steps, method="naive", seconds=seconds, finished=int(naive_done)
                    )
                )
                message += f", naive {result}"
            print(message, flush=True)
    return rows


def save(rows: list[dict[str, object]]) -> None:
    """Write the measurements to ``benchmarks/scaling.csv``."""
    with CSV.open("w", newline="") as out:
        writer = csv.DictWriter(out, FIELDS)
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "seconds": f"{float(row['seconds']):.4f}"})  # type: ignore[arg-type]


def load() -> list[dict[str, str]]:
    """The saved measurements, as strings (as the plot reads them)."""
    with CSV.open(newline="") as source:
        return list(csv.DictReader(source))


def plot(rows: list[dict[str, str]], path: Path = PNG) -> Path:
    """Seconds against T on log–log axes, one colour per size, one line style per method."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(12, 5.6), dpi=110)
    colours = {"2, 1": "#1f5fbf", "4, 4": "#c8321e"}
    for size, colour in colours.items():
        d, n = size.split(", ")

        def series(method: str, d: str = d, n: str = n) -> list[dict[str, str]]:
            return [r for r in rows if (r["d"], r["n"], r["method"]) == (d, n, method)]

        certified, derive, slow = series("certified"), series("derive"), series("naive")
        label = f"d = {d}, n = {n}"
        ax.plot(
            [int(r["T"]) for r in certified],
            [float(r["seconds"]) for r in certified],
            "o-",
            color=colour,
            label=f"certified solve, every gradient ({label})",
        )
        ax.plot(
            [int(r["T"]) for r in derive],
            [float(r["seconds"]) for r in derive],
            "s:",
            color=colour,
            alpha=0.75,
            markersize=4,
            label=f"deriving the step templates ({label})",
        )
        done = [r for r in slow if r["finished"] == "1"]
        stopped = [r for r in slow if r["finished"] != "1"]
        ax.plot(
            [int(r["T"]) for r in done],
            [float(r["seconds"]) for r in done],
            "D--",
            color=colour,
            markerfacecolor="white",
            label=f"naive nested sympy.diff ({label})",
        )
        for r in stopped:
            t, limit = int(r["T"]), float(r["seconds"])
            last = done[-1]
            ax.plot([int(last["T"]), t], [float(last["seconds"]), limit], "--", color=colour)
            ax.plot([t], [limit], marker="^", color=colour, markersize=10, markerfacecolor="white")
            ax.annotate(
                f"T = {t}: stopped after {limit:.0f} s",
                (t, limit),
                textcoords="offset points",
                xytext=(10, -8) if size == "2, 1" else (8, 10),
                color=colour,
                fontsize=9,
            )
    steps = sorted({int(r["T"]) for r in rows})
    ax.plot(steps, [0.004 * t for t in steps], color="#999999", linewidth=0.8, label="∝ T (guide)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("time steps T")
    ax.set_ylabel("seconds")
    ax.set_title(f"Every gradient of an LSTM at {DIGITS} certified digits")
    ax.grid(True, which="major", color="#dddddd")
    ax.set_ylim(top=300)
    ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    path.parent.mkdir(exist_ok=True)
    fig.savefig(path, facecolor="white")
    plt.close(fig)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer T, 10 s limit (a smoke run)")
    parser.add_argument("--plot-only", action="store_true", help=f"redraw from {CSV.name}")
    args = parser.parse_args()
    if not args.plot_only:
        save(measure(QUICK_STEPS if args.quick else STEPS, 10 if args.quick else 60))
        print(f"numbers: {CSV}")
    try:
        print(f"plot: {plot(load())}")
    except ImportError:
        print("matplotlib is not installed (pip install '.[docs]'): no plot", file=sys.stderr)


if __name__ == "__main__":
    main()
