"""One optimizer step ([training]): the updated parameters, exact, against PyTorch and by hand."""

from __future__ import annotations

import json
from decimal import Decimal, localcontext
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from optional import need_torch

from lstm_sym import Model, load_problem, problem_from_dict
from lstm_sym.check import check
from lstm_sym.cli import main
from lstm_sym.derive.naming import total, updated, updated_of
from lstm_sym.errors import InputError
from lstm_sym.latex import Sheet
from lstm_sym.names import Name

ROOT = Path(__file__).resolve().parent.parent
STEP = ROOT / "examples" / "hw6_step.toml"
GATES = ("f", "i", "o", "c")


def problem_data(training: dict[str, Any]) -> dict[str, Any]:
    """A two-unit LSTM over three steps (every parameter a true matrix or vector)."""
    params: dict[str, Any] = {}
    for k, g in enumerate(GATES):
        params[f"W_{g}"] = [[f"{(k + r - c) / 10}" for c in range(3)] for r in range(2)]
        params[f"U_{g}"] = [[f"{(r + 2 * c - k) / 8}" for c in range(2)] for r in range(2)]
        params[f"b_{g}"] = [f"{(k - r) / 5}" for r in range(2)]
    sequence = {
        "x": [["1", "0", "-0.5"], ["0.5", "-1", "2"], ["0.25", "0.75", "-1"]],
        "y": [["0.5", "-0.2"], "none", ["0.8", "0.1"]],
        "h_0": ["0.1", "-0.3"],
        "c_0": ["0", "0.2"],
    }
    return {"cell": "lstm", "parameters": params, "sequence": sequence, "training": training}


def as_float(value: Any) -> Any:
    return [as_float(v) for v in value] if isinstance(value, (list, tuple)) else float(value)


def torch_step(data: dict[str, Any], optimizer: str, **options: float) -> dict[str, Any]:
    """The parameters after one torch.optim step, with the cell written out in float64."""
    torch = need_torch()
    params = {
        name: torch.nn.Parameter(torch.tensor(as_float(value), dtype=torch.float64))
        for name, value in data["parameters"].items()
    }
    seq = data["sequence"]
    h = torch.tensor(as_float(seq["h_0"]), dtype=torch.float64)
    c = torch.tensor(as_float(seq["c_0"]), dtype=torch.float64)
    loss = torch.zeros((), dtype=torch.float64)
    for x, y in zip(seq["x"], seq["y"], strict=True):
        xt = torch.tensor(as_float(x), dtype=torch.float64)
        z = {g: params[f"W_{g}"] @ xt + params[f"U_{g}"] @ h + params[f"b_{g}"] for g in GATES}
        c = torch.sigmoid(z["f"]) * c + torch.sigmoid(z["i"]) * torch.tanh(z["c"])
        h = torch.sigmoid(z["o"]) * torch.tanh(c)
        if y != "none":
            loss = loss + 0.5 * ((torch.tensor(as_float(y), dtype=torch.float64) - h) ** 2).sum()
    chosen = torch.optim.Adam if optimizer == "adam" else torch.optim.SGD
    opt = chosen(list(params.values()), **options)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return {name: p.detach().tolist() for name, p in params.items()}


def assert_matches(solution: Any, stepped: dict[str, Any]) -> None:
    for name, value in stepped.items():
        rows = value if isinstance(value[0], list) else [[v] for v in value]
        for r, row in enumerate(rows, start=1):
            for c, entry in enumerate(row, start=1):
                index = (r, c) if isinstance(value[0], list) else (r,)
                exact = solution[Name(updated(name), None, index)]
                assert entry == pytest.approx(float(exact), rel=1e-13, abs=1e-15), (name, index)


def test_sgd_matches_torch() -> None:
    data = problem_data({"learning_rate": "0.1"})
    solution = Model(problem_from_dict(data)).solve(20, gradients=True)
    assert_matches(solution, torch_step(data, "sgd", lr=0.1))


def test_momentum_changes_nothing_in_the_first_step() -> None:
    data = problem_data({"learning_rate": "0.1", "momentum": "0.9"})
    solution = Model(problem_from_dict(data)).solve(20, gradients=True)
    assert_matches(solution, torch_step(data, "sgd", lr=0.1, momentum=0.9))


