"""Registries: a variant (cell, loss, head, activation) joins the package by one registration.

A :class:`Registry` is a dictionary of named records with the three things every registry
here needs: :meth:`~Registry.register`, :meth:`~Registry.lookup` (an
:class:`~lstm_sym.errors.InputError` naming the field and the known names) and
:meth:`~Registry.registered`, which adds records for the length of a ``with`` block (tests,
examples) and restores what was there before.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Protocol, TypeVar

from ..errors import InputError, did_you_mean


class Named(Protocol):
    """A record with a name."""

    @property
    def name(self) -> str: ...


_T = TypeVar("_T", bound=Named)


class Registry(dict[str, _T]):
    """Records by name. ``sort``: an unknown name's error lists the known ones sorted."""

    def __init__(self, *, sort: bool = False) -> None:
        super().__init__()
        self.sort = sort

    def register(self, record: _T) -> _T:
        """Add ``record`` (replacing a record of the same name)."""
        self[record.name] = record
        return record

    def lookup(self, name: object, *, field: str) -> _T:
        """The record called ``name``, or an :class:`InputError` listing the known ones."""
        if isinstance(name, str) and name in self:
            return self[name]
        known = ", ".join(sorted(self) if self.sort else self)
        raise InputError(field, f"one of: {known}", repr(name) + did_you_mean(name, self))

    @contextlib.contextmanager
    def registered(self, *records: _T) -> Iterator[None]:
        """``records`` registered inside the block; afterwards the registry is as before."""
        saved = dict(self)
        try:
            for record in records:
                self.register(record)
            yield
        finally:
            self.clear()
            self.update(saved)
