"""eduwb: reconcile primary-school statistics between vnEdu and CSDL ngành."""

from eduwb.calendar import Deadlines, deadlines, merge_report_deadline, working_days_after
from eduwb.errors import EduwbError, ParameterError, ReadError, RegistryError
from eduwb.forms import write_district_form, write_school_form
from eduwb.load import Period, load_period
from eduwb.read import RawTable, read_table
from eduwb.registry import Registry, load_registry
from eduwb.tracking import Tracking, track

__all__ = [
    "Deadlines",
    "EduwbError",
    "ParameterError",
    "Period",
    "RawTable",
    "ReadError",
    "Registry",
    "RegistryError",
    "Tracking",
    "__version__",
    "deadlines",
    "load_period",
    "load_registry",
    "merge_report_deadline",
    "read_table",
    "track",
    "working_days_after",
    "write_district_form",
    "write_school_form",
]
__version__ = "0.1.0"
