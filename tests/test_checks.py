"""The data-entry checks of checks.md: every rule on a small inline table (boundaries included), a
list or field not exported, the previous period, outliers, properties, `eduwb check`, and the
committed sample scored against its truth."""

from __future__ import annotations

import datetime as dt
import shutil
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eduwb import checks as ck
from eduwb import cli, schemas, vocab
from eduwb.checks import previous as ckp
from eduwb.load import Period, load_period
from eduwb.normalise import frame
from eduwb.registry import Registry

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
YEAR = "2021-2022"
SCHOOL = "70689001"
D = dt.date


# --- a period made of inline tables ------------------------------------------------------------------


def pupil(name: str = "Nguyễn Văn An", grade: int = 1, cls: str | None = None, **kw) -> dict:
    """A correct present pupil of 2021-2022 (aged grade + 5)."""
    rec = {"vnedu_id": kw.pop("vnedu_id", f"HS{zlib.crc32(f'{name}{grade}{cls}'.encode()):010d}"),
           "moet_id": None, "full_name": name, "dob": D(2016 - grade, 3, 1), "sex": "M",
           "ethnicity": "Kinh", "class_name": cls or f"{grade}A", "grade": grade,
           "status": "Đang học", "disability": "khong", "two_sessions": True,
           "repeater": False, "new_entrant": grade == 1}
    rec.update(kw)
    return rec


def teacher(name: str = "Trần Thị Mai", position: str = "Giáo viên", group: str = "gv",
            **kw) -> dict:
    rec = {"vnedu_id": f"CB{zlib.crc32(f'{name}{position}'.encode()):010d}", "full_name": name,
           "dob": D(1985, 5, 5), "sex": "F", "ethnicity": "Kinh", "staff_group": group,
           "position": position, "subject": "Văn hóa" if group == "gv" else None,
           "qualification": "Đại học", "contract": "Biên chế", "staff_status": "Đang làm việc"}
    rec.update(kw)
    return rec


def cls(name: str, size: int, **kw) -> dict:
    rec = {"class_name": name, "grade": int(name[0]), "two_sessions": True, "multi_grade": False,
           "homeroom_teacher": None, "declared_size": size}
    rec.update(kw)
    return rec


def rooms(kien_co: int = 10, ban: int = 0, tam: int = 0, muon: int = 0) -> list[dict]:
    return [{"item": i, "count": n} for i, n in zip(ck.CLASSROOM_ITEMS, (kien_co, ban, tam, muon),
                                                    strict=True)]


def school_lists(students: list[dict], *, staff: list[dict] | None = None,
                 classes: list[dict] | None = None, facilities: list[dict] | None = None) -> dict:
    """A school's four lists, with a class list and a principal that agree with ``students``
    unless given."""
    if classes is None:
        sizes: dict[str, int] = {}
        for p in students:
            if p.get("class_name") and vocab.is_present(p.get("status")) is not False:
                sizes[p["class_name"]] = sizes.get(p["class_name"], 0) + 1
        classes = [cls(n, k) for n, k in sorted(sizes.items())]
    if staff is None:
        staff = [teacher("Lê Văn Hùng", "Hiệu trưởng", "cbql"), teacher()]
    return {"students": students, "staff": staff, "classes": classes,
            "facilities": rooms() if facilities is None else facilities}


def make_period(lists: dict[tuple[str, str], dict], *, period: str = "dau_nam", year: str = YEAR,
                lacking: dict[tuple[str, str, str], set[str]] | None = None,
                data: Path | None = None) -> Period:
    """A loaded Period from inline records: ``lists[(system, school)]`` maps list kinds to
    records (a kind absent = not exported); ``lacking[(system, school, kind)]``: fields the
    export does not carry (their values are blank)."""
    lacking = lacking or {}
    parts: dict[str, list[dict]] = {k: [] for k in vocab.LIST_KINDS}
    report, carried = [], []
    schools = sorted({s for _, s in lists})
    for (system, school), kinds in sorted(lists.items()):
        for kind, recs in kinds.items():
            file = f"{year}/{period}/{system}/{school}_{kind}.xlsx"
            drop = lacking.get((system, school, kind), set())
            cols = {c: [] for c in schemas.columns(kind)}
            for i, rec in enumerate(recs):
                base = {"system": system, "file": file, "sheet": "Sheet1", "row": i + 2,
                        "file_school_code": school, "school_code": school}
                for c in cols:
                    v = base[c] if c in base else rec.get(c)
                    cols[c].append(None if c in drop else v)
            parts[kind].append(cols)
            report.append({"system": system, "file": file, "sheet": "Sheet1", "kind": kind,
                           "school_code": school, "rows_read": len(recs),
                           "rows_loaded": len(recs), "rows_rejected": 0, "message": "",
                           "export_date": None})
            fields = ({r["item"] for r in recs} if kind == "facilities"
                      else set(schemas.FIELDS_BY_KIND[kind]))
            carried += [(system, file, f) for f in sorted(fields - drop)]
    tables = {k: frame(k, parts[k]).sort_values(["system", "school_code", "file", "row"],
                                                 ignore_index=True) for k in vocab.LIST_KINDS}
    reg = Registry.from_frames(
        pd.DataFrame({"school_code": schools, "name": [f"TH {s}" for s in schools],
                      "school_type": "TH", "district_code": [s[2:5] for s in schools],
                      "commune_code": None, "ownership": "Công lập",
                      "old_codes": [()] * len(schools), "merged_on": None}),
        pd.DataFrame({"district_code": sorted({s[2:5] for s in schools}), "name": "Phòng",
                      "specialist": "X", "phone": None, "email": None}))
    return Period(data or Path("/nonexistent"), year, period, None, reg, tables,
                  pd.DataFrame(report, columns=list(vocab.LOAD_REPORT_COLUMNS)),
                  pd.DataFrame(columns=list(vocab.REJECTED_ROW_COLUMNS)),
                  pd.DataFrame(carried, columns=["system", "file", "field"]))


