"""The analyst's explorer: records behind a gap add up to it, accent-insensitive search, the records
behind a data-entry check, past runs of the history, widgets driven without a browser, export."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from eduwb.pipeline import reconcile
from eduwb.views import explore
from tests.days_history import DAYS, PERIOD, days_history

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
YEAR = "2021-2022"


@pytest.fixture(scope="module")
def rec696():
    return reconcile(SAMPLE, YEAR, "cuoi_nam", district="696")


@pytest.mark.parametrize(("period", "district"), [("cuoi_nam", "696"), ("dau_nam", "692"),
                                                   ("cuoi_hk1", "689")])
def test_records_behind_every_gap_add_up_to_its_explained_part(period: str, district: str) -> None:
    rec = reconcile(SAMPLE, YEAR, period, district=district)
    ind = rec.indicators
    cells = ind[ind["diff"].fillna(0) != 0]
    assert len(cells)
    for row in cells.itertuples():
        records = explore.records_behind(rec, row.indicator, row.unit_code, row.breakdown)
        assert records["contribution"].sum() == row.explained, row
        assert (records["contribution"] != 0).all()


def test_records_behind_name_the_pupils_and_what_to_do(rec696) -> None:
    gaps = explore.gaps(rec696, "70696090", "hs_tong")
    cell = gaps[gaps["diff"] != 0].iloc[0]
    records = explore.records_behind(rec696, "hs_tong", "70696090", cell["breakdown"])
    assert set(records.columns) == set(explore.RECORD_COLUMNS)
    assert records["full_name"].str.len().gt(0).all() and records["action"].str.len().gt(0).all()
    assert set(records["school_code"]) == {"70696090"}


def test_gaps_put_cells_with_a_gap_first(rec696) -> None:
    table = explore.gaps(rec696, "696", "hs_tong")
    has = table["diff"].fillna(0).ne(0).to_list()
    assert has == sorted(has, reverse=True) and has[0]
    assert explore.cell_label("grade=1;sex=F") == "Khối 1, Nữ"
    assert explore.cell_label("") == "Tổng"


def test_search_ignores_accents_and_case_but_not_words(rec696) -> None:
    found = explore.search_people(rec696, "HOA")
    assert len(found) and {"Hòa", "Hoa"} & {n.split()[-1] for n in found["full_name"]}
    assert not found["full_name"].str.contains("Hoàng Gia").any()
    folded = explore.search_people(rec696, "tran van hoa")
    assert set(folded["full_name"]) == set(explore.search_people(rec696, "Trần Văn Hòa")[
        "full_name"])
    assert explore.search_people(rec696, "   ").empty


def test_explorer_widgets_follow_the_selection_and_export(tmp_path: Path) -> None:
    ex = explore.Explorer(SAMPLE, YEAR, period="cuoi_nam", district="689", out=tmp_path,
                          history=tmp_path / "empty.duckdb")
    assert ex.unit == "689" and len(ex.state["gaps"])
    ex.district.value = "696"
    assert [v for _, v in ex.school.options][1:] == ["70696045", "70696090"]
    ex.school.value = "70696090"
    assert ex.unit == "70696090"
    ex.indicator.value = "cb_tong"
    assert (ex.state["gaps"]["diff"].fillna(0) != 0).any()
    assert ex.cell.value == ex.state["gaps"]["breakdown"].iloc[0]
    assert ex.state["records"]["contribution"].sum() == ex.state["gaps"]["explained"].iloc[0]
    assert "<table" in ex.records_out.value
    ex.period.value = "dau_nam"
    assert ex.indicator.value == "cb_tong" and ex.reconciliation().period.period == "dau_nam"
    ex.query.value = "nguyen"
    assert len(ex.state["people"]) and (ex.state["people"]["school_code"] == "70696090").all()
    ex.filename.value = "../escape.xlsx"
    path = ex.export()
    assert path == tmp_path / "escape.xlsx" and "escape.xlsx" in ex.message.value
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Chênh lệch", "Bản ghi", "Tìm kiếm", "Kiểm tra nhập liệu"]
    assert not (tmp_path / "empty.duckdb").exists()  # the history is only read
    assert book["Bản ghi"]["A1"].value == "Mã trường"


def test_export_selection_writes_numbers_as_numbers(tmp_path: Path) -> None:
    frame = pd.DataFrame({"Tên": ["Hòa"], "Số": [3]})
    path = explore.export_selection({"Bảng": frame}, tmp_path / "x.xlsx")
    ws = openpyxl.load_workbook(path)["Bảng"]
    assert ws["B2"].value == 3 and ws["A2"].value == "Hòa"


# --- data-entry checks: the records behind a rule -------------------------------------------------


def test_rules_of_a_unit_count_its_findings(rec696) -> None:
    rules = explore.check_rules(rec696, "696")
    f = rec696.checks.findings
    assert rules[["vnedu", "csdl"]].to_numpy().sum() == len(f)
    for r in rules.itertuples(index=False):
        mine = f[f["rule"] == r.rule]
        assert (r.vnedu, r.csdl) == ((mine["system"] == "vnedu").sum(),
                                     (mine["system"] == "csdl").sum())
    school = explore.check_rules(rec696, "70696045")
    assert school[["vnedu", "csdl"]].to_numpy().sum() == (f["school_code"] == "70696045").sum()


def test_rule_records_are_the_records_behind_the_findings() -> None:
    rec = reconcile(SAMPLE, YEAR, "cuoi_nam", district="689")
    f = rec.checks.findings
    missing = explore.rule_records(rec, "hs_thieu_thong_tin", "689")
    want = f[f["rule"] == "hs_thieu_thong_tin"]
    assert len(missing) == len(want)  # one record per finding: the pupil with a blank field
    assert set(missing["school_code"]) == set(want["school_code"])
    vnedu = explore.rule_records(rec, "hs_thieu_thong_tin", "689", "vnedu")
    assert len(vnedu) == (want["system"] == "vnedu").sum() and set(vnedu["system"]) == {"vnEdu"}
    # a class size that differs from the list: the class and its present pupils
    size = f[f["rule"] == "lop_si_so_khong_khop"].iloc[0]
    school, system = size["school_code"], size["system"]
    rows = explore.rule_records(rec, "lop_si_so_khong_khop", school, system)
    rows = rows[rows["detail"] == size["class_name"]]
    present = int(dict(kv.split("=") for kv in size["value"].split(";"))["present"])
    assert (rows["kind"] == "Học sinh").sum() == present
    assert (rows["kind"] == "Lớp học").sum() == 1
    assert set(rows["message"]) == {size["message"]}
    assert explore.rule_records(rec, "hs_thieu_thong_tin", "70696045").empty  # not in 689


# --- past runs ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def days(tmp_path_factory):
    return days_history(tmp_path_factory.getbasetemp())


def test_past_runs_count_what_each_run_held(days) -> None:
    series = explore.read_history(days.store, YEAR, PERIOD, "689")
    runs = explore.past_runs(series)
    assert [d for d in runs["as_of"]] == list(DAYS) and set(runs["source"]) == {"Toàn tỉnh"}
    truth = days.truth("progress.csv")
    truth = truth[(truth["level"] == "district") & (truth["unit_code"] == "689")]
    assert runs["discrepancies_open"].tolist() == truth["open"].astype(int).tolist()
    assert runs["discrepancies_new"].tolist() == truth["new"].astype(int).tolist()
    assert runs["discrepancies_fixed"].tolist() == truth["fixed"].astype(int).tolist()
    last = explore.past_findings(series, int(runs["run_id"].iloc[0]), "discrepancies")
    assert len(last) == runs["discrepancies_open"].iloc[0]
    assert set(last["district_code"]) == {"689"} and (last["state"] == "new").all()
    assert explore.past_findings(series, 999).empty


def test_explorer_opens_a_past_run(days, tmp_path: Path) -> None:
    ex = explore.Explorer(days.data(), YEAR, period=PERIOD, district="696", out=tmp_path,
                          history=days.store)
    runs = ex.state["runs"]
    assert len(runs) == 3 and ex.run.value == int(runs["run_id"].iloc[-1])
    first = ex.open_run(int(runs["run_id"].iloc[0]), "checks")
    assert len(first) == runs["checks_open"].iloc[0] and set(first["district_code"]) == {"696"}
    assert "<table" in ex.past_out.value and "<table" in ex.runs_out.value
    ex.rule.value = ex.rule.options[0][1]
    assert len(ex.state["rule_records"])
    book = openpyxl.load_workbook(ex.export())
    assert {"Kiểm tra nhập liệu", "Lần chạy trước"} <= set(book.sheetnames)
