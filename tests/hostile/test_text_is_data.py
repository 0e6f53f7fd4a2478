"""Issue 10, item 4: text from exports is data, never a formula in a spreadsheet or markup in a page.

Registry names (district office, specialist, school), a signer of the sign-off ledger, a pupil's
name and a rejected cell carry formulas and markup; every CSV escapes them (and gives the raw value
back through outputs.read_csv), every workbook holds them as strings, every page escapes them.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl
import pytest

from eduwb import batch, outputs
from eduwb.pipeline import reconcile
from eduwb.store import from_reconciliation
from eduwb.views import dashboard, forms, status
from eduwb.views.district_report import report_of
from eduwb.views.explore import Explorer
from tests.hostile.sample_copy import YEAR, copy_sample, rewrite_rows, set_cells, xlsx_text
from tests.test_notebooks import jupyter_env

PERIOD = "cuoi_nam"
AS_OF = dt.date(2022, 6, 1)
OFFICE = 'Phòng GD&ĐT Đồng Xoài<script>alert("pgd")</script>'
SPECIALIST = '<img src=x onerror=alert(1)> **Nguyễn** [xem](javascript:alert(2))'
SIGNER = '<script>alert("ky")</script>'
SCHOOL_FORMULA = '=HYPERLINK("http://x.invalid","bấm")'
SCHOOL_MARKUP = '<script>alert("truong")</script>'
PUPIL = "=1+1"
BAD_DATE = "@SUM(1+1)"
MARKUP = re.compile(r"<script>alert|<img src=x|href=\"?javascript:|<strong>Nguyễn")


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_sample(tmp_path_factory.mktemp("text") / "DATA", periods=(PERIOD,))
    registry = root / "danh_muc"
    set_cells(registry / "phong_gd.xlsx", {(2, 1): OFFICE, (2, 2): SPECIALIST})
    set_cells(registry / "ky_duyet.xlsx", {(23, 4): SIGNER})
    set_cells(registry / "truong.xlsx", {(1, 1): SCHOOL_FORMULA, (2, 1): SCHOOL_MARKUP})

    def hostile_pupil(body: list[list], header: list) -> list[list]:
        name = next(j for j, h in enumerate(header) if "tên" in str(h).lower())
        born = next(j for j, h in enumerate(header) if "ngày sinh" in str(h).lower())
        body[0][name] = f"{PUPIL} An"
        body[1][born] = BAD_DATE
        return body

    rewrite_rows(root / YEAR / PERIOD / "vnedu" / "689" / "70689015_DanhSachHocSinh.xlsx",
                 hostile_pupil)
    return root


@pytest.fixture(scope="module")
def result(data: Path):
    return reconcile(data, YEAR, PERIOD)


def _formulas(xml: str) -> list[str]:
    return re.findall(r"<f>.*?</f>", xml)


def test_csv_cells_are_escaped_and_decoded(result, tmp_path: Path) -> None:
    result.write(tmp_path)
    for name in ("discrepancies.csv", "indicators.csv", "load_report.csv", "rejected_rows.csv"):
        raw = (tmp_path / name).read_text(encoding="utf-8-sig")
        for line in raw.splitlines()[1:]:
            for cell in line.split(","):
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), (name, line)
    rejected = (tmp_path / "rejected_rows.csv").read_text(encoding="utf-8-sig")
    assert f"'{BAD_DATE}" in rejected
    disc = (tmp_path / "discrepancies.csv").read_text(encoding="utf-8-sig")
    assert f"'{PUPIL} An" in disc
    back = outputs.read_csv(tmp_path / "discrepancies.csv")
    assert f"{PUPIL} An" in set(back["full_name"])
    assert BAD_DATE in set(outputs.read_csv(tmp_path / "rejected_rows.csv")["value"])
    assert outputs.csv_raw(outputs.csv_safe("'quoted")) == "'quoted"


def test_workbooks_hold_text_as_strings(result, data: Path, tmp_path: Path) -> None:
    result.write(tmp_path)
    snap = from_reconciliation(result)
    rep = report_of(snap, "689", AS_OF)
    books = {"reconciliation.xlsx": tmp_path / "reconciliation.xlsx",
             "fix list": rep.fix_list_bytes(),
             "district form": forms.write_district_form(result, "689", tmp_path / "form.xlsx"),
             "school form": forms.write_school_form(result, "70689015", tmp_path / "school.xlsx"),
             "theo_doi.xlsx": status.write_status_workbook(snap.track(AS_OF),
                                                           tmp_path / "theo_doi.xlsx")}
    for where, book in books.items():
        assert _formulas(xlsx_text(book)) == [], where
    path = tmp_path / "fix.xlsx"
    path.write_bytes(books["fix list"])
    title = openpyxl.load_workbook(path)["70689015"]["A1"]
    assert title.data_type == "s" and title.value.startswith(SCHOOL_FORMULA)
    names = openpyxl.load_workbook(tmp_path / "reconciliation.xlsx")["Khác thông tin"]
    assert any(c.value == f"{PUPIL} An" and c.data_type == "s"
               for row in names.iter_rows() for c in row)


def test_report_pages_escape_every_value(data: Path, tmp_path: Path, monkeypatch) -> None:
    for key, value in jupyter_env(tmp_path / "env").items():
        monkeypatch.setenv(key, value)
    out = tmp_path / "reports"
    run = batch.run_batch(data, YEAR, out, periods=[PERIOD], districts=["689"], as_of=AS_OF,
                          progress=False)
    assert not run.failed, run.summary()
    page = (out / YEAR / PERIOD / "689.html").read_text(encoding="utf-8")
    assert not MARKUP.search(page), MARKUP.search(page)
    shown = page.replace("&quot;", '"')  # nbconvert writes quotes in text as they are
    assert '&lt;script&gt;alert("pgd")&lt;/script&gt;' in shown
    assert '&lt;script&gt;alert("ky")&lt;/script&gt;' in shown
    assert "&lt;img src=x onerror=alert(1)&gt; **Nguyễn**" in page  # Markdown stays text
    index = (out / "index.html").read_text(encoding="utf-8")
    assert not MARKUP.search(index) and "&lt;script&gt;" in index


def test_dashboard_and_explorer_escape_every_value(data: Path, result, tmp_path: Path) -> None:
    model = dashboard.open_model(data, as_of=AS_OF, cache=tmp_path / "cache")
    board = dashboard.Dashboard(model)
    board.district.value = "689"
    pages = []
    for code in ("70689015", "70689026"):
        board.school.value = code
        pages += [w.value for w in (board.schools, board.school_view, board.tiles, board.heatmap,
                                    board.title, board.message, board.history,
                                    board.district_view)]
    board._on_make_file(None)
    pages.append(board.download.value)
    explorer = Explorer(data, YEAR, period=PERIOD, district="689", out=tmp_path)
    explorer.search("an")
    pages += [explorer.gaps_out.value, explorer.records_out.value, explorer.people_out.value,
              explorer.rules_out.value, explorer.rule_out.value, explorer.runs_out.value,
              explorer.past_out.value]
    text = "\n".join(pages)
    assert not MARKUP.search(text), MARKUP.search(text)
