"""Names of the quantities in an unrolled program, and the SymPy symbols that stand for them.

A :class:`Name` is structured (base, step, component index, sequence), so that printers,
tables and the answer checker can reason about it; its string form is canonical and
parseable: ``h_2``, ``z_f_1[2]``, ``W_f[1,2]``, ``delta_c_1``, ``h_2[1]^(3)``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

import sympy

_CANONICAL = re.compile(
    r"(?P<base>[A-Za-z][A-Za-z0-9_]*?)(?:_(?P<step>\d+))?"
    r"(?:\[(?P<index>\d+(?:,\d+)*)\])?(?:\^\((?P<seq>\d+)\))?",
    re.ASCII,
)


@dataclass(frozen=True, order=True)
class Name:
    """One quantity (or one component of it) of an unrolled program.

    ``base`` is the template name (``f``, ``z_f``, ``c_tilde``, ``delta_h``, ``W_f``,
    ``dL_dW_f``); ``step`` is the time step (0 for initial states, ``None`` for parameters
    and totals); ``index`` the 1-based component index (empty for a whole vector or a
    size-1 quantity); ``seq`` the 1-based sequence of a batch (``None`` when there is one).
    """

    base: str
    step: int | None = None
    index: tuple[int, ...] = ()
    seq: int | None = None

    def __hash__(self) -> int:
        """The hash of the fields, computed once (names key every table of values)."""
        found: int | None = self.__dict__.get("_hash")
        if found is None:
            found = hash((self.base, self.step, self.index, self.seq))
            object.__setattr__(self, "_hash", found)
        return found

    def __reduce__(self) -> tuple[type[Name], tuple[str, int | None, tuple[int, ...], int | None]]:
        """Pickled by its fields only (a string's hash differs between processes)."""
        return Name, (self.base, self.step, self.index, self.seq)

    def __str__(self) -> str:
        text = self.base
        if self.step is not None:
            text += f"_{self.step}"
        if self.index:
            text += "[" + ",".join(map(str, self.index)) + "]"
        if self.seq is not None:
            text += f"^({self.seq})"
        return text

    def component(self, *index: int) -> Name:
        """The name of one component of this vector or matrix."""
        return Name(self.base, self.step, tuple(index), self.seq)

    def whole(self) -> Name:
        """The name of the vector or matrix this component belongs to."""
        return Name(self.base, self.step, (), self.seq)

    @classmethod
    def parse(cls, text: str) -> Name | None:
        """The name whose canonical string is ``text``, or ``None``."""
        match = _CANONICAL.fullmatch(text)
        if not match:
            return None
        step = match["step"]
        index = match["index"]
        seq = match["seq"]
        return cls(
            match["base"],
            int(step) if step is not None else None,
            tuple(int(i) for i in index.split(",")) if index else (),
            int(seq) if seq is not None else None,
        )


_SYMBOL_NAMES: dict[sympy.Symbol, Name] = {}


@cache
def symbol(name: Name) -> sympy.Symbol:
    """The (real) SymPy symbol that stands for ``name`` in named programs."""
    sym = sympy.Symbol(str(name), real=True)
    _SYMBOL_NAMES[sym] = name
    return sym


def name_of(sym: sympy.Basic) -> Name | None:
    """The :class:`Name` a symbol made by :func:`symbol` stands for."""
    return _SYMBOL_NAMES.get(sym)


def template_symbol(base: str) -> sympy.Symbol:
    """The symbol for a quantity inside a step template (``f``, ``h_prev``, ``delta_c``)."""
    return sympy.Symbol(base, real=True)


class NamedValues(Mapping[str, Decimal]):
    """Rounded values by canonical name, looked up by a :class:`Name` or its text (``"h_2"``)."""

    by_name: dict[Name, Decimal]
    _text: dict[str, Name] | None

    def _name_values(self, values: dict[Name, Decimal]) -> None:
        self.by_name = values
        self._text = None  # built on the first lookup by text (a long solve has 10⁵ names)

    @property
    def _by_text(self) -> dict[str, Name]:
        if self._text is None:
            self._text = {str(name): name for name in self.by_name}
        return self._text

    def __getitem__(self, key: str | Name) -> Decimal:
        name = key if isinstance(key, Name) else self._by_text.get(key)
        if name is None or name not in self.by_name:
            raise KeyError(key)
        return self.by_name[name]

    def __iter__(self) -> Iterator[str]:
        return (str(name) for name in self.by_name)

    def __len__(self) -> int:
        return len(self.by_name)
