"""Feedback reports from a :class:`~lstm_sym.check.report.CheckReport`: Markdown and LaTeX.

Every piece of user text (answer names as written, the problem's title) is escaped:
``|`` and backslashes in Markdown tables, and everything TeX would read as markup in
LaTeX (:func:`lstm_sym.latex.escape.escape_text`), so a report never runs anything. In
LaTeX, quantities are typeset as the solution sheet names them (``$\\tilde{c}_{1}$``), in
notes and mistake descriptions too (``c_{t−1}`` becomes ``$c_{t-1}$``), and very long
numbers are shortened (``0.21741463870951448367…`` with their digit count) so that they
fit the page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path

from ..errors import InputError
from ..latex.document import latex_document
from ..latex.escape import escape_text
from .report import AnswerCheck, CheckReport

#: Digits of a number a LaTeX report shows before shortening it.
SHOWN_DIGITS = 24
#: A LaTeX line may break after every this many digits of a long number.
DIGIT_GROUP = 8


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("`", "\\`").replace("\n", " ")


def to_markdown(report: CheckReport) -> str:
    """The report as a Markdown document: summary, table, notes, line of work, likely mistakes."""
    lines = [f"# {_md(report.title) if report.title else 'Check of hand calculations'}", ""]
    lines += [_md(report.summary()) + ".", ""]
    lines += [
        "| answer | written | verdict | correctly rounded | off by | note |",
        "|---|---|---|---|---|---|",
    ]
    for a in report.answers:
        note = "" if a.ok else a.explanation
        cells = (a.key, a.written, a.verdict, a.rounded, a.off_by, note)
        lines.append("| " + " | ".join(_md(c) for c in cells) + " |")
    if report.first_wrong:
        lines += [
            "",
            f"The first wrong answer, in the order of the calculation: `{_md(report.first_wrong)}`.",
        ]
    if report.work is not None:
        work = report.work
        lines += [
            "Worked correctly, and yours:",
            "",
            "```text",
            work.text,
            f"yours: {work.name} = {work.written}",
            "```",
        ]
    if report.mistakes:
        lines += ["", "## Mistakes that reproduce wrong answers", ""]
        lines += [
            f"- {_md(m.label)} ({_md(m.description)}): {_md(', '.join(m.explains))}"
            for m in report.mistakes
        ]
    return "\n".join(lines) + "\n"


# -- LaTeX ---------------------------------------------------------------------------------

_SUBSCRIPT = r"_(?:\{[A-Za-z0-9,+\-−]+\}|[A-Za-z0-9]+)"
#: Math in catalogue text: ``∂L/∂h``, ``c_{t−1}``, ``δz_t``, ``W_f``, ``δh``.
_MATH = re.compile(
    rf"(?P<partial>∂L/∂(?P<wrt>[A-Za-z](?:{_SUBSCRIPT})?))"
    rf"|(?P<delta>δ)?(?P<base>(?<![A-Za-z0-9_\\])[A-Za-z]+)(?P<sub>{_SUBSCRIPT})(?![A-Za-z0-9_\[])"
    r"|(?P<adjoint>δ[a-z]\b)"
)
_LONG_NUMBER = re.compile(rf"\d{{{SHOWN_DIGITS + 6},}}")
_DIGIT_RUN = re.compile(rf"\d{{{DIGIT_GROUP + 1},}}")


def _math_name(base: str, subscript: str) -> str:
    """``c`` and ``_{t−1}`` as LaTeX math (``c_{t-1}``); multi-letter bases upright."""
    inner = subscript[1:].removeprefix("{").removesuffix("}").replace("−", "-")
    head = base if len(base) == 1 else rf"\mathrm{{{base}}}"
    return f"{head}_{{{inner}}}"


def _generic_math(match: re.Match[str]) -> str:
    if match["partial"]:
        wrt = match["wrt"]
        base, _, sub = wrt.partition("_")
        inner = _math_name(base, "_" + sub) if sub else base
        return rf"$\partial L/\partial {inner}$"
    if match["adjoint"]:
        return rf"$\delta {match['adjoint'][1]}$"
    delta = r"\delta " if match["delta"] else ""
    return f"${delta}{_math_name(match['base'], match['sub'])}$"


def _shorten(text: str) -> str:
    """Digit runs too long for a line, cut after ``SHOWN_DIGITS`` digits with their count."""
    return _LONG_NUMBER.sub(lambda m: f"{m[0][:SHOWN_DIGITS]}… ({len(m[0]):,} digits)", text)


def _breakable(latex: str) -> str:
    """Escaped text whose long digit runs may break across lines (every ``DIGIT_GROUP``)."""
    return _DIGIT_RUN.sub(
        lambda m: r"\allowbreak{}".join(
            m[0][k : k + DIGIT_GROUP] for k in range(0, len(m[0]), DIGIT_GROUP)
        ),
        latex,
    )


def _text(text: str) -> str:
    """Plain report text (numbers, verdicts) as LaTeX: shortened, escaped, breakable."""
    return _breakable(escape_text(_shorten(text)))


def typeset(text: str, names: Mapping[str, str]) -> str:
    """Plain report text as LaTeX: answer names and catalogue math typeset, the rest escaped.

    ``names`` maps canonical names (``c_tilde_1``) to their LaTeX (``\\tilde{c}_{1}``).
    """
    text = _shorten(text)
    known = sorted(names, key=len, reverse=True)
    alternatives = [
        rf"(?<![A-Za-z0-9_])(?P<n{k}>{re.escape(name)})(?![A-Za-z0-9_\[])"
        for k, name in enumerate(known)
    ]
    pattern = re.compile("|".join([*alternatives, _MATH.pattern]))
    out, end = [], 0
    for match in pattern.finditer(text):
        out.append(_breakable(escape_text(text[end : match.start()])))
        named = next((k for k in range(len(known)) if match[f"n{k}"]), None)
        out.append(f"${names[known[named]]}$" if named is not None else _generic_math(match))
        end = match.end()
    out.append(_breakable(escape_text(text[end:])))
    return "".join(out)


#: The table's columns: answer, written, verdict, correctly rounded, off by (numbers wrap).
_COLUMNS = "".join(
    rf">{{\raggedright\arraybackslash}}p{{{width}}}" if width else "l"
    for width in ("3.6cm", "3.2cm", "", "3.2cm", "3.2cm")
)


def _answer_name(answer: AnswerCheck) -> str:
    """An answer's quantity typeset (its canonical name as text, for reports without LaTeX)."""
    return f"${answer.latex}$" if answer.latex else escape_text(answer.name)


