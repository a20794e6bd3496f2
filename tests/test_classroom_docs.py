"""docs/classroom.md works as written: roster to grades for 40 students, as the page shows.

The page's commands run one after another in one folder, each printing exactly what the
page shows; then the class they made is checked: 40 distinct fair variants, 40 handouts
and solution sheets, 40 graded synthetic submissions with feedback and a class report,
and a Moodle XML file and a QTI package that validate.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import shlex
from collections import Counter
from pathlib import Path

import pytest
from classroom_checks import check_variants, qti_items, validate_moodle, validate_qti

from lstm_sym.classroom.synthetic import synthetic_submissions
from lstm_sym.cli import main

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "classroom.md"


def _commands() -> list[tuple[list[str], str]]:
    found = []
    for block in re.findall(r"```console\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S):
        lines = block.splitlines()
        for i, line in enumerate(lines):
            if line.startswith("$ "):
                shown = []
                for following in lines[i + 1 :]:
                    if following.startswith("$ "):
                        break
                    shown.append(following)
                found.append((shlex.split(line[2:]), "\n".join(shown).strip()))
    return found


@pytest.fixture(scope="module")
def classroom(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The page's commands, run in one folder; each prints what the page shows."""
    folder = tmp_path_factory.mktemp("classroom")
    (folder / "examples").symlink_to(ROOT / "examples")
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.chdir(folder)
    try:
        for args, expected in _commands():
            assert args[0] == "lstm-sym"
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(args[1:])
            shown = (out.getvalue() + err.getvalue()).strip()
            assert [line.rstrip() for line in shown.splitlines()] == expected.splitlines(), args
            assert code == (1 if "rows not graded" in expected else 0), args
    finally:
        monkeypatch.undo()
    return folder


def test_the_commands_print_what_the_page_shows(classroom: Path) -> None:
    """Every command of the page ran and printed what the page shows (the fixture checks)."""
    assert (classroom / "class" / "class.json").is_file()


def test_forty_distinct_fair_variants(classroom: Path) -> None:
    """40 variants, every one fair when judged again, no two sharing an asked answer."""
    check_variants(classroom / "class", 40)


def test_handouts_and_keys(classroom: Path) -> None:
    """40 handouts without values or backward equations; 40 solution sheets ending with the key."""
    record = json.loads((classroom / "class" / "class.json").read_text())
    for v in record["variants"]:
        handout = (classroom / "class" / "handouts" / f"{v['variant']}.tex").read_text()
        solution = (classroom / "class" / "solutions" / f"{v['variant']}.tex").read_text()
        assert r"\delta" not in handout and "Backward" not in handout
        assert all(k["value"] not in handout for k in v["key"])
        assert all(k["value"] in solution for k in v["key"])
        assert "What to compute" in handout and r"\section*{Key}" in solution


def test_the_submissions_are_the_synthetic_ones(classroom: Path) -> None:
    """examples/class_submissions.csv is what lstm_sym.classroom.synthetic writes for the class."""
    written = synthetic_submissions(classroom / "class")
    assert written == (ROOT / "examples" / "class_submissions.csv").read_text(encoding="utf-8"), (
        "regenerate examples/class_submissions.csv with synthetic_submissions (see its docstring)"
    )


def test_forty_graded_with_feedback_and_a_class_report(classroom: Path) -> None:
    """Every student graded; the mix of verdicts; feedback per student; the class report."""
    grades = classroom / "class" / "grades"
    with open(grades / "grades.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 40
    verdicts = Counter(row[name] for row in rows for name in list(row)[7:])
    for verdict in ("correct", "truncated", "rounding drift", "follow-through", "wrong", "missing"):
        assert verdicts[verdict] > 0, verdict
    assert {row["score"] for row in rows} >= {"9", "3"}
    assert len(list((grades / "feedback").glob("*.md"))) == 40
    assert len(list((grades / "feedback").glob("*.tex"))) == 40
    report = (grades / "report.md").read_text()
    assert "bias_left_out" in report and "Rows not graded: 17" in report
    with open(grades / "rows.csv", newline="") as handle:
        bad = list(csv.DictReader(handle))
    assert len(bad) == 17 and any("unknown student" in b["reason"] for b in bad)
    strict = (classroom / "strict" / "grades.csv").read_text().splitlines()
    assert [r["score"] for r in csv.DictReader(strict)] != [r["score"] for r in rows]


def test_moodle_and_qti_validate(classroom: Path) -> None:
    """The Moodle XML and the QTI package validate against their schemas."""
    validate_moodle(classroom / "class-moodle.xml")
    validate_qti(classroom / "class-qti.zip")
    assert len(qti_items(classroom / "class-qti.zip")) == 40
