"""The indicator catalogue (one declarative table) and its computation for both systems.

Each indicator counts records of one list kind that pass a filter, broken down by up to two
dimensions. Counts are computed per school from each system's records ("as its own report would
count them": a duplicate counts twice) and summed to district and province. A count is missing
(NaN, never 0) where it cannot be computed: the system has no readable export of that list for the
school, or its export lacks a field the indicator needs.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

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


def _present(r: Frame) -> pd.Series:
    return r["status"].map(vocab.is_present, na_action="ignore").fillna(False).astype(bool)


def _flag(r: Frame, name: str) -> pd.Series:
    return r[name].fillna(False).astype(bool)


def _at_work(r: Frame) -> pd.Series:
    return r["staff_status"].isin(vocab.STAFF_AT_WORK)


QUALIFICATION_LEVEL = {"Trung cấp": "duoi_chuan", "Cao đẳng": "duoi_chuan", "Đại học": "dat_chuan",
                       "Thạc sĩ": "tren_chuan", "Tiến sĩ": "tren_chuan"}

# Breakdown dimensions: key → (record column or function, the value domain in output order).
DIMENSIONS: dict[str, tuple[Callable[[Frame], pd.Series], tuple[str, ...]]] = {
    "grade": (lambda r: r["grade"].map(lambda g: str(int(g)), na_action="ignore"),
              ("1", "2", "3", "4", "5")),
    "sex": (lambda r: r["sex"], ("F", "M")),
    "staff_group": (lambda r: r["staff_group"], ("cbql", "gv", "nv")),
    "type": (lambda r: r["item"].map(vocab.CLASSROOM_TYPES), tuple(vocab.CLASSROOM_TYPES.values())),
}
# The `level` dimension differs by indicator.
LEVELS: dict[str, tuple[Callable[[Frame], pd.Series], tuple[str, ...]]] = {
    "hs_danh_gia": (lambda r: r["evaluation"], tuple(vocab.EVALUATIONS)),
    "gv_trinh_do": (lambda r: r["qualification"].map(QUALIFICATION_LEVEL),
                    ("duoi_chuan", "dat_chuan", "tren_chuan")),
}


def _dimension(ind: Indicator, key: str) -> tuple[Callable[[Frame], pd.Series], tuple[str, ...]]:
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
              & r["dob"].map(lambda d: d is not None and d.year == y - 6).astype(bool),
              ("status", "new_entrant", "grade", "dob"), (), ("dau_nam",)),
    Indicator("hs_bo_hoc", "Học sinh bỏ học", "students",
              lambda r, y: r["status"].map(vocab.is_dropout, na_action="ignore").fillna(False)
              .astype(bool), ("status", "grade"), ("grade",), ("cuoi_hk1", "cuoi_nam")),
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


def memberships(ind: Indicator, records: Frame, start_year: int) -> pd.DataFrame:
    """One row per (record, cell) the record counts in: columns idx, school_code, breakdown, w."""
    cols = ["idx", "school_code", "breakdown", "w"]
    if records.empty:
        return pd.DataFrame(columns=cols)
    mask = ind.where(records, start_year).fillna(False).astype(bool)
    sel = records[mask.to_numpy()]
    if sel.empty:
        return pd.DataFrame(columns=cols)
    w = sel[ind.weight].astype(float).fillna(0).to_numpy() if ind.weight else np.ones(len(sel))
    dim_values = {k: _dimension(ind, k)[0](sel).to_numpy() for k in ind.dims}
    parts = []
    keys = sorted(ind.dims)
    for n in range(len(keys) + 1):
        for combo in itertools.combinations(keys, n):
            if combo:
                labels = None
                ok = np.ones(len(sel), dtype=bool)
                for k in combo:
                    vals = dim_values[k]
                    ok &= pd.notna(vals)
                    part = np.array([f"{k}={v}" for v in vals], dtype=object)
                    labels = part if labels is None else labels + ";" + part
                idx = np.flatnonzero(ok)
                parts.append(pd.DataFrame({"idx": sel.index[idx],
                                           "school_code": sel["school_code"].to_numpy()[idx],
                                           "breakdown": labels[idx], "w": w[idx]}))
            else:
                parts.append(pd.DataFrame({"idx": sel.index, "school_code": sel["school_code"],
                                           "breakdown": "", "w": w}))
    return pd.concat(parts, ignore_index=True)
