"""``lstm-sym grade``: a class's submissions graded, with feedback and the class report.

Writes, under ``grades/`` of the class folder (or ``-o``): ``grades.csv`` (one row per
student: score, total, percent, first wrong answer and each asked answer's verdict),
``feedback/v001.md`` and ``.tex`` (``.pdf`` with ``--pdf``) per student, ``report.md`` and
``report.tex`` (``.pdf``), and ``rows.csv``: every row that could not be graded, and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import escape_controls, shorten
from .config import Points
from .csvfiles import BadRow, Row, csv_text, read_submissions
from .documents import asked_latex, open_class, pdf_bytes
from .executor import executor_for, results
from .feedback import feedback_latex, feedback_markdown
from .folder import Carried, ClassFolder
from .grading import LABELS, Graded, grade_student
from .report import report_latex, report_markdown, summarize
from .text import points


@dataclass(frozen=True)
class GradeRun:
    """What a grading run did: every student's grade and the rows not graded."""

    graded: tuple[Graded, ...]
    bad: tuple[BadRow, ...]
    output: Path


def grade_task(
    carried: Carried, rows: Sequence[Row], points: Points, pdf: bool
) -> tuple[Graded, dict[str, bytes]]:
    """One student graded, with their feedback files (relative path -> contents)."""
    problem = carried.problem()
    graded = grade_student(problem, carried.assigned, rows, points)
    variant = carried.assigned.variant
    tex = feedback_latex(graded, asked_latex(problem, [s.name for s in graded.scored]))
    files = {
        f"feedback/{variant}.md": feedback_markdown(graded).encode("utf-8"),
        f"feedback/{variant}.tex": tex.encode("utf-8"),
    }
    if pdf:
        files[f"feedback/{variant}.pdf"] = pdf_bytes(tex)
    return graded, files


def grade_class(
    root: str | Path,
    submissions: str | Path,
    *,
    points: Points | None = None,
    pdf: bool = False,
    jobs: int = 1,
    executor: str | None = None,
    output: str | Path | None = None,
) -> GradeRun:
    """Grade every student of the class at ``root`` from a submissions CSV."""
    folder, record = open_class(root, jobs=jobs, executor=executor, pdf=pdf)
    points = points or record.config.points
    out = ClassFolder(output if output is not None else folder.root / "grades")
    rows, bad = read_submissions(submissions)
    grouped: dict[str, list[Row]] = {a.student: [] for a in record.assigned}
    for row in rows:
        if row.student in grouped:
            grouped[row.student].append(row)
        else:
            shown = escape_controls(shorten(row.student, 40))
            bad.append(BadRow(row.row, shown, f"unknown student {shown!r} (not in the class)"))
    items = [(folder.carried(a), grouped[a.student], points, pdf) for a in record.assigned]
    graded: list[Graded] = []
    with executor_for(jobs, executor) as pool:
        for grade, files in results(pool, grade_task, items):
            graded.append(grade)
            for relative, data in files.items():
                out.write(relative, data)
    bad = sorted([*bad, *(b for g in graded for b in g.bad)], key=lambda b: b.row)
    _write_tables(out, graded, bad)
    summary = summarize(record.title, graded, bad)
    out.write("report.md", report_markdown(summary))
    names = [s.name for s in graded[0].scored] if graded else []
    latex_names = {}
    if record.assigned:
        problem = folder.carried(record.assigned[0]).problem()
        latex_names = dict(zip(names, asked_latex(problem, names), strict=True))
    tex = report_latex(summary, latex_names)
    out.write("report.tex", tex)
    if pdf:
        out.write("report.pdf", pdf_bytes(tex))
    return GradeRun(tuple(graded), tuple(bad), out.root)


def _write_tables(out: ClassFolder, graded: Sequence[Graded], bad: Sequence[BadRow]) -> None:
    names = list(dict.fromkeys(s.name for g in graded for s in g.scored))
    header = ["variant", "student", "name", "score", "total", "percent", "first_wrong", *names]
    rows = []
    for g in graded:
        verdicts = {s.name: LABELS[s.category] for s in g.scored}
        percent = points(round(g.score / g.total * 100, 1)) if g.total else ""
        first = g.report.first_wrong if g.report and g.report.first_wrong else ""
        rows.append(
            [g.variant, g.student, g.name, points(g.score), points(g.total), percent, first]
            + [verdicts.get(n, "") for n in names]
        )
    out.write("grades.csv", csv_text(header, rows))
    out.write(
        "rows.csv",
        csv_text(("row", "student", "reason"), ((b.row, b.student, b.reason) for b in bad)),
    )
