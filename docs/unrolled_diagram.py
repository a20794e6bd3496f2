"""The diagram of an LSTM unrolled over three steps, with the forward and backward flows.

Drawn with matplotlib; ``python docs/make_images.py diagram`` writes
docs/images/unrolled-cell.png.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

FORWARD = "#1f5fbf"
BACKWARD = "#c8321e"
SHARED = "#6b6b6b"
STEPS = 3
SPACING = 3.6
FIRST = 2.9
WIDTH, BOTTOM, TOP = 2.5, 2.3, 4.7


def _arrow(
    ax: Axes,
    start: tuple[float, float],
    end: tuple[float, float],
    color: str,
    *,
    dashed: bool = False,
    width: float = 1.6,
    rad: float = 0.0,
) -> None:
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle="-|>",
            mutation_scale=13,
            color=color,
            linewidth=width,
            linestyle=(0, (4, 2.5)) if dashed else "-",
            connectionstyle=f"arc3,rad={rad}",
            shrinkA=0,
            shrinkB=0,
        )
    )


def _label(ax: Axes, x: float, y: float, text: str, color: str) -> None:
    ax.text(x, y, text, color=color, ha="center", va="center", fontsize=11)


def _cell(ax: Axes, t: int, cx: float) -> None:
    ax.add_patch(
        FancyBboxPatch(
            (cx - WIDTH / 2, BOTTOM),
            WIDTH,
            TOP - BOTTOM,
            boxstyle="round,pad=0.02,rounding_size=0.18",
            facecolor="#f3f6fb",
            edgecolor="#39465a",
            linewidth=1.3,
        )
    )
    lines = [
        rf"$z_{{\ast,{t}}} = W_\ast x_{t} + U_\ast h_{{{t - 1}}} + b_\ast$",
        rf"$f_{t},\ i_{t},\ o_{t} = \sigma(z_{{f,{t}}}),\ \ldots$",
        rf"$\tilde c_{t} = \tanh(z_{{c,{t}}})$",
        rf"$c_{t} = f_{t} \odot c_{{{t - 1}}} + i_{t} \odot \tilde c_{t}$",
        rf"$h_{t} = o_{t} \odot \tanh(c_{t})$",
    ]
    ax.text(cx, TOP - 0.22, f"step {t}", ha="center", va="top", fontsize=10.5, weight="bold")
    for k, line in enumerate(lines):
        ax.text(cx, TOP - 0.62 - 0.36 * k, line, ha="center", va="center", fontsize=9.5)


def draw(path: Path) -> Path:
    """Draw the diagram and write it to ``path`` (PNG)."""
    fig, ax = plt.subplots(figsize=(13.5, 6.6), dpi=110)
    ax.set_xlim(0, 13.6)
    ax.set_ylim(-0.35, 7.3)
    ax.axis("off")
    centers = [FIRST + SPACING * k for k in range(STEPS)]
    c_y, h_y = 4.2, 2.72

    _label(ax, 0.55, c_y + 0.05, r"$c_0$", FORWARD)
    _label(ax, 0.55, h_y - 0.05, r"$h_0$", FORWARD)
    for k, cx in enumerate(centers):
        t = k + 1
        _cell(ax, t, cx)
        left = (0.85 if k == 0 else centers[k - 1] + WIDTH / 2) + 0.05
        right = cx - WIDTH / 2 - 0.05
        mid = (left + right) / 2
        # states forward (above) and their adjoints backward (just below each)
        _arrow(ax, (left, c_y + 0.12), (right, c_y + 0.12), FORWARD)
        _arrow(ax, (left, h_y + 0.12), (right, h_y + 0.12), FORWARD)
        if k > 0:
            _label(ax, mid, c_y + 0.38, rf"$c_{t - 1}$", FORWARD)
            _label(ax, mid, h_y + 0.38, rf"$h_{t - 1}$", FORWARD)
            _arrow(ax, (right, c_y - 0.16), (left, c_y - 0.16), BACKWARD, dashed=True)
            _arrow(ax, (right, h_y - 0.16), (left, h_y - 0.16), BACKWARD, dashed=True)
            _label(ax, mid, c_y - 0.42, rf"$\delta c_{t - 1}$", BACKWARD)
            _label(ax, mid, h_y - 0.42, rf"$\delta h_{t - 1}$", BACKWARD)
        # the step's loss term
        _arrow(ax, (cx - 0.35, TOP + 0.03), (cx - 0.35, 5.55), FORWARD)
        _arrow(ax, (cx + 0.35, 5.55), (cx + 0.35, TOP + 0.03), BACKWARD, dashed=True)
        _label(ax, cx - 0.62, 5.12, rf"$h_{t}$", FORWARD)
        _label(ax, cx + 0.98, 5.12, rf"$h_{t} - y_{t}$", BACKWARD)
        ax.text(
            cx,
            5.85,
            rf"$\ell_{t} = \frac{{1}}{{2}}(y_{t} - h_{t})^2$",
            ha="center",
            va="center",
            fontsize=11,
            bbox={"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": "#39465a"},
        )
        _arrow(ax, (cx + 0.9, 6.1), (11.75, 6.85), FORWARD, width=1.1, rad=-0.08 + 0.03 * k)
        # input from below, shared parameters in, gradient contributions out
        _arrow(ax, (cx, 1.55), (cx, BOTTOM - 0.03), FORWARD)
        _label(ax, cx, 1.35, rf"$x_{t}$", FORWARD)
        _arrow(ax, (cx - 0.85, 0.72), (cx - 0.85, BOTTOM - 0.03), SHARED, width=1.3)
        _arrow(ax, (cx + 0.85, BOTTOM - 0.03), (cx + 0.85, 0.72), BACKWARD, dashed=True)
        ax.text(
            cx + 0.95,
            1.6,
            rf"$\delta z_{{{t}}}\, x_{t}^\top$"
            + "\n"
            + rf"$\delta z_{{{t}}}\, h_{{{t - 1}}}^\top$",
            color=BACKWARD,
            ha="left",
            va="center",
            fontsize=9.5,
        )

    # after the last step: nothing flows back from the future
    end = centers[-1] + WIDTH / 2 + 0.05
    _arrow(ax, (end, c_y + 0.12), (end + 0.7, c_y + 0.12), FORWARD)
    _arrow(ax, (end, h_y + 0.12), (end + 0.7, h_y + 0.12), FORWARD)
    ax.text(end + 0.8, c_y + 0.12, rf"$c_{STEPS}$", color=FORWARD, va="center", fontsize=11)
    ax.text(end + 0.8, h_y + 0.12, rf"$h_{STEPS}$", color=FORWARD, va="center", fontsize=11)
    ax.text(
        end + 0.1,
        (c_y + h_y) / 2,
        "no δ flows in from\nafter the last step:\nthe backward pass\nstarts here",
        color=BACKWARD,
        va="center",
        fontsize=9,
    )
    ax.text(
        12.3,
        6.95,
        r"$L = \sum_t \ell_t$",
        ha="center",
        va="center",
        fontsize=12.5,
        bbox={"boxstyle": "round,pad=0.35", "facecolor": "#fff7e6", "edgecolor": "#39465a"},
    )
    ax.text(
        (centers[0] + centers[-1]) / 2,
        0.38,
        r"parameters $W_\ast, U_\ast, b_\ast$ (shared by every step)      "
        r"$\dfrac{\partial L}{\partial W_\ast} = \sum_t \delta z_{\ast,t}\, x_t^\top,\ \ "
        r"\dfrac{\partial L}{\partial U_\ast} = \sum_t \delta z_{\ast,t}\, h_{t-1}^\top,\ \ "
        r"\dfrac{\partial L}{\partial b_\ast} = \sum_t \delta z_{\ast,t}$",
        ha="center",
        va="center",
        fontsize=10.5,
        bbox={"boxstyle": "round,pad=0.45", "facecolor": "#f4f4f4", "edgecolor": SHARED},
    )
    ax.plot([], [], color=FORWARD, linewidth=1.8, label="forward: values, step 1 → T")
    ax.plot(
        [],
        [],
        color=BACKWARD,
        linewidth=1.8,
        linestyle=(0, (4, 2.5)),
        label=r"backward: adjoints $\delta q = \partial L/\partial q$, step T → 1",
    )
    ax.legend(loc="upper left", frameon=False, fontsize=10.5, bbox_to_anchor=(0.0, 1.0))
    fig.savefig(path, bbox_inches="tight", facecolor="white")
    plt.close(fig)
    return path
