"""Errors that teach: "did you mean", transposed matrices, fast limits."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import pytest

from lstm_sym import InputError, loads_problem, problem_from_dict
from lstm_sym.cli import main
from lstm_sym.limits import LimitError, raised
from lstm_sym.problem import parse_toml

ROOT = Path(__file__).resolve().parent.parent
HW6 = (ROOT / "examples" / "hw6.toml").read_text()


def broken(old: str, new: str) -> str:
    """The homework file with one piece of text replaced."""
    assert old in HW6, old
    return HW6.replace(old, new)


def refusal(text: str) -> str:
    """The one-line message with which the text, read as `p.toml`, is refused."""
    with pytest.raises(InputError) as caught:
        loads_problem(text, source="p.toml")
    message = str(caught.value)
    assert "\n" not in message
    return message


# -- did you mean ----------------------------------------------------------------------

NAME_MISTAKES = [
    ('cell = "lstm"', 'cell = "LSTM"', "cell: ", "found 'LSTM' (did you mean 'lstm'?)"),
    ('cell = "lstm"', 'cell = "lstm_peep"', "cell: ", "(did you mean 'lstm_peephole'?)"),
    ('loss = "half_sse"', 'loss = "MSE"', "loss: ", "found 'MSE' (did you mean 'mse'?)"),
    ('loss = "half_sse"', 'loss = "half_mse"', "loss: ", "(did you mean 'half_sse'?)"),
    ('cell = "lstm"', 'cell = "lstm"\nhead = "Linear"', "head: ", "(did you mean 'linear'?)"),
    (
        'cell = "lstm"',
        'cell = "lstm"\nactivations = {gates = "tanh"}',
        "activations.gates: ",
        "(did you mean 'gate'?)",
    ),
    (
        'cell = "lstm"',
        'cell = "lstm"\nactivations = {gate = "hardsigmoid"}',
        "activations.gate: ",
        "(did you mean 'hard_sigmoid'?)",
    ),
    (
        "[parameters]",
        '[parameters]\nlayout = "PyTorch"',
        "parameters.layout: ",
        "(did you mean 'pytorch'?)",
    ),
    ("[parameters]", "[parameter]", "parameter: ", "(did you mean 'parameters'?)"),
    ("U_f = 0.5", "u_f = 0.5", "parameters.u_f: ", "(did you mean 'U_f'?)"),
    ("h_0 = 0", "H_0 = 0", "sequence[1].H_0: ", "(did you mean 'h_0'?)"),
]


@pytest.mark.parametrize(("old", "new", "field", "suggestion"), NAME_MISTAKES)
def test_unknown_name_suggests_the_nearest(old: str, new: str, field: str, suggestion: str) -> None:
    """A name off by case or a few letters is refused with the registered name it resembles."""
    message = refusal(broken(old, new))
    assert message.startswith(f"p.toml: {field}") and message.endswith(suggestion)


def test_far_names_get_no_suggestion() -> None:
    """A name like none of the known ones gets the list, not a guess."""
    assert "did you mean" not in refusal(broken('cell = "lstm"', 'cell = "transformer"'))


def test_cli_cell_option_suggests_the_nearest(capsys: pytest.CaptureFixture[str]) -> None:
    """`--cell LSTM` for a file without a cell: exit 2 and the lower-case name suggested."""
    assert main(["cells", "LSTM"]) == 2
    assert "(did you mean 'lstm'?)" in capsys.readouterr().err


# -- transposed matrices ---------------------------------------------------------------


def test_transposed_matrix_says_so() -> None:
    """W_f given d × n: the message gives both shapes and says it looks transposed."""
    message = refusal(broken("W_f = [1, 2]", "W_f = [[1], [2]]"))
    assert message == (
        "p.toml: parameters.W_f: expected a 1×2 matrix (n=1 (from parameters.b_f), "
        "d=2 (from sequence[1].x)), found a 2×1 nested list — it looks transposed "
        "(d×n instead of n×d)"
    )


def test_transposed_matrix_first_in_the_file_does_not_set_n() -> None:
    """With n = 2 and d = 3, W_f given 3 × 2 is named transposed (n comes from the biases)."""
    data = {
        "parameters": {
            **{f"W_{g}": [[1, 0, 0], [0, 1, 0]] for g in "fioc"},
            **{f"U_{g}": [[1, 0], [0, 1]] for g in "fioc"},
            **{f"b_{g}": [0, 0] for g in "fioc"},
        },
        "sequence": {"x": [[1, 2, 3]], "y": [[0, 0]]},
    }
    data["parameters"]["W_f"] = [[1, 0], [0, 1], [0, 0]]
    with pytest.raises(InputError, match=r"found a 3×2 nested list — it looks transposed"):
        problem_from_dict(data)
    data["parameters"]["W_f"] = [[1, 0, 0], [0, 1, 0]]
    assert dict(problem_from_dict(data).sizes) == {"d": 3, "n": 2}


# -- limits before numbers -------------------------------------------------------------


def _long_problem(steps: int, sequences: int) -> str:
    head = HW6.split("[sequence]")[0]
    x = ", ".join(["[0.12345, -0.5]"] * steps)
    y = ", ".join(["0.5"] * steps)
    return head + f"[[sequence]]\nx = [{x}]\ny = [{y}]\n" * sequences


def test_work_limit_refuses_a_large_file_before_reading_its_numbers() -> None:
    """A 0.75 MB problem 4× over the work limit is refused in milliseconds, not seconds.

    The limit is lowered so that the file stays small enough for a fast test: reading its
    120,000 numbers takes about a second, counting them takes milliseconds.
    """
    data = parse_toml(_long_problem(10_000, 4))
    with raised(work=500_000):
        start = time.perf_counter()
        with pytest.raises(LimitError, match=r"40,000 steps × 48 = 1,920,000"):
            problem_from_dict(data)
        assert time.perf_counter() - start < 0.25


def test_steps_limit_of_a_later_sequence_is_refused_before_reading_the_first() -> None:
    """Each sequence's length is checked before the numbers of any sequence are read."""
    data = parse_toml(HW6)
    step = [Decimal("0.12345"), Decimal("-0.5")]
    data["sequence"] = [{"x": [step] * 40_000, "y": [step[0]] * 40_000}, {"x": [step] * 200_001}]
    start = time.perf_counter()
    with pytest.raises(LimitError, match=r"^sequence\[2\]\.x: expected at most 100000 time steps"):
        problem_from_dict(data)
    assert time.perf_counter() - start < 0.25
