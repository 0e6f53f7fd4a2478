"""Helpers that compare what eduwb loads with the sample generator's ground truth (_truth/)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from eduwb import fields, schemas, text
from eduwb.load import Period

NAME_FIELDS = tuple(f.name for f in fields.CATALOGUE if f.comparison == "name")
KEY = ["system", "file", "sheet", "row"]


def truth_frame(data: Path, year: str, period: str, name: str) -> pd.DataFrame:
    """One truth CSV as text (empty cells as "")."""
    path = data / "_truth" / year / period / name
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def as_text(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Canonical values rendered as the truth CSVs write them."""
    out = pd.DataFrame(index=frame.index)
    for name in columns:
        col = frame[name] if name in frame.columns else pd.Series([None] * len(frame))
        out[name] = [_render(v) for v in col]
    for name in NAME_FIELDS:
        if name in out.columns:
            out[name] = out[name].map(text.fold_case)
    return out


def _render(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    if isinstance(value, bool):
        return str(value)
    return str(value)


def compare_canonical(period: Period, data: Path, kind: str, system: str) -> pd.DataFrame:
    """Rows where the loaded records and the truth differ (empty when they agree)."""
    columns = list(schemas.columns(kind))
    key = [*KEY, "item"] if kind == "facilities" else KEY
    truth = truth_frame(data, period.year, period.period, f"canonical/{system}_{kind}.csv")
    loaded = as_text(period.records(kind, system), columns)
    truth = as_text(truth, columns)
    merged = loaded.merge(truth, on=key, how="outer", suffixes=("_got", "_want"), indicator=True)
    bad = merged["_merge"] != "both"
    for name in columns:
        if name in key:
            continue
        bad |= merged[f"{name}_got"] != merged[f"{name}_want"]
    return merged[bad]
