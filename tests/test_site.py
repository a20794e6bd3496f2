"""The documentation site: it builds strictly, and its generated pages say what the code does.

The build and the pictures need the ``docs`` extra (``pip install '.[docs]'``); without it
those tests skip with a visible reason — unless ``LSTM_SYM_REQUIRE_DOCS=1`` (set by
``.ci/run``), when they fail instead.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest
from optional import DOCS, missing, need_docs

from lstm_sym.cli import DOCS_URL, build_parser

ROOT = Path(__file__).resolve().parent.parent


def _hook() -> ModuleType:
    """The MkDocs hook that generates the CLI reference, loaded from its file."""
    spec = importlib.util.spec_from_file_location(
        "cli_reference", ROOT / "docs" / "hooks" / "cli_reference.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(actions[0].choices)


def test_cli_reference_covers_every_command_and_option() -> None:
    """The generated CLI page has a section per subcommand and a row per argument, with its help."""
    hook = _hook()
    page = hook.render()
    parser = build_parser()
    for name, sub in _subparsers(parser).items():
        section = page.split(f"## lstm-sym {name} {{#{name}}}\n", 1)[1].split("\n## ", 1)[0]
        assert sub.format_usage().split()[2] in section
        for action in sub._actions:
            row = f"| `{hook.invocation(action)}` |"
            written = action.option_strings or [action.metavar or action.dest]
            assert row in section and all(w in row for w in written), (name, action.dest)
            first_words = " ".join((action.help or "").split()[:3]).replace("_", "\\_")
            assert first_words in section, (name, action.dest)


def test_cli_reference_usage_does_not_depend_on_the_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The page is the same whatever COLUMNS says, so builds are reproducible."""
    hook = _hook()
    monkeypatch.setenv("COLUMNS", "40")
    narrow = hook.render()
    monkeypatch.setenv("COLUMNS", "300")
    assert hook.render() == narrow


def test_cli_reference_escapes_markdown() -> None:
    """Help text with Markdown specials reaches the page as literal text."""
    parser = argparse.ArgumentParser(prog="demo", description="a *b* [c](d) <e>")
    parser.add_subparsers().add_parser("x", help="p | q").add_argument("--w_x", help="u_v `w`")
    page = _hook().render(parser)
    assert "a \\*b\\* \\[c\\](d) &lt;e&gt;" in page
    assert "p \\| q" in page and "u\\_v \\`w\\`" in page


def test_cli_reference_links_the_pages_help_mentions() -> None:
    """A page's URL in --help links to the page on the site; a missing page stays text."""
    hook = _hook()
    url = f"{DOCS_URL}problem-files/"
    assert f"see [{url}](problem-files.md)" in hook.render()
    parser = argparse.ArgumentParser(prog="demo", description=f"see {DOCS_URL}no-such-page/")
    parser.add_subparsers()
    assert f"see {DOCS_URL}no-such-page/" in hook.render(parser)


def test_help_points_to_the_site_not_to_files() -> None:
    """--help names pages by their URL on the site: an installed user has no docs/ folder."""
    parser = build_parser()
    texts = [parser.format_help(), *(sub.format_help() for sub in _subparsers(parser).values())]
    assert not [text for text in texts if "docs/" in text.replace(DOCS_URL, "")]
    for page in re.findall(re.escape(DOCS_URL) + r"([a-z0-9-]+)/", " ".join(texts)):
        assert (ROOT / "docs" / f"{page}.md").is_file(), page


