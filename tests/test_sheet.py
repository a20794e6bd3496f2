"""Solution sheets as LaTeX text: notation, numbers, layout, options, escaping, CLI, goldens."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import sympy
from goldens import check_golden
from hypothesis import given
from hypothesis import strategies as st
from sheet_problems import problem_for

import lstm_sym
from lstm_sym.cli import main
from lstm_sym.equations import affine, pointwise
from lstm_sym.latex import Sheet, SheetOptions, escape_text
from lstm_sym.latex.display import exact_number, rounded_number
from lstm_sym.latex.escape import math_identifier
from lstm_sym.latex.names import NameStyle
from lstm_sym.latex.widths import ROW_BUDGET, align_rows, fit, pack, width
from lstm_sym.names import Name
from lstm_sym.names import template_symbol as s
from lstm_sym.spec.cells import CELLS, Cell, Param, State, register_cell

ROOT = Path(__file__).resolve().parent.parent
HW6 = ROOT / "examples" / "hw6.toml"
BATCH = ROOT / "examples" / "batch_d3_n2.toml"


@pytest.fixture(scope="module")
def hw6() -> Sheet:
    return Sheet.load(HW6)


@pytest.fixture(scope="module")
def hw6_vector() -> Sheet:
    return Sheet.load(HW6, view="vector")


# -- escaping ------------------------------------------------------------------------------

#: The only control sequences escaped user text may contain.
_ALLOWED = {
    "textbackslash", "texttt", "char", "ensuremath", "textless", "textgreater", "textbar",
    "sigma", "odot", "|", "tfrac", "Sigma", "sum", "partial", "times", "cdot", "langle",
    "rangle", "to", "approx", "le", "ge", "top", "ldots", "ss", "ae", "AE", "oe", "OE", "o",
    "O", "l", "L", "i", "{", "}", "$", "&", "#", "%", "`", "'", "^", "~", "=", "u", ".",
    '"', "r", "H", "v", "c", "k",
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
    "lambda", "mu", "nu", "xi", "pi", "rho", "tau", "upsilon", "phi", "chi", "psi", "omega",
    "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Upsilon", "Phi", "Psi", "Omega",
}  # fmt: skip


def _inert(tex: str) -> bool:
    """Whether escaped text only uses printing commands, balanced braces and no active chars."""
    depth = 0
    for match in re.finditer(r"\\([A-Za-z]+|.)|(.)", tex, re.DOTALL):
        command, char = match[1], match[2]
        if command is not None and command not in _ALLOWED:
            return False
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return False
        elif char is not None and char in "$&#%_^\n\r\t":
            before = tex[: match.start()]
            if not (char in "^_" and before.endswith(r"\ensuremath{")):
                return False
    return depth == 0 and "^^" not in tex


def test_escape_specials_print_literally() -> None:
    """Every TeX special character becomes a command that prints it."""
    assert escape_text(r"50% of $x_1 & {y}# ~^\\") == (
        r"50\% of \$x\texttt{\char95}1 \& \{y\}\# \texttt{\char126}\texttt{\char94}"
        r"\textbackslash{}\textbackslash{}"
    )


@pytest.mark.parametrize(
    "attack",
    [
        r"\input{/etc/passwd}",
        r"\write18{rm -rf /}",
        r"\catcode`\@=0 @input x",
        "^^5cinput{/etc/passwd}",
        r"}\end{document}",
        "%\n\\def\\x{}",
        r"\immediate\openout1=x.tex",
    ],
)
def test_escape_defuses_injection(attack: str) -> None:
    """Known LaTeX injection attempts come out as inert, printable text."""
    assert _inert(escape_text(attack))


@given(st.text(max_size=60))
def test_escape_is_always_inert(text: str) -> None:
    """Any text at all escapes to printing commands only, with balanced braces."""
    assert _inert(escape_text(text))


def test_escape_unicode() -> None:
    """Accents, Greek letters and math symbols print; unknown characters become ?."""
    assert escape_text("Müller") == r"M\"{u}ller"
    assert escape_text("c̃ σ ⊙") == r"\~{c} \ensuremath{\sigma} \ensuremath{\odot}"
    assert escape_text("日本") == "??"


def test_math_identifier_escapes_non_identifiers() -> None:
    """Name parts that are not identifiers are printed as escaped text."""
    assert math_identifier("f") == "f"
    assert math_identifier("tilde") == r"\mathrm{tilde}"
    assert math_identifier("alpha") == r"\alpha"
    assert math_identifier("x}\\input") == r"\text{x\}\textbackslash{}input}"


# -- names and numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "tex"),
    [
        ("h_2", "h_{2}"),
        ("z_c_1[2]", r"z_{\tilde{c},1,2}"),
        ("c_tilde_1", r"\tilde{c}_{1}"),
        ("W_f[1,2]", "W_{f,12}"),
        ("W_f[1,10]", "W_{f,(1,10)}"),
        ("delta_z_c_2", r"\delta z_{\tilde{c},2}"),
        ("dL_dW_f[1,2]", r"\frac{\partial L}{\partial W_{f,12}}"),
        ("dL_dh_0^(2)", r"\frac{\partial L}{\partial h_{0}^{(2)}}"),
        ("ell_3", r"\ell_{3}"),
        ("ell_T_c", r"\ell_{T,c}"),
    ],
)
def test_name_latex(name: str, tex: str) -> None:
    """Program names print with gate, step and component subscripts, sequences as (b)."""
    parsed = Name.parse(name)
    assert parsed is not None
    assert NameStyle(CELLS["lstm"])(parsed) == tex


def test_unsafe_cell_latex_is_ignored() -> None:
    """A cell's LaTeX mapping that uses an unknown command falls back to the default rules."""
    cell = Cell("x", "", (), (), (), latex={"a_b": r"\input{x}", "c_d": r"\hat{c}"})
    style = NameStyle(cell)
    assert style(Name("a_b", 1)) == "a_{b,1}"
    assert style(Name("c_d", 1)) == r"\hat{c}_{1}"


