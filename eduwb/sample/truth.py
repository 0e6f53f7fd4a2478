"""Ground truth by diffing the two canonical record sets of a period (never from the injected faults).

Rules (outputs.md), per school under its current code and list kind:

- one system has no readable export → one ``school_missing`` row (entity ``school``, ``field`` = the
  kind; ``vnedu_value``/``csdl_value`` = the number of records each readable export holds, empty for the
  missing side); the kind's records are not listed;
- an export under a code other than the current one → one ``school_code_changed`` row per school
  (``vnedu_value``/``csdl_value`` = the codes the files carry, ``;``-joined);
- records are linked by the hidden ``person_key`` within a school (a class by its name, a facility by its
  item); a key with more than one record in a system → one ``duplicate_in_<system>`` row per record of
  that system, nothing else for the key; one record on one side only → ``only_in_vnedu``/``only_in_csdl``;
  a linked pair whose vnEdu record lacks the MOET code → ``missing_moet_id``, and in any linked pair one
  ``field_mismatch`` row per compared field that both exports carry and whose values differ (a missing
  value against a value differs; disability "co" equals any type).

Values are written as normalised: dates ``YYYY-MM-DD``, booleans ``True``/``False``, missing empty.
"""

from __future__ import annotations

from datetime import date

from eduwb import fields, vocab
from eduwb.checks.rules import (
    CATALOGUE,
    CLASSROOM_ITEMS,
    JUMP_SHARE,
    MAX_CLASS_SIZE,
    OUTLIER_MIN_PUPILS,
    OUTLIER_MIN_SCHOOLS,
    OUTLIER_Z,
    RATIOS,
)

COMPARED: dict[str, tuple[str, ...]] = {kind: fields.compared(kind) for kind in vocab.LIST_KINDS}
TRUTH_COLUMNS = (*vocab.DISCREPANCY_COLUMNS, "person_key")


def fmt(v: object) -> str:
    """A canonical value as written in the truth CSVs."""
    if v is None:
        return ""
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def same(field: str, a: object, b: object) -> bool:
    """Equality after normalisation; disability compares as a mark when one side has only a mark."""
    if field == "disability" and a is not None and b is not None and "co" in (a, b):
        return (a == "khong") == (b == "khong")
    return a == b


def diff(year: str, period: str, schools: list[tuple[str, str]], exports: list[dict]) -> list[tuple]:
    """Discrepancy rows.

    ``schools``: (current code, district) of the registry; ``exports``: dicts with ``system``, ``kind``,
    ``school``, ``file_school_code``, ``readable``, ``fields`` and ``records`` (canonical dicts with
    ``person_key``).
    """
    rows: list[tuple] = []
    index: dict[tuple[str, str, str], list[dict]] = {}
    for e in exports:
        if e["readable"]:
            index.setdefault((e["system"], e["school"], e["kind"]), []).append(e)

    def row(district, school, entity, category, fld="", vid=None, mid=None, name=None,
            vv="", cv="", key=""):
        rows.append((year, period, district, school, entity, category, fld, fmt(vid), fmt(mid),
                     fmt(name), vv, cv, "", key))

    for code, district in schools:
        codes = {s: sorted({e["file_school_code"] for k in vocab.LIST_KINDS
                            for e in index.get((s, code, k), ())}) for s in vocab.SYSTEMS}
        if any(c != code for cs in codes.values() for c in cs):
            row(district, code, "school", "school_code_changed", vv=";".join(codes["vnedu"]),
                cv=";".join(codes["csdl"]))
        for kind in vocab.LIST_KINDS:
            ev, ec = index.get(("vnedu", code, kind)), index.get(("csdl", code, kind))
            if not ev or not ec:
                nv = str(sum(len(e["records"]) for e in ev)) if ev else ""
                nc = str(sum(len(e["records"]) for e in ec)) if ec else ""
                row(district, code, "school", "school_missing", kind, vv=nv, cv=nc)
                continue
            _diff_kind(row, district, code, kind, ev, ec)
    return rows


