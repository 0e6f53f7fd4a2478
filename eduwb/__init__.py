"""eduwb: reconcile primary-school statistics between vnEdu and CSDL ngành."""

from eduwb.errors import EduwbError, ParameterError, ReadError, RegistryError

__all__ = ["EduwbError", "ParameterError", "ReadError", "RegistryError", "__version__"]
__version__ = "0.1.0"
