"""Errors that say what to fix: each carries file, sheet, row and column where known."""

from __future__ import annotations


class EduwbError(Exception):
    """Base of every eduwb error; ``str()`` names the place and the problem in one line."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.sheet = sheet
        self.row = row
        self.column = column

    def where(self) -> str:
        """The place as a person reads it: `file`, sheet S, row R, column C."""
        parts = []
        if self.file:
            parts.append(f"`{self.file}`")
        if self.sheet:
            parts.append(f"sheet {self.sheet}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message


class ReadError(EduwbError):
    """A file cannot be opened or holds no usable table (corrupt, encrypted, empty, no header)."""


class SchoolNotFoundError(ReadError):
    """A file names no school: no Mã trường column, title line or 8-digit code in its name."""


class ValueRejected(EduwbError):
    """One cell's value cannot be read as its field (an impossible date, text in a number column)."""


class RegistryError(EduwbError):
    """The registry sheets (danh_muc/) are missing or unusable."""


class ParameterError(EduwbError):
    """A command or notebook parameter is invalid (unknown period, malformed year...)."""
