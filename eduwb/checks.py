"""Data-entry checks inside one system at a time (checks.md): what was entered wrongly or left out.

The cross-system comparison cannot see an error both systems share, and a school checks its vnEdu
data before it syncs, often with no CSDL export at all. These checks read one system's records of a
period (vnEdu and CSDL each on its own), like DHIS2's validation rules and the WHO data-quality
review: completeness, internal consistency, consistency over time and against peers.

:data:`CATALOGUE` is the rule table (id, entity, severity, periods, what it needs, a vectorised
test, Vietnamese message and action). A rule is applied to a school of a system only where the
system exported the lists it needs for that school and every such export carries the fields it
reads; elsewhere it is not applied, and :attr:`Checks.skipped` says why (never a finding, never an
error). "Present" is as in inputs.md 3.5: a pupil is present unless the status is a Chuyển đi or
Thôi học value (a blank status is not a leaving status). A value rejected on load is blank.

``hs_mat_khong_ro_ly_do`` and ``bat_thuong_si_so_thay_doi`` read the previous period of the same
school year: :func:`previous_pupils` loads it once and keeps a small summary (present pupils' keys
and counts per school), in memory and, given a cache folder, on disk under a fingerprint of that
period's inputs.
"""

from __future__ import annotations

import dataclasses
import logging
import pickle
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from eduwb import text, vocab
from eduwb.cache import data_key, period_fingerprint
from eduwb.compare import FIELD_LABELS, Carried, carried_matrix
from eduwb.errors import EduwbError
from eduwb.load import Period, load_period

log = logging.getLogger(__name__)

SEVERITIES: tuple[str, ...] = ("loi", "canh_bao")
SEVERITY_LABELS: dict[str, str] = {"loi": "Lỗi", "canh_bao": "Cảnh báo"}
CHECK_COLUMNS: tuple[str, ...] = (
    "year", "period", "district_code", "school_code", "system", "entity", "rule", "severity",
    "field", "record_key", "moet_id", "full_name", "class_name", "value", "message", "action",
)
# Internal columns of Checks.findings: the record a finding is about (``_kind``: its list kind,
# ``_row``: its index label in ``period.tables[_kind]``; -1 for a class or a school).
FINDING_COLUMNS: tuple[str, ...] = (*CHECK_COLUMNS, "_kind", "_row")
SKIPPED_COLUMNS: tuple[str, ...] = (
    "year", "period", "district_code", "school_code", "system", "rule", "list_kind", "field",
    "reason",
)

PREVIOUS_PERIOD: dict[str, str] = {"cuoi_hk1": "dau_nam", "cuoi_nam": "cuoi_hk1"}
MAX_CLASS_SIZE = 35  # Điều lệ trường tiểu học
AGE_BELOW_GRADE, AGE_ABOVE_GRADE = 5, 8  # a present pupil is aged grade + 5 … grade + 8
TT27_LEVELS = ("htxs", "htt", "ht", "cht")  # TT 27/2020
TT22_LEVELS = ("ht", "cht")  # TT 22/2016
PRINCIPAL = "Hiệu trưởng"
STAFF_LEAVING = frozenset(vocab.STAFF_STATUSES) - frozenset(vocab.STAFF_AT_WORK)
TEACHING_GROUPS = ("cbql", "gv")  # Cán bộ quản lý, Giáo viên: qualification required
CLASSROOM_ITEMS: tuple[str, ...] = tuple(vocab.CLASSROOM_TYPES)
PEOPLE = ("students", "staff")

# Outliers (bat_thuong_*): modified z-score of a school's ratio against its district's schools.
OUTLIER_Z = 3.5
OUTLIER_MIN_SCHOOLS = 5  # schools of the district with the ratio, to compare at all
OUTLIER_MIN_PUPILS = 20  # a smaller school's shares say little
JUMP_SHARE = 0.10  # pupil count moved by more than 10 % since the previous period


def tt27_grades(year: str) -> tuple[int, ...]:
    """Grades evaluated under TT 27/2020 in a school year: grade 1 from 2020-2021, one more grade
    each year (2021-2022: grades 1-2; 2024-2025 on: all five)."""
    start = int(year[:4])
    return tuple(range(1, min(5, max(0, start - 2019)) + 1))


def levels_for(grade: int, year: str) -> tuple[str, ...]:
    """The evaluation levels that exist for a grade in a school year."""
    return TT27_LEVELS if grade in tt27_grades(year) else TT22_LEVELS


# --- the catalogue --------------------------------------------------------------------------------

Need = tuple[str, tuple[str, ...]]  # (list kind, canonical fields it must carry)


@dataclass(frozen=True)
class Rule:
    """One check.

    ``needs``: the lists (and their fields) the rule reads, all required; ``optional``: parts
    checked one by one (a completeness rule checks each field its export carries); ``test(v,
    scope)`` returns the findings (a frame of :data:`_FOUND_COLUMNS`, plus ``m_*`` columns that
    fill the message) and optionally school-level reasons it could not be applied; ``message``
    and ``action`` are Vietnamese templates (``{field}`` is the field's label, ``m_*`` columns by
    their name without the prefix); the action names what to do and :func:`_action` says where.
    """

    id: str
    entity: str
    severity: str
    title: str
    needs: tuple[Need, ...]
    test: Callable[[_System, _Scope], Any]
    message: str
    action: str
    periods: tuple[str, ...] = vocab.PERIODS
    optional: tuple[Need, ...] = ()


_FOUND_COLUMNS = ("school_code", "_kind", "_row", "field", "record_key", "moet_id", "full_name",
                  "class_name", "value")


# --- one system's records ----------------------------------------------------------------------------


class _System:
    """One system's records of a loaded period, with the schools that exported each list and the
    fields every export of a school carries."""

    def __init__(self, period: Period, system: str, carried: Carried,
                 previous: PreviousPupils | None) -> None:
        self.period, self.system, self.year = period, system, period.year
        self.start = int(period.year[:4])
        self.previous = previous
        self.key = "vnedu_id" if system == "vnedu" else "moet_id"
        self.frames = {kind: _records(period, kind, system) for kind in vocab.LIST_KINDS}
        reg = period.registry
        exported: dict[str, set[str]] = {k: set() for k in vocab.LIST_KINDS}
        for code, kind in period.exported(system).itertuples(index=False):
            exported[kind].add(reg.current(code))
        rep = period.load_report
        rep = rep[(rep["system"] == system) & rep["kind"].isin(vocab.LIST_KINDS)
                  & (rep["school_code"] != "")]
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
            self._files[kind] = pairs.assign(_r=carried.rows(system, pairs["file"].to_numpy()))
        self.exported = exported
        self._carried = carried
        self._cache: dict[Any, Any] = {}

    def field(self, name: str) -> str:
        """A needed field's name in this system (``record_key``: vnEdu's code or the MOET code)."""
        return self.key if name == "record_key" else name

    def schools_carrying(self, kind: str, fields: Iterable[str]) -> set[str]:
        """Schools whose every export of ``kind`` carries all ``fields``."""
        key = ("carry", kind, tuple(self.field(f) for f in fields))
        if key not in self._cache:
            pairs = self._files[kind]
            bad = np.zeros(len(pairs), dtype=bool)
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
            leaving = _per_value(self.column("students", "status"),
                                 lambda s: vocab.is_present(s) is False)
            self._cache["present"] = ~leaving
        return self._cache["present"]

    def dropouts(self) -> np.ndarray:
        if "dropout" not in self._cache:
            self._cache["dropout"] = _per_value(self.column("students", "status"),
                                                lambda s: bool(vocab.is_dropout(s)))
        return self._cache["dropout"]

    def at_work(self) -> np.ndarray:
        """Staff whose status is not a leaving value (blank counts as at work)."""
        return ~_per_value(self.column("staff", "staff_status"), lambda s: s in STAFF_LEAVING)

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
        distinct = _sorted_unique(rows[self.in_schools(rows, schools)])
        codes, _ = self.decode(distinct)
        return pd.Series(codes).value_counts()

    def found(self, kind: str, mask: np.ndarray, field: str = "", value: Any = "",
              **extra: Any) -> pd.DataFrame:
        """Findings about the records of ``kind`` at ``mask``. ``value``: a string, or a dict of
        arrays aligned with the records written as ``key=value`` pairs; ``extra``: message
        arguments (scalars or aligned arrays). Only the found records are formatted."""
        at = np.flatnonzero(mask)
        frame = self.frames[kind]
        if isinstance(value, dict):
            value = _kv(**{k: (a[at] if isinstance(a, np.ndarray) else a)
                           for k, a in value.items()}) if len(at) else ""
        out = {
            "school_code": _texts(frame["school_code"], at),
            "_kind": kind, "_row": frame.index.to_numpy()[at], "field": field,
            "record_key": _texts(self.column(kind, self.key), at),
            "moet_id": _texts(self.column(kind, "moet_id"), at),
            "full_name": _texts(self.column(kind, "full_name"), at),
            "class_name": _texts(self.column(kind, "class_name"), at) if kind == "students"
            else np.full(len(at), "", dtype=object),
            "value": value,
        }
        for name, v in extra.items():
            out[f"m_{name}"] = v[at] if isinstance(v, np.ndarray) else v
        return pd.DataFrame(out, index=range(len(at)))


