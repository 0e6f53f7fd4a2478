"""Loaded periods made from a few inline records, for tests of match, compare, indicators, explain.

``period_of(records)`` takes canonical records (dicts with ``system``, ``kind``, ``school_code`` and
any canonical fields) and returns a :class:`eduwb.load.Period` as the loader would: one export file
per (system, kind, school), every file carrying the fields given (or ``carried``), a registry of the
schools named (district 689 unless a school is given one).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from eduwb import schemas, vocab
from eduwb.load import Period
from eduwb.registry import Registry

YEAR = "2021-2022"
DISTRICT = "689"
INT_COLUMNS = ("grade", "declared_size", "count")
FLAG_COLUMNS = ("two_sessions", "boarding", "repeater", "new_entrant", "completed_primary",
                "multi_grade")


def registry_of(schools: Iterable[str], districts: Mapping[str, str] | None = None,
                old_codes: Mapping[str, tuple[str, ...]] | None = None) -> Registry:
    """A registry of these school codes (district 689 unless ``districts`` says otherwise)."""
    codes = sorted(set(schools))
    districts = districts or {}
    old_codes = old_codes or {}
    frame = pd.DataFrame({
        "school_code": codes, "name": [f"TH {c[-3:]}" for c in codes], "school_type": "TH",
        "district_code": [districts.get(c, DISTRICT) for c in codes], "commune_code": None,
        "ownership": "Công lập", "old_codes": [tuple(old_codes.get(c, ())) for c in codes],
        "merged_on": None})
    ds = sorted(set(frame["district_code"]))
    offices = pd.DataFrame({"district_code": ds, "name": [f"Phòng {d}" for d in ds],
                            "specialist": "X", "phone": None, "email": None})
    return Registry.from_frames(frame, offices)


def file_of(system: str, kind: str, school: str) -> str:
    return f"{YEAR}/dau_nam/{system}/{school}_{kind}.xlsx"


def period_of(records: Iterable[Mapping], *, period: str = "dau_nam",
              carried: Mapping[tuple[str, str], Iterable[str]] | None = None,
              exports: Iterable[tuple[str, str, str]] = (),
              registry: Registry | None = None) -> Period:
    """A period holding ``records`` (each with ``system``, ``kind``, ``school_code``).

    ``carried[(system, kind)]``: the fields that system's exports of the kind carry (default: the
    fields its records name); ``file_school_code`` in a record: the code its file is under (an
    old code of a merged school); ``exports``: more (system, kind, school) files that hold no
    record (an empty list exported); ``registry``: default, the schools named.
    """
    rows: dict[str, list[dict]] = {k: [] for k in vocab.LIST_KINDS}
    given: dict[tuple[str, str], set[str]] = {}
    files: set[tuple[str, str, str]] = set(exports)
    for n, rec in enumerate(records):
        rec = dict(rec)
        kind, system = rec.pop("kind"), rec["system"]
        written = rec.pop("file_school_code", rec["school_code"])  # the code as the file has it
        files.add((system, kind, written))
        given.setdefault((system, kind), set()).update(
            k for k in rec if k in schemas.FIELDS_BY_KIND[kind])
        full = dict.fromkeys(schemas.columns(kind))
        full.update(file=file_of(system, kind, written), sheet="Sheet1", row=n + 2,
                    file_school_code=written)
        full.update(rec)
        rows[kind].append(full)
    tables = {}
    for kind, recs in rows.items():
        table = pd.DataFrame(recs, columns=list(schemas.columns(kind)))
        for name in INT_COLUMNS:
            if name in table:
                table[name] = table[name].astype("Int64")
        for name in FLAG_COLUMNS:
            if name in table:
                table[name] = table[name].astype("boolean")
        tables[kind] = table.sort_values(["system", "school_code", "file", "row"],
                                         ignore_index=True)
    report, carry = [], []
    for system, kind, school in sorted(files):
        file = file_of(system, kind, school)
        n = sum(1 for r in rows[kind] if r["file"] == file)
        report.append({"system": system, "file": file, "sheet": "Sheet1", "kind": kind,
                       "school_code": school, "rows_read": n, "rows_loaded": n,
                       "rows_rejected": 0, "message": "", "export_date": None})
        fields = (carried or {}).get((system, kind), given.get((system, kind), set()))
        if kind == "facilities":
            fields = {r["item"] for r in rows[kind] if r["file"] == file}
        carry += [(system, file, f) for f in sorted(fields)]
    registry = registry or registry_of({s for _, _, s in files})
    return Period(Path("."), YEAR, period, None, registry, tables,
                  pd.DataFrame(report, columns=list(vocab.LOAD_REPORT_COLUMNS)),
                  pd.DataFrame(columns=list(vocab.REJECTED_ROW_COLUMNS)),
                  pd.DataFrame(carry, columns=["system", "file", "field"]))


def pupil(system: str, school: str = "70689001", **fields: object) -> dict:
    """A present grade-1 pupil record, with ``fields`` overriding."""
    import datetime as dt

    rec = {"system": system, "kind": "students", "school_code": school,
           "full_name": "Nguyễn Văn An", "dob": dt.date(2015, 3, 4), "sex": "M",
           "ethnicity": "Kinh", "class_name": "1A", "grade": 1, "status": "Đang học"}
    rec.update(fields)
    return rec
