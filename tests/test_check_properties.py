"""Properties of the checker: correctly rounded answers pass; rounded-as-you-go answers are never wrong."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext

import mpmath
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_sym import load_problem, solve
from lstm_sym.check import CORRECT, WRONG, check

PROBLEM = load_problem("examples/hw6.toml")
NAMES = list(solve(PROBLEM, 5, gradients=True))


@settings(max_examples=30)
@given(
    k=st.integers(1, 14),
    decimals=st.booleans(),
    picks=st.lists(st.sampled_from(NAMES), min_size=1, max_size=8, unique=True),
)
def test_correctly_rounded_answers_pass(k: int, decimals: bool, picks: list[str]) -> None:
    """Exact values rounded to k places (or k significant digits) are always correct."""
    exact = solve(PROBLEM, k, gradients=True, decimals=decimals)
    report = check(PROBLEM, {name: exact[name] for name in picks})
    assert [a.verdict for a in report.answers] == [CORRECT] * len(picks)


# -- an independent hand calculation of the homework, rounding every value it writes down


def _hand_calculation(k: int, significant: bool) -> dict[str, Decimal]:
    """The homework's forward pass as on paper: exact decimal arithmetic, each value rounded."""

    def written(x: Decimal) -> Decimal:
        if significant:
            if not x:
                return Decimal(0)
            context = Context(prec=k, rounding=ROUND_HALF_EVEN)
            y = context.plus(x)
            return y.quantize(Decimal(1).scaleb(y.adjusted() - k + 1), context=context)
        return x.quantize(Decimal(1).scaleb(-k), rounding=ROUND_HALF_EVEN, context=Context(prec=80))

    def transcendental(function: str, x: Decimal) -> Decimal:
        with mpmath.workdps(60):
            value = mpmath.mpf(str(x))
            result = 1 / (1 + mpmath.exp(-value)) if function == "sigma" else mpmath.tanh(value)
            return Decimal(mpmath.nstr(result, 55, strip_zeros=False))

    D = Decimal
    W = {"f": (D(1), D(2)), "i": (D(-1), D(0)), "o": (D(3), D(0)), "c": (D(1), D(2))}
    U = {"f": D("0.5"), "i": D(2), "o": D(-1), "c": D("1.5")}
    b = {"f": D("0.2"), "i": D("-0.1"), "o": D("0.8"), "c": D("0.5")}
    xs = [(D(1), D(0)), (D("0.5"), D(-1))]
    ys = [D("0.5"), D("0.8")]
    h, c = D(0), D(0)
    out: dict[str, Decimal] = {}
    total = D(0)
    with localcontext(Context(prec=80)):
        for t, (x, y) in enumerate(zip(xs, ys, strict=True), start=1):
            z = {g: written(W[g][0] * x[0] + W[g][1] * x[1] + U[g] * h + b[g]) for g in W}
            gate = {g: written(transcendental("sigma", z[g])) for g in "fio"}
            c_tilde = written(transcendental("tanh", z["c"]))
            c = written(gate["f"] * c + gate["i"] * c_tilde)
            h = written(gate["o"] * transcendental("tanh", c))
            ell = written(D("0.5") * (y - h) ** 2)
            total += ell
            out |= {f"z_{g}_{t}": z[g] for g in W}
            out |= {f"{g}_{t}": gate[g] for g in "fio"}
            out |= {f"c_tilde_{t}": c_tilde, f"c_{t}": c, f"h_{t}": h, f"ell_{t}": ell}
        out["L"] = written(total)
    return out


@settings(max_examples=20)
@given(k=st.integers(2, 9), significant=st.booleans(), data=st.data())
def test_rounded_as_you_go_never_wrong(k: int, significant: bool, data: st.DataObject) -> None:
    """Answers made by rounding every intermediate value to k digits are never called wrong."""
    hand = _hand_calculation(k, significant)
    picks = data.draw(st.lists(st.sampled_from(sorted(hand)), min_size=1, max_size=6, unique=True))
    report = check(PROBLEM, {name: hand[name] for name in picks})
    assert WRONG not in [a.verdict for a in report.answers], report.to_text()


def test_hand_calculation_shows_drift() -> None:
    """The rounded-as-you-go homework at 3 places drifts somewhere (the property is not vacuous)."""
    hand = _hand_calculation(3, False)
    report = check(PROBLEM, hand)
    assert not report.all_correct and "rounding drift" in report.counts()
    assert report.counts()["rounding drift"] >= 1 and report.counts()[WRONG] == 0
