"""docs/guarantees.md states the limits that lstm_sym/limits.py enforces."""

from __future__ import annotations

from pathlib import Path

from lstm_sym.limits import limits_table

PAGE = Path(__file__).resolve().parent.parent / "docs" / "guarantees.md"


def test_limits_table_is_the_one_in_limits_py() -> None:
    """The page's limits table is exactly limits_table() (regenerate it when a limit changes)."""
    assert limits_table() in PAGE.read_text()