@pytest.mark.parametrize(
    ("value", "tex"),
    [
        (sympy.Rational(1, 5), "0.2"),
        (sympy.Rational(-3, 4), "-0.75"),
        (sympy.Integer(-3), "-3"),
        (sympy.Integer(0), "0"),
        (sympy.Rational(1, 3), r"\frac{1}{3}"),
        (sympy.Rational(-2, 3), r"-\frac{2}{3}"),
        (sympy.Rational(3, 2 * 10**20), r"1.5 \times 10^{-20}"),
        (sympy.Integer(12 * 10**12), r"1.2 \times 10^{13}"),
        # more digits than a default Decimal context holds (28): none is lost
        (sympy.Rational(10**40 + 1, 1000), r"1." + "0" * 39 + r"1 \times 10^{37}"),
        (sympy.Rational(-(10**29 + 1), 10**30), "-0.1" + "0" * 28 + "1"),
    ],
)
def test_exact_numbers(value: sympy.Rational, tex: str) -> None:
    """Given numbers print exactly: decimals when they terminate, fractions otherwise."""
    assert exact_number(value) == tex


def test_rounded_numbers_keep_their_places() -> None:
    """Rounded values print every decimal place, and never as negative zero."""
    assert rounded_number(Decimal("0.2174"), 5) == "0.21740"
    assert rounded_number(Decimal("-0E-5"), 5) == "0.00000"
    assert rounded_number(Decimal(0), 3) == "0.000"
    assert rounded_number(Decimal("123456789012345678901234567890.5"), 1).endswith("890.5")


# -- lines ---------------------------------------------------------------------------------


def test_homework_lines(hw6: Sheet) -> None:
    """Homework lines read name = formula = numbers = value with the homework's numbers."""
    assert hw6.line("h_1") == (
        r"h_{1} &= o_{1} \tanh{\left(c_{1} \right)} = 0.97812 \cdot \tanh{\left(0.22605 \right)}"
        " = 0.21741"
    )
    assert (
        hw6.line("f_1")
        == r"f_{1} &= \sigma\left(z_{f,1}\right) = \sigma\left(1.20000\right) = 0.76852"
    )
    assert hw6.line("L") == r"L &= \ell_{1} + \ell_{2} = 0.03993 + 0.48993 = 0.52986"
    assert hw6.line("delta_h_2") == r"\delta h_{2} &= h_{2} - y_{2} = -0.18988 - 0.8 = -0.98988"


def test_sum_order_and_negative_numbers(hw6: Sheet) -> None:
    """Sums read W x + U h + b; negative numbers are parenthesized in products and sums."""
    line = hw6.line("z_i_1")
    assert r"W_{i,11} x_{1,1} + W_{i,12} x_{1,2} + U_{i} h_{0} + b_{i}" in line
    assert r"\left(-1\right) \cdot 1 + 0 \cdot 0 + 2 \cdot 0 + \left(-0.1\right)" in line
    assert r"\left(0.8 - \left(-0.18988\right)\right)^{2}" in hw6.line("ell_2")


