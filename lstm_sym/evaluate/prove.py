"""Proven decimal digits from balls: Ziv's strategy, sequence by sequence.

Every value is first computed as a ball (:mod:`lstm_sym.evaluate.balls`) at the requested digits
plus guard digits, plus the bits a long recurrence is expected to lose. A value is settled when its whole ball rounds to one decimal string
(:func:`lstm_sym.evaluate.balls.round_ball`); an exact ball (a dyadic number, an exact 0) rounds
as the number it is. What is left is evaluated again, and only that:

1. **exactly**, where it is rational (:mod:`lstm_sym.evaluate.rationals`): a rounding tie such as
   ``−591/320`` at 6 digits, or a cancellation to a rational such as ``−1 + (1 + 10⁻⁶⁰)``,
   is rounded from the exact fraction;
2. **at a higher precision** (what the widest ball lost, or doubled), up to
   :data:`MAX_ROUNDS` times, only the sequences that hold an unsettled value (all of
   them when the loss or a parameter's gradient is unsettled).

A value still unsettled after that is never guessed: it keeps the digits its ball proves
and is reported as unsettled (:attr:`Proven.unsettled`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import mpmath
from flint import arb, fmpq

from ..derive.naming import FORWARD
from ..equations import Equation
from ..errors import TooLargeError
from ..names import Name
from ..numbers import round_significant
from ..problem import Problem
from .balls import ARB, bits_for, digits_text, integer_digits, proven_prefix, round_ball, workprec
from .certify import MAX_WORKING_DIGITS, guard_digits
from .domain import may_be_undefined
from .evaluator import Evaluator, collector_paused, scalar_list, scalar_values
from .rationals import RATIONAL

#: How many times the working precision is raised for values a ball has not settled.
MAX_ROUNDS = 4

#: Bits a ball is expected to lose per step of the recurrence (the wrapping effect: each
#: step adds its Jacobian's absolute value to the radii). About 0.25–0.45 for small cells
#: with weights up to 2; added to the first working precision so that one pass suffices
#: for a long sequence, instead of a first pass whose last steps prove nothing.
BITS_PER_STEP = 0.5


@dataclass
class Proven:
    """Proven roundings of every quantity, in reading order, with what proves each."""

    values: dict[Name, Decimal] = field(default_factory=dict)
    sections: dict[Name, str] = field(default_factory=dict)
    #: the ball (``arb``) or exact rational (``fmpq``) each value was read from
    enclosures: dict[Name, Any] = field(default_factory=dict)
    #: values not settled within the limits: name -> digits proven (the value holds those)
    unsettled: dict[Name, int] = field(default_factory=dict)
    #: working precisions of the passes, in bits, and how many sequences each evaluated
    passes: list[tuple[int, int]] = field(default_factory=list)


def round_rational(value: fmpq, digits: int, decimals: bool) -> Decimal:
    """The exact rational ``value`` rounded half to even to ``digits`` digits (or places)."""
    p, q = int(value.p), int(value.q)
    if p == 0:
        return Decimal(0)
    exponent = len(digits_text(abs(p))) - len(
        digits_text(q)
    )  # 10^exponent <= |p/q| < 10^(exponent + 1)
    if abs(p) * 10 ** max(-exponent, 0) < q * 10 ** max(exponent, 0):
        exponent -= 1
    places = digits if decimals else digits - 1 - exponent
    num, den = (p * 10**places, q) if places >= 0 else (p, q * 10**-places)
    whole, rest = divmod(num, den)  # floor division: 0 <= rest < den
    if 2 * rest > den or (2 * rest == den and whole % 2):
        whole += 1
    result = Decimal(f"{digits_text(whole)}E{-places}")
    if not decimals and len(digits_text(abs(whole))) > digits:  # 9.9996 -> 10.00: one place fewer
        result = round_significant(result, digits)
    return result


def _owner(name: Name, problem: Problem) -> int | None:
    """The sequence (0-based) a value belongs to, or None for totals over the batch."""
    if problem.batch == 1:
        return 0
    return None if name.seq is None else name.seq - 1


class _Prover:
    """The state of one proof: what is settled, and what each pass must evaluate.

    Values are kept by position in reading order (the order of the first pass), so that a
    pass over the whole batch needs no names at all.
    """

    def __init__(
        self,
        problem: Problem,
        digits: int,
        *,
        gradients: bool,
        decimals: bool,
        progress: Callable[[str], None] | None,
    ):
        self.problem, self.digits = problem, digits
        self.gradients, self.decimals = gradients, decimals
        self.progress = progress
        self.evaluator = Evaluator(problem, ARB)
        self.passes: list[tuple[int, int]] = []
        self.order: list[Name] = []
        self.sections: list[str] = []
        self._position: dict[Name, int] | None = None
        self.rounded: list[Decimal | None] = []
        self.proof: list[Any] = []  # the ball or exact rational each value was read from
        self.pending: dict[int, Any] = {}  # unsettled position -> its latest ball
        self.tried: set[int] = set()  # positions the exact pass has seen
        self.latest: list[Any] = []  # the balls of the latest pass
        self.latest_bits = 0  # and its precision

    @property
    def position(self) -> dict[Name, int]:
        """Each name's position in reading order (built when a partial pass needs it)."""
        if self._position is None:
            self._position = {name: k for k, name in enumerate(self.order)}
        return self._position

    def evaluate(self, bits: int, batch: list[int] | None) -> list[tuple[int, Any]]:
        """``(position, ball)`` of every value of ``batch`` (None: all) at ``bits``."""
        if self.progress is not None:
            self.progress(f"pass {len(self.passes) + 1} at {int(bits / 3.3219)} digits")
        with workprec(bits):
            trace = self.evaluator.run(gradients=self.gradients, sequences=batch)
        self.passes.append((bits, len(trace.batch)))
        if not self.order:  # the first pass: names and sections in reading order
            for section, name, value in scalar_values(
                self.problem, trace, gradients=self.gradients
            ):
                self.order.append(name)
                self.sections.append(section)
                self.latest.append(value)
            self.rounded = [None] * len(self.order)
            self.proof = [None] * len(self.order)
            return list(enumerate(self.latest))
        if batch is None:
            self.latest = scalar_list(self.problem, trace, gradients=self.gradients)
            return list(enumerate(self.latest))
        found = scalar_values(self.problem, trace, gradients=self.gradients)
        return [(self.position[name], value) for _, name, value in found]

    def settle(self, values: list[tuple[int, Any]]) -> None:
        digits, decimals, pending = self.digits, self.decimals, self.pending
        for k, value in values:
            if k not in pending:
                continue
            rounded = round_ball(value, digits, decimals)
            if rounded is None:
                pending[k] = value
                continue
            self.rounded[k], self.proof[k] = rounded, value
            del pending[k]

    def near_ties(self) -> list[int]:
        """Unsettled values whose balls are narrow around 0 or sit on a rounding boundary
        (they round alike to 3 more digits): perhaps exact zeros or ties, which no
        precision settles."""
        narrow = arb(2) ** -(bits_for(self.digits) + 8)  # a zero's ball, not a lost one's
        accurate = bits_for(self.digits + 3)
        found = [
            k
            for k, ball in self.pending.items()
            if k not in self.tried
            and (
                (ball.contains(0) and ball.rad() < narrow)
                or (
                    (self.decimals or ball.rel_accuracy_bits() >= accurate)
                    and round_ball(ball, self.digits + 3, self.decimals)
                )
            )
        ]
        self.tried.update(found)
        return found

    def settle_exactly(self, positions: list[int]) -> None:
        """Round the unsettled values that are rational from their exact fractions."""
        trace = Evaluator(self.problem, RATIONAL).run(
            gradients=self.gradients, sequences=self.batch(positions)
        )
        for _, name, value in scalar_values(self.problem, trace, gradients=self.gradients):
            k = self.position[name]
            if k in self.pending and isinstance(value, fmpq):
                self.rounded[k] = round_rational(value, self.digits, self.decimals)
                self.proof[k] = value
                del self.pending[k]

    def first_bits(self, working_digits: int) -> int:
        """The first working precision for ``working_digits``: their bits and the bits a
        long recurrence is expected to lose (:data:`BITS_PER_STEP`)."""
        steps = max(seq.steps for seq in self.problem.sequences)
        return bits_for(working_digits) + int(BITS_PER_STEP * steps)

    def next_bits(self, bits: int, used: int) -> int:
        """The next working precision: twice ``bits``, or more when the unsettled balls
        show that more bits are lost (a long recurrence widens balls a little every step)."""
        needed = bits_for(self.digits + guard_digits(self.digits))
        accuracy = [int(ball.rel_accuracy_bits()) for ball in self.pending.values()]
        if accuracy and min(accuracy) > 0:
            worst = min(accuracy)
            if worst < needed:  # balls too wide: make up for the bits lost, with a margin
                lost = bits - worst
                return needed + lost + lost // 4 + 32
            return 2 * bits  # narrow balls near a rounding boundary
        # some ball lost every bit: the largest loss that can be seen, twice over, or the
        # loss per step of the forward values that can be seen, over the forward and the
        # backward recurrence (each loses about as much)
        lost, forward_lost, forward_step = 0, 0, 1
        whole = len(self.latest) == len(self.order)
        for k, ball in enumerate(self.latest):
            accuracy_bits = ball.rel_accuracy_bits()
            if 0 < accuracy_bits < used:
                lost = max(lost, used - accuracy_bits)
                step = self.order[k].step if whole else None
                if step and self.sections[k] == FORWARD and used - accuracy_bits > forward_lost:
                    forward_lost, forward_step = used - accuracy_bits, step
        steps = max(seq.steps for seq in self.problem.sequences)
        forward = int(2.5 * forward_lost * steps / forward_step)
        return max(2 * bits, needed + 2 * lost, needed + forward)

    def batch(self, positions: Iterable[int]) -> list[int] | None:
        """The sequences holding the values at ``positions`` (None: all of them)."""
        owners = {_owner(self.order[k], self.problem) for k in positions}
        if None in owners or len(owners) == self.problem.batch:
            return None
        return sorted(b for b in owners if b is not None)

    def run(self) -> Proven:
        digits, decimals = self.digits, self.decimals
        bits = self.first_bits(digits + guard_digits(digits))
        values = self.evaluate(bits, None)
        self.latest_bits = bits
        if decimals:  # decimal places of large values need more significant digits
            largest = max((abs(v).abs_upper() for _, v in values), default=arb(0))
            if largest.is_finite() and largest >= 1:
                whole = integer_digits(largest)
                needed = digits + guard_digits(digits) + whole
                if needed > MAX_WORKING_DIGITS:
                    raise TooLargeError(
                        f"{digits} decimal places of values of {whole} integer digits "
                        f"would need {needed:,} digits (limit {MAX_WORKING_DIGITS:,}): "
                        "use significant digits instead"
                    )
                bits = self.first_bits(needed)
                values = self.evaluate(bits, None)
                self.latest, self.latest_bits = [value for _, value in values], bits
        self.pending = dict.fromkeys(range(len(self.order)))
        self.settle(values)
        for _ in range(MAX_ROUNDS):
            ties = self.near_ties()
            if ties:  # a tie never settles at any precision: try exact values first
                self.settle_exactly(ties)
            if not self.pending:
                break
            bits = self.next_bits(bits, self.latest_bits)
            batch = self.batch(self.pending)
            values = self.evaluate(bits, batch)
            self.latest_bits = bits
            if batch is not None:
                self.latest = [value for _, value in values]
            self.settle(values)
        found = Proven(passes=self.passes)
        for k, ball in self.pending.items():
            prefix = proven_prefix(ball, digits, decimals)
            self.rounded[k] = prefix[0] if prefix else Decimal(0)
            self.proof[k] = ball
            found.unsettled[self.order[k]] = prefix[1] if prefix else 0
        for k, name in enumerate(self.order):
            rounded = self.rounded[k]
            assert rounded is not None
            found.values[name] = rounded
            found.sections[name] = self.sections[k]
            found.enclosures[name] = self.proof[k]
        return found


def prove(
    problem: Problem,
    digits: int,
    *,
    gradients: bool = False,
    decimals: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Proven:
    """Every quantity of ``problem`` rounded to ``digits`` significant digits (or decimal
    places), each rounding proven by a ball or an exact rational."""
    _check_defined(problem, gradients)
    prover = _Prover(problem, digits, gradients=gradients, decimals=decimals, progress=progress)
    with collector_paused():  # millions of young numbers and no cycles: see Evaluator.run
        return prover.run()


def _check_defined(problem: Problem, gradients: bool) -> None:
    """Raise the one-line error of a quantity undefined at the problem's numbers (1 / 0).

    A ball of 1/0 or of √(−1) is just non-finite, which would read as "not settled"; a cell
    that divides or takes roots (only custom cells do: their derivatives then do too) is
    therefore run once in mpmath first, whose evaluator names the step, the quantity and its
    operands when a formula is undefined.
    """
    if any(
        isinstance(eq, Equation) and may_be_undefined(eq.pointwise) for eq in problem.cell.equations
    ):
        with mpmath.workdps(30):
            Evaluator(problem).run(gradients=gradients)
