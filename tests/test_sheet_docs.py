"""docs/sheets.md works as written: its Python examples and its command lines."""

from __future__ import annotations

import doctest
import re
import shlex
from pathlib import Path

import pytest
from optional import has_latex

from lstm_sym.cli import main

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "sheets.md"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.DOTALL)


def test_python_examples() -> None:
    """The ```pycon examples of docs/sheets.md run as doctests."""
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for n, block in enumerate(_blocks("pycon")):
        test = parser.get_doctest(block, {}, f"sheets.md[{n}]", str(PAGE), 0)
        runner.run(test)
    assert runner.failures == 0 and runner.tries > 0


def test_command_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every `$ lstm-sym ...` line of docs/sheets.md succeeds (PDF builds need latexmk)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    latex = has_latex("latexmk", "pdflatex")
    ran = skipped = 0
    for block in _blocks("console"):
        for line in block.splitlines():
            if not line.startswith("$ lstm-sym "):
                continue
            args = shlex.split(line.removeprefix("$ lstm-sym "))
            if "--pdf" in args and not latex:
                skipped += 1
                continue
            assert main(args) == 0, line
            ran += 1
    assert ran >= 2 and ran + skipped >= 3
    assert (tmp_path / "quiz.tex").is_file() and (tmp_path / "batch.tex").is_file()
