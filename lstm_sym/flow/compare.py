"""Several cells on the same data: the problem file's ``[flow]`` table.

The file's own cell uses ``[parameters]``; every other cell to compare gets its
parameters from ``[flow.parameters.<cell>]`` — chosen explicitly, so that the comparison
is the one the author meant. Each cell reads the same ``[sequence]`` (inputs, targets,
and the initial states it has; ``c_0`` is simply not read by a GRU) and the same loss::

    [flow]
    cells = ["lstm", "gru", "elman"]   # what --cells compares when not given

    [flow.parameters.elman]
    W_h = 0.5
    U_h = 0.9
    b_h = 0
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..derive.naming import given_gradient
from ..errors import InputError, describe
from ..problem import Problem, problem_from_dict, read_toml

if TYPE_CHECKING:
    from .result import FlowSolution

#: The keys of the ``[flow]`` table.
FLOW_KEYS = ("cells", "parameters")


def flow_table(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """The validated ``[flow]`` table of a problem file's data (empty when there is none)."""
    table = data.get("flow", {})
    if not isinstance(table, Mapping):
        raise InputError("flow", "a table ([flow])", describe(table))
    for key in table:
        if key not in FLOW_KEYS:
            raise InputError("flow", f"keys {', '.join(FLOW_KEYS)}", f"unknown key {key!r}")
    cells = table.get("cells", [])
    if not isinstance(cells, list) or not all(isinstance(c, str) for c in cells):
        raise InputError("flow.cells", "a list of cell names", describe(cells))
    parameters = table.get("parameters", {})
    if not isinstance(parameters, Mapping) or not all(
        isinstance(v, Mapping) for v in parameters.values()
    ):
        raise InputError(
            "flow.parameters", "one table per cell ([flow.parameters.gru])", describe(parameters)
        )
    return table


def default_cells(data: Mapping[str, Any]) -> list[str]:
    """The cells ``[flow] cells`` lists (empty when it lists none)."""
    return list(flow_table(data).get("cells", []))


def cell_problem(data: Mapping[str, Any], cell: str, *, source: str | None = None) -> Problem:
    """The problem of ``data`` with cell ``cell`` (its parameters from ``[flow.parameters]``)."""
    table = flow_table(data)
    own = data.get("cell", "lstm")
    changed = {k: v for k, v in data.items() if k != "flow"}
    if cell != own:
        given = table.get("parameters", {})
        if cell not in given:
            raise InputError(
                f"flow.parameters.{cell}",
                f"the {cell} cell's parameters (a table like [parameters])",
                "nothing",
                source=source,
            )
        changed = {k: v for k, v in changed.items() if k not in ("activations", "head")}
        changed["cell"] = cell
        changed["parameters"] = given[cell]
        changed["sequence"] = _sequences_for(changed.get("sequence"), cell, own)
    return problem_from_dict(changed, source=source)


def _sequences_for(raw: Any, cell: str, own: Any) -> Any:
    """The sequences without the initial states (and given final gradients) ``cell`` lacks."""
    from ..spec.cells import CELLS

    if not isinstance(own, str) or own not in CELLS or cell not in CELLS:
        return raw
    kept = {s.name for s in CELLS[cell].states}
    dropped = {s.name for s in CELLS[own].states} - kept
    keys = {k for s in dropped for k in (f"{s}_0", f"{s}0", given_gradient(s))}

    def strip(seq: Any) -> Any:
        return {k: v for k, v in seq.items() if k not in keys} if isinstance(seq, Mapping) else seq

    return [strip(s) for s in raw] if isinstance(raw, list) else strip(raw)


def load_cells(path: str | Path, cells: Sequence[str] | None = None) -> list[tuple[str, Problem]]:
    """The problem file at ``path`` once per cell (``cells``, else ``[flow] cells``, else its own)."""
    data = read_toml(path)
    source = str(path)
    try:
        chosen = list(cells) if cells else default_cells(data)
    except InputError as error:
        raise error.located(source) from None
    if not chosen:
        problem = problem_from_dict({k: v for k, v in data.items() if k != "flow"}, source=source)
        return [(problem.cell.name, problem)]
    if len(set(chosen)) != len(chosen):
        raise InputError("--cells", "distinct cell names", ",".join(chosen))
    return [(cell, cell_problem(data, cell, source=source)) for cell in chosen]


def flow_entries(
    path: str,
    cells: list[str] | None,
    overrides: list[Any],
    *,
    digits: int,
    end: int | None,
) -> list[tuple[str, FlowSolution]]:
    """(label, flow) for each cell, and for each what-if beside the flow as given."""
    from .certified import GradientFlow

    problems = load_cells(path, cells)
    many = len(problems) > 1
    entries: list[tuple[str, FlowSolution]] = []
    for cell, problem in problems:
        label = cell if many else ""
        if overrides:
            what_if = GradientFlow(problem, overrides)  # checks the names before any work
            entries.append(
                (
                    f"{label}, as given" if many else "as given",
                    GradientFlow(problem).solve(digits, end=end),
                )
            )
            entries.append(
                (f"{label}, what if" if many else "what if", what_if.solve(digits, end=end))
            )
        else:
            entries.append((label, GradientFlow(problem).solve(digits, end=end)))
    return entries


def render(entries: list[tuple[str, FlowSolution]], kind: str) -> str:
    """The entries as text, JSON or CSV (one entry: its own view; several: labelled)."""
    import json

    if len(entries) == 1 and not entries[0][0]:
        flow = entries[0][1]
        return {"text": flow.to_text, "json": flow.to_json, "csv": flow.to_csv}[kind]()
    if kind == "json":
        data = [{"label": label, **flow.to_dict()} for label, flow in entries]
        return json.dumps({"flows": data}, indent=2, ensure_ascii=False) + "\n"
    if kind == "csv":
        from .table import labelled_csv

        return labelled_csv([(label, flow) for label, flow in entries])
    blocks = [f"== {label} ==\n{flow.to_text()}" for label, flow in entries]
    return "\n".join(blocks)