def to_latex(report: CheckReport) -> str:
    """The report as a standalone LaTeX document (the solution sheet's shell)."""
    names = {a.name: a.latex for a in report.answers if a.latex}
    title = escape_text(report.title) if report.title else "Check of hand calculations"
    lines = [
        rf"\section*{{{title}}}",
        typeset(report.summary(), names) + ".",
        "",
        r"\medskip",
        r"\noindent\begin{tabular}{@{}" + _COLUMNS + "@{}}",
        r"\hline",
        r"answer & written & verdict & correctly rounded & off by \\",
        r"\hline",
    ]
    for a in report.answers:
        name = _answer_name(a)
        if a.key != a.name:
            name += " (" + escape_text(a.key) + ")"
        cells = [_text(c) for c in (a.written, a.verdict, a.rounded, a.off_by)]
        lines.append(" & ".join([name, *cells]) + r" \\")
    lines += [r"\hline", r"\end{tabular}"]
    notes = [a for a in report.answers if not a.ok]
    if notes:
        lines += ["", r"\begin{itemize}"]
        lines += [rf"\item {_answer_name(a)}: {typeset(a.explanation, names)}" for a in notes]
        lines.append(r"\end{itemize}")
    if report.first_wrong:
        lines += [
            "",
            r"\medskip",
            r"\noindent The first wrong answer, in the order of the calculation: "
            + typeset(report.first_wrong, names)
            + ".",
        ]
    if report.work is not None:
        work = report.work
        lhs = names.get(work.name, escape_text(work.name))
        yours = rf"\text{{yours: }} {lhs} &= \text{{{escape_text(_shorten(work.written))}}}"
        lines += [
            "Worked correctly, and yours:",
            r"\begin{align*}",
            " \\\\\n".join([*work.latex, yours]),
            r"\end{align*}",
        ]
    if report.mistakes:
        lines += ["", r"\subsection*{Mistakes that reproduce wrong answers}", r"\begin{itemize}"]
        lines += [
            rf"\item {typeset(m.label, names)} ({typeset(m.description, names)}): "
            + typeset(", ".join(m.explains), names)
            for m in report.mistakes
        ]
        lines.append(r"\end{itemize}")
    return latex_document("\n".join(lines))


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
