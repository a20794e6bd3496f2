"""The examples in docs/cells.md, docs/custom-cells.md and docs/frameworks.md run as shown."""

from __future__ import annotations

import doctest
import re
import shlex
from pathlib import Path

import pytest

from lstm_sym.cli import main

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["cells.md", "custom-cells.md", "frameworks.md"]
_FENCE = re.compile(r"```(?P<kind>pycon|console)\n(?P<body>.*?)```", re.DOTALL)


def _blocks(page: str, kind: str) -> list[str]:
    text = (ROOT / "docs" / page).read_text(encoding="utf-8")
    return [m["body"] for m in _FENCE.finditer(text) if m["kind"] == kind]


@pytest.mark.parametrize("page", PAGES)
def test_python_examples(page: str) -> None:
    """Every ```pycon block of the page passes as a doctest."""
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    globs: dict[str, object] = {}
    for k, block in enumerate(_blocks(page, "pycon")):
        runner.run(parser.get_doctest(block, globs, f"{page}[{k}]", page, 0), clear_globs=False)
    assert runner.failures == 0


@pytest.mark.parametrize("page", PAGES)
def test_command_line_examples(page: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Every `$ lstm-sym ...` line prints what the page shows after it."""
    for block in _blocks(page, "console"):
        commands = re.split(r"^\$ ", block, flags=re.MULTILINE)[1:]
        for command in commands:
            line, _, expected = command.partition("\n")
            args = shlex.split(line)
            assert args[0] == "lstm-sym"
            code = main(args[1:])
            captured = capsys.readouterr()
            assert (captured.out + captured.err) == expected, line
            assert code == (2 if expected.startswith("lstm-sym: error:") else 0)