def run(students: list[dict] | None = None, *, period: str = "dau_nam", year: str = YEAR,
        system: str = "vnedu", lacking: dict | None = None, previous=None, **lists) -> ck.Checks:
    """Checks of one school of one system."""
    kinds = school_lists(students or [pupil()], **lists)
    lack = {(system, SCHOOL, k): f for k, f in (lacking or {}).items()}
    p = make_period({(system, SCHOOL): kinds}, period=period, year=year, lacking=lack)
    return ck.run_checks(p, previous=previous or False)


def rules(c: ck.Checks) -> list[tuple[str, str]]:
    """(rule, field) of each finding, sorted."""
    return sorted(zip(c.findings["rule"], c.findings["field"], strict=True))


def skipped(c: ck.Checks, rule: str) -> pd.DataFrame:
    return c.skipped[c.skipped["rule"] == rule]


# --- a clean school ---------------------------------------------------------------------------------


def clean_school() -> list[dict]:
    return [pupil(f"Học Sinh {g}{k}", g, f"{g}A", vnedu_id=f"HS{g}{k:04d}")
            for g in range(1, 6) for k in range(3)]


@pytest.mark.parametrize("period", vocab.PERIODS)
def test_a_clean_school_has_no_finding(period):
    students = clean_school()
    if period == "cuoi_nam":
        for p in students:
            p.update(evaluation="htt" if p["grade"] <= 2 else "ht",
                     completed_primary=p["grade"] == 5)
    c = run(students, period=period)
    assert c.findings.empty, c.frame
    assert list(c.frame.columns) == list(ck.CHECK_COLUMNS)
    assert not c.failed and c.not_ready() == []


# --- hs_thieu_thong_tin -----------------------------------------------------------------------------


def test_one_row_per_missing_field():
    c = run([pupil(), pupil("Lò Thị Hoa", ethnicity=None),
             pupil("Đinh Văn Hải", dob=None, sex=None), pupil(None, vnedu_id="HS7")])
    assert rules(c) == [("hs_thieu_thong_tin", "dob"), ("hs_thieu_thong_tin", "ethnicity"),
                        ("hs_thieu_thong_tin", "full_name"), ("hs_thieu_thong_tin", "sex")]
    row = c.frame[c.frame["field"] == "ethnicity"].iloc[0]
    assert row["severity"] == "loi" and row["entity"] == "student" and row["system"] == "vnedu"
    assert row["full_name"] == "Lò Thị Hoa" and row["class_name"] == "1A"
    assert row["record_key"] == row["record_key"] and row["record_key"].startswith("HS")
    assert "dân tộc" in row["message"] and "vnEdu" in row["action"]


def test_a_field_not_carried_is_unknown_not_blank():
    c = run([pupil(), pupil("Lò Thị Hoa")], lacking={"students": {"ethnicity"}})
    assert c.findings.empty
    s = skipped(c, "hs_thieu_thong_tin")
    assert list(s["field"]) == ["ethnicity"] and list(s["school_code"]) == [SCHOOL]
    assert "Dân tộc" in s["reason"].iloc[0] or "dân tộc" in s["reason"].iloc[0]


def test_csdl_record_key_is_the_moet_code():
    c = run([pupil(moet_id="7012345678", ethnicity=None, vnedu_id=None)], system="csdl")
    assert list(c.frame["record_key"]) == ["7012345678"]
    assert list(c.frame["system"]) == ["csdl"]
    assert "không sửa tay trên CSDL" in c.frame["action"].iloc[0]


# --- hs_tuoi_khong_hop_ly --------------------------------------------------------------------------


@pytest.mark.parametrize(("grade", "born", "flagged"), [
    (1, 2015, False),  # 6 = grade + 5
    (1, 2016, True),   # 5
    (1, 2012, False),  # 9 = grade + 8
    (1, 2011, True),   # 10
    (5, 2011, False),  # 10 = grade + 5
    (5, 2012, True),   # 9
    (5, 2008, False),  # 13 = grade + 8
    (5, 2007, True),   # 14
])
def test_age_against_grade_boundaries(grade, born, flagged):
    c = run([pupil(grade=grade, dob=D(born, 12, 31), new_entrant=False)])
    assert rules(c) == ([("hs_tuoi_khong_hop_ly", "dob")] if flagged else [])
    if flagged:
        assert c.frame["severity"].iloc[0] == "canh_bao"
        assert c.frame["value"].iloc[0] == f"age={2021 - born};grade={grade}"


