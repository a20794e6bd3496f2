"""Jupyter shows what the sheet shows: names, short reprs, headed solutions, a real notebook.

The notebook test executes a notebook with nbconvert and needs ``nbformat``, ``nbconvert``
and ``ipykernel``; where they are missing it is skipped with a visible reason — unless
``LSTM_SYM_REQUIRE_NOTEBOOK=1``, when it fails instead.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from types import ModuleType

import pytest
import sympy
from optional import NOTEBOOK, need_modules

import lstm_sym
from lstm_sym.latex import Sheet
from lstm_sym.names import Name, symbol

ROOT = Path(__file__).resolve().parent.parent
HW6 = ROOT / "examples" / "hw6.toml"
HW6_REPR = "lstm, loss=half_sse, d=2, n=1, T=2, B=1"


@pytest.fixture(scope="module")
def model() -> lstm_sym.Model:
    return lstm_sym.Model.load(HW6)


@pytest.mark.parametrize(
    ("name", "tex"),
    [
        ("c_2", r"c_{1} f_{2} + \tilde{c}_{2} i_{2}"),
        ("z_c_2", r"W_{c,11} x_{2,1} + W_{c,12} x_{2,2} + U_{c} h_{1} + b_{c}"),
        ("c_tilde_2", r"\tanh{\left(z_{\tilde{c},2} \right)}"),
        (
            "delta_c_1",
            r"\delta h_{1} o_{1} \left(1 - \tanh^{2}{\left(c_{1} \right)}\right) + \delta c_{2} f_{2}",
        ),
    ],
)
def test_expressions_print_sheet_names(model: lstm_sym.Model, name: str, tex: str) -> None:
    """``Model.expr`` displays with the sheet's names and term order (not SymPy's ``c_{tilde 2}``)."""
    expression = model.expr(name)
    assert expression._repr_latex_() == f"$\\displaystyle {tex}$"
    assert sympy.latex(expression) == tex


def test_expressions_match_every_sheet_line(model: lstm_sym.Model) -> None:
    """Every assignment's expression prints exactly as the formula of its sheet line."""
    sheet = Sheet(model)
    for assignment in model.program():
        formula = " ".join(sheet._formula.terms(assignment.expr))
        assert model.expr(assignment.name).latex() == formula, assignment.name


def test_expressions_are_still_sympy(model: lstm_sym.Model) -> None:
    """An expression compares, prints, differentiates and substitutes as its SymPy expression."""
    expression = model.expr("c_2")
    f_2, c_1 = symbol(Name("f", 2)), symbol(Name("c", 1))
    assert expression == c_1 * f_2 + symbol(Name("c_tilde", 2)) * symbol(Name("i", 2))
    assert str(expression) == "c_1*f_2 + c_tilde_2*i_2" and repr(expression) == str(expression)
    assert sympy.diff(expression, f_2) == c_1 and expression.diff(f_2) == c_1
    assert (expression - c_1 * f_2).free_symbols == {
        symbol(Name("c_tilde", 2)),
        symbol(Name("i", 2)),
    }
    assert expression.subs(f_2, 0) - 1 == symbol(Name("c_tilde", 2)) * symbol(Name("i", 2)) - 1
    assert r"\sigma\left(W_{f,11} x_{1,1} + W_{f,12} x_{1,2}" in model.closed_form("h_1").latex()
    assert copy.copy(expression) == expression and copy.deepcopy(expression).cell is not None


def test_short_reprs(model: lstm_sym.Model) -> None:
    """Problem, Model, Solution, Sheet, cell, loss and generated functions have one-line reprs."""
    solution = model.solve(6)
    functions = lstm_sym.lambdify(HW6)
    assert repr(model.problem) == f"<Problem {HW6_REPR}>"
    assert repr(model) == f"<Model {HW6_REPR}>"
    assert (
        repr(solution) == f"<Solution {HW6_REPR}: {len(solution)} values to 6 significant digits>"
    )
    assert repr(functions) == (
        "<Functions lstm, loss=half_sse, style=scalar, backend=numpy: forward, loss, loss_and_grad>"
    )
    assert repr(Sheet(model)).startswith(f"<Sheet {HW6_REPR}: solution sheet, scalar view")
    assert repr(model.problem.cell) == "<Cell lstm: 12 parameters, states h, c>"
    assert repr(model.problem.loss).startswith("<Loss half_sse: ½ Σ_t ‖y_t − h_t‖²")
    assert repr(Sheet(model).step(1)) == "<Block 'Step 1': 24 lines>"
    torch_layout = lstm_sym.load_problem(ROOT / "examples" / "pytorch_lstm.toml")
    assert repr(torch_layout).endswith("T=2, B=1, layout=pytorch>")


