"""Extreme values: huge and tiny weights, long decimals, exact zeros, huge exponents, rounding ties."""

from __future__ import annotations

import random
import time
from decimal import Context, Decimal
from fractions import Fraction
from typing import Any

import mpmath
import pytest
from cell_strategies import CellCase, random_case
from hypothesis import given, settings
from hypothesis import strategies as st
from mp_reference import Reference, assert_correctly_rounded, values_by_label
from test_saturation import DIGITS, check_solution, homework

import lstm_sym
from lstm_sym import model as model_module
from lstm_sym.errors import TooLargeError
from lstm_sym.evaluate.certify import MAX_ROUNDS, certify
from lstm_sym.evaluate.prove import prove
from lstm_sym.evaluate.zeros import structural_zeros
from lstm_sym.names import Name
from lstm_sym.numbers import round_significant, to_decimal

WEIGHTS = [
    Fraction(10**6),
    Fraction(-(10**6)),
    Fraction(10**4),
    Fraction(1, 10**30),
    Fraction(-1, 10**30),
]


def solve(case: CellCase, digits: int = DIGITS, **options: Any) -> lstm_sym.Solution:
    return lstm_sym.solve(lstm_sym.problem_from_dict(case.to_dict()), digits, **options)


def fifty_digits(rng: random.Random) -> Fraction:
    """A decimal with 50 significant digits, in (−1, 1)."""
    return Fraction(rng.randrange(-(10**50), 10**50), 10**50)


def extreme_case(cell: str, seed: int, weights: list[Fraction]) -> CellCase:
    """A random problem whose matrix entries come from ``weights``, with 50-digit inputs and zeros."""
    rng = random.Random(seed)
    case = random_case(cell, seed, n=2, d=2, steps=2)
    for name, value in case.params.items():
        if isinstance(value[0], list):
            case.params[name] = [[rng.choice(weights) for _ in row] for row in value]
    case.xs = [[fifty_digits(rng), Fraction(0)], [fifty_digits(rng), fifty_digits(rng)]]
    case.initial = {k: [Fraction(0), v[1]] for k, v in case.initial.items()}
    return case


ENGINES = ["arb", "mpmath"]


@pytest.mark.parametrize("engine", ENGINES)
def test_w_f_1e10_finishes_with_tiny_gradients(engine: str) -> None:
    """W_f = 1e10 on the homework: gradients near 1e-2171472410, correct, in about a second."""
    case = homework(W_f=[[Fraction(10**10), Fraction(2)]])
    start = time.perf_counter()
    solution = solve(case, gradients=True, engine=engine)
    assert time.perf_counter() - start < 10
    assert solution["dL_db_f"].adjusted() == -2171472410
    check_solution(case, solution, analytic=True)


@pytest.mark.parametrize("seed", range(3))
def test_huge_tiny_weights_long_decimals_and_zeros(seed: int) -> None:
    """Weights ±1e6, 1e4, ±1e-30, 50-digit inputs and zero entries: every digit of every gradient."""
    case = extreme_case("lstm", seed, WEIGHTS)
    check_solution(case, solve(case, gradients=True), analytic=True)


@pytest.mark.parametrize("cell", ["lstm_peephole", "lstm_cifg", "gru"])
def test_other_cells_with_huge_weights_forward(cell: str) -> None:
    """GRU, CIFG and peephole cells with weights ±1e6: every forward value and the loss."""
    case = extreme_case(cell, 7, WEIGHTS)
    solution = solve(case)
    with mpmath.workdps(3 * DIGITS + 60):
        ref = Reference(case.cell, case.params, case.xs, case.ys, case.initial)
        for label, value in values_by_label(*ref.run()).items():
            assert_correctly_rounded(solution[label], value, DIGITS, label)


@pytest.mark.parametrize("cell", ["lstm_peephole", "lstm_cifg", "gru"])
def test_other_cells_with_tiny_weights_gradients(cell: str) -> None:
    """Weights ±1e-30 with 50-digit inputs: gradients against finite differences."""
    case = extreme_case(cell, 3, [Fraction(1, 10**30), Fraction(-1, 10**30), Fraction(3, 4)])
    check_solution(case, solve(case, gradients=True))


