"""Raw rows → canonical tables (schemas.py), with a row account for every file.

A bad cell rejects that value (the row is loaded with the value missing); a row with no identity
(no name and no code) is rejected whole; a file of unknown kind has all its rows rejected. Every
rejection is listed with file, sheet, Excel row, the column as written, the value and the reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from eduwb import schemas, text, values, vocab
from eduwb.read import RawTable
from eduwb.registry import Registry

# Parser of every canonical (or helper) field a header can map to.
PARSERS: dict[str, Callable[[Any], Any]] = {
    "school_code": values.school_code,
    "vnedu_id": values.local_id,
    "moet_id": values.moet_id,
    "personal_id": values.personal_id,
    "full_name": values.name,
    "middle_name": values.name,
    "given_name": values.name,
    "dob": values.date,
    "sex": values.sex,
    "female_mark": values.female_mark,
    "ethnicity": values.ethnicity,
    "class_name": values.class_name,
    "grade": values.grade,
    "status": values.status,
    "status_date": values.date,
    "disability": values.disability,
    "two_sessions": values.flag,
    "boarding": values.flag,
    "repeater": values.flag,
    "new_entrant": values.flag,
    "evaluation": values.evaluation,
    "completed_primary": values.flag,
    "staff_group": values.staff_group,
    "position": values.position,
    "subject": values.subject,
    "qualification": values.qualification,
    "contract": values.contract,
    "staff_status": values.staff_status,
    "multi_grade": values.flag,
    "homeroom_teacher": values.name,
    "declared_size": values.count,
    "sessions_per_day": values.sessions_per_day,
    "item": values.facility_item,
    "count": values.count,
    **{item: values.count for item in vocab.FACILITY_ITEMS},
}
IDENTITY_FIELDS: dict[str, tuple[str, ...]] = {
    "students": ("full_name", "vnedu_id", "moet_id"),
    "staff": ("full_name", "vnedu_id", "moet_id"),
    "classes": ("class_name",),
}
NULLABLE_DTYPES: dict[str, str] = {
    "row": "int64",
    "grade": "Int64",
    "declared_size": "Int64",
    "count": "Int64",
    "two_sessions": "boolean",
    "boarding": "boolean",
    "repeater": "boolean",
    "new_entrant": "boolean",
    "completed_primary": "boolean",
    "multi_grade": "boolean",
}
EARLIEST_BIRTH = dt.date(1940, 1, 1)
# Free text is checked for TCVN3/VNI in every file; a closed vocabulary only when some value fails
# to parse (legacy text cannot parse as Unicode Vietnamese labels).
FREE_TEXT_FIELDS = frozenset({"full_name", "middle_name", "given_name", "homeroom_teacher",
                              "position", "subject"})
# Fields whose text may be legacy-encoded (TCVN3/VNI); codes, dates and counts cannot be.
TEXT_FIELDS = frozenset({
    "full_name", "middle_name", "given_name", "sex", "female_mark", "ethnicity", "class_name",
    "grade", "status", "disability", "two_sessions", "boarding", "repeater", "new_entrant",
    "evaluation", "completed_primary", "staff_group", "position", "subject", "qualification",
    "contract", "staff_status", "multi_grade", "homeroom_teacher", "item",
})


@dataclass(frozen=True)
class NormalisedFile:
    """One file's canonical records, rejections and load-report row."""

    kind: str
    records: dict[str, list[Any]]  # column → values, columns schemas.columns(kind); {} if unknown
    rejected: list[dict[str, Any]]  # rows of rejected_rows.csv
    report: dict[str, Any]  # one row of load_report.csv
    carried: tuple[str, ...] = ()  # canonical fields (facility items) the export carries


