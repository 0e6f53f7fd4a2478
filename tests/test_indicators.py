"""The indicator catalogue on small inline periods: what is counted, and what cannot be counted."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from eduwb import indicators
from eduwb.pipeline import reconcile_period
from tests.inline import period_of, pupil, registry_of

A, B = "70689001", "70689002"


def table(records, **kw) -> pd.DataFrame:
    return reconcile_period(period_of(records, **kw)).indicators


def value(ind: pd.DataFrame, indicator: str, breakdown: str = "", unit: str = A,
          system: str = "vnedu"):
    row = ind[(ind["unit_code"] == unit) & (ind["indicator"] == indicator)
              & (ind["breakdown"] == breakdown)]
    assert len(row) == 1, (indicator, breakdown, unit)
    v = row[system].iloc[0]
    return None if pd.isna(v) else int(v)


def test_pupils_present_by_grade_and_sex_and_a_duplicate_counts_twice() -> None:
    recs = [pupil("vnedu", moet_id="7000000001", vnedu_id="HS1"),
            pupil("vnedu", moet_id="7000000002", vnedu_id="HS2", full_name="Lê Thị Bình",
                  sex="F", grade=2, class_name="2A"),
            pupil("vnedu", moet_id="7000000003", vnedu_id="HS3", full_name="Trần Cường",
                  status="Chuyển đi kỳ 1"),
            pupil("vnedu", moet_id="7000000004", vnedu_id="HS4", full_name="Hồ Dũng"),
            pupil("vnedu", moet_id="7000000004", vnedu_id="HS5", full_name="Hồ Dũng")]
    ind = table(recs)
    assert value(ind, "hs_tong") == 4  # left (Chuyển đi) not counted; the duplicate twice
    assert value(ind, "hs_tong", "grade=1") == 3
    assert value(ind, "hs_tong", "grade=2;sex=F") == 1
    assert value(ind, "hs_tong", "sex=M") == 3
    assert value(ind, "hs_tong", unit="689", ) == 4  # summed to the district
    assert value(ind, "hs_tong", unit="70") == 4


def test_a_system_without_the_list_is_missing_not_zero() -> None:
    ind = table([pupil("vnedu", A, moet_id="7000000001", vnedu_id="HS1")],
                registry=registry_of([A, B]))
    assert value(ind, "hs_tong", system="csdl") is None
    assert value(ind, "hs_tong", unit=B) is None
    assert value(ind, "hs_tong", unit="689") == 1  # what can be counted is
    row = ind[(ind["unit_code"] == A) & (ind["indicator"] == "hs_tong") & (ind["breakdown"] == "")]
    assert row["diff"].isna().all()


def test_a_field_an_export_does_not_carry_makes_its_indicators_missing() -> None:
    fields = ("full_name", "dob", "sex", "class_name", "grade", "status", "moet_id")
    ind = table([pupil("vnedu", moet_id="7000000001", vnedu_id="HS1", ethnicity="Xtiêng")],
                carried={("vnedu", "students"): fields})
    assert value(ind, "hs_tong") == 1
    assert value(ind, "hs_dan_toc") is None  # no Dân tộc column: not 0


def test_six_year_old_new_entrants_count_in_the_calendar_year_of_the_start() -> None:
    recs = [pupil("vnedu", moet_id="7000000001", vnedu_id="HS1", new_entrant=True,
                  dob=dt.date(2015, 12, 31)),
            pupil("vnedu", moet_id="7000000002", vnedu_id="HS2", new_entrant=True,
                  full_name="Lê Bình", dob=dt.date(2016, 1, 1)),
            pupil("vnedu", moet_id="7000000003", vnedu_id="HS3", new_entrant=False,
                  full_name="Trần Cường")]
    assert value(table(recs), "hs_tuyen_moi_6_tuoi") == 1


def test_teachers_by_qualification_against_the_standard() -> None:
    def teacher(moet: str, qualification: str, **kw) -> dict:
        return {"system": "vnedu", "kind": "staff", "school_code": A, "moet_id": moet,
                "vnedu_id": f"CB{moet[-1]}", "full_name": f"Giáo viên {moet[-1]}",
                "dob": dt.date(1990, 1, 1), "sex": "F", "staff_group": "gv",
                "qualification": qualification, "staff_status": "Đang làm việc", **kw}
    ind = table([teacher("7000000001", "Cao đẳng"), teacher("7000000002", "Đại học"),
                 teacher("7000000003", "Thạc sĩ"),
                 teacher("7000000004", "Đại học", staff_status="Đã nghỉ hưu")])
    assert [value(ind, "gv_trinh_do", f"level={lv}")
            for lv in ("duoi_chuan", "dat_chuan", "tren_chuan")] == [1, 1, 1]
    assert value(ind, "cb_tong") == 3


def test_classrooms_sum_the_counts_by_type() -> None:
    rooms = [{"system": "vnedu", "kind": "facilities", "school_code": A, "item": item,
              "count": n} for item, n in (("phong_hoc_kien_co", 8), ("phong_hoc_tam", 2),
                                           ("thu_vien", 1))]
    ind = table(rooms)
    assert value(ind, "phong_hoc") == 10  # the library is not a classroom
    assert value(ind, "phong_hoc", "type=tam") == 2


@pytest.mark.parametrize("ind", indicators.CATALOGUE, ids=lambda i: i.id)
def test_every_cell_of_every_indicator_is_in_the_table(ind) -> None:
    got = table([pupil("vnedu", moet_id="7000000001", vnedu_id="HS1")],
                period=ind.periods[0])
    mine = got[(got["unit_code"] == A) & (got["indicator"] == ind.id)]
    assert mine["breakdown"].tolist() == indicators.cells(ind)