@settings(max_examples=10)
@given(
    choices=st.lists(
        st.sampled_from([*WEIGHTS, Fraction(0), Fraction(1, 2)]), min_size=12, max_size=12
    ),
    bias=st.sampled_from([0, 1, -400, 400]),
    engine=st.sampled_from(ENGINES),
)
def test_random_extreme_weights(choices: list[Fraction], bias: int, engine: str) -> None:
    """Hypothesis: random extreme weights and biases on the homework, against textbook BPTT."""
    weights = iter(choices)
    changes = {f"W_{g}": [[next(weights), next(weights)]] for g in "fioc"}
    changes.update({f"U_{g}": [[next(weights)]] for g in "fioc"})
    changes["b_f"] = [Fraction(bias)]
    case = homework(**changes)
    check_solution(case, solve(case, gradients=True, engine=engine), analytic=True)


# -- rounding ties and exact values -------------------------------------------------------


def counting(values: Any) -> tuple[Any, list[int]]:
    """An ``evaluate`` for :func:`certify` that records the precisions it is called at."""
    calls: list[int] = []

    def evaluate(dps: int) -> dict[str, Any]:
        calls.append(dps)
        with mpmath.workdps(dps):
            return {"a": +values(dps)}

    return evaluate, calls


def test_exact_tie_rounds_half_even_after_two_passes() -> None:
    """An exact 0.125 at 2 digits is on the tie: 0.12 (half to even), from two evaluations."""
    evaluate, calls = counting(lambda dps: mpmath.mpf(1) / 8)
    assert certify(evaluate, 2) == {"a": Decimal("0.12")}
    assert len(calls) == 2


def test_value_stuck_on_a_tie_terminates() -> None:
    """A value that sits on a tie at every precision ends after a bounded number of passes."""
    evaluate, calls = counting(lambda dps: mpmath.mpf(1) / 8 + mpmath.mpf(10) ** (-dps - 3))
    assert certify(evaluate, 2) == {"a": Decimal("0.12")}
    assert len(calls) <= MAX_ROUNDS + 3


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("b_f", "digits", "expected"),
    [
        (Fraction(1, 8), 2, "0.12"),
        (Fraction(-1, 8), 2, "-0.12"),
        (Fraction(1, 8) + Fraction(1, 10**60), 2, "0.13"),
        (Fraction(1, 8) - Fraction(1, 10**60), 2, "0.12"),
        (Fraction(3, 20), 1, "0.2"),
        (Fraction(1, 4), 1, "0.2"),
        (Fraction(6, 5), 12, "1.20000000000"),
    ],
)
def test_values_on_and_near_ties(b_f: Fraction, digits: int, expected: str, engine: str) -> None:
    """z_f_1 = b_f exactly (W_f = U_f = 0): ties round half to even, near-ties the right way."""
    zero = Fraction(0)
    case = homework(W_f=[[zero, zero]], U_f=[[zero]], b_f=[b_f])
    assert str(solve(case, digits, engine=engine)["z_f_1"]) == expected


@pytest.mark.parametrize("engine", ENGINES)
def test_cancellation_below_the_input_digits_is_resolved(engine: str) -> None:
    """z_f_1 = −1 + (1 + 1e-60): a 61-digit bias cancels; the printed value is 1e-60, not 0."""
    case = homework(W_f=[[Fraction(-1), Fraction(0)]], b_f=[1 + Fraction(1, 10**60)])
    assert solve(case, 15, engine=engine)["z_f_1"] == Decimal("1.00000000000000E-60")
    exact_zero = homework(W_f=[[Fraction(-1), Fraction(0)]], b_f=[Fraction(1)])
    assert solve(exact_zero, 15, engine=engine)["z_f_1"] == 0


# -- zeros --------------------------------------------------------------------------------


def test_structural_zeros_are_proved() -> None:
    """c_0 = 0 makes δf_1 and δz_f_1 exactly 0; δc_1 is not structurally 0."""
    zeros = structural_zeros(lstm_sym.load_problem("examples/hw6.toml"), gradients=True)
    assert {Name("delta_f", 1), Name("delta_z_f", 1)} <= zeros
    assert Name("delta_c", 1) not in zeros


def test_homework_gradients_need_two_evaluations(monkeypatch: pytest.MonkeyPatch) -> None:
    """Proved zeros cost no extra precision: the homework's gradients certify in two passes."""
    calls: list[int] = []
    original = model_module.certify

    def spy(evaluate: Any, digits: int, **options: Any) -> Any:
        def counted(dps: int) -> Any:
            calls.append(dps)
            return evaluate(dps)

        return original(counted, digits, **options)

    monkeypatch.setattr(model_module, "certify", spy)
    lstm_sym.solve("examples/hw6.toml", 50, gradients=True, engine="mpmath")
    assert len(calls) == 2


