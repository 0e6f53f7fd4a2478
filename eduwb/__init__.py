"""eduwb: reconcile primary-school statistics between vnEdu and CSDL ngành."""

from eduwb.errors import EduwbError

__all__ = ["EduwbError", "__version__"]
__version__ = "0.1.0"