class _Scope:
    """Where one rule applies in one system: schools that exported what it needs."""

    def __init__(self, v: _System, rule: Rule, schools: set[str]) -> None:
        self.v, self.rule, self.all = v, rule, schools
        self.base = self.schools()

    def schools(self, *extra: Need) -> set[str]:
        """Schools of the run meeting the rule's needs and ``extra``."""
        out = set(self.all)
        for kind, fields in (*self.rule.needs, *extra):
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


def _per_value(s: pd.Series, func: Callable[[Any], bool]) -> np.ndarray:
    """``func`` of each value, computed once per distinct value; missing values give False."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    table = np.array([bool(func(u)) for u in uniques] + [False], dtype=bool)
    return table[codes]


def _sorted_unique(a: np.ndarray) -> np.ndarray:
    """Distinct values, sorted (sorting: NumPy 2.4's hash-based unique is slow on integers)."""
    a = np.sort(a)
    return a[np.concatenate(([True], a[1:] != a[:-1]))] if len(a) else a


def _member(a: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Whether each value of ``a`` is in the sorted distinct ``table``."""
    if not len(table):
        return np.zeros(len(a), dtype=bool)
    at = np.minimum(np.searchsorted(table, a), len(table) - 1)
    return table[at] == a


def _key_index(now: pd.Series, before: pd.Series) -> np.ndarray:
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
        return pa.array([None if _blank(x) else str(x) for x in s], type=pa.string())


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


def _per_value_map(s: pd.Series, func: Callable[[Any], Any]) -> np.ndarray:
    """``func`` of each value as an object array, computed once per distinct value ("" for a
    missing value)."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return np.array([func(u) for u in uniques] + [""], dtype=object)[codes]


def _texts(s: pd.Series, at: np.ndarray) -> np.ndarray:
    """Values at positions as text ("" for missing)."""
    part = s.iloc[at]
    if isinstance(part.dtype, pd.StringDtype):
        return part.to_numpy(dtype=object, na_value="")
    return np.array(["" if _blank(x) else str(x) for x in part.to_numpy(dtype=object)],
                    dtype=object)


def _blank(x: Any) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and x != x)


def _grade(v: _System) -> np.ndarray:
    """Grades as floats (NaN = unknown)."""
    return pd.to_numeric(v.column("students", "grade"), errors="coerce").to_numpy(
        dtype=float, na_value=np.nan)


def _dob_years(v: _System, kind: str) -> np.ndarray:
    """Years of birth as floats (NaN = blank), computed once per distinct date."""
    codes, uniques = pd.factorize(v.column(kind, "dob"), use_na_sentinel=True)
    years = np.array([float(d.year) for d in uniques] + [np.nan])
    return years[codes]


def _kv(**parts: Any) -> np.ndarray | str:
    """``key=value`` pairs joined by ``;`` (arrays give one string per element, each distinct
    value formatted once)."""
    arrays = {k: p for k, p in parts.items() if isinstance(p, np.ndarray)}
    if not arrays:
        return ";".join(f"{k}={_num(p)}" for k, p in parts.items())
    n = len(next(iter(arrays.values())))
    out = None
    for k, p in parts.items():
        if isinstance(p, np.ndarray):
            codes, uniques = pd.factorize(p, use_na_sentinel=False)
            text = np.array([f"{k}={_num(u)}" for u in uniques], dtype=object)[codes]
        else:
            text = np.full(n, f"{k}={_num(p)}", dtype=object)
        out = text if out is None else out + ";" + text
    return out


def _combined_codes(columns: list[np.ndarray]) -> np.ndarray:
    """One integer per distinct combination of the columns' values (rows aligned)."""
    combined = np.zeros(len(columns[0]) if columns else 0, dtype=np.int64)
    for col in columns:
        codes, uniques = pd.factorize(col, use_na_sentinel=False)
        combined, _ = pd.factorize(combined * (len(uniques) + 1) + codes)
    return combined


def _num(x: Any) -> str:
    if isinstance(x, float | np.floating) and float(x).is_integer():
        return str(int(x))
    return str(x)


# --- rule tests -------------------------------------------------------------------------------------


def _missing(kind: str, fields: tuple[str, ...]):
    """Completeness: one finding per blank field, where the export carries it."""
    def test(v: _System, scope: _Scope) -> list[pd.DataFrame]:
        frame = v.frames[kind]
        base = v.at_work() if kind == "staff" else np.ones(len(frame), dtype=bool)
        parts = []
        for name in fields:
            m = scope.mask(kind, name) & base & frame[name].isna().to_numpy()
            parts.append(v.found(kind, m, name))
        if kind == "staff":  # managers and teachers need a qualification
            group = frame["staff_group"].isin(list(TEACHING_GROUPS)).to_numpy()
            m = (scope.mask(kind, "staff_group", "qualification") & base & group
                 & frame["qualification"].isna().to_numpy())
            parts.append(v.found(kind, m, "qualification"))
        return parts
    return test


def _age(v: _System, scope: _Scope) -> pd.DataFrame:
    age = v.start - _dob_years(v, "students")
    grade = _grade(v)
    with np.errstate(invalid="ignore"):
        bad = (age < grade + AGE_BELOW_GRADE) | (age > grade + AGE_ABOVE_GRADE)
    m = scope.mask("students") & v.present() & bad & ~np.isnan(age) & ~np.isnan(grade)
    return v.found("students", m, "dob", {"age": age, "grade": grade}, age=age, grade=grade,
                   low=grade + AGE_BELOW_GRADE, high=grade + AGE_ABOVE_GRADE)


def _flag_outside(flag: str, grade_ok: int):
    def test(v: _System, scope: _Scope) -> pd.DataFrame:
        grade = _grade(v)
        marked = v.column("students", flag).fillna(False).astype(bool).to_numpy()
        m = scope.mask("students") & marked & ~np.isnan(grade) & (grade != grade_ok)
        return v.found("students", m, flag, {"grade": grade}, grade=grade)
    return test


def _no_evaluation(v: _System, scope: _Scope) -> pd.DataFrame:
    m = (scope.mask("students") & v.present()
         & v.column("students", "evaluation").isna().to_numpy())
    return v.found("students", m, "evaluation")


def _wrong_level(v: _System, scope: _Scope) -> pd.DataFrame:
    grade = _grade(v)
    ev = v.column("students", "evaluation")
    tt27_only = _per_value(ev, lambda e: e not in TT22_LEVELS)
    new_rules = np.isin(grade, tt27_grades(v.year))
    m = scope.mask("students") & tt27_only & ~np.isnan(grade) & ~new_rules
    levels = _per_value_map(ev, lambda x: x)
    grades = ", ".join(str(g) for g in tt27_grades(v.year)) or "không có"
    level = _per_value_map(ev, lambda x: vocab.EVALUATIONS.get(x, ""))
    return v.found("students", m, "evaluation", {"evaluation": levels, "grade": grade},
                   grade=grade, level=level, tt27=grades)


def _class_found(school: Iterable, cls: Iterable, value: Any, field: str = "",
                 rows: Any = -1, **extra: Any) -> pd.DataFrame:
    school = np.asarray(list(school), dtype=object)
    cls = np.asarray(list(cls), dtype=object)
    out = {"school_code": school, "_kind": "classes" if not isinstance(rows, int) else "",
           "_row": rows, "field": field, "record_key": cls, "moet_id": "", "full_name": "",
           "class_name": cls, "value": value}
    out.update({f"m_{k}": x for k, x in extra.items()})
    return pd.DataFrame(out, index=range(len(school)))


def _too_big(v: _System, scope: _Scope) -> pd.DataFrame:
    pairs, n = scope.class_counts()
    big = n > MAX_CLASS_SIZE
    school, name = v.decode(pairs[big])
    return _class_found(school, name, _kv(present=n[big]), n=n[big])


def _class_list(v: _System, scope: _Scope) -> tuple[pd.DataFrame, np.ndarray]:
    """The class-list rows of the scope's schools (with a class name) and their pairs."""
    rows = v.class_pairs()[1]
    at = np.flatnonzero(v.in_schools(rows, scope.base))
    return v.frames["classes"].iloc[at], rows[at]


def _count_of(query: np.ndarray, pairs: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Present pupils of each queried class (0 when it has none)."""
    if not len(pairs):
        return np.zeros(len(query), dtype=np.int64)
    at = np.minimum(np.searchsorted(pairs, query), len(pairs) - 1)
    return np.where(pairs[at] == query, n[at], 0)


def _not_in_list(v: _System, scope: _Scope) -> pd.DataFrame:
    pairs, n = scope.class_counts()
    _, listed = _class_list(v, scope)
    extra = ~_member(pairs, _sorted_unique(listed))
    school, name = v.decode(pairs[extra])
    return _class_found(school, name, _kv(present=n[extra]), "class_name", n=n[extra])


def _empty_class(v: _System, scope: _Scope) -> pd.DataFrame:
    pairs, n = scope.class_counts()
    mine, rows = _class_list(v, scope)
    empty = _count_of(rows, pairs, n) == 0
    rows_ = mine.iloc[np.flatnonzero(empty)]
    size = rows_["declared_size"].to_numpy(dtype=object)
    shown = np.array(["" if _blank(x) else str(int(x)) for x in size], dtype=object)
    return _class_found(rows_["school_code"], rows_["class_name"],
                        _kv(declared_size=shown) if len(rows_) else "",
                        rows=rows_.index.to_numpy())


def _size_differs(v: _System, scope: _Scope) -> pd.DataFrame:
    pairs, n_all = scope.class_counts()
    mine, rows = _class_list(v, scope)
    n = _count_of(rows, pairs, n_all)
    declared = mine["declared_size"]
    bad = declared.isna().to_numpy() | (declared.fillna(-1).to_numpy() != n)
    at = np.flatnonzero(bad)
    rows_ = mine.iloc[at]
    d = declared.to_numpy(dtype=object)[at]
    shown = np.array(["" if _blank(x) else str(int(x)) for x in d], dtype=object)
    return _class_found(rows_["school_code"], rows_["class_name"],
                        _kv(declared_size=shown, present=n[at]) if len(at) else "",
                        "declared_size", rows=rows_.index.to_numpy(),
                        declared=np.where(shown == "", "trống", shown), n=n[at])


def _principals(v: _System, scope: _Scope) -> pd.Series:
    """Distinct persons at work holding the position Hiệu trưởng, per school of the scope (the
    same person twice is a duplicate, reported by the comparison, not two principals)."""
    staff = v.frames["staff"]
    m = (scope.mask("staff") & v.at_work()
         & (staff["position"] == PRINCIPAL).fillna(False).to_numpy())
    heads = staff[m]
    names = heads["full_name"].map(lambda x: text.fold_case(x) if isinstance(x, str) else "")
    dob = heads["dob"].map(lambda d: d.isoformat() if hasattr(d, "isoformat") else "")
    person = np.where(names == "", heads.index.astype(str), names + "|" + dob)
    n = pd.Series(person, index=heads.index).groupby(heads["school_code"].to_numpy()).nunique()
    return n.reindex(sorted(scope.base), fill_value=0)


def _school_found(schools: Iterable, value: Any, field: str = "", **extra: Any) -> pd.DataFrame:
    schools = np.asarray(list(schools), dtype=object)
    out = {"school_code": schools, "_kind": "", "_row": -1, "field": field, "record_key": "",
           "moet_id": "", "full_name": "", "class_name": "", "value": value}
    out.update({f"m_{k}": x for k, x in extra.items()})
    return pd.DataFrame(out, index=range(len(schools)))


def _no_principal(v: _System, scope: _Scope) -> pd.DataFrame:
    n = _principals(v, scope)
    return _school_found(n.index[n == 0], "principals=0", "position")


def _two_principals(v: _System, scope: _Scope) -> pd.DataFrame:
    n = _principals(v, scope)
    many = n[n >= 2]
    return _school_found(many.index, _kv(principals=many.to_numpy()), "position",
                         n=many.to_numpy())


def _few_classrooms(v: _System, scope: _Scope):
    fac = v.frames["facilities"]
    fac = fac[v.isin_schools("facilities", scope.base)
              & fac["item"].isin(list(CLASSROOM_ITEMS)).to_numpy()]
    counts = pd.to_numeric(fac["count"], errors="coerce")
    blank = fac.loc[counts.isna().to_numpy(), ["school_code", "item"]]
    rooms = counts.groupby(fac["school_code"].to_numpy()).sum(min_count=1)
    classes = v.classes_per_school(scope.base)
    both = sorted((set(rooms.index) & scope.base) - set(blank["school_code"]))
    r = rooms.reindex(both).to_numpy(dtype=float)
    c = classes.reindex(both, fill_value=0).to_numpy(dtype=float)
    few = r < c
    skipped = [(s, "facilities", item, f"Số lượng {_item_label(item)} trống (giá trị bị loại "
                "hoặc ô trống): không tính được tổng số phòng học")
               for s, item in blank.drop_duplicates().itertuples(index=False)]
    return (_school_found(np.asarray(both, dtype=object)[few],
                          _kv(classrooms=r[few], classes=c[few]) if few.any() else "",
                          rooms=r[few], classes=c[few]), skipped)


def _item_label(item: str) -> str:
    return vocab.FACILITY_ITEMS.get(item, (item,))[0].lower()


def _vanished(v: _System, scope: _Scope):
    prev = v.previous
    label = vocab.PERIOD_LABELS[PREVIOUS_PERIOD[v.period.period]]
    lists = (prev.lists[prev.lists["system"] == v.system] if prev is not None
             else pd.DataFrame(columns=["school_code", "keyed"]))
    had = set(lists["school_code"])
    keyed = set(lists.loc[lists["keyed"].astype(bool), "school_code"])
    skipped = [(s, "students", "", f"Không có danh sách học sinh kỳ {label} của trường trong "
                "DATA: không so sánh được") for s in sorted(scope.base - had)]
    skipped += [(s, "students", f"{v.key},status", f"Danh sách học sinh kỳ {label} không có cột "
                 f"{FIELD_LABELS.get(v.key, v.key)} hoặc trạng thái") for s in
                sorted((scope.base & had) - keyed)]
    schools = scope.base & keyed
    if prev is None or not schools:
        return _school_found([], ""), skipped
    before = prev.present
    mine = (before["system"] == v.system).to_numpy() & before["school_code"].isin(
        list(schools)).to_numpy()
    # A record now with the pupil's key, then the same school; a key held by several records
    # (rare) is settled one by one.
    s = v.frames["students"]
    sc, su = v.schools_of("students")
    bc, bu = pd.factorize(before["school_code"], use_na_sentinel=True)
    b_school = np.append(pd.Index(su, dtype=object).get_indexer(np.asarray(bu, dtype=object)),
                         -1)[bc]
    idx = _key_index(s[v.key], before["key"])
    still = (idx >= 0) & (b_school >= 0) & (np.append(sc, -1)[idx] == b_school)
    doubt = np.flatnonzero(mine & ~still & (idx >= 0))
    if len(doubt):
        keys = before["key"].iloc[doubt]
        rows = s[s[v.key].isin(set(keys)).to_numpy()]
        held = set(zip(rows["school_code"], rows[v.key], strict=True))
        still[doubt] = [(c, k) in held for c, k in zip(before["school_code"].iloc[doubt], keys,
                                                       strict=True)]
    gone = before.iloc[np.flatnonzero(mine & ~still)]
    return pd.DataFrame({
        "school_code": gone["school_code"].to_numpy(dtype=object, na_value=""), "_kind": "",
        "_row": -1,
        "field": "status", "record_key": gone["key"].to_numpy(dtype=object, na_value=""),
        "moet_id": gone["moet_id"].to_numpy(dtype=object, na_value=""),
        "full_name": gone["full_name"].to_numpy(dtype=object, na_value=""),
        "class_name": gone["class_name"].to_numpy(dtype=object, na_value=""),
        "value": np.array([_kv(previous_period=prev.period, status=x)
                           for x in gone["status"].fillna("")], dtype=object),
        "m_before": label,
    }), skipped


# --- outliers ---------------------------------------------------------------------------------------


def modified_z(x: np.ndarray) -> np.ndarray:
    """Iglewicz-Hoaglin modified z-scores: 0.6745 (x - median) / MAD; when MAD is 0, (x - median)
    / (1.253314 × mean absolute deviation); all 0 when every value is the median."""
    med = float(np.median(x))
    dev = np.abs(x - med)
    mad = float(np.median(dev))
    if mad > 0:
        return 0.6745 * (x - med) / mad
    mean_ad = float(np.sum(dev)) / len(x)
    if mean_ad > 0:
        return (x - med) / (1.253314 * mean_ad)
    return np.zeros(len(x))


@dataclass(frozen=True)
class Ratio:
    """A school ratio compared with the district's schools: ``num`` and ``den`` per school;
    ``floor``: the smallest distance from the district's median worth a warning."""

    name: str
    label: str
    fields: tuple[str, ...]
    kinds: tuple[str, ...]
    floor: float
    share: bool


RATIOS: dict[str, Ratio] = {
    "bat_thuong_hs_moi_lop": Ratio("hs_moi_lop", "số học sinh bình quân một lớp", ("status",),
                                   ("students", "classes"), 3.0, False),
    "bat_thuong_ty_le_nu": Ratio("ty_le_nu", "tỉ lệ học sinh nữ", ("status", "sex"),
                                 ("students",), 0.05, True),
    "bat_thuong_ty_le_dan_toc": Ratio("ty_le_dan_toc", "tỉ lệ học sinh dân tộc thiểu số",
                                      ("status", "ethnicity"), ("students",), 0.05, True),
    "bat_thuong_ty_le_luu_ban": Ratio("ty_le_luu_ban", "tỉ lệ học sinh lưu ban",
                                      ("status", "repeater"), ("students",), 0.05, True),
    "bat_thuong_ty_le_bo_hoc": Ratio("ty_le_bo_hoc", "tỉ lệ học sinh bỏ học", ("status",),
                                     ("students",), 0.05, True),
}


def school_ratios(v: _System, rule_id: str, schools: set[str]) -> pd.DataFrame:
    """num, den and ratio per school of ``schools`` (index: school code, sorted)."""
    s = v.frames["students"]
    order = sorted(schools)
    at = v.isin_schools("students", schools)
    present = v.present() & at
    if rule_id == "bat_thuong_hs_moi_lop":
        num = v.per_school("students", present, order)
        den = v.classes_per_school(schools).reindex(order, fill_value=0)
    elif rule_id == "bat_thuong_ty_le_bo_hoc":
        drop = v.dropouts() & at
        num = v.per_school("students", drop, order)
        den = v.per_school("students", present | drop, order)
    else:
        col = {"bat_thuong_ty_le_nu": "sex", "bat_thuong_ty_le_dan_toc": "ethnicity",
               "bat_thuong_ty_le_luu_ban": "repeater"}[rule_id]
        values = s[col]
        if col == "sex":
            known, hit = values.notna().to_numpy(), (values == "F").fillna(False).to_numpy()
        elif col == "ethnicity":
            known = values.notna().to_numpy()
            hit = (values != vocab.MAJORITY_ETHNICITY).fillna(False).to_numpy()
        else:  # a blank flag cell means no
            known, hit = np.ones(len(s), dtype=bool), values.fillna(False).astype(bool).to_numpy()
        num = v.per_school("students", present & known & hit, order)
        den = v.per_school("students", present & known, order)
    out = pd.DataFrame({"num": num.to_numpy(dtype=float), "den": den.to_numpy(dtype=float)},
                       index=pd.Index(order, dtype=object))
    with np.errstate(divide="ignore", invalid="ignore"):
        out["ratio"] = np.where(out["den"] > 0, out["num"] / out["den"], np.nan)
    return out


def _outlier(rule_id: str):
    ratio = RATIOS[rule_id]

    def test(v: _System, scope: _Scope):
        r = school_ratios(v, rule_id, scope.base)
        codes = r.index.to_numpy(dtype=object)
        pupils = v.per_school("students", v.present() | v.dropouts(), codes).to_numpy()
        small = (pupils < OUTLIER_MIN_PUPILS) if ratio.share else np.zeros(len(r), dtype=bool)
        x_all = r["ratio"].to_numpy()
        skipped = [(c, "students", "", f"Trường có dưới {OUTLIER_MIN_PUPILS} học sinh: tỉ lệ "
                    "không đủ tin cậy để so sánh") for c in codes[small]]
        ok = ~small & ~np.isnan(x_all)
        skipped += [(c, "students", "", "Không tính được tỉ lệ (không có học sinh hoặc lớp)")
                    for c in codes[~small & ~ok]]
        district = np.array([v.period.registry.district_of(c) or "" for c in codes], dtype=object)
        rows = []
        for d in sorted(set(district[ok])):
            pos = np.flatnonzero(ok & (district == d))
            if len(pos) < OUTLIER_MIN_SCHOOLS:
                skipped += [(c, "students", "", f"Phòng GD&ĐT {d or '(không rõ)'} có dưới "
                             f"{OUTLIER_MIN_SCHOOLS} trường có số liệu để so sánh")
                            for c in codes[pos]]
                continue
            x = x_all[pos]
            z = modified_z(x)
            med = float(np.median(x))
            hit = (np.abs(z) > OUTLIER_Z) & (np.abs(x - med) >= ratio.floor)
            rows += [(codes[pos[i]], float(x[i]), med, float(z[i])) for i in np.flatnonzero(hit)]
        fmt = (lambda y: f"{100 * y:.1f}%") if ratio.share else (lambda y: f"{y:.1f}")
        value = np.array([_kv(**{ratio.name: round(x, 4), "district_median": round(m, 4),
                                 "z": round(z, 2)}) for _, x, m, z in rows], dtype=object)
        return _school_found([c for c, *_ in rows], value, what=ratio.label[:1].upper()
                             + ratio.label[1:],
                             x=np.array([fmt(x) for _, x, _, _ in rows], dtype=object),
                             med=np.array([fmt(m) for _, _, m, _ in rows], dtype=object),
                             z=np.array([f"{z:.1f}" for *_, z in rows], dtype=object)), skipped
    return test


def _jump(v: _System, scope: _Scope):
    prev = v.previous
    label = vocab.PERIOD_LABELS[PREVIOUS_PERIOD[v.period.period]]
    lists = (prev.lists[(prev.lists["system"] == v.system) & prev.lists["counted"].astype(bool)]
             if prev is not None else pd.DataFrame(columns=["school_code", "present"]))
    before = lists.set_index("school_code")["present"]
    skipped = [(s, "students", "", f"Không có số học sinh kỳ {label} của trường trong DATA")
               for s in sorted(scope.base - set(before.index))]
    schools = sorted(scope.base & set(before.index))
    n = v.per_school("students", v.present(), schools).to_numpy(dtype=float)
    b = before.reindex(schools).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        change = (n - b) / b
    hit = (b > 0) & (np.abs(change) > JUMP_SHARE)
    pct = np.array([f"{100 * c:+.1f}%" for c in change[hit]], dtype=object)
    return _school_found(np.asarray(schools, dtype=object)[hit],
                         _kv(previous=b[hit], current=n[hit], change=pct) if hit.any() else "",
                         before=label, b=b[hit], n=n[hit], pct=pct), skipped


# --- the table ----------------------------------------------------------------------------------------

_S = "students"
CATALOGUE: tuple[Rule, ...] = (
    Rule("hs_thieu_thong_tin", "student", "loi", "Học sinh thiếu thông tin", ((_S, ()),),
         _missing(_S, ("full_name", "dob", "sex", "ethnicity", "class_name")),
         "Học sinh thiếu {field}", "bổ sung {field} của học sinh",
         optional=tuple((_S, (f,)) for f in ("full_name", "dob", "sex", "ethnicity",
                                             "class_name"))),
    Rule("hs_tuoi_khong_hop_ly", "student", "canh_bao", "Tuổi không phù hợp với khối lớp",
         ((_S, ("dob", "grade", "status")),), _age,
         "Học sinh {age} tuổi học khối {grade} (tuổi thường gặp: {low}–{high})",
         "kiểm tra ngày sinh và khối lớp của học sinh"),
    Rule("hs_tuyen_moi_sai_khoi", "student", "loi", "Tuyển mới nhưng không học lớp 1",
         ((_S, ("new_entrant", "grade")),), _flag_outside("new_entrant", 1),
         "Học sinh được đánh dấu Tuyển mới nhưng học khối {grade}",
         "bỏ đánh dấu Tuyển mới (chỉ dành cho học sinh vào lớp 1) hoặc sửa khối lớp",
         periods=("dau_nam",)),
    Rule("hs_hoan_thanh_sai_khoi", "student", "loi", "Hoàn thành CTTH nhưng không học lớp 5",
         ((_S, ("completed_primary", "grade")),), _flag_outside("completed_primary", 5),
         "Học sinh được đánh dấu Hoàn thành chương trình tiểu học nhưng học khối {grade}",
         "bỏ đánh dấu Hoàn thành chương trình tiểu học (chỉ dành cho học sinh lớp 5) hoặc sửa "
         "khối lớp", periods=("cuoi_nam",)),
    Rule("hs_thieu_danh_gia", "student", "loi", "Thiếu đánh giá cuối năm",
         ((_S, ("evaluation", "status")),), _no_evaluation,
         "Học sinh đang học chưa có kết quả đánh giá cuối năm",
         "nhập kết quả đánh giá cuối năm của học sinh", periods=("cuoi_nam",)),
    Rule("hs_danh_gia_sai_muc", "student", "loi", "Mức đánh giá không đúng thông tư",
         ((_S, ("evaluation", "grade")),), _wrong_level,
         "Mức đánh giá {level} không dùng cho khối {grade} trong năm học này (TT 27/2020 áp dụng "
         "cho khối {tt27}; các khối khác chỉ có Hoàn thành / Chưa hoàn thành theo TT 22/2016)",
         "sửa mức đánh giá của học sinh theo đúng thông tư áp dụng cho khối lớp",
         periods=("cuoi_nam",)),
    Rule("lop_si_so_vuot", "class", "canh_bao", "Lớp quá 35 học sinh",
         ((_S, ("class_name", "status")),), _too_big,
         "Lớp có {n} học sinh đang học, quá 35 học sinh (Điều lệ trường tiểu học)",
         "kiểm tra việc xếp lớp và danh sách học sinh của lớp"),
    Rule("lop_khong_co_trong_danh_sach", "class", "loi", "Lớp không có trong danh sách lớp",
         ((_S, ("class_name", "status")), ("classes", ())), _not_in_list,
         "{n} học sinh đang học thuộc lớp không có trong danh sách lớp học của trường",
         "thêm lớp vào danh sách lớp học hoặc chuyển học sinh về đúng lớp"),
    Rule("lop_khong_co_hoc_sinh", "class", "canh_bao", "Lớp không có học sinh",
         ((_S, ("class_name", "status")), ("classes", ())), _empty_class,
         "Lớp trong danh sách lớp học không có học sinh đang học nào",
         "xóa lớp không sử dụng hoặc xếp học sinh vào lớp"),
    Rule("lop_si_so_khong_khop", "class", "loi", "Sĩ số lớp không khớp danh sách học sinh",
         ((_S, ("class_name", "status")), ("classes", ("declared_size",))), _size_differs,
         "Sĩ số khai báo ({declared}) khác số học sinh đang học của lớp ({n})",
         "cập nhật sĩ số lớp theo danh sách học sinh (hoặc bổ sung học sinh còn thiếu)"),
    Rule("cb_thieu_thong_tin", "staff", "loi", "Cán bộ thiếu thông tin",
         (("staff", ("staff_status",)),),
         _missing("staff", ("dob", "sex", "staff_group")),
         "Cán bộ đang làm việc thiếu {field}", "bổ sung {field} của cán bộ",
         optional=(("staff", ("dob",)), ("staff", ("sex",)), ("staff", ("staff_group",)),
                   ("staff", ("staff_group", "qualification")))),
    Rule("truong_thieu_hieu_truong", "school", "canh_bao", "Trường không có Hiệu trưởng",
         (("staff", ("position", "staff_status")),), _no_principal,
         "Không có cán bộ đang làm việc nào giữ chức vụ Hiệu trưởng",
         "cập nhật chức vụ Hiệu trưởng trong hồ sơ cán bộ (nếu trường đang có Hiệu trưởng)"),
    Rule("truong_nhieu_hieu_truong", "school", "loi", "Trường có từ hai Hiệu trưởng",
         (("staff", ("position", "staff_status")),), _two_principals,
         "{n} cán bộ đang làm việc cùng giữ chức vụ Hiệu trưởng",
         "chỉ để một Hiệu trưởng đang làm việc: cập nhật chức vụ hoặc trạng thái (nghỉ hưu, "
         "điều động...) của người không còn giữ chức"),
    Rule("truong_thieu_phong_hoc", "school", "canh_bao", "Số phòng học ít hơn số lớp",
         (("facilities", CLASSROOM_ITEMS), ("classes", ())), _few_classrooms,
         "Trường có {rooms} phòng học (kiên cố, bán kiên cố, tạm, nhờ/mượn) cho {classes} lớp",
         "kiểm tra số phòng học và danh sách lớp"),
    Rule("hs_mat_khong_ro_ly_do", "student", "loi", "Học sinh mất khỏi danh sách không rõ lý do",
         ((_S, ("record_key",)),), _vanished,
         "Học sinh đang học ở kỳ {before} nay không còn hồ sơ (không có trạng thái chuyển đi "
         "hay thôi học)",
         "khôi phục hồ sơ học sinh và cập nhật trạng thái (Chuyển đi, Thôi học...) thay vì xóa",
         periods=tuple(PREVIOUS_PERIOD)),
    *(Rule(rid, "school", "canh_bao", f"Bất thường: {ratio.label}",
           tuple((k, ratio.fields if k == _S else ()) for k in ratio.kinds), _outlier(rid),
           "{what} của trường ({x}) khác xa các trường cùng phòng (trung vị {med}; điểm z "
           "hiệu chỉnh {z})", f"kiểm tra lại số liệu {ratio.label} của trường (nếu đúng thì "
           "không cần sửa)") for rid, ratio in RATIOS.items()),
    Rule("bat_thuong_si_so_thay_doi", "school", "canh_bao",
         "Bất thường: số học sinh thay đổi hơn 10% so với kỳ trước", ((_S, ("status",)),),
         _jump, "Số học sinh đang học thay đổi {pct} so với kỳ {before} ({b} → {n})",
         "kiểm tra học sinh chuyển đến, chuyển đi, thôi học và hồ sơ bị xóa hoặc nhập thừa",
         periods=tuple(PREVIOUS_PERIOD)),
)
BY_ID: dict[str, Rule] = {r.id: r for r in CATALOGUE}
RULE_IDS: tuple[str, ...] = tuple(BY_ID)


def for_period(period: str) -> tuple[Rule, ...]:
    """The catalogue's rules that apply to a period."""
    return tuple(r for r in CATALOGUE if period in r.periods)


def _action(rule: Rule, system: str, field: str) -> str:
    what = rule.action.format(field=FIELD_LABELS.get(field, field))
    if system == "vnedu":
        return f"Mở vnEdu: {what}; sau đó đồng bộ lên CSDL ngành."
    return (f"Lỗi trên CSDL ngành: mở vnEdu, {what} (nếu vnEdu đã đúng thì chỉ cần đồng bộ), rồi "
            "đồng bộ lại lên CSDL ngành; không sửa tay trên CSDL ngành.")


# --- the result -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checks:
    """The checks of one period.

    ``findings``: one row per failed check, columns :data:`FINDING_COLUMNS` (checks.csv and the
    record each finding is about: ``_kind``/``_row`` index ``period.tables[_kind]``).
    ``skipped``: one row per rule not applied to a school and system, and why
    (:data:`SKIPPED_COLUMNS`). ``schools``: the schools checked (district_code, school_code).
    ``previous``: the previous period read for the rules over time (None when not available).
    """

    year: str
    period: str
    district: str | None
    systems: tuple[str, ...]
    findings: pd.DataFrame
    skipped: pd.DataFrame
    schools: pd.DataFrame
    previous: str | None = None

    @property
    def frame(self) -> pd.DataFrame:
        """checks.csv of checks.md."""
        return self.findings[list(CHECK_COLUMNS)]

    @property
    def failed(self) -> bool:
        """True when some check failed."""
        return not self.findings.empty

    def by_school(self) -> pd.DataFrame:
        """Per school checked: district_code, school_code, loi, canh_bao (findings of each
        severity, both systems), ready (no ``loi`` finding: the principal may sign)."""
        f = self.findings
        counts = (f.groupby(["school_code", "severity"]).size().unstack(fill_value=0)
                  .reindex(columns=list(SEVERITIES), fill_value=0))
        out = self.schools.copy()
        for sev in SEVERITIES:
            out[sev] = out["school_code"].map(counts[sev]).fillna(0).astype("int64")
        out["ready"] = out["loi"] == 0
        return out.reset_index(drop=True)

    def by_rule(self) -> pd.DataFrame:
        """Findings counted per school, system and rule: district_code, school_code, system,
        rule, severity, title, findings; rules in catalogue order."""
        cols = ["district_code", "school_code", "system", "rule", "severity"]
        f = self.findings
        out = f.groupby(cols, sort=False).size().rename("findings").reset_index()
        out["title"] = out["rule"].map({r.id: r.title for r in CATALOGUE})
        order = {r: i for i, r in enumerate(RULE_IDS)}
        out = out.assign(_o=out["rule"].map(order)).sort_values(
            ["district_code", "school_code", "system", "_o"], kind="stable")
        return out.drop(columns="_o")[[*cols[:4], "severity", "title", "findings"]].reset_index(
            drop=True)

    def display(self) -> pd.DataFrame:
        """The findings for people: Vietnamese column titles and labels, errors first."""
        f = self.findings
        out = pd.DataFrame({
            "Mã phòng GD": f["district_code"], "Mã trường": f["school_code"],
            "Hệ thống": f["system"].map(vocab.SYSTEM_LABELS),
            "Mức độ": f["severity"].map(SEVERITY_LABELS),
            "Kiểm tra": f["rule"].map({r.id: r.title for r in CATALOGUE}),
            "Trường thông tin": f["field"].map(lambda x: FIELD_LABELS.get(x, x)),
            "Mã hồ sơ": f["record_key"], "Mã định danh Bộ GD&ĐT": f["moet_id"],
            "Họ tên": f["full_name"], "Lớp": f["class_name"], "Giá trị": f["value"],
            "Nội dung": f["message"], "Việc cần làm": f["action"], "Mã kiểm tra": f["rule"],
        })
        rank = f["severity"].map({s: i for i, s in enumerate(SEVERITIES)})
        return (out.assign(_s=rank.to_numpy())
                .sort_values(["Mã phòng GD", "Mã trường", "_s"], kind="stable")
                .drop(columns="_s").reset_index(drop=True))

    def not_ready(self) -> list[str]:
        """Schools with ``loi`` findings: not ready to sign."""
        return sorted(set(self.findings.loc[self.findings["severity"] == "loi", "school_code"]))

    def records(self, period: Period, rule: str | None = None,
                school: str | None = None) -> pd.DataFrame:
        """The records behind findings (of ``rule``, at ``school``): the pupil, staff or class
        record a finding is about; for a class finding about pupils (class size, a class missing
        from the list), the class's present pupils in that system. Columns: ``finding`` (position
        in ``findings``), ``kind``, then the canonical columns of the records."""
        f = self.findings
        keep = np.ones(len(f), dtype=bool)
        if rule is not None:
            keep &= (f["rule"] == rule).to_numpy()
        if school is not None:
            keep &= (f["school_code"] == school).to_numpy()
        pos = np.flatnonzero(keep)
        parts = []
        for kind in vocab.LIST_KINDS:
            mine = pos[(f["_kind"].to_numpy()[pos] == kind)]
            if len(mine):
                rows = period.tables[kind].loc[f["_row"].to_numpy()[mine]]
                parts.append(rows.assign(finding=mine, kind=kind))
        cls = pos[(f["entity"].to_numpy()[pos] == "class")
                  & np.isin(f["rule"].to_numpy()[pos], ["lop_si_so_vuot",
                                                        "lop_khong_co_trong_danh_sach",
                                                        "lop_si_so_khong_khop"])]
        if len(cls):
            s = period.tables["students"]
            present = ~_per_value(s["status"], lambda x: vocab.is_present(x) is False)
            want = pd.DataFrame({"system": f["system"].to_numpy()[cls],
                                 "school_code": f["school_code"].to_numpy()[cls],
                                 "class_name": f["class_name"].to_numpy()[cls], "finding": cls})
            pupils = s[present].reset_index().merge(want, on=["system", "school_code",
                                                              "class_name"])
            parts.append(pupils.set_index("index").rename_axis(None).assign(kind="students"))
        if not parts:
            return pd.DataFrame(columns=["finding", "kind"])
        out = pd.concat(parts)
        first = ["finding", "kind"]
        return out[first + [c for c in out.columns if c not in first]].sort_values(
            "finding", kind="stable")


# --- running ---------------------------------------------------------------------------------------


def run_checks(period: Period, *, systems: Iterable[str] | None = None,
               previous: PreviousPupils | bool | None = True,
               cache: Path | str | None = None) -> Checks:
    """Apply every rule of the period to each system's records.

    ``systems``: the systems to check (default both; a system without exports gives no finding);
    ``previous``: the previous period's summary, ``True`` to find it in ``period.data`` (see
    :func:`previous_pupils`, ``cache``: its on-disk cache folder), ``False``/``None`` for none.
    """
    exported = set(period.load_report["system"])  # a system with no file at all is not checked
    systems = tuple(s for s in vocab.SYSTEMS if s in set(systems or vocab.SYSTEMS) and s in exported)
    rules = for_period(period.period)
    if previous is True:
        previous = previous_pupils(period, cache=cache) if any(
            r.id in ("hs_mat_khong_ro_ly_do", "bat_thuong_si_so_thay_doi") for r in rules) else None
    previous = previous or None
    carried = carried_matrix(period.carried)
    found, skipped = [], []
    registry_schools = set(period.registry.schools_of(period.district)["school_code"])
    everyone: set[str] = set(registry_schools)
    views: dict[str, _System] = {}
    for system in systems:
        v = views[system] = _System(period, system, carried, previous)
        scope_all = registry_schools | set().union(*v.exported.values())
        everyone |= scope_all
        for rule in rules:
            scope = _Scope(v, rule, scope_all)
            skipped += _not_applied(v, rule, scope)
            result = rule.test(v, scope)
            extra: list = []
            if isinstance(result, tuple):
                result, extra = result
            parts = result if isinstance(result, list) else [result]
            for part in parts:
                if len(part):
                    found.append(_finish(part, period, system, rule))
            skipped += [(system, rule.id, *x) for x in extra]
    checks = _result(period, systems, found, skipped, everyone,
                     previous.period if previous is not None else None)
    remember(period, cache=cache, views=views)
    return checks


def _not_applied(v: _System, rule: Rule, scope: _Scope) -> list[tuple]:
    """(system, rule, school, list kind, field, reason) where the rule's needs are not met."""
    out = []
    label = vocab.SYSTEM_LABELS[v.system]
    seen: set[tuple[str, str, str]] = set()
    for kind, fields in rule.needs:
        no_list = scope.all - v.exported[kind]
        for s in no_list:
            if (s, kind, "") not in seen:
                seen.add((s, kind, ""))
                out.append((v.system, rule.id, s, kind, "",
                            f"Không có danh sách {vocab.LIST_KIND_LABELS[kind].lower()} xuất từ "
                            f"{label}"))
        for f in map(v.field, fields):
            lacking = (scope.all & v.exported[kind]) - v.schools_carrying(kind, (f,))
            for s in lacking:
                if (s, kind, f) not in seen:
                    seen.add((s, kind, f))
                    out.append((v.system, rule.id, s, kind, f, _no_column(kind, f, label)))
    for kind, fields in rule.optional:
        for f in map(v.field, fields):
            for s in scope.base - v.schools_carrying(kind, (f,)):
                if (s, kind, f) not in seen:
                    seen.add((s, kind, f))
                    out.append((v.system, rule.id, s, kind, f, _no_column(kind, f, label)))
    return out


def _no_column(kind: str, field: str, system_label: str) -> str:
    name = (vocab.FACILITY_ITEMS[field][0] if field in vocab.FACILITY_ITEMS
            else FIELD_LABELS.get(field, field))
    return (f"Danh sách {vocab.LIST_KIND_LABELS[kind].lower()} xuất từ {system_label} không có "
            f"cột {name}")


def _finish(part: pd.DataFrame, period: Period, system: str, rule: Rule) -> pd.DataFrame:
    """Findings of one rule in one system with the contract's columns, message and action."""
    reg = period.registry
    district = {s: reg.district_of(s) or "" for s in part["school_code"].unique()}
    extras = [c for c in part.columns if c.startswith("m_")]
    fields = part["field"].to_numpy(dtype=object)
    args = {c[2:]: part[c].to_numpy(dtype=object) for c in extras}
    combo = _combined_codes([fields, *args.values()])  # each distinct message formatted once
    _, first = np.unique(combo, return_index=True)
    texts = {}
    for i in first:
        kw = {k: _num(a[i]) for k, a in args.items()}
        texts[combo[i]] = rule.message.format(field=FIELD_LABELS.get(fields[i], fields[i]), **kw)
    messages = [texts[c] for c in combo]
    actions = {f: _action(rule, system, f) for f in set(fields)}
    out = pd.DataFrame({
        "year": period.year, "period": period.period,
        "district_code": part["school_code"].map(district).to_numpy(dtype=object),
        "school_code": part["school_code"].to_numpy(dtype=object), "system": system,
        "entity": rule.entity, "rule": rule.id, "severity": rule.severity, "field": fields,
        "record_key": part["record_key"].to_numpy(dtype=object),
        "moet_id": part["moet_id"].to_numpy(dtype=object),
        "full_name": part["full_name"].to_numpy(dtype=object),
        "class_name": part["class_name"].to_numpy(dtype=object),
        "value": part["value"].to_numpy(dtype=object), "message": messages,
        "action": [actions[f] for f in fields],
        "_kind": part["_kind"].to_numpy(dtype=object), "_row": part["_row"].to_numpy(),
    }, index=range(len(part)))
    return out


SORT_KEYS = ["district_code", "school_code", "system", "entity", "rule", "field", "record_key",
             "class_name", "value", "_kind", "_row"]


def _result(period: Period, systems: tuple[str, ...], found: list[pd.DataFrame],
            skipped: list[tuple], schools: set[str], previous: str | None) -> Checks:
    if found:
        findings = pd.concat(found, ignore_index=True)
        findings["_row"] = findings["_row"].astype("int64")
        for c in CHECK_COLUMNS:
            findings[c] = findings[c].fillna("").astype(object)
        findings = findings.sort_values(SORT_KEYS, kind="stable", ignore_index=True)
    else:
        findings = pd.DataFrame({c: pd.Series(dtype="int64" if c == "_row" else object)
                                 for c in FINDING_COLUMNS})
    reg = period.registry
    skip = pd.DataFrame([(period.year, period.period, reg.district_of(s) or "", s, system, rule,
                          kind, f, reason) for system, rule, s, kind, f, reason in skipped],
                        columns=list(SKIPPED_COLUMNS), dtype=object)
    order = {r: i for i, r in enumerate(RULE_IDS)}
    skip = (skip.assign(_o=skip["rule"].map(order))
            .sort_values(["district_code", "school_code", "system", "_o", "list_kind", "field"],
                         kind="stable").drop(columns="_o").reset_index(drop=True))
    scope = pd.DataFrame({"district_code": [reg.district_of(s) or "" for s in sorted(schools)],
                          "school_code": sorted(schools)})
    scope = scope.sort_values(["district_code", "school_code"], ignore_index=True)
    return Checks(period.year, period.period, period.district, systems,
                  findings[list(FINDING_COLUMNS)], skip, scope, previous)


# --- the previous period -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviousPupils:
    """What the rules over time need of a period: ``present`` (system, school_code, key, moet_id,
    full_name, class_name, status: the present pupils with a record key) and ``lists`` (system,
    school_code, keyed: the export carries the key and the status; counted: it carries the
    status; present: its present pupils, keyed or not)."""

    period: str
    present: pd.DataFrame
    lists: pd.DataFrame


def summarise(period: Period, views: dict[str, _System] | None = None) -> PreviousPupils:
    """The summary of a loaded period that the next period's checks read (``views``: the
    systems' records already prepared by a run of the checks)."""
    views = dict(views or {})
    carried = None
    present_parts, list_parts = [], []
    for system in vocab.SYSTEMS:
        if system not in views:
            carried = carried if carried is not None else carried_matrix(period.carried)
            views[system] = _System(period, system, carried, None)
        v = views[system]
        s = v.frames["students"]
        schools = v.exported["students"]
        keyed = v.schools_carrying("students", (v.key, "status"))
        counted = v.schools_carrying("students", ("status",))
        present = v.present() & v.isin_schools("students", counted)
        key = s[v.key] if v.key in s else pd.Series(None, index=s.index, dtype=object)
        m = present & key.notna().to_numpy() & v.isin_schools("students", keyed)
        at = np.flatnonzero(m)
        cols = {"school_code": s["school_code"], "key": key,
                **{c: v.column("students", c) for c in ("moet_id", "full_name", "class_name",
                                                        "status")}}
        part = pd.DataFrame({c: col.iloc[at].astype("str").reset_index(drop=True)
                             for c, col in cols.items()})
        present_parts.append(part.assign(system=system)[["system", *cols]])
        order = sorted(schools)
        n = v.per_school("students", present, order)
        list_parts.append(pd.DataFrame({
            "system": system, "school_code": order,
            "keyed": [c in keyed for c in order], "counted": [c in counted for c in order],
            "present": n.to_numpy(dtype="int64"),
        }))
    return PreviousPupils(period.period, pd.concat(present_parts, ignore_index=True),
                          pd.concat(list_parts, ignore_index=True))


_MEMO: dict[tuple, PreviousPupils] = {}
_MEMO_SIZE = 6
CACHE_FORMAT = 1


def _period_key(data: Path, year: str, period: str, district: str | None) -> tuple | None:
    if not any((data / year / period / s).is_dir() for s in vocab.SYSTEMS):
        return None
    stamp = period_fingerprint(data, year, period, f"eduwb-checks-{CACHE_FORMAT}")
    return (str(data.resolve()), year, period, district or "", stamp)


def _cache_path(cache: Path | str, key: tuple) -> Path:
    data, year, period, district, _ = key
    name = f"{period}.checks{'-' + district if district else ''}.pickle"
    return Path(cache) / data_key(data) / year / name


def _store(key: tuple, summary: PreviousPupils, cache: Path | str | None) -> None:
    _MEMO[key] = summary
    while len(_MEMO) > _MEMO_SIZE:
        _MEMO.pop(next(iter(_MEMO)))
    if cache is None:
        return
    path = _cache_path(cache, key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            pickle.dump((key[-1], summary), fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
    except OSError as exc:
        log.warning("cannot write the checks cache %s (%s)", path, exc)


def _stored(key: tuple, cache: Path | str | None) -> PreviousPupils | None:
    if key in _MEMO:
        return _MEMO[key]
    if cache is None:
        return None
    path = _cache_path(cache, key)
    try:
        with path.open("rb") as fh:
            stamp, summary = pickle.load(fh)
    except FileNotFoundError:
        return None
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError, ValueError) as exc:
        log.warning("ignoring an unreadable checks cache %s (%s)", path, exc)
        return None
    if stamp != key[-1]:
        return None
    _MEMO[key] = summary
    return summary


def remember(period: Period, cache: Path | str | None = None,
             views: dict[str, _System] | None = None) -> None:
    """Keep a loaded period's summary (memory, and ``cache`` on disk) for the next period's
    checks, when the period comes from a data folder."""
    if period.period not in PREVIOUS_PERIOD.values() or not Path(period.data).is_dir():
        return
    key = _period_key(Path(period.data), period.year, period.period, period.district)
    if key is not None and _stored(key, cache) is None:
        _store(key, summarise(period, views), cache)


def previous_pupils(period: Period, *, cache: Path | str | None = None) -> PreviousPupils | None:
    """The summary of the previous period of the same school year, for ``period``'s checks:
    from memory, from ``cache`` when its inputs are unchanged, else loaded from ``period.data``
    (the registry of ``period``, the same district). None when there is no previous period or
    DATA has no export of it."""
    before = PREVIOUS_PERIOD.get(period.period)
    data = Path(period.data)
    if before is None or not data.is_dir():
        return None
    key = _period_key(data, period.year, before, period.district)
    if key is None:
        return None
    found = _stored(key, cache)
    if found is None and period.district:  # a province summary holds the district's schools
        whole = _stored((*key[:3], "", key[4]), cache)
        if whole is not None:
            found = _cut(whole, set(period.registry.schools_of(period.district)["school_code"]))
    if found is None:
        log.info("Đọc kỳ %s để kiểm tra học sinh mất khỏi danh sách", vocab.PERIOD_LABELS[before])
        try:
            loaded = load_period(data, period.year, before, district=period.district,
                                 registry=period.registry)
        except EduwbError as exc:  # the rules over time are then not applied, and said so
            log.warning("kỳ %s không đọc được (%s): không kiểm tra học sinh mất khỏi danh sách",
                        vocab.PERIOD_LABELS[before], exc)
            return None
        found = summarise(loaded)
        _store(key, found, cache)
    return found


def _cut(summary: PreviousPupils, schools: set[str]) -> PreviousPupils:
    return dataclasses.replace(
        summary,
        present=summary.present[summary.present["school_code"].isin(list(schools))]
        .reset_index(drop=True),
        lists=summary.lists[summary.lists["school_code"].isin(list(schools))]
        .reset_index(drop=True))
