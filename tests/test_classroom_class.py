"""A class end to end on a few students: untrusted rosters and submissions, grading, exports."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from classroom_checks import check_variants, qti_items, validate_moodle, validate_qti
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lstm_sym.classroom.classgrade import grade_class
from lstm_sym.classroom.csvfiles import csv_text, read_roster, read_submissions
from lstm_sym.classroom.documents import write_handouts
from lstm_sym.classroom.folder import ClassFolder
from lstm_sym.classroom.lms import export_lms
from lstm_sym.classroom.template import load_template
from lstm_sym.classroom.variants import draw_class
from lstm_sym.cli import main
from lstm_sym.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "examples" / "hw6_variants.toml"
#: A roster a spreadsheet could hand over: markup, formulas and accents in the names.
HOSTILE = (
    "id,name\n"
    'a1,"\\input{/etc/passwd} $x$ & 100% #1 ~_^"\n'
    'a2,=HYPERLINK("http://x")\n'
    "a3,Zoë O'Brien\n"
)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three students with hostile names: variants, handouts and solution sheets (LaTeX)."""
    work = tmp_path_factory.mktemp("small")
    (work / "roster.csv").write_text(HOSTILE, encoding="utf-8")
    template = load_template(TEMPLATE)
    draw_class(template, read_roster(work / "roster.csv"), str(work / "class"))
    write_handouts(work / "class")
    return work


def test_variants_are_fair_distinct_and_reproducible(small: Path, tmp_path: Path) -> None:
    """Drawing again, in two processes, gives the same files, byte for byte."""
    check_variants(small / "class", 3)
    template = load_template(TEMPLATE)
    draw_class(template, read_roster(small / "roster.csv"), str(tmp_path / "again"), jobs=2)
    for name in ("class.json", "keys.csv", "summary.md", "variants/v002.toml", "keys/v003.json"):
        assert (tmp_path / "again" / name).read_bytes() == (small / "class" / name).read_bytes()


def test_names_are_escaped_everywhere(small: Path) -> None:
    """Roster names reach LaTeX escaped, Markdown escaped and CSV defused."""
    handout = (small / "class" / "handouts" / "v001.tex").read_text()
    assert r"\input{/etc/passwd}" not in handout and r"\textbackslash{}input" in handout
    summary = (small / "class" / "summary.md").read_text()
    assert r"\\input" in summary and r"\$x\$" in summary and r"\~\_^" in summary
    rows = list(csv.reader(io.StringIO((small / "class" / "summary.csv").read_text())))
    assert rows[2][2] == '\'=HYPERLINK("http://x")'
    solution = (small / "class" / "solutions" / "v003.tex").read_text()
    assert r"Zo\"{e} O'{}Brien (a3), variant v003" in solution


def _key(root: Path, variant: str) -> list[dict[str, str]]:
    return json.loads((root / "keys" / f"{variant}.json").read_text())["answers"]


def test_grading_every_kind_of_row(small: Path) -> None:
    """Right, truncated, too few places, follow-through; bad rows reported, never fatal."""
    root = small / "class"
    one, two = _key(root, "v001"), _key(root, "v002")
    rows = [("a1", k["name"], k["value"]) for k in one]
    rows += [("a2", k["name"], k["truncated"]) for k in two[:2]]
    rows += [
        ("a2", "L", "0.5"),  # one place: too few
        ("a2", "h_1", "0.1"),  # answered again
        ("a2", "dL_dW_i", "0.1"),  # a whole matrix in one number
        ("a2", "h 9", "0.1"),  # no such quantity
        ("a3", "h_1", "zero"),  # not a number
        ("nobody", "h_1", "0.1"),  # not in the class
        ("a3", "", "0.1"),  # no name
        ("a3", "h_2", ""),  # no value
    ]
    submissions = small / "submissions.csv"
    submissions.write_text(csv_text(("student", "answer", "value"), rows), encoding="utf-8")
    run = grade_class(root, submissions, output=small / "grades")
    first, second, third = run.graded
    assert first.score == first.total == 9
    assert [s.category for s in second.scored][:2] == [
        "truncated" if k["truncated"] != k["value"] else "correct" for k in two[:2]
    ]
    assert {s.name: s.category for s in second.scored}["L"] == "few_places"
    assert third.report is None and {s.category for s in third.scored} == {"missing"}
    reasons = {b.row: b.reason for b in run.bad}
    assert sorted(reasons) == [14, 15, 16, 17, 18, 19, 20]  # row 1 is the header
    assert "answered again (row 11 is graded)" in reasons[14]
    assert "several components" in reasons[15] and "unknown answer name" in reasons[16]
    assert "not a number" in reasons[17] and "unknown student" in reasons[18]
    assert reasons[19] == "no answer name" and reasons[20] == "no value for h_2"
    feedback = (small / "grades" / "feedback" / "v003.md").read_text()
    assert "No answers were received." in feedback and "row 17" in feedback
    assert r"\\input" in (small / "grades" / "feedback" / "v001.md").read_text()
    latex = (small / "grades" / "feedback" / "v001.tex").read_text()
    assert r"\input{" not in latex.replace(r"\input{glyphtounicode}", "")


