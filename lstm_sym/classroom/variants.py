"""Draw a class: one fair variant per student, all different, written to a class folder.

Each student's variant is the first draw (attempt 0, 1, 2, …) that passes every fairness
rule (:mod:`.fairness`); students are independent, so this runs in parallel. Then, in
roster order, a variant whose answers are not different enough from an earlier student's
is drawn again (from the next attempt on). The same template, seed and roster give the
same class, whatever runs it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from ..errors import InputError, LstmSymError
from ..problem import problem_from_dict
from .csvfiles import Student
from .executor import executor_for, results
from .fairness import INVALID, SAME, Assessment, assess
from .folder import Assigned, ClassFolder, ClassRecord, new_folder
from .keys import write_keys
from .template import ClassTemplate
from .tomlout import dumps

#: Refusal notes kept per student in class.json.
KEPT_NOTES = 5


class UnfairClass(LstmSymError):
    """Some student got no fair variant within the draws allowed."""


@dataclass(frozen=True)
class Found:
    """A student's first fair draw from some attempt on (``data`` None: none found)."""

    attempt: int
    data: dict[str, Any] | None
    assessment: Assessment | None
    refused: tuple[str, ...]


def first_fair(template: ClassTemplate, student: str, start: int, seed: str) -> Found:
    """The first fair draw of ``student`` from attempt ``start`` on (a task of the pool)."""
    refused: list[str] = []
    for attempt in range(start, template.config.rules.max_draws):
        data = template.realize(student, attempt, seed)
        try:
            problem = problem_from_dict(data, source=template.source)
        except InputError as error:
            refused.append(f"{INVALID}: {error}")
            continue
        judged = assess(problem, template.config)
        if judged.fair:
            return Found(attempt, data, judged, tuple(refused))
        refused.extend(judged.refusals)
    return Found(template.config.rules.max_draws, None, None, tuple(refused))


def _rule(note: str) -> str:
    return note.partition(":")[0]


class _Distinct:
    """The variants accepted so far, and whether a new one differs enough from them."""

    def __init__(self, least: int | None):
        self.least = least
        self.by_value: dict[tuple[str, str], str] = {}
        self.accepted: list[tuple[str, dict[str, str]]] = []

    def clash(self, fingerprint: dict[str, str]) -> str | None:
        """The variant ``fingerprint`` is too close to, or None."""
        if self.least is None:
            return next((self.by_value[i] for i in fingerprint.items() if i in self.by_value), None)
        for variant, other in self.accepted:
            names = set(fingerprint) | set(other)
            differ = sum(1 for n in names if fingerprint.get(n) != other.get(n))
            if differ < min(self.least, len(names)):
                return variant
        return None

    def accept(self, variant: str, fingerprint: dict[str, str]) -> None:
        for item in fingerprint.items():
            self.by_value.setdefault(item, variant)
        self.accepted.append((variant, fingerprint))


def variant_ids(count: int) -> list[str]:
    """``v001``, ``v002``, … (wide enough for ``count``)."""
    width = max(3, len(str(count)))
    return [f"v{k:0{width}d}" for k in range(1, count + 1)]


def draw_class(
    template: ClassTemplate,
    students: Sequence[Student],
    output: str,
    *,
    seed: str | None = None,
    jobs: int = 1,
    executor: str | None = None,
) -> ClassRecord:
    """Draw and write a class: every student's variant, key and the class summary."""
    seed = template.config.seed if seed is None else seed
    folder = new_folder(output)
    config = template.config
    if seed != config.seed:
        config = replace(config, seed=seed)
        template = replace(template, config=config)
    with executor_for(jobs, executor) as pool:
        found = list(results(pool, first_fair, [(template, s.id, 0, seed) for s in students]))
    distinct = _Distinct(config.rules.distinct)
    record = ClassRecord(template.source or "", template.title, config)
    refusals: Counter[str] = Counter()
    chosen: list[Found] = []
    for student, variant, first in zip(students, variant_ids(len(students)), found, strict=True):
        result, notes = first, list(first.refused)
        while True:
            if result.data is None or result.assessment is None:
                counts = Counter(map(_rule, notes))
                shown = ", ".join(f"{n} {rule}" for rule, n in counts.most_common())
                raise UnfairClass(
                    f"no fair variant for student {student.id!r} in {config.rules.max_draws} draws "
                    f"(refused: {shown}); widen the draws or relax [classroom.fairness]"
                )
            other = distinct.clash(result.assessment.fingerprint())
            if other is None:
                break
            notes.append(f"{SAME}: {other}")
            result = first_fair(template, student.id, result.attempt + 1, seed)
            notes.extend(result.refused)
        distinct.accept(variant, result.assessment.fingerprint())
        refusals.update(map(_rule, notes))
        key = tuple(asdict(k) for k in result.assessment.key)
        record.assigned.append(
            Assigned(
                variant,
                student.id,
                student.name,
                result.attempt + 1,
                tuple(notes[:KEPT_NOTES]),
                key,
            )
        )
        chosen.append(result)
    record.refusals = dict(refusals)
    _write(folder, record, chosen)
    return record


def _write(folder: ClassFolder, record: ClassRecord, chosen: list[Found]) -> None:
    source = record.template or "the template"
    for assigned, found in zip(record.assigned, chosen, strict=True):
        assert found.data is not None
        header = (
            f"Variant {assigned.variant} of {source} (seed {record.config.seed!r}, draw "
            f"{found.attempt + 1}), drawn by lstm-sym variants"
        )
        folder.write(f"variants/{assigned.variant}.toml", dumps(found.data, header))
    write_keys(folder, record)
    folder.write("class.json", record.to_json())
