"""Raw rows → canonical tables (schemas.py), with a row account for every file.

A bad cell rejects that value (the row is loaded with the value missing); a row with no identity
(no name and no code) is rejected whole; a file of unknown kind has all its rows rejected. Every
rejection is listed with file, sheet, Excel row, the column as written, the value and the reason.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from eduwb import fields as catalogue
from eduwb import schemas, text, values, vocab
from eduwb.read import RawTable
from eduwb.registry import Registry

# What normalising needs to know of each field comes from the field catalogue (eduwb.fields).
IDENTITY_FIELDS: dict[str, tuple[str, ...]] = {kind: catalogue.identity(kind) for kind in vocab.LIST_KINDS}
NULLABLE_DTYPES: dict[str, str] = {
    "row": "int64",
    **{name: "Int64" for name in catalogue.of_dtype("int")},
    **{name: "boolean" for name in catalogue.of_dtype("flag")},
}
DATE_FIELDS = catalogue.of_dtype("date")
# Free text is checked for TCVN3/VNI in every file; a closed vocabulary only when some value fails
# to parse (legacy text cannot parse as Unicode Vietnamese labels); codes, dates, counts never.
FREE_TEXT_FIELDS = catalogue.legacy("free")
TEXT_FIELDS = FREE_TEXT_FIELDS | catalogue.legacy("vocab")
EARLIEST_BIRTH = dt.date(1940, 1, 1)
MAX_CELL_CHARS = 1000  # no value of a known column is longer: a longer cell is rejected
SHOWN_CHARS = 200  # a rejected value is shown up to this many characters
@dataclass(frozen=True)
class NormalisedFile:
    """One file's (one sheet's) canonical records, rejections and load-report row.

    ``rejected`` rows carry a private ``_school`` key (the school code as written, None for a row
    whose school is unknown) and ``schools`` counts rows per school code as written — (loaded,
    rejected whole) — so that the loader can leave out the schools a later export supersedes.
    """

    kind: str
    records: dict[str, list[Any]]  # column → values, columns schemas.columns(kind); {} if unknown
    rejected: list[dict[str, Any]]  # rows of rejected_rows.csv (+ "_school")
    report: dict[str, Any]  # one row of load_report.csv
    carried: tuple[str, ...] = ()  # canonical fields (facility items) the export carries
    schools: dict[str, tuple[int, int]] = field(default_factory=dict)
    district_level: bool = False


def normalise(raw: RawTable, registry: Registry | None = None) -> NormalisedFile:
    """Turn one raw table into canonical records; nothing is dropped without being listed."""
    base = {"system": raw.system, "file": raw.file, "sheet": raw.sheet}
    messages = list(raw.notes)
    if raw.duplicate_headers:
        messages.append("duplicate columns ignored: " + ", ".join(raw.duplicate_headers))
    if raw.kind not in vocab.LIST_KINDS:
        reason = "the file's header names no known list (students, staff, classes, facilities)"
        rejected = [{**base, "row": r, "column": "", "value": "", "reason": reason,
                     "_school": None} for r, _ in raw.rows]
        return NormalisedFile(
            raw.kind,
            {},
            rejected,
            _report(raw, len(raw.rows), 0, len(raw.rows), "; ".join([reason, *messages])),
        )

    rows = raw.rows
    school_bad: dict[int, str] = {}
    parsed: dict[str, list[Any]] = {}
    labels: dict[str, str] = {}
    rejected_values: list[tuple[int, dict[str, Any]]] = []  # (row position, rejection)
    legacy = _legacy_decoder(raw)
    by_column = _columns(rows)
    for col in raw.columns:
        parser = catalogue.parser(col.field) if col.field is not None else None
        if parser is None:
            continue
        i = col.index
        cells = by_column(i)
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
        if col.field == "school_code":
            school_bad = {pos: f"{col.label}: {reason}" for pos, _, reason in bad}
        for pos, value, reason in bad:
            rejected_values.append((pos, {**base, "row": rows[pos][0], "column": col.label,
                                          "value": _show(value, col.field),
                                          "reason": catalogue.mask_identifiers_in(reason)}))

    n = len(rows)
    fields = _compose(raw.kind, parsed, n)
    keep, whole_rejected = _identity(raw, fields, n, base)
    file_code = raw.school_code
    if raw.district_level:
        codes, why = _row_schools(fields, n, registry, school_bad, labels)
        for i in range(n):
            if keep[i] and codes[i] is None:
                keep[i] = False
                whole_rejected.append({**base, "row": rows[i][0], "column": "",
                                       "value": _row_text(raw, rows[i][1]), "reason": why[i],
                                       "_school": None})
        for rej in whole_rejected:
            if "_school" not in rej:
                pos = rej.pop("_pos")
                rej["_school"] = codes[pos]
    else:
        codes = [file_code] * n
        for rej in whole_rejected:
            rej.pop("_pos", None)
            rej.setdefault("_school", file_code)
    export_date = raw.export_date
    _check_dates(fields, keep, rows, labels, base, export_date, rejected_values)

    rejected = whole_rejected + [{**rej, "_school": codes[pos]}
                                 for pos, rej in rejected_values if keep[pos]]
    positions = [i for i in range(n) if keep[i]]
    if raw.district_level:
        if registry is not None:
            current = [registry.current(c) for c in codes]
            olds = sorted({c for c in codes if c is not None and registry.is_old_code(c)})
            messages += [f"rows of school {registry.current(c)} filed under its old code {c}"
                         for c in olds]
        else:
            current = list(codes)
        report_code = ""
    else:
        cur = registry.current(file_code) if registry else file_code
        current = [cur] * n
        if registry is not None and file_code and not registry.knows(file_code):
            messages.append(f"school {file_code} is not in the registry (danh_muc/truong.xlsx)")
        if registry is not None and registry.is_old_code(file_code):
            messages.append(f"filed under the old code {file_code} of school {cur}")
        report_code = file_code or ""

    if raw.kind == "facilities":
        records = _facility_records(raw, fields, positions, base, codes, current)
    else:
        records = _records(raw.kind, fields, positions, rows, base, codes, current)
    loaded = len(positions)
    report = _report(raw, n, loaded, n - loaded, "; ".join(messages), report_code)
    if raw.kind == "facilities":
        carried = tuple(sorted({item for item in records["item"] if item is not None}))
    else:
        carried = tuple(f for f in schemas.FIELDS_BY_KIND[raw.kind] if f in fields)
    counts: dict[str, list[int]] = {}
    for i in positions:
        code = codes[i]
        if code is not None:
            counts.setdefault(code, [0, 0])[0] += 1
    for rej in whole_rejected:
        if rej["_school"] is not None:
            counts.setdefault(rej["_school"], [0, 0])[1] += 1
    if not raw.district_level and file_code is not None:
        counts.setdefault(file_code, [0, 0])
    schools = {code: (a, b) for code, (a, b) in counts.items()}
    return NormalisedFile(raw.kind, records, rejected, report, carried, schools,
                          raw.district_level)


def _row_schools(fields: dict[str, list[Any]], n: int, registry: Registry | None,
                 bad: dict[int, str], labels: dict[str, str]) -> tuple[list[str | None], list[str]]:
    """Each row's school code as written (its Mã trường, else its Tên trường resolved through the
    registry), or None and the reason the row's school is unknown."""
    codes = list(fields.get("school_code") or [None] * n)
    names = fields.get("school_name") or [None] * n
    why = [""] * n
    code_label = labels.get("school_code", "Mã trường")
    resolved: dict[str, tuple[str | None, str]] = {}
    if registry is not None:
        for name in {nm for c, nm in zip(codes, names, strict=True) if c is None and nm}:
            resolved[name] = registry.resolve_name(name)
        districts = {registry.district_of(c) for c in codes if c is not None}
        districts |= {registry.district_of(c) for c, _ in resolved.values() if c is not None}
        districts.discard(None)
        for name, (code, _) in list(resolved.items()):
            if code is None and districts:  # a name several districts share: the file's own
                resolved[name] = registry.resolve_name(name, districts)
    for i in range(n):
        code = codes[i]
        if code is None:
            name = names[i]
            if i in bad:
                why[i] = f"the row's school is unknown ({bad[i]})"
            elif name and registry is None:
                why[i] = f"the school name '{name}' cannot be resolved without the registry"
            elif name:
                code, reason = resolved[name]
                if code is None:
                    why[i] = reason
            else:
                why[i] = (f"the row names no school: '{code_label}' is blank (a district-level "
                          "list needs each row's school)")
        elif registry is not None and not registry.knows(code):
            why[i] = f"school {code} is not in the registry (danh_muc/truong.xlsx)"
            code = None
        codes[i] = code
    return codes, why


