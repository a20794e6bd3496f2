"""Blocks of sheet lines: one ``align*`` in a document, one ``aligned`` display in Jupyter."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .widths import align_rows, width

#: What a blank to fill in looks like (problem-only sheets).
BLANK = r"\underline{\hspace{2cm}}"


@dataclass(frozen=True)
class SheetLine:
    """``lhs = part = part ...``: each part is a list of sum terms (formula, numbers, value)."""

    lhs: str
    parts: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Block:
    """A titled group of lines (one step of the forward pass, the loss, ...)."""

    title: str
    lines: tuple[SheetLine, ...]
    #: LaTeX text printed between the title and the lines (already escaped)
    note: str = ""
    #: heading level: 1 section, 2 subsection
    level: int = 2
    children: tuple[Block, ...] = field(default=())

    def __repr__(self) -> str:
        count = len(self.lines) + sum(len(child.lines) for child in self.children)
        return f"<Block {_plain(self.title)!r}: {count} lines>"

    def rows(self) -> list[str]:
        """The ``align*`` rows, broken to fit the page."""
        if not self.lines:
            return []
        lhs_width = max(width(line.lhs) for line in self.lines)
        rows: list[str] = []
        for line in self.lines:
            rows += align_rows(line.lhs, line.parts, lhs_width)
        return rows

    def latex(self) -> str:
        """The block as document LaTeX: heading, note, ``align*``, then its children."""
        heading = r"\section*" if self.level == 1 else r"\subsection*"
        out = [f"{heading}{{{self.title}}}"] if self.title else []
        if self.note:
            out.append(self.note)
        rows = self.rows()
        if rows:
            out += [r"\begin{align*}", " \\\\\n".join(rows), r"\end{align*}"]
        out += [child.latex() for child in self.children]
        return "\n".join(out)

    def math(self) -> str:
        """The lines alone as one ``aligned`` display (for MathJax)."""
        rows = self.rows()
        if not rows:
            return ""
        return "$$\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}$$"

    def _repr_latex_(self) -> str:
        parts = [_plain(self.title)] if self.title else []
        if self.lines:
            parts.append(self.math())
        parts += [child._repr_latex_() for child in self.children]
        return "\n\n".join(parts)


def _plain(title: str) -> str:
    """A heading for MathJax output, where text outside math is shown as it is."""
    return title.replace("$", "")


def line(lhs: str, *parts: Sequence[str]) -> SheetLine:
    """A sheet line; parts that repeat the one before are dropped (``a = a``)."""
    kept: list[tuple[str, ...]] = []
    for part in parts:
        part = tuple(part)
        if part and (not kept or " ".join(part) != " ".join(kept[-1])) and " ".join(part) != lhs:
            kept.append(part)
    return SheetLine(lhs, tuple(kept))
