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

from dataclasses import dataclass

import numpy as np
import pandas as pd

from eduwb import fields as catalogue
from eduwb import text, texts, values, vocab
from eduwb.groups import DisjointSets
from eduwb.load import Carried, Period
from eduwb.match import Comparison, Linkage, link

FINDING_COLUMNS = (*vocab.DISCREPANCY_COLUMNS, "_kind", "_v", "_c", "_pair", "_system")

PEOPLE = catalogue.PEOPLE  # list kinds of people: linked by codes, then names and birth dates


@dataclass(frozen=True)
class KindResult:
    """One list kind's findings and links (indices into the period's per-system tables)."""

    kind: str
    vnedu: pd.DataFrame
    csdl: pd.DataFrame
    links: pd.DataFrame  # left (vnEdu index), right (CSDL index), method, score
    findings: pd.DataFrame  # FINDING_COLUMNS


def compare_period(period: Period) -> dict[str, KindResult]:
    """Findings for every list kind of a loaded period (school-level findings: :func:`school_findings`)."""
    return {kind: compare_kind(period, kind) for kind in vocab.LIST_KINDS}


def compare_kind(period: Period, kind: str) -> KindResult:
    """Group duplicates, link, compare and report one list kind."""
    v, c = _prepared(_records(period, kind, "vnedu"), _records(period, kind, "csdl"), kind)
    codes = _JointCodes(v, c)
    out = _Findings(period, kind)
    missing = period.missing_exports
    # Schools whose list the other system did not export: one school_missing stands for them.
    absent = {system: {school for school, k in missing[system] if k == kind}
              for system in vocab.SYSTEMS}
    rep_v = _duplicates(v, kind, "vnedu", out, _code_column(c), codes.side(0), absent["csdl"])
    rep_c = _duplicates(c, kind, "csdl", out, _code_column(v), codes.side(1), absent["vnedu"])
    linkage = _link(v, c, rep_v, rep_c, kind, codes)
    links = linkage.links.reset_index(drop=True)
    _compare_pairs(v, c, links, kind, period.carried_matrix, out, codes)
    for frame, rep, linked, system, other, ambiguous in (
        (v, rep_v, links["left"], "vnedu", "csdl", set(linkage.ambiguous_left)),
        (c, rep_c, links["right"], "csdl", "vnedu", set(linkage.ambiguous_right)),
    ):
        unlinked = rep & ~frame.index.isin(linked)
        unlinked &= ~frame["school_code"].isin(absent[other]).to_numpy()
        positions = np.flatnonzero(unlinked)
        for idx, row in zip(frame.index[positions], _rows(frame, positions), strict=True):
            out.only(row, idx, system, idx in ambiguous)
    return KindResult(kind, v, c, links, out.frame())


def school_findings(period: Period) -> pd.DataFrame:
    """``school_missing`` per registry school, kind and system; ``school_code_changed``."""
    out = _Findings(period, "school")
    schools = period.registry.schools_of(period.district)
    missing = period.missing_exports
    held: dict[tuple[str, str], pd.Series] = {}
    for code in schools["school_code"]:
        for kind in vocab.LIST_KINDS:
            for system in vocab.SYSTEMS:
                if (code, kind) in missing[system]:
                    other = "csdl" if system == "vnedu" else "vnedu"
                    if (kind, other) not in held:
                        table = period.tables[kind]
                        held[kind, other] = table.loc[(table["system"] == other).to_numpy(),
                                                      "school_code"].value_counts()
                    out.school_missing(code, kind, system, int(held[kind, other].get(code, 0)))
    rep = period.export_files()
    files = {system: rep[rep["system"] == system] for system in vocab.SYSTEMS}
    current = {system: [(f, period.registry.current(f)) for f in set(files[system]["school_code"])]
               for system in vocab.SYSTEMS}
    for _, school in period.registry.merged_schools().iterrows():
        code = school["school_code"]
        if period.district and school["district_code"] != period.district:
            continue
        used = {system: sorted(f for f, cur in current[system] if cur == code)
                for system in vocab.SYSTEMS}
        if any(x != code for codes in used.values() for x in codes):
            out.code_changed(code, used["vnedu"], used["csdl"], school["old_codes"])
    return out.frame()


