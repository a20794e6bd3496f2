"""A whole class, timed stage by stage: variants, handouts and keys as PDFs, grading, export.

    python benchmarks/bench_class.py [--students N] [--jobs J] [--no-pdf] [--quick]

Draws a class of N students (default 50) from ``examples/hw6_variants.toml``, builds every
handout and solution sheet (the key) as PDF, grades synthetic submissions with a PDF of
feedback per student and the class report, and exports Moodle XML and QTI. Each stage is
timed in wall-clock seconds and in CPU seconds (this process and every process it started:
the pool's workers and each latexmk run). From the CPU time per student it estimates a
class of 500 on two cores with nothing else running (CPU seconds × 500 / N / 2), and
from the wall time as measured (× 500 / N), under whatever load the machine had.

Target (issue #20): 500 variants with keys and PDFs in under 10 minutes on two cores.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lstm_sym.classroom.classgrade import grade_class  # noqa: E402
from lstm_sym.classroom.csvfiles import Student  # noqa: E402
from lstm_sym.classroom.documents import write_handouts  # noqa: E402
from lstm_sym.classroom.lms import export_lms  # noqa: E402
from lstm_sym.classroom.synthetic import synthetic_submissions  # noqa: E402
from lstm_sym.classroom.template import load_template  # noqa: E402
from lstm_sym.classroom.variants import draw_class  # noqa: E402

TEMPLATE = ROOT / "examples" / "hw6_variants.toml"
TARGET = 600.0
CLASS = 500


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(stage: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of one stage."""
    wall, cpu = time.perf_counter(), _cpu()
    stage()
    return time.perf_counter() - wall, _cpu() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-pdf", action="store_true")
    parser.add_argument("--quick", action="store_true", help="5 students")
    args = parser.parse_args()
    students = 5 if args.quick else args.students
    pdf = not args.no_pdf
    template = load_template(TEMPLATE)
    roster = [Student(f"s{k:03d}", f"Student {k}") for k in range(1, students + 1)]
    rows: list[tuple[str, float, float]] = []
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as work:
        root = Path(work) / "class"
        submissions = Path(work) / "submissions.csv"
        stages: list[tuple[str, Callable[[], object]]] = [
            (
                "variants (fair draws, keys, summary)",
                lambda: draw_class(template, roster, str(root), jobs=args.jobs),
            ),
            (
                f"handouts and solution sheets{' (PDF)' if pdf else ''}",
                lambda: write_handouts(root, pdf=pdf, jobs=args.jobs),
            ),
            ("synthetic submissions", lambda: submissions.write_text(synthetic_submissions(root))),
            (
                f"grading with feedback{' (PDF)' if pdf else ''} and report",
                lambda: grade_class(root, submissions, pdf=pdf, jobs=args.jobs),
            ),
            (
                "Moodle XML and QTI",
                lambda: export_lms(root, moodle=Path(work) / "m.xml", qti=Path(work) / "q.zip"),
            ),
        ]
        for name, stage in stages:
            wall, cpu = timed(stage)
            rows.append((name, wall, cpu))
            print(f"{name}: {wall:.1f} s wall, {cpu:.1f} s CPU", flush=True)
    keyed = rows[:2]  # what the target counts: variants with keys and PDFs
    print()
    print(f"{students} students, --jobs {args.jobs}, load average {load:.1f} at the start")
    print()
    print(
        f"| stage | wall, {students} students | CPU, {students} students | CPU per student | {CLASS} students on 2 idle cores (CPU/2) |"
    )
    print("|---|---:|---:|---:|---:|")
    for name, wall, cpu in rows:
        per = cpu / students
        print(
            f"| {name} | {wall:.1f} s | {cpu:.1f} s | {per:.2f} s | {per * CLASS / 2 / 60:.1f} min |"
        )
    wall = sum(w for _, w, _ in keyed) * CLASS / students
    cpu = sum(c for _, _, c in keyed) * CLASS / students / 2
    verdict = "met" if cpu < TARGET else "not met"
    print()
    print(
        f"Variants with keys and PDFs for {CLASS} students: {cpu / 60:.1f} min on two idle "
        f"cores (from CPU time), {wall / 60:.1f} min at this run's wall-clock rate; target "
        f"{TARGET / 60:.0f} min: {verdict}."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
