"""The class report: what a lecturer needs for the next lecture.

How the class scored; for every asked answer how many students got it right, and with
which verdict otherwise; which answer was most often the first wrong one; the catalogued
mistakes that reproduce the most students' wrong answers (:data:`lstm_sym.check.MISTAKES`);
and every row that could not be graded. Markdown (``report.md``) and LaTeX
(``report.tex``, and a PDF).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ..latex.document import PREAMBLE
from ..latex.escape import escape_text
from .csvfiles import BadRow
from .grading import LABELS, Graded
from .text import markdown, points


@dataclass(frozen=True)
class ClassSummary:
    """Everything the class report shows, counted once for both formats."""

    title: str
    students: int
    submitted: int
    scores: tuple[Decimal, ...]
    total: Decimal
    #: per asked scalar (in the order of the calculation): category -> students
    answers: tuple[tuple[str, Mapping[str, int]], ...]
    first_wrong: tuple[tuple[str, int], ...]
    #: (mistake, description, students, labels with counts)
    mistakes: tuple[tuple[str, str, int, tuple[tuple[str, int], ...]], ...]
    bad: tuple[BadRow, ...]


def summarize(title: str, graded: Sequence[Graded], bad: Sequence[BadRow]) -> ClassSummary:
    """Count what the report shows (``bad``: every row not graded, the students' included)."""
    answers: dict[str, Counter[str]] = {}
    first: Counter[str] = Counter()
    mistakes: dict[str, tuple[str, set[str], Counter[str]]] = {}
    for g in graded:
        for s in g.scored:
            answers.setdefault(s.name, Counter())[s.category] += 1
        if g.report is None:
            continue
        if g.report.first_wrong:
            first[g.report.first_wrong] += 1
        for m in g.report.mistakes:
            _, students, labels = mistakes.setdefault(m.mistake, (m.description, set(), Counter()))
            students.add(g.student)
            labels[m.label] += 1
    ranked = sorted(mistakes.items(), key=lambda i: (-len(i[1][1]), i[0]))
    return ClassSummary(
        title=title,
        students=len(graded),
        submitted=sum(1 for g in graded if g.report is not None),
        scores=tuple(g.score for g in graded),
        total=max((g.total for g in graded), default=Decimal(0)),
        answers=tuple((name, dict(c)) for name, c in answers.items()),
        first_wrong=tuple(first.most_common()),
        mistakes=tuple(
            (name, description, len(students), tuple(labels.most_common(3)))
            for name, (description, students, labels) in ranked
        ),
        bad=tuple(bad),
    )


def _stats(summary: ClassSummary) -> str:
    if not summary.scores:
        return "no students"
    ordered = sorted(summary.scores)
    mean = sum(ordered, Decimal(0)) / len(ordered)
    median = ordered[(len(ordered) - 1) // 2]
    return (
        f"mean {points(round(mean, 2))}, median {points(median)}, "
        f"lowest {points(ordered[0])}, highest {points(ordered[-1])} "
        f"of {points(summary.total)} points"
    )


COLUMNS = tuple(LABELS)


def report_markdown(summary: ClassSummary) -> str:
    lines = [
        f"# {markdown(summary.title or 'A class')}: class report",
        "",
        f"{summary.students} students, {summary.submitted} submitted. Scores: {_stats(summary)}.",
        "",
        "## Each answer",
        "",
        "| answer | " + " | ".join(LABELS[c] for c in COLUMNS) + " |",
        "|---" * (len(COLUMNS) + 1) + "|",
    ]
    for name, counts in summary.answers:
        lines.append(
            f"| {markdown(name)} | " + " | ".join(str(counts.get(c, 0)) for c in COLUMNS) + " |"
        )
    lines += ["", "## First wrong answer", ""]
    lines += [f"- {markdown(name)}: {n} students" for name, n in summary.first_wrong] or ["- none"]
    lines += ["", "## Most common mistakes", ""]
    lines += [
        f"- {markdown(description)} (`{name}`): {n} students — "
        + ", ".join(f"{markdown(label)} ({k})" for label, k in labels)
        for name, description, n, labels in summary.mistakes
    ] or ["- none found"]
    lines += ["", f"## Rows not graded: {len(summary.bad)}", ""]
    lines += [
        f"- row {b.row} ({markdown(b.student)}): {markdown(b.reason)}" for b in summary.bad
    ] or ["- none"]
    return "\n".join(lines) + "\n"


def report_latex(summary: ClassSummary, latex_names: Mapping[str, str]) -> str:
    def name_of(name: str) -> str:
        return (
            rf"$\displaystyle {latex_names[name]}$"
            if name in latex_names
            else rf"\texttt{{{escape_text(name)}}}"
        )

    header = " & ".join(["answer", *(LABELS[c] for c in COLUMNS)])
    rows = [
        " & ".join([name_of(name), *(str(counts.get(c, 0)) for c in COLUMNS)]) + r" \\"
        for name, counts in summary.answers
    ]
    body = [
        rf"\section*{{{escape_text(summary.title or 'A class')}: class report}}",
        f"{summary.students} students, {summary.submitted} submitted. Scores: {_stats(summary)}.",
        r"\subsection*{Each answer}",
        r"\begin{center}\small",
        r"\begin{tabular}{l" + "r" * len(COLUMNS) + "}",
        r"\toprule",
        header + r" \\ \midrule",
        *rows,
        r"\bottomrule",
        r"\end{tabular}",
        r"\end{center}",
        r"\subsection*{First wrong answer}",
        _items([f"{name_of(name)}: {n} students" for name, n in summary.first_wrong], "none"),
        r"\subsection*{Most common mistakes}",
        _items(
            [
                f"{escape_text(description)} (\\texttt{{{escape_text(name)}}}): {n} students --- "
                + ", ".join(f"{escape_text(label)} ({k})" for label, k in labels)
                for name, description, n, labels in summary.mistakes
            ],
            "none found",
        ),
        rf"\subsection*{{Rows not graded: {len(summary.bad)}}}",
        _items(
            [
                f"row {b.row} ({escape_text(b.student)}): {escape_text(b.reason)}"
                for b in summary.bad
            ],
            "none",
        ),
    ]
    return PREAMBLE + "\\begin{document}\n" + "\n\n".join(body) + "\n\\end{document}\n"


def _items(items: Sequence[str], empty: str) -> str:
    if not items:
        return empty + "."
    return "\\begin{itemize}\n" + "\n".join(rf"\item {item}" for item in items) + "\n\\end{itemize}"
