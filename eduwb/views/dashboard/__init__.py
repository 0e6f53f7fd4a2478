"""The leadership dashboard (Voilà, ``notebooks/dashboard.ipynb``): counts only, in Vietnamese.

:mod:`.model` turns snapshots and trackings into small tables, :mod:`.html` renders them,
:mod:`.widgets` lays them out (:func:`app` is what the notebook calls); :mod:`.serve` starts Voilà
with a bounded number of kernels (:mod:`.sessions`). Names of the three layers are reachable here
(``dashboard.app``, ``dashboard.tiles``...), imported on first use so that the server, which loads
:mod:`.sessions`, does not pay for pandas.
"""

from __future__ import annotations

import importlib

_LAYERS = ("model", "html", "widgets")


def __getattr__(name: str) -> object:
    for layer in _LAYERS:
        module = importlib.import_module(f"{__name__}.{layer}")
        if name in vars(module) and not name.startswith("__"):
            return vars(module)[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
