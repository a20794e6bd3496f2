"""Show the docstrings' Sphinx roles (:class:`~lstm_sym.model.Model`) as code in the site.

The library's docstrings name other objects the Sphinx way, which Markdown leaves as
``:class:`` followed by code. This MkDocs hook (``hooks:`` in ``mkdocs.yml``) rewrites the
rendered HTML: the role disappears and ``~a.b.C`` shows as ``C``, as Sphinx would.
"""

from __future__ import annotations

import re
from typing import Any

ROLE = re.compile(r":(?:class|func|meth|attr|mod|data|exc|obj):<code>(~?)([^<]*)</code>")


def _code(match: re.Match[str]) -> str:
    short, target = match.groups()
    return f"<code>{target.rsplit('.', 1)[-1] if short else target}</code>"


def strip_roles(html: str) -> str:
    """``html`` with every ``:role:<code>target</code>`` shown as ``<code>target</code>``."""
    return ROLE.sub(_code, html)


def on_page_content(html: str, **kwargs: Any) -> str:
    """MkDocs hook: rewrite each page's HTML after Markdown (and mkdocstrings) ran."""
    return strip_roles(html)
