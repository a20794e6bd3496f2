"""Regenerate the pictures in docs/images/.

    python docs/make_images.py [sheets] [diagram]

``sheets``: real pages of solution sheets (needs latexmk and pdftoppm); ``diagram``: the
unrolled cell with its forward and backward flows (needs matplotlib). Default: both. The
benchmark plot is made by ``python benchmarks/scaling.py``, from measurements.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lstm_sym.latex import Sheet  # noqa: E402

#: image name -> (problem file, sheet options, page to show)
PAGES = {
    "sheet-hw6-problem.png": ("examples/hw6.toml", {}, 1),
    "sheet-hw6.png": ("examples/hw6.toml", {}, 3),
    "sheet-batch-vector.png": ("examples/batch_d3_n2.toml", {"view": "vector"}, 5),
}
RESOLUTION = 90


IMAGES = ROOT / "docs" / "images"


def sheets() -> None:
    """Build each sheet, render the chosen page to PNG, write it to docs/images/."""
    images = IMAGES
    images.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        for image, (problem, options, page) in PAGES.items():
            tex = Path(work) / f"{Path(image).stem}.tex"
            pdf = Sheet.load(ROOT / problem, **options).write(tex, pdf=True)
            stem = images / Path(image).stem
            pages = ["-f", str(page), "-l", str(page), "-singlefile"]
            subprocess.run(
                ["pdftoppm", "-png", "-r", str(RESOLUTION), *pages, str(pdf), str(stem)],
                check=True,
            )
            print(f"{stem}.png: page {page} of {problem} {options or ''}".rstrip())


def diagram() -> None:
    """Draw the unrolled cell to docs/images/unrolled-cell.png."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from unrolled_diagram import draw

    IMAGES.mkdir(exist_ok=True)
    print(draw(IMAGES / "unrolled-cell.png"))


MAKERS = {"sheets": sheets, "diagram": diagram}


def main(argv: list[str]) -> None:
    """Make the images named in ``argv`` (all when none is named)."""
    unknown = [name for name in argv if name not in MAKERS]
    if unknown:
        raise SystemExit(f"unknown image set {unknown[0]!r}: choose from {', '.join(MAKERS)}")
    for name in argv or list(MAKERS):
        MAKERS[name]()


if __name__ == "__main__":
    main(sys.argv[1:])
