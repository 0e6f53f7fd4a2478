"""The analyst's explorer: records behind a gap add up to it, accent-insensitive search, widgets
driven without a browser, export."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from eduwb import explore
from eduwb.reconcile import reconcile

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
    ex = explore.Explorer(SAMPLE, YEAR, period="cuoi_nam", district="689", out=tmp_path)
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
    assert book.sheetnames == ["Chênh lệch", "Bản ghi", "Tìm kiếm"]
    assert book["Bản ghi"]["A1"].value == "Mã trường"


def test_export_selection_writes_numbers_as_numbers(tmp_path: Path) -> None:
    frame = pd.DataFrame({"Tên": ["Hòa"], "Số": [3]})
    path = explore.export_selection({"Bảng": frame}, tmp_path / "x.xlsx")
    ws = openpyxl.load_workbook(path)["Bảng"]
    assert ws["B2"].value == 3 and ws["A2"].value == "Hòa"
