"""Issue 10 item 9: symbolic links inside DATA that point outside it are not followed; the load
report lists them as skipped."""

from __future__ import annotations

import os
from pathlib import Path

import eduwb
from tests.hostile.reading_data import PERIOD, YEAR, make_data, period_dir, workbook


def test_links_out_of_data_are_not_followed(tmp_path: Path) -> None:
    data = make_data(tmp_path / "DATA")
    outside = tmp_path / "elsewhere"
    secret = workbook(outside / "70689013_HocSinh.xlsx",
                      [["Mã học sinh", "Họ và tên", "Ngày sinh", "Giới tính", "Lớp"],
                       ["HS9", "Người Ngoài", "01/01/2015", "Nam", "1A"]])
    os.symlink(secret, period_dir(data, "vnedu") / "70689013_link.xlsx")
    os.symlink(outside, period_dir(data, "vnedu") / "folder_link")
    os.symlink(tmp_path / "missing.xlsx", period_dir(data, "vnedu") / "broken.xlsx")
    inside = period_dir(data, "csdl") / "70689012_HocSinh.xlsx"
    os.symlink(inside, period_dir(data, "csdl") / "copy_link.xlsx")  # inside DATA: followed
    period = eduwb.load_period(data, YEAR, PERIOD)
    rep = period.load_report.set_index("file")
    base = f"{YEAR}/{PERIOD}/vnedu"
    for name in ("70689013_link.xlsx", "folder_link", "broken.xlsx"):
        row = rep.loc[f"{base}/{name}"]
        assert row["rows_read"] == 0 and "not followed" in row["message"], name
    assert "outside the data folder" in rep.loc[f"{base}/70689013_link.xlsx", "message"]
    assert "Người Ngoài" not in set(period.tables["students"]["full_name"])
    assert rep.loc[f"{YEAR}/{PERIOD}/csdl/copy_link.xlsx", "kind"] == "students"
