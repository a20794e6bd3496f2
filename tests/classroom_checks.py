"""What a drawn, graded and exported class must satisfy (shared by the class tests)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from optional import CLASS, need_modules

from lstm_sym.classroom.fairness import assess
from lstm_sym.classroom.folder import ClassFolder
from lstm_sym.problem import load_problem

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "tests" / "data" / "schemas"


def check_variants(root: Path, students: int) -> None:
    """``students`` distinct fair variants, each with a problem file and a key."""
    record = ClassFolder(root).load()
    assert len(record.assigned) == students
    seen: dict[tuple[str, str], str] = {}
    for a in record.assigned:
        problem = load_problem(root / "variants" / f"{a.variant}.toml")
        judged = assess(problem, record.config)
        assert judged.fair, (a.variant, judged.refusals)
        key = json.loads((root / "keys" / f"{a.variant}.json").read_text())
        assert [k["value"] for k in key["answers"]] == [k.value for k in judged.key]
        for k in judged.key:
            other = seen.setdefault((k.name, k.value), a.variant)
            assert other == a.variant, f"{a.variant} and {other} share {k.name} = {k.value}"


def validate_moodle(path: Path) -> None:
    xmlschema = need_modules(CLASS, "xmlschema")["xmlschema"]
    xmlschema.XMLSchema11(str(SCHEMAS / "moodle_quiz.xsd")).validate(str(path))


def validate_qti(path: Path) -> None:
    xmlschema = need_modules(CLASS, "xmlschema")["xmlschema"]
    items = xmlschema.XMLSchema(str(SCHEMAS / "imsqti_v2p1_subset.xsd"))
    manifest = xmlschema.XMLSchema(str(SCHEMAS / "imscp_v1p1_subset.xsd"))
    with zipfile.ZipFile(path) as package:
        names = package.namelist()
        manifest.validate(package.read("imsmanifest.xml").decode("utf-8"))
        for name in names:
            if name.startswith("items/"):
                items.validate(package.read(name).decode("utf-8"))


def qti_items(path: Path) -> list[str]:
    """The items of a QTI package."""
    with zipfile.ZipFile(path) as package:
        return [n for n in package.namelist() if n.startswith("items/")]
