"""A student's feedback: the score per asked answer, then the checker's report.

Markdown (``feedback/v001.md``) and LaTeX (``feedback/v001.tex``, and a PDF): a table of
the asked answers with what was written, the verdict and the points, the rows that could
not be graded, and the full check report (:mod:`lstm_sym.check.render`): every verdict
with its note, the first wrong answer's correct line of work, the likely mistakes. Names
from the roster and answers as written are escaped.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..check.render import to_latex, to_markdown
from ..errors import escape_controls
from ..latex.escape import escape_text
from .grading import LABELS, Graded
from .text import markdown, points


def score_line(graded: Graded) -> str:
    return f"{points(graded.score)} of {points(graded.total)} points"


def feedback_markdown(graded: Graded) -> str:
    """The Markdown feedback of one student."""
    who = f"{markdown(graded.name)} ({markdown(graded.student)})"
    lines = [
        f"# Feedback for {who}, variant {graded.variant}",
        "",
        f"**{score_line(graded)}.**",
        "",
        "| answer | places | written | verdict | points |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {markdown(s.name)} | {s.places} | {markdown(s.written) or '—'} | {LABELS[s.category]} | "
        f"{points(s.points)} of {points(s.most)} |"
        for s in graded.scored
    ]
    if graded.bad:
        lines += ["", "Rows that could not be graded:", ""]
        lines += [f"- row {b.row}: {markdown(b.reason)}" for b in graded.bad]
    if graded.report is None:
        lines += ["", "No answers were received."]
    else:
        report = to_markdown(graded.report)  # its title one level down
        lines += ["", "#" + report if report.startswith("# ") else report]
    return "\n".join(lines).rstrip("\n") + "\n"


def feedback_latex(graded: Graded, latex_names: Sequence[str]) -> str:
    """The LaTeX feedback of one student (``latex_names``: the asked scalars typeset)."""
    rows = [
        rf"$\displaystyle {name}$ & {s.places} & {escape_text(s.written) or '---'} & {LABELS[s.category]} & "
        rf"{points(s.points)} of {points(s.most)} \\"
        for name, s in zip(latex_names, graded.scored, strict=True)
    ]
    who = f"{escape_text(graded.name)} ({escape_text(graded.student)})"
    head = [
        rf"\section*{{Feedback for {who}, variant {escape_text(graded.variant)}}}",
        rf"\textbf{{{score_line(graded)}.}}",
        "",
        r"\medskip",
        r"\noindent\begin{tabular}{@{}lllll@{}}",
        r"\hline",
        r"answer & places & written & verdict & points \\",
        r"\hline",
        *rows,
        r"\hline",
        r"\end{tabular}",
    ]
    if graded.bad:
        head += ["", r"\medskip", r"\noindent Rows that could not be graded:", r"\begin{itemize}"]
        head += [
            rf"\item row {b.row}: {escape_text(escape_controls(b.reason))}" for b in graded.bad
        ]
        head.append(r"\end{itemize}")
    if graded.report is None:
        head += ["", r"\medskip", r"\noindent No answers were received."]
        body = "\n".join(
            [
                r"\documentclass[11pt]{article}",
                r"\usepackage[margin=2cm]{geometry}",
                r"\usepackage{amsmath,amssymb}",
                r"\begin{document}",
                *head,
                r"\end{document}",
            ]
        )
        return body + "\n"
    report = to_latex(graded.report)
    return report.replace("\\begin{document}\n", "\\begin{document}\n" + "\n".join(head) + "\n", 1)
