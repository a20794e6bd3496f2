"""Forward-only problems: no targets, so no loss and no gradients, in every command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lstm_sym import Model, lambdify, load_problem
from lstm_sym.check import check
from lstm_sym.cli import main
from lstm_sym.errors import InputError
from lstm_sym.latex import Sheet

ROOT = Path(__file__).resolve().parent.parent
FORWARD = ROOT / "examples" / "forward_only.toml"
HW6 = ROOT / "examples" / "hw6.toml"


def test_no_targets_is_forward_only() -> None:
    """A problem without `y` (or with "none" at every step) is forward only; hw6 is not."""
    assert load_problem(FORWARD).forward_only
    text = FORWARD.read_text().replace(
        "x = [[1, 0], [0.5, -1]]", 'x = [[1, 0], [0.5, -1]]\ny = ["none", "none"]'
    )
    from lstm_sym import loads_problem

    assert loads_problem(text).forward_only
    assert not load_problem(HW6).forward_only


def test_solve_gives_the_forward_pass_only() -> None:
    """The values are hw6's forward values; there is no loss and no section but the forward."""
    forward = Model.load(FORWARD).solve(20)
    full = Model.load(HW6).solve(20)
    assert set(forward.sections.values()) == {"forward"}
    for name, value in forward.items():
        assert full[name] == value
    assert "L" not in forward
    assert "forward only" in forward.to_text().splitlines()[1]


def test_gradients_are_refused_in_one_line() -> None:
    with pytest.raises(InputError, match=r"^gradients: expected a problem with targets"):
        Model.load(FORWARD).solve(10, gradients=True)
    with pytest.raises(InputError, match=r"^flow: expected a problem with targets"):
        Model.load(FORWARD).solve(10, flow=True)


def test_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", str(FORWARD), "--format", "json", "--digits", "5"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["loss"] is None
    assert list(data["values"]) == ["forward"]
    assert data["values"]["forward"]["h_2"] == "-0.18988"


def test_cli_refuses_grad(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", str(FORWARD), "--grad"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "forward-only problem (no targets)" in err


def test_sheet_has_no_loss_and_no_backward() -> None:
    """The default sheet is the forward pass and the summary: no ℓ, no L, no targets."""
    tex = Sheet(FORWARD).to_latex()
    assert r"h_{2} &= o_{2} \tanh{\left(c_{2} \right)} = 0.88920 \cdot" in tex
    assert r"\ell" not in tex and "L =" not in tex and "y_{1}" not in tex
    assert r"\subsection*{Inputs and initial states}" in tex
    assert "Backward" not in tex and "Loss &" not in tex
    assert r"$t$ & $h_{t}$ & $c_{t}$ \\" in tex


@pytest.mark.parametrize("parts", [("forward", "backward"), ("loss",)])
def test_sheet_refuses_the_loss_and_backward_parts(parts: tuple[str, ...]) -> None:
    with pytest.raises(InputError, match=r"^parts: expected a problem with targets"):
        Sheet(FORWARD, parts=parts)


def test_check_forward_answers(tmp_path: Path) -> None:
    answers = tmp_path / "answers.toml"
    answers.write_text("h_1 = 0.21741\nc_2 = -0.2169\nh_2 = -0.1899\n")
    report = check(load_problem(FORWARD), answers)
    assert report.all_correct and len(report.answers) == 3
    answers.write_text("h_1 = 0.21741\ndL_dW_f = [0.1, 0.2]\n")
    with pytest.raises(InputError, match="a forward-only problem has no loss and no gradients"):
        check(load_problem(FORWARD), answers)


def test_codegen_forward_matches() -> None:
    """The generated forward function gives the certified values (float64)."""
    problem = load_problem(FORWARD)
    functions = lambdify(problem)
    params = {
        name: np.array(
            [[float(v) for v in row] for row in value]
            if isinstance(value[0], tuple)
            else [float(v) for v in value]
        )
        for name, value in problem.params.items()
    }
    x = np.array([[[float(v) for v in step] for step in problem.sequences[0].x]])
    out = functions.forward(params, x)
    solution = Model(problem).solve(17)
    assert out["h"][0, 1, 0] == pytest.approx(float(solution["h_2"]), rel=1e-14)
    assert out["c"][0, 0, 0] == pytest.approx(float(solution["c_1"]), rel=1e-14)
