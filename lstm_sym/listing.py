"""What ``lstm-sym cells`` prints: every built-in cell as text or JSON, from its data."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .frameworks.layouts import FRAMEWORKS, LAYOUTS
from .spec.activations import descriptions
from .spec.cells import CELLS, Cell, get_cell
from .spec.heads import HEADS


def _selected(names: Sequence[str]) -> list[Cell]:
    return [get_cell(name, field="NAME") for name in names] if names else list(CELLS.values())


def _shape(cell: Cell, name: str) -> str:
    return "×".join(cell.param(name).shape)


def describe(cell: Cell) -> dict[str, Any]:
    """A cell as plain data (what the JSON listing holds for it)."""
    return {
        "name": cell.name,
        "family": cell.family,
        "description": cell.description,
        "equations": cell.equations_text(),
        "parameters": {p.name: list(p.shape) for p in cell.params},
        "states": {s.name: s.size for s in cell.states},
        "input": {cell.input: cell.input_size},
        "output": cell.output,
        "activations": cell.activation_choice(),
        "layouts": sorted({layout.framework for layout in LAYOUTS if layout.cell == cell.name}),
        "reference": cell.reference,
        "conventions": dict(cell.conventions),
    }


def cells_json(names: Sequence[str] = ()) -> str:
    """The cells, activations, heads and layouts as deterministic JSON."""
    data = {
        "cells": [describe(cell) for cell in _selected(names)],
        "activations": descriptions(),
        "heads": {head.name: head.description for head in HEADS.values()},
        "layouts": FRAMEWORKS,
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def cells_text(names: Sequence[str] = ()) -> str:
    """One block per cell: name and description, parameters, states, activations, equations."""
    blocks = []
    for cell in _selected(names):
        params = ", ".join(f"{p.name} ({_shape(cell, p.name)})" for p in cell.params)
        lines = [f"{cell.name}  [{cell.family}]", f"  {cell.description}"]
        lines.append(f"  parameters: {params}")
        lines.append(f"  states: {', '.join(s.name for s in cell.states)}")
        if cell.activations:
            chosen = ", ".join(f"{k} = {v}" for k, v in cell.activation_choice().items())
            lines.append(f"  activations: {chosen}")
        layouts = sorted({layout.framework for layout in LAYOUTS if layout.cell == cell.name})
        if layouts:
            lines.append(f"  layouts: {', '.join(layouts)}")
        lines.extend(f"    {text}" for text in cell.equations_text())
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"