def test_parameter_gradient_is_a_sum_over_steps(hw6: Sheet) -> None:
    """Each parameter gradient is its per-step terms summed, then the certified value."""
    assert hw6.line("dL_dW_f[1,2]") == (
        r"\frac{\partial L}{\partial W_{f,12}} &= \delta z_{f,1} x_{1,2} + \delta z_{f,2} x_{2,2}"
        r" = 0.00000 \cdot 0 + \left(-0.03394\right) \cdot \left(-1\right) = 0.03394"
    )


def test_vector_view_lines(hw6_vector: Sheet) -> None:
    """The vector view prints ⊙ for elementwise products and bmatrix numbers."""
    assert r"o_{1} \odot \tanh{\left(c_{1} \right)}" in hw6_vector.line("h_1")
    line = hw6_vector.line("z_f_2")
    assert r"W_{f} x_{2} + U_{f} h_{1} + b_{f}" in line
    assert r"\begin{bmatrix} 1 & 2 \end{bmatrix} \begin{bmatrix} 0.5 \\ -1 \end{bmatrix}" in line
    assert r"\delta z_{f,1} x_{1}^{\top}" in hw6_vector.line("dL_dW_f")


def test_batch_names_and_values() -> None:
    """A batch prints sequences as superscripts and values of each sequence."""
    sheet = Sheet.load(BATCH, view="vector")
    solution = lstm_sym.solve(BATCH, 5, decimals=True)
    line = sheet.line("h_1^(2)")
    assert line.startswith(r"h_{1}^{(2)} &= o_{1}^{(2)} \odot")
    for k in (1, 2):
        assert f"{solution[f'h_1[{k}]^(2)']:f}" in line.rsplit("=", 1)[1]


def test_long_sums_break_within_the_margin() -> None:
    """A sum too wide for one row is broken between terms, continuation rows indented."""
    terms = ["a_{1} b_{1}"] + [f"+ a_{{{k}}} b_{{{k}}}" for k in range(2, 40)]
    rows = align_rows("x", [terms, ["1"]], width("x"))
    assert len(rows) > 2
    assert rows[1].startswith(r"&\qquad +")
    assert all(width(row.split("&", 1)[1]) <= ROW_BUDGET for row in rows)
    assert rows[-1].endswith("= 1")


def test_pack_respects_the_budget() -> None:
    """Terms are packed greedily into rows no wider than the budget."""
    terms = [f"+ {k}.12345" for k in range(30)]
    rows = pack(terms, 30)
    assert " ".join(rows) == " ".join(terms)
    assert all(width(row) <= 30 for row in rows)


def test_unbreakable_rows_get_a_smaller_font() -> None:
    """A single matrix too wide for the page is set in a smaller font."""
    wide = r"\begin{bmatrix} " + " & ".join(["0.123456789012"] * 6) + r" \end{bmatrix}"
    assert fit("x", 10) == "x"
    assert fit(wide, 60).startswith(r"\text{\tiny$\displaystyle \begin{bmatrix}")
    assert fit(wide, 0.85 * width(wide)).startswith(r"\text{\footnotesize$")
    assert fit(wide, 0.95 * width(wide)).startswith(r"\text{\small$")


# -- the document --------------------------------------------------------------------------


def test_document_in_reading_order(hw6: Sheet) -> None:
    """Problem, equations, forward, loss, backward, gradients and summary come in that order."""
    tex = hw6.to_latex()
    headings = [
        r"\section*{Problem}",
        r"\section*{Equations}",
        r"\section*{Forward pass}",
        r"\subsection*{Step 1}",
        r"\section*{Loss}",
        r"\section*{Backward pass",
        r"\subsection*{Step 2}",
        r"\subsection*{Parameter gradients}",
        r"\section*{Summary}",
    ]
    position = 0
    for heading in headings:
        position = tex.index(heading, position)
    assert tex.startswith(r"\documentclass") and tex.endswith("\\end{document}\n")


def test_given_problem_as_matrices(hw6: Sheet) -> None:
    """The given data are printed exactly, vectors and matrices as bmatrix."""
    tex = hw6.to_latex()
    assert r"W_{f} = \begin{bmatrix} 1 & 2 \end{bmatrix}" in tex
    assert r"x_{2} = \begin{bmatrix} 0.5 \\ -1 \end{bmatrix}" in tex
    assert "b_{i} = -0.1" in tex and "h_{0} = 0" in tex


