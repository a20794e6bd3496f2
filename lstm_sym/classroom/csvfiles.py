"""CSV in and out: a class's roster, the submissions, and the tables a class writes.

Rosters and submissions come from spreadsheets and learning-management systems: they are
untrusted. A file that cannot be read at all (not UTF-8, no header) is one error; in a
submissions file each bad row is reported on its own and the others are read. Text
written to a CSV file that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``)
is prefixed with ``'``: a student named ``=HYPERLINK(…)`` stays a name; control characters
(a carriage return that would start a row) are written as escapes.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, describe, escape_controls, shorten
from ..files import read_regular

#: Largest roster or submissions file read, in bytes.
MAX_BYTES = 64 * 1024 * 1024
#: Most students in a class, and most characters of one field.
MAX_STUDENTS = 10_000
MAX_FIELD = 200
#: A number a spreadsheet shows as a number (and runs nothing).
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
#: Header names accepted for each column (case and spaces ignored).
STUDENT_COLUMNS = ("student", "id", "student_id", "username", "user")
NAME_COLUMNS = ("name", "full_name", "student_name")
ANSWER_COLUMNS = ("answer", "quantity", "question", "name_of_answer")
VALUE_COLUMNS = ("value", "response", "answer_value")


@dataclass(frozen=True)
class Student:
    """One row of a roster: the id (what submissions name) and the name (shown on papers)."""

    id: str
    name: str


@dataclass(frozen=True)
class Row:
    """One row of a submissions file, as written."""

    row: int
    student: str
    answer: str
    value: str


@dataclass(frozen=True)
class BadRow:
    """A row that could not be graded, and why (one line)."""

    row: int
    student: str
    reason: str


def _rows(path: str | Path, what: str) -> list[list[str]]:
    try:
        data = read_regular(path, MAX_BYTES + 1)
        text = data.decode("utf-8-sig")
    except (OSError, ValueError) as error:
        found = shorten(f"{type(error).__name__}: {getattr(error, 'strerror', None) or error}")
        raise InputError("file", f"a readable UTF-8 CSV {what}", found, source=str(path)) from None
    if len(data) > MAX_BYTES:
        raise InputError(
            "file", f"a {what} of at most {MAX_BYTES:,} bytes", "a larger file", source=str(path)
        )
    try:
        return [
            row for row in csv.reader(io.StringIO(text, newline="")) if any(c.strip() for c in row)
        ]
    except csv.Error as error:
        raise InputError("file", f"a CSV {what}", str(error), source=str(path)) from None


def _column(
    header: Sequence[str], names: Sequence[str], path: str | Path, *, needed: bool = True
) -> int | None:
    cleaned = [cell.strip().lower().replace(" ", "_") for cell in header]
    for name in names:
        if name in cleaned:
            return cleaned.index(name)
    if not needed:
        return None
    shown = ", ".join(escape_controls(shorten(c, 20)) for c in header) or "nothing"
    raise InputError(
        "header", f"a first row naming a column {' or '.join(names[:3])}", shown, source=str(path)
    )


def _cell(row: Sequence[str], column: int | None) -> str:
    return row[column].strip() if column is not None and column < len(row) else ""


def _text(value: str, field: str, row: int, source: str) -> str:
    """A field of a roster, checked: not empty, not too long, no control characters."""
    where = f"row {row}: {field}"
    if len(value) > MAX_FIELD:
        raise InputError(where, f"at most {MAX_FIELD} characters", f"{len(value):,}", source=source)
    if not value.isprintable():
        raise InputError(where, "printable text", repr(shorten(value)), source=source)
    return value


def read_roster(path: str | Path) -> list[Student]:
    """The students of a roster CSV (a header row with an ``id`` column, ``name`` optional)."""
    rows = _rows(path, "roster")
    if not rows:
        raise InputError(
            "file",
            "a roster with a header row and a row per student",
            "an empty file",
            source=str(path),
        )
    header, body = rows[0], rows[1:]
    ids, names = (
        _column(header, STUDENT_COLUMNS, path),
        _column(header, NAME_COLUMNS, path, needed=False),
    )
    if not body:
        raise InputError("file", "at least one student", "a header only", source=str(path))
    if len(body) > MAX_STUDENTS:
        raise InputError(
            "file", f"at most {MAX_STUDENTS:,} students", f"{len(body):,}", source=str(path)
        )
    students: list[Student] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(body, start=2):
        ident = _text(_cell(row, ids), "id", number, str(path))
        if not ident:
            raise InputError(
                f"row {number}: id", "a student id", "an empty field", source=str(path)
            )
        if ident in seen:
            raise InputError(
                f"row {number}: id",
                "each student once",
                f"{describe(ident)} again (row {seen[ident]})",
                source=str(path),
            )
        seen[ident] = number
        students.append(
            Student(ident, _text(_cell(row, names), "name", number, str(path)) or ident)
        )
    return students


def read_submissions(path: str | Path) -> tuple[list[Row], list[BadRow]]:
    """The rows of a submissions CSV (student, answer, value), and the rows refused outright."""
    rows = _rows(path, "submissions file")
    if not rows:
        return [], []
    header = rows[0]
    columns = (
        _column(header, STUDENT_COLUMNS, path),
        _column(header, ANSWER_COLUMNS, path),
        _column(header, VALUE_COLUMNS, path),
    )
    good: list[Row] = []
    bad: list[BadRow] = []
    for number, row in enumerate(rows[1:], start=2):
        student, answer, value = (_cell(row, c) for c in columns)
        shown = escape_controls(shorten(student, 40))
        longest = max((student, answer, value), key=len)
        if len(longest) > MAX_FIELD:
            bad.append(
                BadRow(
                    number, shown, f"a field of {len(longest):,} characters (at most {MAX_FIELD})"
                )
            )
        elif not student:
            bad.append(BadRow(number, shown, "no student"))
        elif not answer:
            bad.append(BadRow(number, shown, "no answer name"))
        elif not value:
            bad.append(BadRow(number, shown, f"no value for {escape_controls(answer)}"))
        else:
            good.append(Row(number, student, answer, value))
    return good, bad


def _safe(cell: object) -> str:
    """A cell as written: control characters escaped, a would-be formula defused."""
    text = escape_controls(str(cell))
    if text[:1] in ("=", "+", "-", "@") and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A CSV document (``\\n`` line ends); text that a spreadsheet would run is defused."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([_safe(c) for c in header])
    for row in rows:
        writer.writerow([_safe(c) for c in row])
    return out.getvalue()