def test_age_only_for_present_pupils_with_a_date():
    c = run([pupil(dob=D(2010, 1, 1), status="Chuyển đi trong hè"),
             pupil("Lê B", dob=D(2010, 1, 1), status="Thôi học trong hè"),
             pupil("Lê C", dob=D(2010, 1, 1), status="Chuyển đến trong hè")])
    assert rules(c) == [("hs_tuoi_khong_hop_ly", "dob")]
    assert c.frame["full_name"].iloc[0] == "Lê C"


def test_age_uses_the_school_year_of_the_period():
    c = run([pupil(dob=D(2016, 1, 1))], year="2022-2023")  # 6 in 2022-2023
    assert c.findings.empty


# --- new entrants, completion, evaluation ----------------------------------------------------------


def test_new_entrant_outside_grade_1_at_the_start_of_the_year_only():
    students = [pupil(), pupil("Lê B", grade=2, new_entrant=True)]
    assert rules(run(students)) == [("hs_tuyen_moi_sai_khoi", "new_entrant")]
    assert rules(run(students, period="cuoi_hk1")) == []


def test_completion_outside_grade_5_at_the_end_of_the_year_only():
    students = [pupil(grade=5, completed_primary=True, evaluation="ht"),
                pupil("Lê B", grade=4, completed_primary=True, evaluation="ht")]
    c = run(students, period="cuoi_nam")
    assert rules(c) == [("hs_hoan_thanh_sai_khoi", "completed_primary")]
    assert c.frame["full_name"].iloc[0] == "Lê B"
    assert rules(run(students, period="cuoi_hk1")) == []


def test_missing_evaluation_of_a_present_pupil():
    students = [pupil(evaluation="htt"), pupil("Lê B", evaluation=None),
                pupil("Lê C", evaluation=None, status="Thôi học kỳ 2")]
    c = run(students, period="cuoi_nam")
    assert rules(c) == [("hs_thieu_danh_gia", "evaluation")]
    assert c.frame["full_name"].iloc[0] == "Lê B"
    # A system that does not export evaluations: not applied, and said so.
    c = run(students, period="cuoi_nam", lacking={"students": {"evaluation"}})
    assert c.findings.empty
    assert set(skipped(c, "hs_thieu_danh_gia")["field"]) == {"evaluation"}


@pytest.mark.parametrize(("year", "grade", "level", "flagged"), [
    ("2021-2022", 2, "htxs", False), ("2021-2022", 3, "htt", True),
    ("2021-2022", 3, "ht", False), ("2021-2022", 5, "cht", False),
    ("2022-2023", 3, "htt", False), ("2022-2023", 4, "htxs", True),
    ("2023-2024", 4, "htt", False), ("2023-2024", 5, "htt", True),
    ("2024-2025", 5, "htxs", False), ("2020-2021", 2, "htt", True),
    ("2020-2021", 1, "htt", False),
])
def test_evaluation_levels_by_grade_and_year(year, grade, level, flagged):
    born = int(year[:4]) - 5 - grade
    c = run([pupil(grade=grade, dob=D(born, 6, 1), evaluation=level, new_entrant=False,
                   completed_primary=False)], period="cuoi_nam", year=year)
    assert rules(c) == ([("hs_danh_gia_sai_muc", "evaluation")] if flagged else [])


def test_tt27_grades():
    assert ck.tt27_grades("2020-2021") == (1,)
    assert ck.tt27_grades("2021-2022") == (1, 2)
    assert ck.tt27_grades("2023-2024") == (1, 2, 3, 4)
    assert ck.tt27_grades("2026-2027") == (1, 2, 3, 4, 5)
    assert ck.tt27_grades("2019-2020") == ()


# --- classes ----------------------------------------------------------------------------------------


def klass(n: int, name: str = "1A", **kw) -> list[dict]:
    return [pupil(f"Học Sinh {name} {i}", int(name[0]), name, vnedu_id=f"H{name}{i:03d}", **kw)
            for i in range(n)]


def test_class_of_35_is_fine_36_is_a_warning():
    assert run(klass(35)).findings.empty
    c = run(klass(36))
    assert rules(c) == [("lop_si_so_vuot", "")]
    row = c.frame.iloc[0]
    assert (row["entity"], row["record_key"], row["class_name"], row["value"]) == (
        "class", "1A", "1A", "present=36")
    # 36 records, one of them gone: 35 present.
    gone = klass(36)
    gone[0]["status"] = "Chuyển đi trong hè"
    assert run(gone).findings.empty


def test_pupils_in_a_class_missing_from_the_class_list_one_row_per_class():
    students = klass(3, "1A") + klass(2, "1B") + klass(1, "2A")
    c = run(students, classes=[cls("1A", 3)])
    assert rules(c) == [("lop_khong_co_trong_danh_sach", "class_name")] * 2
    assert list(c.frame["record_key"]) == ["1B", "2A"]
    assert list(c.frame["value"]) == ["present=2", "present=1"]


def test_no_class_list_exported_skips_the_class_list_rules():
    p = make_period({("vnedu", SCHOOL): {"students": klass(3, "1A")}})
    c = ck.run_checks(p, previous=False)
    assert c.findings.empty
    for rule in ("lop_khong_co_trong_danh_sach", "lop_khong_co_hoc_sinh", "lop_si_so_khong_khop"):
        s = skipped(c, rule)
        assert list(s["list_kind"]) == ["classes"], rule
        assert "lớp học" in s["reason"].iloc[0]


