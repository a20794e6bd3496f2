"""Sheets compiled with LaTeX: they build, read right and stay inside the margins.

These tests need ``latexmk`` and ``pdftotext``. Where those are missing they are skipped
with a visible reason — unless ``LSTM_SYM_REQUIRE_LATEX=1`` (set by ``.ci/run``), when
they fail instead.
"""

from __future__ import annotations

import random
import re
import subprocess
from pathlib import Path

import pytest
from optional import need_latex
from sheet_problems import problem_for

import lstm_sym
from lstm_sym.classroom.template import load_template
from lstm_sym.cli import main
from lstm_sym.latex import Sheet, build_pdf
from lstm_sym.latex.build import LatexError
from lstm_sym.latex.document import given, latex_document
from lstm_sym.latex.names import NameStyle
from lstm_sym.problem import load_problem

pytestmark = pytest.mark.latex

ROOT = Path(__file__).resolve().parent.parent
HW6 = ROOT / "examples" / "hw6.toml"
BATCH = ROOT / "examples" / "batch_d3_n2.toml"


@pytest.fixture(autouse=True)
def latex_tools() -> None:
    """Skip (or, in CI, fail) when the TeX tools are not installed."""
    need_latex()


def _build(sheet: Sheet, path: Path) -> tuple[str, str]:
    """Build ``sheet``; return the PDF's text (minus signs as '-') and the LaTeX log."""
    pdf = sheet.write(path, pdf=True, keep_log=True)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.replace("\u2212", "-"), path.with_suffix(".log").read_text(errors="replace")


def _overfull(log: str) -> list[str]:
    return re.findall(r"Overfull \\hbox \([0-9.]+pt too wide\)[^\n]*", log)


