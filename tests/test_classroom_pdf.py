"""A class's PDFs: handouts give nothing away, solution sheets end with the key, feedback builds."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from optional import need_latex

from lstm_sym.classroom.csvfiles import csv_text
from lstm_sym.cli import main

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "examples" / "hw6_variants.toml"

pytestmark = pytest.mark.latex


def _text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_handouts_solutions_feedback_and_report_build(tmp_path: Path) -> None:
    """Two students: every PDF builds; a handout holds no value and no backward equation."""
    need_latex()
    root = tmp_path / "class"
    assert main(["variants", str(TEMPLATE), "--count", "2", "-o", str(root)]) == 0
    assert main(["handouts", str(root), "--pdf", "--jobs", "2"]) == 0
    record = json.loads((root / "class.json").read_text())
    for variant in record["variants"]:
        name = variant["variant"]
        handout = _text(root / "handouts" / f"{name}.pdf")
        solution = _text(root / "solutions" / f"{name}.pdf")
        assert "What to compute" in handout and "Student" in handout
        assert "δ" not in handout and "Backward" not in handout
        for key in variant["key"]:
            assert key["value"] not in handout
            assert key["value"].replace("-", "−") in solution or key["value"] in solution
    submissions = tmp_path / "submissions.csv"
    rows = [("1", k["name"], k["value"]) for k in record["variants"][0]["key"]]
    submissions.write_text(csv_text(("student", "answer", "value"), rows), encoding="utf-8")
    assert main(["grade", str(root), str(submissions), "--pdf"]) == 0
    feedback = _text(root / "grades" / "feedback" / "v001.pdf")
    assert "9 of 9 points" in feedback
    assert "2 students, 1 submitted" in _text(root / "grades" / "report.pdf")
    assert (root / "grades" / "feedback" / "v002.pdf").is_file()