def test_a_class_without_present_pupils():
    students = [*klass(2, "1A"), pupil("Lê Gone", 2, "2A", status="Chuyển đi trong hè")]
    c = run(students, classes=[cls("1A", 2), cls("2A", 0)])
    assert rules(c) == [("lop_khong_co_hoc_sinh", "")]
    assert c.frame["record_key"].iloc[0] == "2A"


def test_declared_size_against_present_pupils():
    students = klass(3, "1A") + klass(3, "2A")
    assert run(students, classes=[cls("1A", 3), cls("2A", 3)]).findings.empty
    c = run(students, classes=[cls("1A", 4), cls("2A", None), cls("3A", 0)])
    got = c.frame[c.frame["rule"] == "lop_si_so_khong_khop"]
    assert list(got["record_key"]) == ["1A", "2A"]
    assert list(got["value"]) == ["declared_size=4;present=3", "declared_size=;present=3"]
    # A class list without Sĩ số: not applied.
    c = run(students, classes=[cls("1A", 4), cls("2A", 3)], lacking={"classes": {"declared_size"}})
    assert "lop_si_so_khong_khop" not in set(c.findings["rule"])
    assert list(skipped(c, "lop_si_so_khong_khop")["field"]) == ["declared_size"]


# --- staff ------------------------------------------------------------------------------------------


def test_staff_at_work_missing_fields():
    head = teacher("Lê Văn Hùng", "Hiệu trưởng", "cbql")
    staff = [head, teacher(dob=None), teacher("Ngô Gone", dob=None, staff_status="Đã nghỉ hưu"),
             teacher("Lý Bảo Vệ", "Bảo vệ", "nv", qualification=None),
             teacher("Hà Giáo Viên", qualification=None),
             teacher("Mai Chưa Rõ", sex=None, staff_status=None),  # blank status: at work
             teacher("Phí Nhóm", staff_group=None, qualification=None)]
    c = run(staff=staff)
    assert rules(c) == [("cb_thieu_thong_tin", "dob"), ("cb_thieu_thong_tin", "qualification"),
                        ("cb_thieu_thong_tin", "sex"), ("cb_thieu_thong_tin", "staff_group")]
    assert set(c.frame["entity"]) == {"staff"}
    assert c.frame.set_index("field").loc["qualification", "full_name"] == "Hà Giáo Viên"


def test_staff_status_not_exported_skips_the_staff_rule():
    c = run(staff=[teacher("Lê Văn Hùng", "Hiệu trưởng", "cbql"), teacher(dob=None)],
            lacking={"staff": {"staff_status"}})
    assert "cb_thieu_thong_tin" not in set(c.findings["rule"])
    assert "staff_status" in set(skipped(c, "cb_thieu_thong_tin")["field"])


@pytest.mark.parametrize(("staff", "expected"), [
    ([teacher()], [("truong_thieu_hieu_truong", "position")]),
    ([teacher("A", "Hiệu trưởng", "cbql")], []),
    ([teacher("A", "Hiệu trưởng", "cbql"), teacher("B", "Hiệu trưởng", "cbql")],
     [("truong_nhieu_hieu_truong", "position")]),
    ([teacher("A", "Hiệu trưởng", "cbql", staff_status="Đã nghỉ hưu"),
      teacher("B", "Hiệu trưởng", "cbql")], []),
    ([teacher("A", "Hiệu trưởng", "cbql", staff_status="Đã điều động")],
     [("truong_thieu_hieu_truong", "position")]),
    ([teacher("A", "Hiệu trưởng", "cbql"), teacher("A", "Hiệu trưởng", "cbql", vnedu_id="X")],
     []),  # the same person twice is a duplicate (outputs.md), not two principals
    ([teacher("A", "Hiệu trưởng", "cbql"), teacher("A", "Hiệu trưởng", "cbql", dob=D(1986, 1, 1))],
     []),  # same vnEdu code, the birth date typed differently: still one person
    ([teacher("A", "Hiệu trưởng", "cbql", moet_id="7000000001", vnedu_id="1"),
      teacher("A.", "Hiệu trưởng", "cbql", moet_id="7000000001", vnedu_id="2",
              dob=D(1980, 1, 1))],
     []),  # same MOET code
    ([teacher("A", "Phó hiệu trưởng", "cbql")], [("truong_thieu_hieu_truong", "position")]),
])
def test_principals(staff, expected):
    c = run(staff=staff)
    assert rules(c) == expected
    if expected:
        assert c.frame["entity"].iloc[0] == "school" and c.frame["record_key"].iloc[0] == ""
        assert c.frame["severity"].iloc[0] == ck.BY_ID[expected[0][0]].severity


def test_principal_rules_need_the_position():
    c = run(staff=[teacher()], lacking={"staff": {"position"}})
    assert c.findings.empty
    assert "position" in set(skipped(c, "truong_thieu_hieu_truong")["field"])


# --- classrooms -------------------------------------------------------------------------------------


