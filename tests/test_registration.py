"""A new activation, loss or head is one registration, made here and nowhere else.

The activation is SiLU, a·σ(a) (PyTorch's ``nn.SiLU``, Keras' ``swish``): a SymPy function
whose derivative SymPy takes from its definition, with its kernels (mpmath, Arb, exact, and
the NumPy / Python / mpmath code generated modules carry) in one record. Registered for the
length of a test only, it gets a solution sheet, proven gradients that agree with central
differences, generated NumPy code and a checker verdict, without any other module knowing it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import mpmath
import numpy as np
import pytest
import sympy
from flint import fmpq

import lstm_sym
from lstm_sym.check import CORRECT, WRONG
from lstm_sym.equations import affine, pointwise, reduce_sum
from lstm_sym.names import Name
from lstm_sym.names import template_symbol as s
from lstm_sym.problem import read_toml
from lstm_sym.spec.activations import ACTIVATIONS, Activation
from lstm_sym.spec.cells import Param
from lstm_sym.spec.custom.lower import check_identifier
from lstm_sym.spec.functions import sigma
from lstm_sym.spec.heads import HEADS, Head
from lstm_sym.spec.kernels import Kernel
from lstm_sym.spec.losses import LOSSES, Loss
from lstm_sym.spec.runtime import source
from lstm_sym.testing import check_gradients

_exp = math.exp  # what generated Python code binds ``_exp`` to


def _definition(a: sympy.Expr) -> sympy.Expr:
    return a * sigma(a)


class silu(sympy.Function):
    """SiLU a·σ(a): its derivative is SymPy's derivative of the definition."""

    @classmethod
    def eval(cls, arg: sympy.Expr) -> sympy.Expr | None:
        return sympy.S.Zero if arg.is_zero else None

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        a = sympy.Dummy("a", real=True)
        return sympy.diff(_definition(a), a).xreplace({a: self.args[0]})

    def _eval_evalf(self, prec: int) -> sympy.Expr:
        return _definition(self.args[0])._eval_evalf(prec)


def numpy_silu(a):  # type: ignore[no-untyped-def]
    """SiLU a·σ(a) = a / (1 + exp(-a))."""
    return a / (1.0 + np.exp(-a))


def python_silu(a):  # type: ignore[no-untyped-def]
    """SiLU a·σ(a) = a / (1 + exp(-a))."""
    return a / (1.0 + _exp(-a))


SILU = Activation(
    "silu",
    silu,
    "a·σ(a), the sigmoid-weighted linear unit",
    kernels=(
        Kernel(
            silu,
            mpmath=lambda a: a / (1 + mpmath.exp(-a)),
            arb=lambda a: a / (1 + (-a).exp()),
            exact=lambda a: fmpq(0) if a == 0 else None,
            numpy=source(numpy_silu, "silu"),
            python=source(python_silu, "silu"),
            mpmath_code=source(python_silu, "silu"),  # _exp is mpmath.exp there
        ),
    ),
    confusions=("sigmoid",),
)


@pytest.fixture
def with_silu() -> Iterator[lstm_sym.Problem]:
    """The homework's LSTM with SiLU as its candidate activation, while SiLU is registered."""
    with ACTIVATIONS.registered(SILU):
        data = {**read_toml("examples/hw6.toml"), "activations": {"candidate": "silu"}}
        yield lstm_sym.problem_from_dict(data)
    assert "silu" not in ACTIVATIONS


def _last_place(value: Decimal) -> Decimal:
    return Decimal(1).scaleb(value.as_tuple().exponent)  # type: ignore[arg-type]


def test_new_activation_gets_a_sheet(with_silu: lstm_sym.Problem) -> None:
    """The sheet writes c̃ = silu(z_c) and the backward pass through SymPy's derivative."""
    latex = lstm_sym.Sheet(with_silu, digits=6).to_latex()
    assert r"\operatorname{silu}" in latex
    assert with_silu.cell.equations_text()[7] == "c_tilde = silu(z_c)"


def test_new_activation_gets_proven_gradients(with_silu: lstm_sym.Problem) -> None:
    """Every proven gradient digit agrees with 60-digit central differences."""
    solution = lstm_sym.Model(with_silu).solve(20, gradients=True)
    report = check_gradients(with_silu, dps=60)
    assert report.compared == 22
    with mpmath.workdps(60):
        for name, (_, difference) in report.values.items():
            printed = solution[str(name)]
            error = abs(difference - mpmath.mpf(str(printed)))
            assert error <= mpmath.mpf(str(_last_place(printed))) / 2, (name, printed, difference)
    assert solution["c_tilde_1"] != lstm_sym.solve("examples/hw6.toml", 20)["c_tilde_1"]


@pytest.mark.parametrize("style", ["vector", "scalar"])
def test_new_activation_gets_numpy_code(with_silu: lstm_sym.Problem, style: str) -> None:
    """Generated code (NumPy arrays, Python floats) carries SiLU and matches the proven values."""
    functions = lstm_sym.lambdify(with_silu, style=style)
    assert "def silu(a):" in functions.source
    values = lstm_sym.Model(with_silu).solve(17, gradients=True)
    params = {k: np.array(v, dtype=float) for k, v in with_silu.params.items()}
    seq = with_silu.sequences[0]
    x = np.array([[[float(v) for v in xt] for xt in seq.x]])
    y = np.array([[[float(v) for v in yt] for yt in seq.targets]])
    loss, grads = functions.loss_and_grad(params, x, y)
    assert float(loss) == pytest.approx(float(values["L"]), rel=1e-14)
    for param in with_silu.cell.params:
        got = grads[f"dL_d{param.name}"].ravel()
        names = [n for n in values if Name.parse(n).base == f"dL_d{param.name}"]
        assert got == pytest.approx([float(values[n]) for n in names], rel=1e-12, abs=1e-15)


