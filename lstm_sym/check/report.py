"""The result of a check: one verdict per answer, where it went wrong and why; text and JSON.

Markdown and LaTeX views are in :mod:`lstm_sym.check.render`; in Jupyter a report shows
its Markdown.
"""

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
    #: the name as the solution sheet typesets it (LaTeX math: ``\tilde{c}_{1}``)
    latex: str = ""

    @property
    def ok(self) -> bool:
        return self.verdict == CORRECT

    @property
    def off_by(self) -> str:
        """How far off the answer is, signed (``+0.012585``); empty when it is correct."""
        if self.ok:
            return ""
        return self.difference if self.difference.startswith("-") else "+" + self.difference


@dataclass(frozen=True)
class WorkLine:
    """The correct line of work of one answered quantity, beside the student's value."""

    #: the canonical name (``h_1``)
    name: str
    #: the student's value as written
    written: str
    #: the sheet's line as ``align*`` rows (``h_{1} &= o_{1} \tanh{...} = ... = 0.21741``)
    latex: tuple[str, ...]
    #: the same line as plain text (``h_1 = o_1*tanh(c_1) = 0.97812*tanh(0.22605) = 0.21741``)
    text: str


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
    #: the solution sheet's line for the first wrong answer (None without one, or for a
    #: problem too large for a sheet)
    work: WorkLine | None = None
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
        """A readable table, notes, the first wrong answer's line of work, likely mistakes."""
        head: tuple[str, ...] = ("answer", "written", "verdict", "correctly rounded", "off by")
        rows: list[tuple[str, ...]] = [
            (a.key, a.written, a.verdict, a.rounded, a.off_by) for a in self.answers
        ]
        if all(a.ok for a in self.answers):
            head, rows = head[:4], [row[:4] for row in rows]
        widths = [max(len(r[k]) for r in [head, *rows]) for k in range(len(head))]
        lines = [self.title] if self.title else []
        lines.append("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip())
        for row in rows:
            lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        notes = [a for a in self.answers if not a.ok]
        if notes:
            lines.append("")
            lines.extend(f"{a.key}: {a.explanation}" for a in notes)
        if self.work is not None:
            lines.append("")
            lines.append(f"The first wrong answer, {self.work.name}, worked correctly:")
            lines.append(f"  {self.work.text}")
            lines.append(f"  yours: {self.work.name} = {self.work.written}")
        if self.mistakes:
            lines.append("")
            lines.append("Mistakes that reproduce wrong answers:")
            lines.extend(f"  {m.label}: {', '.join(m.explains)}" for m in self.mistakes)
        lines.append("")
        lines.append(self.summary())
        return "\n".join(lines) + "\n"

    def _repr_markdown_(self) -> str:
        """The Markdown report (what Jupyter shows for a report)."""
        from .render import to_markdown

        return to_markdown(self)


__all__ = [
    "CORRECT",
    "DRIFT",
    "TRUNCATED",
    "WRONG",
    "AnswerCheck",
    "CheckReport",
    "MistakeFinding",
    "WorkLine",
]
