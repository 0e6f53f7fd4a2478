"""A small data folder for the reading hostile tests: a registry and one period, both systems."""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

YEAR, PERIOD = "2021-2022", "dau_nam"
STUDENT_HEADER = ["Mã học sinh", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Lớp",
                  "Trạng thái"]
PUPILS = [["HS001", "Nguyễn Văn An", "05/09/2015", "Nam", "Kinh", "1A", "Đang học"],
          ["HS002", "Trần Thị Bình", "06/10/2015", "Nữ", "Kinh", "1A", "Đang học"],
          ["HS003", "Điểu Thị Lành", "07/11/2015", "Nữ", "Xtiêng", "1A", "Đang học"]]


def workbook(path: Path, rows: list[list], sheet: str = "Sheet1") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    ws = book.add_worksheet(sheet)
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if value is not None:
                ws.write(i, j, value)
    book.close()
    return path


def registry(root: Path, schools: list[list] | None = None) -> None:
    header = ["Mã trường", "Tên trường", "Loại trường", "Mã phòng GD", "Mã xã", "Loại hình",
              "Mã trường cũ", "Ngày sáp nhập"]
    rows = schools if schools is not None else [
        ["70689012", "TH Tân Phú", "TH", "689", "25432", "Công lập", None, None],
        ["70689013", "TH Tiến Thành", "TH", "689", "25433", "Công lập", None, None],
    ]
    workbook(root / "danh_muc/truong.xlsx", [header, *rows])
    workbook(root / "danh_muc/phong_gd.xlsx", [
        ["Mã phòng GD", "Tên đơn vị", "Chuyên viên phụ trách tiểu học", "Điện thoại", "Email"],
        ["689", "Phòng GD&ĐT Đồng Xoài", "Trần Thị Mai", None, None]])


def make_data(root: Path) -> Path:
    """DATA with both schools' student lists in both systems (everything agrees)."""
    registry(root)
    for n, code in enumerate(("70689012", "70689013")):
        for system in ("vnedu", "csdl"):
            rows = [list(r) for r in PUPILS]
            if system == "csdl":  # there "Mã học sinh" is the 10-digit MOET code
                for i, r in enumerate(rows):
                    r[0] = f"70{n}000000{i}"
            workbook(root / YEAR / PERIOD / system / f"{code}_HocSinh.xlsx",
                     [[f"Mã trường: {code}"], STUDENT_HEADER, *rows])
    return root


def period_dir(root: Path, system: str) -> Path:
    return root / YEAR / PERIOD / system
