"""Limits: every one refused before work starts, naming itself and how to raise it."""

from __future__ import annotations

import copy
import io
import time
import zipfile
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lstm_sym import Model, problem_from_dict
from lstm_sym.check.answers import written_decimal
from lstm_sym.cli import main
from lstm_sym.convert import load
from lstm_sym.errors import InputError
from lstm_sym.latex import Sheet
from lstm_sym.limits import (
    LIMITS,
    LimitError,
    check_work,
    limit,
    parse_assignment,
    raised,
    set_limit,
)
from lstm_sym.numbers import parse_number
from lstm_sym.problem import load_problem, read_toml
from lstm_sym.spec.custom.lower import parse_cell

ROOT = Path(__file__).resolve().parent.parent
HW6 = ROOT / "examples" / "hw6.toml"
HW6_DATA = read_toml(HW6)


def _hw6_steps(steps: int) -> dict[str, Any]:
    data = copy.deepcopy(HW6_DATA)
    data["sequence"]["x"] = [[1, 0]] * steps
    data["sequence"]["y"] = ["0.5"] * steps
    return data


def _batch(count: int) -> dict[str, Any]:
    data = copy.deepcopy(HW6_DATA)
    data["sequence"] = [data["sequence"]] * count
    return data


def _npz(tmp_path: Path) -> Path:
    path = tmp_path / "p.npz"
    shapes = {"W": (1, 2), "U": (1, 1), "b": (1,)}
    np.savez(path, **{f"{k}_{g}": np.ones(shapes[k]) for k in "WUb" for g in "fioc"})
    return path


#: For each limit: a value small enough that the action exceeds it (so the refusal shows).
CASES: dict[str, tuple[int, Callable[[Path], object]]] = {
    "digits": (10, lambda _: Model(load_problem(HW6)).solve(11)),
    "sheet_digits": (3, lambda _: Sheet(HW6, digits=4)),
    "size": (1, lambda _: problem_from_dict(HW6_DATA)),
    "steps": (2, lambda _: problem_from_dict(_hw6_steps(3))),
    "sequences": (2, lambda _: problem_from_dict(_batch(3))),
    "work": (50, lambda _: problem_from_dict(HW6_DATA)),
    "sheet_lines": (10, lambda _: Sheet(HW6)),
    "closed_form_nodes": (5, lambda _: Model(load_problem(HW6)).closed_form("h_2")),
    "exact_nodes": (5, lambda _: Model(load_problem(HW6)).exact()),
    "number_digits": (3, lambda _: parse_number("0.1234", "x")),
    "number_exponent": (3, lambda _: parse_number("1e4", "x")),
    "answer_digits": (3, lambda _: written_decimal("0.1234", "h_1")),
    "file_bytes": (100, lambda _: load_problem(HW6)),
    "parameter_values": (10, lambda tmp: load(_npz(tmp), cell="lstm")),
    "equations": (1, lambda _: parse_cell(["z = W @ x", "h = tanh(z)"])),
    "equation_length": (10, lambda _: parse_cell(["h = tanh(W @ x + b)"])),
    "equation_depth": (2, lambda _: parse_cell(["h = tanh(tanh(tanh(W @ x)))"])),
    "equation_nodes": (3, lambda _: parse_cell(["h = tanh(W @ x + b)"])),
    "derivative_nodes": (10, lambda _: parse_cell(["z = W @ x + b", "h = tanh(z) * z"])),
    "identifier": (2, lambda _: parse_cell(["h = tanh(W_long @ x)"])),
    "description": (3, lambda _: parse_cell(["h = W @ x"], description="a long one")),
}


def test_every_limit_has_a_case() -> None:
    """Each limit in LIMITS is exercised below (a new limit needs a case here)."""
    assert set(CASES) == set(LIMITS)


@pytest.mark.parametrize("name", sorted(CASES))
def test_limit_refuses_names_itself_and_can_be_raised(name: str, tmp_path: Path) -> None:
    """Beyond a limit: a LimitError naming it and --limit; raised, the same request works."""
    small, action = CASES[name]
    with raised({name: small}), pytest.raises(LimitError) as error:
        action(tmp_path)
    assert error.value.limit == name
    assert f"limit {name}={small}; raise it with --limit {name}=N" in str(error.value)
    assert isinstance(error.value, InputError)
    action(tmp_path)  # the default limit allows it
    assert limit(name) == LIMITS[name].default


