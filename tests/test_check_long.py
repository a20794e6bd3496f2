"""Answers of any length and size get a verdict: long printouts, huge and tiny exponents, fuzzed."""

from __future__ import annotations

import io
import os
from contextlib import redirect_stderr, redirect_stdout
from decimal import Context
from decimal import Decimal as D
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lstm_sym import load_problem, solve
from lstm_sym.check import CORRECT, VERDICTS, WRONG, check
from lstm_sym.cli import main
from lstm_sym.errors import LstmSymError
from lstm_sym.limits import raised

HW6 = "examples/hw6.toml"
PROBLEM = load_problem(HW6)


def _cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def _check_file(tmp_path: Path, text: str) -> tuple[int, str, str]:
    answers = tmp_path / "answers.toml"
    answers.write_text(text)
    return _cli(["check", HW6, str(answers)])


def test_float64_printout_is_judged(tmp_path: Path) -> None:
    """A 17-digit float64 printout of h_1 is correct to its 17 places (exit 0, no traceback)."""
    code, out, err = _check_file(tmp_path, 'h_1 = "0.21741463870951448"\n')
    assert (code, err) == (0, "") and "correct" in out
    (a,) = check(PROBLEM, {"h_1": "0.21741463870951449"}).answers
    assert a.verdict == WRONG and a.difference == "6.3e-18"


def test_ten_thousand_digits_to_the_last_digit() -> None:
    """h_1 to 10,000 significant digits is correct; one unit off in the last digit is wrong."""
    with raised(digits=10_002):
        exact = solve(PROBLEM, 10_000, decimals=True)["h_1"]
    assert len(exact.as_tuple().digits) == 10_000
    (a,) = check(PROBLEM, {"h_1": exact}).answers
    assert a.verdict == CORRECT
    off = Context(prec=20_000).add(exact, D(1).scaleb(-10_000))
    (b,) = check(PROBLEM, {"h_1": off}).answers
    assert b.verdict == WRONG and b.difference.startswith("1.") and b.difference.endswith("e-10000")


@pytest.mark.parametrize(
    ("text", "exact", "difference"),
    [
        ("L = 1e999\n", "0.530", "1.00e999"),
        ("h_1 = 1e-1000\n", "0.21741463870951448367", "-0.217414638709514"),
        ('"dL_dW_f[1,2]" = -7e+1000\n', "0.0339", "-7.00e1000"),
    ],
)
def test_huge_and_tiny_answers_are_wrong_not_a_crash(
    text: str, exact: str, difference: str, tmp_path: Path
) -> None:
    """Answers at the ends of the exponent range are wrong, with the exact value (exit 1)."""
    code, out, err = _check_file(tmp_path, text)
    assert (code, err) == (1, "") and " wrong" in out
    (a,) = check(PROBLEM, {text.split(" = ")[0].strip('"'): D(text.split(" = ")[1])}).answers
    assert a.verdict == WRONG and a.exact.startswith(exact)
    assert a.difference.startswith(difference)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("h_1 = 1e-1001\n", "a number between 1e-1000 and 1e1000 in size"),
        ("h_1 = 0e-5000\n", "a number between 1e-1000 and 1e1000 in size"),
        (f'h_1 = "0.{"1" * 10_001}"\n', "at most 10000 significant digits, found 10,001 digits"),
        ('h_1 = "1e99999999999999999999999"\n', "number_exponent"),
    ],
    ids=["tiny", "zero-places", "10001-digits", "exponent-digits"],
)
def test_beyond_the_limits_one_line_exit_2(text: str, message: str, tmp_path: Path) -> None:
    """Answers beyond answer_digits or number_exponent are bad input: one line, exit 2."""
    code, out, err = _check_file(tmp_path, text)
    assert code == 2 and out == "" and err.count("\n") == 1 and message in err


# -- fuzz: any length, any exponent: a verdict, or a one-line refusal --------------------

NAMES = ["h_1", "L", "delta_c_1", "dL_dW_f[1,2]", "se_2"]


@st.composite
def long_answers(draw: st.DrawFn) -> tuple[str, str]:
    """A name and a decimal string of 1 to 10,000 digits at an exponent from tiny to huge."""
    digits = draw(st.one_of(st.integers(1, 25), st.integers(26, 10_000)))
    head = draw(st.integers(1, 9))
    tail = draw(st.sampled_from(["0", "3", "9", "mixed"]))
    body = (
        "".join(str((head * k + 7) % 10) for k in range(digits - 1))
        if tail == "mixed"
        else tail * (digits - 1)
    )
    exponent = draw(
        st.one_of(
            st.integers(-8, 3),
            st.integers(-1_010, 1_010),
            st.sampled_from([-1_000, 1_000, -1_001, 1_001, -(10**6), 10**6]),
        )
    )
    sign = draw(st.sampled_from(["", "-"]))
    return draw(st.sampled_from(NAMES)), f"{sign}{head}.{body}e{exponent}"


#: Few examples by default (a 10,000-digit check takes about a second); more for a long run.
FUZZ_EXAMPLES = 12 if os.environ.get("HYPOTHESIS_PROFILE", "default") == "default" else 300


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers=st.lists(long_answers(), min_size=1, max_size=3, unique_by=lambda a: a[0]))
def test_fuzz_long_answers_never_crash(answers: list[tuple[str, str]]) -> None:
    """Any length (1..10,000 digits) and exponent: a verdict, or a refusal of bad input."""
    try:
        report = check(PROBLEM, dict(answers))
    except LstmSymError as error:
        assert "\n" not in str(error) and len(str(error)) < 400
        assert "number_exponent" in str(error) or "answer_digits" in str(error)
        return
    assert len(report.answers) == len(answers)
    for a in report.answers:
        assert a.verdict in VERDICTS and a.difference and a.exact
    assert report.to_text() and report.to_json()


def test_carried_huge_answer_is_judged() -> None:
    """A carried z of -1.65e998 (σ of it is exp(-1.65e998)) still lets later answers be judged."""
    answers = {"z_i_2": "-1.6517072E+998", "h_2": "-0.1898822490571158724223354", "L": "7.0"}
    assert [a.verdict for a in check(PROBLEM, answers).answers] == [WRONG, WRONG, WRONG]


def test_fuzz_reaches_both_outcomes() -> None:
    """The fuzzed range holds numbers that get verdicts and numbers that are refused."""
    assert check(PROBLEM, {"L": "5.5e1000"}).answers[0].verdict == WRONG
    with pytest.raises(LstmSymError):
        check(PROBLEM, {"L": "5.5e1001"})
