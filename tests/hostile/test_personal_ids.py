"""Issue 10, item 5: personal ID numbers are compared, never printed; at most their last 4 digits."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from eduwb import cli
from eduwb.pipeline import reconcile
from eduwb.store import from_reconciliation
from eduwb.views.district_report import report_of
from eduwb.views.explore import records_behind, search_people
from tests.hostile.sample_copy import (
    PERIOD,
    STAFF_689015,
    STAFF_689015_VNEDU,
    YEAR,
    copy_sample,
    header_rows,
    rewrite_rows,
    xlsx_text,
)

# (vnEdu, CSDL) numbers of the school's first two teachers
IDS = (("001089000837", "001089009999"), ("001089004321", "079089004321"))
FULL = [x for pair in IDS for x in pair]


def _vnedu_staff_with_ids(path: Path) -> None:
    """The vnEdu staff list (a 2-row header) rewritten under one header row with a "Số CCCD"
    column, the first two teachers carrying ID numbers."""
    import pandas as pd

    rows, head = header_rows(path)
    header = ["STT", "Mã cán bộ", "Mã định danh Bộ GD&ĐT", "Họ tên", "Ngày sinh", "Giới tính",
              "Dân tộc", "Nhóm chức vụ", "Vị trí việc làm", "Môn giảng dạy",
              "Trình độ chuyên môn", "Hình thức hợp đồng", "Trạng thái", "Số CCCD"]
    body = [[*r[:13], None] for r in rows[head:]]
    for i, (vn, _) in enumerate(IDS):
        body[i][13] = vn
    frame = pd.DataFrame([header, *body]).astype(object)
    frame.where(frame.notna(), None).to_excel(path, header=False, index=False,
                                               engine="xlsxwriter")


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_sample(tmp_path_factory.mktemp("ids") / "DATA")
    _vnedu_staff_with_ids(root / STAFF_689015_VNEDU)
    rows, head = header_rows(root / STAFF_689015)
    column = next(j for j, h in enumerate(rows[head - 1]) if "nh danh c" in str(h))

    def with_ids(body: list[list], header: list) -> list[list]:
        for i, (_, cs) in enumerate(IDS):
            body[i][column] = cs
        return body

    rewrite_rows(root / STAFF_689015, with_ids)
    return root


def test_no_output_prints_a_personal_id(data: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert cli.main(["reconcile", str(data), "--year", YEAR, "--period", PERIOD,
                     "--district", "689", "--out", str(out)]) == 1
    logs = capsys.readouterr()
    result = reconcile(data, YEAR, PERIOD, district="689")
    found = result.findings[result.findings["field"] == "personal_id"]
    assert found["csdl_value"].str.fullmatch(r"\*{8}\d{4}").all()  # the others: only in CSDL
    ours = found[found["vnedu_value"] != ""]
    assert len(ours) == 2, "both pairs of numbers differ: two findings"
    assert set(ours["vnedu_value"]) == {"********0837", "********4321"}
    assert set(ours["csdl_value"]) == {"********9999", "********4321"}
    assert ours["action"].str.contains("chữ số đầu").sum() == 1  # same last 4 digits
    staff = result.kinds["staff"]
    full = set(staff.vnedu["personal_id"].dropna()) | set(staff.csdl["personal_id"].dropna())
    assert set(FULL) <= full and len(full) > len(FULL)

    texts = {"stdout+stderr": logs.out + logs.err}
    for path in sorted(out.iterdir()):
        texts[path.name] = (xlsx_text(path) if path.suffix == ".xlsx"
                            else path.read_text(encoding="utf-8-sig"))
    snap = from_reconciliation(result)
    report = report_of(snap, "689", dt.date(2021, 9, 30))
    texts["fix list"] = xlsx_text(report.fix_list_bytes())
    texts["report"] = report.fix_table().to_csv() + str(report.fix_list_html())
    behind = records_behind(result, "cb_tong", "70689015")
    texts["explorer"] = behind.to_csv() + search_people(result, "").to_csv()
    for where, text in texts.items():
        for number in sorted(full):
            assert number not in text, f"{number} printed in {where}"
    assert "********0837" in texts["discrepancies.csv"]
