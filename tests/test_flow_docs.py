"""docs/flow.md is built from the command's own output: its console examples run as shown."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from optional import need_docs

from lstm_sym.cli import main

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "flow.md"
CONSOLE = re.compile(r"```console\n(.*?)```", re.S)


def _commands() -> list[tuple[list[str], str]]:
    """Each `$ lstm-sym ...` line of the page's console blocks, with the output under it."""
    found = []
    for block in CONSOLE.findall(PAGE.read_text(encoding="utf-8")):
        lines = block.splitlines()
        for i, line in enumerate(lines):
            if line.startswith("$ lstm-sym "):
                output = []
                for following in lines[i + 1 :]:
                    if following.startswith("$ "):
                        break
                    output.append(following)
                found.append((shlex.split(line[len("$ lstm-sym ") :]), "\n".join(output)))
    return found


@pytest.mark.parametrize(("args", "expected"), _commands(), ids=lambda a: " ".join(a)[:40])
def test_console_examples(
    args: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command prints exactly what the page shows."""
    assert main(args) == 0
    assert capsys.readouterr().out.rstrip("\n") == expected.rstrip("\n")


def test_page_has_commands_images_and_a_place_in_the_site() -> None:
    """The page runs three commands, shows committed images, and is in the site's navigation."""
    text = PAGE.read_text(encoding="utf-8")
    assert len(_commands()) == 3
    for image in re.findall(r"\]\((images/[^)]+)\)", text):
        assert (ROOT / "docs" / image).stat().st_size > 10_000
    assert "- Gradient flow: flow.md" in (ROOT / "mkdocs.yml").read_text(encoding="utf-8")


BASH = re.compile(r"```bash\n(.*?)```", re.S)


def test_plot_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The page's plot commands run as written and draw their PNGs."""
    need_docs("matplotlib")
    commands = [c.strip() for c in BASH.findall(PAGE.read_text(encoding="utf-8"))]
    assert len(commands) == 2 and all(c.startswith("lstm-sym flow ") for c in commands)
    for command in commands:
        args = shlex.split(command)[1:]
        args = [str(ROOT / a) if a.startswith("examples/") else a for a in args]
        monkeypatch.chdir(tmp_path)
        assert main(args) == 0
        plot = tmp_path / args[args.index("--plot") + 1]
        assert plot.read_bytes().startswith(b"\x89PNG")
