"""Feedback reports: how far off, the first wrong answer's line of work, typeset names, escaping."""

from __future__ import annotations

import json
import re
import subprocess
from decimal import Decimal as D
from pathlib import Path

import pytest
from optional import need_latex

from lstm_sym import loads_problem
from lstm_sym.check import MISTAKES, CheckReport, MistakeFinding, check
from lstm_sym.check.mistakes import variants
from lstm_sym.check.render import to_latex, to_markdown, typeset
from lstm_sym.cli import main
from lstm_sym.latex import build_pdf
from lstm_sym.latex.document import PREAMBLE

HOSTILE = r"\input{/etc/passwd} & $x$ % #1 _ ^ ~ | `md` \write18{ls}"
HW6 = "examples/hw6.toml"
#: Answers with a wrong first step, a truncation, a wrong loss and names the sheet typesets.
ANSWERS = {
    "c~_1": D("0.9051"),
    "h_1": D("0.23000"),
    "(y_2-h_2)^2": D("0.9"),
    "dL/dW_f": [D("-0.01697"), D("0.05")],
    "L": D("1.0597"),
}


@pytest.fixture(scope="module")
def report():  # type: ignore[no-untyped-def]
    text = Path(HW6).read_text()
    title = HOSTILE.replace("\\", "\\\\")
    problem = loads_problem(
        text.replace('title = "HW6 Problem 1: an LSTM over two time steps"', f'title = "{title}"')
    )
    assert problem.title == HOSTILE
    return check(problem, {"dL/dW_f": [D("-0.01697"), D("0.05")], "L": D("1.0597")})


@pytest.fixture(scope="module")
def wrong() -> CheckReport:
    return check(HW6, ANSWERS)


def test_latex_escapes_user_text(report) -> None:  # type: ignore[no-untyped-def]
    """No user text reaches TeX as markup: the title's commands and specials are escaped."""
    latex = to_latex(report)
    assert latex.startswith(PREAMBLE)  # the solution sheet's shell
    body = latex.split("\\begin{document}", 1)[1]
    assert "\\input{" not in body and "\\write18" not in body
    assert "\\textbackslash{}input" in body and "dL/dW\\texttt{\\char95}f" in body


def test_markdown_escapes_table_cells(report) -> None:  # type: ignore[no-untyped-def]
    """User text cannot break the Markdown table: pipes and backticks are escaped."""
    markdown = to_markdown(report)
    assert "\\|" in markdown.splitlines()[0] and "\\`md\\`" in markdown
    assert "the ½ of the loss forgotten" in markdown


def test_text_report_says_how_far_off(wrong: CheckReport) -> None:
    """The text table has an "off by" column: written − exact, signed, for answers not correct."""
    text = wrong.to_text()
    assert "off by" in text.splitlines()[1]
    (h_1,) = [line for line in text.splitlines() if line.startswith("h_1 ")]
    assert h_1.split()[-1] == "+0.0125854"
    (c,) = [line for line in text.splitlines() if line.startswith("c~_1 ")]
    assert c.split()[-1] == "0.9051"  # correct: nothing in the off-by column


def test_markdown_and_latex_say_how_far_off(wrong: CheckReport) -> None:
    """Markdown and LaTeX tables show the same signed difference."""
    assert "| h_1 | 0.23000 | wrong | 0.21741 | +0.0125854 |" in to_markdown(wrong)
    assert "$h_{1}$ & 0.23000 & wrong & 0.21741 & +0.0125854 \\\\" in to_latex(wrong)


def test_first_wrong_answer_line_of_work(wrong: CheckReport) -> None:
    """The first wrong answer's sheet line (formula = numbers = value) is shown beside yours."""
    assert wrong.first_wrong == "h_1" and wrong.work is not None
    line = "h_1 = o_1*tanh(c_1) = 0.97812*tanh(0.22605) = 0.21741"
    assert f"  {line}\n  yours: h_1 = 0.23000\n" in wrong.to_text()
    assert f"```text\n{line}\nyours: h_1 = 0.23000\n```" in to_markdown(wrong)
    latex = to_latex(wrong)
    assert (
        r"h_{1} &= o_{1} \tanh{\left(c_{1} \right)} = 0.97812 \cdot \tanh{\left(0.22605 \right)}"
        r" = 0.21741 \\" + "\n" + r"\text{yours: } h_{1} &= \text{0.23000}"
    ) in latex
    data = json.loads(wrong.to_json())["work"]
    assert data["text"] == line and data["written"] == "0.23000"