def normalise(raw: RawTable, registry: Registry | None = None) -> NormalisedFile:
    """Turn one raw table into canonical records; nothing is dropped without being listed."""
    base = {"system": raw.system, "file": raw.file, "sheet": raw.sheet}
    messages = []
    if raw.duplicate_headers:
        messages.append("duplicate columns ignored: " + ", ".join(raw.duplicate_headers))
    if raw.kind not in vocab.LIST_KINDS:
        reason = "the file's header names no known list (students, staff, classes, facilities)"
        rejected = [{**base, "row": r, "column": "", "value": "", "reason": reason}
                    for r, _ in raw.rows]
        return NormalisedFile(
            raw.kind,
            {},
            rejected,
            _report(raw, len(raw.rows), 0, len(raw.rows), "; ".join([reason, *messages])),
        )

    rows = raw.rows
    parsed: dict[str, list[Any]] = {}
    labels: dict[str, str] = {}
    rejected_values: list[tuple[int, dict[str, Any]]] = []  # (row position, rejection)
    legacy = _legacy_decoder(raw)
    cells_of_rows = [r[1] for r in rows]
    for col in raw.columns:
        if col.field is None or col.field not in PARSERS:
            continue
        i = col.index
        cells = [v[i] if i < len(v) else None for v in cells_of_rows]
        parser = PARSERS[col.field]
        if col.field in FREE_TEXT_FIELDS or raw.legacy_encoding:
            cells = legacy(cells)
            out, bad = _parse_column(cells, parser)
        else:
            out, bad = _parse_column(cells, parser)
            if bad and col.field in TEXT_FIELDS:
                # A closed vocabulary written in TCVN3/VNI fails to parse: repair and retry.
                repaired = legacy(cells)
                if repaired is not cells:
                    out, bad = _parse_column(repaired, parser)
        parsed[col.field] = out
        labels[col.field] = col.label
        for pos, value, reason in bad:
            rejected_values.append((pos, {**base, "row": rows[pos][0], "column": col.label,
                                          "value": _show(value), "reason": reason}))

    n = len(rows)
    fields = _compose(raw.kind, parsed, n)
    keep, whole_rejected = _identity(raw, fields, n, base)
    export_date = raw.export_date
    _check_dates(fields, keep, rows, labels, base, export_date, rejected_values)

    rejected = whole_rejected + [rej for pos, rej in rejected_values if keep[pos]]
    file_code = raw.school_code
    current = registry.current(file_code) if registry else file_code
    if registry is not None and file_code and not registry.knows(file_code):
        messages.append(f"school {file_code} is not in the registry (danh_muc/truong.xlsx)")
    if registry is not None and registry.is_old_code(file_code):
        messages.append(f"filed under the old code {file_code} of school {current}")

    positions = [i for i in range(n) if keep[i]]
    if raw.kind == "facilities":
        records = _facility_records(raw, fields, positions, base, file_code, current)
    else:
        records = _records(raw.kind, fields, positions, rows, base, file_code, current)
    loaded = len(positions)
    report = _report(raw, n, loaded, n - loaded, "; ".join(messages))
    if raw.kind == "facilities":
        carried = tuple(sorted({item for item in records["item"] if item is not None}))
    else:
        carried = tuple(f for f in schemas.FIELDS_BY_KIND[raw.kind] if f in fields)
    return NormalisedFile(raw.kind, records, rejected, report, carried)


def _legacy_decoder(raw: RawTable) -> Callable[[list[Any]], list[Any]]:
    """Per-column repair of TCVN3/VNI text; a legacy header means the whole file is legacy."""

    def repair(cells: list[Any]) -> list[Any]:
        strings = sorted({c for c in cells if isinstance(c, str)})
        if not strings or all(c.isascii() for c in strings):
            return cells
        if raw.legacy_encoding == "tcvn3":
            mapping = {s: text.decode_tcvn3(s) for s in strings}
        elif raw.legacy_encoding == "vni":
            mapping = {s: text.decode_vni(s) for s in strings}
        else:
            fixed, encoding = text.repair_legacy(strings)
            if encoding is None:
                return cells
            mapping = dict(zip(strings, fixed, strict=True))
        return [mapping.get(c, c) if isinstance(c, str) else c for c in cells]

    return repair


def _parse_column(
    cells: list[Any], parser: Callable[[Any], Any]
) -> tuple[list[Any], list[tuple[int, Any, str]]]:
    """Parse every cell once per distinct value; collect rejections with their positions."""
    cache: dict[Any, tuple[bool, Any]] = {}
    out: list[Any] = []
    append = out.append
    bad: list[tuple[int, Any, str]] = []
    for pos, cell in enumerate(cells):
        # True == 1 == 1.0: booleans get their own key, other values are their own key.
        key = (bool, cell) if cell.__class__ is bool else cell
        hit = cache.get(key)
        if hit is None:
            try:
                hit = (True, parser(cell))
            except values.Rejected as exc:
                hit = (False, str(exc))
            cache[key] = hit
        if hit[0]:
            append(hit[1])
        else:
            append(None)
            bad.append((pos, cell, hit[1]))
    return out, bad


def _compose(kind: str, parsed: dict[str, list[Any]], n: int) -> dict[str, list[Any]]:
    """Derive canonical fields from helper columns (split names, Nữ mark, Số buổi, grade)."""
    fields = dict(parsed)
    if "full_name" not in fields and ("given_name" in fields or "middle_name" in fields):
        middle = fields.get("middle_name", [None] * n)
        given = fields.get("given_name", [None] * n)
        fields["full_name"] = [
            " ".join(p for p in (m, g) if p) or None for m, g in zip(middle, given, strict=True)
        ]
    if "sex" not in fields and "female_mark" in fields:
        fields["sex"] = fields["female_mark"]
    if kind == "classes" and "two_sessions" not in fields and "sessions_per_day" in fields:
        fields["two_sessions"] = fields["sessions_per_day"]
    if kind in ("students", "classes") and "class_name" in fields:
        grades = fields.get("grade", [None] * n)
        fields["grade"] = [
            g if g is not None else values.grade_of_class(c)
            for g, c in zip(grades, fields["class_name"], strict=True)
        ]
    return fields