# --- preparation, duplicates, linking ---------------------------------------------------------------


def _records(period: Period, kind: str, system: str) -> pd.DataFrame:
    """:meth:`Period.records`, without copying when the system's records are contiguous (the
    loader sorts by system)."""
    table = period.tables[kind]
    at = np.flatnonzero((table["system"] == system).to_numpy())
    if len(at) and at[-1] - at[0] + 1 == len(at):
        return table.iloc[at[0]:at[-1] + 1].reset_index(drop=True)
    return period.records(kind, system)


def _prepared(v: pd.DataFrame, c: pd.DataFrame, kind: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add the linking keys to both systems' records (each computed once per distinct value, as
    categoricals sharing their categories across the two systems)."""
    if kind not in PEOPLE:
        return v, c
    names = pd.concat([v["full_name"], c["full_name"]], ignore_index=True)
    codes, uniques = pd.factorize(names, use_na_sentinel=True)
    uniques = np.asarray(uniques, dtype=object)  # faster than iterating the Arrow array
    # Exact keys keep the accents (twins are often Tiến and Tiên); blocks fold them.
    folded = _recoded(codes, [text.fold_case(u) for u in uniques])
    dob = pd.concat([v["dob"], c["dob"]], ignore_index=True).astype(object)
    days, dates = pd.factorize(dob, use_na_sentinel=True)
    iso = _recoded(days, [d.isoformat() for d in dates])
    n = len(v)
    for frame, part in ((v, slice(0, n)), (c, slice(n, None))):
        for name, (at, labels) in (("_name", folded), ("_dob", iso)):
            frame[name] = pd.Categorical.from_codes(at[part], categories=labels)
    return v, c


def _recoded(codes: np.ndarray, values: list[str]) -> tuple[np.ndarray, pd.Index]:
    """Codes of ``values[code]`` (-1 stays -1) and the distinct values they index."""
    inner, labels = pd.factorize(pd.Index(values, dtype=object))
    table = np.append(inner, -1)
    return table[codes], pd.Index(labels, dtype=object)


def _small(codes: np.ndarray) -> np.ndarray:
    """Codes as int32 when they fit (half the memory at national scale)."""
    return codes.astype(np.int32) if len(codes) < 2**31 - 1 else codes.astype(np.int64)


class _JointCodes:
    """Integer codes of columns over both systems' records at once (-1 = missing), and of
    combinations of columns, so that keys compare as integers."""

    def __init__(self, v: pd.DataFrame, c: pd.DataFrame) -> None:
        self.v, self.c = v, c
        self.cache: dict[tuple[str, ...], np.ndarray] = {}

    def column(self, name: str, keep: bool = True) -> np.ndarray:
        """Codes of one column (``keep=False``: not cached, for a column read once)."""
        if (name,) in self.cache:
            return self.cache[name,]
        a, b = self.v[name], self.c[name]
        if isinstance(a.dtype, pd.CategoricalDtype) and a.dtype == b.dtype:
            codes = np.concatenate([a.cat.codes.to_numpy(), b.cat.codes.to_numpy()])
        else:
            both = (pd.concat([a, b], ignore_index=True) if a.dtype == b.dtype
                    else pd.Series(np.concatenate([a.to_numpy(dtype=object),
                                                   b.to_numpy(dtype=object)]), dtype=object))
            codes, _ = pd.factorize(both, use_na_sentinel=True)
        codes = _small(codes)
        if keep:
            self.cache[name,] = codes
        return codes

    def key(self, names: tuple[str, ...] | list[str]) -> np.ndarray:
        """One code per record for the tuple of columns (-1 when any is missing)."""
        names = tuple(names)
        if names not in self.cache:
            key = self.column(names[0]).astype(np.int64)
            missing = key < 0
            for name in names[1:]:
                part = self.column(name)
                missing |= part < 0
                key = key * (int(part.max(initial=0)) + 1) + np.maximum(part, 0)
                key, _ = pd.factorize(key)  # compact: products stay far from overflow
            key = _small(key)
            key[missing] = -1
            self.cache[names] = key
        return self.cache[names]

    def side(self, i: int):
        """``key`` restricted to one system's records (0 vnEdu, 1 CSDL)."""
        n = len(self.v)
        return lambda names: self.key(names)[:n] if i == 0 else self.key(names)[n:]

    def column_of(self, i: int, names: tuple[str, ...] | list[str]) -> pd.arrays.IntegerArray:
        """A key as a nullable integer column of one system's records."""
        key = self.side(i)(names)
        return pd.arrays.IntegerArray(np.maximum(key, 0), key < 0)


