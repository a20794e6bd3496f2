"""Every size limit of lstm_sym in one place, and how to raise one.

A request beyond a limit is refused before any work starts, with a
:class:`LimitError` naming the limit and how to raise it: ``--limit NAME=N`` on the
command line, :func:`raised` (a context manager) or :func:`set_limit` in Python.

>>> limit("steps")
100000
>>> with raised(steps=200_000):
...     limit("steps")
200000
>>> check("steps", 150_000, "sequence.x", "at most {limit} time steps")
Traceback (most recent call last):
...
lstm_sym.limits.LimitError: sequence.x: expected at most 100000 time steps, found 150000 (limit steps=100000; raise it with --limit steps=N)
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from .errors import InputError, TooLargeError, describe


@dataclass(frozen=True)
class Limit:
    """One documented limit: its name, default value and what it bounds."""

    name: str
    default: int
    what: str


#: The limits, by name (``docs/guarantees.md`` lists them; a test checks the table).
LIMITS: dict[str, Limit] = {
    limit.name: limit
    for limit in (
        Limit("digits", 10_000, "significant digits (or decimal places) of solve"),
        Limit("sheet_digits", 12, "decimal places displayed on a sheet"),
        Limit("size", 1024, "each dimension (d, n, output size) of a problem"),
        Limit("steps", 100_000, "time steps T of one sequence"),
        Limit("sequences", 10_000, "sequences (batch size) of one problem"),
        Limit("work", 10_000_000, "multiply-adds of one pass, weighted by the digits asked for"),
        Limit("sheet_lines", 5_000, "scalar lines of a sheet (quantities × steps × batch)"),
        Limit("closed_form_nodes", 200_000, "nodes of one closed form (Model.closed_form)"),
        Limit("exact_nodes", 20_000, "nodes of the largest exact value (Model.exact)"),
        Limit("number_digits", 3000, "significant digits of one input number"),
        Limit("number_exponent", 1000, "decimal exponent of one input number (1e1000)"),
        Limit("answer_digits", 10_000, "significant digits of one answer (lstm-sym check)"),
        Limit("file_bytes", 64 * 1024 * 1024, "bytes of one problem file"),
        Limit("parameter_values", 4_000_000, "numbers in one parameter file (.npz, .pt)"),
        Limit("equations", 200, "equations of one custom cell"),
        Limit("equation_length", 2000, "characters of one custom-cell equation"),
        Limit("equation_depth", 40, "nesting of parentheses, calls, powers and @ in one equation"),
        Limit("equation_nodes", 100, "names, numbers and operations of one custom-cell equation"),
        Limit("derivative_nodes", 5000, "names read × nodes of each equation, summed over a cell"),
        Limit("identifier", 40, "characters of one name in a custom cell"),
        Limit("description", 300, "characters of a custom cell's description"),
    )
}

_values: dict[str, int] = {}


class LimitError(InputError, TooLargeError):
    """A request beyond a documented limit; the message says how to raise the limit."""

    def __init__(
        self, name: str, field: str, expected: str, found: str, *, source: str | None = None
    ):
        self.limit = name
        super().__init__(field, expected, found, source=source)

    def _message(self) -> str:
        return (
            f"{super()._message()} (limit {self.limit}={limit(self.limit)}; "
            f"raise it with --limit {self.limit}=N)"
        )

    def located(self, source: str) -> LimitError:
        """The same error, naming the file it came from."""
        return LimitError(self.limit, self.field, self.expected, self.found, source=source)


def _known(name: str) -> Limit:
    if name not in LIMITS:
        raise InputError("limit", f"one of {', '.join(LIMITS)}", repr(name))
    return LIMITS[name]


def limit(name: str) -> int:
    """The current value of limit ``name``."""
    return _values.get(name, _known(name).default)


def check(name: str, value: int, field: str, expected: str, *, found: str | None = None) -> None:
    """Refuse ``value`` when it exceeds limit ``name`` (``expected`` may use ``{limit}``)."""
    bound = limit(name)
    if value > bound:
        raise LimitError(
            name,
            field,
            expected.format(limit=bound),
            found if found is not None else describe(value),
        )


#: Digits at which one multiply-add (with its share of exp and tanh) costs about twice as
#: much as at 15 digits, and how fast the cost grows beyond: fitted to Arb on a 2-core x86
#: machine (about 1 µs at 1,000 digits, 50 µs at 10,000, against 0.15 µs at 50).
_COST_DIGITS, _COST_EXPONENT = 200, 1.7


def work_factor(digits: int) -> float:
    """The cost of one multiply-add at ``digits`` digits, relative to one at 15 to 50."""
    return 1.0 + float((digits / _COST_DIGITS) ** _COST_EXPONENT)


def check_work(steps: int, per_step: int, digits: int, field: str = "digits") -> None:
    """Refuse a pass whose multiply-adds, weighted by their cost at ``digits``, exceed ``work``."""
    factor = work_factor(digits)
    total = int(steps * per_step * factor)
    check(
        "work",
        total,
        field,
        "at most {limit} multiply-adds per pass, weighted by their cost at the digits asked for",
        found=f"{steps:,} steps × {per_step:,} × {factor:,.1f} (at {digits:,} digits) = {total:,}",
    )


def set_limit(name: str, value: int) -> None:
    """Change limit ``name`` for the rest of the process (``raised`` is usually better)."""
    _known(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(f"limit {name}", "a positive integer", repr(value))
    _values[name] = value


@contextlib.contextmanager
def raised(values: Mapping[str, int] | None = None, /, **more: int) -> Iterator[None]:
    """Limits changed inside a ``with`` block and restored after it."""
    saved = dict(_values)
    try:
        for name, value in {**(values or {}), **more}.items():
            set_limit(name, value)
        yield
    finally:
        _values.clear()
        _values.update(saved)


def parse_assignment(text: str) -> tuple[str, int]:
    """``"steps=200000"`` as ``("steps", 200000)`` (the command line's ``--limit``)."""
    name, sep, number = text.partition("=")
    name, number = name.strip(), number.strip().replace("_", "")
    if not sep or not re.fullmatch(r"[0-9]{1,18}", number):
        raise InputError("--limit", "NAME=N with a positive integer N", repr(text))
    _known(name)
    return name, int(number)


def limits_table() -> str:
    """The limits as a Markdown table (``docs/guarantees.md`` holds exactly this table)."""
    rows = ["| limit | default | what it bounds |", "|---|---:|---|"]
    rows += [f"| `{lim.name}` | {lim.default:,} | {lim.what} |" for lim in LIMITS.values()]
    return "\n".join(rows) + "\n"
