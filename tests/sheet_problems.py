"""Small problems for any cell, for sheet tests: every size 2, two steps, simple numbers."""

from __future__ import annotations

import lstm_sym
from lstm_sym.problem import problem_from_dict
from lstm_sym.spec.cells import Cell


def problem_for(cell: Cell, loss: str = "half_sse", batch: int = 1) -> lstm_sym.Problem:
    """A small problem for any registered cell: every size 2, two steps, simple numbers."""
    sizes = {d for p in cell.params for d in p.shape} | {cell.input_size} - {"1"}
    size = dict.fromkeys(sizes, 2)
    counter = iter(range(1, 10_000))

    def number() -> str:
        return f"{(next(counter) % 7 - 3) / 10}"

    def vector(dim: str) -> list[str]:
        return [number() for _ in range(size.get(dim, 1))]

    params = {
        p.name: [vector(p.shape[1]) for _ in range(size.get(p.shape[0], 1))]
        if p.is_matrix
        else vector(p.shape[0])
        for p in cell.params
    }
    output = cell.quantity_dims()[cell.output]
    key = "y" if loss != "upstream" else "dL_dh"
    sequences = [
        {cell.input: [vector(cell.input_size) for _ in range(2)], key: [vector(output), "none"]}
        for _ in range(batch)
    ]
    return problem_from_dict(
        {"cell": cell.name, "loss": loss, "parameters": params, "sequence": sequences}
    )