def test_a_submissions_file_that_cannot_be_read(small: Path, tmp_path: Path) -> None:
    """Not UTF-8, or no header naming the columns: one error for the file."""
    bad = tmp_path / "s.csv"
    bad.write_bytes(b"student,answer,value\na1,h_1,\xff\n")
    with pytest.raises(InputError, match=r"s\.csv: file: expected a readable UTF-8 CSV"):
        read_submissions(bad)
    bad.write_text("who,what,how much\na1,h_1,0.1\n")
    with pytest.raises(InputError, match=r"header: expected a first row naming a column student"):
        read_submissions(bad)
    (tmp_path / "empty.csv").write_text("")
    assert read_submissions(tmp_path / "empty.csv") == ([], [])


@pytest.mark.parametrize(
    ("roster", "message"),
    [
        (
            "id,name\na,A\na,B\n",
            r"row 3: id: expected each student once, found 'a' again \(row 2\)",
        ),
        ("id,name\n,A\n", r"row 2: id: expected a student id, found an empty field"),
        ("name\nA\n", r"header: expected a first row naming a column student or id"),
        ("id\n", r"file: expected at least one student, found a header only"),
        ("id,name\na,\x1b[2J\n", r"row 2: name: expected printable text"),
    ],
)
def test_bad_rosters(tmp_path: Path, roster: str, message: str) -> None:
    """A roster's mistakes are one line naming the row and the column."""
    path = tmp_path / "roster.csv"
    path.write_text(roster)
    with pytest.raises(InputError, match=message):
        read_roster(path)


def test_exports_validate_and_match_the_keys(small: Path, tmp_path: Path) -> None:
    """Moodle XML (both groupings) and QTI validate; answers and tolerances follow the keys."""
    moodle, by_question, qti = tmp_path / "m.xml", tmp_path / "q.xml", tmp_path / "p.zip"
    export_lms(small / "class", moodle=moodle, qti=qti)
    export_lms(small / "class", moodle=by_question, group="question")
    for path in (moodle, by_question):
        validate_moodle(path)
    validate_qti(qti)
    assert len(qti_items(qti)) == 3
    quiz = ET.parse(moodle).getroot()
    categories = [q.findtext("category/text") for q in quiz if q.get("type") == "category"]
    assert len(categories) == 3 and categories[0].endswith("/v001 a1")
    first = next(q for q in quiz if q.get("type") == "numerical")
    key = _key(small / "class", "v001")[0]
    assert (
        first.findtext("answer/text") == key["value"]
        and first.findtext("answer/tolerance") == "0.000005"
    )
    grouped = ET.parse(by_question).getroot()
    category = next(q for q in grouped if q.get("type") == "category")
    assert category.findtext("category/text", "").endswith("/h_1")
    export_lms(small / "class", qti=tmp_path / "p2.zip")
    assert (tmp_path / "p2.zip").read_bytes() == qti.read_bytes()  # the same bytes each time


