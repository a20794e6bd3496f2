"""Problem files: natural homework forms accepted, every mistake reported precisely."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sympy

from lstm_sym import InputError, load_problem, loads_problem, problem_from_dict
from lstm_sym.cli import main

HW6 = Path("examples/hw6.toml").read_text() if Path("examples/hw6.toml").exists() else ""


def hw6(**replace: str) -> str:
    """The homework file with some `key = value` lines replaced (value None deletes the line)."""
    text = Path("examples/hw6.toml").read_text()
    for key, value in replace.items():
        pattern = re.compile(rf"^{key} = .*$", re.MULTILINE)
        assert pattern.search(text), key
        text = pattern.sub("" if value is None else f"{key} = {value}", text)
    return text


def test_homework_file() -> None:
    """The bundled homework loads with the sizes, exact values and defaults it implies."""
    p = load_problem("examples/hw6.toml")
    assert dict(p.sizes) == {"d": 2, "n": 1}
    assert p.params["W_f"] == ((1, 2),)
    assert p.params["U_c"] == ((sympy.Rational(3, 2),),)
    assert p.params["b_i"] == (sympy.Rational(-1, 10),)
    seq = p.sequences[0]
    assert seq.x == ((1, 0), (sympy.Rational(1, 2), -1))
    assert seq.targets == ((sympy.Rational(1, 2),), (sympy.Rational(4, 5),))
    assert seq.initial == {"h": (0,), "c": (0,)}
    assert p.cell.name == "lstm" and p.loss.name == "half_sse"


def test_natural_forms() -> None:
    """Bare numbers, flat rows, nested matrices, columns and fraction strings are all accepted."""
    text = """
    [parameters]
    W_f = [[1, 2], [3, 4]]
    W_i = [["1/2", 0], [0, "-1/3"]]
    W_o = [[0, 0], [0, 0]]
    W_c = [[1, 0], [0, 1]]
    U_f = [[0.5, 0], [0, 0.5]]
    U_i = [[0, 0], [0, 0]]
    U_o = [[0, 0], [0, 0]]
    U_c = [[0, 0], [0, 0]]
    b_f = [0.1, 0.2]
    b_i = [[0.1], [0.2]]
    b_o = [0, 0]
    b_c = [0, 0]
    [[sequence]]
    x = [[1, 2], [3, 4], [5, 6]]
    y = [[0, 1], "none", [1, 0]]
    h_0 = [0.5, -0.5]
    [[sequence]]
    x = [[0, 0], [1, 1], [2, 2]]
    y = [[1, 1], [0, 0], [1, 1]]
    c0 = [1, 1]
    """
    p = loads_problem(text)
    assert dict(p.sizes) == {"d": 2, "n": 2}
    assert p.params["W_i"][0][0] == sympy.Rational(1, 2)
    assert p.params["b_i"] == (sympy.Rational(1, 10), sympy.Rational(1, 5))
    assert p.sequences[0].targets[1] is None
    assert p.sequences[1].initial["c"] == (1, 1)
    assert p.batch == 2 and p.target_elements == 10


def test_column_vector_input_and_flat_matrix_column() -> None:
    """With d = 1 inputs may be bare numbers and an n×1 matrix a flat list when n is known."""
    text = """
    [parameters]
    W_f = [1, 2]
    W_i = [1, 2]
    W_o = [1, 2]
    W_c = [1, 2]
    U_f = [[1, 0], [0, 1]]
    U_i = [[1, 0], [0, 1]]
    U_o = [[1, 0], [0, 1]]
    U_c = [[1, 0], [0, 1]]
    b_f = [0, 0]
    b_i = [0, 0]
    b_o = [0, 0]
    b_c = [0, 0]
    [sequence]
    x = [1, 2]
    y = [[0, 1], [1, 0]]
    """
    p = loads_problem(text)
    assert dict(p.sizes) == {"d": 1, "n": 2}
    assert p.params["W_f"] == ((1,), (2,))


BAD = [
    ({"W_f": None}, r"parameters\.W_f: expected a value"),
    ({"W_f": "[1, 2, 3]"}, r"parameters\.W_f: expected a 1×2 matrix .*found a list of 3 entries"),
    ({"U_f": "[[1, 2]]"}, r"parameters\.U_f: expected a 1×1 matrix"),
    ({"b_f": '"zero"'}, r"parameters\.b_f: expected a number"),
    ({"b_f": "nan"}, r"parameters\.b_f: expected a finite number, found NaN"),
    ({"b_f": "inf"}, r"parameters\.b_f: expected a finite number"),
    ({"b_f": "true"}, r"parameters\.b_f: expected a number"),
    ({"x": "[]"}, r"sequence\[1\]\.x: expected at least one time step, found an empty list"),
    ({"x": "[[1, 0], [0.5]]"}, r"sequence\[1\]\.x\[2\]: expected a vector of 2 numbers"),
    ({"y": "[0.5]"}, r"sequence\[1\]\.y: expected 2 entries .*found 1 entries"),
    ({"cell": '"lsmt"'}, r"cell: expected one of: .*lstm.*, found 'lsmt'"),
    ({"loss": '"l2"'}, r"loss: expected one of: .*half_sse"),
    ({"h_0": "[1, 2]"}, r"sequence\[1\]\.h_0: expected a vector of 1 numbers"),
]


@pytest.mark.parametrize(("changes", "message"), BAD)
def test_bad_input(changes: dict[str, str | None], message: str) -> None:
    """Each mistake names the file, the field, what was expected and what was found."""
    with pytest.raises(InputError, match=r"^hw6\.toml: " + message):
        loads_problem(hw6(**changes), source="hw6.toml")


def test_unknown_keys_suggest_the_nearest() -> None:
    """A misspelt key is reported with the closest valid one."""
    with pytest.raises(InputError, match=r"parameters\.W_F: .*did you mean 'W_f'"):
        loads_problem(hw6().replace("W_f =", "W_F ="))
    with pytest.raises(InputError, match=r"^titel: .*did you mean 'title'"):
        loads_problem("titel = 'x'\n" + hw6())
    with pytest.raises(InputError, match=r"sequence\[1\]\.h0_: expected one of"):
        loads_problem(hw6().replace("h_0 =", "h0_ ="))


def test_bad_toml_and_missing_tables() -> None:
    """Invalid TOML and missing tables are single, precise errors."""
    with pytest.raises(InputError, match=r"^TOML: expected valid TOML, found Unclosed array"):
        loads_problem("W_f = [1, 2")
    with pytest.raises(InputError, match=r"^parameters: expected a table"):
        loads_problem("[sequence]\nx = [1]\ny = [1]")
    with pytest.raises(InputError, match=r"^sequence: expected a \[sequence\] table"):
        loads_problem(hw6().split("[sequence]")[0])


def test_cell_option_conflict() -> None:
    """`--cell` fills in a missing cell name and refuses to contradict the file."""
    data = {"parameters": {}, "sequence": {"x": [1]}}
    with pytest.raises(
        InputError, match=r"^cell: expected the cell given with --cell \('other'\), found 'lstm'"
    ):
        problem_from_dict({"cell": "lstm", **data}, cell="other")


def test_cli_reports_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command line prints one readable line and exits with 2, never a traceback."""
    bad = tmp_path / "bad.toml"
    bad.write_text(hw6(W_f="[1, 2, 3]"))
    assert main(["solve", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "parameters.W_f" in err and "Traceback" not in err
    assert main(["solve", str(tmp_path / "missing.toml")]) == 2
    assert "missing.toml: file: expected a readable UTF-8 text file" in capsys.readouterr().err
    assert main(["solve", "examples/hw6.toml", "--digits", "0"]) == 2
    assert "digits: expected an integer from 1 to 10000, found 0" in capsys.readouterr().err
    assert main(["solve"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
