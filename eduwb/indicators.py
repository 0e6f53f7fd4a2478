"""The indicator catalogue (one declarative table) and its computation for both systems.

Each indicator counts records of one list kind that pass a filter, broken down by up to two
dimensions. Counts are computed per school from each system's records ("as its own report would
count them": a duplicate counts twice) and summed to district and province. A count is missing
(NaN, never 0) where it cannot be computed: the system has no readable export of that list for the
school, or its export lacks a field the indicator needs.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionArray

from eduwb import vocab

Frame = pd.DataFrame
Mask = Callable[[Frame, int], pd.Series]


@dataclass(frozen=True)
class Indicator:
    """One line of the report form.

    ``where(records, start_year)`` selects the counted records; ``dims`` maps a breakdown key to a
    function giving each record's value (``None`` = not counted in that breakdown); ``needs`` are
    the canonical fields both the filter and the breakdown read; ``weight`` a column to sum
    (facilities) instead of counting records.
    """

    id: str
    label: str
    kind: str
    where: Mask
    needs: tuple[str, ...]
    dims: tuple[str, ...] = ()
    periods: tuple[str, ...] = vocab.PERIODS
    weight: str | None = None


# Factorizations of columns, kept while a :func:`memo` block runs (many indicators read the same
# columns of the same frames); keyed by the column's array, which the entry keeps alive.
_MEMO: dict[int, tuple[object, np.ndarray, object]] | None = None


@contextmanager
def memo() -> Iterator[None]:
    """Within the block, factorize each column of each frame once across indicators."""
    global _MEMO
    saved, _MEMO = _MEMO, {}
    try:
        yield
    finally:
        _MEMO = saved


def _factorize(s: pd.Series) -> tuple[np.ndarray, object]:
    arr = s.array
    keep = _MEMO is not None and isinstance(arr, ExtensionArray)
    if keep:
        hit = _MEMO.get(id(arr))
        if hit is not None and hit[0] is arr:
            return hit[1], hit[2]
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    codes = codes.astype(np.int32) if len(uniques) < 2**31 - 1 else codes
    if keep:
        _MEMO[id(arr)] = (arr, codes, uniques)
    return codes, uniques


def _unique_flags(s: pd.Series, func: Callable[[object], bool | None]) -> pd.Series:
    """``func`` over a Series, computed once per distinct value; missing and None give False."""
    codes, uniques = _factorize(s)
    table = np.array([bool(func(u)) for u in uniques] + [False], dtype=bool)
    return pd.Series(table[codes], index=s.index)


def _unique_values(s: pd.Series, func: Callable[[object], object]) -> tuple[np.ndarray, list]:
    """``func`` over a Series, once per distinct value: (codes, one value per code); a missing
    value has code -1."""
    codes, uniques = _factorize(s)
    return codes, [func(u) for u in uniques]


def _present(r: Frame) -> pd.Series:
    return _unique_flags(r["status"], vocab.is_present)


def _flag(r: Frame, name: str) -> pd.Series:
    return r[name].fillna(False).astype(bool)


def _at_work(r: Frame) -> pd.Series:
    return r["staff_status"].isin(vocab.STAFF_AT_WORK)


QUALIFICATION_LEVEL = {"Trung cấp": "duoi_chuan", "Cao đẳng": "duoi_chuan", "Đại học": "dat_chuan",
                       "Thạc sĩ": "tren_chuan", "Tiến sĩ": "tren_chuan"}

# Breakdown dimensions: key → (each record's value as codes and one value per code (None = not
# counted), the value domain in output order). Computed once per distinct value of the column.
Values = Callable[[Frame], tuple[np.ndarray, list]]
DIMENSIONS: dict[str, tuple[Values, tuple[str, ...]]] = {
    "grade": (lambda r: _unique_values(r["grade"], lambda g: str(int(g))),
              ("1", "2", "3", "4", "5")),
    "sex": (lambda r: _unique_values(r["sex"], lambda x: x), ("F", "M")),
    "staff_group": (lambda r: _unique_values(r["staff_group"], lambda x: x), ("cbql", "gv", "nv")),
    "type": (lambda r: _unique_values(r["item"], vocab.CLASSROOM_TYPES.get),
             tuple(vocab.CLASSROOM_TYPES.values())),
}
# The `level` dimension differs by indicator.
LEVELS: dict[str, tuple[Values, tuple[str, ...]]] = {
    "hs_danh_gia": (lambda r: _unique_values(r["evaluation"], lambda x: x), tuple(vocab.EVALUATIONS)),
    "gv_trinh_do": (lambda r: _unique_values(r["qualification"], QUALIFICATION_LEVEL.get),
                    ("duoi_chuan", "dat_chuan", "tren_chuan")),
}


def _dimension(ind: Indicator, key: str) -> tuple[Values, tuple[str, ...]]:
    return LEVELS[ind.id] if key == "level" else DIMENSIONS[key]


CATALOGUE: tuple[Indicator, ...] = (
    Indicator("hs_tong", "Tổng số học sinh", "students", lambda r, y: _present(r),
              ("status", "grade", "sex"), ("grade", "sex")),
    Indicator("hs_nu", "Học sinh nữ", "students", lambda r, y: _present(r) & (r["sex"] == "F"),
              ("status", "grade", "sex"), ("grade",)),
    Indicator("hs_dan_toc", "Học sinh dân tộc thiểu số", "students",
              lambda r, y: _present(r) & r["ethnicity"].notna()
              & (r["ethnicity"] != vocab.MAJORITY_ETHNICITY),
              ("status", "ethnicity", "grade", "sex"), ("grade", "sex")),
    Indicator("hs_khuyet_tat", "Học sinh khuyết tật", "students",
              lambda r, y: _present(r) & r["disability"].notna()
              & (r["disability"] != vocab.DISABILITY_NONE),
              ("status", "disability", "grade"), ("grade",)),
    Indicator("hs_2_buoi", "Học sinh học 2 buổi/ngày", "students",
              lambda r, y: _present(r) & _flag(r, "two_sessions"),
              ("status", "two_sessions", "grade"), ("grade",)),
    Indicator("hs_ban_tru", "Học sinh bán trú", "students",
              lambda r, y: _present(r) & _flag(r, "boarding"), ("status", "boarding", "grade"),
              ("grade",)),
    Indicator("hs_luu_ban", "Học sinh lưu ban", "students",
              lambda r, y: _present(r) & _flag(r, "repeater"), ("status", "repeater", "grade"),
              ("grade",), ("dau_nam",)),
    Indicator("hs_tuyen_moi_6_tuoi", "Tuyển mới lớp 1 (6 tuổi)", "students",
              lambda r, y: _present(r) & _flag(r, "new_entrant") & (r["grade"] == 1)
              & _unique_flags(r["dob"], lambda d: d.year == y - 6),
              ("status", "new_entrant", "grade", "dob"), (), ("dau_nam",)),
    Indicator("hs_bo_hoc", "Học sinh bỏ học", "students",
              lambda r, y: _unique_flags(r["status"], vocab.is_dropout), ("status", "grade"),
              ("grade",), ("cuoi_hk1", "cuoi_nam")),
    Indicator("hs_danh_gia", "Kết quả đánh giá cuối năm", "students",
              lambda r, y: _present(r) & r["evaluation"].notna(),
              ("status", "evaluation", "grade"), ("grade", "level"), ("cuoi_nam",)),
    Indicator("hs_hoan_thanh_ctth", "Hoàn thành chương trình tiểu học", "students",
              lambda r, y: _present(r) & (r["grade"] == 5) & _flag(r, "completed_primary"),
              ("status", "grade", "completed_primary", "sex"), ("sex",), ("cuoi_nam",)),
    Indicator("lop_tong", "Tổng số lớp", "classes", lambda r, y: pd.Series(True, index=r.index),
              ("grade",), ("grade",)),
    Indicator("lop_ghep", "Lớp ghép", "classes", lambda r, y: _flag(r, "multi_grade"),
              ("multi_grade",), ()),
    Indicator("cb_tong", "Cán bộ, giáo viên, nhân viên đang làm việc", "staff",
              lambda r, y: _at_work(r), ("staff_status", "staff_group", "sex"),
              ("staff_group", "sex")),
    Indicator("gv_trinh_do", "Giáo viên theo trình độ đào tạo", "staff",
              lambda r, y: _at_work(r) & (r["staff_group"] == "gv") & r["qualification"].notna(),
              ("staff_status", "staff_group", "qualification"), ("level",)),
    Indicator("phong_hoc", "Phòng học", "facilities",
              lambda r, y: r["item"].isin(list(vocab.CLASSROOM_TYPES)), ("item",), ("type",),
              weight="count"),
)
BY_ID = {ind.id: ind for ind in CATALOGUE}


def for_period(period: str) -> tuple[Indicator, ...]:
    """The catalogue's indicators that apply to a period."""
    return tuple(ind for ind in CATALOGUE if period in ind.periods)