def test_homework_gradients_are_proven_in_one_pass() -> None:
    """Balls settle every homework value at the first precision: exact zeros are exact balls."""
    proven = prove(lstm_sym.load_problem("examples/hw6.toml"), 50, gradients=True)
    assert len(proven.passes) == 1
    assert not proven.unsettled
    assert proven.values[Name("delta_f", 1)] == 0


# -- huge exponents -----------------------------------------------------------------------


def test_decimal_of_a_huge_exponent_is_fast_and_right() -> None:
    """2^-7213475204 converts to a Decimal without expanding billions of digits."""
    with mpmath.workdps(40):
        value = mpmath.mpf(3) * mpmath.mpf(2) ** -7213475204
        start = time.perf_counter()
        rounded = round_significant(to_decimal(value, 30), 30)
        assert time.perf_counter() - start < 1
        mantissa, exponent = mpmath.nstr(value, 30, min_fixed=1, max_fixed=0).split("e")
    assert rounded.adjusted() == int(exponent)
    assert "".join(map(str, rounded.as_tuple().digits)) == mantissa.replace(".", "")


def test_decimal_places_of_a_huge_value_are_refused() -> None:
    """Decimal places of a value near 1e200000 would need 200,000 digits: refused at once."""
    evaluate, _ = counting(lambda dps: mpmath.mpf(10) ** 200_000)
    with pytest.raises(TooLargeError, match="decimal places"):
        certify(evaluate, 5, decimals=True)


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [("0.000123", 2, "0.00"), ("0.00499", 2, "0.00"), ("-2.675", 2, "-2.68"), ("0.125", 2, "0.12")],
)
def test_decimal_places_near_zero_and_ties(value: str, places: int, expected: str) -> None:
    """Decimal-places mode: tiny values give 0.00; the decimal −2.675 is a tie (half to even)."""
    evaluate, _ = counting(lambda dps: mpmath.mpf(value))
    assert str(certify(evaluate, places, decimals=True)["a"]) == expected


def test_tiny_value_on_a_tie_is_not_taken_for_zero() -> None:
    """1.25e-201 (not a binary number) sits on a tie at every precision: 1.2e-201, not 0."""
    evaluate, calls = counting(lambda dps: mpmath.mpf(1) / 8 * mpmath.mpf(10) ** -200)
    assert certify(evaluate, 2) == {"a": Decimal("1.2E-201")}
    assert len(calls) <= MAX_ROUNDS + 3


def half_even(x: Fraction, digits: int) -> Decimal:
    """``x`` rounded half to even to ``digits`` significant digits, in exact integer arithmetic."""
    exponent = Context(prec=60).divide(Decimal(x.numerator), Decimal(x.denominator)).adjusted()
    scale = digits - 1 - exponent
    scaled = abs(x) * Fraction(10) ** scale
    n, rest = divmod(scaled.numerator, scaled.denominator)
    if 2 * rest > scaled.denominator or (2 * rest == scaled.denominator and n % 2):
        n += 1
    return Decimal(-n if x < 0 else n).scaleb(-scale)


@settings(max_examples=60)
@given(
    p=st.integers(-(10**6), 10**6).filter(bool),
    q=st.sampled_from([1, 2, 4, 8, 16, 10, 20, 40, 3, 7]),
    digits=st.integers(1, 6),
)
def test_certified_rounding_of_rationals(p: int, q: int, digits: int) -> None:
    """Hypothesis: p/q (many on ties, binary or not) certifies to its half-even rounding."""
    evaluate, calls = counting(lambda dps: mpmath.mpf(p) / q)
    value = certify(evaluate, digits, scale=14)["a"]
    assert value == half_even(Fraction(p, q), digits)
    assert len(value.as_tuple().digits) == digits
    assert len(calls) <= MAX_ROUNDS + 3


@pytest.mark.parametrize("engine", ENGINES)
def test_beyond_decimal_exponents_is_a_clear_error(engine: str) -> None:
    """W_f = 1e1000: gradients near 2^(-10^1000) cannot be decimals; one clear error, or 0 places."""
    case = homework(W_f=[[Fraction(10**1000), Fraction(2)]])
    with pytest.raises(TooLargeError, match="range of decimal exponents"):
        solve(case, 15, gradients=True, engine=engine)
    solution = solve(case, 3, gradients=True, decimals=True, engine=engine)
    assert solution["dL_db_f"] == 0
    assert str(solution["z_f_1"]) == "1" + "0" * 1000 + ".200"
