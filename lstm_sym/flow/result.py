"""Certified flow quantities of one problem (a mapping from canonical name to Decimal)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..names import Name, NamedValues
from .naming import path_of, value_name

if TYPE_CHECKING:
    from ..problem import Problem
    from .whatif import Override


class FlowSolution(NamedValues):
    """Every flow quantity correctly rounded to ``digits`` significant digits, by name.

    Names are canonical (``norm_delta_c_1``, ``dcT_dc_direct_0``, ``share_delta_c_via_c_next_1``);
    see :mod:`lstm_sym.flow.quantities` for what each one is.
    """

    def __init__(
        self,
        problem: Problem,
        values: dict[Name, Decimal],
        *,
        digits: int,
        ends: tuple[int, ...],
        overrides: tuple[Override, ...] = (),
        decimals: bool = False,
    ):
        self.problem = problem
        self._name_values(values)
        self.digits = digits
        #: per sequence: the T of ∂s_T/∂s_t
        self.ends = ends
        self.overrides = overrides
        #: whether ``digits`` counts decimal places (else significant digits)
        self.decimals = decimals

    @property
    def states(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.problem.cell.states)

    def bases(self) -> list[str]:
        """The quantities present (without step), in first-seen order."""
        return list(dict.fromkeys(name.base for name in self.by_name))

    def series(self, base: str, seq: int | None = None) -> list[tuple[int, Decimal]]:
        """``(t, value)`` of one quantity over the steps of one sequence (``seq`` 1-based)."""
        label = seq if self.problem.batch > 1 else None
        found = [
            (name.step, value)
            for name, value in self.by_name.items()
            if name.base == base and name.seq == label and not name.index and name.step is not None
        ]
        return sorted((step, value) for step, value in found if step is not None)

    def path_labels(self, state: str) -> list[str]:
        """The labels of the paths into ∂L/∂state_t (``h``, ``c_next``, ``z_o_next``, ...)."""
        return [path for base in self.bases() if (path := path_of(base, state)) is not None]

    def named(self) -> dict[Name, Decimal]:
        """Every value under its own name (``norm_dL_dc_1``, ``dc_2_dc_1``): see
        :mod:`lstm_sym.flow.naming`; what ``solve --flow`` prints and ``check`` accepts."""
        return {
            value_name(name, self.ends[(name.seq or 1) - 1]): value
            for name, value in self.by_name.items()
        }

    # -- views ---------------------------------------------------------------------------
    def to_text(self) -> str:
        """The flow table (one row per step) and the paths of each adjoint."""
        from .table import flow_text

        return flow_text(self)

    def to_dict(self) -> dict[str, Any]:
        """Plain data: every value as a decimal string, with what was computed."""
        from .table import flow_dict

        return flow_dict(self)

    def to_json(self) -> str:
        """:meth:`to_dict` as deterministic, indented JSON."""
        import json

        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def to_csv(self) -> str:
        """One row per (sequence,) step, one column per quantity: the data of the plots."""
        from .table import flow_csv

        return flow_csv(self)