def test_adam_matches_torch() -> None:
    training = {"optimizer": "adam", "learning_rate": "0.01", "beta1": "0.8", "epsilon": "1e-6"}
    data = problem_data(training)
    solution = Model(problem_from_dict(data)).solve(20, gradients=True)
    assert_matches(solution, torch_step(data, "adam", lr=0.01, betas=(0.8, 0.999), eps=1e-6))


def test_the_step_by_hand() -> None:
    """W_new = W − η ∂L/∂W from the 40-digit gradient agrees to the 30 digits certified."""
    problem = load_problem(STEP)
    exact = Model(problem).solve(40, gradients=True)
    rounded = Model(problem).solve(30, gradients=True)
    for name, value in problem.params.items():
        entries = value[0] if isinstance(value[0], tuple) else value
        for k, entry in enumerate(entries, start=1):
            index = (1, k) if isinstance(value[0], tuple) and len(entries) > 1 else ()
            g = exact[Name(total(name), None, index)]
            with localcontext() as context:
                context.prec = 60
                by_hand = Decimal(Fraction(str(entry)).numerator) / Fraction(str(entry)).denominator
                by_hand -= Decimal("0.1") * g
                context.prec = 30
                assert +by_hand == rounded[Name(updated(name), None, index)], name
    assert rounded.sections[Name("W_f_new", None, (1, 2))] == "update"


def test_updated_names() -> None:
    assert updated("W_f") == "W_f_new" and updated_of("W_f_new") == "W_f"
    assert updated_of("W_f") is None


def test_no_update_without_gradients() -> None:
    solution = Model.load(STEP).solve(10)
    assert "update" not in set(solution.sections.values())


def test_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", str(STEP), "--grad", "--digits", "6", "--format", "json"]) == 0
    update = json.loads(capsys.readouterr().out)["values"]["update"]
    assert update["W_f_new[1,2]"] == "1.99661" and update["U_c_new"] == "1.50549"


def test_sheet_lines() -> None:
    tex = Sheet(STEP).to_latex()
    assert r"\section*{Gradient-descent step}" in tex
    assert (
        r"W_{f,12}^{\mathrm{new}} &= W_{f,12} - \eta \, \frac{\partial L}{\partial W_{f,12}} "
        r"= 2 - 0.1 \cdot 0.03394 = 1.99661"
    ) in tex
    blank = Sheet(STEP, problem_only=True).to_latex()
    assert r"\frac{\partial L}{\partial U_{f}} = \underline{\hspace{2cm}}" in blank


def test_check_follows_through_from_the_students_gradient(tmp_path: Path) -> None:
    answers = tmp_path / "answers.toml"
    answers.write_text("dL_dW_f = [-0.01697, 0.05]\nW_f_new = [1.0017, 1.995]\nb_f_new = 0.2034\n")
    report = check(load_problem(STEP), answers)
    verdicts = {a.name: (a.verdict, a.follows_from) for a in report.answers}
    assert verdicts["W_f_new[1,1]"][0] == "correct"
    assert verdicts["b_f_new"][0] == "correct"
    assert verdicts["W_f_new[1,2]"] == ("wrong", ("dL_dW_f[1,2]",))


@pytest.mark.parametrize(
    ("training", "message"),
    [
        ({}, r"^training\.learning_rate: expected a positive number, found nothing"),
        ({"learning_rate": "-1"}, r"^training\.learning_rate: expected a positive number"),
        ({"learning_rate": 0.1, "beta1": "0.9"}, r"^training\.beta1: expected one of"),
        ({"learning_rate": "0.1", "optimizer": "rmsprop"}, r"^training\.optimizer"),
        (
            {"learning_rate": "0.1", "optimizer": "adam", "beta2": "1"},
            r"^training\.beta2: expected a number from 0 up to",
        ),
        ({"learning_rate": "0.1", "momentum": "0.5.1"}, r"^training\.momentum: expected a number"),
    ],
)
def test_bad_training(training: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        problem_from_dict(problem_data(training))


def test_a_forward_only_problem_has_no_step() -> None:
    data = problem_data({"learning_rate": "0.1"})
    del data["sequence"]["y"]
    with pytest.raises(InputError, match=r"^training: expected a problem with targets"):
        problem_from_dict(data)
