"""Linked records → findings (outputs.md discrepancies), each with a concrete action in Vietnamese.

For each list kind: duplicates within each system are grouped first (one representative per group
is linked, every record of the group is reported); the representatives are linked across systems
(:mod:`eduwb.match`); linked pairs are compared field by field on the fields both exports carry;
unlinked records are reported as only in one system, unless the other system has no export of that
list for the school (then one ``school_missing`` finding stands for them).

Internal columns ``_v`` / ``_c`` (the record's index in the period's vnEdu / CSDL table of that kind)
and ``_pair`` (a linked pair's id) let :mod:`eduwb.explain` trace each finding to its records.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from eduwb import text, vocab
from eduwb.load import Period
from eduwb.match import Comparison, link

FINDING_COLUMNS = (*vocab.DISCREPANCY_COLUMNS, "_kind", "_v", "_c", "_pair", "_system")

PEOPLE_COMPARED: dict[str, tuple[str, ...]] = {
    "students": (
        "personal_id", "full_name", "dob", "sex", "ethnicity", "class_name", "grade", "status",
        "status_date", "disability", "two_sessions", "boarding", "repeater", "new_entrant",
        "evaluation", "completed_primary",
    ),
    "staff": (
        "personal_id", "full_name", "dob", "sex", "ethnicity", "staff_group", "position",
        "subject", "qualification", "contract", "staff_status",
    ),
}
CLASS_COMPARED = ("grade", "two_sessions", "multi_grade", "homeroom_teacher", "declared_size")
NAME_FIELDS = ("full_name", "homeroom_teacher")
FIELD_LABELS: dict[str, str] = {
    "personal_id": "số định danh cá nhân", "full_name": "họ tên", "dob": "ngày sinh",
    "sex": "giới tính", "ethnicity": "dân tộc", "class_name": "lớp", "grade": "khối",
    "status": "trạng thái", "status_date": "ngày nhập trạng thái", "disability": "khuyết tật",
    "two_sessions": "học 2 buổi/ngày", "boarding": "bán trú", "repeater": "lưu ban",
    "new_entrant": "tuyển mới", "evaluation": "xếp loại", "completed_primary": "hoàn thành CTTH",
    "staff_group": "nhóm chức vụ", "position": "chức vụ", "subject": "môn dạy",
    "qualification": "trình độ chuyên môn", "contract": "hình thức hợp đồng",
    "staff_status": "trạng thái", "multi_grade": "lớp ghép", "homeroom_teacher": "GVCN",
    "declared_size": "sĩ số", "moet_id": "mã định danh",
}
ENTITY_LABELS = {"students": "học sinh", "staff": "cán bộ", "classes": "lớp",
                 "facilities": "cơ sở vật chất"}


@dataclass(frozen=True)
class KindResult:
    """One list kind's findings and links (indices into the period's per-system tables)."""

    kind: str
    vnedu: pd.DataFrame
    csdl: pd.DataFrame
    links: pd.DataFrame  # left (vnEdu index), right (CSDL index), method, score
    findings: pd.DataFrame  # FINDING_COLUMNS


def compare_period(period: Period) -> dict[str, KindResult]:
    """Findings for every list kind of a loaded period (school-level findings under 'school')."""
    return {kind: compare_kind(period, kind) for kind in vocab.LIST_KINDS}


def compare_kind(period: Period, kind: str) -> KindResult:
    """Group duplicates, link, compare and report one list kind."""
    v = _prepared(period.records(kind, "vnedu"), kind)
    c = _prepared(period.records(kind, "csdl"), kind)
    out = _Findings(period, kind)
    rep_v = _duplicates(v, kind, "vnedu", out, _codes(c))
    rep_c = _duplicates(c, kind, "csdl", out, _codes(v))
    linkage = _link(v[rep_v], c[rep_c], kind)
    links = linkage.links.reset_index(drop=True)
    carried = _carried_pairs(period)
    _compare_pairs(v, c, links, kind, carried, out)
    missing = _missing_exports(period)
    linked_v = set(links["left"])
    linked_c = set(links["right"])
    for idx in v.index[rep_v]:
        if idx not in linked_v and (v.at[idx, "school_code"], kind) not in missing["csdl"]:
            out.only(v, idx, "vnedu", idx in linkage.ambiguous_left)
    for idx in c.index[rep_c]:
        if idx not in linked_c and (c.at[idx, "school_code"], kind) not in missing["vnedu"]:
            out.only(c, idx, "csdl", idx in linkage.ambiguous_right)
    return KindResult(kind, v, c, links, out.frame())


def school_findings(period: Period) -> pd.DataFrame:
    """``school_missing`` per registry school, kind and system; ``school_code_changed``."""
    out = _Findings(period, "school")
    schools = period.registry.schools_of(period.district)
    missing = _missing_exports(period)
    for code in schools["school_code"]:
        for kind in vocab.LIST_KINDS:
            for system in vocab.SYSTEMS:
                if (code, kind) in missing[system]:
                    other = period.records(kind, "csdl" if system == "vnedu" else "vnedu")
                    held = int((other["school_code"] == code).sum())
                    out.school_missing(code, kind, system, held)
    rep = period.load_report
    for _, school in period.registry.merged_schools().iterrows():
        code = school["school_code"]
        if period.district and school["district_code"] != period.district:
            continue
        used = {}
        for system in vocab.SYSTEMS:
            files = rep[(rep["system"] == system) & rep["kind"].isin(vocab.LIST_KINDS)]
            codes = {f for f in files["school_code"] if period.registry.current(f) == code}
            used[system] = sorted(codes)
        if any(x != code for codes in used.values() for x in codes):
            out.code_changed(code, used["vnedu"], used["csdl"], school["old_codes"])
    return out.frame()


# --- preparation, duplicates, linking ---------------------------------------------------------------


def _prepared(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    frame = frame.copy()
    if kind in PEOPLE_COMPARED:
        # Exact keys keep the accents (twins are often Tiến and Tiên); blocks fold them.
        frame["_name"] = frame["full_name"].map(text.fold_case, na_action="ignore")
        frame["_given"] = frame["full_name"].map(
            lambda n: text.split_name(text.fold_accents(n))[2], na_action="ignore")
        frame["_dob"] = frame["dob"].map(lambda d: d.isoformat() if d is not None else None)
    return frame


def _codes(frame: pd.DataFrame) -> set[str]:
    return set(frame["moet_id"].dropna()) if "moet_id" in frame else set()


def _duplicates(frame: pd.DataFrame, kind: str, system: str, out: _Findings,
                other_codes: set[str]) -> pd.Series:
    """Report duplicate groups; return the mask of records that take part in linking.

    Same school and MOET code (or vnEdu code), or same school, name and birth date, make a group
    (the same MOET code at two schools too, unless it is a transfer). Two records with different
    MOET codes that the other system also holds are two people, not a duplicate.
    """
    parent = {i: i for i in frame.index}

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(group: list) -> None:
        root = find(group[0])
        for other in group[1:]:
            parent[find(other)] = root

    for keys in _duplicate_keys(kind):
        sub = frame[keys].dropna()
        sub = sub[sub.duplicated(keep=False)]
        for _, idx in sub.groupby(keys, sort=False).indices.items():
            members = list(sub.index[idx])
            if "moet_id" in keys or "moet_id" not in frame:
                union(members)
                continue
            codes = frame.loc[members, "moet_id"]
            for a, b in itertools.combinations(members, 2):
                ca, cb = codes[a], codes[b]
                if not (pd.notna(ca) and pd.notna(cb) and ca != cb and ca in other_codes
                        and cb in other_codes):
                    union([a, b])
    if kind in PEOPLE_COMPARED and "moet_id" in frame:
        coded = frame.dropna(subset=["moet_id"])
        coded = coded[coded["moet_id"].duplicated(keep=False)]
        for _, pos in coded.groupby("moet_id").indices.items():
            group = coded.iloc[pos]
            if group["school_code"].nunique() > 1 and not _is_transfer(group, kind):
                union(list(group.index))
    groups: dict = {}
    for i in frame.index:
        groups.setdefault(find(i), []).append(i)
    keep = pd.Series(True, index=frame.index)
    for members in groups.values():
        if len(members) < 2:
            continue
        rep = _representative(frame.loc[members], kind)
        for i in sorted(members):
            keep[i] = i == rep
            out.duplicate(frame, i, system, members)
    return keep


def _duplicate_keys(kind: str) -> list[list[str]]:
    if kind in PEOPLE_COMPARED:
        return [["school_code", "moet_id"], ["school_code", "vnedu_id"],
                ["school_code", "_name", "_dob"]]
    if kind == "classes":
        return [["school_code", "class_name"]]
    return [["school_code", "item"]]


def _is_transfer(group: pd.DataFrame, kind: str) -> bool:
    """The same MOET code at several schools where all but one record left (Chuyển đi)."""
    if kind != "students":
        left = group["staff_status"].isin(["Đã chuyển đi", "Đã điều động"])
    else:
        left = group["status"].map(vocab.is_transfer_out, na_action="ignore").fillna(False)
    return int((~left.astype(bool)).sum()) <= 1


def _representative(group: pd.DataFrame, kind: str):
    """The record of a duplicate group that is linked: with a MOET code, then the first."""
    order = group.assign(_has=group["moet_id"].notna() if "moet_id" in group else False)
    order = order.sort_values(["_has", "file", "row"], ascending=[False, True, True])
    return order.index[0]


def _link(v: pd.DataFrame, c: pd.DataFrame, kind: str):
    if kind in PEOPLE_COMPARED:
        return link(
            v, c,
            exact=[["school_code", "moet_id"], ["school_code", "_name", "_dob"]],
            exact_names=["moet_id", "name_dob"],
            blocks=[["school_code", "_dob"], ["school_code", "grade", "_given"]
                    if kind == "students" else ["school_code", "_given"]],
            comparisons=[
                Comparison("_name", "name", 4.0, missing=0.0),
                Comparison("_dob", "date", 3.0),
                Comparison("sex", "exact", 1.0),
                Comparison("class_name" if kind == "students" else "position", "exact", 1.0),
                Comparison("moet_id", "exact", 2.0),
            ],
            threshold=0.8,
        )
    keys = ["school_code", "class_name"] if kind == "classes" else ["school_code", "item"]
    return link(v, c, exact=[keys], exact_names=["key"])


# --- comparing linked pairs -----------------------------------------------------------------------


def _carried_pairs(period: Period) -> dict[str, set[str]]:
    return {
        f"{system}|{file}": set(group["field"])
        for (system, file), group in period.carried.groupby(["system", "file"])
    }


def _compare_pairs(
    v: pd.DataFrame,
    c: pd.DataFrame,
    links: pd.DataFrame,
    kind: str,
    carried: dict[str, set[str]],
    out: _Findings,
) -> None:
    if links.empty:
        return
    lv = v.loc[links["left"]].reset_index(drop=True)
    lc = c.loc[links["right"]].reset_index(drop=True)
    pair_files = list(zip(lv["file"], lc["file"], strict=True))
    common = {
        pf: carried.get(f"vnedu|{pf[0]}", set()) & carried.get(f"csdl|{pf[1]}", set())
        for pf in set(pair_files)
    }
    if kind in PEOPLE_COMPARED:
        for i in np.flatnonzero(lv["moet_id"].isna().to_numpy() & lc["moet_id"].notna().to_numpy()):
            out.missing_moet(lv.loc[i], lc.loc[i], links.at[i, "left"], links.at[i, "right"], i)
        fields = PEOPLE_COMPARED[kind]
    elif kind == "classes":
        fields = CLASS_COMPARED
    else:
        fields = ("count",)
    for field in fields:
        if kind == "facilities":
            shared = [lv.at[i, "item"] in common[pf] for i, pf in enumerate(pair_files)]
        else:
            shared = [field in common[pf] for pf in pair_files]
        a = lv[field] if field in lv else pd.Series([None] * len(lv))
        b = lc[field] if field in lc else pd.Series([None] * len(lc))
        differ = np.asarray(shared, dtype=bool) & ~_same_values(field, a, b)
        for i in np.flatnonzero(differ):
            out.mismatch(lv.loc[i], lc.loc[i], links.at[i, "left"], links.at[i, "right"], i,
                         lv.at[i, "item"] if kind == "facilities" else field, a.iat[i], b.iat[i])


def _same_values(field: str, a: pd.Series, b: pd.Series) -> np.ndarray:
    """Whether aligned values agree: both missing, or equal (names case-insensitively; a
    bare disability mark agrees with any type)."""
    a = a.astype(object).reset_index(drop=True)
    b = b.astype(object).reset_index(drop=True)
    na, nb = a.isna().to_numpy(), b.isna().to_numpy()
    if field in NAME_FIELDS:
        a = a.map(lambda x: text.fold_case(str(x)), na_action="ignore")
        b = b.map(lambda x: text.fold_case(str(x)), na_action="ignore")
    a = a.where(~na, _NA).to_numpy()
    b = b.where(~nb, _NA).to_numpy()
    equal = np.fromiter((x == y for x, y in zip(a, b, strict=True)), bool, len(a)) & ~na & ~nb
    if field == "disability":
        # A bare mark ("x", "Có") agrees with any type: compare disabled / not disabled.
        yes = (a == vocab.DISABILITY_YES) | (b == vocab.DISABILITY_YES)
        both_disabled = (a != vocab.DISABILITY_NONE) & (b != vocab.DISABILITY_NONE)
        equal |= yes & both_disabled & ~na & ~nb
    return equal | (na & nb)


_NA = object()  # stands for a missing value inside comparisons


def _absent(x: object) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and x != x)


def _missing_exports(period: Period) -> dict[str, set[tuple[str, str]]]:
    """(school, kind) pairs of registry schools with no readable export, per system."""
    schools = set(period.registry.schools_of(period.district)["school_code"])
    out: dict[str, set[tuple[str, str]]] = {}
    for system in vocab.SYSTEMS:
        have = {
            (period.registry.current(code), kind)
            for code, kind in period.exported(system).itertuples(index=False)
        }
        out[system] = {(s, k) for s in schools for k in vocab.LIST_KINDS} - have
    return out


# --- building finding rows --------------------------------------------------------------------------


def show(value: object) -> str:
    """A canonical value as text for the findings (dates ISO, flags x/blank)."""
    if _absent(value):
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    return str(value)


class _Findings:
    """Collects finding rows of one kind with their record references."""

    def __init__(self, period: Period, kind: str) -> None:
        self.period = period
        self.kind = kind
        self.entity = vocab.KIND_ENTITY.get(kind, "school")
        self.rows: list[dict] = []

    def _base(self, school: str, category: str) -> dict:
        return {
            "year": self.period.year,
            "period": self.period.period,
            "district_code": self.period.registry.district_of(school) or "",
            "school_code": school,
            "entity": self.entity,
            "category": category,
            "field": "",
            "vnedu_id": "",
            "moet_id": "",
            "full_name": "",
            "vnedu_value": "",
            "csdl_value": "",
            "action": "",
            "_kind": self.kind,
            "_v": None,
            "_c": None,
            "_pair": None,
            "_system": None,
        }

    def _who(self, row: pd.Series, other: pd.Series | None = None) -> dict:
        if self.kind in PEOPLE_COMPARED:
            moet = row.get("moet_id")
            if _absent(moet) and other is not None:
                moet = other.get("moet_id")
            return {"vnedu_id": show(row.get("vnedu_id")), "moet_id": show(moet),
                    "full_name": show(row.get("full_name"))}
        if self.kind == "classes":
            return {"full_name": show(row.get("class_name"))}
        return {}

    def _facts(self, row: pd.Series) -> str:
        if self.kind == "students":
            parts = [row.get("class_name"), row.get("dob"), vocab.SEXES.get(row.get("sex"), ""),
                     row.get("status")]
        elif self.kind == "staff":
            parts = [row.get("position"), row.get("dob"), vocab.SEXES.get(row.get("sex"), ""),
                     row.get("staff_status")]
        elif self.kind == "classes":
            parts = [row.get("class_name"), f"sĩ số {show(row.get('declared_size'))}"]
        else:
            parts = [f"{row.get('item')}: {show(row.get('count'))}"]
        return "; ".join(show(p) for p in parts if not _absent(p) and show(p))

    def only(self, frame: pd.DataFrame, idx, system: str, ambiguous: bool) -> None:
        row = frame.loc[idx]
        rec = self._base(row["school_code"], f"only_in_{system}")
        rec.update(self._who(row))
        rec[f"{system}_value"] = self._facts(row)
        rec["_v" if system == "vnedu" else "_c"] = idx
        noun = ENTITY_LABELS[self.kind]
        if system == "vnedu":
            rec["action"] = (f"Đồng bộ {noun} từ vnEdu lên CSDL ngành"
                             + (" (chưa có mã định danh: đồng bộ để được cấp mã)"
                                if self.kind in PEOPLE_COMPARED and _absent(row.get("moet_id"))
                                else ""))
        else:
            rec["action"] = (f"Không nhập trực tiếp trên CSDL ngành: xóa bản ghi {noun} thừa rồi "
                             "đồng bộ lại từ vnEdu (nếu có thật, nhập vào vnEdu trước)")
        if ambiguous:
            rec["action"] += "; có nhiều hồ sơ gần giống (trùng tên/ngày sinh): kiểm tra bằng tay"
        if self.kind == "facilities":
            rec["field"] = show(row.get("item"))
        self.rows.append(rec)

    def duplicate(self, frame: pd.DataFrame, idx, system: str, members: list) -> None:
        row = frame.loc[idx]
        rec = self._base(row["school_code"], f"duplicate_in_{system}")
        rec.update(self._who(row))
        rec[f"{system}_value"] = self._facts(row)
        rec["_v" if system == "vnedu" else "_c"] = idx
        others = len(members) - 1
        if system == "vnedu":
            rec["action"] = (f"Hồ sơ trùng trên vnEdu ({others + 1} bản): giữ một, xóa bản thừa, "
                             "rồi đồng bộ lại lên CSDL ngành")
        else:
            rec["action"] = (f"Bản ghi trùng trên CSDL ngành ({others + 1} bản): xóa bản thừa "
                             "rồi đồng bộ lại từ vnEdu")
        if self.kind == "facilities":
            rec["field"] = show(row.get("item"))
        self.rows.append(rec)

    def missing_moet(self, rv: pd.Series, rc: pd.Series, iv, ic, pair: int) -> None:
        rec = self._base(rv["school_code"], "missing_moet_id")
        rec.update(self._who(rv, rc))
        rec["vnedu_value"] = ""
        rec["csdl_value"] = show(rc.get("moet_id"))
        rec.update({"_v": iv, "_c": ic, "_pair": pair, "field": ""})
        rec["action"] = (f"Hồ sơ trên vnEdu chưa có mã định danh (trên CSDL ngành: "
                         f"{show(rc.get('moet_id'))}): đồng bộ lại từ vnEdu để nhận mã")
        self.rows.append(rec)

    def mismatch(self, rv: pd.Series, rc: pd.Series, iv, ic, pair: int, field: str,
                 a: object, b: object) -> None:
        rec = self._base(rv["school_code"], "field_mismatch")
        rec.update(self._who(rv, rc))
        rec.update({"field": field, "vnedu_value": show(a), "csdl_value": show(b),
                    "_v": iv, "_c": ic, "_pair": pair})
        label = FIELD_LABELS.get(field, field)
        if _absent(a):
            rec["action"] = f"Bổ sung {label} trên vnEdu rồi đồng bộ lại lên CSDL ngành"
        else:
            rec["action"] = (f"Kiểm tra {label} trên vnEdu (sửa nếu sai), rồi đồng bộ lại từ vnEdu; "
                             "không sửa tay trên CSDL ngành")
        self.rows.append(rec)

    def school_missing(self, code: str, kind: str, system: str, held: int) -> None:
        """The missing system's value is empty; the other's is the number of records it holds."""
        rec = self._base(code, "school_missing")
        rec["field"] = kind
        rec["_system"] = system
        rec["csdl_value" if system == "vnedu" else "vnedu_value"] = str(held)
        name = vocab.SYSTEM_LABELS[system]
        if system == "vnedu":
            rec["action"] = (f"Trường xuất danh sách {ENTITY_LABELS[kind]} từ vnEdu "
                             "(tệp thiếu hoặc hỏng) và gửi lại Phòng GD&ĐT")
        else:
            rec["action"] = (f"Trường đồng bộ danh sách {ENTITY_LABELS[kind]} từ vnEdu lên {name} "
                             "rồi xuất lại (tệp thiếu hoặc hỏng)")
        self.rows.append(rec)

    def code_changed(self, code: str, vn: list[str], cs: list[str], olds: tuple) -> None:
        rec = self._base(code, "school_code_changed")
        rec["vnedu_value"] = ";".join(vn)
        rec["csdl_value"] = ";".join(cs)
        rec["action"] = (f"Trường sáp nhập (mã mới {code}, mã cũ {';'.join(olds)}): báo Sở GD&ĐT "
                         "để chuyển dữ liệu từ mã cũ sang mã mới trên CSDL ngành rồi đồng bộ lại")
        self.rows.append(rec)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=list(FINDING_COLUMNS))
