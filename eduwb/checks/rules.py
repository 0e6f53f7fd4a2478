"""The rule catalogue of checks.md (one declarative table) and each rule's vectorised test, with
the outliers (``bat_thuong_*``): what each rule reads, when it applies, what it says in Vietnamese."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from eduwb import text, texts, vocab
from eduwb.checks.records import (
    Need,
    Scope,
    System,
    birth_years,
    grades_of,
    is_member,
    key_index,
    key_values,
    per_value,
    per_value_map,
    sorted_unique,
)
from eduwb.fields import label as field_label
from eduwb.groups import DisjointSets
from eduwb.values import is_missing

SEVERITIES: tuple[str, ...] = ("loi", "canh_bao")
SEVERITY_LABELS = texts.SEVERITY_LABELS
PREVIOUS_PERIOD: dict[str, str] = {"cuoi_hk1": "dau_nam", "cuoi_nam": "cuoi_hk1"}
MAX_CLASS_SIZE = 35  # Điều lệ trường tiểu học
AGE_BELOW_GRADE, AGE_ABOVE_GRADE = 5, 8  # a present pupil is aged grade + 5 … grade + 8
TT27_LEVELS = ("htxs", "htt", "ht", "cht")  # TT 27/2020
TT22_LEVELS = ("ht", "cht")  # TT 22/2016
PRINCIPAL = "Hiệu trưởng"
TEACHING_GROUPS = ("cbql", "gv")  # Cán bộ quản lý, Giáo viên: qualification required
CLASSROOM_ITEMS: tuple[str, ...] = tuple(vocab.CLASSROOM_TYPES)

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

@dataclass(frozen=True)
class Rule:
    """One check.

    ``needs``: the lists (and their fields) the rule reads, all required; ``optional``: parts
    checked one by one (a completeness rule checks each field its export carries); ``test(v,
    scope)`` returns the findings (a frame of :data:`.records.FOUND_COLUMNS`, plus ``m_*`` columns that
    fill the message) and optionally school-level reasons it could not be applied; ``message``
    and ``action`` are Vietnamese templates (``{field}`` is the field's label, ``m_*`` columns by
    their name without the prefix); the action names what to do and :func:`action_text` says where.
    """

    id: str
    entity: str
    severity: str
    needs: tuple[Need, ...]
    test: Callable[[System, Scope], Any]
    periods: tuple[str, ...] = vocab.PERIODS
    optional: tuple[Need, ...] = ()

    @property
    def title(self) -> str:
        return texts.RULES[self.id].title

    @property
    def message(self) -> str:
        return texts.RULES[self.id].message

    @property
    def action(self) -> str:
        return texts.RULES[self.id].action


# --- rule tests -------------------------------------------------------------------------------------


def _missing(kind: str, fields: tuple[str, ...]):
    """Completeness: one finding per blank field, where the export carries it."""
    def test(v: System, scope: Scope) -> list[pd.DataFrame]:
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


def _age(v: System, scope: Scope) -> pd.DataFrame:
    age = v.start - birth_years(v, "students")
    grade = grades_of(v)
    with np.errstate(invalid="ignore"):
        bad = (age < grade + AGE_BELOW_GRADE) | (age > grade + AGE_ABOVE_GRADE)
    m = scope.mask("students") & v.present() & bad & ~np.isnan(age) & ~np.isnan(grade)
    return v.found("students", m, "dob", {"age": age, "grade": grade}, age=age, grade=grade,
                   low=grade + AGE_BELOW_GRADE, high=grade + AGE_ABOVE_GRADE)


def _flag_outside(flag: str, grade_ok: int):
    def test(v: System, scope: Scope) -> pd.DataFrame:
        grade = grades_of(v)
        marked = v.column("students", flag).fillna(False).astype(bool).to_numpy()
        m = scope.mask("students") & marked & ~np.isnan(grade) & (grade != grade_ok)
        return v.found("students", m, flag, {"grade": grade}, grade=grade)
    return test


def _no_evaluation(v: System, scope: Scope) -> pd.DataFrame:
    m = (scope.mask("students") & v.present()
         & v.column("students", "evaluation").isna().to_numpy())
    return v.found("students", m, "evaluation")


def _wrong_level(v: System, scope: Scope) -> pd.DataFrame:
    grade = grades_of(v)
    ev = v.column("students", "evaluation")
    tt27_only = per_value(ev, lambda e: e not in TT22_LEVELS)
    new_rules = np.isin(grade, tt27_grades(v.year))
    m = scope.mask("students") & tt27_only & ~np.isnan(grade) & ~new_rules
    levels = per_value_map(ev, lambda x: x)
    grades = ", ".join(str(g) for g in tt27_grades(v.year)) or "không có"
    level = per_value_map(ev, lambda x: vocab.EVALUATIONS.get(x, ""))
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


def _too_big(v: System, scope: Scope) -> pd.DataFrame:
    pairs, n = scope.class_counts()
    big = n > MAX_CLASS_SIZE
    school, name = v.decode(pairs[big])
    return _class_found(school, name, key_values(present=n[big]), n=n[big])


def _class_list(v: System, scope: Scope) -> tuple[pd.DataFrame, np.ndarray]:
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


def _not_in_list(v: System, scope: Scope) -> pd.DataFrame:
    pairs, n = scope.class_counts()
    _, listed = _class_list(v, scope)
    extra = ~is_member(pairs, sorted_unique(listed))
    school, name = v.decode(pairs[extra])
    return _class_found(school, name, key_values(present=n[extra]), "class_name", n=n[extra])


def _empty_class(v: System, scope: Scope) -> pd.DataFrame:
    pairs, n = scope.class_counts()
    mine, rows = _class_list(v, scope)
    empty = _count_of(rows, pairs, n) == 0
    rows_ = mine.iloc[np.flatnonzero(empty)]
    size = rows_["declared_size"].to_numpy(dtype=object)
    shown = np.array(["" if is_missing(x) else str(int(x)) for x in size], dtype=object)
    return _class_found(rows_["school_code"], rows_["class_name"],
                        key_values(declared_size=shown) if len(rows_) else "",
                        rows=rows_.index.to_numpy())


def _size_differs(v: System, scope: Scope) -> pd.DataFrame:
    pairs, n_all = scope.class_counts()
    mine, rows = _class_list(v, scope)
    n = _count_of(rows, pairs, n_all)
    declared = mine["declared_size"]
    bad = declared.isna().to_numpy() | (declared.fillna(-1).to_numpy() != n)
    at = np.flatnonzero(bad)
    rows_ = mine.iloc[at]
    d = declared.to_numpy(dtype=object)[at]
    shown = np.array(["" if is_missing(x) else str(int(x)) for x in d], dtype=object)
    return _class_found(rows_["school_code"], rows_["class_name"],
                        key_values(declared_size=shown, present=n[at]) if len(at) else "",
                        "declared_size", rows=rows_.index.to_numpy(),
                        declared=np.where(shown == "", "trống", shown), n=n[at])


def _principals(v: System, scope: Scope) -> pd.Series:
    """Distinct persons at work holding the position Hiệu trưởng, per school of the scope (the
    same person twice is a duplicate, reported by the comparison, not two principals)."""
    staff = v.frames["staff"]
    m = (scope.mask("staff") & v.at_work()
         & (staff["position"] == PRINCIPAL).fillna(False).to_numpy())
    heads = staff[m]
    names = heads["full_name"].map(lambda x: text.fold_case(x) if isinstance(x, str) else "")
    dob = heads["dob"].map(lambda d: d.isoformat() if hasattr(d, "isoformat") else "")
    # One person: records of a school sharing a MOET code, a vnEdu code, or name and birth date
    # (the keys the comparison's duplicates are found by), joined transitively.
    same, first = DisjointSets(), {}
    rows = zip(heads["school_code"], heads["moet_id"], heads["vnedu_id"], names, dob, strict=True)
    for i, (school, moet, local, name, born) in enumerate(rows):
        keys = [("m", moet) if isinstance(moet, str) and moet else None,
                ("v", local) if isinstance(local, str) and local else None,
                ("n", name, born) if name else None]
        same.union([i, *(first.setdefault((school, *key), i) for key in filter(None, keys))])
    person = [same.find(i) for i in range(len(heads))]
    n = pd.Series(person, index=heads.index).groupby(heads["school_code"].to_numpy()).nunique()
    return n.reindex(sorted(scope.base), fill_value=0)


def _school_found(schools: Iterable, value: Any, field: str = "", **extra: Any) -> pd.DataFrame:
    schools = np.asarray(list(schools), dtype=object)
    out = {"school_code": schools, "_kind": "", "_row": -1, "field": field, "record_key": "",
           "moet_id": "", "full_name": "", "class_name": "", "value": value}
    out.update({f"m_{k}": x for k, x in extra.items()})
    return pd.DataFrame(out, index=range(len(schools)))


def _no_principal(v: System, scope: Scope) -> pd.DataFrame:
    n = _principals(v, scope)
    return _school_found(n.index[n == 0], "principals=0", "position")


def _two_principals(v: System, scope: Scope) -> pd.DataFrame:
    n = _principals(v, scope)
    many = n[n >= 2]
    return _school_found(many.index, key_values(principals=many.to_numpy()), "position",
                         n=many.to_numpy())


def _few_classrooms(v: System, scope: Scope):
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
                          key_values(classrooms=r[few], classes=c[few]) if few.any() else "",
                          rooms=r[few], classes=c[few]), skipped)


def _item_label(item: str) -> str:
    return vocab.FACILITY_ITEMS.get(item, (item,))[0].lower()


def _vanished(v: System, scope: Scope):
    prev = v.previous
    label = vocab.PERIOD_LABELS[PREVIOUS_PERIOD[v.period.period]]
    lists = (prev.lists[prev.lists["system"] == v.system] if prev is not None
             else pd.DataFrame(columns=["school_code", "keyed"]))
    had = set(lists["school_code"])
    keyed = set(lists.loc[lists["keyed"].astype(bool), "school_code"])
    skipped = [(s, "students", "", f"Không có danh sách học sinh kỳ {label} của trường trong "
                "DATA: không so sánh được") for s in sorted(scope.base - had)]
    skipped += [(s, "students", f"{v.key},status", f"Danh sách học sinh kỳ {label} không có cột "
                 f"{field_label(v.key)} hoặc trạng thái") for s in
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
    idx = key_index(s[v.key], before["key"])
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
        "value": np.array([key_values(previous_period=prev.period, status=x)
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
    fields: tuple[str, ...]
    kinds: tuple[str, ...]
    floor: float
    share: bool


# What each ratio is called: texts.RATIO_LABELS.
RATIOS: dict[str, Ratio] = {
    "bat_thuong_hs_moi_lop": Ratio("hs_moi_lop", ("status",), ("students", "classes"), 3.0, False),
    "bat_thuong_ty_le_nu": Ratio("ty_le_nu", ("status", "sex"), ("students",), 0.05, True),
    "bat_thuong_ty_le_dan_toc": Ratio("ty_le_dan_toc", ("status", "ethnicity"), ("students",),
                                      0.05, True),
    "bat_thuong_ty_le_luu_ban": Ratio("ty_le_luu_ban", ("status", "repeater"), ("students",),
                                      0.05, True),
    "bat_thuong_ty_le_bo_hoc": Ratio("ty_le_bo_hoc", ("status",), ("students",), 0.05, True),
}


def school_ratios(v: System, rule_id: str, schools: set[str]) -> pd.DataFrame:
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

    def test(v: System, scope: Scope):
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
        value = np.array([key_values(**{ratio.name: round(x, 4), "district_median": round(m, 4),
                                 "z": round(z, 2)}) for _, x, m, z in rows], dtype=object)
        what = texts.RATIO_LABELS[rule_id]
        return _school_found([c for c, *_ in rows], value, what=what[:1].upper() + what[1:],
                             x=np.array([fmt(x) for _, x, _, _ in rows], dtype=object),
                             med=np.array([fmt(m) for _, _, m, _ in rows], dtype=object),
                             z=np.array([f"{z:.1f}" for *_, z in rows], dtype=object)), skipped
    return test


def _jump(v: System, scope: Scope):
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
                         key_values(previous=b[hit], current=n[hit], change=pct) if hit.any() else "",
                         before=label, b=b[hit], n=n[hit], pct=pct), skipped


# --- the table ----------------------------------------------------------------------------------------

_S = "students"
# Titles, messages and actions: eduwb.texts.RULES (by rule id).
CATALOGUE: tuple[Rule, ...] = (
    Rule("hs_thieu_thong_tin", "student", "loi", ((_S, ()),),
         _missing(_S, ("full_name", "dob", "sex", "ethnicity", "class_name")),
         optional=tuple((_S, (f,)) for f in ("full_name", "dob", "sex", "ethnicity",
                                             "class_name"))),
    Rule("hs_tuoi_khong_hop_ly", "student", "canh_bao", ((_S, ("dob", "grade", "status")),),
         _age),
    Rule("hs_tuyen_moi_sai_khoi", "student", "loi", ((_S, ("new_entrant", "grade")),),
         _flag_outside("new_entrant", 1), periods=("dau_nam",)),
    Rule("hs_hoan_thanh_sai_khoi", "student", "loi", ((_S, ("completed_primary", "grade")),),
         _flag_outside("completed_primary", 5), periods=("cuoi_nam",)),
    Rule("hs_thieu_danh_gia", "student", "loi", ((_S, ("evaluation", "status")),),
         _no_evaluation, periods=("cuoi_nam",)),
    Rule("hs_danh_gia_sai_muc", "student", "loi", ((_S, ("evaluation", "grade")),),
         _wrong_level, periods=("cuoi_nam",)),
    Rule("lop_si_so_vuot", "class", "canh_bao", ((_S, ("class_name", "status")),), _too_big),
    Rule("lop_khong_co_trong_danh_sach", "class", "loi",
         ((_S, ("class_name", "status")), ("classes", ())), _not_in_list),
    Rule("lop_khong_co_hoc_sinh", "class", "canh_bao",
         ((_S, ("class_name", "status")), ("classes", ())), _empty_class),
    Rule("lop_si_so_khong_khop", "class", "loi",
         ((_S, ("class_name", "status")), ("classes", ("declared_size",))), _size_differs),
    Rule("cb_thieu_thong_tin", "staff", "loi", (("staff", ("staff_status",)),),
         _missing("staff", ("dob", "sex", "staff_group")),
         optional=(("staff", ("dob",)), ("staff", ("sex",)), ("staff", ("staff_group",)),
                   ("staff", ("staff_group", "qualification")))),
    Rule("truong_thieu_hieu_truong", "school", "canh_bao",
         (("staff", ("position", "staff_status")),), _no_principal),
    Rule("truong_nhieu_hieu_truong", "school", "loi",
         (("staff", ("position", "staff_status")),), _two_principals),
    Rule("truong_thieu_phong_hoc", "school", "canh_bao",
         (("facilities", CLASSROOM_ITEMS), ("classes", ())), _few_classrooms),
    Rule("hs_mat_khong_ro_ly_do", "student", "loi", ((_S, ("record_key",)),), _vanished,
         periods=tuple(PREVIOUS_PERIOD)),
    *(Rule(rid, "school", "canh_bao",
           tuple((k, ratio.fields if k == _S else ()) for k in ratio.kinds), _outlier(rid))
      for rid, ratio in RATIOS.items()),
    Rule("bat_thuong_si_so_thay_doi", "school", "canh_bao", ((_S, ("status",)),), _jump,
         periods=tuple(PREVIOUS_PERIOD)),
)
BY_ID: dict[str, Rule] = {r.id: r for r in CATALOGUE}
RULE_IDS: tuple[str, ...] = tuple(BY_ID)


def for_period(period: str) -> tuple[Rule, ...]:
    """The catalogue's rules that apply to a period."""
    return tuple(r for r in CATALOGUE if period in r.periods)


def action_text(rule: Rule, system: str, field: str) -> str:
    """A finding's action: the rule's, for ``field``, saying which system to open."""
    return texts.FIX_IN[system].format(what=rule.action.format(field=field_label(field)))
