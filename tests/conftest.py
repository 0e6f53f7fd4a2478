"""Shared test set-up: no test writes to the user's home (history store, caches)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_stores(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Point the default history store and the cache at a temporary folder for every test
    (a test that wants its own sets the variables again)."""
    home = tmp_path_factory.mktemp("eduwb-home")
    monkeypatch.setenv("EDUWB_HISTORY", str(home / "history.duckdb"))
    monkeypatch.setenv("EDUWB_CACHE", str(home / "cache"))