def _group(exports: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for e in exports:
        for r in e["records"]:
            out.setdefault(r["person_key"], []).append(r)
    return out


def _diff_kind(row, district: str, code: str, kind: str, ev: list[dict], ec: list[dict]) -> None:
    entity = vocab.KIND_ENTITY[kind]
    gv, gc = _group(ev), _group(ec)
    both = set(ev[0]["fields"]) & set(ec[0]["fields"])
    fields = [f for f in COMPARED[kind] if f in both]

    def ident(r: dict | None) -> tuple:
        if r is None:
            return None, None, None
        if kind == "classes":
            return None, None, r["class_name"]
        if kind == "facilities":
            return None, None, None
        return r.get("vnedu_id"), r.get("moet_id"), r.get("full_name")

    for key in sorted(set(gv) | set(gc)):
        rv, rc = gv.get(key, []), gc.get(key, [])
        if len(rv) > 1 or len(rc) > 1:
            for system, recs in (("vnedu", rv), ("csdl", rc)):
                if len(recs) > 1:
                    for r in recs:
                        vid, mid, name = ident(r)
                        row(district, code, entity, f"duplicate_in_{system}", "", vid, mid, name,
                            key=key)
            continue
        v = rv[0] if rv else None
        c = rc[0] if rc else None
        vid, mid, name = ident(v)
        _cvid, cmid, cname = ident(c)
        mid = mid or cmid
        name = name or cname
        fld = c["item"] if kind == "facilities" and c else (v["item"] if kind == "facilities"
                                                           else "")
        if c is None:
            row(district, code, entity, "only_in_vnedu", fld, vid, mid, name, key=key)
            continue
        if v is None:
            row(district, code, entity, "only_in_csdl", fld, None, mid, name, key=key)
            continue
        if kind in ("students", "staff") and v.get("moet_id") is None and c.get("moet_id"):
            row(district, code, entity, "missing_moet_id", "", vid, mid, name, key=key)
        for f in fields:
            if not same(f, v[f], c[f]):
                label = v["item"] if kind == "facilities" else f
                row(district, code, entity, "field_mismatch", label, vid, mid, name,
                    fmt(v[f]), fmt(c[f]), key)


def hs_tong(exports: list[dict]) -> list[tuple]:
    """Present pupils per system, school (current code), grade and sex; duplicates count twice;
    a pupil with a blank grade or sex is in no cell."""
    counts: dict[tuple[str, str, str, str], int] = {}
    for e in exports:
        if e["kind"] != "students" or not e["readable"]:
            continue
        for r in e["records"]:  # a blank grade or sex counts in no grade × sex cell
            if vocab.is_present(r["status"]) and r["grade"] is not None and r["sex"] is not None:
                k = (e["system"], e["school"], fmt(r["grade"]), fmt(r["sex"]))
                counts[k] = counts.get(k, 0) + 1
    return [(*k, str(n)) for k, n in sorted(counts.items())]


# --- data-entry checks (checks.md), from the generator's own records ----------------------------------

CHECK_TRUTH_COLUMNS = (*vocab.CHECK_COLUMNS, "person_key")
# The contract's parameters are the rules' (eduwb.checks.rules); the records are judged here.
SEVERITY = {r.id: r.severity for r in CATALOGUE}
ENTITY = {"hs": "student", "lo": "class", "cb": "staff", "tr": "school", "ba": "school"}
LEAVING_STAFF = {"Đã chuyển đi", "Đã điều động", "Đã nghỉ hưu", "Thôi việc", "Đã biệt phái"}
ROOMS = CLASSROOM_ITEMS
# Outliers: (rule, fields the pupil list must carry, needs the class list, floor, share)
OUTLIERS = tuple((rule, r.fields, "classes" in r.kinds, r.floor, r.share)
                 for rule, r in RATIOS.items())


def _leaving(status: str | None) -> bool:
    return bool(status) and (status.startswith("Chuyển đi") or status.startswith("Thôi học"))


def _dropout(status: str | None) -> bool:
    return bool(status) and status.startswith("Thôi học")


def _median(xs: list[float]) -> float:
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def _mod_z(xs: list[float]) -> list[float]:
    med = _median(xs)
    dev = [abs(x - med) for x in xs]
    mad = _median(dev)
    if mad > 0:
        return [0.6745 * (x - med) / mad for x in xs]
    mean_ad = sum(dev) / len(xs)
    if mean_ad > 0:
        return [(x - med) / (1.253314 * mean_ad) for x in xs]
    return [0.0] * len(xs)


def checks(year: str, period: str, schools: list[tuple[str, str]], exports: list[dict],
           previous: list[dict] | None) -> list[tuple]:
    """The rows of checks.csv a correct run must write (message, action and value left empty).

    ``exports`` as for :func:`diff`; ``previous``: the exports of the previous period of the same
    year (None at the start of the year). Per system and registry school, a rule is applied only
    where the lists it needs are readable and carry its fields.
    """
    start = int(year[:4])
    tt27 = set(range(1, min(5, start - 2019) + 1))
    district = dict(schools)
    rows: list[tuple] = []

    def lists(exps: list[dict]) -> dict[tuple[str, str, str], dict]:
        out: dict[tuple[str, str, str], dict] = {}
        for e in exps:
            if e["readable"]:
                k = (e["system"], e["school"], e["kind"])
                prev = out.setdefault(k, {"fields": set(e["fields"]), "records": []})
                prev["fields"] &= set(e["fields"])
                prev["records"] = prev["records"] + e["records"]
        return out

    now = lists(exports)
    before = lists(previous) if previous is not None else None

    def row(system, code, rule, fld="", key="", mid="", name="", cls="", person=""):
        rows.append((year, period, district.get(code, ""), code, system, ENTITY[rule[:2]], rule,
                     SEVERITY.get(rule, "canh_bao"), fld, fmt(key), fmt(mid), fmt(name), fmt(cls),
                     "", "", "", person))

    for system in vocab.SYSTEMS:
        key = "vnedu_id" if system == "vnedu" else "moet_id"
        ratios: dict[str, dict[str, float]] = {r[0]: {} for r in OUTLIERS}
        for code, _district in schools:
            st = now.get((system, code, "students"))
            cl = now.get((system, code, "classes"))
            sf = now.get((system, code, "staff"))
            fa = now.get((system, code, "facilities"))
            counts: dict[str, int] = {}
            if st:
                f, recs = st["fields"], st["records"]
                for r in recs:
                    present = not _leaving(r["status"])
                    who = (r.get(key), r.get("moet_id"), r.get("full_name"), r.get("class_name"),
                           r["person_key"])
                    for fld in ("full_name", "dob", "sex", "ethnicity", "class_name"):
                        if fld in f and r[fld] is None:
                            row(system, code, "hs_thieu_thong_tin", fld, *who)
                    g = r["grade"] if "grade" in f else None
                    if {"dob", "status"} <= f and present and r["dob"] and g is not None:
                        age = start - r["dob"].year
                        if age < g + 5 or age > g + 8:
                            row(system, code, "hs_tuoi_khong_hop_ly", "dob", *who)
                    if period == "dau_nam" and "new_entrant" in f and r["new_entrant"] and \
                            g is not None and g != 1:
                        row(system, code, "hs_tuyen_moi_sai_khoi", "new_entrant", *who)
                    if period == "cuoi_nam" and "completed_primary" in f and \
                            r["completed_primary"] and g is not None and g != 5:
                        row(system, code, "hs_hoan_thanh_sai_khoi", "completed_primary", *who)
                    if period == "cuoi_nam" and {"evaluation", "status"} <= f and present and \
                            r["evaluation"] is None:
                        row(system, code, "hs_thieu_danh_gia", "evaluation", *who)
                    if period == "cuoi_nam" and "evaluation" in f and r["evaluation"] in (
                            "htxs", "htt") and g is not None and g not in tt27:
                        row(system, code, "hs_danh_gia_sai_muc", "evaluation", *who)
                    if {"class_name", "status"} <= f and present and r["class_name"]:
                        counts[r["class_name"]] = counts.get(r["class_name"], 0) + 1
                if {"class_name", "status"} <= f:
                    for cls, n in sorted(counts.items()):
                        if n > MAX_CLASS_SIZE:
                            row(system, code, "lop_si_so_vuot", "", cls, cls=cls)
                    if cl:
                        listed = {c["class_name"] for c in cl["records"]}
                        for cls in sorted(set(counts) - listed):
                            row(system, code, "lop_khong_co_trong_danh_sach", "class_name", cls,
                                cls=cls)
                        for c in cl["records"]:
                            n = counts.get(c["class_name"], 0)
                            if n == 0:
                                row(system, code, "lop_khong_co_hoc_sinh", "", c["class_name"],
                                    cls=c["class_name"])
                            if "declared_size" in cl["fields"] and c["declared_size"] != n:
                                row(system, code, "lop_si_so_khong_khop", "declared_size",
                                    c["class_name"], cls=c["class_name"])
                _ratios(ratios, code, f, recs, cl)
            if sf and "staff_status" in sf["fields"]:
                f = sf["fields"]
                heads = set()
                for r in sf["records"]:
                    if r["staff_status"] in LEAVING_STAFF:
                        continue
                    who = (r.get(key), r.get("moet_id"), r.get("full_name"), "", r["person_key"])
                    for fld in ("dob", "sex", "staff_group"):
                        if fld in f and r[fld] is None:
                            row(system, code, "cb_thieu_thong_tin", fld, *who)
                    if {"staff_group", "qualification"} <= f and r["staff_group"] in (
                            "cbql", "gv") and r["qualification"] is None:
                        row(system, code, "cb_thieu_thong_tin", "qualification", *who)
                    if r["position"] == "Hiệu trưởng":
                        heads.add(r["person_key"])
                if "position" in f:
                    if not heads:
                        row(system, code, "truong_thieu_hieu_truong", "position")
                    elif len(heads) > 1:
                        row(system, code, "truong_nhieu_hieu_truong", "position")
            if fa and cl:
                rooms = [r["count"] for r in fa["records"] if r["item"] in ROOMS]
                items = {r["item"] for r in fa["records"]}
                if set(ROOMS) <= items and None not in rooms and \
                        sum(rooms) < len({c["class_name"] for c in cl["records"]}):
                    row(system, code, "truong_thieu_phong_hoc")
            if st and before is not None:
                _vanished_and_jump(row, system, code, key, st, before.get((system, code,
                                                                           "students")))
        _outliers(row, system, schools, ratios)
    return rows


def _ratios(ratios: dict, code: str, f: set, recs: list[dict], cl: dict | None) -> None:
    present = [r for r in recs if not _leaving(r["status"])]
    drops = sum(_dropout(r["status"]) for r in recs)
    pupils = len(present) + drops
    for rule, need, classes, _floor, share in OUTLIERS:
        if not set(need) <= f or (classes and not cl) or (share and pupils < OUTLIER_MIN_PUPILS):
            continue
        if rule == "bat_thuong_hs_moi_lop":
            num, den = len(present), len({c["class_name"] for c in cl["records"]})
        elif rule == "bat_thuong_ty_le_bo_hoc":
            num, den = drops, pupils
        elif rule == "bat_thuong_ty_le_luu_ban":
            num, den = sum(bool(r["repeater"]) for r in present), len(present)
        else:
            fld = "sex" if rule == "bat_thuong_ty_le_nu" else "ethnicity"
            known = [r for r in present if r[fld] is not None]
            hit = "F" if fld == "sex" else None
            num = sum((r[fld] == hit) if hit else (r[fld] != "Kinh") for r in known)
            den = len(known)
        if den > 0:
            ratios[rule][code] = num / den


def _outliers(row, system: str, schools: list[tuple[str, str]], ratios: dict) -> None:
    for rule, _need, _classes, floor, _share in OUTLIERS:
        by_district: dict[str, list[str]] = {}
        for code, d in schools:
            if code in ratios[rule]:
                by_district.setdefault(d, []).append(code)
        for _d, codes in sorted(by_district.items()):
            if len(codes) < OUTLIER_MIN_SCHOOLS:
                continue
            codes = sorted(codes)
            xs = [ratios[rule][c] for c in codes]
            med = _median(xs)
            for c, x, z in zip(codes, xs, _mod_z(xs), strict=True):
                if abs(z) > OUTLIER_Z and abs(x - med) >= floor:
                    row(system, c, rule)


def _vanished_and_jump(row, system: str, code: str, key: str, st: dict, prev: dict | None) -> None:
    if prev is None:
        return
    if "status" in prev["fields"] and "status" in st["fields"]:
        b = sum(not _leaving(r["status"]) for r in prev["records"])
        n = sum(not _leaving(r["status"]) for r in st["records"])
        if b > 0 and abs(n - b) / b > JUMP_SHARE:
            row(system, code, "bat_thuong_si_so_thay_doi")
    if not ({key, "status"} <= prev["fields"] and key in st["fields"]):
        return
    keys = {r[key] for r in st["records"] if r[key] is not None}
    for r in prev["records"]:
        if not _leaving(r["status"]) and r[key] is not None and r[key] not in keys:
            row(system, code, "hs_mat_khong_ro_ly_do", "status", r[key], r.get("moet_id"),
                r.get("full_name"), r.get("class_name"), r["person_key"])
