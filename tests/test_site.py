"""The documentation site: it builds strictly, and its generated pages say what the code does.

The build and the pictures need the ``docs`` extra (``pip install '.[docs]'``); without it
those tests skip with a visible reason — unless ``LSTM_SYM_REQUIRE_DOCS=1`` (set by
``.ci/run``), when they fail instead.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from lstm_sym.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
DOCS_PACKAGES = ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python")


def _need_docs_extra(*modules: str) -> None:
    """Skip (or, under LSTM_SYM_REQUIRE_DOCS=1, fail) when part of the docs extra is missing."""
    missing = [name for name in modules if importlib.util.find_spec(name) is None]
    if missing:
        message = f"the docs extra is not installed ({', '.join(missing)}): pip install '.[docs]'"
        if os.environ.get("LSTM_SYM_REQUIRE_DOCS") == "1":
            pytest.fail(f"LSTM_SYM_REQUIRE_DOCS=1 but {message}")
        pytest.skip(message)


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
    """`see docs/problem-files.md` in --help becomes a link on the page; a missing page stays text."""
    hook = _hook()
    assert "see [docs/problem-files.md](problem-files.md)" in hook.render()
    parser = argparse.ArgumentParser(prog="demo", description="see docs/no-such-page.md")
    parser.add_subparsers()
    assert "see docs/no-such-page.md" in hook.render(parser)


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
    assert '--8<-- "benchmarks/RESULTS.md:2:"' in (ROOT / "docs" / "benchmarks.md").read_text()


def test_site_builds_strictly(tmp_path: Path) -> None:
    """`mkdocs build --strict` succeeds: every nav page exists, every link and API entry resolves."""
    _need_docs_extra(*DOCS_PACKAGES)
    site = tmp_path / "site"
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONPATH=str(ROOT))
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
    _need_docs_extra("matplotlib")
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
    _need_docs_extra("matplotlib")
    spec = importlib.util.spec_from_file_location(
        "unrolled_diagram", ROOT / "docs" / "unrolled_diagram.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    drawn = module.draw(tmp_path / "diagram.png")
    assert drawn.read_bytes()[16:24] == committed.read_bytes()[16:24]  # PNG width and height