def test_fewer_classrooms_than_classes():
    students = klass(2, "1A") + klass(2, "2A") + klass(2, "3A")
    assert run(students, facilities=rooms(2, 1, 0, 0)).findings.empty  # 3 rooms, 3 classes
    c = run(students, facilities=rooms(1, 0, 1, 0))  # 2 rooms for 3 classes
    assert rules(c) == [("truong_thieu_phong_hoc", "")]
    assert c.frame["value"].iloc[0] == "classrooms=2;classes=3"
    # The borrowed rooms count too; an item the export lacks or a blank count: not applied.
    assert run(students, facilities=rooms(1, 0, 1, 1)).findings.empty
    no_item = [r for r in rooms(1, 0, 1, 0) if r["item"] != "phong_hoc_nho_muon"]
    c = run(students, facilities=no_item)
    assert c.findings.empty and "phong_hoc_nho_muon" in set(
        skipped(c, "truong_thieu_phong_hoc")["field"])
    blank = rooms(1, 0, 1, 0)
    blank[1]["count"] = None
    c = run(students, facilities=blank)
    assert c.findings.empty and len(skipped(c, "truong_thieu_phong_hoc")) == 1


def test_a_district_file_without_a_schools_classroom_row_skips_that_school(tmp_path: Path):
    """In a district-level facilities file the items are carried by the file: a school with no row
    for one classroom item has not exported it, as with its own file (inputs.md 2.1)."""
    data = tmp_path / "data"
    shutil.copytree(SAMPLE / "danh_muc", data / "danh_muc")
    folder = data / YEAR / "dau_nam" / "vnedu"
    folder.mkdir(parents=True)
    items = ("Phòng học kiên cố", "Phòng học bán kiên cố", "Phòng học tạm", '"Phòng học nhờ, mượn"')
    lines = ["Mã trường,Hạng mục,Số lượng"]
    lines += [f"70689026,{i},3" for i in items] + [f"70689015,{i},3" for i in items[:3]]
    (folder / "CSVC_Huyen_689.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for school in ("70689015", "70689026"):
        classes = [f"{g}{x},{g},0" for g in range(1, 5) for x in "ABC"]  # 12 classes, 12 rooms
        (folder / f"{school}_DanhSachLopHoc.csv").write_text(
            "\n".join(["Lớp,Khối,Sĩ số", *classes]) + "\n", encoding="utf-8")
    c = ck.run_checks(load_period(data, YEAR, "dau_nam"), previous=None)
    assert "truong_thieu_phong_hoc" not in set(c.frame["rule"])  # 9 counted rooms: not a finding
    gone = c.skipped[(c.skipped["rule"] == "truong_thieu_phong_hoc")
                     & c.skipped["school_code"].isin(["70689015", "70689026"])]
    assert gone[["school_code", "field"]].values.tolist() == [["70689015", "phong_hoc_nho_muon"]]


# --- pupils who vanished since the previous period ---------------------------------------------------


def previous_of(students: list[dict], system: str = "vnedu") -> ck.PreviousPupils:
    return ck.summarise(make_period({(system, SCHOOL): school_lists(students)}))


def test_a_leaving_status_versus_a_vanished_pupil():
    a, b, c_, d = (pupil("Lê A", vnedu_id="A"), pupil("Lê B", vnedu_id="B"),
                   pupil("Lê C", vnedu_id="C", status="Chuyển đi trong hè"), pupil("Lê D", vnedu_id="D"))
    before = previous_of([a, b, c_, d])
    now = [dict(a), dict(d, status="Thôi học kỳ 1")]  # B vanished; C had left already
    got = run(now, period="cuoi_hk1", previous=before)
    assert rules(got) == [("bat_thuong_si_so_thay_doi", ""), ("hs_mat_khong_ro_ly_do", "status")]
    row = got.frame[got.frame["rule"] == "hs_mat_khong_ro_ly_do"].iloc[0]
    assert (row["record_key"], row["full_name"], row["class_name"]) == ("B", "Lê B", "1A")
    assert row["value"] == "previous_period=dau_nam;status=Đang học"
    assert got.previous == "dau_nam"
    # Not at the start of the year; not without the previous period (and said so).
    assert "hs_mat_khong_ro_ly_do" not in set(run(now, previous=before).findings["rule"])
    alone = run(now, period="cuoi_hk1")
    assert alone.findings.empty
    assert len(skipped(alone, "hs_mat_khong_ro_ly_do")) == 1
    assert len(skipped(alone, "bat_thuong_si_so_thay_doi")) == 1


def test_vanished_is_per_system_and_key():
    before = previous_of([pupil("Lê A", vnedu_id=None, moet_id="7000000001")], system="csdl")
    now = [pupil("Lê A", vnedu_id=None, moet_id="7000000002")]
    assert rules(run(now, period="cuoi_hk1", system="csdl", previous=before)) == [
        ("hs_mat_khong_ro_ly_do", "status")]
    # The same pupils in vnEdu are not compared with CSDL's previous list.
    c = run(now, period="cuoi_hk1", previous=before)
    assert "hs_mat_khong_ro_ly_do" not in set(c.findings["rule"])


@pytest.mark.parametrize("keys", [("0012", "012", "9"), ("HS-12", "HS-012", "X")])
def test_vanished_keys_compare_as_written(keys):
    kept, lookalike, other = keys
    before = previous_of([pupil("Lê A", vnedu_id=kept), pupil("Lê B", vnedu_id=other)])
    # "012" is not "0012"; a key held twice now (a duplicate) at this school still counts.
    now = [pupil("Lê A", vnedu_id=lookalike), pupil("Lê B", vnedu_id=other),
           pupil("Lê B2", vnedu_id=other)]
    c = run(now, period="cuoi_hk1", previous=before)
    got = c.frame[c.frame["rule"] == "hs_mat_khong_ro_ly_do"]
    assert list(got["record_key"]) == [kept]


def test_vanished_pupil_whose_key_is_now_at_another_school():
    before = ck.summarise(make_period({("vnedu", SCHOOL): school_lists([pupil(vnedu_id="7")]),
                                       ("vnedu", "70689002"): school_lists([pupil(vnedu_id="8")])}))
    now = make_period({("vnedu", SCHOOL): school_lists([pupil("Lê X", vnedu_id="8")]),
                       ("vnedu", "70689002"): school_lists([pupil(vnedu_id="8")])},
                      period="cuoi_hk1")
    c = ck.run_checks(now, previous=before)
    got = c.frame[c.frame["rule"] == "hs_mat_khong_ro_ly_do"]
    assert list(zip(got["school_code"], got["record_key"], strict=True)) == [(SCHOOL, "7")]


def test_previous_period_found_in_the_data_folder_and_cached(tmp_path, monkeypatch):
    data = tmp_path / "DATA"
    shutil.copytree(SAMPLE, data, ignore=shutil.ignore_patterns("_truth", "cuoi_nam"))
    cache = tmp_path / "cache"
    hk1 = load_period(data, YEAR, "cuoi_hk1")
    ckp._MEMO.clear()
    loads = []
    real = ckp.load_period
    monkeypatch.setattr(ckp, "load_period", lambda *a, **k: loads.append(a) or real(*a, **k))
    first = ck.previous_pupils(hk1, cache=cache)
    assert first.period == "dau_nam" and len(loads) == 1 and len(first.present) > 100
    ckp._MEMO.clear()
    again = ck.previous_pupils(hk1, cache=cache)  # from the disk cache
    assert len(loads) == 1 and again.present.equals(first.present)
    some = sorted((data / YEAR / "dau_nam" / "vnedu").rglob("*.*"))[0]
    st_ = some.stat()
    import os

    os.utime(some, ns=(st_.st_atime_ns, st_.st_mtime_ns + 10**9))
    ckp._MEMO.clear()
    ck.previous_pupils(hk1, cache=cache)  # an export changed: loaded again
    assert len(loads) == 2
    # A district run reads the province summary's cut when it has it.
    ckp._MEMO.clear()
    part = load_period(data, YEAR, "cuoi_hk1", district="689")
    cut = ck.previous_pupils(part, cache=cache)
    assert len(loads) == 2 and set(cut.lists["school_code"].str[2:5]) == {"689"}


def test_a_file_changed_while_its_period_is_read_is_not_cached_as_read(tmp_path: Path) -> None:
    """The summary a run keeps for the next period is stamped with its inputs as they were when
    they were read: an export saved during the run makes the next run read it again."""
    import os

    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data, ignore=shutil.ignore_patterns("_truth"))
    cache = tmp_path / "cache"
    first = load_period(data, YEAR, "dau_nam")
    some = sorted((data / YEAR / "dau_nam" / "vnedu").rglob("*.*"))[0]
    st_ = some.stat()
    os.utime(some, ns=(st_.st_atime_ns, st_.st_mtime_ns + 10**9))  # saved again meanwhile
    ckp._MEMO.clear()
    ckp.remember(first, cache)
    ckp._MEMO.clear()
    now = ckp._period_key(data, YEAR, "dau_nam", None)
    assert ckp._stored(now, cache) is None
    assert ckp._stored(ckp._period_key(data, YEAR, "dau_nam", None, first.inputs), cache)


