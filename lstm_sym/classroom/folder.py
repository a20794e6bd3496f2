"""A class folder: where each file of a class lives, and its record ``class.json``.

::

    class.json            the record: template, settings, seed, who got which variant
    summary.md, .csv      which variant went to whom, and the spread of the answers
    keys.csv              every asked value of every variant, at the places graded
    variants/v001.toml    each variant's problem file
    keys/v001.json, .csv  each variant's key
    handouts/v001.tex/.pdf   the problem sheet (lstm-sym handouts)
    solutions/v001.tex/.pdf  the solution sheet, the key as a document
    grades/...            what lstm-sym grade writes
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..files import read_regular, write_atomic
from ..problem import Problem, loads_problem
from .config import ClassConfig

RECORD = "class.json"
FORMAT = "lstm-sym class 1"
#: Largest variant problem file read back.
MAX_PROBLEM = 64 * 1024 * 1024


@dataclass(frozen=True)
class Assigned:
    """One student's variant: ids, name, how many draws it took and why others were refused."""

    variant: str
    student: str
    name: str
    draws: int
    refused: tuple[str, ...] = ()
    #: each asked scalar: name, places, value (the key), as in keys/<variant>.json
    key: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class Carried:
    """One variant as a task carries it to any worker: its problem file's text and its student."""

    text: str
    source: str
    assigned: Assigned

    def problem(self) -> Problem:
        return loads_problem(self.text, source=self.source)


@dataclass
class ClassRecord:
    """What ``class.json`` holds."""

    template: str
    title: str
    config: ClassConfig
    assigned: list[Assigned] = field(default_factory=list)
    #: refused draws by rule, over the whole class
    refusals: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> str:
        data = {
            "format": FORMAT,
            "template": self.template,
            "title": self.title,
            "settings": self.config.to_dict(),
            "refused_draws": dict(sorted(self.refusals.items())),
            "variants": [
                {
                    "variant": a.variant,
                    "student": a.student,
                    "name": a.name,
                    "draws": a.draws,
                    "refused": list(a.refused),
                    "key": [dict(k) for k in a.key],
                }
                for a in self.assigned
            ],
        }
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


class ClassFolder:
    """The files of one class, under ``root``."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def variant(self, variant: str) -> Path:
        return self.root / "variants" / f"{variant}.toml"

    def key(self, variant: str, suffix: str) -> Path:
        return self.root / "keys" / f"{variant}{suffix}"

    def handout(self, variant: str, suffix: str) -> Path:
        return self.root / "handouts" / f"{variant}{suffix}"

    def solution(self, variant: str, suffix: str) -> Path:
        return self.root / "solutions" / f"{variant}{suffix}"

    def carried(self, assigned: Assigned) -> Carried:
        """The variant of ``assigned`` with its problem file's text."""
        path = self.variant(assigned.variant)
        try:
            text = read_regular(path, MAX_PROBLEM).decode("utf-8")
        except (OSError, ValueError) as error:
            found = f"{type(error).__name__}: {getattr(error, 'strerror', None) or error}"[:200]
            raise InputError(
                "variant", "a readable problem file", found, source=str(path)
            ) from None
        return Carried(text, str(path), assigned)

    def write(self, relative: str | Path, data: str | bytes) -> Path:
        """Write one file of the class atomically (its folder made when needed)."""
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        return write_atomic(path, data)

    def load(self) -> ClassRecord:
        """The record of the class (an error naming the folder when there is none)."""
        path = self.root / RECORD
        try:
            data = json.loads(read_regular(path, 256 * 1024 * 1024).decode("utf-8"))
        except (OSError, ValueError) as error:
            found = f"{type(error).__name__}: {getattr(error, 'strerror', None) or error}"[:200]
            raise InputError(
                "class folder",
                f"a folder written by lstm-sym variants (with {RECORD})",
                found,
                source=str(self.root),
            ) from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise InputError(
                "class.json",
                f"format {FORMAT!r}",
                repr(data.get("format") if isinstance(data, dict) else data),
                source=str(self.root),
            )
        return ClassRecord(
            template=data["template"],
            title=data["title"],
            config=ClassConfig.from_dict(data["settings"]),
            assigned=[
                Assigned(
                    v["variant"],
                    v["student"],
                    v["name"],
                    v["draws"],
                    tuple(v["refused"]),
                    tuple(v["key"]),
                )
                for v in data["variants"]
            ],
            refusals=dict(data["refused_draws"]),
        )


def new_folder(root: str | Path) -> ClassFolder:
    """A class folder at ``root``, which must be new or empty (nothing is overwritten)."""
    path = Path(root)
    if path.exists():
        if not path.is_dir():
            raise InputError("-o", "a new or empty folder", f"{str(path)!r}, a file")
        entries = sum(1 for _ in path.iterdir())
        if entries:
            raise InputError("-o", "a new or empty folder", f"{str(path)!r} with {entries} entries")
    else:
        if not path.parent.is_dir():
            raise InputError(
                "-o", "a folder in an existing folder", f"no folder {str(path.parent)!r}"
            )
        path.mkdir()
    return ClassFolder(path)
