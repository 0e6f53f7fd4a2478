"""eduwb: reconcile primary-school statistics between vnEdu and CSDL ngành."""

from eduwb.errors import EduwbError, ParameterError, ReadError, RegistryError
from eduwb.load import Period, load_period
from eduwb.read import RawTable, read_table
from eduwb.registry import Registry, load_registry

__all__ = [
    "EduwbError",
    "ParameterError",
    "Period",
    "RawTable",
    "ReadError",
    "Registry",
    "RegistryError",
    "__version__",
    "load_period",
    "load_registry",
    "read_table",
]
__version__ = "0.1.0"