# --- outliers ---------------------------------------------------------------------------------------


def test_modified_z():
    z = ck.modified_z(np.array([1.0, 2.0, 3.0, 4.0, 100.0]))
    assert z[-1] > 3.5 and abs(z[2]) < 1e-12
    z = ck.modified_z(np.array([0.0, 0.0, 0.0, 0.0, 0.5]))  # MAD 0: mean absolute deviation
    assert z[-1] == pytest.approx(0.5 / (1.253314 * 0.1))
    assert (ck.modified_z(np.array([2.0, 2.0, 2.0])) == 0).all()


def test_a_school_far_from_its_district():
    lists = {}
    for i in range(7):
        girls = 27 if i == 6 else 15
        students = [pupil(f"HS {i} {k}", 1 + k % 5, f"{1 + k % 5}A", vnedu_id=f"S{i}{k:03d}",
                          sex="F" if k < girls else "M") for k in range(30)]
        lists[("vnedu", f"706890{i:02d}")] = school_lists(students)
    c = ck.run_checks(make_period(lists), previous=False)
    hits = c.frame[c.frame["rule"] == "bat_thuong_ty_le_nu"]
    assert list(hits["school_code"]) == ["70689006"]
    assert hits["severity"].iloc[0] == "canh_bao" and hits["entity"].iloc[0] == "school"
    assert hits["value"].iloc[0].startswith("ty_le_nu=0.9;district_median=0.5;z=")
    # Fewer than 5 schools in the district: not compared, and said so.
    few = ck.run_checks(make_period(dict(list(lists.items())[-3:])), previous=False)
    assert "bat_thuong_ty_le_nu" not in set(few.findings["rule"])
    assert len(skipped(few, "bat_thuong_ty_le_nu")) == 3