def _code_column(frame: pd.DataFrame) -> pd.Series | None:
    return frame.get("moet_id")


def _duplicates(frame: pd.DataFrame, kind: str, system: str, out: _Findings,
                other_codes: pd.Series | None, key_of,
                unlisted: set[str] = frozenset()) -> np.ndarray:
    """Report duplicate groups; return the mask of records that take part in linking.

    Same school and MOET code (or vnEdu code), or same school, name and birth date, make a group
    (the same MOET code at two schools too, unless it is a transfer). Two records with different
    MOET codes that the other system also holds are two people, not a duplicate. Records of the
    ``unlisted`` schools (the other system has no export of the list: one ``school_missing``
    stands for them) are grouped but not reported one by one.
    """
    same = DisjointSets()
    union = same.union
    for keys in _duplicate_keys(kind):
        key = pd.Series(key_of(keys))
        at = np.flatnonzero(((key >= 0) & key.duplicated(keep=False)).to_numpy())
        if not len(at):
            continue
        labels = frame.index[at]
        groups = key.iloc[at].groupby(key.iloc[at].to_numpy(), sort=False).indices.values()
        if "moet_id" in keys or "moet_id" not in frame:
            for idx in groups:
                union(list(labels[idx]))
            continue
        codes = frame["moet_id"].iloc[at]
        known: set = set()
        if other_codes is not None:
            cand = codes.dropna().unique()
            known = set(other_codes[other_codes.isin(cand).to_numpy()].unique())
        distinct = (codes.notna() & codes.isin(known)).to_numpy()
        for idx in split_groups(key.iloc[at].to_numpy(), codes.to_numpy(dtype=object), distinct):
            union(list(labels[idx]))
    if kind in PEOPLE and "moet_id" in frame:
        code = pd.Series(key_of(("moet_id",)))
        coded = frame.loc[((code >= 0) & code.duplicated(keep=False)).to_numpy(),
                          ["moet_id", "school_code", "status" if kind == "students"
                           else "staff_status"]]
        if len(coded):
            stays = ~_left(coded, kind)
            agg = coded.assign(_stays=stays).groupby("moet_id").agg(
                schools=("school_code", "nunique"), stays=("_stays", "sum"))
            spread = agg.index[((agg["schools"] > 1) & (agg["stays"] > 1)).to_numpy()]
            chosen = coded[coded["moet_id"].isin(spread).to_numpy()]
            for idx in chosen.groupby("moet_id").indices.values():
                union(list(chosen.index[idx]))
    keep = np.ones(len(frame), dtype=bool)
    if not same:
        return keep
    members = [m for m in same.groups() if len(m) > 1]
    reps = _representatives(frame, members)
    positions = frame.index.get_indexer([i for m in members for i in m])
    keep[positions] = False
    keep[frame.index.get_indexer(reps)] = True
    rows = iter(_rows(frame, positions))
    for group in members:
        for i in group:
            row = next(rows)
            if row["school_code"] not in unlisted:
                out.duplicate(row, i, system, group)
    return keep


