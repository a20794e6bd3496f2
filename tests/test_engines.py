"""The two engines against each other: mpmath values lie in the Arb balls, printed digits agree."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import mpmath
import pytest
from cell_strategies import CellCase, cell_cases
from flint import arb, fmpq
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import lstm_sym
from lstm_sym.cli import main
from lstm_sym.evaluate.balls import ARB, round_ball, round_interval, workprec
from lstm_sym.evaluate.evaluator import MPMATH, Evaluator, scalar_values
from lstm_sym.evaluate.prove import prove, round_rational
from lstm_sym.numbers import round_decimals, round_significant
from lstm_sym.problem import Problem
from reference import Case
from strategies import cases

#: c_2 = −¾·tanh(28) = −0.74999999999999999999999928…: rounds to −0.7, not to −0.8
NEAR_TIE = Case(
    1,
    1,
    {
        f"{kind}_{g}": [[Fraction(0)]] if kind != "b" else [Fraction(0)]
        for g in "fioc"
        for kind in "WUb"
    }
    | {"b_c": [Fraction(-28)]},
    [[[Fraction(0)], [Fraction(0)]]],
    [[None, None]],
    [[Fraction(0)]],
    [[Fraction(0)]],
    "upstream",
    None,
)

#: z_f_1 of the second sequence is 7/5·29/20 − 12/5·6/5 + 1/4·(−3/5) + 1 = 0 exactly
EXACT_ZERO = Case(
    2,
    1,
    {
        f"{kind}_{g}": [[Fraction(0)] * (2 if kind == "W" else 1)] if kind != "b" else [Fraction(0)]
        for g in "fioc"
        for kind in "WUb"
    }
    | {
        "W_f": [[Fraction(7, 5), Fraction(-12, 5)]],
        "U_f": [[Fraction(1, 4)]],
        "b_f": [Fraction(1)],
    },
    [[[Fraction(0), Fraction(0)]], [[Fraction(29, 20), Fraction(6, 5)]]],
    [[[Fraction(0)]], [[Fraction(0)]]],
    [[Fraction(0)], [Fraction(-3, 5)]],
    [[Fraction(0)], [Fraction(0)]],
    "half_sse",
    None,
)

#: Precision of the balls (bits) and of the mpmath oracle (decimal digits, far finer).
BITS, ORACLE_DPS = 120, 80


def _problem(case: Case | CellCase) -> Problem:
    return lstm_sym.problem_from_dict(case.to_dict())


def assert_mpmath_inside_balls(problem: Problem) -> None:
    """Every value (forward, loss, adjoints, gradients) of mpmath lies in the Arb ball."""
    with workprec(BITS):
        balls = Evaluator(problem, ARB).run(gradients=True)
    with mpmath.workdps(ORACLE_DPS):
        points = Evaluator(problem, MPMATH).run(gradients=True)
        oracle = {n: +v for _, n, v in scalar_values(problem, points, gradients=True)}
    count = 0
    with workprec(4 * ORACLE_DPS):
        for _, name, ball in scalar_values(problem, balls, gradients=True):
            point = oracle[name]
            # the oracle's own rounding error, far below the ball's radius
            slack = abs(arb(point)) * arb(10) ** (5 - ORACLE_DPS)
            assert ball.overlaps(arb(point) + arb(0, 1) * slack), (name, ball, point)
            count += 1
    assert count == len(oracle)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_lstm_values_lie_in_the_balls(case: Case) -> None:
    """Hypothesis: random LSTM problems (batches, every loss), every value inside its ball."""
    assert_mpmath_inside_balls(_problem(case))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), cell=st.sampled_from(["gru", "lstm_peephole", "lstm_cifg", "elman"]))
def test_other_cells_lie_in_the_balls(data: st.DataObject, cell: str) -> None:
    """Hypothesis: GRU, peephole, CIFG and Elman cells, every value inside its ball."""
    assert_mpmath_inside_balls(_problem(data.draw(cell_cases(cell))))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(max_size=2, max_steps=3), digits=st.integers(1, 40), decimals=st.booleans())
@example(case=NEAR_TIE, digits=1, decimals=False)
@example(case=EXACT_ZERO, digits=2, decimals=False)
def test_engines_print_the_same_digits(case: Case, digits: int, decimals: bool) -> None:
    """Hypothesis: proven (arb) and certified (mpmath) solutions agree on every printed digit;
    where they do not, mpmath's agreement was fooled (a near-tie taken for a tie, rounding
    noise of an exact zero), and exact arithmetic or mpmath at far higher precision
    confirms the proven digits."""
    problem = _problem(case)
    proven = lstm_sym.solve(problem, digits, gradients=True, decimals=decimals)
    certified = lstm_sym.solve(problem, digits, gradients=True, decimals=decimals, engine="mpmath")
    assert not proven.unsettled
    assert list(proven) == list(certified)
    oracle: dict[str, Decimal] = {}
    for name in proven:
        if proven[name].as_tuple() == certified[name].as_tuple() or not (
            proven[name] or certified[name]
        ):
            continue
        exact = proven.enclosures[proven._by_text[name]]
        if isinstance(exact, fmpq):  # settled exactly (mpmath may print its rounding noise)
            value = lstm_sym.Model(problem).exact(gradients=True)[proven._by_text[name]]
            assert value.is_Rational and fmpq(int(value.p), int(value.q)) == exact, name
            continue
        if not oracle:
            model = lstm_sym.Model(problem)
            fine = model.numeric(4 * digits + 200, gradients=True)
            oracle = {str(k): lstm_sym.numbers.to_decimal(v, 4 * digits) for k, v in fine.items()}
        rounding = round_decimals if decimals else round_significant
        assert rounding(oracle[name], digits).as_tuple() == proven[name].as_tuple(), name


def test_homework_is_proven_at_30_digits() -> None:
    """The homework at 30 digits: the reference numbers, every digit proven, no unsettled value."""
    solution = lstm_sym.solve("examples/hw6.toml", 30, gradients=True)
    assert solution.engine == "arb" and not solution.unsettled
    assert str(solution["f_1"]) == "0.768524783499017642930912652463"
    assert str(solution["L"]) == "0.529860676707024103785417863309"
    assert "every digit proven" in solution.to_text()


def test_enclosures_prove_the_printed_digits() -> None:
    """Each JSON enclosure holds the value, and both its ends round to the printed digits."""
    solution = lstm_sym.solve("examples/hw6.toml", 6, gradients=True)
    data = solution.to_dict(enclosures=True)
    printed = {k: v for section in data["values"].values() for k, v in section.items()}
    assert set(data["enclosures"]) == set(printed)
    for key, enclosure in data["enclosures"].items():
        if "exact" in enclosure:
            p, _, q = enclosure["exact"].partition("/")
            assert round_rational_text(Fraction(int(p), int(q or 1)), 6) == printed[key]
            continue
        mid, rad = Decimal(enclosure["mid"]), Decimal(enclosure["rad"])
        ends = {lstm_sym.numbers.format_decimal(_round(mid + s * rad, 6)) for s in (-1, 1)}
        assert ends == {printed[key]}, key


def _round(value: Decimal, digits: int) -> Decimal:
    return round_significant(value, digits)


def round_rational_text(value: Fraction, digits: int) -> str:
    rounded = round_rational(fmpq(value.numerator, value.denominator), digits, False)
    return lstm_sym.numbers.format_decimal(rounded)


@pytest.mark.parametrize(
    ("p", "q", "digits", "expected"),
    [
        (-591, 320, 6, "-1.84688"),
        (591, 320, 6, "1.84688"),
        (1, 8, 2, "0.12"),
        (3, 8, 2, "0.38"),
        (99996, 10000, 3, "10.0"),
        (1, 3, 5, "0.33333"),
        (-2, 3, 1, "-0.7"),
        (12345, 1, 2, "1.2E+4"),
    ],
)
def test_rationals_round_exactly(p: int, q: int, digits: int, expected: str) -> None:
    """Exact rationals round half to even from the fraction itself (ties decided exactly)."""
    assert str(round_rational(fmpq(p, q), digits, False)) == expected


def test_a_tie_is_decided_exactly() -> None:
    """z = −591/320 on a tie at 6 digits: the exact value settles it (half to even)."""
    zero = "0"
    data = lstm_sym.problem.read_toml("examples/hw6.toml")
    data["parameters"].update(W_f=[zero, zero], U_f=zero, b_f="-591/320")
    proven = prove(lstm_sym.problem_from_dict(data), 6)
    assert str(proven.values[lstm_sym.Name("z_f", 1)]) == "-1.84688"
    assert not proven.unsettled


def test_balls_round_only_when_proven() -> None:
    """A ball straddling a rounding boundary is not rounded; a narrow one is; exact 0 is 0."""
    with workprec(200):
        third = arb(1) / 3
        assert str(round_ball(third, 10, False)) == "0.3333333333"
        assert round_ball(arb("0.125", "1e-30"), 2, False) is None
        assert round_ball(arb(0), 5, False) == 0
        assert round_ball(arb(0, 1e-40), 5, False) is None
        assert str(round_ball(arb(0, 1e-40), 5, True)) == "0.00000"
    assert round_interval(1249, 1251, -4, 2, False) is None
    assert round_interval(-1251, -1249, -4, 2, True) is None
    assert str(round_interval(-1244, -1236, -4, 2, True)) == "-0.12"


def test_a_value_that_cannot_be_settled_is_marked() -> None:
    """σ(a) + σ(−a) − 1 is exactly 0 but neither rational nor structural: never printed as 0."""
    data = lstm_sym.problem.read_toml("examples/custom_cell.toml")
    data["cell"]["equations"] = [
        "f = sigmoid(W_f @ x + U_f @ h_prev + b_f)",
        "h = f + sigmoid(-(W_f @ x + U_f @ h_prev + b_f)) - 1",
    ]
    for name in ("W_h", "U_h", "b_h"):
        del data["parameters"][name]
    solution = lstm_sym.solve(lstm_sym.problem_from_dict(data), 10)
    assert solution.unsettled.get(lstm_sym.Name("h", 1)) == 0
    assert "~" in solution.to_text() and "marked ~" in solution.to_text()
    assert "unsettled" in solution.to_dict()


def test_an_exact_zero_in_one_sequence_costs_no_extra_pass() -> None:
    """z_f_1 = 0 exactly in one sequence of a batch: settled exactly, in one ball pass."""
    data = lstm_sym.problem.read_toml("examples/hw6.toml")
    zero_input = dict(data["sequence"], x=[["-0.2", "0"], ["0.5", "-1"]])
    data["sequence"] = [data["sequence"], zero_input]
    proven = prove(lstm_sym.problem_from_dict(data), 30, gradients=True)
    assert proven.values[lstm_sym.Name("z_f", 1, (), 2)] == 0
    assert isinstance(proven.enclosures[lstm_sym.Name("z_f", 1, (), 2)], fmpq)
    assert not proven.unsettled
    assert len(proven.passes) == 1


def test_command_line_engines_and_enclosures(capsys: pytest.CaptureFixture[str]) -> None:
    """--engine picks the engine, --enclosures adds each value's ball; misuse is one error."""
    assert main(["solve", "examples/hw6.toml", "--digits", "30", "--engine", "mpmath"]) == 0
    certified = capsys.readouterr().out
    assert main(["solve", "examples/hw6.toml", "--digits", "30"]) == 0
    proven = capsys.readouterr().out
    assert "every digit certified" in certified and "every digit proven" in proven
    assert certified.splitlines()[2:] == proven.splitlines()[2:]
    assert main(["solve", "examples/hw6.toml", "--format", "json", "--enclosures"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["engine"] == "arb" and set(data["enclosures"]["h_1"]) == {"mid", "rad"}
    assert main(["solve", "examples/hw6.toml", "--enclosures"]) == 2
    assert "--enclosures needs --format json" in capsys.readouterr().err
