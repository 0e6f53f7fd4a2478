"""Indicator gaps explained by record-level findings (eduwb.explain), on small inline periods."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from eduwb.explain import records_behind_findings
from eduwb.pipeline import reconcile_period
from tests.inline import period_of, pupil, registry_of

A, B = "70689001", "70689002"


def cell(result, indicator: str, breakdown: str = "", unit: str = A) -> tuple:
    ind = result.indicators
    row = ind[(ind["unit_code"] == unit) & (ind["indicator"] == indicator)
              & (ind["breakdown"] == breakdown)].iloc[0]
    return tuple(None if pd.isna(row[c]) else int(row[c]) for c in ("vnedu", "csdl", "diff",
                                                                      "explained"))


def test_a_pupil_only_in_vnedu_explains_plus_one_in_each_of_its_cells() -> None:
    res = reconcile_period(period_of([
        pupil("vnedu", moet_id="7000000001", vnedu_id="HS1"),
        pupil("csdl", moet_id="7000000001"),
        pupil("vnedu", vnedu_id="HS2", full_name="Lê Thị Bình", sex="F", dob=dt.date(2015, 7, 1))]))
    assert cell(res, "hs_tong") == (2, 1, 1, 1)
    assert cell(res, "hs_tong", "grade=1;sex=F") == (1, 0, 1, 1)
    assert cell(res, "hs_tong", "sex=M") == (1, 1, 0, 0)


def test_a_grade_mismatch_moves_the_pupil_between_cells_and_explains_both() -> None:
    res = reconcile_period(period_of([
        pupil("vnedu", moet_id="7000000001", vnedu_id="HS1", grade=2, class_name="2A"),
        pupil("csdl", moet_id="7000000001", grade=1, class_name="1A")]))
    assert cell(res, "hs_tong") == (1, 1, 0, 0)
    assert cell(res, "hs_tong", "grade=2") == (1, 0, 1, 1)
    assert cell(res, "hs_tong", "grade=1") == (0, 1, -1, -1)


def test_a_duplicate_explains_its_extra_count() -> None:
    res = reconcile_period(period_of([
        pupil("csdl", moet_id="7000000001"), pupil("csdl", moet_id="7000000001"),
        pupil("vnedu", moet_id="7000000001", vnedu_id="HS1")]))
    assert cell(res, "hs_tong") == (1, 2, -1, -1)


def test_a_missing_export_leaves_the_school_missing_and_explains_the_district() -> None:
    res = reconcile_period(period_of([
        pupil("vnedu", A, moet_id="7000000001", vnedu_id="HS1"),
        pupil("csdl", A, moet_id="7000000001"),
        pupil("vnedu", B, moet_id="7000000002", vnedu_id="HS2", full_name="Lê Bình")],
        registry=registry_of([A, B])))
    assert cell(res, "hs_tong", unit=B) == (1, None, None, None)
    assert cell(res, "hs_tong", unit="689") == (2, 1, 1, 1)  # school_missing stands for B's pupil


def test_explained_equals_diff_wherever_both_counts_exist() -> None:
    res = reconcile_period(period_of([
        pupil("vnedu", moet_id="7000000001", vnedu_id="HS1", ethnicity="Xtiêng"),
        pupil("csdl", moet_id="7000000001", ethnicity="Kinh"),
        pupil("csdl", moet_id="7000000002", full_name="Điểu Lang", sex="F"),
        pupil("vnedu", moet_id=None, vnedu_id="HS3", full_name="Trần Cường",
              status="Thôi học kỳ 1")]))
    ind = res.indicators.dropna(subset=["diff"])
    assert len(ind) and (ind["diff"] == ind["explained"]).all()
    assert cell(res, "hs_dan_toc") == (1, 0, 1, 1)


def test_the_records_behind_findings_are_the_ones_that_make_the_gap() -> None:
    res = reconcile_period(period_of([
        pupil("vnedu", moet_id="7000000001", vnedu_id="HS1"),
        pupil("csdl", moet_id="7000000001"),
        pupil("csdl", moet_id="7000000002", full_name="Điểu Lang")]))
    behind = records_behind_findings("students", res.kinds["students"], res.findings)
    assert behind["system"].tolist() == ["csdl"]
    record = res.kinds["students"].csdl.loc[behind["idx"].iloc[0]]
    assert record["moet_id"] == "7000000002"
    assert res.findings.iloc[behind["finding"].iloc[0]]["category"] == "only_in_csdl"