def split_groups(group: np.ndarray, codes: np.ndarray, distinct: np.ndarray) -> list[np.ndarray]:
    """The duplicate groups of same-name-and-birth-date records, split where records are two people.

    ``group``: each record's group id; ``codes``: its MOET code; ``distinct``: its code is one the
    other system holds. Two records of a group are the same person unless both have such codes and
    the codes differ; the connected parts of that rule are returned (positions, groups of 2 or
    more). One record without such a code joins the whole group, so a group splits by code only
    when every record has one: linear, where comparing every pair was quadratic in a group's size.
    """
    if not len(group):
        return []
    plain = pd.Series(~distinct).groupby(group).transform("any").to_numpy()
    code_ids, _ = pd.factorize(pd.Series(codes, dtype=object), use_na_sentinel=True)
    sub = np.where(plain, -1, code_ids)
    parts = pd.DataFrame({"g": group, "s": sub}).groupby(["g", "s"], sort=False).indices
    return [idx for idx in parts.values() if len(idx) > 1]


def _left(group: pd.DataFrame, kind: str) -> np.ndarray:
    """Records that left the school (Chuyển đi; staff moved away)."""
    if kind != "students":
        return group["staff_status"].isin(["Đã chuyển đi", "Đã điều động"]).to_numpy()
    left = group["status"].map(vocab.is_transfer_out, na_action="ignore").fillna(False)
    return left.astype(bool).to_numpy()


def _duplicate_keys(kind: str) -> list[list[str]]:
    if kind in PEOPLE:
        return [["school_code", "moet_id"], ["school_code", "vnedu_id"],
                ["school_code", "_name", "_dob"]]
    return [["school_code", *catalogue.identity(kind)]]  # a class by its name, an item


def _representatives(frame: pd.DataFrame, groups: list[list]) -> list:
    """The record of each duplicate group that is linked: with a MOET code, then the first by
    file and row."""
    labels = [i for g in groups for i in g]
    sub = frame.loc[labels, ["file", "row"]].reset_index(names="_idx")
    sub["_group"] = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
    sub["_has"] = frame.loc[labels, "moet_id"].notna().to_numpy() if "moet_id" in frame else False
    sub = sub.sort_values(["_group", "_has", "file", "row", "_idx"],
                          ascending=[True, False, True, True, True])
    return list(sub.drop_duplicates("_group")["_idx"])


def _link(v: pd.DataFrame, c: pd.DataFrame, rep_v: np.ndarray, rep_c: np.ndarray, kind: str,
          codes: _JointCodes) -> Linkage:
    """Link the representatives; keys are integer codes of the key columns (same pairs)."""
    if kind not in PEOPLE:
        keys = ("school_code", *catalogue.identity(kind))  # a class by its name, an item
        return link(pd.DataFrame({"_k": codes.column_of(0, keys)})[rep_v],
                    pd.DataFrame({"_k": codes.column_of(1, keys)})[rep_c],
                    exact=[["_k"]], exact_names=["key"])
    other = "class_name" if kind == "students" else "position"
    fields = ["_name", "_dob", "sex", other, "moet_id"] + (["grade"] if kind == "students" else [])
    sides = []
    for i, (frame, rep) in enumerate(((v, rep_v), (c, rep_c))):
        side = frame[fields].copy()
        side["_k_moet"] = codes.column_of(i, ("school_code", "moet_id"))
        side["_k_name_dob"] = codes.column_of(i, ("school_code", "_name", "_dob"))
        side["_b_dob"] = codes.column_of(i, ("school_code", "_dob"))
        side["_school"] = codes.column_of(i, ("school_code",))
        sides.append(side[rep])
    left, right = sides
    exact = link(left, right, exact=[["_k_moet"], ["_k_name_dob"]],
                 exact_names=["moet_id", "name_dob"])
    # The given-name block key only for the records left after the exact passes.
    left = left[~left.index.isin(exact.links["left"])].copy()
    right = right[~right.index.isin(exact.links["right"])].copy()
    given = _given_codes([left["_name"], right["_name"]])
    block = ["_school", "grade", "_given"] if kind == "students" else ["_school", "_given"]
    left["_given"], right["_given"] = given
    fuzzy = link(
        left, right,
        blocks=[["_b_dob"], block],
        comparisons=[
            Comparison("_name", "name", 4.0, missing=0.0),
            Comparison("_dob", "date", 3.0),
            Comparison("sex", "exact", 1.0),
            Comparison(other, "exact", 1.0),
            Comparison("moet_id", "exact", 2.0),
        ],
        threshold=0.8,
    )
    links = pd.concat([f.links for f in (exact, fuzzy) if len(f.links)] or [exact.links],
                      ignore_index=True)
    return Linkage(links, fuzzy.ambiguous_left, fuzzy.ambiguous_right,
                   {**exact.stats, **fuzzy.stats})


