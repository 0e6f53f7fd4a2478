"""Results → files: the CSVs of outputs.md (UTF-8 with BOM, sorted, ISO dates) and Excel for people."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd


def csv_text(frame: pd.DataFrame) -> str:
    """A frame as CSV text: dates as YYYY-MM-DD, missing values empty, ``\\n`` line ends."""
    out = frame.copy()
    for name in out.columns:
        col = out[name]
        if col.dtype == object or str(col.dtype) in ("str", "string"):
            out[name] = col.map(_cell, na_action="ignore")
    return out.to_csv(index=False, lineterminator="\n")


def write_csv(frame: pd.DataFrame, path: Path | str) -> Path:
    """Write ``frame`` as outputs.md asks: UTF-8 with BOM, comma-separated, one header row."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xef\xbb\xbf" + csv_text(frame).encode("utf-8"))
    return path


def _cell(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
