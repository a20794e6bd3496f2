"""A class's settings: what is asked and at how many places, the fairness rules, the points.

They are the ``[classroom]`` table of a template (every key has a default but ``asked``)::

    [classroom]
    asked = ["h_1", "h_2", "L", "dL_dW_f"]   # quantities to compute (checker names)
    decimals = 4                             # places every answer is graded at...
    places = { h_1 = 5 }                     # ...unless given here
    seed = "hw6-2024"                        # the class's seed (--seed overrides it)

    [classroom.fairness]                     # the rules a variant must pass (defaults shown)
    gate_margin = 0.05       # every gate (σ) in [0.05, 0.95]; every tanh value in [-0.95, 0.95]
    tie_margin = 0.05        # every answer >= 0.05 units of its last place from a rounding tie
    min_digits = 2           # every answer has >= 2 significant digits at its places
    nonzero_gradients = true # no parameter gradient rounds to 0 at the places graded
    distinct = "all"         # every answer differs from every other variant's (or a count)
    max_draws = 200          # draws per student before giving up

    [classroom.points]                       # points per answered scalar, by verdict
    correct = 1
    drift = 1
    truncated = 0.5
    follow_through = 0.5
    wrong = 0
    few_places = 0           # written to fewer places than graded
    missing = 0

    [classroom.weights]                      # a quantity's scalars count this many times
    L = 2
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from decimal import Decimal
from typing import Any

from ..errors import InputError, describe, did_you_mean

#: Most decimal places an answer may be graded at (a sheet shows at most 12).
MAX_PLACES = 12
ALL = "all"


def _decimal(raw: object, field_name: str, *, low: Decimal, high: Decimal | None = None) -> Decimal:
    """A number of the settings as a Decimal in [low, high]."""
    if isinstance(raw, bool) or not isinstance(raw, int | Decimal | str):
        raise InputError(field_name, "a number", describe(raw))
    try:
        value = Decimal(str(raw).strip())
    except ArithmeticError:
        raise InputError(field_name, "a number", describe(raw)) from None
    if not value.is_finite() or value < low or (high is not None and value > high):
        span = f"from {low} to {high}" if high is not None else f"of at least {low}"
        raise InputError(field_name, f"a number {span}", describe(raw))
    return value


def _integer(raw: object, field_name: str, low: int, high: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
        raise InputError(field_name, f"an integer from {low} to {high}", describe(raw))
    return raw


def _keys(table: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    for key in table:
        if key not in allowed:
            raise InputError(
                f"{where}.{key}",
                f"one of {', '.join(allowed)}",
                f"unknown key {key!r}{did_you_mean(key, allowed)}",
            )


def _table(raw: object, where: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise InputError(where, "a table", describe(raw))
    return raw


@dataclass(frozen=True)
class Rules:
    """The fairness rules every variant must pass, checked with certified values."""

    #: every gate value (σ) at least this far from 0 and 1; every tanh value from ±1
    gate_margin: Decimal = Decimal("0.05")
    #: every answer at least this many units of its last place away from a rounding tie
    tie_margin: Decimal = Decimal("0.05")
    #: every asked answer has at least this many significant digits at its places
    min_digits: int = 2
    #: no parameter gradient may round to 0 at the places graded
    nonzero_gradients: bool = True
    #: None: every answer differs from every other variant's; k: at least k answers differ
    distinct: int | None = None
    #: draws per student before the class is refused
    max_draws: int = 200

    @classmethod
    def read(cls, raw: object, where: str = "classroom.fairness") -> Rules:
        table = _table(raw, where)
        _keys(table, tuple(f.name for f in fields(cls)), where)
        rules = cls()
        if "gate_margin" in table:
            margin = _decimal(table["gate_margin"], f"{where}.gate_margin", low=Decimal(0))
            if margin >= Decimal("0.5"):
                raise InputError(f"{where}.gate_margin", "a number below 0.5", str(margin))
            rules = replace(rules, gate_margin=margin)
        if "tie_margin" in table:
            margin = _decimal(
                table["tie_margin"], f"{where}.tie_margin", low=Decimal(0), high=Decimal("0.49")
            )
            rules = replace(rules, tie_margin=margin)
        if "min_digits" in table:
            digits = _integer(table["min_digits"], f"{where}.min_digits", 0, MAX_PLACES)
            rules = replace(rules, min_digits=digits)
        if "nonzero_gradients" in table:
            value = table["nonzero_gradients"]
            if not isinstance(value, bool):
                raise InputError(f"{where}.nonzero_gradients", "true or false", describe(value))
            rules = replace(rules, nonzero_gradients=value)
        if "distinct" in table:
            value = table["distinct"]
            if value != ALL:
                value = _integer(value, f"{where}.distinct", 0, 100_000)
            rules = replace(rules, distinct=None if value == ALL else value)
        if "max_draws" in table:
            draws = _integer(table["max_draws"], f"{where}.max_draws", 1, 100_000)
            rules = replace(rules, max_draws=draws)
        return rules

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["gate_margin"] = str(self.gate_margin)
        data["tie_margin"] = str(self.tie_margin)
        data["distinct"] = ALL if self.distinct is None else self.distinct
        return data


#: Verdicts that earn points, by the key that sets their points.
POINT_KEYS = (
    "correct",
    "drift",
    "truncated",
    "follow_through",
    "wrong",
    "few_places",
    "missing",
)


@dataclass(frozen=True)
class Points:
    """Points per asked scalar, by verdict.

    ``follow_through``: wrong, but what the student's own earlier values give;
    ``few_places``: written to fewer places than graded (``0.22`` for five places).
    """

    correct: Decimal = Decimal(1)
    drift: Decimal = Decimal(1)
    truncated: Decimal = Decimal("0.5")
    follow_through: Decimal = Decimal("0.5")
    wrong: Decimal = Decimal(0)
    few_places: Decimal = Decimal(0)
    missing: Decimal = Decimal(0)

    @classmethod
    def read(
        cls, raw: object, where: str = "classroom.points", base: Points | None = None
    ) -> Points:
        table = _table(raw, where)
        _keys(table, POINT_KEYS, where)
        changes = {
            key: _decimal(value, f"{where}.{key}", low=Decimal(0)) for key, value in table.items()
        }
        return replace(base or cls(), **changes)

    @classmethod
    def parse(cls, text: str, base: Points | None = None) -> Points:
        """``"truncated=0,follow_through=1"`` (the command line's ``--points``) over ``base``."""
        table: dict[str, str] = {}
        for item in filter(None, (part.strip() for part in text.split(","))):
            key, equals, value = item.partition("=")
            if not equals:
                raise InputError("--points", "VERDICT=POINTS pairs such as truncated=0", repr(item))
            table[key.strip()] = value.strip()
        return cls.read(table, "--points", base)

    def to_dict(self) -> dict[str, str]:
        return {key: str(getattr(self, key)) for key in POINT_KEYS}


@dataclass(frozen=True)
class ClassConfig:
    """What a template asks and how a class drawn from it is judged and graded."""

    asked: tuple[str, ...]
    decimals: int = 4
    places: Mapping[str, int] = field(default_factory=dict)
    seed: str = "0"
    rules: Rules = field(default_factory=Rules)
    points: Points = field(default_factory=Points)
    weights: Mapping[str, Decimal] = field(default_factory=dict)

    def places_of(self, asked: str) -> int:
        """The decimal places the answer ``asked`` (as written in ``asked``) is graded at."""
        return self.places.get(asked, self.decimals)

    def weight_of(self, asked: str) -> Decimal:
        return self.weights.get(asked, Decimal(1))

    @classmethod
    def read(cls, raw: object, where: str = "classroom") -> ClassConfig:
        table = _table(raw, where)
        allowed = ("asked", "decimals", "places", "seed", "fairness", "points", "weights")
        _keys(table, allowed, where)
        asked_raw = table.get("asked")
        if (
            not isinstance(asked_raw, list)
            or not asked_raw
            or not all(isinstance(a, str) and a.strip() for a in asked_raw)
        ):
            found = describe(asked_raw) if asked_raw is not None else "nothing"
            raise InputError(
                f"{where}.asked", 'a list of quantity names such as ["h_1", "L"]', found
            )
        asked = tuple(a.strip() for a in asked_raw)
        if len(set(asked)) != len(asked):
            twice = next(a for a in asked if asked.count(a) > 1)
            raise InputError(f"{where}.asked", "each quantity once", f"{twice!r} twice")
        decimals = _integer(table.get("decimals", 4), f"{where}.decimals", 0, MAX_PLACES)
        places = {
            key: _integer(value, f"{where}.places.{key}", 0, MAX_PLACES)
            for key, value in _table(table.get("places", {}), f"{where}.places").items()
        }
        weights = {
            key: _decimal(value, f"{where}.weights.{key}", low=Decimal(0))
            for key, value in _table(table.get("weights", {}), f"{where}.weights").items()
        }
        for kind, names in (("places", places), ("weights", weights)):
            stray = [name for name in names if name not in asked]
            if stray:
                raise InputError(
                    f"{where}.{kind}.{stray[0]}", "a name listed in asked", repr(stray[0])
                )
        seed = table.get("seed", "0")
        if isinstance(seed, bool) or not isinstance(seed, str | int):
            raise InputError(f"{where}.seed", "a string or an integer", describe(seed))
        return cls(
            asked=asked,
            decimals=decimals,
            places=places,
            seed=str(seed),
            rules=Rules.read(table.get("fairness", {}), f"{where}.fairness"),
            points=Points.read(table.get("points", {}), f"{where}.points"),
            weights=weights,
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "asked": list(self.asked),
            "decimals": self.decimals,
            "places": dict(self.places),
            "seed": self.seed,
            "fairness": self.rules.to_dict(),
            "points": self.points.to_dict(),
            "weights": {key: str(value) for key, value in self.weights.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ClassConfig:
        """The settings as :meth:`to_dict` wrote them (a class folder's ``class.json``)."""
        fairness = dict(data["fairness"])
        return cls.read(
            {**data, "fairness": fairness, "weights": dict(data.get("weights", {}))}, "class.json"
        )
