"""Shared fixtures and settings: paths, hypothesis profiles, optional dependencies."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
HW6 = EXAMPLES / "hw6.toml"

settings.register_profile(
    "default", deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("long", deadline=None, max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def hw6_path() -> Path:
    return HW6


@pytest.fixture(autouse=True)
def _run_in_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Doctests and examples name files relative to the repository root."""
    monkeypatch.chdir(ROOT)
