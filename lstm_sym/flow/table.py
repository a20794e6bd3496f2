"""Text, JSON and CSV views of a :class:`~lstm_sym.flow.result.FlowSolution`."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..derive.naming import NEXT
from ..numbers import format_decimal
from .naming import adjoint_norm

if TYPE_CHECKING:
    from .result import FlowSolution

NORMS = "norms: Euclidean for vectors, spectral (largest singular value) for Jacobians"


def columns(flow: FlowSolution) -> list[tuple[str, str]]:
    """(base name, heading) of the main table's columns, in order."""
    found = set(flow.bases())
    out = [(adjoint_norm(s), f"‖∂L/∂{s}_t‖") for s in flow.states]
    for s in flow.states:
        out.append((f"norm_d{s}T_d{s}", f"‖∂{s}_T/∂{s}_t‖"))
        out.append((f"norm_d{s}T_d{s}_direct", f"direct ‖∂{s}_T/∂{s}_t‖"))
    out += [("norm_J", "‖J_t‖"), ("rho_J", "ρ(J_t)")]
    return [(base, heading) for base, heading in out if base in found]


def _cell(value: Decimal | None) -> str:
    return "" if value is None else format_decimal(value)


def _rows(flow: FlowSolution, bases: list[str], seq: int | None) -> list[list[str]]:
    series = [dict(flow.series(base, seq)) for base in bases]
    steps = sorted({t for s in series for t in s})
    return [[str(t), *(_cell(s.get(t)) for s in series)] for t in steps]


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[k]) for r in [header, *rows]) for k in range(len(header))]
    lines = ["  ".join(text.rjust(w) for text, w in zip(header, widths, strict=True))]
    lines += ["  ".join(text.rjust(w) for text, w in zip(row, widths, strict=True)) for row in rows]
    return lines


def header_lines(flow: FlowSolution) -> list[str]:
    """Title, cell and sizes, what was overridden, digits and norms."""
    p = flow.problem
    sizes = ", ".join(f"{k} = {v}" for k, v in sorted(p.sizes.items()))
    steps = "/".join(str(seq.steps) for seq in p.sequences)
    ends = "/".join(map(str, flow.ends))
    lines = [p.title] if p.title else []
    lines.append(
        f"{p.cell.name} cell, {p.loss.name} loss; {sizes}, T = {steps}; "
        f"{flow.digits} {'decimal places' if flow.decimals else 'significant digits'}, "
        "every digit certified"
    )
    if flow.overrides:
        lines.append("what if: " + "; ".join(o.describe() for o in flow.overrides))
    lines.append(f"{NORMS}; Jacobians end at step {ends}")
    return lines


def flow_text(flow: FlowSolution) -> str:
    """The main table (one row per step), then the paths of each adjoint."""
    lines = header_lines(flow)
    for b in range(flow.problem.batch):
        seq = b + 1 if flow.problem.batch > 1 else None
        if seq is not None:
            lines += ["", f"Sequence {seq}"]
        chosen = columns(flow)
        header = ["t", *(h for _, h in chosen)]
        lines += ["", *_table(header, _rows(flow, [c for c, _ in chosen], seq))]
        for state in flow.states:
            labels = flow.path_labels(state)
            bases = [adjoint_norm(state, label) for label in labels]
            headings = [_path_heading(state, label) for label in labels]
            lines += ["", f"Paths into ∂L/∂{state}_t (norm of each part)"]
            lines += _table(["t", *headings], _rows(flow, bases, seq))
    return "\n".join(lines) + "\n"


def _path_heading(state: str, label: str) -> str:
    """``via c_t+1``, ``via h_t``, ``via z_o_t+1``, ``via ell_t``, ``given``."""
    if label == "terminal":
        return f"given ∂L/∂{state}_T"
    if label.endswith(NEXT):
        return f"via {label.removesuffix(NEXT)}_t+1"
    return f"via {label}_t"


def flow_dict(flow: FlowSolution) -> dict[str, Any]:
    """Plain data: what was computed and every value as a decimal string."""
    p = flow.problem
    return {
        "problem": p.source,
        "title": p.title,
        "cell": p.cell.name,
        "sizes": dict(sorted(p.sizes.items())),
        "steps": [seq.steps for seq in p.sequences],
        "end": list(flow.ends),
        "digits": flow.digits,
        "norms": NORMS,
        "what_if": [o.describe() for o in flow.overrides],
        "values": {str(name): format_decimal(value) for name, value in flow.by_name.items()},
    }


def csv_table(flow: FlowSolution) -> tuple[list[str], dict[tuple[int, int], dict[str, str]]]:
    """The CSV columns of ``flow`` and its rows by (sequence, step)."""
    columns = list(dict.fromkeys(_column(name.base, name.index) for name in flow.by_name))
    rows: dict[tuple[int, int], dict[str, str]] = {}
    for name, value in flow.by_name.items():
        key = (name.seq or 1, name.step or 0)
        rows.setdefault(key, {})[_column(name.base, name.index)] = format_decimal(value)
    return columns, rows


def flow_csv(flow: FlowSolution, label: str | None = None) -> str:
    """One row per step (and sequence), one column per quantity (component names kept)."""
    return labelled_csv([(label, flow)] if label is not None else [(None, flow)])


def labelled_csv(entries: list[tuple[str | None, FlowSolution]]) -> str:
    """Several flows in one CSV: a ``flow`` column with each label, the union of columns."""
    tables = [(label, *csv_table(flow)) for label, flow in entries]
    columns = list(dict.fromkeys(c for _, cols, _ in tables for c in cols))
    labelled = any(label is not None for label, _, _ in tables)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*(["flow"] if labelled else []), "seq", "t", *columns])
    for label, _, rows in tables:
        for (seq, t), row in sorted(rows.items()):
            first = [label] if labelled else []
            writer.writerow([*first, seq, t, *(row.get(c, "") for c in columns)])
    return out.getvalue()


def _column(base: str, index: tuple[int, ...]) -> str:
    return base + (f"[{','.join(map(str, index))}]" if index else "")
