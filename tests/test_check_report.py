"""Feedback reports: Markdown and LaTeX escape user text; the LaTeX report compiles."""

from __future__ import annotations

import subprocess
from decimal import Decimal as D
from pathlib import Path

import pytest
from optional import need_latex

from lstm_sym import loads_problem
from lstm_sym.check import check
from lstm_sym.check.render import to_latex, to_markdown

HOSTILE = r"\input{/etc/passwd} & $x$ % #1 _ ^ ~ | `md` \write18{ls}"


@pytest.fixture(scope="module")
def report():  # type: ignore[no-untyped-def]
    text = Path("examples/hw6.toml").read_text()
    title = HOSTILE.replace("\\", "\\\\")
    problem = loads_problem(
        text.replace('title = "HW6 Problem 1: an LSTM over two time steps"', f'title = "{title}"')
    )
    assert problem.title == HOSTILE
    return check(problem, {"dL/dW_f": [D("-0.01697"), D("0.05")], "L": D("1.0597")})


def test_latex_escapes_user_text(report) -> None:  # type: ignore[no-untyped-def]
    """No user text reaches TeX as markup: the title's commands and specials are escaped."""
    latex = to_latex(report)
    assert "\\input{" not in latex and "\\write18" not in latex
    assert "\\textbackslash{}input" in latex and "dL/dW\\texttt{\\char95}f" in latex


def test_markdown_escapes_table_cells(report) -> None:  # type: ignore[no-untyped-def]
    """User text cannot break the Markdown table: pipes and backticks are escaped."""
    markdown = to_markdown(report)
    assert "\\|" in markdown.splitlines()[0] and "\\`md\\`" in markdown
    assert "the ½ of the loss forgotten" in markdown


def test_latex_report_compiles(report, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The LaTeX report is a complete document that pdfLaTeX compiles (no shell escape)."""
    need_latex("pdflatex")
    source = tmp_path / "feedback.tex"
    source.write_text(to_latex(report))
    result = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-no-shell-escape", source.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    assert (tmp_path / "feedback.pdf").stat().st_size > 1000
