"""Checking hand calculations: a student's answers judged against the exact values.

>>> from decimal import Decimal
>>> from lstm_sym.check import check
>>> report = check("examples/hw6.toml", {"h_1": Decimal("0.21741"), "loss": Decimal("0.5298")})
>>> [(a.name, a.verdict) for a in report.answers]
[('h_1', 'correct'), ('L', 'truncated')]
"""

from .answers import Answer, loads_answers, read_answers
from .checker import check
from .mistakes import MISTAKES, Mistake, Variant, register_mistake
from .report import AnswerCheck, CheckReport, MistakeFinding, WorkLine
from .verdicts import CORRECT, DRIFT, TRUNCATED, VERDICTS, WRONG

__all__ = [
    "CORRECT",
    "DRIFT",
    "MISTAKES",
    "TRUNCATED",
    "VERDICTS",
    "WRONG",
    "Answer",
    "AnswerCheck",
    "CheckReport",
    "Mistake",
    "MistakeFinding",
    "Variant",
    "WorkLine",
    "check",
    "loads_answers",
    "read_answers",
    "register_mistake",
]
