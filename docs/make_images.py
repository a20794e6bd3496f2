"""Regenerate the pictures of real sheet pages in docs/images/ (needs latexmk and pdftoppm).

python docs/make_images.py
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
    "sheet-hw6.png": ("examples/hw6.toml", {}, 3),
    "sheet-batch-vector.png": ("examples/batch_d3_n2.toml", {"view": "vector"}, 5),
}
RESOLUTION = 90


def main() -> None:
    """Build each sheet, render the chosen page to PNG, write it to docs/images/."""
    images = ROOT / "docs" / "images"
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


if __name__ == "__main__":
    main()
