"""Is a drawn variant fair? Its asked answers and the rules, judged with proven values.

Every value comes from :meth:`~lstm_sym.model.Model.solve` in ball arithmetic at
``GUARD`` more decimal places than any answer is graded at: each is known to lie in an
interval of half a unit of that place around the printed value. A rule passes only when
the whole interval passes it, so a variant is never called fair on a guess:

* **saturated gate**: every gate (a σ of a pre-activation) lies in [m, 1 − m], every tanh
  value (c̃) in [−(1 − m), 1 − m], m = ``gate_margin``;
* **near a rounding tie**: every asked answer is at least ``tie_margin`` units of its last
  place from a value halfway between two roundings, so rounding at every step cannot flip
  its last digit;
* **too few digits**: every asked answer has at least ``min_digits`` significant digits at
  its places (0.0011 has two at four places; 0.0000 none);
* **zero gradient**: no parameter gradient rounds to 0 at the places graded.

Distinctness between variants is judged by the class (:mod:`.variants`) on the keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext

from ..check.quantities import Catalogue
from ..derive.naming import total
from ..errors import LstmSymError
from ..model import Model
from ..names import Name
from ..numbers import round_decimals
from ..problem import Problem
from .config import ClassConfig

#: Places beyond the graded ones at which values are proven.
GUARD = 6
#: Activations whose values lie in [0, 1] (gates) and in [−1, 1].
UNIT_INTERVAL = ("sigma", "hard_sigmoid", "hard_sigmoid_keras2")
SYMMETRIC = ("tanh",)
#: Why a draw is refused, by rule (the class report counts them).
SATURATED = "saturated gate"
TIE = "answer near a rounding tie"
ZERO = "zero gradient"
SMALL = "answer with too few digits"
SAME = "same answers as another variant"
INVALID = "not a valid problem"
UNSETTLED = "value not settled"
RULES = (SATURATED, TIE, SMALL, ZERO, SAME, INVALID, UNSETTLED)


@dataclass(frozen=True)
class Bounds:
    """A value proven to lie in [low, high]."""

    low: Decimal
    high: Decimal

    def rounded(self, places: int, *, truncate: bool = False) -> Decimal | None:
        """The value rounded (or truncated) to ``places``, when the whole interval agrees."""
        low = round_decimals(self.low, places, truncate=truncate)
        high = round_decimals(self.high, places, truncate=truncate)
        return low if low == high else None

    def tie_distance(self, places: int) -> Decimal:
        """The least distance, in units of the last place, from a rounding tie at ``places``.

        Ties are the values halfway between two roundings, (j + ½)·10^−places for every
        integer j; 0 when the interval holds one.
        """
        with localcontext() as context:
            context.prec = max(60, self.high.adjusted() + places + 30)
            low, high = (end.scaleb(places) for end in (self.low, self.high))
            half = Decimal("0.5")
            if (high - half).to_integral_value(ROUND_FLOOR) >= (low - half).to_integral_value(
                ROUND_CEILING
            ):
                return Decimal(0)
            return min(abs(v - v.to_integral_value(ROUND_FLOOR) - half) for v in (low, high))


@dataclass(frozen=True)
class KeyValue:
    """One asked scalar of a variant: its name, the places graded, its value there."""

    #: the answer as the template asks it (``dL_dW_f``, ``(y_1-h_1)^2``)
    asked: str
    #: the scalar's canonical name (``dL_dW_f[1,2]``, ``se_1``)
    name: str
    places: int
    #: correctly rounded to ``places`` (proven)
    value: str
    #: truncated to ``places`` (proven; empty when the interval does not settle it)
    truncated: str
    #: to ``places`` + 4 places (proven; empty when unsettled)
    more: str
    weight: str


@dataclass(frozen=True)
class Assessment:
    """A drawn variant judged: its key and the rules it breaks (none: fair)."""

    key: tuple[KeyValue, ...]
    refusals: tuple[str, ...]

    @property
    def fair(self) -> bool:
        return not self.refusals

    def fingerprint(self) -> dict[str, str]:
        """Each asked scalar's graded value, by name (what distinctness compares)."""
        return {k.name: k.value for k in self.key}


