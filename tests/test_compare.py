"""Linked records → findings (eduwb.compare) on small inline periods."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from eduwb.compare import compare_kind, school_findings
from tests.inline import period_of, pupil, registry_of

A, B = "70689001", "70689002"


def findings(records, **kw) -> pd.DataFrame:
    return compare_kind(period_of(records, **kw), "students").findings


def cats(frame: pd.DataFrame) -> list[tuple]:
    return sorted(zip(frame["category"], frame["field"], frame["moet_id"], strict=True))


def test_the_same_pupil_in_both_systems_is_no_finding() -> None:
    assert findings([pupil("vnedu", moet_id="7000000001", vnedu_id="HS1"),
                     pupil("csdl", moet_id="7000000001")]).empty


def test_a_pupil_in_one_system_only() -> None:
    got = findings([pupil("vnedu", moet_id="7000000001", vnedu_id="HS1"),
                    pupil("csdl", moet_id="7000000001"),
                    pupil("vnedu", moet_id=None, vnedu_id="HS2", full_name="Lê Thị Bình",
                          dob=dt.date(2015, 6, 1), sex="F"),
                    pupil("csdl", moet_id="7000000003", full_name="Trần Văn Cường",
                          dob=dt.date(2015, 1, 9))])
    assert cats(got) == [("only_in_csdl", "", "7000000003"), ("only_in_vnedu", "", "")]
    vn = got[got["category"] == "only_in_vnedu"].iloc[0]
    assert vn["vnedu_id"] == "HS2" and vn["full_name"] == "Lê Thị Bình"
    assert "chưa có mã định danh" in vn["action"]  # not synced yet: sync to get a code
    assert "Không nhập trực tiếp trên CSDL ngành" in got[
        got["category"] == "only_in_csdl"].iloc[0]["action"]


def test_a_field_that_differs_is_one_finding_with_both_values() -> None:
    got = findings([pupil("vnedu", moet_id="7000000001", vnedu_id="HS1", ethnicity="Xtiêng"),
                    pupil("csdl", moet_id="7000000001", ethnicity="Kinh")])
    assert cats(got) == [("field_mismatch", "ethnicity", "7000000001")]
    row = got.iloc[0]
    assert (row["vnedu_value"], row["csdl_value"]) == ("Xtiêng", "Kinh")
    assert row["action"].startswith("Kiểm tra dân tộc trên vnEdu")


def test_a_difference_of_writing_is_not_a_difference() -> None:
    """Names compare case-insensitively (the loader has already folded NFC, Đ, tone marks)."""
    assert findings([pupil("vnedu", moet_id="7000000001", full_name="NGUYỄN VĂN AN"),
                     pupil("csdl", moet_id="7000000001", full_name="Nguyễn Văn An")]).empty


def test_a_value_missing_on_one_side_is_a_mismatch_but_a_column_not_carried_is_not() -> None:
    blank = findings([pupil("vnedu", moet_id="7000000001", ethnicity=None),
                      pupil("csdl", moet_id="7000000001")])
    assert cats(blank) == [("field_mismatch", "ethnicity", "7000000001")]
    assert blank.iloc[0]["action"].startswith("Bổ sung dân tộc trên vnEdu")
    fields = ("full_name", "dob", "sex", "class_name", "grade", "status", "moet_id")
    not_carried = findings([pupil("vnedu", moet_id="7000000001", ethnicity=None),
                            pupil("csdl", moet_id="7000000001")],
                           carried={("vnedu", "students"): fields})
    assert not_carried.empty  # vnEdu's export has no Dân tộc column: unknown, not different


def test_a_disability_mark_agrees_with_any_type() -> None:
    assert findings([pupil("vnedu", moet_id="7000000001", disability="co"),
                     pupil("csdl", moet_id="7000000001", disability="03")]).empty
    got = findings([pupil("vnedu", moet_id="7000000001", disability="01"),
                    pupil("csdl", moet_id="7000000001", disability="03")])
    assert cats(got) == [("field_mismatch", "disability", "7000000001")]


def test_personal_id_numbers_are_compared_but_shown_masked() -> None:
    got = findings([pupil("vnedu", moet_id="7000000001", personal_id="001089000837"),
                    pupil("csdl", moet_id="7000000001", personal_id="001089009999")])
    row = got.iloc[0]
    assert row["field"] == "personal_id"
    assert (row["vnedu_value"], row["csdl_value"]) == ("********0837", "********9999")


def test_linked_by_name_and_birth_date_without_a_code_is_missing_moet_id() -> None:
    got = findings([pupil("vnedu", moet_id=None, vnedu_id="HS1"),
                    pupil("csdl", moet_id="7000000001")])
    assert cats(got) == [("missing_moet_id", "", "7000000001")]
    assert "7000000001" in got.iloc[0]["action"]


def test_duplicates_are_reported_one_row_per_record_and_the_group_still_links() -> None:
    got = findings([pupil("csdl", moet_id="7000000001"), pupil("csdl", moet_id="7000000001"),
                    pupil("vnedu", moet_id="7000000001", vnedu_id="HS1")])
    assert cats(got) == [("duplicate_in_csdl", "", "7000000001")] * 2
    assert got["action"].str.contains("(2 bản)", regex=False).all()


def test_twins_are_two_pupils_not_a_duplicate() -> None:
    twins = [pupil(s, moet_id=m, full_name=n, **({"vnedu_id": v} if s == "vnedu" else {}))
             for s in ("vnedu", "csdl")
             for m, n, v in (("7000000001", "Điểu Tiến", "HS1"), ("7000000002", "Điểu Tiên", "HS2"))]
    assert findings(twins).empty


def test_the_same_code_at_two_schools_is_a_transfer_when_one_left() -> None:
    moved = [pupil("csdl", A, moet_id="7000000001", status="Chuyển đi kỳ 1"),
             pupil("csdl", B, moet_id="7000000001"),
             pupil("vnedu", B, moet_id="7000000001", vnedu_id="HS1")]
    got = findings(moved, exports=[("vnedu", "students", A)])
    assert "duplicate_in_csdl" not in set(got["category"])
    both_stay = [{**r, "status": "Đang học"} for r in moved]
    got = findings(both_stay, exports=[("vnedu", "students", A)])
    assert (got["category"] == "duplicate_in_csdl").sum() == 2


def test_a_school_without_an_export_is_one_school_missing_finding() -> None:
    period = period_of([pupil("vnedu", A, moet_id="7000000001", vnedu_id="HS1"),
                        pupil("vnedu", A, moet_id="7000000002", vnedu_id="HS2",
                              full_name="Lê Bình"),
                        pupil("csdl", B, moet_id="7000000003")],
                       registry=registry_of([A, B]))
    assert compare_kind(period, "students").findings["school_code"].tolist() == []
    school = school_findings(period)
    mine = school[(school["category"] == "school_missing") & (school["field"] == "students")]
    got = sorted(zip(mine["school_code"], mine["vnedu_value"], mine["csdl_value"], strict=True))
    assert got == [(A, "2", ""), (B, "", "1")]


def test_a_merged_school_under_its_old_code_is_reported_and_its_records_linked() -> None:
    old = "70689099"
    registry = registry_of([A], old_codes={A: (old,)})
    period = period_of([pupil("vnedu", A, moet_id="7000000001", vnedu_id="HS1"),
                        pupil("csdl", A, moet_id="7000000001", file_school_code=old)],
                       registry=registry)
    assert compare_kind(period, "students").findings.empty
    changed = school_findings(period)
    changed = changed[changed["category"] == "school_code_changed"]
    assert changed[["school_code", "vnedu_value", "csdl_value"]].values.tolist() == [[A, A, old]]


def test_classes_link_by_name_and_compare_their_fields() -> None:
    cls = {"kind": "classes", "school_code": A, "class_name": "1A", "grade": 1,
           "declared_size": 30, "homeroom_teacher": "Trần Thị Hoa"}
    got = compare_kind(period_of([{**cls, "system": "vnedu"},
                                  {**cls, "system": "csdl", "declared_size": 31,
                                   "homeroom_teacher": "TRẦN THỊ HOA"}]), "classes").findings
    assert got[["category", "field", "vnedu_value", "csdl_value"]].values.tolist() == [
        ["field_mismatch", "declared_size", "30", "31"]]


def test_a_facility_count_mismatch_names_the_item_in_vietnamese() -> None:
    room = {"kind": "facilities", "school_code": A, "item": "phong_hoc_tam"}
    got = compare_kind(period_of([{**room, "system": "vnedu", "count": 2},
                                  {**room, "system": "csdl", "count": 3}]), "facilities").findings
    row = got.iloc[0]
    assert (row["category"], row["field"], row["vnedu_value"], row["csdl_value"]) == (
        "field_mismatch", "phong_hoc_tam", "2", "3")
    assert "phòng học tạm" in row["action"]
