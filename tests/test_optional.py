"""The optional-part helpers: skip with what to install, fail where CI requires the part."""

from __future__ import annotations

import pytest
from optional import CLASS, DOCS, LATEX, TORCH, importable, missing, need_docs


def test_a_missing_parent_package_is_missing() -> None:
    """A submodule of an absent package is reported missing, not raised as ModuleNotFoundError."""
    assert not importable("no_such_package_lstm_sym.python")
    assert importable("json.decoder")


@pytest.mark.parametrize("part", [LATEX, TORCH, DOCS, CLASS])
def test_skip_says_what_to_install(part: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the switch a missing part skips, and the reason names the install command."""
    monkeypatch.delenv(part[0], raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"needs the thing: .*install"):
        missing(part, "the thing")


@pytest.mark.parametrize("part", [LATEX, TORCH, DOCS, CLASS])
def test_required_part_fails(part: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """With LSTM_SYM_REQUIRE_...=1 a missing part fails the test instead of skipping it."""
    monkeypatch.setenv(part[0], "1")
    with pytest.raises(pytest.fail.Exception, match=f"{part[0]}=1 but"):
        missing(part, "the thing")


def test_docs_extra_without_its_handler_skips(monkeypatch: pytest.MonkeyPatch) -> None:
    """need_docs names the absent module of the docs extra."""
    monkeypatch.delenv(DOCS[0], raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"the docs extra \(no_such_package_lstm_sym"):
        need_docs("json", "no_such_package_lstm_sym.python")