@pytest.mark.parametrize(("now", "flagged"), [(90, False), (89, True), (111, True), (110, False)])
def test_pupil_count_jump_between_periods(now, flagged):
    before = previous_of(klass(25, "1A") + klass(25, "2A") + klass(25, "3A") + klass(25, "4A"))
    students = (klass(25, "1A") + klass(25, "2A") + klass(25, "3A") + klass(25, "4A")
                + klass(25, "5A"))[:now]
    c = run(students, period="cuoi_hk1", previous=before)
    got = c.frame[c.frame["rule"] == "bat_thuong_si_so_thay_doi"]
    assert len(got) == flagged
    if flagged:
        assert got["value"].iloc[0].startswith(f"previous=100;current={now};change=")


# --- the run ------------------------------------------------------------------------------------------


def test_a_system_without_exports_is_not_checked_and_a_missing_list_is_said():
    p = make_period({("vnedu", SCHOOL): {"students": [pupil(ethnicity=None)]}})
    c = ck.run_checks(p, previous=False)
    assert c.systems == ("vnedu",)
    assert rules(c) == [("hs_thieu_thong_tin", "ethnicity")]
    s = skipped(c, "truong_thieu_hieu_truong")
    assert list(s["list_kind"]) == ["staff"] and s["reason"].iloc[0].startswith("Không có danh")
    assert set(c.skipped.columns) == set(ck.SKIPPED_COLUMNS)


def test_result_views_for_reports():
    students = [pupil(ethnicity=None), pupil("Lê B", grade=3, dob=D(2000, 1, 1), cls="3A")]
    c = run(students, staff=[teacher()])
    by = c.by_school().set_index("school_code")
    assert by.loc[SCHOOL, "loi"] == 1 and by.loc[SCHOOL, "canh_bao"] == 2
    assert not by.loc[SCHOOL, "ready"] and c.not_ready() == [SCHOOL]
    assert set(c.by_rule()["rule"]) == {"hs_thieu_thong_tin", "hs_tuoi_khong_hop_ly",
                                        "truong_thieu_hieu_truong"}
    p = make_period({("vnedu", SCHOOL): school_lists(students, staff=[teacher()])})
    c = ck.run_checks(p, previous=False)
    behind = c.records(p, "hs_thieu_thong_tin")
    assert list(behind["full_name"].fillna("")) == ["Nguyễn Văn An"]
    shown = c.display()
    assert shown.columns[0] == "Mã phòng GD" and shown["Mức độ"].iloc[0] == "Lỗi"


def test_class_findings_lead_to_the_pupils_of_the_class():
    p = make_period({("vnedu", SCHOOL): school_lists(klass(36))})
    c = ck.run_checks(p, previous=False)
    behind = c.records(p, "lop_si_so_vuot")
    assert len(behind) == 36 and set(behind["class_name"]) == {"1A"}


# --- properties -------------------------------------------------------------------------------------

FAULTS = {
    "hs_thieu_thong_tin": lambda p: p.update(ethnicity=None),
    "hs_tuoi_khong_hop_ly": lambda p: p.update(dob=D(2000, 1, 1)),
    "hs_tuyen_moi_sai_khoi": lambda p: p.update(new_entrant=True, grade=2, dob=D(2014, 1, 1)),
    "hs_hoan_thanh_sai_khoi": lambda p: p.update(completed_primary=True),
    "hs_thieu_danh_gia": lambda p: p.update(evaluation=None),
    "hs_danh_gia_sai_muc": lambda p: p.update(evaluation="htxs"),
}
PERIOD_OF = {"hs_tuyen_moi_sai_khoi": "dau_nam", "hs_hoan_thanh_sai_khoi": "cuoi_nam",
             "hs_thieu_danh_gia": "cuoi_nam", "hs_danh_gia_sai_muc": "cuoi_nam"}

clean_pupil = st.fixed_dictionaries({
    "grade": st.integers(1, 5), "late": st.integers(0, 3), "sex": st.sampled_from("FM"),
    "ethnicity": st.sampled_from(("Kinh", "Xtiêng", "Mnông")),
    "status": st.sampled_from(("Đang học", "Đang học", "Chuyển đến kỳ 1", "Chuyển đi kỳ 1")),
})


def _clean(draws: list[dict], period: str) -> list[dict]:
    out = []
    for i, d in enumerate(draws):
        g = d["grade"]
        p = pupil(f"Học Sinh {i}", g, f"{g}A", vnedu_id=f"P{i:04d}", sex=d["sex"],
                  ethnicity=d["ethnicity"], status=d["status"],
                  dob=D(2016 - g - d["late"], 1 + i % 12, 1), new_entrant=g == 1 and not d["late"])
        if period == "cuoi_nam":
            p.update(evaluation="ht" if vocab.is_present(d["status"]) else None,
                     completed_primary=g == 5)
        out.append(p)
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(draws=st.lists(clean_pupil, min_size=2, max_size=40),
       rule=st.sampled_from(sorted(FAULTS)), pick=st.integers(0, 10**6))
