"""Property-based tests of the reconciliation invariants (hypothesis).

- every indicator gap is explained by record-level findings (explained == diff);
- reconciling a system with itself finds nothing;
- swapping the systems mirrors the findings;
- pure writing noise changes no canonical value.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eduwb import schemas, values, vocab
from eduwb.load import Period
from eduwb.pipeline import reconcile_period
from tests import inline

SCHOOLS = ("70689001", "70689002")
FAMILY = ("Nguyễn", "Trần", "Lê", "Điểu", "Thị")
MIDDLE = ("Văn", "Thị", "Ngọc", "Minh")
GIVEN = ("An", "Hòa", "Thủy", "Khôi", "Ngọc", "Lang", "Tuấn")
STATUSES = ("Đang học", "Đang học", "Chuyển đến kỳ 1", "Chuyển đi kỳ 1", "Thôi học kỳ 1")
FIELDS = ("dob", "sex", "ethnicity", "grade", "status", "disability", "two_sessions")

person = st.fixed_dictionaries({
    "school": st.sampled_from(SCHOOLS),
    "name": st.tuples(st.sampled_from(FAMILY), st.sampled_from(MIDDLE), st.sampled_from(GIVEN)),
    "dob": st.dates(dt.date(2010, 1, 1), dt.date(2015, 12, 31)),
    "sex": st.sampled_from(("F", "M")),
    "ethnicity": st.sampled_from(("Kinh", "Kinh", "Xtiêng", "Mnông")),
    "grade": st.integers(1, 5),
    "status": st.sampled_from(STATUSES),
    "disability": st.sampled_from(("khong", "khong", "co", "01")),
    "two_sessions": st.booleans(),
    "fate": st.sampled_from(("both", "both", "both", "only_v", "only_c", "dup_v", "dup_c",
                             "no_moet", "mutate")),
    "mutated": st.sampled_from(FIELDS),
})


def _record(p: dict, i: int, system: str) -> dict:
    rec = dict.fromkeys(schemas.columns("students"))
    rec.update({
        "system": system, "file": f"{system}/{p['school']}.xlsx", "sheet": "Sheet1", "row": i + 2,
        "file_school_code": p["school"], "school_code": p["school"],
        "vnedu_id": f"HS{i:05d}" if system == "vnedu" else None, "moet_id": f"70{i:08d}",
        "full_name": " ".join(p["name"]), "dob": p["dob"], "sex": p["sex"],
        "ethnicity": p["ethnicity"], "class_name": f"{p['grade']}A", "grade": p["grade"],
        "status": p["status"], "disability": p["disability"], "two_sessions": p["two_sessions"],
    })
    return rec


def _mutate(rec: dict, field: str) -> None:
    other = {"dob": rec["dob"] + dt.timedelta(days=40), "sex": "M" if rec["sex"] == "F" else "F",
             "ethnicity": "Kinh" if rec["ethnicity"] != "Kinh" else "Tày",
             "grade": rec["grade"] % 5 + 1, "status": "Thôi học kỳ 1"
             if rec["status"] != "Thôi học kỳ 1" else "Đang học",
             "disability": "khong" if rec["disability"] != "khong" else "02",
             "two_sessions": not rec["two_sessions"]}
    rec[field] = other[field]
    if field == "grade":
        rec["class_name"] = f"{rec['grade']}A"


def build(people: list[dict]) -> tuple[list[dict], list[dict]]:
    """vnEdu and CSDL records for the people, each with its fate."""
    vn, cs = [], []
    seen = set()
    for i, p in enumerate(people):
        key = (p["school"], p["name"], p["dob"])
        if key in seen:  # same school, name and birth date: one person (twins differ by name)
            continue
        seen.add(key)
        fate = p["fate"]
        if fate != "only_c":
            vn.append(_record(p, i, "vnedu"))
        if fate != "only_v":
            cs.append(_record(p, i, "csdl"))
        if fate == "dup_v":
            dup = _record(p, i, "vnedu")
            dup.update(vnedu_id=f"HS{i:05d}b", moet_id=None, row=dup["row"] + 1000)
            vn.append(dup)
        if fate == "dup_c":
            dup = _record(p, i, "csdl")
            dup.update(moet_id=f"71{i:08d}", row=dup["row"] + 1000)
            cs.append(dup)
        if fate == "no_moet":
            vn[-1]["moet_id"] = None
        if fate == "mutate":
            _mutate(cs[-1], p["mutated"])
    return vn, cs


CARRIED = ("full_name", "dob", "sex", "ethnicity", "class_name", "grade", "status", "disability",
           "two_sessions", "moet_id")


def period_of(vn: list[dict], cs: list[dict]) -> Period:
    """A loaded period made directly from canonical student records (tests.inline)."""
    fields = set(schemas.FIELDS_BY_KIND["students"])
    records = [{**{k: v for k, v in r.items() if k in fields}, "kind": "students",
                "system": r["system"], "school_code": r["school_code"]} for r in vn + cs]
    return inline.period_of(records, carried={(s, "students"): CARRIED for s in vocab.SYSTEMS},
                            exports=[(s, "students", code) for s in vocab.SYSTEMS
                                     for code in SCHOOLS])


def _record_findings(res) -> pd.DataFrame:
    return res.findings[res.findings["entity"] != "school"]


SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.lists(person, min_size=1, max_size=25))
def test_explained_equals_diff(people) -> None:
    res = reconcile_period(period_of(*build(people)))
    ind = res.indicators
    both = ind["diff"].notna()
    assert both.any()
    assert (ind.loc[both, "diff"] == ind.loc[both, "explained"]).all()


@SETTINGS
@given(st.lists(person, min_size=1, max_size=25))
def test_a_system_reconciled_with_itself_finds_nothing(people) -> None:
    vn, _ = build([{**p, "fate": "both"} for p in people])
    cs = [{**r, "system": "csdl", "vnedu_id": None, "file": r["file"].replace("vnedu", "csdl")}
          for r in vn]
    res = reconcile_period(period_of(vn, cs))
    assert _record_findings(res).empty
    assert (res.indicators["diff"].dropna() == 0).all()


MIRROR = {"only_in_vnedu": "only_in_csdl", "only_in_csdl": "only_in_vnedu",
          "duplicate_in_vnedu": "duplicate_in_csdl", "duplicate_in_csdl": "duplicate_in_vnedu",
          "field_mismatch": "field_mismatch"}


@SETTINGS
@given(st.lists(person.filter(lambda p: p["fate"] not in ("no_moet", "dup_v")), min_size=1,
                max_size=25))
def test_swapping_systems_mirrors_findings(people) -> None:
    vn, cs = build(people)
    for r in vn:
        r["vnedu_id"] = None

    def swap(records: list[dict], to: str) -> list[dict]:
        other = "csdl" if to == "vnedu" else "vnedu"
        return [{**r, "system": to, "file": r["file"].replace(other, to)} for r in records]

    res = reconcile_period(period_of(vn, cs))
    mirrored = reconcile_period(period_of(swap(cs, "vnedu"), swap(vn, "csdl")))

    def keyed(frame: pd.DataFrame, mirror: bool) -> list[tuple]:
        out = []
        for r in frame.itertuples(index=False):
            cat = MIRROR[r.category] if mirror else r.category
            a, b = (r.csdl_value, r.vnedu_value) if mirror else (r.vnedu_value, r.csdl_value)
            if not r.category.startswith("field"):
                a = b = ""
            out.append((cat, r.school_code, r.field, r.moet_id, r.full_name, a, b))
        return sorted(out)

    assert keyed(_record_findings(res), True) == keyed(_record_findings(mirrored), False)
    a = res.indicators.set_index(["level", "unit_code", "indicator", "breakdown"])
    b = mirrored.indicators.set_index(["level", "unit_code", "indicator", "breakdown"])
    assert (a["diff"].fillna(0) == -b["diff"].fillna(0)).all()


NOISY_TEXT = st.sampled_from([
    "Nguyễn Thị Hòa", "Điểu Văn Thủy", "Trần Ngọc Khôi", "Lê Minh Đức", "Thị H'Lang",
])


def _noise(s: str, how: int) -> str:
    ops = [
        lambda x: unicodedata.normalize("NFD", x),
        lambda x: x.upper(),
        lambda x: "  " + x.replace(" ", "   ") + " ",
        lambda x: x.replace("Đ", "\u00d0"),
        lambda x: x.replace("òa", "oà").replace("ủy", "uỷ"),
        lambda x: x.replace(" ", "\u00a0"),
    ]
    for i, op in enumerate(ops):
        if how >> i & 1:
            s = op(s)
    return s


@settings(max_examples=200, deadline=None)
@given(NOISY_TEXT, st.integers(0, 63))
def test_writing_noise_changes_no_name(name, how) -> None:
    from eduwb import text

    assert text.fold_case(values.name(_noise(name, how))) == text.fold_case(name)


@settings(max_examples=200, deadline=None)
@given(st.dates(dt.date(1950, 1, 1), dt.date(2030, 12, 31)), st.integers(0, 5))
def test_writing_noise_changes_no_date(day, how) -> None:
    serial = (day - dt.date(1899, 12, 30)).days
    cell = [day, dt.datetime.combine(day, dt.time()), day.strftime("%d/%m/%Y"),
            day.strftime("%d-%m-%Y"), day.strftime("%d.%m.%Y"), float(serial)][how]
    assert values.date(cell) == day


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(list(vocab.ETHNIC_GROUPS)), st.integers(0, 63))
def test_writing_noise_changes_no_ethnicity(group, how) -> None:
    assert values.ethnicity(_noise(group, how)) == group
