"""The command-line reference page, generated from the argument parser at build time.

MkDocs loads this file as a hook (``hooks:`` in ``mkdocs.yml``): ``on_files`` adds a
``cli.md`` page rendered from ``lstm_sym.cli.build_parser()``, so the reference is the
parser itself and cannot drift from it. ``render()`` needs no MkDocs (the tests call it).
"""

from __future__ import annotations

import argparse
import html
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # this checkout's lstm_sym, as the other doc tools use

from lstm_sym import cli  # noqa: E402

#: The generated page's path inside the site.
PAGE = "cli.md"
#: Help text is wrapped at this width, whatever the terminal, so the page is reproducible.
WIDTH = 88
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|])")
#: A page of the site named in help text by its URL (``lstm_sym.cli.DOCS_URL`` + ``PAGE/``).
_PAGE_MENTION = re.compile(re.escape(cli.DOCS_URL) + r"([a-z0-9-]+)/")


def _link(match: re.Match[str]) -> str:
    page = f"{match.group(1)}.md"
    return f"[{match.group(0)}]({page})" if (ROOT / "docs" / page).is_file() else match.group(0)


def _text(text: str) -> str:
    """Help text as literal Markdown (no emphasis or table breaks); a page's URL links to it."""
    literal = _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(" ".join(text.split()), quote=False))
    return _PAGE_MENTION.sub(_link, literal)


def _fixed_width(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Make ``parser`` (and its subcommands) format help at ``WIDTH`` columns."""
    parser.formatter_class = lambda prog: argparse.HelpFormatter(prog, width=WIDTH)
    for sub in _subcommands(parser).values():
        _fixed_width(sub)
    return parser


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _summaries(parser: argparse.ArgumentParser) -> dict[str, str]:
    """Each subcommand's one-line help, as ``lstm-sym --help`` lists it."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return {choice.dest: choice.help or "" for choice in action._choices_actions}
    return {}


def invocation(action: argparse.Action) -> str:
    """How an argument is written: ``-o FILE, --output FILE``, ``--grad``, ``[NAME ...]``."""
    if action.choices is not None and action.metavar is None:
        value = "{" + ",".join(map(str, action.choices)) + "}"
    else:
        value = str(
            action.metavar or (action.dest if not action.option_strings else action.dest.upper())
        )
    if action.nargs == "*":
        value = f"[{value} ...]"
    elif action.nargs == "+":
        value = f"{value} [{value} ...]"
    if not action.option_strings:
        return value
    if action.nargs == 0:
        return ", ".join(action.option_strings)
    return ", ".join(f"{option} {value}" for option in action.option_strings)


def _help(action: argparse.Action, prog: str) -> str:
    """The argument's help with argparse's ``%(default)s``-style fields filled in."""
    fields = {**vars(action), "prog": prog}
    if action.choices is not None:
        fields["choices"] = ", ".join(map(str, action.choices))
    return (action.help or "") % fields


def _arguments(parser: argparse.ArgumentParser) -> list[str]:
    rows = ["| argument | meaning |", "|---|---|"]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) or action.help == argparse.SUPPRESS:
            continue
        meaning = _text(_help(action, parser.prog))
        if action.required and action.option_strings:
            meaning += " (required)"
        rows.append(f"| `{invocation(action)}` | {meaning} |")
    return rows


def render(parser: argparse.ArgumentParser | None = None) -> str:
    """The reference page, as Markdown, for ``parser`` (default: the ``lstm-sym`` parser)."""
    parser = _fixed_width(parser or cli.build_parser())
    exit_codes = (cli.__doc__ or "").split("\n\n")[1].strip()
    lines = [
        "# Command-line reference",
        "",
        "Generated from the argument parser (`lstm_sym.cli.build_parser()`) each time this "
        "site is built: it is what `lstm-sym --help` and `lstm-sym COMMAND --help` print.",
        "",
        _text(parser.description or ""),
        "",
        "```text",
        parser.format_usage().strip(),
        "```",
        "",
        _text(" ".join(exit_codes.split())),
        "",
        "| command | what it does |",
        "|---|---|",
    ]
    summaries = _summaries(parser)
    lines += [f"| [`{name}`](#{name}) | {_text(text)} |" for name, text in summaries.items()]
    lines += ["", *_arguments(parser)]
    for name, sub in _subcommands(parser).items():
        lines += [
            "",
            f"## lstm-sym {name} {{#{name}}}",
            "",
            _text(sub.description or summaries.get(name, "")),
            "",
            "```text",
            sub.format_usage().strip(),
            "```",
            "",
            *_arguments(sub),
        ]
    return "\n".join(lines) + "\n"


def on_files(files: Any, config: Any) -> Any:
    """MkDocs hook: add the generated ``cli.md`` to the site's pages."""
    from mkdocs.structure.files import File

    files.append(File.generated(config, PAGE, content=render()))
    return files
