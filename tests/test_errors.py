"""Errors that teach: TOML hints at file:line:col, "did you mean", transposed matrices, fast limits."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


# -- TOML syntax -----------------------------------------------------------------------

TOML_MISTAKES = [
    # (old, new, where, hint)
    (
        "U_f = 0.5",
        "U_f = 1/3",
        "p.toml:13:8:",
        'TOML has no fractions: write U_f = "1/3" (a string)',
    ),
    ("U_f = 0.5", "U_f = -1 / 3", "p.toml:13:10:", 'write U_f = "-1/3"'),
    ("W_f = [1, 2]", "W_f = [1/2, 2]", "p.toml:8:9:", 'write "1/2" (a string)'),
    (
        "b_f = 0.2",
        "b_f = .24974",
        "p.toml:18:7:",
        "a decimal needs a digit before its point: write 0.24974",
    ),
    ("b_i = -0.1", "b_i = -.1", "p.toml:19:7:", "write -0.1"),
    (
        "b_f = 0.2",
        "b_f = 2.e-1",
        "p.toml:18:8:",
        "a decimal needs a digit after its point: write 2.0e-1",
    ),
    ("b_f = 0.2", "b_f = 0.2.1", "p.toml:18:10:", "a number has one decimal point"),
    ("W_f = [1, 2]", "W/f = [1, 2]", "p.toml:8:2:", 'needs quotes: write "W/f" = [1, 2]'),
    ("W_f = [1, 2]", "W_f = [1 2]", "p.toml:8:10:", "separated by commas: [[1, 2], [3, 4]]"),
    ("x = [[1, 0], [0.5, -1]]", "x = [[1 0] [0.5 -1]]", "p.toml:24:9:", "separated by commas"),
    (
        "x = [[1, 0], [0.5, -1]]",
        "x = [[1, 0]\n     [0.5, -1]]",
        "p.toml:25:6:",
        "separated by commas",
    ),
    ("U_i = 2", "U_i = True", "p.toml:14:7:", "TOML writes true in lower case"),
    (
        "y = [0.5, 0.8]",
        "y = [None, 0.8]",
        "p.toml:25:6:",
        'TOML has no None: leave the key out ("none"',
    ),
    ("y = [0.5, 0.8]", "y = [none, 0.8]", "p.toml:25:6:", 'text needs quotes: write "none"'),
    ('cell = "lstm"', "cell = lstm", "p.toml:3:8:", 'text needs quotes: write cell = "lstm"'),
    ('cell = "lstm"', 'cell: "lstm"', "p.toml:3:5:", "joined by '=', not ':'"),
    ("U_o = -1", "U_o = \u22121", "p.toml:15:7:", "is not a minus sign in TOML: write '-'"),
    ("b_c = 0.5", "b_c = \u201c1/2\u201d", "p.toml:21:7:", "curly quotes are not TOML quotes"),
    ("b_c = 0.5", "b_c = sqrt(2)/4", "p.toml:21:7:", "nothing is evaluated"),
    ("b_c = 0.5", "b_c = 0,5", "p.toml:21:8:", "a decimal point is '.'"),
    ("b_c = 0.5", "b_c =", "p.toml:21:6:", "a key needs a value after '='"),
    ("b_c = 0.5", "b_c = 0.5 // bias", "p.toml:21:11:", "a comment starts with '#'"),
    (
        'cell = "lstm"',
        'cell = "lstm"\nactivations = {gate = "sigmoid", }',
        "p.toml:4:34:",
        "no comma after its last entry",
    ),
    (
        'cell = "lstm"',
        'cell = "lstm"\nactivations = {\ngate = "sigmoid"}',
        "p.toml:4:16:",
        "must fit on one line",
    ),
    (
        "h_0 = 0",
        "h_0 = 0\n[sequence]\nx = 1",
        "p.toml:27:10:",
        "several sequences are each written [[sequence]]",
    ),
    ("h_0 = 0", "h_0 = 0\nh_0 = 1", "p.toml:27:8:", "each key is given once in its table"),
    ('title = "HW6', 'title = "HW6\n', "p.toml:2:13:", "closing quote on the same line"),
    (
        "c_0 = 0",
        "c_0 = [0",
        "p.toml:27:9:",
        "at the end of the file — a list needs its closing ']'",
    ),
]


@pytest.mark.parametrize(("old", "new", "where", "hint"), TOML_MISTAKES)
def test_toml_mistake_gets_its_hint(old: str, new: str, where: str, hint: str) -> None:
    """A newcomer's TOML mistake: one line naming file:line:col, the parser's words and the fix."""
    message = refusal(broken(old, new))
    assert message.startswith(f"{where} TOML: expected valid TOML, found ")
    assert hint in message


def test_toml_error_without_a_hint_names_line_and_column() -> None:
    """Where no mistake is recognised, the parser's message and the place are all there is."""
    with pytest.raises(InputError) as caught:
        loads_problem(broken("b_c = 0.5", "b_c = 0.5 0.5"))
    assert str(caught.value) == (
        "TOML: expected valid TOML, found Expected newline or end of document after a "
        "statement at '0.5' (line 21, column 11)"
    )


def test_valid_forms_near_the_mistakes_load() -> None:
    """What the hints ask for is accepted: quoted fractions, 0.25, 1e-3, 2.0e-1, quoted keys."""
    text = broken("U_f = 0.5", 'U_f = "1/3"').replace("b_f = 0.2", "b_f = 1e-3")
    text = text.replace("b_i = -0.1", "b_i = -0.25").replace("b_c = 0.5", "b_c = 2.0e-1")
    text = text.replace("W_f = [1, 2]", '"W_f" = [1, 2]')
    problem = loads_problem(text)
    assert str(problem.params["U_f"][0][0]) == "1/3"
    assert str(problem.params["b_f"][0]) == "1/1000"
    assert str(problem.params["b_c"][0]) == "1/5"


def test_cli_toml_error_is_one_line_with_file_line_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`lstm-sym solve` on a file with `U_f = 1/3`: exit 2, one line, file:line:col and the fix."""
    bad = tmp_path / "bad.toml"
    bad.write_text(broken("U_f = 0.5", "U_f = 1/3"))
    assert main(["solve", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"lstm-sym: error: {bad}:13:8: TOML: expected valid TOML")
    assert err.rstrip().endswith('write U_f = "1/3" (a string)')


@given(
    position=st.integers(0, len(HW6)),
    inserted=st.sampled_from(
        ["/", ".", " ", "=", "[", "]", "{", "}", ",", '"', "#", "\n", "−", "x"]
    ),
)
def test_any_broken_file_is_one_input_error(position: int, inserted: str) -> None:
    """Whatever one character breaks, reading ends in a one-line InputError or a problem."""
    text = HW6[:position] + inserted + HW6[position:]
    try:
        loads_problem(text, source="p.toml")
    except InputError as error:
        assert "\n" not in str(error)


def test_a_long_line_is_quoted_short() -> None:
    """A mistake at the end of a long one-line matrix quotes a short piece, quickly."""
    row = ", ".join(["0.5"] * 50_000)
    start = time.perf_counter()
    with pytest.raises(InputError) as caught:
        parse_toml(f"W = [{row} 1/3]\n", source="p.toml")
    assert time.perf_counter() - start < 2
    assert 'write "1/3"' in str(caught.value) and len(str(caught.value)) < 300


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
