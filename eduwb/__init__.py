"""eduwb: reconcile primary-school statistics between vnEdu and CSDL ngành.

The facade: load a period, reconcile it, keep a snapshot, track deadlines, print the forms.
Everything else is reachable through its module (``eduwb.read``, ``eduwb.match``...).

Names are imported on first use (PEP 562), so that ``eduwb --help``, a bad argument or the
dashboard server do not pay for pandas and the pipeline.
"""

from __future__ import annotations

import importlib

# name → module that defines it
_FACADE: dict[str, str] = {
    "Deadlines": "eduwb.calendar",
    "deadlines": "eduwb.calendar",
    "EduwbError": "eduwb.errors",
    "ParameterError": "eduwb.errors",
    "ReadError": "eduwb.errors",
    "RegistryError": "eduwb.errors",
    "write_district_form": "eduwb.views.forms",
    "write_school_form": "eduwb.views.forms",
    "Period": "eduwb.load",
    "load_period": "eduwb.load",
    "Reconciliation": "eduwb.pipeline",
    "reconcile": "eduwb.pipeline",
    "Registry": "eduwb.registry",
    "load_registry": "eduwb.registry",
    "Snapshot": "eduwb.store",
    "snapshot": "eduwb.store",
    "Tracking": "eduwb.tracking",
    "track": "eduwb.tracking",
}

__all__ = sorted([*_FACADE, "__version__"])
__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    if name in _FACADE:
        value = getattr(importlib.import_module(_FACADE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'eduwb' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_FACADE})
