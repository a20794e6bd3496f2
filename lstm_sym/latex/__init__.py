r"""LaTeX solution sheets: every gate, state, loss term and gradient as formula = numbers = value.

>>> from lstm_sym.latex import Sheet
>>> tex = Sheet.load("examples/hw6.toml").to_latex()
>>> tex.startswith(r"\documentclass")
True
"""

from .build import build_pdf
from .escape import escape_text
from .handout import handout
from .names import NameStyle
from .printer import SheetPrinter
from .sheet import PARTS, VIEWS, Sheet, SheetOptions

__all__ = [
    "PARTS",
    "VIEWS",
    "NameStyle",
    "Sheet",
    "SheetOptions",
    "SheetPrinter",
    "build_pdf",
    "escape_text",
    "handout",
]