def _columns(rows: tuple) -> Callable[[int], Sequence[Any]]:
    """Column ``i`` of the rows' values (None where a row is shorter), transposed once."""
    cells_of_rows = [r[1] for r in rows]
    if cells_of_rows and len({len(v) for v in cells_of_rows}) == 1:
        columns = list(zip(*cells_of_rows, strict=True))  # rows of one width: the usual case
        width = len(columns)
        return lambda i: columns[i] if i < width else (None,) * len(cells_of_rows)
    return lambda i: [v[i] if i < len(v) else None for v in cells_of_rows]


def _legacy_decoder(raw: RawTable) -> Callable[[Sequence[Any]], Sequence[Any]]:
    """Per-column repair of TCVN3/VNI text; a legacy header means the whole file is legacy."""

    def repair(cells: Sequence[Any]) -> Sequence[Any]:
        strings = sorted(v for v in dict.fromkeys(cells) if v.__class__ is str)
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
    cells: Sequence[Any], parser: Callable[[Any], Any]
) -> tuple[list[Any], list[tuple[int, Any, str]]]:
    """Parse every distinct value once; collect rejections with their positions."""
    if bool in set(map(type, cells)):  # True == 1 == 1.0 must not share a parse
        return _parse_column_keyed(cells, parser)
    ok: dict[Any, Any] = {}
    bad_values: dict[Any, str] = {}
    for cell in dict.fromkeys(cells):
        if cell.__class__ is str and len(cell) > MAX_CELL_CHARS:
            bad_values[cell] = _too_long(cell)
            continue
        try:
            ok[cell] = parser(cell)
        except values.Rejected as exc:
            bad_values[cell] = str(exc)
    out = list(map(ok.get, cells))  # a rejected value is missing (None)
    if not bad_values:
        return out, []
    return out, [(pos, cell, bad_values[cell]) for pos, cell in enumerate(cells)
                 if cell in bad_values]


