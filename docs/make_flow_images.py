"""Regenerate the gradient-flow pictures of docs/flow.md in docs/images/.

    python docs/make_flow_images.py

Each picture is what ``lstm-sym flow ... --plot FILE`` draws for the command shown beside
it in docs/flow.md (the same functions: ``flow_entries`` and ``save_plot``; only the
forget-bias picture has a title of its own).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lstm_sym.flow.compare import flow_entries  # noqa: E402
from lstm_sym.flow.plot import save_plot  # noqa: E402
from lstm_sym.flow.whatif import Override  # noqa: E402
from lstm_sym.numbers import parse_number  # noqa: E402

IMAGES = ROOT / "docs" / "images"

#: image -> (problem file, cells, overrides, title) — the command's arguments in docs/flow.md
PICTURES = {
    # lstm-sym flow examples/hw6.toml --set f=0.001 --at 2 --plot flow-hw6-what-if.png
    "flow-hw6-what-if.png": (
        "examples/hw6.toml",
        None,
        [Override("f", parse_number("0.001", "f"), (2,))],
        "",
    ),
    # lstm-sym flow examples/flow_cells.toml --plot flow-cells.png
    "flow-cells.png": ("examples/flow_cells.toml", None, [], ""),
    # lstm-sym flow examples/flow_cells.toml --cells lstm --shift f=-4 --plot flow-forget-bias.png
    "flow-forget-bias.png": (
        "examples/flow_cells.toml",
        ["lstm"],
        [Override("f", parse_number("-4", "f"), (), shift=True)],
        "The LSTM of flow_cells.toml, and what if its forget-gate bias were 0 (z_f − 4)",
    ),
}


def main() -> None:
    """Compute each picture's flows (6 certified digits, as the command) and plot them."""
    IMAGES.mkdir(exist_ok=True)
    for image, (problem, cells, overrides, title) in PICTURES.items():
        entries = flow_entries(str(ROOT / problem), cells, overrides, digits=6, end=None)
        save_plot(entries, IMAGES / image, title=title or entries[0][1].problem.title)
        print(f"docs/images/{image}")


if __name__ == "__main__":
    main()
