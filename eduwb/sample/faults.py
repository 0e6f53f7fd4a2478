"""The two systems' record sets: vnEdu and CSDL ngành derived from the true world, with faults.

``plan_exports(world)`` returns, per period, the list of :class:`Export` (one file each): which school,
system and list kind, the records exactly as a correct loader must produce them, the fields the export
carries, and the faults that only show in the file (raw values rejected on load, identity-less rows,
a corrupt file). Missing exports are simply absent. Nothing here knows the truth: it is computed by
diffing the two sets (:mod:`eduwb.sample.truth`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from eduwb import vocab
from eduwb.checks.rules import MAX_CLASS_SIZE, OUTLIER_MIN_SCHOOLS
from eduwb.sample import names
from eduwb.sample.people import class_name
from eduwb.sample.population import World
from eduwb.sample.timeline import TERMS
from eduwb.schemas import FIELDS_BY_KIND

STUDENT_VN = ("vnedu_id", "moet_id", "full_name", "dob", "sex", "ethnicity", "class_name", "grade",
              "status", "disability", "two_sessions", "boarding", "repeater", "new_entrant")
STUDENT_CS = ("moet_id", "personal_id", "full_name", "dob", "sex", "ethnicity", "class_name",
              "grade", "status", "status_date", "disability", "two_sessions", "repeater",
              "new_entrant")
STAFF_BASE = ("moet_id", "full_name", "dob", "sex", "ethnicity", "staff_group", "position",
              "subject", "qualification", "contract", "staff_status")
CLASS_ALL = ("class_name", "grade", "two_sessions", "multi_grade", "homeroom_teacher",
             "declared_size")


@dataclass
class Export:
    """One file to write: one list kind of one school from one system."""

    period: str
    system: str
    kind: str
    school: str  # current code
    district: str
    file_school_code: str
    records: list[dict]
    fields: tuple[str, ...]
    junk_rows: int = 0
    corrupt: bool = False
    disability_style: str = "type"  # "mark" (x/Có) or "type"
    noise: set[str] = field(default_factory=set)


def _carried(kind: str, system: str, school_rng: random.Random, period: str) -> tuple[str, ...]:
    end = ("evaluation", "completed_primary") if period == "cuoi_nam" else ()
    if kind == "students":
        if system == "vnedu":
            extra = ("status_date",) * (school_rng.random() < 0.7)
            extra += ("personal_id",) * (school_rng.random() < 0.3)
            return STUDENT_VN + extra + end
        return STUDENT_CS + end
    if kind == "staff":
        if system == "vnedu":
            return ("vnedu_id", *STAFF_BASE) + ("personal_id",) * (school_rng.random() < 0.3)
        return ("personal_id", *STAFF_BASE)
    if kind == "classes":
        return CLASS_ALL
    return ("item", "count")


def _project(rec: dict, fields: tuple[str, ...], kind: str) -> dict:
    out = {"school": rec["school"], "person_key": rec["person_key"]}
    for f in FIELDS_BY_KIND[kind]:
        out[f] = rec.get(f) if f in fields else None
    return out


class _Faults:
    """Picks disjoint victims and applies one fault at a time."""

    def __init__(self, rng: random.Random, used_moet: set[str]) -> None:
        self.rng = rng
        self.used_moet = used_moet
        self.serial = 0

    def new_moet(self) -> str:
        while True:
            m = f"70{self.rng.randrange(10**8):08d}"
            if m not in self.used_moet:
                self.used_moet.add(m)
                return m

    def take(self, pool: list[dict], n: int, pred=lambda r: True) -> list[dict]:
        out = []
        for i in range(len(pool) - 1, -1, -1):
            if len(out) >= n:
                break
            if pred(pool[i]):
                out.append(pool.pop(i))
        return out


def _count(n: int, rate: float, floor: int = 1) -> int:
    return max(floor, round(n * rate))


def _student_faults(f: _Faults, vn: list[dict], cs: list[dict], period: str,
                    classes_by_school: dict[str, list[dict]], exclude: set[str]) -> list[dict]:
    """Faults the comparison finds; returns the pupils left untouched (present, with twins)."""
    rng = f.rng
    cs_by = {(r["school"], r["person_key"]): r for r in cs}
    pool = [r for r in vn if r["school"] not in exclude and vocab.is_present(r["status"])
            and r["person_key"].startswith("P")]
    rng.shuffle(pool)
    n = len(pool)
    # never-synced new grade-1 pupils: no MOET code in vnEdu, absent from CSDL
    for r in f.take(pool, _count(n, 0.004 if period == "dau_nam" else 0.002, 2),
                    lambda r: r["grade"] == 1 and r["new_entrant"]):
        r["moet_id"] = None
        cs_by[(r["school"], r["person_key"])]["_drop"] = True
    # in both, but the vnEdu record lacks the MOET code
    for r in f.take(pool, _count(n, 0.003, 2)):
        r["moet_id"] = None
    # removed in vnEdu after a sync
    for r in f.take(pool, _count(n, 0.001)):
        r["_drop"] = True
    # typed directly into CSDL: a MOET code, no vnEdu record
    for r in f.take(pool, _count(n, 0.002, 2)):
        f.serial += 1
        c = dict(cs_by[(r["school"], r["person_key"])])
        c["person_key"] = f"Q{f.serial:05d}"
        c["moet_id"] = f.new_moet()
        c["full_name"] = names.person_name(rng, c["sex"], c["ethnicity"])
        c["dob"] = c["dob"].replace(day=min(28, c["dob"].day + 1))
        c["status"], c["status_date"] = vocab.STATUS_PRESENT, None
        cs.append(c)
    # the same pupil twice in vnEdu (second record without MOET code)
    for r in f.take(pool, _count(n, 0.0005)):
        d = dict(r)
        d["vnedu_id"] = r["vnedu_id"][:-5] + f"{99000 + len(vn) % 1000:05d}"
        d["moet_id"] = None
        vn.append(d)
    # the same pupil twice in CSDL (one synced, one typed directly)
    for r in f.take(pool, _count(n, 0.0005)):
        c = dict(cs_by[(r["school"], r["person_key"])])
        c["moet_id"] = f.new_moet()
        cs.append(c)
    # field mismatches: the CSDL record was not re-synced after a change in vnEdu
    mism = ["full_name", "dob", "sex", "ethnicity", "class_name", "grade", "status", "disability",
            "two_sessions"] + (["evaluation"] * (period == "cuoi_nam"))
    for fld in mism:
        for r in f.take(pool, _count(n, 0.001)):
            c = cs_by[(r["school"], r["person_key"])]
            if fld == "full_name":
                c["full_name"] = names.other_given(rng, r["full_name"], r["sex"])
            elif fld == "dob":
                d = r["dob"]
                c["dob"] = d.replace(day=d.month, month=d.day) if d.day <= 12 and d.day != \
                    d.month else d.replace(day=d.day % 28 + 1)
            elif fld == "sex":
                c["sex"] = "F" if r["sex"] == "M" else "M"
            elif fld == "ethnicity":
                c["ethnicity"] = "Xtiêng" if r["ethnicity"] == "Kinh" else "Kinh"
            elif fld in ("class_name", "grade"):
                g = r["grade"] - 1 if fld == "grade" and r["grade"] > 1 else r["grade"]
                others = [k["class_name"] for k in classes_by_school[r["school"]]
                          if k["grade"] == g and k["class_name"] != r["class_name"]]
                if others:
                    c["grade"], c["class_name"] = g, rng.choice(others)
            elif fld == "status":
                when = r["dob"].replace(year=2021, day=min(r["dob"].day, 28))
                r["status"], r["status_date"] = "Chuyển đi kỳ 1", when
                if period == "dau_nam":
                    r["status"] = "Chuyển đi trong hè"
                if period == "cuoi_nam":
                    r["evaluation"], r["completed_primary"] = None, False
            elif fld == "disability":
                r["disability"] = "05" if r["disability"] == "khong" else "khong"
            elif fld == "two_sessions":
                c["two_sessions"] = not r["two_sessions"]
            elif fld == "evaluation":
                c["evaluation"] = "ht" if r["evaluation"] != "ht" else "cht"
    # an impossible date in each system: the value is rejected on load (missing)
    for side, recs in (("csdl", [cs_by[(r["school"], r["person_key"])] for r in f.take(pool, 1)]),
                       ("vnedu", f.take(pool, 1))):
        for rec in recs:
            rec["_raw"] = {"dob": "31/02/2014" if side == "csdl" else "30/02/2013"}
            rec["_bad"] = "dob"
    return pool


def _staff_faults(f: _Faults, vn: list[dict], cs: list[dict], exclude: set[str]) -> list[dict]:
    """Faults the comparison finds; returns the staff left untouched."""
    rng = f.rng
    cs_by = {(r["school"], r["person_key"]): r for r in cs}
    pool = [r for r in vn if r["school"] not in exclude]
    rng.shuffle(pool)
    n = len(pool)
    for r in f.take(pool, _count(n, 0.004), lambda r: r["staff_group"] == "gv"):
        r["moet_id"] = None  # a new teacher, never synced
        cs_by[(r["school"], r["person_key"])]["_drop"] = True
    for r in f.take(pool, _count(n, 0.003)):
        r["moet_id"] = None
    for r in f.take(pool, _count(n, 0.002)):
        r["_drop"] = True
    for r in f.take(pool, 1):
        c = dict(cs_by[(r["school"], r["person_key"])])
        c["moet_id"] = f.new_moet()
        cs.append(c)
    for fld in ("qualification", "position", "staff_status", "dob", "full_name", "contract",
                "subject"):
        for r in f.take(pool, _count(n, 0.003), lambda r: r["staff_group"] == "gv"):
            c = cs_by[(r["school"], r["person_key"])]
            if fld == "qualification":
                r["qualification"] = "Đại học" if r["qualification"] != "Đại học" else "Thạc sĩ"
                c["qualification"] = "Cao đẳng"
            elif fld == "position":
                c["position"], c["subject"] = "Tổng phụ trách Đội", None
            elif fld == "staff_status":
                r["staff_status"] = "Đã chuyển đi"
            elif fld == "dob":
                c["dob"] = r["dob"].replace(year=r["dob"].year + 1)
            elif fld == "full_name":
                c["full_name"] = names.other_given(rng, r["full_name"], r["sex"])
            elif fld == "contract":
                c["contract"] = "Hợp đồng" if r["contract"] == "Biên chế" else "Biên chế"
            elif fld == "subject":
                c["subject"] = "Tiếng Anh" if r["subject"] != "Tiếng Anh" else "Văn hóa"
    return pool


def _class_faults(f: _Faults, vn: list[dict], cs: list[dict], exclude: set[str]) -> list[dict]:
    """Faults the comparison finds; returns the classes left untouched."""
    cs_by = {(r["school"], r["person_key"]): r for r in cs}
    pool = [r for r in vn if r["school"] not in exclude]
    f.rng.shuffle(pool)
    n = len(pool)
    for r in f.take(pool, _count(n, 0.003)):
        cs_by[(r["school"], r["person_key"])]["_drop"] = True
    for r in f.take(pool, _count(n, 0.01)):
        cs_by[(r["school"], r["person_key"])]["declared_size"] = r["declared_size"] + 1
    for r in f.take(pool, _count(n, 0.004)):
        cs_by[(r["school"], r["person_key"])]["homeroom_teacher"] = names.kinh_name(f.rng, "F")
    for r in f.take(pool, _count(n, 0.003)):
        c = cs_by[(r["school"], r["person_key"])]
        c["two_sessions"] = not r["two_sessions"]
    for r in f.take(pool, 1):
        c = cs_by[(r["school"], r["person_key"])]
        c["_raw"] = {"declared_size": "ba mươi"}
        c["_bad"] = "declared_size"
    return pool


def _facility_faults(f: _Faults, cs: list[dict], exclude: set[str]) -> None:
    schools = sorted({r["school"] for r in cs if r["school"] not in exclude})
    for school in f.rng.sample(schools, min(len(schools), _count(len(schools), 0.06, 2))):
        rows = [r for r in cs if r["school"] == school]
        r = f.rng.choice(rows)
        r["count"] = r["count"] + f.rng.choice((1, 2, -1)) if r["count"] > 0 else 1


# --- data-entry faults (checks.md) ------------------------------------------------------------------
#
# Mistakes made while typing into vnEdu: "vnedu" changes the vnEdu record only (the comparison also
# sees it, as a field mismatch or a record in one system), "both" changes it in both systems (entered
# wrongly in vnEdu, then synced: invisible to the comparison), "csdl" only in CSDL. The truth of the
# checks is computed from the resulting records (:func:`eduwb.sample.truth.checks`), not from here.

ENTRY_RATE = 0.0003  # victims per fault and mode, of the untouched pupils (at least one)
AT_WORK = ("Đang làm việc", "Chuyển đến", "Chờ nghỉ hưu")


def _twins(recs: list[dict]) -> dict[tuple[str, str], dict]:
    return {(r["school"], r["person_key"]): r for r in recs if not r.get("_drop")}


def _apply(f: _Faults, pool: list[dict], twins: dict, modes: tuple[str, ...], change,
           pred=lambda r: True, rate: float = ENTRY_RATE) -> None:
    """Take victims from ``pool`` for each mode and apply ``change(record)`` to the vnEdu record,
    its CSDL twin, or both."""
    n = len(pool)
    for mode in modes:
        for r in f.take(pool, _count(n, rate), lambda r: (
                (r["school"], r["person_key"]) in twins) and pred(r)):
            twin = twins[(r["school"], r["person_key"])]
            for rec in {"vnedu": (r,), "csdl": (twin,), "both": (r, twin)}[mode]:
                change(rec)


def _blank(*fields: str):
    def change(r: dict) -> None:
        for name in fields:
            r[name] = None
    return change


def _set(**values):
    def change(r: dict) -> None:
        r.update(values)
    return change


def _shift_birth_year(years: int):
    def change(r: dict) -> None:
        d = r["dob"]
        r["dob"] = d.replace(year=d.year + years, day=min(d.day, 28) if d.month == 2 else d.day)
    return change


def _entry_faults(f: _Faults, world: World, period: str, sets: dict, pools: dict,
                  exclude: set[str]) -> None:
    """Data-entry faults of every rule of checks.md, in vnEdu, in CSDL, and in both."""
    vn, cs = sets["vnedu"], sets["csdl"]
    pupils, twins = pools["students"], _twins(cs["students"])
    _apply(f, pupils, twins, ("vnedu", "both"), _blank("ethnicity"))
    _apply(f, pupils, twins, ("both", "csdl"), _blank("dob"))
    _apply(f, pupils, twins, ("vnedu",), _blank("sex"))
    _apply(f, pupils, twins, ("both", "csdl"), _blank("full_name"),
           lambda r: r["moet_id"] is not None)
    _apply(f, pupils, twins, ("vnedu",), _blank("class_name", "grade"))  # not placed in a class
    _apply(f, pupils, twins, ("both",), _shift_birth_year(-5))  # too old for the grade
    _apply(f, pupils, twins, ("vnedu",), _shift_birth_year(4))  # too young: a year typed wrong
    if period == "dau_nam":
        _apply(f, pupils, twins, ("vnedu", "both"), _set(new_entrant=True),
               lambda r: r["grade"] >= 2)
    if period == "cuoi_nam":
        _apply(f, pupils, twins, ("both", "vnedu"), _set(completed_primary=True),
               lambda r: r["grade"] == 4)
        _apply(f, pupils, twins, ("vnedu", "both"), _blank("evaluation"),
               lambda r: r["grade"] < 5)
        _apply(f, pupils, twins, ("both", "vnedu", "csdl"), _set(evaluation="htt"),
               lambda r: r["grade"] >= 3)  # a TT 27 level for a TT 22 grade
    if period in ("cuoi_hk1", "cuoi_nam"):  # deleted instead of given a leaving status
        before = {p["person_key"] for p in world.snapshots[
            "dau_nam" if period == "cuoi_hk1" else "cuoi_hk1"]["students"]
            if vocab.is_present(p["status"])}
        _apply(f, pupils, twins, ("vnedu", "both"), _set(_drop=True),
               lambda r: r["person_key"] in before)
    _big_class(f, pupils, vn, cs)
    _outlier_faults(f, world, period, pupils, twins, exclude)
    staff, staff_twins = pools["staff"], _twins(cs["staff"])
    _apply(f, staff, staff_twins, ("both",), _blank("dob"), lambda r: r["staff_status"] in AT_WORK,
           rate=0.002)
    _apply(f, staff, staff_twins, ("vnedu",), _blank("sex"), lambda r: r["staff_status"] in AT_WORK,
           rate=0.002)
    _apply(f, staff, staff_twins, ("vnedu", "both"), _blank("qualification"),
           lambda r: r["staff_status"] in AT_WORK and r["staff_group"] == "gv", rate=0.002)
    used: set[str] = set()

    def school_once(pred):
        def ok(r: dict) -> bool:
            if r["school"] in used or not pred(r):
                return False
            used.add(r["school"])
            return True
        return ok

    head = school_once(lambda r: r["position"] == "Hiệu trưởng" and r["staff_status"] in AT_WORK)
    _apply(f, staff, staff_twins, ("both",), _blank("position"), head, rate=0.0005)
    _apply(f, staff, staff_twins, ("vnedu",), _set(staff_status="Đã nghỉ hưu"), head, rate=0.0005)
    vice = school_once(lambda r: r["position"] == "Phó hiệu trưởng"
                       and r["staff_status"] in AT_WORK)
    _apply(f, staff, staff_twins, ("vnedu", "both"), _set(position="Hiệu trưởng"), vice,
           rate=0.0005)
    classes, class_twins = pools["classes"], _twins(cs["classes"])
    _apply(f, classes, class_twins, ("vnedu", "both"), _set(_drop=True),
           lambda r: not r["multi_grade"], rate=0.003)
    _apply(f, classes, class_twins, ("vnedu", "both"),
           lambda r: r.update(declared_size=r["declared_size"] + 2), rate=0.003)
    schools = {s.code: s for s in world.schools}
    for mode in ("both", "vnedu"):  # a class opened in the list, with no pupil
        for r in f.take(classes, 1, lambda r: r["school"] not in exclude):
            school = schools[r["school"]]
            grade = r["grade"]
            name = class_name(school.class_style, grade,
                               sum(c["grade"] == grade for c in school.classes))
            new = {**r, "person_key": f"C:{school.code}:{name}", "class_name": name,
                   "multi_grade": False, "homeroom_teacher": None, "declared_size": 0}
            for system in ("vnedu", "csdl") if mode == "both" else ("vnedu",):
                sets[system]["classes"].append(dict(new))
    # Fewer classrooms than classes needs no fault: a quarter of the schools have one room short.




def _outlier_faults(f: _Faults, world: World, period: str, pupils: list[dict], twins: dict,
                    exclude: set[str]) -> None:
    """Schools far from their district's others (the bat_thuong_* warnings), in both systems:
    a quarter of the pupils marked as repeating, an eighth marked as having dropped out, and from
    the second period on a fifth deleted from the lists. Only in districts with enough schools to
    tell an outlier (the tiny sample has none); one school per fault, changing with the period."""
    term, start, end = TERMS[period]
    by_district: dict[str, list[str]] = {}
    for s in world.schools:
        if s.code not in exclude:
            by_district.setdefault(s.district, []).append(s.code)
    districts = sorted(d for d, codes in by_district.items() if len(codes) >= OUTLIER_MIN_SCHOOLS)
    if not districts:
        return
    def dropout(r: dict) -> None:
        r["status"], r["status_date"] = f"Thôi học {term}", start + (end - start) / 2

    faults = [(_set(repeater=True), 0.25, lambda r: r["grade"] < 5 and not r["repeater"]),
              (dropout, 0.125, lambda r: True)]
    k = vocab.PERIODS.index(period)
    if k:  # pupils present in the previous period, deleted from the lists
        before = {p["person_key"] for p in world.snapshots[vocab.PERIODS[k - 1]]["students"]
                  if vocab.is_present(p["status"])}
        faults.append((_set(_drop=True), 0.2, lambda r: r["person_key"] in before))
    for i, (change, share, pred) in enumerate(faults):
        codes = sorted(by_district[districts[(3 * k + i) % len(districts)]])
        school = codes[(k + 2 * i) % len(codes)]
        mine = [r for r in pupils if r["school"] == school and (school, r["person_key"]) in twins]
        for r in f.take(pupils, round(share * len(mine)),
                        lambda r, school=school, pred=pred: r["school"] == school
                        and (school, r["person_key"]) in twins and pred(r)):
            for rec in (r, twins[(school, r["person_key"])]):
                change(rec)


def _big_class(f: _Faults, pool: list[dict], vn: dict, cs: dict) -> None:
    """Pupils of one class moved into its parallel class in both systems (class lists updated):
    a class of 36, over the 35 of the Điều lệ."""
    present: dict[tuple[str, str], int] = {}
    for r in vn["students"]:
        if not r.get("_drop") and vocab.is_present(r["status"]) and r["class_name"]:
            k = (r["school"], r["class_name"])
            present[k] = present.get(k, 0) + 1
    lists = {s: {(c["school"], c["class_name"]): c for c in sets["classes"] if not c.get("_drop")}
             for s, sets in (("vnedu", vn), ("csdl", cs))}
    same_grade: dict[tuple[str, int], list[str]] = {}
    for (school, name), c in sorted(lists["vnedu"].items()):
        if not c["multi_grade"] and (school, name) in lists["csdl"]:
            same_grade.setdefault((school, c["grade"]), []).append(name)
    twins = _twins(cs["students"])
    for (school, _grade), parallel in sorted(same_grade.items()):
        if len(parallel) < 2:
            continue
        big, other = parallel[0], parallel[1]
        need = MAX_CLASS_SIZE + 1 - present.get((school, big), 0)
        movers = [r for r in pool if r["school"] == school and r["class_name"] == other
                  and (school, r["person_key"]) in twins]
        if need <= 0 or len(movers) < need + 5:
            continue
        for r in movers[:need]:
            pool.remove(r)
            for rec in (r, twins[(school, r["person_key"])]):
                rec["class_name"] = big
        for system in ("vnedu", "csdl"):
            lists[system][(school, big)]["declared_size"] += need
            lists[system][(school, other)]["declared_size"] -= need
        return


@dataclass
class Structure:
    """Faults that hold for the whole year."""

    csdl_missing_school: str
    merged_school: str
    merged_old_code: str
    corrupt: tuple[str, str, str, str]  # period, system, school, kind
    vnedu_missing: tuple[str, str, str]  # period, school, kind
    identityless: dict[str, tuple[str, str, str]]  # period -> system, school, kind


def structure(world: World) -> Structure:
    """Choose the schools that carry the year-long faults."""
    rng = random.Random(f"eduwb-sample:{world.seed}:structure")
    merged = next(s for s in world.schools if s.old_codes)
    others = [s for s in world.schools if not s.old_codes]
    missing = [s for s in others if s.ownership == "Công lập"][-1]
    rest = [s for s in others if s is not missing]
    pick = rng.sample(rest, min(4, len(rest)))
    return Structure(
        csdl_missing_school=missing.code,
        merged_school=merged.code,
        merged_old_code=merged.old_codes[0],
        corrupt=("cuoi_hk1", "csdl", pick[0].code, "staff"),
        vnedu_missing=("cuoi_nam", pick[1 % len(pick)].code, "facilities"),
        identityless={"dau_nam": ("csdl", pick[2 % len(pick)].code, "students"),
                      "cuoi_hk1": ("vnedu", pick[3 % len(pick)].code, "students"),
                      "cuoi_nam": ("csdl", pick[0].code, "students")},
    )


def plan_exports(world: World) -> tuple[Structure, dict[str, list[Export]]]:
    """Per period, the exports of both systems (missing ones absent, the corrupt one flagged)."""
    st = structure(world)
    used = {r["moet_id"] for snap in world.snapshots.values() for k in ("students", "staff")
            for r in snap[k] if r.get("moet_id")}
    school_rngs = {s.code: random.Random(f"eduwb-sample:{world.seed}:carry:{s.code}")
                   for s in world.schools}
    style = {s.code: school_rngs[s.code].random() < 0.5 for s in world.schools}
    out: dict[str, list[Export]] = {}
    for period, snap in world.snapshots.items():
        f = _Faults(random.Random(f"eduwb-sample:{world.seed}:faults:{period}"), used)
        sets: dict[str, dict[str, list[dict]]] = {"vnedu": {}, "csdl": {}}
        carried: dict[tuple[str, str, str], tuple[str, ...]] = {}
        for kind, recs in snap.items():
            for s in world.schools:
                crng = random.Random(f"eduwb-sample:{world.seed}:carry:{s.code}:{kind}")
                for system in vocab.SYSTEMS:
                    carried[(system, s.code, kind)] = _carried(kind, system, crng, period)
            for system in vocab.SYSTEMS:
                sets[system][kind] = [dict(r) for r in recs]
        classes_by: dict[str, list[dict]] = {}
        for r in snap["classes"]:
            classes_by.setdefault(r["school"], []).append(r)
        excl = {st.csdl_missing_school}
        pools = {
            "students": _student_faults(f, sets["vnedu"]["students"], sets["csdl"]["students"],
                                        period, classes_by, excl),
            "staff": _staff_faults(f, sets["vnedu"]["staff"], sets["csdl"]["staff"], excl),
            "classes": _class_faults(f, sets["vnedu"]["classes"], sets["csdl"]["classes"], excl),
        }
        _facility_faults(f, sets["csdl"]["facilities"], excl | {st.vnedu_missing[1]})
        entry = _Faults(random.Random(f"eduwb-sample:{world.seed}:entry:{period}"), used)
        _entry_faults(entry, world, period, sets, pools, excl | {st.vnedu_missing[1]})
        by_school: dict[str, dict[str, dict[str, list[dict]]]] = {}
        for system, kinds in sets.items():
            for kind, recs in kinds.items():
                d = by_school.setdefault(system, {}).setdefault(kind, {})
                for r in recs:
                    if not r.get("_drop"):
                        d.setdefault(r["school"], []).append(r)
        exports: list[Export] = []
        for s in world.schools:
            for system in vocab.SYSTEMS:
                if system == "csdl" and s.code == st.csdl_missing_school:
                    continue
                for kind in vocab.LIST_KINDS:
                    if (period, s.code, kind) == st.vnedu_missing and system == "vnedu":
                        continue
                    fields = carried[(system, s.code, kind)]
                    recs = []
                    for r in by_school[system][kind].get(s.code, ()):
                        p = _project(r, fields, kind)
                        if "_raw" in r:
                            p["_raw"] = r["_raw"]
                            p[r["_bad"]] = None
                        if kind == "students" and system == "vnedu" and style[s.code] and \
                                p["disability"] not in (None, "khong"):
                            p["disability"] = "co"
                        recs.append(p)
                    fsc = st.merged_old_code if (system == "csdl" and
                                                 s.code == st.merged_school) else s.code
                    e = Export(period, system, kind, s.code, s.district, fsc, recs, fields)
                    if system == "vnedu" and kind == "students" and style[s.code]:
                        e.disability_style = "mark"
                    e.corrupt = (period, system, s.code, kind) == st.corrupt
                    e.junk_rows = int(st.identityless[period] == (system, s.code, kind))
                    exports.append(e)
        out[period] = exports
    return st, out