def test_new_activation_gets_a_verdict(with_silu: lstm_sym.Problem) -> None:
    """The checker judges answers and names the confusion the record declares."""
    solution = lstm_sym.solve(with_silu, 5)
    swapped = dataclasses.replace(
        with_silu, cell=lstm_sym.with_activations(with_silu.cell, {"gate": "silu"})
    )
    swapped = dataclasses.replace(
        swapped, cell=lstm_sym.with_activations(swapped.cell, {"candidate": "sigmoid"})
    )
    wrong = lstm_sym.solve(swapped, 5)["h_1"]
    report = lstm_sym.check(with_silu, {"h_2": solution["h_2"], "h_1": wrong})
    verdicts = {a.name: a.verdict for a in report.answers}
    assert verdicts == {"h_1": WRONG, "h_2": CORRECT}
    assert [m.label for m in report.mistakes] == ["silu and σ swapped"]


def test_new_activation_in_the_grammar(with_silu: lstm_sym.Problem) -> None:
    """Custom cells may call it by its name, which no quantity may take while registered."""
    cell = lstm_sym.parse_cell(["h = silu(W @ x + U @ h_prev + b)"])
    assert cell.equations_text()[-1] == "h = silu(z_h)"
    with pytest.raises(lstm_sym.InputError, match="reserved name 'silu'"):
        check_identifier("silu", "cell.equations")


def test_unregistered_activation_is_unknown() -> None:
    """Outside the registration, the name is an unknown activation again."""
    with pytest.raises(lstm_sym.InputError, match="'silu'"):
        lstm_sym.with_activations(lstm_sym.get_cell("lstm"), {"candidate": "silu"})
    check_identifier("silu", "cell.equations")


# -- a loss and a head -----------------------------------------------------------------------

QUARTER = Loss(
    "quarter_sse",
    "¼ Σ_t ‖y_t − h_t‖²",
    "y",
    "y",
    lambda output, scale: (reduce_sum("ell", scale * (s("y") - s(output)) ** 2),),
    lambda count: sympy.Rational(1, 4),
    squared_error=True,
    confusions=(("half_sse", "the loss halved instead of quartered"),),
)


def test_new_loss() -> None:
    """A registered loss is solved, differentiated, and its facts reach the checker."""
    with LOSSES.registered(QUARTER):
        problem = lstm_sym.problem_from_dict(
            {**read_toml("examples/hw6.toml"), "loss": "quarter_sse"}
        )
        solution = lstm_sym.solve(problem, 20)
        half = lstm_sym.solve("examples/hw6.toml", 20)
        assert abs(2 * solution["L"] - half["L"]) < Decimal("1e-19")
        assert check_gradients(problem, dps=40).max_abs_error < mpmath.mpf("1e-25")
        report = lstm_sym.check(
            problem,
            {"se_1": (solution["ell_1"] * 4).quantize(Decimal("1e-6")), "L": round(half["L"], 5)},
        )
        assert {a.name: a.verdict for a in report.answers} == {"se_1": CORRECT, "L": WRONG}
        assert [m.label for m in report.mistakes] == ["the loss halved instead of quartered"]
    assert "quarter_sse" not in LOSSES


def _squashed_params(dim: str) -> tuple[Param, ...]:
    return (Param("V", ("m", dim)), Param("b_y", ("m",)))


SQUASHED = Head(
    "squashed",
    "ŷ_t = tanh(V h_t + b_y)",
    r"$\hat{y}_t = \tanh(V h_t + b_y)$",
    params=_squashed_params,
    equations=lambda output: (
        affine("z_y", ("V", output), bias="b_y"),
        pointwise("y_hat", sympy.tanh(s("z_y"))),
    ),
    output="y_hat",
    sizes=("m",),
    latex={"y_hat": r"\hat{y}"},
    convention=lambda output: f"ŷ_t = tanh(V {output}_t + b_y)",
)


def test_new_head() -> None:
    """A registered head extends any cell; its gradients agree with central differences."""
    data: dict[str, Any] = {**read_toml("examples/hw6.toml"), "head": "squashed"}
    data["parameters"] = {**data["parameters"], "V": "1/2", "b_y": "-0.1"}
    with HEADS.registered(SQUASHED):
        problem = lstm_sym.problem_from_dict(data)
        assert problem.cell.output == "y_hat"
        assert ("output head", "ŷ_t = tanh(V h_t + b_y)") in problem.cell.conventions
        solution = lstm_sym.solve(problem, 20)
        with mpmath.workdps(30):
            expected = mpmath.tanh(mpmath.mpf(str(solution["h_1"])) / 2 - mpmath.mpf("0.1"))
            assert abs(mpmath.mpf(str(solution["y_hat_1"])) - expected) < mpmath.mpf("1e-20")
        assert check_gradients(problem, dps=40).max_abs_error < mpmath.mpf("1e-25")
    assert "squashed" not in HEADS
