"""Certified values of a solved problem, with text, JSON, Markdown and LaTeX views."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .choices import Engine
from .names import Name, NamedValues
from .numbers import format_decimal

if TYPE_CHECKING:
    from .problem import Problem

SECTION_TITLES = {
    "forward": "Forward pass",
    "loss": "Loss",
    "backward": "Backward pass (delta_q = dL/dq)",
    "gradient": "Gradients",
    "intermediate": (
        "Named intermediates (tanh_c = tanh(c_t); L^(b): the loss of sequence b; "
        "dell_dh = dl_t/dh_t, delta_h_rec = delta_h - dell_dh)"
    ),
    "update": "One optimizer step (W_new = the parameter after the step)",
    "flow": "Gradient flow (norms: Euclidean for vectors, spectral for Jacobians; docs/flow.md)",
}


class Solution(NamedValues):
    """Every quantity of a problem correctly rounded, by canonical name (``"h_2"``, ``"W_f[1,2]"``).

    Values are :class:`decimal.Decimal` s holding exactly the printed digits.
    """

    def __init__(
        self,
        problem: Problem,
        values: dict[Name, Decimal],
        sections: dict[Name, str],
        *,
        digits: int,
        decimals: bool,
        gradients: bool,
        engine: Engine = "arb",
        unsettled: Mapping[Name, int] | None = None,
        enclosures: Mapping[Name, Any] | None = None,
    ):
        self.problem = problem
        self._name_values(values)
        self.sections = sections
        self.digits = digits
        self.decimals = decimals
        self.gradients = gradients
        self.engine = engine
        #: values not settled within the limits: name -> the digits that are proven
        self.unsettled = dict(unsettled or {})
        #: what proves each value (arb engine): its ball, or its exact rational value
        self.enclosures = dict(enclosures or {})

    # -- mapping -------------------------------------------------------------------------
    def value(
        self, base: str, step: int | None = None, *index: int, seq: int | None = None
    ) -> Decimal:
        """The value of ``base`` at ``step`` (component ``index``; sequence ``seq`` of a batch)."""
        return self[Name(base, step, tuple(index), seq)]

    def add_section(self, section: str, values: Mapping[Name, Decimal]) -> None:
        """Append ``values`` as one more section (``flow``: see :mod:`lstm_sym.flow.naming`)."""
        for name, value in values.items():
            self.by_name[name] = value
            self.sections[name] = section
            self._by_text[str(name)] = name

    def _latex_name(self, style: Any, name: Name) -> str:
        if self.sections[name] == "flow":
            from .flow.naming import describe

            return describe(name)
        return str(style(name))

    def arrays(
        self, layout: str = "lstm_sym", *, dtype: Any = None, batch_first: bool | None = None
    ) -> dict[str, Any]:
        """Parameters, state histories and gradients as ``layout``'s arrays (docs/frameworks-check.md).

        Keys are the framework's (``weight_ih_l0``; Keras ``kernel``), plus ``h`` (and ``c``)
        of shape time × batch × n (batch × time × n with ``batch_first``; the default is the
        framework's), the loss ``L`` and, with gradients, ``grad``: the same parameter keys
        and ``input``, ``h0`` (and ``c0``). ``dtype=object`` gives exact values: parameters
        as ``Fraction`` s, computed values as this solution's ``Decimal`` s; ``dtype="list"``
        the same as nested lists; otherwise NumPy arrays of ``dtype`` (default float64).
        """
        from .arrays import solution_arrays

        return solution_arrays(self, layout, dtype=dtype, batch_first=batch_first)

    # -- views ---------------------------------------------------------------------------
    @property
    def precision_text(self) -> str:
        unit = "decimal places" if self.decimals else "significant digits"
        if self.engine == "mpmath":
            return f"{self.digits} {unit}, every digit certified"
        if self.unsettled:
            return f"{self.digits} {unit}, proven except {len(self.unsettled)} marked ~"
        return f"{self.digits} {unit}, every digit proven"

    def text(self, name: Name) -> str:
        """The value as printed: an unsettled one with its proven digits and a ``~`` mark."""
        text = format_decimal(self.by_name[name])
        return f"{text}~" if name in self.unsettled else text

    def header(self) -> list[str]:
        p = self.problem
        steps = sorted({seq.steps for seq in p.sequences})
        sizes = ", ".join(f"{k} = {v}" for k, v in sorted(p.sizes.items()))
        batch = f", {p.batch} sequences" if p.batch > 1 else ""
        lines = [p.title] if p.title else []
        lines.append(
            f"{p.cell.name} cell, {_loss_text(p)}; {sizes}, T = {'/'.join(map(str, steps))}{batch}; "
            f"{self.precision_text}"
        )
        return lines

    def to_text(self) -> str:
        """A readable table: one row per quantity and step, decimal points aligned."""
        rows: dict[str, list[tuple[str, str, str]]] = {}
        for name in self.by_name:
            label = name.base + (f"[{','.join(map(str, name.index))}]" if name.index else "")
            if name.seq is not None:
                label += f" (seq {name.seq})"
            step = "" if name.step is None else str(name.step)
            rows.setdefault(self.sections[name], []).append((step, label, self.text(name)))
        width = max([len(r[1]) for rs in rows.values() for r in rs] + [len("quantity")])
        point = max((_int_width(r[2]) for rs in rows.values() for r in rs), default=1)
        lines = self.header()
        for section, entries in rows.items():
            lines += ["", SECTION_TITLES[section], f"{'t':>3}  {'quantity':<{width}}  value"]
            for step, label, text in entries:
                lines.append(
                    f"{step:>3}  {label:<{width}}  {' ' * (point - _int_width(text))}{text}"
                )
        return "\n".join(lines) + "\n"

    def to_dict(self, *, enclosures: bool = False, layout: str | None = None) -> dict[str, Any]:
        """Plain data for programs: every value as a decimal string, grouped by section.

        With ``enclosures`` (arb engine), also what proves each value: ``{"mid", "rad"}``
        (decimal strings; the value lies in ``[mid − rad, mid + rad]`` and every point of it
        rounds to the printed digits) or ``{"exact": "p/q"}``. With ``layout``, also
        ``"arrays"``: :meth:`arrays` of that layout as nested lists of strings.
        """
        p = self.problem
        sections: dict[str, dict[str, str]] = {}
        for name, value in self.by_name.items():
            sections.setdefault(self.sections[name], {})[str(name)] = format_decimal(value)
        extra: dict[str, Any] = {}
        if self.unsettled:
            extra["unsettled"] = {str(name): digits for name, digits in self.unsettled.items()}
        if enclosures:
            from .evaluate.balls import enclosure_json

            extra["engine"] = self.engine
            extra["enclosures"] = {
                str(name): enclosure_json(self.enclosures[name]) for name in self.by_name
            }
        if layout is not None:
            from .arrays import json_arrays

            extra["arrays"] = json_arrays(self, layout)
        return {
            "problem": p.source,
            "title": p.title,
            "cell": p.cell.name,
            "loss": None if p.forward_only else p.loss.name,
            "sizes": dict(sorted(p.sizes.items())),
            "steps": [seq.steps for seq in p.sequences],
            "digits": self.digits,
            "rounding": "decimal places" if self.decimals else "significant digits",
            "values": sections,
            **extra,
        }

    def to_json(self, *, enclosures: bool = False, layout: str | None = None) -> str:
        """:meth:`to_dict` as deterministic, indented JSON."""
        data = self.to_dict(enclosures=enclosures, layout=layout)
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    def __repr__(self) -> str:
        unit = "decimal places" if self.decimals else "significant digits"
        return f"<Solution {self.problem.synopsis}: {len(self)} values to {self.digits} {unit}>"

    def _sections(self) -> dict[str, list[Name]]:
        """The names of each section, in order."""
        out: dict[str, list[Name]] = {}
        for name in self.by_name:
            out.setdefault(self.sections[name], []).append(name)
        return out

    def _repr_markdown_(self) -> str:
        """Jupyter: the header, then one headed table per section, names as on a sheet."""
        from .latex.names import NameStyle

        style = NameStyle(self.problem.cell)
        lines = [f"**{_markdown_text(self.problem.title)}**", ""] if self.problem.title else []
        lines.append(_markdown_text(self.header()[-1]))
        for section, names in self._sections().items():
            lines += [
                "",
                f"#### {MARKDOWN_TITLES[section]}",
                "",
                "| quantity | value |",
                "|---|---:|",
            ]
            lines += [
                f"| ${self._latex_name(style, name)}$ | {format_decimal(self.by_name[name])} |"
                for name in names
            ]
        return "\n".join(lines) + "\n"

    def _repr_latex_(self) -> str:
        """Jupyter (LaTeX front ends): one aligned block, each section under its heading."""
        from .latex.names import NameStyle

        style = NameStyle(self.problem.cell)
        blocks = []
        for section, names in self._sections().items():
            rows = [f"& {LATEX_TITLES[section]}"]
            rows += [
                rf"{self._latex_name(style, name)} &= {format_decimal(self.by_name[name])}"
                for name in names
            ]
            blocks.append(" \\\\ ".join(rows))
        return "$\\begin{aligned}" + r" \\[1ex] ".join(blocks) + r"\end{aligned}$"


#: Section headings in Jupyter (Markdown with math, and LaTeX).
MARKDOWN_TITLES = {
    **SECTION_TITLES,
    "backward": r"Backward pass ($\delta q = \partial L / \partial q$)",
}
LATEX_TITLES = {
    **{section: rf"\textbf{{{title}}}" for section, title in SECTION_TITLES.items()},
    "backward": r"\textbf{Backward pass} \ (\delta q = \partial L / \partial q)",
}


def _markdown_text(text: str) -> str:
    """User text (a title) shown literally in Markdown: its markup characters escaped."""
    return "".join("\\" + char if char in "\\`*_[]<>|#$" else char for char in text)


def _loss_text(problem: Problem) -> str:
    """The header's loss: its name, or that the problem is forward only (no targets)."""
    return "forward only" if problem.forward_only else f"{problem.loss.name} loss"


def _int_width(text: str) -> int:
    return len(text.split(".")[0].split("e")[0])
