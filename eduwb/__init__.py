"""eduwb: reconcile primary-school statistics between vnEdu and CSDL ngành."""

from eduwb.errors import EduwbError, ParameterError, ReadError, RegistryError
from eduwb.load import Period, load_period
from eduwb.registry import Registry, load_registry

__all__ = [
    "EduwbError",
    "ParameterError",
    "Period",
    "ReadError",
    "Registry",
    "RegistryError",
    "__version__",
    "load_period",
    "load_registry",
]
__version__ = "0.1.0"
