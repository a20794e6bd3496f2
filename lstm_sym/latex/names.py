"""LaTeX for the names of a program: ``h_{2}``, ``\\tilde{c}_{1,2}``, ``\\delta z_{f,1}``, ``∂L/∂W_f``.

Subscripts list, in order, what the base name carries (a gate: ``z_{f}``), the time step
and the component (``W_{f,12}`` is row 1, column 2 of ``W_f``); a sequence of a batch is a
superscript ``^{(2)}``. A cell's ``latex`` mapping gives special bases (``c_tilde`` →
``\\tilde{c}``); mapping entries using anything but a few harmless commands are ignored.
"""

from __future__ import annotations

import re

from ..derive.naming import DELTA, TOTAL
from ..names import Name
from ..spec.cells import Cell
from .escape import math_identifier

_SAFE_COMMANDS = {
    "tilde", "hat", "bar", "check", "breve", "dot", "ddot", "vec", "mathrm", "mathbf",
    "mathit", "mathsf", "ell", "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta",
    "theta", "iota", "kappa", "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau",
    "upsilon", "phi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi",
    "Sigma", "Upsilon", "Phi", "Psi", "Omega",
}  # fmt: skip
_MAPPED = re.compile(r"(?P<head>.*?)(?:_\{(?P<sub>.*)\})?")
_COMMAND = re.compile(r"\\([A-Za-z]+)")
_SAFE_TEXT = re.compile(r"[A-Za-z0-9\\{}_ ,]*")


def _safe_mapping(latex: str) -> bool:
    """Whether a cell's LaTeX for a name uses only letters, braces and harmless commands."""
    return bool(_SAFE_TEXT.fullmatch(latex)) and all(
        command in _SAFE_COMMANDS for command in _COMMAND.findall(latex)
    )


class NameStyle:
    """How one cell's names print (its ``latex`` mapping, the default rules otherwise)."""

    def __init__(self, cell: Cell):
        self.mapping = {base: tex for base, tex in cell.latex.items() if _safe_mapping(tex)}
        self._cache: dict[Name, str] = {}

    def __call__(self, name: Name) -> str:
        """The LaTeX of a program name."""
        text = self._cache.get(name)
        if text is None:
            step = None if name.step is None else str(name.step)
            seq = None if name.seq is None else str(name.seq)
            text = self.template(name.base, step, _index(name.index), seq)
            self._cache[name] = text
        return text

    def template(
        self, base: str, step: str | None = None, index: str | None = None, seq: str | None = None
    ) -> str:
        """The LaTeX of a name at a symbolic step (``"t"``, ``"t-1"``) or component (``"k"``)."""
        if base.startswith(DELTA):
            return r"\delta " + self.template(base.removeprefix(DELTA), step, index, seq)
        if base.startswith(TOTAL):
            inner = self.template(base.removeprefix(TOTAL), step, index, seq)
            return rf"\frac{{\partial L}}{{\partial {inner}}}"
        return self.base(base, (step or "", index or ""), seq)

    def base(self, base: str, subscripts: tuple[str, ...] = (), seq: str | None = None) -> str:
        """``base`` with extra subscripts appended to its own (no delta/gradient prefixes)."""
        mapped = self.mapping.get(base)
        if mapped is not None:
            match = _MAPPED.fullmatch(mapped)
            assert match is not None
            head, own = match["head"], [match["sub"]] if match["sub"] else []
        else:
            head, *tail = base.split("_")
            head = math_identifier(head)
            own = [math_identifier(part) for part in tail if part]
        parts = own + [s for s in subscripts if s]
        text = f"{head}_{{{','.join(parts)}}}" if parts else head
        if seq is not None:
            text += f"^{{({seq})}}"
        return text


def _index(index: tuple[int, ...]) -> str | None:
    """Component subscripts: ``2``; ``12`` for row 1, column 2; ``(1,10)`` past 9."""
    if not index:
        return None
    if len(index) == 1:
        return str(index[0])
    if all(i < 10 for i in index):
        return "".join(map(str, index))
    return "(" + ",".join(map(str, index)) + ")"
