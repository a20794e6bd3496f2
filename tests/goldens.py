"""Golden files: generated text compared with a committed copy, rewritten on request.

``LSTM_SYM_UPDATE_GOLDENS=1 python -m pytest`` rewrites every golden file from the
current output; review the diff before committing it.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("LSTM_SYM_UPDATE_GOLDENS") == "1"


def check_golden(name: str, text: str) -> None:
    """``text`` equals the golden file ``name`` (a unified diff when not); rewritten on update."""
    target = GOLDEN / name
    if UPDATE:
        target.parent.mkdir(exist_ok=True)
        target.write_text(text, encoding="utf-8")
    if not target.exists():
        pytest.fail(f"no golden file {target}: run with LSTM_SYM_UPDATE_GOLDENS=1 to create it")
    expected = target.read_text(encoding="utf-8")
    if text != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(True), text.splitlines(True), str(target), "generated", n=1
            )
        )
        pytest.fail(f"{name} differs (LSTM_SYM_UPDATE_GOLDENS=1 to accept):\n{diff[:4000]}")
