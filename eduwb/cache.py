"""What keys the on-disk caches: a fingerprint of a period's inputs, and where caches live.

A cache entry is valid while the registry and the period's export files are unchanged (relative
path, size, modification time). Used by the snapshot cache (:mod:`eduwb.store`) and by the checks'
summary of a previous period (:mod:`eduwb.checks`).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from eduwb import vocab
from eduwb.read import find_export_files
from eduwb.registry import REGISTRY_FOLDER


def period_fingerprint(data: Path | str, year: str, period: str) -> str:
    """A digest of the registry and the period's export files (relative path, size, mtime);
    :func:`eduwb.load.load_period` keeps the one taken before reading as ``Period.inputs``."""
    data = Path(data)
    files = []
    registry = data / REGISTRY_FOLDER
    if registry.is_dir():
        files += sorted(p for p in registry.iterdir() if p.is_file())
    for system in vocab.SYSTEMS:
        folder = data / year / period / system
        if folder.is_dir():
            files += find_export_files(folder)
    h = hashlib.sha1()
    for path in files:
        st = path.stat()
        h.update(f"{path.relative_to(data).as_posix()}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def cache_key(inputs: str, salt: str) -> str:
    """The key of one cache's entry for inputs of :func:`period_fingerprint` (``salt`` names the
    cache and its format, so that two caches or two formats never share a key)."""
    return hashlib.sha1(f"{salt}|{inputs}".encode()).hexdigest()


def cache_root() -> Path:
    """Where caches are kept: $EDUWB_CACHE, else ~/.cache/eduwb."""
    return Path(os.environ.get("EDUWB_CACHE", Path.home() / ".cache" / "eduwb"))


def data_key(data: Path | str) -> str:
    """A short folder name for one data folder inside the cache."""
    return hashlib.sha1(str(Path(data).resolve()).encode()).hexdigest()[:16]