def test_cell_equations_from_the_cell_spec(hw6: Sheet) -> None:
    """The equations section prints the cell's and the derived backward equations at step t."""
    tex = hw6.equations()
    assert r"z_{f,t} &= W_{f} x_{t} + U_{f} h_{t-1} + b_{f}" in tex
    assert r"c_{t} &= c_{t-1} \odot f_{t} + \tilde{c}_{t} \odot i_{t}" in tex
    assert r"\delta c_{t} &= \delta c_{t+1} \odot f_{t+1} + \delta h_{t} \odot o_{t}" in tex
    assert r"\frac{\partial L}{\partial W_{f}} &= \sum_{t} \delta z_{f,t} x_{t}^{\top}" in tex


def test_parts_select_sections() -> None:
    """Only the requested parts are included; no backward pass means no gradients."""
    tex = Sheet.load(HW6, parts=("forward", "summary")).to_latex()
    assert r"\section*{Forward pass}" in tex and r"\section*{Summary}" in tex
    assert "Backward" not in tex and r"\section*{Loss}" not in tex and "Gradients" not in tex


def test_problem_only_has_blanks_and_no_values() -> None:
    """A problem-only sheet has the data and formulas, blanks instead of results."""
    tex = Sheet.load(HW6, problem_only=True).to_latex()
    assert r"\underline{\hspace{2cm}}" in tex
    assert "Fill in the blanks" in tex
    for value in ("0.21741", "0.52986", "0.76852"):
        assert value not in tex
    assert r"f_{1} &= \sigma\left(z_{f,1}\right) = \underline{\hspace{2cm}}" in tex


def test_digits_option_rounds_correctly() -> None:
    """Displayed values are correctly rounded to the requested decimal places."""
    sheet = Sheet.load(HW6, digits=3)
    assert sheet.line("L").endswith("= 0.530")  # 0.529860…
    assert sheet.line("h_2").endswith("= -0.190")


def test_title_course_author_are_escaped() -> None:
    """Titles from options override the file's, and are escaped."""
    tex = Sheet.load(HW6, title=r"A & B \input{x}", course="C_1", author="50%").to_latex()
    assert r"A \& B \textbackslash{}input\{x\}" in tex
    assert r"C\texttt{\char95}1" in tex and r"50\%" in tex
    assert r"\input{x}" not in tex


def test_deterministic_across_processes() -> None:
    """The same problem and options give the same bytes, whatever the hash seed."""
    code = "import sys, lstm_sym; sys.stdout.write(lstm_sym.Sheet.load(sys.argv[1]).to_latex())"
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code, str(HW6)],
            capture_output=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"parts": ("forward", "bogus")}, "parts"),
        ({"parts": ()}, "parts"),
        ({"view": "matrix"}, "view"),
        ({"digits": 0}, "digits"),
        ({"digits": 13}, "digits"),
        ({"digits": True}, "digits"),
        ({"title": 3}, "title"),
    ],
)
def test_bad_options(changes: dict[str, object], field: str) -> None:
    """Invalid options raise an InputError naming the option."""
    with pytest.raises(lstm_sym.InputError) as error:
        SheetOptions(**changes)  # type: ignore[arg-type]
    assert error.value.field == field


def test_options_in_reading_order() -> None:
    """Parts are kept in reading order, whatever order they are given in."""
    assert SheetOptions(parts=("summary", "forward")).parts == ("forward", "summary")


# -- Jupyter -------------------------------------------------------------------------------


def test_jupyter_display(hw6: Sheet) -> None:
    """A sheet and one step display as MathJax-ready aligned blocks."""
    step = hw6.step(2)
    latex = step._repr_latex_()
    assert latex.startswith("Step 2\n\n$$\\begin{aligned}")
    assert r"h_{2} &= o_{2} \tanh" in latex and r"\delta h_{2}" in latex
    whole = hw6._repr_latex_()
    assert "Forward pass" in whole and r"\section" not in whole and "$$" in whole


def test_step_out_of_range(hw6: Sheet) -> None:
    """Asking for a step that does not exist is an InputError."""
    with pytest.raises(lstm_sym.InputError):
        hw6.step(3)


# -- any cell, any loss ----------------------------------------------------------------------


