"""The printable report forms: titles, vnEdu totals equal to the indicators, signature block,
print setup, fixed bytes; rendered to PDF once when LibreOffice is installed."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from eduwb.pipeline import reconcile
from eduwb.views import forms

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


@pytest.fixture(scope="module")
def result():
    return reconcile(SAMPLE, "2021-2022", "dau_nam")


def _texts(ws) -> list[str]:
    return [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]


def _ind(result, level, unit, indicator, breakdown=""):
    t = result.indicators
    row = t[(t["level"] == level) & (t["unit_code"] == unit) & (t["indicator"] == indicator)
            & (t["breakdown"] == breakdown)]
    return int(row["vnedu"].iloc[0])


def test_district_form(result, tmp_path):
    path = forms.write_district_form(result, "696", tmp_path / "phong_696.xlsx")
    ws = openpyxl.load_workbook(path).active
    texts = _texts(ws)
    for title in (forms.PROVINCE_OFFICE, "PHÒNG GD&ĐT HUYỆN BÙ ĐĂNG", forms.REPORT_TITLE,
                  "Kỳ báo cáo: Đầu năm - Năm học 2021-2022", "Người lập biểu", "TRƯỞNG PHÒNG",
                  "Bù Đăng, ngày …… tháng …… năm ……", forms.NATION, forms.MOTTO):
        assert title in texts, title
    rows = {ws.cell(r, 2).value: r for r in range(1, ws.max_row + 1)}
    heads = {ws.cell(9, c).value: c for c in range(1, ws.max_column + 1)}
    total = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == forms.TOTAL_LABEL)
    col = 4  # Học sinh | Tổng số
    assert ws.cell(8, col).value == "Học sinh" and ws.cell(9, col).value == "Tổng số"
    assert ws.cell(total, col).value == _ind(result, "district", "696", "hs_tong") == 206
    assert ws.cell(rows["70696045"], col).value == _ind(result, "school", "70696045", "hs_tong")
    assert ws.cell(total, heads["Khối 3"]).value == _ind(result, "district", "696", "hs_tong",
                                                         "grade=3")
    # Every numeric column's total is the district's vnEdu figure, and the schools add up to it.
    table = forms.district_table(result.indicators, result.period.registry, "696", "dau_nam")
    for c in range(4, ws.max_column + 1):
        values = [ws.cell(rows[s], c).value for s in ("70696045", "70696090")]
        assert ws.cell(total, c).value == sum(values)
    assert table.iloc[-1]["Phòng học|Kiên cố"] == _ind(result, "district", "696", "phong_hoc",
                                                       "type=kien_co")
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == "$8:$9"
    again = forms.write_district_form(result, "696", tmp_path / "again.xlsx")
    assert again.read_bytes() == path.read_bytes()


def test_school_form(result, tmp_path):
    path = forms.write_school_form(result, "70692007", tmp_path / "truong.xlsx")
    ws = openpyxl.load_workbook(path).active
    texts = _texts(ws)
    for title in ("PHÒNG GD&ĐT HUYỆN LỘC NINH", "TRƯỜNG TIỂU HỌC LỘC HÒA", forms.REPORT_TITLE,
                  "HIỆU TRƯỞNG", "Người lập biểu", "Lộc Ninh, ngày …… tháng …… năm ……"):
        assert title in texts, title
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == "Tổng số học sinh")
    assert ws.cell(row, 4).value == _ind(result, "school", "70692007", "hs_tong")
    assert ws.cell(row, 5).value == _ind(result, "school", "70692007", "hs_tong", "sex=F")
    assert [ws.cell(row, 5 + g).value for g in range(1, 6)] == [
        _ind(result, "school", "70692007", "hs_tong", f"grade={g}") for g in range(1, 6)]
    # Counts only: no pupil or staff name anywhere on the form.
    names = set(result.period.tables["students"]["full_name"].dropna())
    assert not names & set(texts)


def test_missing_figures_stay_blank(result):
    table = forms.district_table(result.indicators, result.period.registry, "692", "dau_nam")
    assert table["Học sinh|Tổng số"].notna().all()
    # hs_ban_tru is missing in CSDL, never in vnEdu: the form shows vnEdu's figure.
    assert table.iloc[-1]["Học sinh|Bán trú"] == _ind(result, "district", "692", "hs_ban_tru")


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_renders_to_pdf(result, tmp_path):
    path = forms.write_district_form(result, "689", tmp_path / "phong_689.xlsx")
    cmd = ["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless",
           "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    pdf = (tmp_path / "phong_689.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1  # one page: fit to width