def test_line_of_work_of_a_squared_error_and_a_gradient() -> None:
    """se_t's line is (y_t − h_t)² = numbers = value; a gradient's is the sheet's sum."""
    work = check(HW6, {"(y_2-h_2)^2": D("0.5")}).work
    assert work is not None and work.text == "se_2 = (-h_2 + y_2)**2 = (-(-0.2) + 0.8)**2 = 1.0"
    assert work.latex[0].startswith(r"\left(y_{2} - h_{2}\right)^{2} &= \left(0.8 - ")
    work = check(HW6, {"h_2": D("-0.5")}).work
    assert work is not None and work.text == "h_2 = o_2*tanh(c_2) = 0.9*tanh(-0.2) = -0.2"
    work = check(HW6, {"dL_dW_f[1,2]": D("0.050")}).work
    assert work is not None
    assert work.text.endswith("= 0.000*0 + (-0.034)*(-1) = 0.034")
    assert work.latex[0].startswith(r"\frac{\partial L}{\partial W_{f,12}} &= \delta z_{f,1}")


def test_latex_names_are_typeset(wrong: CheckReport) -> None:
    """LaTeX reports typeset quantities as the sheet does, in the table, notes and mistakes."""
    latex = to_latex(wrong)
    assert r"$\tilde{c}_{1}$ (c\texttt{\char126}\texttt{\char95}1) & 0.9051" in latex
    assert r"$\frac{\partial L}{\partial W_{f,12}}$ (dL/dW\texttt{\char95}f[1,2])" in latex
    assert r"$\left(y_{2} - h_{2}\right)^{2}$" in latex
    assert r"first wrong: $h_{1}$." in latex
    assert r"): $L$" in latex  # the mistake's list of the answers it explains
    assert "c\\_{" not in latex and "\\texttt{\\char95}\\{" not in latex


def test_catalogue_text_is_typeset() -> None:
    """Mistake labels and descriptions typeset their math: c_{t−1}, δz_t, ∂L/∂h, W_f."""
    names = {"c_tilde_1": r"\tilde{c}_{1}", "h_2": "h_{2}"}
    assert typeset("c_{t−1} not carried", names) == "$c_{t-1}$ not carried"
    assert typeset("∂L/∂U = Σ δz_t h_{t−1}ᵀ", names) == (
        r"$\partial L/\partial U$ = \ensuremath{\Sigma} $\delta z_{t}$ $h_{t-1}$"
        r"\ensuremath{^{\top}}"
    )
    assert (
        typeset("δh and δc not carried back", names)
        == r"$\delta h$ and $\delta c$ not carried back"
    )
    assert typeset("your h_2 = -0.18988 and c_tilde_1", names) == (
        r"your $h_{2}$ = -{}0.18988 and $\tilde{c}_{1}$"
    )
    assert typeset("W_f transposed; x_{\\input{a}}", names).startswith("$W_{f}$ transposed; ")
    assert "\\input" not in typeset("x_{\\input{a}}", names).replace("\\textbackslash{}input", "")


def test_jupyter_shows_markdown(wrong: CheckReport) -> None:
    """In Jupyter a report displays as its Markdown report."""
    assert wrong._repr_markdown_() == to_markdown(wrong)
    assert wrong._repr_markdown_().startswith("# HW6 Problem 1")


# -- the LaTeX report compiles ------------------------------------------------------------


@pytest.fixture
def latex_tools() -> None:
    """Skip (or, with LSTM_SYM_REQUIRE_LATEX=1 as in CI, fail) when TeX is missing."""
    need_latex("latexmk", "pdflatex", "pdftotext")


@pytest.mark.latex
@pytest.mark.usefixtures("latex_tools")
def test_latex_report_compiles(report, wrong: CheckReport, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The report (hostile title, every catalogued mistake, a 10,000-digit answer) builds
    with latexmk, inside the margins, and reads right."""
    from lstm_sym import load_problem

    problem = load_problem(HW6)
    findings = tuple(
        MistakeFinding(v.mistake, v.label, MISTAKES[v.mistake].description, ("h_1",))
        for v in variants(problem)
    )
    long = check(problem, {"h_1": "0." + "3" * 10_000, "c_1": "1e-1000"})
    answers = tmp_path / "answers.toml"
    answers.write_text('h_1 = 0.23000\n"(y_2-h_2)^2" = 0.9\nL = 1.0597\n')
    cli = tmp_path / "cli.tex"
    assert main(["check", HW6, str(answers), "--report", str(cli)]) == 1
    build_pdf(cli)  # the command line's --report path compiles as it is
    for name, source in {"hostile": report, "wrong": wrong, "long": long}.items():
        if name == "wrong":
            source = CheckReport(**{**source.__dict__, "mistakes": findings})
        tex = tmp_path / f"{name}.tex"
        tex.write_text(to_latex(source))
        pdf = build_pdf(tex, keep_log=True)
        log = tex.with_suffix(".log").read_text(errors="replace")
        assert not re.findall(r"Overfull \\hbox \(([0-9.]+)pt", log), name
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "answer" in text and "off by" in text and "yours:" in text