def test_clean_is_empty_and_one_fault_gives_one_finding(draws, rule, pick):
    period = PERIOD_OF.get(rule, "cuoi_hk1")
    students = _clean(draws, period)
    assert run(students, period=period).findings.empty
    if rule == "hs_tuoi_khong_hop_ly":  # the age rule reads present pupils only
        victims = [p for p in students if vocab.is_present(p["status"])]
    elif rule == "hs_hoan_thanh_sai_khoi":
        victims = [p for p in students if p["grade"] != 5]
    elif rule == "hs_thieu_danh_gia":
        victims = [p for p in students if p["evaluation"]]
    elif rule == "hs_danh_gia_sai_muc":
        victims = [p for p in students if p["grade"] >= 3 and p["evaluation"]]
    elif rule == "hs_tuyen_moi_sai_khoi":
        victims = [p for p in students if p["grade"] == 1 and p["status"] == "Đang học"]
    else:
        victims = students
    if not victims:
        return
    victim = victims[pick % len(victims)]
    classes = school_lists(students)["classes"]  # the class list before the fault
    FAULTS[rule](victim)
    c = run(students, period=period, classes=classes)
    assert rules(c) == [(rule, c.findings["field"].iloc[0])], c.frame
    assert c.frame["full_name"].iloc[0] == victim["full_name"]


# --- the command, the sample's truth, reconcile --------------------------------------------------------


def test_cli_check_vnedu_alone_before_sync(tmp_path, monkeypatch):
    monkeypatch.setenv("EDUWB_CACHE", str(tmp_path / "cache"))
    data = tmp_path / "DATA"
    shutil.copytree(SAMPLE / "danh_muc", data / "danh_muc")
    shutil.copytree(SAMPLE / YEAR / "cuoi_hk1" / "vnedu", data / YEAR / "cuoi_hk1" / "vnedu")
    out = tmp_path / "out"
    args = ["-q", "check", str(data), "--year", YEAR, "--period", "cuoi_hk1", "--out", str(out)]
    code = cli.main(args)
    got = pd.read_csv(out / "checks.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert (out / "checks.csv").read_bytes().startswith(
        b"\xef\xbb\xbf" + ",".join(ck.CHECK_COLUMNS).encode())
    assert code == (1 if len(got) else 0) and len(got)
    assert set(got["system"]) == {"vnedu"} and set(got["rule"]) <= set(ck.RULE_IDS)
    assert (got["message"] != "").all() and got["action"].str.contains("vnEdu").all()
    skip = pd.read_csv(out / "checks_skipped.csv", dtype=str, keep_default_na=False,
                       encoding="utf-8-sig")
    assert "hs_mat_khong_ro_ly_do" in set(skip["rule"])  # no previous period in DATA
    first = (out / "checks.csv").read_bytes()
    assert cli.main(args) == code and (out / "checks.csv").read_bytes() == first
    assert (out / "load_report.csv").is_file() and (out / "rejected_rows.csv").is_file()
    # Only CSDL was asked for, and there is none: the run cannot be made.
    assert cli.main([*args[:-2], "--out", str(tmp_path / "x"), "--system", "csdl"]) == 2


def test_cli_check_bad_data_folder(tmp_path):
    assert cli.main(["-q", "check", str(tmp_path / "nope"), "--year", YEAR, "--period",
                     "dau_nam"]) == 2
    assert cli.main(["-q", "check", str(SAMPLE), "--year", "2021", "--period", "dau_nam"]) == 2


@pytest.fixture(scope="module")
def sample_checks():
    ckp._MEMO.clear()
    out = {}
    for period in vocab.PERIODS:
        out[period] = ck.run_checks(load_period(SAMPLE, YEAR, period))
    return out


def test_committed_sample_precision_and_recall_are_1(sample_checks):
    from eduwb.score import score_checks

    s = score_checks(SAMPLE, [c.frame for c in sample_checks.values()], YEAR, ck.RULE_IDS)
    bad = s.table[(s.table["precision"] < 1) | (s.table["recall"] < 1)]
    assert bad.empty, (bad, s.missed, s.spurious)
    # Every rule of checks.md has faults in the sample, in vnEdu and some in CSDL.
    t = s.table.set_index("rule")
    rules15 = [r.id for r in ck.CATALOGUE if not r.id.startswith("bat_thuong_")]
    assert len(rules15) == 15 and (t.loc[rules15, "truth"] > 0).all(), t
    frames = pd.concat([c.frame for c in sample_checks.values()])
    assert set(frames.loc[frames["system"] == "vnedu", "rule"]) >= set(rules15)
    assert len(set(frames.loc[frames["system"] == "csdl", "rule"])) >= 8


def test_reconcile_writes_the_same_checks(tmp_path, sample_checks):
    from eduwb.pipeline import reconcile

    res = reconcile(SAMPLE, YEAR, "cuoi_nam")
    assert res.checks.frame.equals(sample_checks["cuoi_nam"].frame)
    cut = reconcile(SAMPLE, YEAR, "cuoi_nam", district="689").checks.frame
    whole = res.checks.frame
    assert cut.reset_index(drop=True).equals(
        whole[whole["district_code"] == "689"].reset_index(drop=True))
    out = tmp_path / "out"
    code = cli.main(["-q", "reconcile", str(SAMPLE), "--year", YEAR, "--period", "cuoi_nam",
                     "--out", str(out)])
    assert code == 1 and (out / "checks.csv").is_file() and (out / "checks_skipped.csv").is_file()
    import openpyxl

    book = openpyxl.load_workbook(out / "reconciliation.xlsx", read_only=True)
    assert "Kiểm tra nhập liệu" in book.sheetnames
    ws = book["Kiểm tra nhập liệu"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("Mã phòng GD", "Mã trường", "Hệ thống") and len(rows) == len(whole) + 1
