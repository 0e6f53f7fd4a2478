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

from eduwb import vocab

COMPARED: dict[str, tuple[str, ...]] = {
    "students": ("full_name", "dob", "sex", "ethnicity", "class_name", "grade", "status",
                 "status_date", "disability", "two_sessions", "boarding", "repeater",
                 "new_entrant", "evaluation", "completed_primary"),
    "staff": ("full_name", "dob", "sex", "ethnicity", "staff_group", "position", "subject",
              "qualification", "contract", "staff_status"),
    "classes": ("grade", "two_sessions", "multi_grade", "homeroom_teacher", "declared_size"),
    "facilities": ("count",),
}
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
    """Present pupils per system, school (current code), grade and sex; duplicates count twice."""
    counts: dict[tuple[str, str, str, str], int] = {}
    for e in exports:
        if e["kind"] != "students" or not e["readable"]:
            continue
        for r in e["records"]:
            if vocab.is_present(r["status"]):
                k = (e["system"], e["school"], fmt(r["grade"]), fmt(r["sex"]))
                counts[k] = counts.get(k, 0) + 1
    return [(*k, str(n)) for k, n in sorted(counts.items())]
