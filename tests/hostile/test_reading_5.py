"""Issue 10 item 5, as it concerns loading: rejected_rows.csv and load messages never carry a
personal ID number (Số định danh cá nhân / CCCD / CMND: at most its last 4 digits), and a rejected
whole row's text carries neither unknown columns (parents, phones, addresses) nor personal IDs."""

from __future__ import annotations

from pathlib import Path

from eduwb import cli
from tests.hostile.reading_data import PERIOD, YEAR, make_data, period_dir, workbook

CCCD = "079215000837"
CMND = "285123456"
PHONE = "0912345678"
ADDRESS = "Ấp 3, xã Tân Phú"


def test_no_personal_id_or_unknown_column_in_rejections(tmp_path: Path, capsys) -> None:
    data = make_data(tmp_path / "DATA")
    header = ["Mã trường", "Mã học sinh", "Họ tên", "Ngày sinh", "Giới tính", "Lớp",
              "Số định danh cá nhân", "Họ tên cha", "Số điện thoại cha", "Địa chỉ thường trú",
              "Số CMND mẹ"]
    rows = [
        # a personal ID of 13 digits: the value is rejected
        ["70689012", "7000000000", "Nguyễn Văn An", "05/09/2015", "Nam", "1A", CCCD + "1",
         "Nguyễn Văn Cha", PHONE, ADDRESS, CMND],
        # no name and no code: the whole row is rejected
        ["70689012", None, None, "06/10/2015", "Nữ", "1A", CCCD, "Trần Văn Cha", PHONE, ADDRESS,
         CMND],
        # a CCCD typed into the MOET code column
        ["70689012", CCCD, "Điểu Thị Lành", "07/11/2015", "Nữ", "1A", None, None, None, None,
         None],
    ]
    (period_dir(data, "csdl") / "70689012_HocSinh.xlsx").unlink()
    workbook(period_dir(data, "csdl") / "70689012_HocSinh.xlsx", [header, *rows])
    out = tmp_path / "out"
    assert cli.main(["load", str(data), "--year", YEAR, "--period", PERIOD,
                     "--out", str(out)]) == 0
    rejected = (out / "rejected_rows.csv").read_text(encoding="utf-8-sig")
    report = (out / "load_report.csv").read_text(encoding="utf-8-sig")
    err = capsys.readouterr().err
    for text in (rejected, report, err):
        for secret in (CCCD, CMND, PHONE, ADDRESS, "Cha", CCCD[:8]):
            assert secret not in text, secret
    assert "********0837" in rejected  # at most the last 4 digits
    assert "row has neither a name nor a code" in rejected
    assert rejected.count("\n") == 4  # header + the three rejections