def cells(ind: Indicator) -> list[str]:
    """Every breakdown cell of an indicator: the total, each dimension alone, and all crossed."""
    doms = [(k, _dimension(ind, k)[1]) for k in ind.dims]
    out = [""]
    for n in range(1, len(doms) + 1):
        for combo in itertools.combinations(sorted(doms), n):
            keys = [k for k, _ in combo]
            for vals in itertools.product(*(d for _, d in combo)):
                out.append(";".join(f"{k}={v}" for k, v in zip(keys, vals, strict=True)))
    return out


@dataclass(frozen=True)
class CellMatrix:
    """The cells each record of a frame counts in, integer-coded.

    ``rows``: positions (in the frame) of the records the filter selects; ``cells``: for each of
    them one column per dimension combination (the total first, then :func:`cells` order), holding
    the index into :func:`cells` or -1 where the record has no value in that breakdown; ``w``: the
    records' weights.
    """

    rows: np.ndarray
    cells: np.ndarray
    w: np.ndarray


def cell_matrix(ind: Indicator, records: Frame, start_year: int) -> CellMatrix:
    """Integer-coded memberships of ``records`` in the cells of ``ind`` (see :class:`CellMatrix`)."""
    keys = sorted(ind.dims)
    combos = [c for n in range(len(keys) + 1) for c in itertools.combinations(keys, n)]
    if records.empty:
        return CellMatrix(np.zeros(0, np.int64), np.zeros((0, len(combos)), np.int64), np.zeros(0))
    mask = ind.where(records, start_year).fillna(False).astype(bool).to_numpy()
    rows = np.flatnonzero(mask)
    w = (records[ind.weight].iloc[rows].astype(float).fillna(0).to_numpy() if ind.weight
         else np.ones(len(rows)))
    codes, sizes = {}, {}
    for k in keys:
        values, domain = _dimension(ind, k)
        where = {v: i for i, v in enumerate(domain)}
        vals, labels = values(records)
        table = np.array([where.get(u, -1) for u in labels] + [-1], dtype=np.int64)
        codes[k], sizes[k] = table[vals[rows]], len(domain)
    out = np.empty((len(rows), len(combos)), dtype=np.int64)
    offset = 0
    for j, combo in enumerate(combos):
        code = np.zeros(len(rows), dtype=np.int64)
        ok = np.ones(len(rows), dtype=bool)
        for k in combo:  # mixed radix, the last key fastest (itertools.product order)
            code = code * sizes[k] + codes[k]
            ok &= codes[k] >= 0
        out[:, j] = np.where(ok, offset + code, -1)
        offset += math.prod(sizes[k] for k in combo)
    return CellMatrix(rows, out, w)


def memberships(ind: Indicator, records: Frame, start_year: int) -> pd.DataFrame:
    """One row per (record, cell) the record counts in: columns idx, school_code, breakdown, w."""
    cols = ["idx", "school_code", "breakdown", "w"]
    m = cell_matrix(ind, records, start_year)
    if not len(m.rows):
        return pd.DataFrame(columns=cols)
    labels = np.array(cells(ind), dtype=object)
    schools = records["school_code"].to_numpy()[m.rows]
    parts = []
    for j in range(m.cells.shape[1]):
        keep = np.flatnonzero(m.cells[:, j] >= 0)
        parts.append(pd.DataFrame({"idx": records.index[m.rows[keep]], "school_code": schools[keep],
                                   "breakdown": labels[m.cells[keep, j]], "w": m.w[keep]}))
    return pd.concat(parts, ignore_index=True)
