"""Issue 10, "the report people read": the district report is a document to print and sign, not a
notebook dump — Vietnamese words for codes, whole tables without index columns or size footers,
A4 print layout with a page per section, contents and the personal-data notice on the first page."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from eduwb import batch
from eduwb.checks import RULE_IDS
from eduwb.pipeline import reconcile
from eduwb.store import from_reconciliation
from eduwb.views import district_report
from eduwb.views.district_report import SECTIONS, report_of
from tests.hostile.sample_copy import SAMPLE, YEAR
from tests.test_notebooks import jupyter_env

AS_OF = dt.date(2022, 6, 1)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("report")
    with pytest.MonkeyPatch.context() as mp:
        for key, value in jupyter_env(root / "env").items():
            mp.setenv(key, value)
        run = batch.run_batch(SAMPLE, YEAR, root / "reports", periods=["cuoi_nam"],
                              districts=["689"], as_of=AS_OF, progress=False)
    assert not run.failed, run.summary()
    return (root / "reports" / YEAR / "cuoi_nam" / "689.html").read_text(encoding="utf-8")


def _text(page: str) -> str:
    body = re.sub(r"<style.*?</style>|<script.*?</script>", "", page, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def test_no_notebook_dump(page: str) -> None:
    text = _text(page)
    assert "rows ×" not in text and "columns" not in text  # no DataFrame size footer
    # nothing cut: no cell ends with an ellipsis (the checks' actions use "..." inside a text)
    assert not re.search(r"(…|\.\.\.)\s*</t[dh]>", page)
    assert 'class="dataframe' not in page  # no pandas table with its index column
    assert "Đối chiếu số liệu tiểu học vnEdu – CSDL ngành: báo cáo của phòng" not in text  # notebook-only
    tables = re.findall(r'<table class="eduwb-table".*?</table>', page, flags=re.S)
    assert len(tables) >= 6
    for t in tables:
        assert "<th></th>" not in t


def test_codes_are_words(page: str) -> None:
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", page)
    for code in ("only_in_vnedu", "field_mismatch", "duplicate_in_csdl", "student", "staff",
                 "ht", "cht", "htt", "F", "M", "True", "False", "on_time", "late", "khong",
                 "loi", "canh_bao", "new", "open", "vnedu", "csdl", "discrepancies", "checks",
                 *RULE_IDS):
        assert code not in cells, code
    assert not any(re.fullmatch(r"\d{4}-\d{2}-\d{2}", c) for c in cells)  # dates dd/mm/yyyy
    assert "Thông tin khác nhau" in page and "Học sinh" in page


def test_printed_on_a4_with_contents_and_notice(page: str) -> None:
    assert "@page" in page and "size: A4" in page and "break-before: page" in page
    assert "thead { display: table-header-group; }" in page
    first_section = page.index('id="tien-do"')
    notice = page.index('data-key="personal-data"')
    assert notice < first_section and "Nghị định 13/2023/NĐ-CP" in page
    for anchor, title in SECTIONS:
        assert f'href="#{anchor}"' in page and f'id="{anchor}"' in page and title in page
    assert "TRƯỞNG PHÒNG" in page and "Phụ lục" in page


def test_a_long_fix_list_stays_in_excel_and_says_so(tmp_path: Path, monkeypatch) -> None:
    result = reconcile(SAMPLE, YEAR, "cuoi_nam", district="689")
    rep = report_of(from_reconciliation(result), "689", AS_OF)
    full = str(rep.fix_list_html())
    assert full.count("<tr>") == len(rep.fix_list()) + rep.fix_list()["school_code"].nunique()
    monkeypatch.setattr(district_report, "PRINTED_TASKS", 3)
    params = rep.params.__class__(**{**rep.params.__dict__, "out": tmp_path})
    long = district_report.DistrictReport(params, rep.snapshot, rep.tracking)
    assert "xem tệp Excel" in str(long.fix_list_html()) and "<tr>" not in str(long.fix_list_html())
    note = str(long.fix_list_note())
    assert "quá dài để in" in note and (tmp_path / "689.xlsx").is_file()
