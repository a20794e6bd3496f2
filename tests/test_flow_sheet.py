"""The "Gradient flow" section of solution sheets (``lstm-sym sheet --flow``)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from goldens import check_golden
from optional import need_latex

from lstm_sym.cli import main
from lstm_sym.latex import Sheet
from lstm_sym.latex.flow import flow_section, number
from lstm_sym.problem import load_problem

HW6 = "examples/hw6.toml"


def test_section_golden() -> None:
    """The homework's flow section: plot data, table, and the two product lines."""
    check_golden("flow_section_hw6.tex", flow_section(load_problem(HW6), 5))


def test_direct_product_line_reads_formula_numbers_value() -> None:
    """∂c_2/∂c_0 along the carousel is written f_2 f_1 = numbers = value."""
    text = flow_section(load_problem(HW6), 5)
    assert r"= f_{2} f_{1} = 0.23303 \cdot 0.76852 = 0.17909" in text.replace(r"\\", "")


def test_sheet_has_the_section_only_when_asked() -> None:
    """--flow adds the section and pgfplots; without it the sheet is unchanged."""
    plain = Sheet(HW6).to_latex()
    with_flow = Sheet(HW6, flow=True).to_latex()
    assert r"\section*{Gradient flow}" not in plain and "pgfplots" not in plain
    assert r"\section*{Gradient flow}" in with_flow and r"\usepackage{pgfplots}" in with_flow
    assert r"\section*{Gradient flow}" not in Sheet(HW6, flow=True, problem_only=True).to_latex()


def test_small_and_large_numbers() -> None:
    """Flow values far from 1 print as m · 10^k, others positionally, zero as 0."""
    from decimal import Decimal

    assert number(Decimal("1.23E-18")) == r"1.23 \cdot 10^{-18}"
    assert number(Decimal("0.000512")) == "0.000512"
    assert number(Decimal(0)) == "0"


@pytest.mark.latex
def test_sheet_with_flow_compiles(tmp_path: Path) -> None:
    """`lstm-sym sheet --flow --pdf` builds, and the PDF shows the section and its line."""
    need_latex("latexmk", "pdflatex", "pdftotext")
    tex = tmp_path / "hw6.tex"
    assert main(["sheet", HW6, "--flow", "--parts", "summary", "-o", str(tex), "--pdf"]) == 0
    text = subprocess.run(
        ["pdftotext", str(tex.with_suffix(".pdf")), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Gradient flow" in text
    assert "= f2 f1 = 0.23303 · 0.76852 = 0.17909" in text


def test_batch_section_reads_the_first_sequence() -> None:
    """A batch problem's section is the first sequence's, with its names (f_{3,1}^{(1)})."""
    text = flow_section(load_problem("examples/batch_d3_n2.toml"), 3)
    assert "(the first sequence)" in text
    assert "f_{3,1}^{(1)} f_{2,1}^{(1)}" in text
