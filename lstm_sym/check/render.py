"""Feedback reports from a :class:`~lstm_sym.check.report.CheckReport`: Markdown and LaTeX.

Every piece of user text (answer names as written, the problem's title) is escaped:
``|`` and backslashes in Markdown tables, and everything TeX would read as markup in
LaTeX (:func:`lstm_sym.latex.escape.escape_text`), so a report never runs anything.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import InputError
from ..latex.escape import escape_text
from .report import CheckReport


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("`", "\\`").replace("\n", " ")


def to_markdown(report: CheckReport) -> str:
    """The report as a Markdown document: summary, table, notes, likely mistakes."""
    lines = [f"# {_md(report.title) if report.title else 'Check of hand calculations'}", ""]
    lines += [_md(report.summary()) + ".", ""]
    lines += ["| answer | written | verdict | correctly rounded | note |", "|---|---|---|---|---|"]
    for a in report.answers:
        note = "" if a.ok else a.explanation
        cells = (a.key, a.written, a.verdict, a.rounded, note)
        lines.append("| " + " | ".join(_md(c) for c in cells) + " |")
    if report.first_wrong:
        lines += [
            "",
            f"The first wrong answer, in the order of the calculation: `{_md(report.first_wrong)}`.",
        ]
    if report.mistakes:
        lines += ["", "## Mistakes that reproduce wrong answers", ""]
        lines += [
            f"- {_md(m.label)} ({_md(m.description)}): {_md(', '.join(m.explains))}"
            for m in report.mistakes
        ]
    return "\n".join(lines) + "\n"


def to_latex(report: CheckReport) -> str:
    """The report as a standalone LaTeX document (pdfLaTeX, standard packages only)."""
    title = escape_text(report.title) if report.title else "Check of hand calculations"
    lines = [
        r"\documentclass[11pt]{article}",
        r"\usepackage[margin=2cm]{geometry}",
        r"\usepackage{array}",
        r"\usepackage{amsmath,amssymb}",
        r"\begin{document}",
        rf"\section*{{{title}}}",
        escape_text(report.summary()) + ".",
        "",
        r"\medskip",
        r"\noindent\begin{tabular}{@{}llllp{6.5cm}@{}}",
        r"\hline",
        r"answer & written & verdict & correctly rounded & note \\",
        r"\hline",
    ]
    for a in report.answers:
        note = "" if a.ok else a.explanation
        cells = (a.key, a.written, a.verdict, a.rounded, note)
        lines.append(" & ".join(escape_text(c) for c in cells) + r" \\")
    lines += [r"\hline", r"\end{tabular}"]
    if report.first_wrong:
        lines += [
            "",
            r"\medskip",
            r"\noindent The first wrong answer, in the order of the calculation: "
            + escape_text(report.first_wrong)
            + ".",
        ]
    if report.mistakes:
        lines += ["", r"\subsection*{Mistakes that reproduce wrong answers}", r"\begin{itemize}"]
        lines += [
            rf"\item {escape_text(m.label)} ({escape_text(m.description)}): "
            + escape_text(", ".join(m.explains))
            for m in report.mistakes
        ]
        lines.append(r"\end{itemize}")
    lines.append(r"\end{document}")
    return "\n".join(lines) + "\n"


#: Report formats by file suffix.
REPORT_FORMATS: dict[str, Callable[[CheckReport], str]] = {
    ".md": to_markdown,
    ".tex": to_latex,
}


def report_writer(path: str | Path) -> Callable[[CheckReport], str]:
    """The renderer for ``path``'s suffix (``.md`` or ``.tex``); anything else is an error."""
    suffix = Path(path).suffix.lower()
    if suffix not in REPORT_FORMATS:
        raise InputError("--report", "a file name ending in .md or .tex", repr(str(path)))
    return REPORT_FORMATS[suffix]


def render_report(report: CheckReport, path: str | Path) -> str:
    """The report in the format ``path``'s suffix names (``.md`` or ``.tex``)."""
    return report_writer(path)(report)