def _too_long(cell: str) -> str:
    return f"a text of {len(cell):,} characters is longer than any value of this column"


def _parse_column_keyed(
    cells: Sequence[Any], parser: Callable[[Any], Any]
) -> tuple[list[Any], list[tuple[int, Any, str]]]:
    """:func:`_parse_column` for a column holding booleans: each keyed by (type, value)."""
    cache: dict[Any, tuple[bool, Any]] = {}
    out: list[Any] = []
    bad: list[tuple[int, Any, str]] = []
    for pos, cell in enumerate(cells):
        key = (bool, cell) if cell.__class__ is bool else cell
        hit = cache.get(key)
        if hit is None:
            if cell.__class__ is str and len(cell) > MAX_CELL_CHARS:
                hit = (False, _too_long(cell))
            else:
                try:
                    hit = (True, parser(cell))
                except values.Rejected as exc:
                    hit = (False, str(exc))
            cache[key] = hit
        out.append(hit[1] if hit[0] else None)
        if not hit[0]:
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
    keep = [False] * n
    for k in keys:
        keep = [kept or v is not None for kept, v in zip(keep, fields[k], strict=True)]
    rejected = [
        {**base, "row": raw.rows[i][0], "column": "", "value": _row_text(raw, raw.rows[i][1]),
         "reason": reason, "_pos": i}
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
    codes: list[str | None],
    current: list[str | None],
) -> dict[str, list[Any]]:
    n = len(positions)
    every = n == len(rows)
    columns: dict[str, list[Any]] = {
        "system": [base["system"]] * n,
        "file": [base["file"]] * n,
        "sheet": [base["sheet"]] * n,
        "row": [rows[i][0] for i in positions],
        "file_school_code": list(codes) if every else [codes[i] for i in positions],
        "school_code": list(current) if every else [current[i] for i in positions],
    }
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
    codes: list[str | None],
    current: list[str | None],
) -> dict[str, list[Any]]:
    """Long records (one per item) from a long (Hạng mục/Số lượng) or a wide facilities sheet."""
    recs: list[tuple[int, str, Any, int]] = []
    if "item" in fields:
        counts = fields.get("count", [None] * len(raw.rows))
        recs = [(raw.rows[i][0], fields["item"][i], counts[i], i) for i in positions]
    else:
        for i in positions:
            recs += [(raw.rows[i][0], item, fields[item][i], i)
                     for item in vocab.FACILITY_ITEMS if item in fields]
    n = len(recs)
    return {
        "system": [base["system"]] * n,
        "file": [base["file"]] * n,
        "sheet": [base["sheet"]] * n,
        "row": [r[0] for r in recs],
        "file_school_code": [codes[r[3]] for r in recs],
        "school_code": [current[r[3]] for r in recs],
        "item": [r[1] for r in recs],
        "count": [r[2] for r in recs],
    }


