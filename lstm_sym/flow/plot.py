"""Plots of the gradient flow over t, on a log scale (matplotlib, imported only here).

Two panels: on the left the adjoints ‖∂L/∂s_t‖, on the right the Jacobians ‖∂s_T/∂s_t‖
(every path, and the direct path where the cell has one). Each flow solution (a cell, or
a what-if) gets its own colour; the quantities are told apart by line style. Values are
plotted as log₁₀ of the certified decimals, so values far below the float range (10⁻⁵⁰⁰
after 1,000 vanishing steps) still plot; a zero leaves a gap.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import InputError, LstmSymError
from ..files import write_atomic
from .naming import adjoint_norm
from .result import FlowSolution

FORMATS = ("png", "pdf", "svg")
COLOURS = ("#1f4e9c", "#c0392b", "#2e8b57", "#8e44ad", "#d68910", "#5d6d7e")
#: state -> line style of its adjoint and full-Jacobian lines
STYLES = {"h": "-", "c": "--"}
DIRECT = ":"


class MissingPlotting(LstmSymError):
    """matplotlib is not installed."""


def _log10(value: Decimal) -> float:
    return float(value.log10()) if value > 0 else float("nan")


def _pyplot_free_figure() -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingPlotting(
            "plotting needs matplotlib: pip install 'lstm_sym[docs]' (or pip install matplotlib)"
        ) from None
    return Figure(figsize=(10, 4.2), layout="constrained")


def plot_format(path: str | Path) -> str:
    """The image format of ``path`` from its suffix (png, pdf or svg)."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise InputError("--plot", "a file name ending in .png, .pdf or .svg", repr(str(path)))
    return suffix


def flow_figure(entries: Sequence[tuple[str, FlowSolution]], *, title: str = "") -> Any:
    """The matplotlib figure of ``entries`` (label, flow) — one colour per entry."""
    figure = _pyplot_free_figure()  # first: the one clear error when matplotlib is missing
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    adjoints, jacobians = figure.subplots(1, 2, sharex=True)
    for k, (label, flow) in enumerate(entries):
        colour = COLOURS[k % len(COLOURS)]
        prefix = f"{label}: " if label else ""
        for state in flow.states:
            style = STYLES.get(state, "-.")
            _line(adjoints, flow, adjoint_norm(state), colour, style, f"{prefix}‖∂L/∂{state}_t‖")
            _line(
                jacobians,
                flow,
                f"norm_d{state}T_d{state}",
                colour,
                style,
                f"{prefix}‖∂{state}_T/∂{state}_t‖",
            )
            _line(
                jacobians,
                flow,
                f"norm_d{state}T_d{state}_direct",
                colour,
                DIRECT,
                f"{prefix}direct path of ∂{state}_T/∂{state}_t",
            )
    power = FuncFormatter(lambda y, _: f"$10^{{{round(y)}}}$")
    for axes, heading in (
        (adjoints, "adjoints ‖∂L/∂s_t‖"),
        (jacobians, "Jacobians ‖∂s_T/∂s_t‖ (T: end step)"),
    ):
        axes.set_title(heading)
        axes.set_xlabel("step t")
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        _decades(axes)
        axes.yaxis.set_major_formatter(power)
        axes.grid(True, alpha=0.3)
        axes.legend(fontsize="small")
    if title:
        figure.suptitle(title)
    return figure


def _decades(axes: Any) -> None:
    """A y axis of whole decades (log₁₀ values), minor ticks at 2..9 × 10^k when few."""
    from matplotlib.ticker import FixedLocator, MaxNLocator

    steps = [x for line in axes.get_lines() for x in line.get_xdata()]
    if steps:
        axes.set_xlim(min(steps), max(steps))
    values = [y for line in axes.get_lines() for y in line.get_ydata() if math.isfinite(y)]
    if not values:
        return
    low, high = math.floor(min(values)), math.ceil(max(values))
    high = max(high, low + 1)
    axes.set_ylim(low, high)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=8))
    if high - low <= 8:
        minor = [k + math.log10(m) for k in range(low, high) for m in range(2, 10)]
        axes.yaxis.set_minor_locator(FixedLocator(minor))


def _line(axes: Any, flow: FlowSolution, base: str, colour: str, style: str, label: str) -> None:
    series = flow.series(base, 1)
    if not series:
        return
    steps = [t for t, _ in series]
    axes.plot(
        steps, [_log10(v) for _, v in series], style, color=colour, label=label, linewidth=1.6
    )


def plot_bytes(entries: Sequence[tuple[str, FlowSolution]], kind: str, *, title: str = "") -> bytes:
    """The plot of ``entries`` as a ``kind`` file's bytes (same input, same bytes)."""
    figure = flow_figure(entries, title=title)
    buffer = io.BytesIO()
    metadata: dict[str, Any] = {"png": {"Software": None}, "pdf": {"CreationDate": None}}.get(
        kind, {"Date": None}
    )
    import matplotlib

    with matplotlib.rc_context({"svg.hashsalt": "lstm_sym", "pdf.compression": 6}):
        figure.savefig(buffer, format=kind, dpi=110, metadata=metadata)
    return buffer.getvalue()


def save_plot(
    entries: Sequence[tuple[str, FlowSolution]], path: str | Path, *, title: str = ""
) -> Path:
    """Write the plot of ``entries`` to ``path`` atomically (same input, same bytes)."""
    return write_atomic(path, plot_bytes(entries, plot_format(path), title=title))