def test_limits_are_refused_before_work_starts() -> None:
    """A problem far beyond the steps limit is refused in well under a second."""
    data = _hw6_steps(limit("steps") + 1)
    start = time.perf_counter()
    with pytest.raises(LimitError, match="at most 100000 time steps"):
        problem_from_dict(data)
    assert time.perf_counter() - start < 1


def test_large_custom_cells_are_refused_before_differentiation() -> None:
    """40 equations of 100 products each (minutes of SymPy work) are refused in under a second
    of this process's CPU time (other processes' load does not count)."""
    equations = [
        f"q{i} = tanh(" + " + ".join(f"a{i}b{k} * h_prev" for k in range(100)) + ")"
        for i in range(40)
    ]
    start = time.process_time()
    with raised(equation_length=10_000), pytest.raises(LimitError, match="equation_nodes"):
        parse_cell([*equations, "h = q39 + W @ x"])
    with (
        raised(equation_length=10_000, equation_nodes=1000),
        pytest.raises(LimitError, match="derivative_nodes"),
    ):
        parse_cell([*equations, "h = q39 + W @ x"])
    assert time.process_time() - start < 1


def test_work_limit_counts_steps_and_parameters() -> None:
    """The work limit refuses T × (parameter numbers + per-step overhead), and allows what fits."""
    with raised(work=10_000), pytest.raises(LimitError, match=r"500 steps × 48 = 24,000"):
        problem_from_dict(_hw6_steps(500))
    with raised(work=30_000):
        assert problem_from_dict(_hw6_steps(500)).sequences[0].steps == 500


def test_work_limit_weighs_the_digits() -> None:
    """n = d = 2, T = 1,500: fine at 50 digits, refused at once at 10,000 (weighted work)."""
    data = copy.deepcopy(HW6_DATA)
    data["parameters"] = {
        f"{k}_{g}": [["1/2", "1/3"], ["1/5", "-1"]] if k != "b" else ["1/7", "2"]
        for g in "fioc"
        for k in "WUb"
    }
    data["sequence"] = {"x": [["1", "-1/2"]] * 1500, "y": [["1/2", "1/4"]] * 1500}
    model = Model(problem_from_dict(data))
    start = time.perf_counter()
    with pytest.raises(LimitError, match=r"1,500 steps × 72 × 774.1 \(at 10,000 digits\)"):
        model.solve(10_000, gradients=True)
    assert time.perf_counter() - start < 1
    check_work(1500, 72, 50)


def _cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def test_cli_limit_option_raises_a_limit_for_one_run() -> None:
    """`--limit digits=20000` allows 12,000 digits for that run only."""
    code, _, err = _cli(["solve", str(HW6), "--digits", "10001"])
    assert code == 2 and "raise it with --limit digits=N" in err
    code, out, _ = _cli(["solve", str(HW6), "--digits", "10001", "--limit", "digits=20000"])
    assert code == 0 and len(out.splitlines()[-1]) > 10_000
    assert limit("digits") == 10_000


@pytest.mark.parametrize(
    "text", ["digits", "digits=", "digits=-1", "digits=x", "nope=3", "digits=²"]
)
def test_bad_limit_options_are_one_line_errors(text: str) -> None:
    """A malformed or unknown --limit is exit 2 with one line."""
    code, _, err = _cli(["solve", str(HW6), "--limit", text])
    assert code == 2 and err.count("\n") == 1 and err.startswith("lstm-sym: error:")


def test_api_limits() -> None:
    """parse_assignment reads NAME=N; set_limit refuses non-positive values; raised restores."""
    assert parse_assignment("steps=1_000") == ("steps", 1000)
    with pytest.raises(InputError):
        set_limit("steps", 0)
    with raised(steps=5):
        set_limit("size", 7)
        assert (limit("steps"), limit("size")) == (5, 7)
    assert (limit("steps"), limit("size")) == (100_000, 1024)