@pytest.mark.parametrize("view", ["scalar", "vector"])
@pytest.mark.parametrize("cell", sorted(CELLS))
def test_every_registered_cell(cell: str, view: str) -> None:
    """Every registered cell gets a complete sheet in both views, generically."""
    sheet = Sheet(problem_for(CELLS[cell], batch=2), view=view)
    tex = sheet.to_latex()
    assert r"\section*{Summary}" in tex and r"\section*{Backward pass" in tex


@pytest.fixture
def elman() -> object:
    cell = Cell(
        name="test_elman",
        description="Elman RNN: h = tanh(W x + U h_prev + b).",
        params=(Param("W", ("n", "d")), Param("U", ("n", "n")), Param("b", ("n",))),
        states=(State("h", "n"),),
        equations=(
            affine("a", ("W", "x"), ("U", "h_prev"), bias="b"),
            pointwise("h", sympy.tanh(s("a"))),
        ),
        latex={"a": r"\alpha"},
    )
    register_cell(cell)
    yield cell
    del CELLS["test_elman"]


def test_a_new_cell_needs_no_sheet_code(elman: Cell) -> None:
    """A cell defined only as data prints its own equations and backward pass."""
    sheet = Sheet(problem_for(elman))
    equations = sheet.equations()
    assert r"\alpha_{t} &= W x_{t} + U h_{t-1} + b" in equations
    assert r"\delta \alpha_{t} &= \delta h_{t} \odot \left(1 - h_{t}^{2}\right)" in equations
    assert r"\frac{\partial L}{\partial W}" in sheet.to_latex()


UPSTREAM = (
    HW6.read_text()
    .replace('loss = "half_sse"', 'loss = "upstream"')
    .replace("y = [0.5, 0.8]", 'dL_dh = [0.3, "none"]\ndL_dh_T = -0.5\ndL_dc_T = 0.25')
)


@pytest.mark.parametrize("view", ["scalar", "vector"])
def test_upstream_loss_terminal_terms(view: str) -> None:
    """With given gradients of the final states, the terminal terms read the step-T states."""
    sheet = Sheet(lstm_sym.loads_problem(UPSTREAM), view=view)
    tex = sheet.to_latex()
    assert r"\ell_{T,c} &= \sum_{k} c_{T,k} g_{c,k}" in tex
    assert "the given $g_{c}$, $g_{h}$ flow in" in tex
    product, times = (r"\odot", r" \odot") if view == "vector" else (r"\cdot", "")
    assert sheet.line("ell_T_c") == (
        rf"\ell_{{T,c}} &= c_{{2}}{times} g_{{c}} = \left(-0.21688\right) {product} 0.25 = -0.05422"
    )


# -- command line ----------------------------------------------------------------------------


def test_cli_writes_the_sheet(tmp_path: Path) -> None:
    """`lstm-sym sheet PROBLEM -o FILE` writes the same document as the library."""
    out = tmp_path / "hw6.tex"
    assert main(["sheet", str(HW6), "-o", str(out), "--view", "vector", "--digits", "4"]) == 0
    assert out.read_text() == Sheet.load(HW6, view="vector", digits=4).to_latex()