def assess(problem: Problem, config: ClassConfig) -> Assessment:
    """The key of ``problem`` and every fairness rule it breaks."""
    try:
        return _assess(problem, config)
    except LstmSymError as error:
        return Assessment((), (f"{INVALID}: {error}",))


def _assess(problem: Problem, config: ClassConfig) -> Assessment:
    catalogue = Catalogue(problem)
    asked = []
    for text in config.asked:
        whole = catalogue.resolve(text)
        asked += [(text, catalogue.by_name[name]) for name in catalogue.components(whole)]
    places = max([config.places_of(text) for text in config.asked] + [config.decimals])
    digits = places + GUARD
    gradients = config.rules.nonzero_gradients or any(
        q.section in ("backward", "gradient") for _, q in asked
    )
    solution = Model(problem).solve(digits, decimals=True, gradients=gradients)
    if solution.unsettled:
        name = next(iter(solution.unsettled))
        return Assessment((), (f"{UNSETTLED}: {name}",))
    half = Decimal(5).scaleb(-digits - 1)
    scale = problem.loss_scale

    def bounds(name: Name) -> Bounds:
        mid = solution[name]
        return Bounds(mid - half, mid + half)

    refusals: list[str] = []
    key = []
    for text, quantity in asked:
        where = bounds(quantity.source)
        if quantity.source != quantity.name:  # se_t = ell_t / scale
            factor = Decimal(int(scale.q)) / Decimal(int(scale.p))
            where = Bounds(where.low * factor, where.high * factor)
        k = config.places_of(text)
        value = where.rounded(k)
        if where.tie_distance(k) < config.rules.tie_margin or value is None:
            refusals.append(f"{TIE}: {quantity.name} at {k} places")
        if value is not None and _digits(value) < config.rules.min_digits:
            refusals.append(f"{SMALL}: {quantity.name} = {_text(value)}")
        truncated, more = where.rounded(k, truncate=True), where.rounded(k + 4)
        key.append(
            KeyValue(
                text,
                str(quantity.name),
                k,
                _text(value),
                _text(truncated),
                _text(more),
                str(config.weight_of(text)),
            )
        )
    refusals += _saturated(problem, solution, bounds, config.rules.gate_margin)
    if config.rules.nonzero_gradients and gradients:
        refusals += _zero_gradients(problem, solution, bounds, config.decimals)
    return Assessment(tuple(key), tuple(refusals))


def _text(value: Decimal | None) -> str:
    """A proven value as written in a key (no negative zero); empty when unsettled."""
    if value is None:
        return ""
    return format(value if value else value.copy_abs(), "f")


def _digits(value: Decimal) -> int:
    """Significant digits of a rounded value (0.0011: 2; 0.0000: 0)."""
    return len("".join(map(str, value.as_tuple().digits)).lstrip("0"))


def gates(problem: Problem) -> Iterator[tuple[str, bool]]:
    """The cell's bounded quantities: (name, True for [0, 1] or False for [−1, 1])."""
    for equation in problem.cell.equations:
        expr = equation.pointwise
        if equation.linear or len(expr.args) != 1:
            continue
        function = type(expr).__name__
        if function in UNIT_INTERVAL:
            yield equation.target, True
        elif function in SYMMETRIC:
            yield equation.target, False


def _saturated(problem, solution, bounds, margin: Decimal) -> list[str]:  # type: ignore[no-untyped-def]
    kinds = dict(gates(problem))
    for name in solution.by_name:
        unit = kinds.get(name.base)
        if unit is None or name.step is None:
            continue
        where = bounds(name)
        low, high = (margin, 1 - margin) if unit else (margin - 1, 1 - margin)
        if where.low < low or where.high > high:
            shown = round_decimals(solution[name], 4)
            return [f"{SATURATED}: {name} = {shown}"]
    return []


def _zero_gradients(problem, solution, bounds, places: int) -> list[str]:  # type: ignore[no-untyped-def]
    params = {total(p.name) for p in problem.cell.params}
    for name, section in solution.sections.items():
        if section == "gradient" and name.base in params:
            rounded = bounds(name).rounded(places)
            if rounded is None or rounded == 0:
                return [f"{ZERO}: {name} rounds to 0 at {places} places"]
    return []
