"""Text a class's reports are made of: user text for Markdown, and points as written.

Names and ids come from rosters and submissions: in Markdown every character that could
start markup is escaped, and control characters are written as escapes.
"""

from __future__ import annotations

from decimal import Decimal

from ..errors import escape_controls

#: Characters that start Markdown markup (or MathJax, in the documentation site's pages).
MARKUP = "\\`*_[]<>|#$~"


def markdown(text: str) -> str:
    """User text for Markdown (a table cell, a heading): nothing it holds is read as markup."""
    text = escape_controls(text)
    for c in MARKUP:
        text = text.replace(c, "\\" + c)
    return text


def points(value: Decimal) -> str:
    """Points as a person writes them: ``7.5``, ``9`` (no trailing zeros, no exponent)."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
