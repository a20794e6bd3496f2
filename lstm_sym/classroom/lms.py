"""``lstm-sym lms``: a class for a learning-management system (Moodle XML, QTI 2.1).

Both are written from the class folder: the keys of ``class.json`` and each variant's
problem file for the question text. See :mod:`.moodle` and :mod:`.qti` for what each
holds.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from ..files import check_outputs, write_atomic
from .folder import ClassFolder
from .moodle import GROUPS, moodle_xml
from .qti import qti_package
from .question import data_html


def export_lms(
    root: str | Path,
    *,
    moodle: str | Path | None = None,
    group: str = "student",
    qti: str | Path | None = None,
) -> list[Path]:
    """Write the Moodle XML and/or the QTI package of the class at ``root``."""
    if group not in GROUPS:
        raise InputError("--moodle-group", " or ".join(GROUPS), repr(group))
    if moodle is None and qti is None:
        raise InputError("lms", "--moodle FILE.xml and/or --qti FILE.zip", "neither")
    folder = ClassFolder(root)
    record = folder.load()
    check_outputs([p for p in (moodle, qti) if p], [folder.root / "class.json"])
    data = {a.variant: data_html(folder.carried(a).problem()) for a in record.assigned}
    written = []
    if moodle is not None:
        written.append(write_atomic(moodle, moodle_xml(record, data, group)))
    if qti is not None:
        written.append(write_atomic(qti, qti_package(record, data)))
    return written