def _random_problem(path: Path, n: int, d: int, steps: int) -> Path:
    """A problem with n hidden units and d inputs, two-decimal numbers (seeded)."""
    rng = random.Random(n * 100 + d * 10 + steps)

    def number() -> str:
        return f"{rng.choice((-1, 1)) * rng.randint(1, 99) / 100:.2f}"

    def vector(k: int) -> str:
        return "[" + ", ".join(number() for _ in range(k)) + "]"

    def matrix(r: int, c: int) -> str:
        return "[" + ", ".join(vector(c) for _ in range(r)) + "]"

    lines = ["[parameters]"]
    for gate in "fioc":
        lines += [
            f"W_{gate} = {matrix(n, d)}",
            f"U_{gate} = {matrix(n, n)}",
            f"b_{gate} = {vector(n)}",
        ]
    lines += ["[sequence]", "x = " + matrix(steps, d), "y = " + matrix(steps, n)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_homework_pdf_has_the_homework_numbers(tmp_path: Path) -> None:
    """The homework sheet builds; its text has h_1, h_2 and L as the homework has them."""
    text, log = _build(Sheet.load(HW6), tmp_path / "hw6.tex")
    for value in ("0.21741", "-0.18988", "0.52986", "0.76852", "-0.98988"):
        assert value in text
    assert "half the sum of squared errors" in text and "Gate order" in text
    assert "_t" not in text and "homework" not in text  # the loss is typeset math
    assert not _overfull(log)


@pytest.mark.parametrize("view", ["scalar", "vector"])
def test_batch_pdf(tmp_path: Path, view: str) -> None:
    """The d = 3, n = 2, T = 3 batch-of-2 sheet builds within the margins with its values."""
    text, log = _build(Sheet.load(BATCH, view=view), tmp_path / "batch.tex")
    solution = lstm_sym.solve(BATCH, 5, decimals=True, gradients=True)
    for name in ("L", "h_3[1]^(2)", "dL_dW_c[2,3]", "dL_dc_0[1]^(1)"):
        assert f"{solution[name]:f}" in text
    assert not _overfull(log)


@pytest.mark.parametrize(("view", "problem_only"), [("vector", False), ("scalar", True)])
def test_vector_view_and_problem_only(tmp_path: Path, view: str, problem_only: bool) -> None:
    """The vector view and a problem-only sheet build within the margins."""
    text, log = _build(Sheet.load(HW6, view=view, problem_only=problem_only), tmp_path / "s.tex")
    assert ("0.52986" in text) is not problem_only
    assert not _overfull(log)


@pytest.mark.parametrize("view", ["scalar", "vector"])
def test_largest_supported_sizes_stay_in_the_margins(tmp_path: Path, view: str) -> None:
    """n = 4 hidden units and d = 6 inputs: nothing runs past the margin."""
    problem = _random_problem(tmp_path / "big.toml", n=4, d=6, steps=1)
    _, log = _build(Sheet.load(problem, view=view), tmp_path / "big.tex")
    assert not _overfull(log)


def test_wide_matrices_at_many_digits_shrink_to_fit(tmp_path: Path) -> None:
    """At 12 decimals the 4 × 6 gradient matrices are set smaller instead of overflowing."""
    problem = _random_problem(tmp_path / "big.toml", n=4, d=6, steps=1)
    sheet = Sheet.load(problem, view="vector", digits=12, parts=("backward", "summary"))
    _, log = _build(sheet, tmp_path / "big.tex")
    assert not _overfull(log)


def test_injected_title_prints_literally(tmp_path: Path) -> None:
    """A title full of TeX commands is printed as text; nothing is read, written or run."""
    title = r"\input{/etc/hostname} \write18{touch pwned} \catcode`\{=12 ^^5cinput %"
    text, _ = _build(Sheet.load(HW6, title=title, parts=("forward",)), tmp_path / "t.tex")
    assert r"\input{/etc/hostname} \write18{touch pwned}" in text
    assert not (tmp_path / "pwned").exists()


def test_latex_failure_is_one_readable_error(tmp_path: Path) -> None:
    """A LaTeX error becomes one message quoting TeX and naming the kept log."""
    tex = tmp_path / "broken.tex"
    tex.write_text(
        "\\documentclass{article}\n\\begin{document}\n\\nosuchcommand\n\\end{document}\n"
    )
    with pytest.raises(LatexError) as error:
        build_pdf(tex)
    message = str(error.value)
    assert "broken.tex:3: Undefined control sequence" in message
    assert str(tmp_path / "broken.log") in message and (tmp_path / "broken.log").is_file()
    assert not (tmp_path / "broken.pdf").exists()


def test_cli_pdf(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`lstm-sym sheet PROBLEM -o FILE --pdf` writes the .tex and the PDF beside it."""
    out = tmp_path / "hw6.tex"
    assert main(["sheet", str(HW6), "-o", str(out), "--pdf", "--parts", "forward"]) == 0
    assert out.is_file() and out.with_suffix(".pdf").is_file()
    assert capsys.readouterr().out.strip() == str(out.with_suffix(".pdf"))


def test_pdf_is_reproducible(tmp_path: Path) -> None:
    """Building the same sheet twice gives byte-identical PDFs."""
    sheet = Sheet.load(HW6, parts=("forward", "loss"))
    first = sheet.write(tmp_path / "a.tex", pdf=True).read_bytes()
    second = sheet.write(tmp_path / "b.tex", pdf=True).read_bytes()
    assert first == second


def test_every_builtin_description_builds(tmp_path: Path) -> None:
    """Every built-in cell's, loss's and head's LaTeX text compiles and prints no markup."""
    from lstm_sym.spec.heads import HEADS

    texts = [cell.latex_description for cell in lstm_sym.CELLS.values()]
    texts += [text for cell in lstm_sym.CELLS.values() for text in cell.latex_conventions.values()]
    texts += [loss.latex_description for loss in lstm_sym.LOSSES.values()]
    texts += [head.latex_description for head in HEADS.values()]
    tex = tmp_path / "descriptions.tex"
    body = "\n\n".join(texts)
    tex.write_text(latex_document(body))
    pdf = build_pdf(tex)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "GRU of Cho et al. 2014" in text and "LSTM with forget gate" in text
    assert not re.search(r"[$\\{}]", text)


def test_every_problem_section_stays_in_the_margins(tmp_path: Path) -> None:
    """The Problem section (descriptions, conventions, data) of every cell and example fits."""
    problems = [problem_for(cell) for cell in lstm_sym.CELLS.values()]
    problems += [
        load_template(path).problem("a student", 0)
        if "variants" in path.name
        else load_problem(path)
        for path in sorted((ROOT / "examples").glob("*.toml"))
        if "answers" not in path.name
    ]
    sections = [given(p, NameStyle(p.cell), lambda name: None) for p in problems]
    tex = tmp_path / "problems.tex"
    body = "\n\\clearpage\n".join(sections)
    tex.write_text(latex_document(body))
    build_pdf(tex, keep_log=True)
    assert not _overfull(tex.with_suffix(".log").read_text(errors="replace"))
