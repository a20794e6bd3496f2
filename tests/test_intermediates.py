"""Named intermediates: tanh(c_t) as tanh_c_t, and a batch's per-sequence losses L^(b)."""

from __future__ import annotations

import json
from decimal import Decimal, localcontext
from pathlib import Path

import mpmath
import pytest

from lstm_sym import Model, load_problem
from lstm_sym.check import check
from lstm_sym.check.quantities import Catalogue
from lstm_sym.cli import main
from lstm_sym.names import Name

ROOT = Path(__file__).resolve().parent.parent
HW6 = ROOT / "examples" / "hw6.toml"
BATCH = ROOT / "examples" / "batch_d3_n2.toml"


def test_tanh_c_is_tanh_of_c() -> None:
    model = Model.load(HW6)
    exact = model.solve(50)
    solution = model.solve(30, intermediates=True)
    for t in (1, 2):
        with mpmath.workdps(60):
            expected = mpmath.tanh(mpmath.mpf(str(exact[Name("c", t)])))
            text = mpmath.nstr(expected, 30, min_fixed=-5, max_fixed=5)
        assert solution[Name("tanh_c", t)] == Decimal(text)
        assert solution.sections[Name("tanh_c", t)] == "intermediate"


def test_sequence_losses_sum_to_the_loss() -> None:
    solution = Model.load(BATCH).solve(20, intermediates=True)
    parts = solution[Name("L", None, (), 1)] + solution[Name("L", None, (), 2)]
    assert abs(parts - solution["L"]) <= Decimal("1e-19")


def test_not_by_default() -> None:
    """Without the option nothing changes (solve's output, and so every golden)."""
    assert "intermediate" not in set(Model.load(HW6).solve(10).sections.values())


def test_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", str(BATCH), "--intermediates", "--digits", "6", "--format", "json"]) == 0
    named = json.loads(capsys.readouterr().out)["values"]["intermediate"]
    assert named["L^(1)"] == "0.338911" and named["tanh_c_1[2]^(2)"] == "-0.181121"


@pytest.mark.parametrize("key", ["tanh_c_1", "tanh(c_1)", "tanh_c1", "tanh(c1)"])
def test_spellings(key: str) -> None:
    assert Catalogue(load_problem(HW6)).resolve(key) == Name("tanh_c", 1)


def test_check_follows_through(tmp_path: Path) -> None:
    answers = tmp_path / "answers.toml"
    answers.write_text('"tanh(c_1)" = 0.2223\nc_2 = -0.2\ntanh_c_2 = -0.1974\n')
    report = check(load_problem(HW6), answers)
    verdicts = {a.name: a.verdict for a in report.answers}
    assert verdicts == {"tanh_c_1": "correct", "c_2": "correct", "tanh_c_2": "rounding drift"}
    answers.write_text('"L^(1)" = 0.33891\n"L^(2)" = 0.5197\n')
    assert check(load_problem(BATCH), answers).all_correct


def test_adjoint_shares() -> None:
    """δh_t = ∂ℓ_t/∂h_t + what flows back from t+1; under half_sse the direct share is h_t − y_t."""
    problem = load_problem(HW6)
    solution = Model(problem).solve(30, gradients=True, intermediates=True)
    for t, y in ((1, Decimal("0.5")), (2, Decimal("0.8"))):
        direct, flowing = solution[Name("dell_dh", t)], solution[Name("delta_h_rec", t)]
        with localcontext() as context:
            context.prec = 60
            assert direct == solution[Name("h", t)] - y  # both exact to 30 digits
            assert abs(direct + flowing - solution[Name("delta_h", t)]) <= Decimal("1e-30")
    assert solution[Name("delta_h_rec", 2)] == 0
    # what flows back into step 1 is what step 2 passes to its previous state
    assert "dell_dh_1" not in Model(problem).solve(10, intermediates=True)


def test_check_adjoint_shares(tmp_path: Path) -> None:
    answers = tmp_path / "answers.toml"
    answers.write_text("dell_dh_1 = -0.28259\ndelta_h_rec_1 = -0.17126\ndelta_h_rec_2 = 0\n")
    assert check(load_problem(HW6), answers).all_correct


def test_sheet_section() -> None:
    """An option: the default sheet (and every golden) is unchanged."""
    from lstm_sym.latex import Sheet

    assert "Named intermediates" not in Sheet(HW6).to_latex()
    tex = Sheet(HW6, intermediates=True).to_latex()
    assert r"\tanh\left(c_{1}\right) &= \tanh\left(0.22605\right) = 0.22228" in tex
    assert (
        r"{\delta h_{1}}^{\mathrm{rec}} &= \delta h_{1} - \frac{\partial \ell_{1}}{\partial h_{1}} "
        r"= -0.45385 - \left(-0.28259\right) = -0.17126"
    ) in tex
    batch = Sheet(BATCH, intermediates=True).to_latex()
    assert (
        r"L^{(1)} &= \ell_{1}^{(1)} + \ell_{2}^{(1)} + \ell_{3}^{(1)} "
        r"= 0.03785 + 0.26101 + 0.04005 = 0.33891"
    ) in batch


def test_sheet_cli(tmp_path: Path) -> None:
    out = tmp_path / "sheet.tex"
    assert main(["sheet", str(HW6), "--intermediates", "-o", str(out)]) == 0
    assert r"\section*{Named intermediates}" in out.read_text()
