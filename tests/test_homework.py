"""The homework that started it all: its numbers at 30 digits, forward and backward."""

from __future__ import annotations

from decimal import Decimal

import mpmath
import pytest

import lstm_sym

# DESIGN.md's reference numbers (30 significant digits, correctly rounded).
FORWARD = {
    "f_1": "0.768524783499017642930912652463",
    "i_1": "0.249739894404882395790023157588",
    "o_1": "0.978118729063869526047748703014",
    "c_tilde_1": "0.905148253644866438242303696456",
    "c_1": "0.226051629286032651411679555869",
    "h_1": "0.217414638709514483679932737588",
    "f_2": "0.233027820589426443912973245486",
    "i_2": "0.458800940684574104323879473110",
    "o_2": "0.889199010182536111401763026273",
    "c_tilde_2": "-0.587525066488086430541713281657",
    "c_2": "-0.216880734667287846094608712287",
    "h_2": "-0.189882249057115872422335189667",
    "L": "0.529860676707024103785417863309",
}

# Computed independently of the symbolic backward pass: central differences of the loss at
# 100 digits with a step of 1e-33 (see lstm_sym.testing), rounded to 30 digits.
GRADIENTS = {
    "dL_dW_f[1,1]": "-0.0169698375011438413584803926149",
    "dL_dW_f[1,2]": "0.0339396750022876827169607852298",
    "dL_dU_f": "-0.00737898217854071669527975073826",
    "dL_db_f": "-0.0339396750022876827169607852298",
    "dL_dW_i[1,1]": "-0.0434915766198357531774124724655",
    "dL_dW_i[1,2]": "-0.122551995265771996094736194300",
    "dL_dU_i": "0.0266445977738379479664142624321",
    "dL_db_i": "0.0177844210130502448699556246845",
    "dL_dW_o[1,1]": "0.00825404294437529380817038171596",
    "dL_dW_o[1,2]": "-0.0208262723541444785271539098844",
    "dL_dU_o": "0.00452793647954227147500841745281",
    "dL_db_o": "0.0186671791214475330717473366582",
    "dL_dW_c[1,1]": "-0.154068550701332211561465946245",
    "dL_dW_c[1,2]": "0.252380098548268322376588943676",
    "dL_dU_c": "-0.0548711279433434181489385254790",
    "dL_db_c": "-0.280258599975466372749760418083",
    "dL_dh_0": "-0.249193807413543632553911777615",
    "dL_dc_0": "-0.474750324606831305409484254072",
    "dL_dx_1[1]": "0.0704117931274328644853893755299",
    "dL_dx_1[2]": "-0.0557570028543961007463429488136",
    "dL_dx_2[1]": "-0.346392951753894565606824193553",
    "dL_dx_2[2]": "-0.572639547101112010187099457812",
}


@pytest.fixture(scope="module")
def solution() -> lstm_sym.Solution:
    return lstm_sym.solve("examples/hw6.toml", digits=30, gradients=True)


@pytest.mark.parametrize("name", sorted(FORWARD))
def test_forward_values_at_30_digits(solution: lstm_sym.Solution, name: str) -> None:
    """Every gate, state and the loss equal DESIGN.md's correctly rounded 30-digit values."""
    assert solution[name] == Decimal(FORWARD[name])


@pytest.mark.parametrize("name", sorted(GRADIENTS))
def test_gradients_at_30_digits(solution: lstm_sym.Solution, name: str) -> None:
    """Every gradient equals the independently computed finite-difference value."""
    assert solution[name] == Decimal(GRADIENTS[name])


def test_naive_30_digit_run_is_wrong_but_certified_digits_are_not() -> None:
    """A plain 30-digit mpmath run misses f_1's last digit; the certified value does not."""
    model = lstm_sym.Model.load("examples/hw6.toml")
    naive = model.numeric(30)[lstm_sym.Name("f", 1)]
    with mpmath.workdps(30):
        assert mpmath.nstr(naive, 30) != FORWARD["f_1"]
    assert model.solve(30)["f_1"] == Decimal(FORWARD["f_1"])


def test_homework_answers_as_printed() -> None:
    """The homework's five-decimal answers are the correctly rounded values (L is 0.5299)."""
    solution = lstm_sym.solve("examples/hw6.toml", digits=5, decimals=True)
    assert solution["h_1"] == Decimal("0.21741")
    assert solution["h_2"] == Decimal("-0.18988")
    assert solution["f_2"] == Decimal("0.23303")
    assert solution["c_tilde_2"] == Decimal("-0.58753")
    assert lstm_sym.solve("examples/hw6.toml", digits=4, decimals=True)["L"] == Decimal("0.5299")


def test_global_precision_is_left_alone() -> None:
    """Solving at 1000 digits leaves mpmath's global precision as it was."""
    before = mpmath.mp.dps
    lstm_sym.solve("examples/hw6.toml", digits=1000)
    assert mpmath.mp.dps == before


def test_ten_thousand_digits_agree_with_shorter_runs() -> None:
    """The 10,000-digit value starts with the 30-digit one."""
    long = lstm_sym.solve("examples/hw6.toml", digits=10_000)["h_2"]
    assert str(long).startswith(FORWARD["h_2"][:-1])
    assert len(str(long).lstrip("-0.")) == 10_000


def test_jupyter_displays() -> None:
    """In Jupyter a solution shows as a Markdown table and as aligned LaTeX."""
    solution = lstm_sym.solve("examples/hw6.toml", digits=5)
    assert "| $h_{1}$ | 0.21741 |" in solution._repr_markdown_()
    latex = solution._repr_latex_()
    assert latex.startswith("$\\begin{aligned}") and r"\tilde{c}_{1} &= 0.90515" in latex
