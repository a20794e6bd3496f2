"""Every built-in cell: values against independent float64 code, gradients against finite
differences, the named program, activation choices and the listing."""

from __future__ import annotations

import json
from decimal import Decimal

import mpmath
import numpy as np
import pytest
import sympy
from cell_reference import STEPS, run
from cell_strategies import CellCase, cell_cases, random_case
from hypothesis import given, settings

import lstm_sym
from lstm_sym.cli import main
from lstm_sym.names import Name, symbol
from lstm_sym.names import template_symbol as s
from lstm_sym.spec.cells import CELLS, get_cell, with_activations
from lstm_sym.spec.functions import sigma
from lstm_sym.testing import check_gradients

BUILT_IN = sorted(CELLS)


def _compare(case: CellCase, solution: lstm_sym.Solution) -> None:
    reference = run(case.cell, case.params, case.xs, case.initial, case.activations)
    for t, values in enumerate(reference, start=1):
        for name, value in values.items():
            if name not in {eq.target for eq in get_cell(case.cell).equations}:
                continue
            for k, v in enumerate(np.atleast_1d(value), start=1):
                index = f"[{k}]" if case.sizes["n"] > 1 else ""
                assert float(solution[f"{name}_{t}{index}"]) == pytest.approx(
                    v, rel=1e-12, abs=1e-13
                ), (name, t, k)


def test_every_built_in_cell_has_a_reference() -> None:
    """The tests' independent implementations cover every registered cell."""
    assert set(STEPS) == set(CELLS)


@pytest.mark.parametrize("cell", BUILT_IN)
def test_values_match_float64_reference(cell: str) -> None:
    """Every gate and state of every cell equals an independent float64 implementation."""

    @settings(max_examples=6)
    @given(case=cell_cases(cell))
    def check(case: CellCase) -> None:
        problem = lstm_sym.problem_from_dict(case.to_dict())
        _compare(case, lstm_sym.solve(problem, 17))

    check()


@pytest.mark.parametrize("cell", BUILT_IN)
def test_gradients_match_50_digit_finite_differences(cell: str) -> None:
    """Every gradient of every cell agrees with central differences at 50 digits."""

    @settings(max_examples=3)
    @given(case=cell_cases(cell, max_steps=2))
    def check(case: CellCase) -> None:
        report = check_gradients(lstm_sym.problem_from_dict(case.to_dict()), dps=50)
        assert report.compared > 0
        assert report.max_abs_error < mpmath.mpf("1e-25"), str(report)

    check()


@pytest.mark.parametrize("cell", BUILT_IN)
def test_named_program_agrees_with_values(cell: str) -> None:
    """Every assignment of the named program (forward and backward), evaluated in order,
    equals the certified value of its name."""
    problem = lstm_sym.problem_from_dict(random_case(cell, 7, n=2, d=1).to_dict())
    model = lstm_sym.Model(problem)
    known: dict[sympy.Basic, sympy.Expr] = {}
    for k, v in problem.params.items():
        rows = v if isinstance(v[0], tuple) else [(e,) for e in v]
        for r, row in enumerate(rows, start=1):
            for c, entry in enumerate(row, start=1):
                index = (r, c) if isinstance(v[0], tuple) and len(rows) * len(row) > 1 else (r,)
                known[symbol(Name(k, None, index if len(rows) * len(row) > 1 else ()))] = entry
    sequence = problem.sequences[0]
    for t, (x, y) in enumerate(zip(sequence.x, sequence.targets, strict=True), start=1):
        known[symbol(Name("x", t))] = x[0]
        for k, value in enumerate(y or (), start=1):
            known[symbol(Name("y", t, (k,)))] = value
    for state, value in sequence.initial.items():
        for k, entry in enumerate(value, start=1):
            known[symbol(Name(state, 0, (k,)))] = entry
    solution = model.solve(25, gradients=True)
    checked = 0
    for assignment in model.program():
        value = sympy.N(assignment.expr.xreplace(known), 40)
        known[assignment.symbol] = value
        if str(assignment.name) in solution:
            expected = solution[str(assignment.name)]
            assert abs(Decimal(str(value)) - expected) <= abs(expected) * Decimal(
                "1e-22"
            ) + Decimal("1e-30"), assignment.name
            checked += 1
    assert checked > 10
    assert len(model.program(view="vector")) > 0


def test_homework_lstm_equations_are_unchanged() -> None:
    """The lstm cell's equations are the homework's, with σ and tanh."""
    equations = {eq.target: eq.pointwise for eq in CELLS["lstm"].equations}
    assert equations["f"] == sigma(s("z_f"))
    assert equations["c_tilde"] == sympy.tanh(s("z_c"))
    assert equations["c"] == s("f") * s("c_prev") + s("i") * s("c_tilde")
    assert equations["h"] == s("o") * sympy.tanh(s("c"))


@pytest.mark.parametrize(
    ("cell", "choice"),
    [
        ("lstm", {"gate": "hard_sigmoid"}),
        ("lstm", {"gate": "hard_sigmoid_keras2", "candidate": "relu", "output": "identity"}),
        ("elman", {"hidden": "relu"}),
        ("gru", {"gate": "hard_sigmoid"}),
        ("lstm_peephole", {"candidate": "identity"}),
    ],
)
def test_activation_choice_matches_reference(cell: str, choice: dict[str, str]) -> None:
    """A chosen activation replaces the slot's default everywhere it is used."""

    @settings(max_examples=5)
    @given(case=cell_cases(cell))
    def check(case: CellCase) -> None:
        case.activations = choice
        _compare(case, lstm_sym.solve(lstm_sym.problem_from_dict(case.to_dict()), 17))

    check()