def test_command_line_errors_are_one_line(
    small: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bad arguments and a non-empty output folder: exit 2, one line, nothing written."""
    out = str(tmp_path / "c")
    template, roster = str(TEMPLATE), str(small / "roster.csv")
    commands = [
        ["variants", template, "--count", "2", "-o", str(small / "class")],
        ["variants", template, "--count", "0", "-o", out],
        ["variants", template, "--count", "2", "--jobs", "0", "-o", out],
        ["variants", template, "--count", "2", "--executor", "tcp://x", "-o", out],
        ["grade", str(tmp_path), roster],
        ["lms", str(small / "class")],
        ["grade", str(small / "class"), roster, "--points", "great=1"],
    ]
    assert [main(argv) for argv in commands] == [2] * len(commands)
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == len(commands)
    assert all(line.startswith("lstm-sym: error: ") for line in errors)
    assert "expected a new or empty folder" in errors[0]
    assert not (tmp_path / "c").exists()


def test_the_record_reads_back(small: Path) -> None:
    """class.json reads back as the record that was written."""
    record = ClassFolder(small / "class").load()
    assert record.to_json() == (small / "class" / "class.json").read_text()


def test_a_hostile_title_stays_text(tmp_path: Path) -> None:
    """A title with markup and a control character: valid XML, escaped HTML and LaTeX."""
    from lstm_sym.classroom.template import template_from_dict
    from lstm_sym.problem import read_toml

    data = read_toml(TEMPLATE)
    data["title"] = "<b>A & B</b> \x07 \\input{x} ]]>"
    template = template_from_dict(data)
    draw_class(
        template, read_roster(ROOT / "examples" / "class_roster.csv")[:2], str(tmp_path / "c")
    )
    write_handouts(tmp_path / "c")
    export_lms(tmp_path / "c", moodle=tmp_path / "m.xml", qti=tmp_path / "q.zip")
    validate_moodle(tmp_path / "m.xml")
    validate_qti(tmp_path / "q.zip")
    text = ET.parse(tmp_path / "m.xml").getroot().findtext("question/category/text", "")
    assert "\\x07" in text and "<b>A & B<//b>" in text  # a / doubled in a category path
    question = ET.parse(tmp_path / "m.xml").getroot().findtext("question/questiontext/text", "")
    assert "&lt;b&gt;A &amp; B&lt;/b&gt;" in question
    assert r"\input{x}" not in (tmp_path / "c" / "handouts" / "v001.tex").read_text()


@settings(max_examples=10, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_any_submissions_text_grades_or_is_one_error(small: Path, text: str) -> None:
    """Whatever a submissions file holds, grading ends with grades or one InputError."""
    path = small / "fuzz.csv"
    path.write_text("student,answer,value\n" + text, encoding="utf-8")
    try:
        run = grade_class(small / "class", path, output=small / "fuzz")
    except InputError as error:
        assert "\n" not in str(error)
    else:
        assert len(run.graded) == 3


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200))
def test_any_roster_bytes_read_or_are_one_error(tmp_path: Path, data: bytes) -> None:
    """Whatever a roster holds, it reads as students or is refused in one line."""
    path = tmp_path / "roster.csv"
    path.write_bytes(b"id,name\n" + data)
    try:
        students = read_roster(path)
    except InputError as error:
        assert "\n" not in str(error)
    else:
        assert students and all(s.id.isprintable() and s.id for s in students)


@settings(max_examples=10, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.text(max_size=30), st.text(max_size=30)), max_size=6))
def test_any_answers_of_a_student_grade(small: Path, rows: list[tuple[str, str]]) -> None:
    """A known student's rows with any names and values: graded, or each reported as bad."""
    path = small / "fuzz-rows.csv"
    path.write_text(csv_text(("student", "answer", "value"), [("a1", *r) for r in rows]))
    try:
        run = grade_class(small / "class", path, output=small / "fuzz-rows")
    except InputError as error:  # a field the CSV reader refuses (a NUL, a lone quote)
        assert "\n" not in str(error)
    else:
        graded_rows = sum(1 for s in run.graded[0].scored if s.written)
        assert graded_rows + len(run.bad) <= len(rows)
