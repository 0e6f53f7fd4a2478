"""Serve the leadership dashboard with Voilà: snapshots first, then a loopback-only server.

:func:`prepare` computes (or finds in the cache) every period's snapshot so that the page never
reconciles; :func:`voila_command` and :func:`voila_environment` build the server's command line
and environment (sources hidden and tracebacks off — Voilà's defaults —, a preheated pool of one
kernel, a bounded number of kernels (:mod:`eduwb.views.dashboard.sessions`), idle kernels culled, an optional
token); :func:`start` runs it.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from eduwb import store
from eduwb.views.dashboard import model as dashboard
from eduwb.views.dashboard import sessions

NOTEBOOK = "dashboard.ipynb"  # shipped in eduwb.notebooks
CULL_IDLE_SECONDS = 900  # a kernel left by a closed tab is shut down after 15 minutes
CULL_INTERVAL_SECONDS = 60


def notebook_path() -> Path:
    """The dashboard notebook shipped with eduwb (``notebooks/dashboard.ipynb`` of the source tree,
    ``eduwb/notebooks/`` once installed)."""
    from eduwb.views.district_report import notebook_file

    return notebook_file(NOTEBOOK)


def prepare(data: Path | str, year: str | None = None, *, cache: Path | str | None = None,
            progress: Callable[[str], None] | None = None) -> list[str]:
    """Compute or load every period's snapshot of ``year`` (default: the latest); returns the
    periods. Raises EduwbError when the data folder cannot be used."""
    return list(dashboard.load_snapshots(data, year, cache=cache, progress=progress))


def url(port: int, token: str | None = None) -> str:
    """Where the dashboard is opened."""
    return f"http://127.0.0.1:{port}/" + (f"?token={token}" if token else "")


def voila_command(notebook: Path | str, port: int, token: str | None = None, *,
                  max_sessions: int = sessions.MAX_KERNELS,
                  reclaim_after: float = sessions.RECLAIM_AFTER_SECONDS) -> list[str]:
    """The Voilà command line: 127.0.0.1 only, no browser, a preheated pool of one kernel, at most
    ``max_sessions`` kernels serving pages (:mod:`.sessions`: idle pages without a connection
    make room, else a "try later" page), idle kernels culled, no port fallback (the printed address
    must be right)."""
    cmd = [
        sys.executable, "-m", "voila", str(notebook), "--no-browser",
        "--Voila.ip=127.0.0.1", f"--port={port}", "--Voila.port_retries=0",
        "--preheat_kernel=True", "--pool_size=1",
        "--strip_sources=True", "--show_tracebacks=False",
        "--VoilaConfiguration.multi_kernel_manager_class=eduwb.views.dashboard.sessions.CappedKernelManager",
        f"--CappedKernelManager.max_kernels={max_sessions}",
        f"--CappedKernelManager.reclaim_after={reclaim_after}",
        f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_SECONDS}",
        f"--MappingKernelManager.cull_interval={CULL_INTERVAL_SECONDS}",
        "--MappingKernelManager.cull_connected=False",
    ]
    if importlib.util.find_spec("jupytext") is not None:  # its lab extension fails in Voilà
        cmd.append("--VoilaConfiguration.extension_denylist=jupyterlab-jupytext")
    if token:
        cmd.append(f"--token={token}")
    return cmd


def voila_environment(data: Path | str, *, year: str | None = None, as_of: dt.date | None = None,
                      cache: Path | str | None = None, history: Path | str | None = None,
                      base: dict[str, str] | None = None) -> dict[str, str]:
    """The server's environment: the notebook reads EDUWB_DATA, EDUWB_YEAR, EDUWB_AS_OF,
    EDUWB_CACHE and EDUWB_HISTORY (the kernels inherit it); the history store defaults to the
    one ``base`` names, else eduwb's default."""
    from eduwb.history import default_path

    env = dict(os.environ if base is None else base)
    env[dashboard.ENV_DATA] = str(Path(data).resolve())
    env[dashboard.ENV_CACHE] = str(Path(cache).resolve() if cache else store.cache_root())
    if history is None:
        history = env.get(dashboard.ENV_HISTORY) or default_path()
    env[dashboard.ENV_HISTORY] = str(Path(history).resolve())
    for key, value in ((dashboard.ENV_YEAR, year), (dashboard.ENV_AS_OF, as_of)):
        if value:
            env[key] = str(value)
        else:
            env.pop(key, None)
    return env


def start(data: Path | str, *, port: int = 8866, token: str | None = None,
          year: str | None = None, as_of: dt.date | None = None, cache: Path | str | None = None,
          max_sessions: int = sessions.MAX_KERNELS,
          reclaim_after: float = sessions.RECLAIM_AFTER_SECONDS,
          base_env: dict[str, str] | None = None, history: Path | str | None = None,
          **popen: object) -> subprocess.Popen:
    """Start Voilà on the dashboard (snapshots must be prepared first); returns the process.
    ``base_env`` replaces os.environ as the environment the EDUWB_* variables are added to;
    ``history``: the history store the page reads (read-only)."""
    cmd = voila_command(notebook_path(), port, token, max_sessions=max_sessions,
                        reclaim_after=reclaim_after)
    env = voila_environment(data, year=year, as_of=as_of, cache=cache, history=history,
                            base=base_env)
    return subprocess.Popen(cmd, env=env, **popen)  # type: ignore[call-overload]