def test_npz_sizes_are_checked_before_decompressing(tmp_path: Path) -> None:
    """A compressed archive claiming 10^8 numbers is refused from its header, at once."""
    path = tmp_path / "bomb.npz"
    np.savez_compressed(path, W_f=np.zeros((100_000, 1000), dtype=np.uint8))
    assert path.stat().st_size < 200_000
    start = time.perf_counter()
    with pytest.raises(LimitError, match="at most 4000000 numbers, found 100000000"):
        load(path)
    assert time.perf_counter() - start < 1


def test_npz_member_that_is_not_an_array_is_refused(tmp_path: Path) -> None:
    """An .npz whose member is not .npy data is one InputError."""
    path = tmp_path / "text.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("W_f.npy", "not an array")
    with pytest.raises(InputError, match=r"a NumPy \.npz archive"):
        load(path)


def test_large_files_are_read_only_up_to_the_limit(tmp_path: Path) -> None:
    """A problem file over file_bytes (here 1 GB, sparse) is refused after file_bytes + 1 bytes."""
    huge = tmp_path / "huge.toml"
    with huge.open("wb") as handle:
        handle.truncate(2**30)
    with raised(file_bytes=1000), pytest.raises(LimitError, match="file_bytes"):
        load_problem(huge)


def test_long_numbers_never_hit_pythons_int_string_cap() -> None:
    """Numbers of 3,000 digits (over Python's 4,300-digit cap as fractions) are read or refused cleanly."""
    value = parse_number("0." + "1" * 2999, "x")
    assert len(str(value.q)) == 3000 and str(value)
    assert parse_number("1" * 1000 + "/7", "x").q == 7
    for text in ("1" * 5000 + "/3", "3/" + "1" * 5000, "1" * 5000):
        with pytest.raises(LimitError, match="number_digits"):
            parse_number(text, "x")
    with pytest.raises(LimitError, match="number_digits"):
        parse_number(10**5000, "x")


def test_exponents_beyond_decimal_are_refused() -> None:
    """An exponent Decimal cannot represent is refused naming the limit (not InvalidOperation)."""
    for text in ("1e99999999999999999999", "-1E+99999999999999999999", "1e-99999999999999999999"):
        with pytest.raises(LimitError, match="number_exponent"):
            parse_number(text, "x")
    toml = HW6.read_text().replace("b_f = 0.2", "b_f = 1e99999999999999999999")
    with pytest.raises(InputError, match=r"TOML: .*number_exponent"):
        from lstm_sym import loads_problem

        loads_problem(toml)


@pytest.mark.parametrize("text", ["١٢", "0.٥", "²", "1e٣", "１"])
def test_only_ascii_digits_are_numbers(text: str) -> None:
    """Digits of other scripts are not numbers, in problem values or in equations."""
    with pytest.raises(InputError):
        parse_number(text, "x")
    with pytest.raises(InputError):
        parse_cell([f"h = {text} * tanh(W @ x)"])


def test_refusals_quote_at_most_a_short_piece_of_the_input() -> None:
    """A 3,000-digit number beyond the exponent limit gives a short message."""
    with pytest.raises(LimitError) as error:
        parse_number("9" * 2000, "x")
    assert len(str(error.value)) < 300


def test_encrypted_npz_members_are_refused(tmp_path: Path) -> None:
    """An archive whose member is flagged encrypted is one InputError (not zipfile's RuntimeError)."""
    path = tmp_path / "locked.npz"
    np.savez(path, W_f=np.ones(2))
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.index(signature) + offset
        data[at] |= 1  # the "encrypted" flag
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match="encrypted"):
        load(path)


def test_numbers_beyond_pythons_digit_limit_are_described_not_printed() -> None:
    """A size or an answer with more digits than str() allows gets the one-line error."""
    from fractions import Fraction

    from lstm_sym.check.answers import written_decimal
    from lstm_sym.problem import problem_from_dict, read_toml

    data = read_toml("examples/hw6.toml")
    data["sizes"] = {"n": 10**5000}
    with pytest.raises(InputError, match=r"sizes\.n: .* found a number of more than"):
        problem_from_dict(data)
    with pytest.raises(InputError, match=r"h_1: .* found a number of more than"):
        written_decimal(Fraction(10**5000, 3), "h_1")