def _given_codes(names: list[pd.Series]) -> list[pd.Categorical]:
    """The folded given name of case-folded full names, as categoricals sharing categories."""
    both = pd.concat(names, ignore_index=True).astype(object)
    codes, uniques = pd.factorize(both, use_na_sentinel=True)
    at, labels = _recoded(codes, [text.split_name(text.fold_accents(u))[2]
                                  for u in np.asarray(uniques, dtype=object)])
    out, start = [], 0
    for s in names:
        out.append(pd.Categorical.from_codes(at[start:start + len(s)], categories=labels))
        start += len(s)
    return out


def _rows(frame: pd.DataFrame, positions: np.ndarray) -> list[dict]:
    """The records at ``positions`` as dicts of the fields findings show."""
    cols = [f for f in ROW_FIELDS if f in frame.columns]
    values = [frame[c].iloc[positions].to_numpy(dtype=object) for c in cols]
    return [dict(zip(cols, row, strict=True)) for row in zip(*values, strict=True)]


ROW_FIELDS = ("school_code", "vnedu_id", "moet_id", "full_name", "class_name", "dob", "sex",
              "status", "position", "staff_status", "declared_size", "item", "count")


# --- comparing linked pairs -----------------------------------------------------------------------


def _compare_pairs(
    v: pd.DataFrame,
    c: pd.DataFrame,
    links: pd.DataFrame,
    kind: str,
    carried: Carried,
    out: _Findings,
    codes: _JointCodes,
) -> None:
    if links.empty:
        return
    pv = v.index.get_indexer(links["left"])
    pc = c.index.get_indexer(links["right"])
    # Each pair's two files as rows of the carried matrix (codes first: no per-row strings).
    fv, files_v = pd.factorize(v["file"])
    fc, files_c = pd.factorize(c["file"])
    rv = carried.rows("vnedu", files_v)[fv[pv]]
    rc = carried.rows("csdl", files_c)[fc[pc]]
    found: list[tuple[int, str | None, object, object]] = []  # pair, field (None: MOET), values
    if kind in PEOPLE:
        no_code = v["moet_id"].isna().to_numpy()[pv] & c["moet_id"].notna().to_numpy()[pc]
        found += [(int(i), None, None, None) for i in np.flatnonzero(no_code)]
    items = None
    if kind == "facilities":
        icodes, iuniq = pd.factorize(v["item"])
        items = np.asarray(iuniq, dtype=object)[icodes[pv]] if len(iuniq) else np.full(len(pv), None)
    for field in catalogue.compared(kind):
        name = items if items is not None else field
        shared = carried.carries(rv, name) & carried.carries(rc, name)
        if not shared.any():
            continue
        # Names compare case-insensitively (_name is the case-folded full name); _dob holds the
        # dates' codes.
        how = catalogue.BY_NAME[field].comparison
        col = {"full_name": "_name", "dob": "_dob"}.get(field, field)
        col = col if col in v and col in c else field
        if col in v and col in c and (col != field or how == "value"):
            joint = codes.column(col, keep=False)
            same = _agree(joint[:len(v)][pv], joint[len(v):][pc])
        else:
            same = _same_values(how, v.get(col), c.get(col), pv, pc)
        differ = shared & ~same
        where = np.flatnonzero(differ)
        if not len(where):
            continue
        av = _values(v, field, pv[where])
        bv = _values(c, field, pc[where])
        found += [(int(i), items[i] if items is not None else field, a, b)
                  for i, a, b in zip(where, av, bv, strict=True)]
    if not found:
        return
    used = sorted({i for i, *_ in found})
    at = {i: n for n, i in enumerate(used)}
    rows_v = _rows(v, pv[used])
    rows_c = _rows(c, pc[used])
    lefts, rights = links["left"].to_numpy(), links["right"].to_numpy()
    for i, name, a_value, b_value in found:
        row_v, row_c = rows_v[at[i]], rows_c[at[i]]
        if name is None:
            out.missing_moet(row_v, row_c, lefts[i], rights[i], i)
        else:
            out.mismatch(row_v, row_c, lefts[i], rights[i], i, name, a_value, b_value)