def _identity(
    raw: RawTable, fields: dict[str, list[Any]], n: int, base: dict[str, Any]
) -> tuple[list[bool], list[dict[str, Any]]]:
    """Which rows have an identity; rows without one are rejected whole."""
    if raw.kind == "facilities":
        keys = ["item"] if "item" in fields else [f for f in vocab.FACILITY_ITEMS if f in fields]
        reason = "row names no facility item and no count"
    else:
        keys = [f for f in IDENTITY_FIELDS[raw.kind] if f in fields]
        reason = ("row has neither a name nor a code" if raw.kind != "classes"
                  else "row has no class name")
    keep = [any(fields[k][i] is not None for k in keys) for i in range(n)]
    rejected = [
        {**base, "row": raw.rows[i][0], "column": "", "value": _row_text(raw.rows[i][1]),
         "reason": reason}
        for i in range(n) if not keep[i]
    ]
    return keep, rejected


def _check_dates(
    fields: dict[str, list[Any]],
    keep: list[bool],
    rows: tuple,
    labels: dict[str, str],
    base: dict[str, Any],
    export_date: dt.date | None,
    rejected_values: list[tuple[int, dict[str, Any]]],
) -> None:
    """Reject birth dates in the future (after the export) or implausibly old."""
    if "dob" not in fields:
        return
    latest = export_date or dt.date.max
    dobs = fields["dob"]
    for i, d in enumerate(dobs):
        if d is None or not keep[i]:
            continue
        if d > latest or d < EARLIEST_BIRTH:
            when = "after the export date" if d > latest else "before 1940"
            rejected_values.append((i, {**base, "row": rows[i][0], "column": labels["dob"],
                                        "value": d.strftime("%d/%m/%Y"),
                                        "reason": f"date of birth {d:%d/%m/%Y} is {when}"}))
            dobs[i] = None


def _records(
    kind: str,
    fields: dict[str, list[Any]],
    positions: list[int],
    rows: tuple,
    base: dict[str, Any],
    file_code: str | None,
    current: str | None,
) -> dict[str, list[Any]]:
    n = len(positions)
    columns: dict[str, list[Any]] = {
        "system": [base["system"]] * n,
        "file": [base["file"]] * n,
        "sheet": [base["sheet"]] * n,
        "row": [rows[i][0] for i in positions],
        "file_school_code": [file_code] * n,
        "school_code": [current] * n,
    }
    every = n == len(rows)
    for name in schemas.FIELDS_BY_KIND[kind]:
        col = fields.get(name)
        if col is None:
            columns[name] = [None] * n
        else:
            columns[name] = list(col) if every else [col[i] for i in positions]
    return columns


def _facility_records(
    raw: RawTable,
    fields: dict[str, list[Any]],
    positions: list[int],
    base: dict[str, Any],
    file_code: str | None,
    current: str | None,
) -> dict[str, list[Any]]:
    """Long records (one per item) from a long (Hạng mục/Số lượng) or a wide facilities sheet."""
    recs: list[tuple[int, str, Any]] = []
    if "item" in fields:
        counts = fields.get("count", [None] * len(raw.rows))
        recs = [(raw.rows[i][0], fields["item"][i], counts[i]) for i in positions]
    else:
        for i in positions:
            recs += [(raw.rows[i][0], item, fields[item][i])
                     for item in vocab.FACILITY_ITEMS if item in fields]
    n = len(recs)
    return {
        "system": [base["system"]] * n,
        "file": [base["file"]] * n,
        "sheet": [base["sheet"]] * n,
        "row": [r[0] for r in recs],
        "file_school_code": [file_code] * n,
        "school_code": [current] * n,
        "item": [r[1] for r in recs],
        "count": [r[2] for r in recs],
    }


def frame(kind: str, parts: list[dict[str, list[Any]]]) -> pd.DataFrame:
    """One canonical table from the column lists of many files, with stable dtypes: text as
    ``str`` (missing = NA), dates as objects (``datetime.date`` or None), counts as ``Int64``,
    flags as ``boolean``."""
    columns = list(schemas.columns(kind))
    data = {}
    for name in columns:
        cells = [v for part in parts for v in part[name]]
        if name in NULLABLE_DTYPES:
            data[name] = pd.array(cells, dtype=NULLABLE_DTYPES[name])
        elif name in DATE_FIELDS:
            data[name] = pd.array(cells, dtype=object)
        else:
            data[name] = pd.array(cells, dtype=TEXT_DTYPE)
    return pd.DataFrame(data, columns=columns)


DATE_FIELDS = ("dob", "status_date")
TEXT_DTYPE = pd.StringDtype(na_value=np.nan)  # pandas' "str": Arrow-backed, missing = NaN


def _report(raw: RawTable, read: int, loaded: int, rejected: int, message: str) -> dict[str, Any]:
    return {
        "system": raw.system,
        "file": raw.file,
        "sheet": raw.sheet,
        "kind": raw.kind,
        "school_code": raw.school_code or "",
        "rows_read": read,
        "rows_loaded": loaded,
        "rows_rejected": rejected,
        "message": message,
        "export_date": raw.export_date,
    }


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _row_text(cells: tuple) -> str:
    return " | ".join(_show(c) for c in cells if c is not None and c != "")
