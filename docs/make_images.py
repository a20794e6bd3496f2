"""Regenerate the pictures in docs/images/.

    python docs/make_images.py [sheets] [diagram] [classroom]

``sheets``: real pages of solution sheets (needs latexmk and pdftoppm); ``diagram``: the
unrolled cell with its forward and backward flows (needs matplotlib); ``classroom``: a
handout, the key of a solution sheet and a class report of docs/classroom.md's class
(needs latexmk and pdftoppm). Default: all. The benchmark plot is made by
``python benchmarks/scaling.py``, from measurements.
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


def _page(pdf: Path, page: int, image: str) -> None:
    """Page ``page`` of ``pdf`` (-1: the last) as docs/images/``image``."""
    if page < 0:
        info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True)
        page = int(next(x for x in info.stdout.splitlines() if x.startswith("Pages:")).split()[1])
    stem = IMAGES / Path(image).stem
    pages = ["-f", str(page), "-l", str(page), "-singlefile"]
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(RESOLUTION), *pages, str(pdf), str(stem)], check=True
    )
    print(f"{stem}.png: page {page} of {pdf.name}")


def classroom() -> None:
    """docs/classroom.md's class: its first handout, its key, and the class report."""
    from lstm_sym.classroom.classgrade import grade_class
    from lstm_sym.classroom.csvfiles import read_roster
    from lstm_sym.classroom.documents import pdf_bytes, variant_documents
    from lstm_sym.classroom.folder import ClassFolder
    from lstm_sym.classroom.template import load_template
    from lstm_sym.classroom.variants import draw_class

    IMAGES.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        root = Path(work) / "class"
        template = load_template(ROOT / "examples" / "hw6_variants.toml")
        draw_class(template, read_roster(ROOT / "examples" / "class_roster.csv"), str(root))
        folder = ClassFolder(root)
        first = folder.load().assigned[0]
        files = variant_documents(folder.carried(first), True)
        for name, data in files.items():
            (Path(work) / Path(name).name.replace(".", f"-{Path(name).parent}.")).write_bytes(data)
        _page(Path(work) / f"{first.variant}-handouts.pdf", 1, "class-handout.png")
        _page(Path(work) / f"{first.variant}-solutions.pdf", -1, "class-key.png")
        run = grade_class(root, ROOT / "examples" / "class_submissions.csv")
        report = Path(work) / "report.pdf"
        report.write_bytes(pdf_bytes((run.output / "report.tex").read_text()))
        _page(report, 1, "class-report.png")


MAKERS = {"sheets": sheets, "diagram": diagram, "classroom": classroom}


def main(argv: list[str]) -> None:
    """Make the images named in ``argv`` (all when none is named)."""
    unknown = [name for name in argv if name not in MAKERS]
    if unknown:
        raise SystemExit(f"unknown image set {unknown[0]!r}: choose from {', '.join(MAKERS)}")
    for name in argv or list(MAKERS):
        MAKERS[name]()


if __name__ == "__main__":
    main(sys.argv[1:])