def _values(frame: pd.DataFrame, field: str, positions: np.ndarray) -> list:
    """A field's values at ``positions`` (None where the frame has no such column)."""
    if field not in frame:
        return [None] * len(positions)
    return list(frame[field].iloc[positions].to_numpy(dtype=object))


def _agree(ca: np.ndarray, cb: np.ndarray) -> np.ndarray:
    """Aligned value codes (-1 = missing) agree: equal, or both missing."""
    return (ca == cb) | ((ca < 0) & (cb < 0))


def _same_values(how: str, a: pd.Series | None, b: pd.Series | None, pa: np.ndarray,
                 pb: np.ndarray) -> np.ndarray:
    """Whether the values of ``a`` at ``pa`` and ``b`` at ``pb`` agree: both missing, or equal
    (names case-insensitively; a bare disability mark agrees with any type)."""
    if a is None:
        a = pd.Series([None] * (int(pa.max()) + 1 if len(pa) else 0), dtype=object)
    if b is None:
        b = pd.Series([None] * (int(pb.max()) + 1 if len(pb) else 0), dtype=object)
    if how == "name":
        a = text._map_unique(a.astype(object), lambda x: text.fold_case(str(x)))
        b = text._map_unique(b.astype(object), lambda x: text.fold_case(str(x)))
    # Equal values get equal codes (missing: -1), computed over the whole columns at once (typed
    # columns are hashed without Python objects), then taken at the pairs.
    both = pd.concat([a, b], ignore_index=True) if a.dtype == b.dtype else pd.Series(
        np.concatenate([a.to_numpy(dtype=object), b.to_numpy(dtype=object)]), dtype=object)
    codes, uniques = pd.factorize(both, use_na_sentinel=True)
    ca, cb = codes[:len(a)][pa], codes[len(a):][pb]
    na, nb = ca < 0, cb < 0
    equal = (ca == cb) & ~na
    if how == "disability":
        # A bare mark ("x", "Có") agrees with any type: compare disabled / not disabled.
        labels = np.append(np.asarray(uniques, dtype=object), None)
        x, y = labels[ca], labels[cb]
        yes = (x == vocab.DISABILITY_YES) | (y == vocab.DISABILITY_YES)
        both_disabled = (x != vocab.DISABILITY_NONE) & (y != vocab.DISABILITY_NONE)
        equal |= yes & both_disabled & ~na & ~nb
    return equal | (na & nb)


_NA = object()  # stands for a missing value inside comparisons


_absent = values.is_missing


# --- building finding rows --------------------------------------------------------------------------

