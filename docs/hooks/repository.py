"""Pages written to read right on a repository host, made into site pages at build time.

The Markdown in ``docs/`` works where the repository is browsed: a link to a page that
only the site has (the generated ``cli.md``) is written as its site URL, a link to a file
outside ``docs/`` as a relative path, and an included file as a link followed by an HTML
comment. This MkDocs hook (``hooks:`` in ``mkdocs.yml``) rewrites each page's Markdown
for the site: site URLs become links between pages, paths outside ``docs/`` become
repository URLs, and ``<!-- include: FILE from line N -->`` becomes the file's text.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # this checkout's lstm_sym, as the other doc tools use

from lstm_sym.cli import DOCS_URL  # noqa: E402

#: Where the repository's files are shown (mkdocs.yml's repo_url, on its main branch).
_REPOSITORY = re.compile(r"^repo_url: (\S+)$", re.MULTILINE)
_SITE_LINK = re.compile(r"\]\(" + re.escape(DOCS_URL) + r"([a-z0-9-]+)/(#[^)\s]*)?\)")
_OUTSIDE_LINK = re.compile(r"\]\(\.\./([^)\s#]+)\)")
_INCLUDE = re.compile(r"^<!-- include: (\S+) from line (\d+) -->$", re.MULTILINE)


def repository_url() -> str:
    """The repository's address, from mkdocs.yml."""
    match = _REPOSITORY.search((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert match is not None, "mkdocs.yml has no repo_url"
    return match[1]


def _include(match: re.Match[str]) -> str:
    lines = (ROOT / match[1]).read_text(encoding="utf-8").splitlines()
    return "\n".join(lines[int(match[2]) - 1 :])


def for_site(markdown: str) -> str:
    """A page's Markdown as the site shows it (see the module docstring)."""
    blob = f"{repository_url()}/blob/main/"
    markdown = _SITE_LINK.sub(lambda m: f"]({m[1]}.md{m[2] or ''})", markdown)
    markdown = _OUTSIDE_LINK.sub(lambda m: f"]({blob}{m[1]})", markdown)
    return _INCLUDE.sub(_include, markdown)


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """MkDocs hook: rewrite each page's Markdown before it is rendered."""
    return for_site(markdown)
