"""eduwb: reconcile primary-school statistics between vnEdu and CSDL ngành.

The facade: load a period, reconcile it, keep a snapshot, track deadlines, print the forms.
Everything else is reachable through its module (``eduwb.read``, ``eduwb.match``...).
"""

from eduwb.calendar import Deadlines, deadlines
from eduwb.errors import EduwbError, ParameterError, ReadError, RegistryError
from eduwb.forms import write_district_form, write_school_form
from eduwb.load import Period, load_period
from eduwb.reconcile import Reconciliation, reconcile
from eduwb.registry import Registry, load_registry
from eduwb.store import Snapshot, snapshot
from eduwb.tracking import Tracking, track

__all__ = [
    "Deadlines",
    "EduwbError",
    "ParameterError",
    "Period",
    "ReadError",
    "Reconciliation",
    "Registry",
    "RegistryError",
    "Snapshot",
    "Tracking",
    "__version__",
    "deadlines",
    "load_period",
    "load_registry",
    "reconcile",
    "snapshot",
    "track",
    "write_district_form",
    "write_school_form",
]
__version__ = "0.1.0"
