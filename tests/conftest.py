"""Shared test set-up: no test writes to the user's home (history store, caches)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def eduwb_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One temporary folder per test session for the default history store and cache."""
    return tmp_path_factory.mktemp("eduwb-home")


@pytest.fixture(autouse=True)
def _isolated_stores(eduwb_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the default history store and the cache at the session's folder (a test that wants
    its own sets the variables again)."""
    monkeypatch.setenv("EDUWB_HISTORY", str(eduwb_home / "history.duckdb"))
    monkeypatch.setenv("EDUWB_CACHE", str(eduwb_home / "cache"))
    monkeypatch.setenv("EDUWB_VALIDATE", "1")  # every canonical table the tests load is checked