def test_cli_options(capsys: pytest.CaptureFixture[str]) -> None:
    """Options reach the sheet: parts, problem-only, title, course, author."""
    code = main(
        [
            "sheet", str(HW6), "--parts", "forward,loss", "--problem-only",
            "--title", "Quiz 3", "--course", "DL 101", "--author", "TA",
        ]
    )  # fmt: skip
    tex = capsys.readouterr().out
    assert code == 0
    assert "Quiz 3" in tex and "DL 101" in tex and "TA" in tex
    assert "Backward" not in tex and r"\underline{\hspace{2cm}}" in tex


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--pdf"], "--pdf needs -o"),
        (["--parts", "forward,nope"], "parts: expected"),
        (["--digits", "0"], "digits: expected"),
        (["--view", "matrix"], "invalid choice"),
    ],
)
def test_cli_errors(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Bad arguments exit with 2 and one line naming the problem."""
    assert main(["sheet", str(HW6), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


# -- goldens -------------------------------------------------------------------------------

GOLDENS = {
    "hw6_scalar.tex": (HW6, {}),
    "hw6_vector.tex": (HW6, {"view": "vector"}),
    "hw6_problem.tex": (HW6, {"problem_only": True}),
    "batch_d3_n2_vector.tex": (BATCH, {"view": "vector"}),
}


@pytest.mark.parametrize("golden", sorted(GOLDENS))
def test_golden_sheets(golden: str) -> None:
    """Sheets match the golden files (LSTM_SYM_UPDATE_GOLDENS=1 rewrites them)."""
    path, options = GOLDENS[golden]
    check_golden(golden, Sheet.load(path, **options).to_latex())


# -- page 1: descriptions and conventions, typeset ---------------------------------------------

_MATH = re.compile(r"\$[^$]*\$")


def _outside_math_and_code(tex: str) -> str:
    """``tex`` without its ``$...$`` spans and ``\\texttt{...}`` groups (nested braces too)."""
    text = _MATH.sub("", tex)
    out, depth, i = [], 0, 0
    while i < len(text):
        if depth == 0 and text.startswith(r"\texttt{", i):
            depth, i = 1, i + len(r"\texttt{")
            continue
        char = text[i]
        if depth:
            depth += {"{": 1, "}": -1}.get(char, 0)
        else:
            out.append(char)
        i += 1
    return "".join(out)


def _page_one(sheet: Sheet) -> str:
    tex = sheet.to_latex()
    return tex[tex.index(r"\section*{Problem}") : tex.index(r"\subsection*{Parameters}")]


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_builtin_cells_print_their_conventions_as_math(cell: str) -> None:
    """Every built-in cell's description and conventions print as LaTeX math, not escaped text."""
    from lstm_sym.latex.document import conventions

    problem = problem_for(CELLS[cell])
    rows = conventions(problem, NameStyle(problem.cell))
    assert [topic for topic, _ in rows][:1] == ["Cell"] and len(rows) == len(problem.conventions)
    for topic, text in rows:
        rest = _outside_math_and_code(text)
        assert r"\char95" not in rest and r"\ensuremath" not in rest, (topic, text)
        assert text.count("$") % 2 == 0 and "homework" not in text, (topic, text)


@pytest.mark.parametrize("loss", sorted(lstm_sym.LOSSES))
def test_builtin_losses_print_as_math(loss: str) -> None:
    """Every built-in loss has a LaTeX description that leaves no underscore or symbol as text."""
    description = lstm_sym.LOSSES[loss].latex_description
    rest = _outside_math_and_code(description)
    assert description and "_" not in rest.replace(r"\_", "") and not re.search(r"[Σ½‖−²]", rest)


def test_homework_sheet_states_its_conventions(hw6: Sheet) -> None:
    """Page 1 names the cell and loss with typeset math, the sizes, gate order and layout."""
    page = _page_one(hw6)
    assert (
        r"\texttt{lstm} --- LSTM with forget gate: gates $f$, $i$, $o$ and candidate $\tilde{c}$."
        in page
    )
    assert r"$\frac{1}{2} \sum_t \lVert y_t - h_t \rVert^2$, half the sum of squared errors" in page
    assert r"Gate order & $f$, $i$, $o$, $\tilde{c}$" in page
    assert (
        r"Layout & one entry per parameter, named as in the cell ($W_{f}$, $U_{f}$, $b_{f}$" in page
    )
    assert "homework" not in page and r"y\texttt{\char95}t" not in page


def test_framework_layout_is_stated() -> None:
    """A PyTorch-layout problem's sheet says which array holds which parameters."""
    page = _page_one(Sheet.load(ROOT / "examples" / "pytorch_lstm.toml", parts=("forward",)))
    assert (
        r"Layout & \texttt{pytorch} layout: \texttt{weight\texttt{\char95}ih\texttt{\char95}l0} "
        r"$= [W_{\mathrm{ii}}, W_{\mathrm{if}}, W_{\mathrm{ig}}, W_{\mathrm{io}}]$" in page
    )
    assert r"Biases & two per gate, $b_{\mathrm{i}*}$" in page


def test_custom_cell_text_stays_escaped(elman: Cell) -> None:
    """A cell without a LaTeX description (a custom one) prints its own text escaped."""
    attack = dataclasses.replace(
        elman, description=r"h = $x_1$ \input{/etc/passwd}", conventions=(("note", "a_b $"),)
    )
    page = _page_one(Sheet(dataclasses.replace(problem_for(elman), cell=attack)))
    assert r"h = \$x\texttt{\char95}1\$ \textbackslash{}input\{/etc/passwd\}" in page
    assert r"Note & a\texttt{\char95}b \$" in page
