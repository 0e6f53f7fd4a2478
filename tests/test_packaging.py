"""The wheel carries every package of the source tree (the package list is written by hand,
because the notebooks folder is mapped into the package)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_subpackage_is_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts)
             for p in (ROOT / "eduwb").rglob("__init__.py")}
    assert found - listed == set(), "add these packages to [tool.setuptools] packages"
    assert "eduwb.notebooks" in listed
    assert (ROOT / config["tool"]["setuptools"]["package-dir"]["eduwb.notebooks"]).is_dir()
