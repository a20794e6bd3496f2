"""Solution-sheet timings: the homework's .tex in library time, and the PDF build.

    python benchmarks/bench_sheet.py [--repeat N] [--no-pdf]

Measured side by side in one run:

* **cold**: a fresh Python process makes the homework sheet (template derivation, the
  certified solve with gradients, printing, layout) — what `lstm-sym sheet` pays once;
* **warm**: the same again in a process that has already made one (templates cached);
* **baseline**: SymPy's own `latex()` of every assignment of the same named program —
  formulas only, no numbers, no layout — to show what the sheet's extra work costs;
* **PDF**: `latexmk` building the homework and the batch example.

Target (issue #4): the homework's .tex in under 1 s of library time.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sympy  # noqa: E402

from lstm_sym import Model  # noqa: E402
from lstm_sym.latex import Sheet, build_pdf  # noqa: E402

HW6 = ROOT / "examples" / "hw6.toml"
BATCH = ROOT / "examples" / "batch_d3_n2.toml"
TARGET = 1.0

_COLD = """
import sys, time
t0 = time.perf_counter()
from lstm_sym.latex import Sheet
t1 = time.perf_counter()
Sheet.load(sys.argv[1], view=sys.argv[2]).to_latex()
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


def cold(path: Path, view: str, repeat: int) -> tuple[float, float]:
    """Median (import time, sheet time) of ``repeat`` fresh processes."""
    runs = []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", _COLD, str(path), view],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout.split()
        runs.append((float(out[0]), float(out[1])))
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def warm(path: Path, view: str, repeat: int) -> float:
    """Median time of a whole new sheet in a process that has made one before."""
    Sheet.load(path, view=view).to_latex()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        Sheet.load(path, view=view).to_latex()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def baseline(path: Path, view: str, repeat: int) -> float:
    """Median time of sympy.latex() over every assignment of a fresh named program."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        program = Model.load(path).program(view=view)
        for assignment in program:
            sympy.latex(assignment.expr)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def pdf_time(path: Path, view: str, repeat: int) -> tuple[float, int]:
    """Median latexmk time for the sheet of ``path`` and its page count."""
    with tempfile.TemporaryDirectory() as work:
        tex = Sheet.load(path, view=view).write(Path(work) / "sheet.tex")
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            pdf = build_pdf(tex)
            times.append(time.perf_counter() - start)
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        pages = next((int(x.split()[1]) for x in info.splitlines() if x.startswith("Pages:")), 0)
        return statistics.median(times), pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (median)")
    parser.add_argument("--no-pdf", action="store_true", help="skip the latexmk builds")
    args = parser.parse_args()
    repeat = args.repeat

    print(
        f"{'sheet':<28}{'cold':>9}{'warm':>9}{'sympy.latex':>13}{'warm/base':>11}{'cold/target':>13}"
    )
    for label, path, view in (
        ("homework, scalar view", HW6, "scalar"),
        ("homework, vector view", HW6, "vector"),
        ("batch d3 n2 T3 B2, scalar", BATCH, "scalar"),
        ("batch d3 n2 T3 B2, vector", BATCH, "vector"),
    ):
        imported, made = cold(path, view, repeat)
        hot = warm(path, view, repeat)
        base = baseline(path, view, repeat)
        print(
            f"{label:<28}{made:>8.3f}s{hot:>8.3f}s{base:>12.3f}s{hot / base:>10.1f}x"
            f"{made / TARGET:>12.2f}x"
        )
    print(f"(import of lstm_sym.latex in a fresh process: {imported:.3f} s, not included)")

    if args.no_pdf or shutil.which("latexmk") is None:
        print("PDF builds skipped" + ("" if args.no_pdf else ": latexmk not installed"))
        return
    print(f"\n{'PDF build (latexmk, pdfLaTeX)':<34}{'time':>9}{'pages':>7}")
    for label, path, view in (
        ("homework, scalar view", HW6, "scalar"),
        ("batch d3 n2 T3 B2, vector", BATCH, "vector"),
    ):
        seconds, pages = pdf_time(path, view, max(1, repeat // 2))
        print(f"{label:<34}{seconds:>8.2f}s{pages:>7}")


if __name__ == "__main__":
    main()