def test_sphinx_roles_show_as_code() -> None:
    """The site shows docstrings' :class:`~a.B` as `B` and :func:`f` as `f`."""
    spec = importlib.util.spec_from_file_location(
        "sphinx_roles", ROOT / "docs" / "hooks" / "sphinx_roles.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    html = "a :class:<code>~lstm_sym.model.Model</code> and :func:<code>split</code> <code>x</code>"
    assert module.strip_roles(html) == "a <code>Model</code> and <code>split</code> <code>x</code>"


def test_results_file_starts_with_its_title() -> None:
    """docs/benchmarks.md includes benchmarks/RESULTS.md from line 2: line 1 must be its title."""
    first = (ROOT / "benchmarks" / "RESULTS.md").read_text().splitlines()[0]
    assert re.fullmatch(r"# \S.*", first)
    page = (ROOT / "docs" / "benchmarks.md").read_text()
    assert "\n<!-- include: benchmarks/RESULTS.md from line 2 -->\n" in page
    assert "## " + first.removeprefix("# ") not in _repository_hook().for_site(page)


def _repository_hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "repository", ROOT / "docs" / "hooks" / "repository.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_links_work_on_a_repository_host(page: Path) -> None:
    """Every relative link of the page names a file in the repository; no MkDocs-only markup."""
    text = re.sub(r"^```.*?^```", "", page.read_text(), flags=re.DOTALL | re.MULTILINE)
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:|#", target):
            continue
        assert (page.parent / target.split("#")[0]).exists(), target
    assert "--8<--" not in page.read_text()


def test_site_links_become_pages_and_files_repository_links() -> None:
    """The site build turns site URLs into links between pages, ../FILE into the repository."""
    hook = _repository_hook()
    page = f"[a]({DOCS_URL}cli/) [b]({DOCS_URL}solving/#digits) [c](../examples/hw6.toml)"
    assert hook.for_site(page) == (
        f"[a](cli.md) [b](solving.md#digits) [c]({hook.repository_url()}/blob/main/examples/hw6.toml)"
    )


def test_site_builds_strictly(tmp_path: Path) -> None:
    """`mkdocs build --strict` succeeds (every page, link and API entry resolves) and warns of nothing."""
    need_docs()
    site = tmp_path / "site"
    env = {k: v for k, v in os.environ.items() if "MKDOCS_2_WARNING" not in k}
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    cli_page = (site / "cli" / "index.html").read_text()
    assert "lstm-sym solve" in cli_page and "--digits N" in cli_page
    assert "Benchmark results" not in (site / "benchmarks" / "index.html").read_text()
    api_page = (site / "api" / "index.html").read_text()
    assert 'id="lstm_sym.Model"' in api_page and 'id="lstm_sym.__getattr__"' not in api_page
    (material,) = [r for r in _project_docs_extra() if r.startswith("mkdocs-material==")]
    pinned = material.split("==")[1].split()[0]
    if importlib.metadata.version("mkdocs-material") != pinned:
        missing(DOCS, f"mkdocs-material {pinned}, as the docs extra pins it")
    assert "MkDocs 2" not in result.stderr and "end of life" not in result.stderr, result.stderr
    assert "WARNING" not in result.stderr, result.stderr


def _project_docs_extra() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return list(project["optional-dependencies"]["docs"])


def test_troubleshooting_quotes_the_real_latex_missing_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The page shows, word for word, what `sheet --pdf` prints without latexmk (and the .tex is kept)."""
    from lstm_sym.cli import main
    from lstm_sym.latex import build

    monkeypatch.setattr(build, "latexmk_path", lambda: None)
    monkeypatch.chdir(tmp_path)
    code = main(["sheet", str(ROOT / "examples" / "hw6.toml"), "-o", "hw6.tex", "--pdf"])
    message = capsys.readouterr().err.strip()
    assert code == 2 and (tmp_path / "hw6.tex").is_file()
    page = (ROOT / "docs" / "troubleshooting.md").read_text()
    assert f"$ lstm-sym sheet examples/hw6.toml -o hw6.tex --pdf\n{message}\n" in page


def test_scaling_plot_data_is_complete(tmp_path: Path) -> None:
    """benchmarks/scaling.csv has every size and T for each method, and redraws the plot."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import scaling
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    rows = scaling.load()
    for d, n in scaling.SIZES:
        for method in ("derive", "certified"):
            measured = [
                int(r["T"])
                for r in rows
                if (r["d"], r["n"], r["method"]) == (str(d), str(n), method)
            ]
            assert measured == scaling.STEPS, (d, n, method)
        naive = [r for r in rows if (r["d"], r["n"], r["method"]) == (str(d), str(n), "naive")]
        assert (
            naive and naive[-1]["finished"] == "0" and all(r["finished"] == "1" for r in naive[:-1])
        )
    assert (ROOT / "docs" / "images" / "benchmark-scaling.png").is_file()
    need_docs("matplotlib")
    assert scaling.plot(rows, tmp_path / "plot.png").stat().st_size > 10_000


def test_troubleshooting_names_the_real_packages_and_timeout() -> None:
    """The LaTeX packages and the build time limit on the page are the ones the code uses."""
    from lstm_sym.latex import build, document

    page = " ".join((ROOT / "docs" / "troubleshooting.md").read_text().split())
    packages = re.findall(r"\\usepackage(?:\[[^]]*\])?\{([^}]*)\}", document.PREAMBLE)
    names = ",".join(packages).split(",")
    assert "amsmath" in names
    for package in names:
        assert f"`{package}`" in page, package
    assert f"stopped after {build.TIMEOUT:g} s" in page


def test_unrolled_cell_diagram_draws(tmp_path: Path) -> None:
    """docs/unrolled_diagram.py still draws the committed diagram (a PNG of the same size)."""
    committed = ROOT / "docs" / "images" / "unrolled-cell.png"
    assert committed.is_file()
    need_docs("matplotlib")
    spec = importlib.util.spec_from_file_location(
        "unrolled_diagram", ROOT / "docs" / "unrolled_diagram.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    drawn = module.draw(tmp_path / "diagram.png")
    assert drawn.read_bytes()[16:24] == committed.read_bytes()[16:24]  # PNG width and height
