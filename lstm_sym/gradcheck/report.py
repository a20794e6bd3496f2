"""A gradient check's verdict: per tensor, how far the framework is from the certified values.

Errors are measured exactly (the framework's float is a binary fraction; the certified value
has 30 significant digits) and stated in units in the last place (ulps) of the framework's
dtype. Two measures per tensor: ``ulps``, the worst element's error in ulps of that
element, and ``scaled_ulps``, the worst error in ulps of the tensor's largest certified
value. A sum of products that nearly cancels loses relative accuracy in any float
arithmetic, so the verdict uses ``scaled_ulps``: a tensor passes when it is at most the
tolerance.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Any

#: Default tolerance in scaled ulps, per dtype: a few dozen roundings of the tensor's
#: largest value (PyTorch's CPU kernels stay well inside it; see docs/frameworks-check.md).
TOLERANCES = {"float64": 64.0, "float32": 64.0, "float16": 16.0, "bfloat16": 16.0}

#: Bits of precision (with the implicit bit) and smallest normal exponent, per dtype.
FORMATS = {
    "float64": (53, -1022),
    "float32": (24, -126),
    "float16": (11, -14),
    "bfloat16": (8, -126),
}


def ulp(value: Fraction, dtype: str) -> Fraction:
    """The spacing of ``dtype``'s floats at ``value`` (the subnormal spacing near zero)."""
    bits, emin = FORMATS[dtype]
    exponent = emin
    if value:
        exponent = max(math.frexp(float(abs(value)))[1] - 1, emin)
    return Fraction(2) ** (exponent - bits + 1)


@dataclass(frozen=True)
class TensorCheck:
    """One tensor compared: errors, where the worst is, and the verdict."""

    name: str
    shape: tuple[int, ...]
    max_abs: float
    max_rel: float
    ulps: float
    scaled_ulps: float
    worst: tuple[int, ...]  # index of the element with the largest scaled error
    framework: float  # its value in the framework
    certified: str  # its certified value (decimal digits)
    passed: bool


def compare(
    name: str,
    ours: list[tuple[tuple[int, ...], Fraction, str]],
    theirs: dict[tuple[int, ...], float],
    shape: tuple[int, ...],
    dtype: str,
    tolerance: float,
) -> TensorCheck:
    """Compare certified values (index, exact value, digits) with the framework's floats."""
    scale = max((abs(v) for _, v, _ in ours), default=Fraction(0))
    unit = ulp(scale, dtype)
    worst: tuple[tuple[int, ...], Fraction, str] | None = None
    max_abs = Fraction(0)
    max_rel = 0.0
    ulps = 0.0
    for index, exact, digits in ours:
        error = abs(Fraction(theirs[index]) - exact)
        if worst is None or error > max_abs:
            max_abs, worst = error, (index, exact, digits)
        if error:
            max_rel = max(max_rel, float(error / abs(exact)) if exact else math.inf)
            ulps = max(ulps, float(error / ulp(exact, dtype)))
    assert worst is not None
    scaled = float(max_abs / unit)
    return TensorCheck(
        name,
        shape,
        float(max_abs),
        max_rel,
        ulps,
        scaled,
        worst[0],
        theirs[worst[0]],
        worst[2],
        scaled <= tolerance,
    )


@dataclass
class GradcheckReport:
    """The verdict of :func:`lstm_sym.gradcheck`: one :class:`TensorCheck` per tensor."""

    module: str
    dtype: str
    loss: str
    tolerance: float
    checks: list[TensorCheck] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    def __bool__(self) -> bool:
        return self.passed

    def __getitem__(self, name: str) -> TensorCheck:
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(name)

    @property
    def verdict(self) -> str:
        failed = [check.name for check in self.checks if not check.passed]
        head = f"{self.module} ({self.dtype}, loss {self.loss}): "
        if not failed:
            return (
                head + f"PASS: every tensor within {self.tolerance:g} ulps of the certified values"
            )
        return head + f"FAIL: {', '.join(failed)} beyond {self.tolerance:g} ulps"

    def _rows(self) -> list[list[str]]:
        rows = []
        for c in self.checks:
            rows.append(
                [
                    c.name,
                    "×".join(map(str, c.shape)) or "scalar",
                    f"{c.max_abs:.3g}",
                    f"{c.max_rel:.3g}",
                    f"{c.ulps:.3g}",
                    f"{c.scaled_ulps:.3g}",
                    str(list(c.worst)),
                    "ok" if c.passed else "FAIL",
                ]
            )
        return rows

    HEADINGS = ("tensor", "shape", "max abs", "max rel", "ulps", "scaled ulps", "worst at", "")

    def to_text(self) -> str:
        """An aligned table under the verdict line."""
        rows = [list(self.HEADINGS), *self._rows()]
        widths = [max(len(row[k]) for row in rows) for k in range(len(self.HEADINGS))]
        lines = [self.verdict, ""]
        lines += [
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            for row in rows
        ]
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        return {
            "module": self.module,
            "dtype": self.dtype,
            "loss": self.loss,
            "tolerance_ulps": self.tolerance,
            "passed": self.passed,
            "tensors": [
                {
                    **asdict(c),
                    "shape": list(c.shape),
                    "worst": list(c.worst),
                    "max_rel": c.max_rel if math.isfinite(c.max_rel) else "inf",
                }
                for c in self.checks
            ],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, allow_nan=False) + "\n"

    def to_markdown(self) -> str:
        lines = [f"**{self.verdict}**", "", "| " + " | ".join(self.HEADINGS) + " |"]
        lines.append("|" + "|".join(["---"] * 2 + ["---:"] * 4 + ["---"] * 2) + "|")
        lines += ["| " + " | ".join(row) + " |" for row in self._rows()]
        return "\n".join(lines) + "\n"

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def __str__(self) -> str:
        return self.to_text()