def test_activation_choice_after_the_default_cell_in_one_process() -> None:
    """A chosen activation is evaluated as itself even after the default cell was compiled."""
    case = random_case("gru", 3, steps=3)
    lstm_sym.solve(lstm_sym.problem_from_dict(case.to_dict()), 17)
    case.activations = {"gate": "hard_sigmoid"}
    _compare(case, lstm_sym.solve(lstm_sym.problem_from_dict(case.to_dict()), 17))


def test_activation_variants_are_cached_cells() -> None:
    """The same choice gives the same cell object; the default choice gives the cell itself."""
    lstm = CELLS["lstm"]
    assert with_activations(lstm, {"gate": "relu"}) is with_activations(lstm, {"gate": "relu"})
    assert with_activations(lstm, {"gate": "sigmoid"}) is lstm
    assert with_activations(lstm, {"gate": "relu"}).activation_choice()["gate"] == "relu"


@pytest.mark.parametrize(
    ("choice", "message"),
    [({"gates": "relu"}, "activation slot"), ({"gate": "softmax"}, "one of: sigmoid")],
)
def test_bad_activation_choices_are_input_errors(choice: dict[str, str], message: str) -> None:
    """An unknown slot or activation names the field and the options."""
    with pytest.raises(lstm_sym.InputError, match=message):
        with_activations(CELLS["lstm"], choice)


def test_piecewise_activation_gradients_away_from_kinks() -> None:
    """relu and hard sigmoid cells have exact gradients (checked where no kink is hit)."""
    for cell, choice in (("elman", {"hidden": "relu"}), ("lstm", {"gate": "hard_sigmoid"})):
        case = random_case(cell, 3)
        case.activations = choice
        problem = lstm_sym.problem_from_dict(case.to_dict())
        report = check_gradients(problem, dps=50)
        assert report.max_abs_error < mpmath.mpf("1e-25"), (cell, str(report))


def test_gradient_at_a_kink_is_the_frameworks_choice() -> None:
    """At relu's kink the derivative is 0, as in PyTorch (not ½ as a central difference says)."""
    data = {
        "cell": "elman",
        "activations": {"hidden": "relu"},
        "parameters": {"W_h": 1, "U_h": 0, "b_h": 0},
        "sequence": {"x": [0], "y": [1]},
    }
    solution = lstm_sym.solve(lstm_sym.problem_from_dict(data), 10, gradients=True)
    assert solution["dL_dx_1"] == 0


def test_cells_command_lists_every_cell(capsys: pytest.CaptureFixture[str]) -> None:
    """`lstm-sym cells` prints every built-in cell with its equations."""
    assert main(["cells"]) == 0
    out = capsys.readouterr().out
    for name in CELLS:
        assert f"\n{name}  [" in "\n" + out
    assert "    c = c_prev * f + c_tilde * i" in out


def test_cells_command_json(capsys: pytest.CaptureFixture[str]) -> None:
    """`lstm-sym cells --format json` gives name, description and equations of each cell."""
    assert main(["cells", "--format", "json", "gru", "lstm_fgr"]) == 0
    data = json.loads(capsys.readouterr().out)
    names = [cell["name"] for cell in data["cells"]]
    assert names == ["gru", "lstm_fgr"]
    gru = data["cells"][0]
    assert gru["description"] and "n = tanh(z_n)" in gru["equations"]
    assert gru["layouts"] == ["keras", "pytorch", "pytorch_cell"]
    assert data["cells"][1]["states"] == {"h": "n", "c": "n", "i": "n", "f": "n", "o": "n"}
    assert "hard_sigmoid" in data["activations"]


def test_cells_command_unknown_name(capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown cell name is one line on stderr and exit code 2."""
    assert main(["cells", "lsmt"]) == 2
    assert "one of:" in capsys.readouterr().err


def test_cell_option_picks_the_cell(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    """`--cell NAME` chooses the cell of a problem file that names none."""
    from pathlib import Path

    path = Path(str(tmp_path)) / "elman.toml"
    path.write_text("[parameters]\nW_h = 1\nU_h = 0.5\nb_h = 0\n[sequence]\nx = [1]\ny = [0]\n")
    assert main(["solve", str(path), "--cell", "elman", "--digits", "5"]) == 0
    assert "elman cell" in capsys.readouterr().out
    assert main(["solve", str(path), "--cell", "gru"]) == 2


@pytest.mark.parametrize("cell", BUILT_IN)
def test_every_cell_works_with_every_loss(cell: str) -> None:
    """No cell uses a name a loss needs: each solves with every registered loss and a head."""
    case = random_case(cell, 5, n=2, d=1)
    for loss in lstm_sym.LOSSES:
        data = case.to_dict(loss)
        sequence = data["sequence"]
        if lstm_sym.LOSSES[loss].target == "class":
            data["head"] = "linear"
            data["parameters"] |= {"V": [[1, 0], [0, -1], ["1/2", 1]], "b_y": [0, 0, 1]}
            sequence["labels"] = [2, 0]
            del sequence["y"]
        elif lstm_sym.LOSSES[loss].gradient_given:
            sequence["dL_dh"] = sequence.pop("y")
        solution = lstm_sym.solve(lstm_sym.problem_from_dict(data), 8, gradients=True)
        assert "L" in solution
