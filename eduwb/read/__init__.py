"""Read export files (xlsx, xls, ods, HTML saved as .xls, csv) into raw tables.

- :mod:`eduwb.read.sources`: finding files, sniffing formats, size limits, decoding text, sheets;
- :mod:`eduwb.read.header`: the header rows, the list kind, the canonical field of each column;
- :mod:`eduwb.read.table`: the data rows, footer, school and export date of each list.
"""

from eduwb.read.sources import (
    EXPORT_SUFFIXES,
    Limits,
    Skipped,
    find_export_files,
    scan_exports,
)
from eduwb.read.table import (
    RawColumn,
    RawTable,
    SheetSurvey,
    codes_in_name,
    read_table,
    read_tables,
)

__all__ = [
    "EXPORT_SUFFIXES",
    "Limits",
    "RawColumn",
    "RawTable",
    "SheetSurvey",
    "Skipped",
    "codes_in_name",
    "find_export_files",
    "read_table",
    "read_tables",
    "scan_exports",
]
