"""The result of a check: one verdict per answer, where it went wrong and why; text and JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from .verdicts import CORRECT, DRIFT, TRUNCATED, VERDICTS, WRONG


@dataclass(frozen=True)
class AnswerCheck:
    """The verdict on one answered scalar."""

    #: the name as written in the answers file (with the component for a vector answer)
    key: str
    #: the canonical name (``h_2``, ``dL_dW_f[1,2]``, ``se_2``)
    name: str
    #: the value as written
    written: str
    #: the decimal places it claims
    decimals: int
    verdict: str
    #: the exact value correctly rounded to the places written
    rounded: str
    #: the exact value to two more places
    exact: str
    #: written − exact (to two more places)
    difference: str
    #: one sentence: why this verdict
    explanation: str
    #: for rounding drift: how the student must have rounded
    drift: str | None = None
    #: earlier wrong answers this one is consistent with (follow-through)
    follows_from: tuple[str, ...] = ()
    #: catalogued mistakes that reproduce this answer
    mistakes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.verdict == CORRECT


@dataclass(frozen=True)
class MistakeFinding:
    """A catalogued mistake that reproduces some wrong answers."""

    mistake: str
    label: str
    description: str
    #: canonical names of the answers it reproduces
    explains: tuple[str, ...]


@dataclass(frozen=True)
class CheckReport:
    """Everything a check found, in dependency order of the answered quantities."""

    title: str
    problem_source: str | None
    answers_source: str | None
    answers: tuple[AnswerCheck, ...]
    #: the first wrong answer in dependency order that nothing earlier explains
    first_wrong: str | None
    mistakes: tuple[MistakeFinding, ...] = ()
    #: seconds the check took
    seconds: float = field(default=0.0, compare=False)

    @property
    def all_correct(self) -> bool:
        """Whether every answer is correct (the command line then exits 0)."""
        return all(a.ok for a in self.answers)

    def counts(self) -> dict[str, int]:
        """How many answers got each verdict."""
        return {v: sum(1 for a in self.answers if a.verdict == v) for v in VERDICTS}

    def summary(self) -> str:
        """One line: the counts, and the first wrong answer."""
        counts = self.counts()
        parts = [f"{counts[v]} {v}" for v in VERDICTS if counts[v]]
        text = f"{len(self.answers)} answers: " + ", ".join(parts)
        if self.first_wrong:
            text += f"; first wrong: {self.first_wrong}"
        return text

    # -- views ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, object]:
        """The report as plain data (what ``to_json`` writes)."""
        data = asdict(self)
        data.pop("seconds")
        data["all_correct"] = self.all_correct
        data["counts"] = self.counts()
        return data

    def to_json(self) -> str:
        """Deterministic JSON (sorted keys, two-space indent)."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    def to_text(self) -> str:
        """A readable table, then follow-through and likely mistakes."""
        head = ("answer", "written", "verdict", "correctly rounded")
        rows = [(a.key, a.written, a.verdict, a.rounded) for a in self.answers]
        widths = [max(len(r[k]) for r in [head, *rows]) for k in range(4)]
        lines = [self.title] if self.title else []
        lines.append("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip())
        for row in rows:
            lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        notes = [a for a in self.answers if not a.ok]
        if notes:
            lines.append("")
            lines.extend(f"{a.key}: {a.explanation}" for a in notes)
        if self.mistakes:
            lines.append("")
            lines.append("Mistakes that reproduce wrong answers:")
            lines.extend(f"  {m.label}: {', '.join(m.explains)}" for m in self.mistakes)
        lines.append("")
        lines.append(self.summary())
        return "\n".join(lines) + "\n"


__all__ = [
    "CORRECT",
    "DRIFT",
    "TRUNCATED",
    "WRONG",
    "AnswerCheck",
    "CheckReport",
    "MistakeFinding",
]