def frame(kind: str, parts: list[dict[str, list[object]]]) -> pd.DataFrame:
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
            data[name] = _text_array(cells)
    return pd.DataFrame(data, columns=columns)


def _text_array(cells: list[Any]) -> Any:
    """A text column (str or None values) as pandas' Arrow-backed ``str`` array, built by Arrow
    directly (the general constructor checks every value in Python first)."""
    import pyarrow as pa

    try:
        return pd.array(pa.array(cells, type=pa.large_string()), dtype=TEXT_DTYPE)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # a value that is not text: the general way
        return pd.array(cells, dtype=TEXT_DTYPE)


TEXT_DTYPE = pd.StringDtype(na_value=np.nan)  # pandas' "str": Arrow-backed, missing = NaN


def _report(raw: RawTable, read: int, loaded: int, rejected: int, message: str,
            school_code: str | None = None) -> dict[str, Any]:
    return {
        "system": raw.system,
        "file": raw.file,
        "sheet": raw.sheet,
        "kind": raw.kind,
        "school_code": (raw.school_code or "") if school_code is None else school_code,
        "rows_read": read,
        "rows_loaded": loaded,
        "rows_rejected": rejected,
        "message": message,
        "export_date": raw.export_date,
    }


def _show(value: Any, field: str | None = None) -> str:
    """A rejected value as rejected_rows.csv shows it: personal IDs masked, long text cut."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    s = str(value).strip()
    if field is not None and catalogue.is_identifier(field):
        return catalogue.mask_identifier(re.sub(r"\D", "", s)) or "****"
    if len(s) > SHOWN_CHARS:
        s = s[:SHOWN_CHARS] + f"… ({len(s):,} characters)"
    return catalogue.mask_identifiers_in(s)


def _row_text(raw: RawTable, cells: tuple) -> str:
    """A whole rejected row as text: the known columns only (never parents, phones, addresses),
    personal ID numbers masked."""
    out = []
    for col in raw.columns:
        if col.field is None or col.index >= len(cells):
            continue
        v = cells[col.index]
        if v.__class__ is str:
            v = v.strip()
        if v is not None and v != "":
            out.append(_show(v, col.field))
    return " | ".join(out)