def _action(category: str, case: str | None = None, note: str | None = None,
            **values: object) -> str:
    """A finding's action from its category's texts (eduwb.texts): the action, or a case's, and
    a note, filled with ``values``."""
    text = texts.CATEGORIES[category]
    action = text.cases[case] if case else text.action
    return (action + (text.notes[note] if note else "")).format(**values)


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
        self.rows: list[tuple] = []

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

    def _who(self, row: dict, other: dict | None = None) -> dict:
        if self.kind in PEOPLE:
            moet = row.get("moet_id")
            if _absent(moet) and other is not None:
                moet = other.get("moet_id")
            return {"vnedu_id": show(row.get("vnedu_id")), "moet_id": show(moet),
                    "full_name": show(row.get("full_name"))}
        if self.kind == "classes":
            return {"full_name": show(row.get("class_name"))}
        return {}

    def _facts(self, row: dict) -> str:
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

    def only(self, row: dict, idx, system: str, ambiguous: bool) -> None:
        rec = self._base(row["school_code"], f"only_in_{system}")
        rec.update(self._who(row))
        rec[f"{system}_value"] = self._facts(row)
        rec["_v" if system == "vnedu" else "_c"] = idx
        no_code = system == "vnedu" and self.kind in PEOPLE and _absent(row.get("moet_id"))
        rec["action"] = _action(rec["category"], note="no_moet_id" if no_code else None,
                                noun=texts.NOUNS[self.kind])
        if ambiguous:
            rec["action"] += texts.AMBIGUOUS
        if self.kind == "facilities":
            rec["field"] = show(row.get("item"))
        self.rows.append(tuple(rec[c] for c in FINDING_COLUMNS))

    def duplicate(self, row: dict, idx, system: str, members: list) -> None:
        rec = self._base(row["school_code"], f"duplicate_in_{system}")
        rec.update(self._who(row))
        rec[f"{system}_value"] = self._facts(row)
        rec["_v" if system == "vnedu" else "_c"] = idx
        rec["action"] = _action(rec["category"], n=len(members))
        if self.kind == "facilities":
            rec["field"] = show(row.get("item"))
        self.rows.append(tuple(rec[c] for c in FINDING_COLUMNS))

    def missing_moet(self, rv: dict, rc: dict, iv, ic, pair: int) -> None:
        rec = self._base(rv["school_code"], "missing_moet_id")
        rec.update(self._who(rv, rc))
        rec["vnedu_value"] = ""
        rec["csdl_value"] = show(rc.get("moet_id"))
        rec.update({"_v": iv, "_c": ic, "_pair": pair, "field": ""})
        rec["action"] = _action("missing_moet_id", moet_id=show(rc.get("moet_id")))
        self.rows.append(tuple(rec[c] for c in FINDING_COLUMNS))

    def mismatch(self, rv: dict, rc: dict, iv, ic, pair: int, field: str,
                 a: object, b: object) -> None:
        rec = self._base(rv["school_code"], "field_mismatch")
        rec.update(self._who(rv, rc))
        shown_a, shown_b = show(a), show(b)
        if catalogue.is_identifier(field):  # for matching only: never printed in full
            shown_a = catalogue.mask_identifier(shown_a)
            shown_b = catalogue.mask_identifier(shown_b)
        rec.update({"field": field, "vnedu_value": shown_a, "csdl_value": shown_b,
                    "_v": iv, "_c": ic, "_pair": pair})
        same_digits = catalogue.is_identifier(field) and shown_a and shown_a == shown_b
        rec["action"] = _action("field_mismatch", "blank_in_vnedu" if _absent(a) else None,
                                "same_last_digits" if same_digits and not _absent(a) else None,
                                field=catalogue.label(field))
        self.rows.append(tuple(rec[c] for c in FINDING_COLUMNS))

    def school_missing(self, code: str, kind: str, system: str, held: int) -> None:
        """The missing system's value is empty; the other's is the number of records it holds."""
        rec = self._base(code, "school_missing")
        rec["field"] = kind
        rec["_system"] = system
        rec["csdl_value" if system == "vnedu" else "vnedu_value"] = str(held)
        rec["action"] = _action("school_missing", "csdl" if system == "csdl" else None,
                                noun=texts.NOUNS[kind])
        self.rows.append(tuple(rec[c] for c in FINDING_COLUMNS))

    def code_changed(self, code: str, vn: list[str], cs: list[str], olds: tuple) -> None:
        rec = self._base(code, "school_code_changed")
        rec["vnedu_value"] = ";".join(vn)
        rec["csdl_value"] = ";".join(cs)
        rec["action"] = _action("school_code_changed", code=code, old_codes=";".join(olds))
        self.rows.append(tuple(rec[c] for c in FINDING_COLUMNS))

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame.from_records(self.rows, columns=list(FINDING_COLUMNS))