def test_solution_markdown_has_headed_sections(model: lstm_sym.Model) -> None:
    """Title, header line and each section stand apart, names typeset as on the sheet."""
    markdown = model.solve(6, gradients=True)._repr_markdown_()
    assert markdown.startswith(
        "**HW6 Problem 1: an LSTM over two time steps**\n\nlstm cell, half\\_sse loss;"
    )
    for heading in ("Forward pass", "Loss", r"Backward pass ($\delta q", "Gradients"):
        assert f"\n\n#### {heading}" in markdown
    assert r"| $\tilde{c}_{2}$ | -0.587525 |" in markdown
    assert r"| $\frac{\partial L}{\partial W_{f,12}}$ |" in markdown
    assert "tilde_" not in markdown and "`" not in markdown


def test_solution_markdown_escapes_the_title() -> None:
    """A title's Markdown and math characters print literally."""
    problem = lstm_sym.load_problem(HW6)
    problem = type(problem)(**{**problem.__dict__, "title": "a_b *c* $x$ <i>"})
    markdown = lstm_sym.Model(problem).solve(3)._repr_markdown_()
    assert markdown.startswith(r"**a\_b \*c\* \$x\$ \<i\>**" + "\n\n")


def test_solution_latex_has_headings(model: lstm_sym.Model) -> None:
    """The LaTeX view separates sections, each under a bold heading."""
    latex = model.solve(6)._repr_latex_()
    assert latex.startswith(r"$\begin{aligned}& \textbf{Forward pass} \\ z_{f,1} &= 1.20000")
    assert r"h_{2} &= -0.189882 \\[1ex] & \textbf{Loss} \\ \ell_{1}" in latex


# -- a real notebook --------------------------------------------------------------------------

NOTEBOOK_PACKAGES = ("nbformat", "nbconvert", "ipykernel")


def _notebook_modules() -> dict[str, ModuleType]:
    """nbformat, nbconvert and ipykernel; skipped (or, when required, failed) if missing."""
    return need_modules(NOTEBOOK, *NOTEBOOK_PACKAGES)


CELLS = [
    f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nimport lstm_sym",
    f"model = lstm_sym.Model.load({str(HW6)!r})\nmodel",
    "model.problem",
    'model.expr("c_2")',
    'model.expr("z_c_2")',
    'model.expr("delta_c_1")',
    "model.solve(6, gradients=True)",
    "lstm_sym.lambdify(model.problem)",
]


def test_notebook_html_shows_sheet_names(tmp_path: Path) -> None:
    """An executed notebook, exported to HTML, shows sheet names, short reprs and headings."""
    modules = _notebook_modules()
    nbformat, nbconvert = modules["nbformat"], modules["nbconvert"]
    from nbconvert.preprocessors import ExecutePreprocessor

    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in CELLS]
    )
    ExecutePreprocessor(timeout=120, kernel_name="python3").preprocess(
        notebook, {"metadata": {"path": str(tmp_path)}}
    )
    page, _ = nbconvert.HTMLExporter().from_notebook_node(notebook)
    html = page[page.index("<body") :]  # the template's head defines entities such as &Atilde;
    assert f"&lt;Model {HW6_REPR}&gt;" in html and f"&lt;Problem {HW6_REPR}&gt;" in html
    assert "&lt;Functions lstm, loss=half_sse, style=scalar" in html
    assert r"c_{1} f_{2} + \tilde{c}_{2} i_{2}" in html
    assert r"W_{c,11} x_{2,1} + W_{c,12} x_{2,2}" in html
    assert r"\delta c_{2} f_{2}" in html
    assert re.search(r"<h4[^>]*>Forward pass", html) and re.search(r"<h4[^>]*>Gradients", html)
    assert r"\tilde{c}_{1}" in html and r"\frac{\partial L}{\partial W_{f,12}}" in html
    for raw in ("{tilde", "tilde ", "c_tilde", "object at 0x", "Problem(cell=", "\\delta_{"):
        assert raw not in html, raw
