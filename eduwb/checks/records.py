"""One system's records of a loaded period, prepared for the checks: which schools exported which
lists carrying which fields, integer codes of the columns the rules group by, and the helpers that
turn records into finding rows. Everything is vectorised over the records (NumPy/pandas/Arrow)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from eduwb import vocab
from eduwb.load import Period
from eduwb.values import is_missing

STAFF_LEAVING = frozenset(vocab.STAFF_STATUSES) - frozenset(vocab.STAFF_AT_WORK)
Need = tuple[str, tuple[str, ...]]  # (list kind, canonical fields it must carry)
# What a rule's test returns, one row per finding (and ``m_*`` columns for its message).
FOUND_COLUMNS = ("school_code", "_kind", "_row", "field", "record_key", "moet_id", "full_name",
                 "class_name", "value")


@dataclass(frozen=True)
class PreviousPupils:
    """What the rules over time need of a period: ``present`` (system, school_code, key, moet_id,
    full_name, class_name, status: the present pupils with a record key) and ``lists`` (system,
    school_code, keyed: the export carries the key and the status; counted: it carries the
    status; present: its present pupils, keyed or not)."""

    period: str
    present: pd.DataFrame
    lists: pd.DataFrame


class System:
    """One system's records of a loaded period, with the schools that exported each list and the
    fields every export of a school carries."""

    def __init__(self, period: Period, system: str,
                 previous: PreviousPupils | None = None) -> None:
        self.period, self.system, self.year = period, system, period.year
        self.start = int(period.year[:4])
        self.previous = previous
        self.key = "vnedu_id" if system == "vnedu" else "moet_id"
        self.frames = {kind: _records(period, kind, system) for kind in vocab.LIST_KINDS}
        reg = period.registry
        exported: dict[str, set[str]] = {k: set() for k in vocab.LIST_KINDS}
        for code, kind in period.exported(system).itertuples(index=False):
            exported[kind].add(reg.current(code))
        rep = period.export_files()
        rep = rep[rep["system"] == system]
        self._files: dict[str, pd.DataFrame] = {}
        for kind, frame in self.frames.items():
            # (file, school) of every export: from the records (sorted by school and file: one
            # row per run), and from the load report for files without records.
            school, file = frame["school_code"], frame["file"]
            starts = np.flatnonzero(((school != school.shift()) | (file != file.shift()))
                                    .to_numpy(dtype=bool, na_value=True))
            pairs = pd.DataFrame({"file": file.iloc[starts].to_numpy(dtype=object),
                                  "school_code": school.iloc[starts].to_numpy(dtype=object)})
            mine = rep[rep["kind"] == kind]
            empty = pd.DataFrame({"file": mine["file"].to_numpy(dtype=object),
                                  "school_code": [reg.current(c) for c in mine["school_code"]]})
            pairs = pd.concat([pairs, empty], ignore_index=True).drop_duplicates()
            pairs = pairs[pairs["school_code"].notna()].reset_index(drop=True)
            exported[kind] |= set(pairs["school_code"])
            self._files[kind] = pairs.assign(
                _r=period.carried_matrix.rows(system, pairs["file"].to_numpy()))
        self.exported = exported
        self._carried = period.carried_matrix
        self._cache: dict[Any, Any] = {}

    def field(self, name: str) -> str:
        """A needed field's name in this system (``record_key``: vnEdu's code or the MOET code)."""
        return self.key if name == "record_key" else name

    def schools_carrying(self, kind: str, fields: Iterable[str]) -> set[str]:
        """Schools whose every export of ``kind`` carries all ``fields``. A facility item is
        carried by the schools that have a row for it in the file (a district-level file's items
        are the file's, not each of its schools')."""
        key = ("carry", kind, tuple(self.field(f) for f in fields))
        if key not in self._cache:
            pairs = self._files[kind]
            bad = np.zeros(len(pairs), dtype=bool)
            if kind == "facilities":
                rows = self.frames[kind]
                held = set(zip(rows["file"], rows["school_code"], rows["item"], strict=True))
                for f in key[2]:
                    bad |= np.array([(file, school, f) not in held for file, school
                                     in zip(pairs["file"], pairs["school_code"], strict=True)],
                                    dtype=bool)
            else:
                for f in key[2]:
                    bad |= ~self._carried.carries(pairs["_r"].to_numpy(), f)
            self._cache[key] = self.exported[kind] - set(pairs.loc[bad, "school_code"])
        return self._cache[key]

    def column(self, kind: str, name: str) -> pd.Series:
        frame = self.frames[kind]
        return frame[name] if name in frame else pd.Series(None, index=frame.index, dtype=object)

    def schools_of(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """Each record's school as an integer code, and the school codes (computed once)."""
        key = ("schools", kind)
        if key not in self._cache:
            codes, uniques = pd.factorize(self.frames[kind]["school_code"], use_na_sentinel=True)
            self._cache[key] = (codes, np.asarray(uniques, dtype=object))
        return self._cache[key]

    def isin_schools(self, kind: str, schools: set[str]) -> np.ndarray:
        codes, uniques = self.schools_of(kind)
        table = np.array([u in schools for u in uniques] + [False], dtype=bool)
        return table[codes]

    def codes(self, kind: str, name: str) -> tuple[np.ndarray, np.ndarray]:
        """A column's values as integer codes (-1 = missing) and the distinct values."""
        key = ("codes", kind, name)
        if key not in self._cache:
            codes, uniques = pd.factorize(self.column(kind, name), use_na_sentinel=True)
            self._cache[key] = (codes, np.asarray(uniques, dtype=object))
        return self._cache[key]

    def per_school(self, kind: str, mask: np.ndarray, schools: Iterable[str]) -> pd.Series:
        """How many records of ``mask`` each of ``schools`` has."""
        codes, uniques = self.schools_of(kind)
        ok = mask & (codes >= 0)
        n = np.bincount(codes[ok], minlength=len(uniques))
        return pd.Series(n, index=uniques, dtype="int64").reindex(list(schools), fill_value=0)

    def present(self) -> np.ndarray:
        """Pupils whose status is not a leaving value (blank counts as present)."""
        if "present" not in self._cache:
            leaving = per_value(self.column("students", "status"),
                                 lambda s: vocab.is_present(s) is False)
            self._cache["present"] = ~leaving
        return self._cache["present"]

    def dropouts(self) -> np.ndarray:
        if "dropout" not in self._cache:
            self._cache["dropout"] = per_value(self.column("students", "status"),
                                                lambda s: bool(vocab.is_dropout(s)))
        return self._cache["dropout"]

    def at_work(self) -> np.ndarray:
        """Staff whose status is not a leaving value (blank counts as at work)."""
        return ~per_value(self.column("staff", "staff_status"), lambda s: s in STAFF_LEAVING)

    def class_pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
        """(school, class) of each pupil and of each class-list row as one integer over shared
        vocabularies (-1: school or class blank), the school codes and class names they index,
        and the radix: pair = school × radix + class."""
        if "pairs" not in self._cache:
            sc, su = self.schools_of("students")
            lc, lu = self.schools_of("classes")
            schools = pd.Index(np.concatenate([su, lu]), dtype=object).unique()
            cc, cu = self.codes("students", "class_name")
            kc, ku = self.codes("classes", "class_name")
            names = pd.Index(np.concatenate([cu, ku]), dtype=object).unique()
            radix = len(names) + 1

            def pairs(s_codes, s_uni, c_codes, c_uni):
                s_map = np.append(schools.get_indexer(s_uni), -1)[s_codes].astype(np.int64)
                c_map = np.append(names.get_indexer(c_uni), -1)[c_codes].astype(np.int64)
                return np.where((s_map >= 0) & (c_map >= 0), s_map * radix + c_map, -1)

            self._cache["pairs"] = (pairs(sc, su, cc, cu), pairs(lc, lu, kc, ku),
                                    np.asarray(schools, dtype=object),
                                    np.asarray(names, dtype=object), radix)
        return self._cache["pairs"]

    def in_schools(self, pair: np.ndarray, schools: set[str]) -> np.ndarray:
        """Whether each pair's school is one of ``schools`` (False for -1)."""
        _, _, codes, _, radix = self.class_pairs()
        table = np.append(np.array([c in schools for c in codes], dtype=bool), False)
        return table[np.where(pair >= 0, pair // radix, -1)]

    def class_counts(self, schools: set[str]) -> tuple[np.ndarray, np.ndarray]:
        """(pairs, present pupils) of the classes of ``schools`` that have present pupils (pupil
        lists carrying the class and the status), pairs sorted."""
        if "counts" not in self._cache:
            stu = self.class_pairs()[0]
            m = (self.isin_schools("students", self.schools_carrying(
                "students", ("class_name", "status"))) & self.present() & (stu >= 0))
            self._cache["counts"] = np.unique(stu[m], return_counts=True)
        pairs, n = self._cache["counts"]
        keep = self.in_schools(pairs, schools)
        return pairs[keep], n[keep]

    def decode(self, pair: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """School codes and class names of pairs."""
        _, _, codes, names, radix = self.class_pairs()
        return codes[pair // radix], names[pair % radix]

    def classes_per_school(self, schools: set[str]) -> pd.Series:
        """Distinct class names of each school's class list (schools with a class list)."""
        rows = self.class_pairs()[1]
        distinct = sorted_unique(rows[self.in_schools(rows, schools)])
        codes, _ = self.decode(distinct)
        return pd.Series(codes).value_counts()

    def found(self, kind: str, mask: np.ndarray, field: str = "",
              value: str | dict[str, object] = "", **extra: object) -> pd.DataFrame:
        """Findings about the records of ``kind`` at ``mask``. ``value``: a string, or a dict of
        arrays aligned with the records written as ``key=value`` pairs; ``extra``: message
        arguments (scalars or aligned arrays). Only the found records are formatted."""
        at = np.flatnonzero(mask)
        frame = self.frames[kind]
        if isinstance(value, dict):
            value = key_values(**{k: (a[at] if isinstance(a, np.ndarray) else a)
                           for k, a in value.items()}) if len(at) else ""
        out = {
            "school_code": texts_at(frame["school_code"], at),
            "_kind": kind, "_row": frame.index.to_numpy()[at], "field": field,
            "record_key": texts_at(self.column(kind, self.key), at),
            "moet_id": texts_at(self.column(kind, "moet_id"), at),
            "full_name": texts_at(self.column(kind, "full_name"), at),
            "class_name": texts_at(self.column(kind, "class_name"), at) if kind == "students"
            else np.full(len(at), "", dtype=object),
            "value": value,
        }
        for name, v in extra.items():
            out[f"m_{name}"] = v[at] if isinstance(v, np.ndarray) else v
        return pd.DataFrame(out, index=range(len(at)))


class Scope:
    """Where one rule applies in one system: the schools of the run (``all``) and those that
    exported the lists and fields it ``needs`` (``base``)."""

    def __init__(self, v: System, needs: tuple[Need, ...], schools: set[str]) -> None:
        self.v, self.needs, self.all = v, needs, schools
        self.base = self.schools()

    def schools(self, *extra: Need) -> set[str]:
        """Schools of the run meeting the rule's needs and ``extra``."""
        out = set(self.all)
        for kind, fields in (*self.needs, *extra):
            out &= self.v.schools_carrying(kind, fields)
        return out

    def mask(self, kind: str, *fields: str) -> np.ndarray:
        """Records of ``kind`` in schools meeting the needs (and carrying ``fields``)."""
        schools = self.schools((kind, fields)) if fields else self.base
        return self.v.isin_schools(kind, schools)

    def class_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """Present pupils per class (pairs, counts) in the schools of the scope."""
        return self.v.class_counts(self.base)


def _records(period: Period, kind: str, system: str) -> pd.DataFrame:
    """One system's records, keeping the index labels of ``period.tables[kind]``."""
    table = period.tables[kind]
    at = np.flatnonzero((table["system"] == system).to_numpy())
    if len(at) and at[-1] - at[0] + 1 == len(at):
        return table.iloc[at[0]:at[-1] + 1]
    return table.iloc[at]


def per_value(s: pd.Series, func: Callable[[object], bool]) -> np.ndarray:
    """``func`` of each value, computed once per distinct value; missing values give False."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    table = np.array([bool(func(u)) for u in uniques] + [False], dtype=bool)
    return table[codes]


def sorted_unique(a: np.ndarray) -> np.ndarray:
    """Distinct values, sorted (sorting: NumPy 2.4's hash-based unique is slow on integers)."""
    a = np.sort(a)
    return a[np.concatenate(([True], a[1:] != a[:-1]))] if len(a) else a


def is_member(a: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Whether each value of ``a`` is in the sorted distinct ``table``."""
    if not len(table):
        return np.zeros(len(a), dtype=bool)
    at = np.minimum(np.searchsorted(table, a), len(table) - 1)
    return table[at] == a


def key_index(now: pd.Series, before: pd.Series) -> np.ndarray:
    """For each key of ``before``, the position in ``now`` of a record with that key (-1: none;
    for a key several records hold, one of them). Keys of digits only compare as integers (with
    their length, so that leading zeros count), others through Arrow's hash lookup."""
    a, b = _arrow(now), _arrow(before)
    da, db = _digit_keys(a), _digit_keys(b)
    if da is not None and db is not None:
        order = np.argsort(da, kind="stable")
        ranked = da[order]
        if not len(ranked):
            return np.full(len(db), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(ranked, db), len(ranked) - 1)
        return np.where((ranked[at] == db) & (db >= 0), order[at], -1)
    found = pc.index_in(b, value_set=a, skip_nulls=True)
    return np.asarray(found.fill_null(-1), dtype=np.int64)


def _arrow(s: pd.Series) -> pa.Array:
    """A text column as an Arrow string array."""
    try:
        return pa.array(s.array) if isinstance(s.dtype, pd.StringDtype) else pa.array(
            s.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if is_missing(x) else str(x) for x in s], type=pa.string())


def _digit_keys(a: pa.Array) -> np.ndarray | None:
    """Keys of 1-17 digits as integers × 20 + length (-1 for a missing key); None when some key
    is anything else."""
    if isinstance(a, pa.ChunkedArray):
        a = a.combine_chunks()
    length = pc.utf8_length(a)
    longest = pc.max(length).as_py()
    if longest is None:
        return np.full(len(a), -1, dtype=np.int64)
    if longest > 17 or pc.min(length).as_py() < 1:
        return None
    try:
        values = pc.cast(a, pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if pc.min(values).as_py() < 0:  # a sign is not a digit
        return None
    out = pc.add(pc.multiply(values, 20), length.cast(pa.int64()))
    return np.asarray(out.fill_null(-1), dtype=np.int64)


def per_value_map(s: pd.Series, func: Callable[[object], object]) -> np.ndarray:
    """``func`` of each value as an object array, computed once per distinct value ("" for a
    missing value)."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return np.array([func(u) for u in uniques] + [""], dtype=object)[codes]


def texts_at(s: pd.Series, at: np.ndarray) -> np.ndarray:
    """Values at positions as text ("" for missing)."""
    part = s.iloc[at]
    if isinstance(part.dtype, pd.StringDtype):
        return part.to_numpy(dtype=object, na_value="")
    return np.array(["" if is_missing(x) else str(x) for x in part.to_numpy(dtype=object)],
                    dtype=object)


def grades_of(v: System) -> np.ndarray:
    """Grades as floats (NaN = unknown)."""
    return pd.to_numeric(v.column("students", "grade"), errors="coerce").to_numpy(
        dtype=float, na_value=np.nan)


def birth_years(v: System, kind: str) -> np.ndarray:
    """Years of birth as floats (NaN = blank), computed once per distinct date."""
    codes, uniques = pd.factorize(v.column(kind, "dob"), use_na_sentinel=True)
    years = np.array([float(d.year) for d in uniques] + [np.nan])
    return years[codes]


def key_values(**parts: object) -> np.ndarray | str:
    """``key=value`` pairs joined by ``;`` (arrays give one string per element, each distinct
    value formatted once)."""
    arrays = {k: p for k, p in parts.items() if isinstance(p, np.ndarray)}
    if not arrays:
        return ";".join(f"{k}={num_text(p)}" for k, p in parts.items())
    n = len(next(iter(arrays.values())))
    out = None
    for k, p in parts.items():
        if isinstance(p, np.ndarray):
            codes, uniques = pd.factorize(p, use_na_sentinel=False)
            text = np.array([f"{k}={num_text(u)}" for u in uniques], dtype=object)[codes]
        else:
            text = np.full(n, f"{k}={num_text(p)}", dtype=object)
        out = text if out is None else out + ";" + text
    return out


def combined_codes(columns: list[np.ndarray]) -> np.ndarray:
    """One integer per distinct combination of the columns' values (rows aligned)."""
    combined = np.zeros(len(columns[0]) if columns else 0, dtype=np.int64)
    for col in columns:
        codes, uniques = pd.factorize(col, use_na_sentinel=False)
        combined, _ = pd.factorize(combined * (len(uniques) + 1) + codes)
    return combined


def num_text(x: object) -> str:
    if isinstance(x, float | np.floating) and float(x).is_integer():
        return str(int(x))
    return str(x)
