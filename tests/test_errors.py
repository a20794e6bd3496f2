"""Errors that teach: fast limits."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import pytest

from lstm_sym import InputError, loads_problem, problem_from_dict
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
