"""The report forms people print, sign and stamp: the district office's and each school's.

Both show **vnEdu** figures (the source of truth) from a reconciliation's indicators table, counts
only. The district form has one row per school and the district's totals; the school form one row
per indicator with Tổng số, Nữ and Khối 1–5 columns. Layout: title block, table, signature block;
A4 landscape (the school form portrait), fit to the page width, header rows repeated on each page.
The same input gives the same bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from eduwb import vocab
from eduwb.outputs import workbook
from eduwb.values import is_missing

if TYPE_CHECKING:
    from eduwb.load import Period
    from eduwb.pipeline import Reconciliation
    from eduwb.registry import Registry

PROVINCE_OFFICE = "SỞ GIÁO DỤC VÀ ĐÀO TẠO BÌNH PHƯỚC"
REPORT_TITLE = "BÁO CÁO THỐNG KÊ GIÁO DỤC TIỂU HỌC"
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
TOTAL_LABEL = "Tổng cộng"
MISSING_NOTE = "Ô để trống: chưa có số liệu xuất từ vnEdu (không phải số 0)."
FONT = "Times New Roman"
NAME_CHARS = 34  # characters of a school name per line in the name column


@dataclass(frozen=True)
class FormColumn:
    """One numeric column of the district form: an indicator cell under a group heading."""

    group: str
    label: str
    indicator: str
    breakdown: str = ""
    periods: tuple[str, ...] = vocab.PERIODS


DISTRICT_COLUMNS: tuple[FormColumn, ...] = (
    FormColumn("Học sinh", "Tổng số", "hs_tong"),
    FormColumn("Học sinh", "Nữ", "hs_nu"),
    *(FormColumn("Học sinh", f"Khối {g}", "hs_tong", f"grade={g}") for g in range(1, 6)),
    FormColumn("Học sinh", "Dân tộc thiểu số", "hs_dan_toc"),
    FormColumn("Học sinh", "Khuyết tật", "hs_khuyet_tat"),
    FormColumn("Học sinh", "Học 2 buổi/ ngày", "hs_2_buoi"),
    FormColumn("Học sinh", "Bán trú", "hs_ban_tru"),
    FormColumn("Học sinh", "Lưu ban", "hs_luu_ban", periods=("dau_nam",)),
    FormColumn("Học sinh", "Tuyển mới 6 tuổi", "hs_tuyen_moi_6_tuoi", periods=("dau_nam",)),
    FormColumn("Học sinh", "Bỏ học", "hs_bo_hoc", periods=("cuoi_hk1", "cuoi_nam")),
    FormColumn("Học sinh", "Hoàn thành CTTH", "hs_hoan_thanh_ctth", periods=("cuoi_nam",)),
    FormColumn("Lớp", "Tổng số", "lop_tong"),
    FormColumn("Lớp", "Lớp ghép", "lop_ghep"),
    FormColumn("CB, GV, NV", "Tổng số", "cb_tong"),
    FormColumn("CB, GV, NV", "Giáo viên", "cb_tong", "staff_group=gv"),
    FormColumn("CB, GV, NV", "GV trên chuẩn", "gv_trinh_do", "level=tren_chuan"),
    FormColumn("Phòng học", "Tổng số", "phong_hoc"),
    FormColumn("Phòng học", "Kiên cố", "phong_hoc", "type=kien_co"),
    FormColumn("Phòng học", "Tạm, nhờ mượn", "phong_hoc", "type=tam"),
)
# The last column sums two cells: keep it honest by naming both.
_EXTRA_CELLS = {("phong_hoc", "type=tam"): ("type=tam", "type=nho_muon")}


@dataclass(frozen=True)
class FormRow:
    """One line of the school form: an indicator cell (``base`` breakdown), indented under its
    heading when ``indent``; the Nữ and Khối columns refine ``base`` when the indicator has them."""

    label: str
    indicator: str
    base: str = ""
    unit: str = "Học sinh"
    indent: bool = False
    periods: tuple[str, ...] = vocab.PERIODS


SCHOOL_ROWS: tuple[FormRow, ...] = (
    FormRow("Tổng số học sinh", "hs_tong"),
    FormRow("Học sinh dân tộc thiểu số", "hs_dan_toc", indent=True),
    FormRow("Học sinh khuyết tật", "hs_khuyet_tat", indent=True),
    FormRow("Học sinh học 2 buổi/ngày", "hs_2_buoi", indent=True),
    FormRow("Học sinh bán trú", "hs_ban_tru", indent=True),
    FormRow("Học sinh lưu ban", "hs_luu_ban", indent=True, periods=("dau_nam",)),
    FormRow("Tuyển mới lớp 1 (6 tuổi)", "hs_tuyen_moi_6_tuoi", indent=True, periods=("dau_nam",)),
    FormRow("Học sinh bỏ học", "hs_bo_hoc", indent=True, periods=("cuoi_hk1", "cuoi_nam")),
    FormRow("Hoàn thành xuất sắc", "hs_danh_gia", "level=htxs", indent=True, periods=("cuoi_nam",)),
    FormRow("Hoàn thành tốt", "hs_danh_gia", "level=htt", indent=True, periods=("cuoi_nam",)),
    FormRow("Hoàn thành", "hs_danh_gia", "level=ht", indent=True, periods=("cuoi_nam",)),
    FormRow("Chưa hoàn thành", "hs_danh_gia", "level=cht", indent=True, periods=("cuoi_nam",)),
    FormRow("Hoàn thành chương trình tiểu học", "hs_hoan_thanh_ctth", indent=True,
            periods=("cuoi_nam",)),
    FormRow("Tổng số lớp", "lop_tong", unit="Lớp"),
    FormRow("Lớp ghép", "lop_ghep", unit="Lớp", indent=True),
    FormRow("Cán bộ, giáo viên, nhân viên", "cb_tong", unit="Người"),
    FormRow("Cán bộ quản lý", "cb_tong", "staff_group=cbql", unit="Người", indent=True),
    FormRow("Giáo viên", "cb_tong", "staff_group=gv", unit="Người", indent=True),
    FormRow("Nhân viên", "cb_tong", "staff_group=nv", unit="Người", indent=True),
    FormRow("Giáo viên dưới chuẩn đào tạo", "gv_trinh_do", "level=duoi_chuan", unit="Người",
            indent=True),
    FormRow("Giáo viên đạt chuẩn đào tạo", "gv_trinh_do", "level=dat_chuan", unit="Người",
            indent=True),
    FormRow("Giáo viên trên chuẩn đào tạo", "gv_trinh_do", "level=tren_chuan", unit="Người",
            indent=True),
    FormRow("Tổng số phòng học", "phong_hoc", unit="Phòng"),
    FormRow("Kiên cố", "phong_hoc", "type=kien_co", unit="Phòng", indent=True),
    FormRow("Bán kiên cố", "phong_hoc", "type=ban_kien_co", unit="Phòng", indent=True),
    FormRow("Tạm", "phong_hoc", "type=tam", unit="Phòng", indent=True),
    FormRow("Nhờ, mượn", "phong_hoc", "type=nho_muon", unit="Phòng", indent=True),
)
SCHOOL_VALUE_COLUMNS = ("Tổng số", "Nữ", "Khối 1", "Khối 2", "Khối 3", "Khối 4", "Khối 5")


# --- tables (the numbers; the workbooks render them) ----------------------------------------------


def district_table(indicators: pd.DataFrame, registry: Registry, district: str,
                   period: str) -> pd.DataFrame:
    """The district form's numbers: one row per registry school of the district (school_code,
    school_name, then one column per form column label "Group|Label"), then the TOTAL_LABEL row from
    the district's own indicator rows. vnEdu figures; missing stays missing (NA)."""
    cols = [c for c in DISTRICT_COLUMNS if period in c.periods]
    schools = registry.schools_of(district)
    rows = []
    for code, name in zip(schools["school_code"], schools["name"], strict=True):
        look = _lookup(indicators, "school", code)
        rows.append({"school_code": code, "school_name": name,
                     **{f"{c.group}|{c.label}": _value(look, c) for c in cols}})
    look = _lookup(indicators, "district", district)
    rows.append({"school_code": "", "school_name": TOTAL_LABEL,
                 **{f"{c.group}|{c.label}": _value(look, c) for c in cols}})
    frame = pd.DataFrame(rows)
    for c in cols:
        frame[f"{c.group}|{c.label}"] = frame[f"{c.group}|{c.label}"].astype("Int64")
    return frame


def school_table(indicators: pd.DataFrame, school: str, period: str) -> pd.DataFrame:
    """The school form's numbers: label, unit, indent, then SCHOOL_VALUE_COLUMNS (NA where the
    indicator has no such breakdown or no figure)."""
    look = _lookup(indicators, "school", school)
    rows = []
    for r in SCHOOL_ROWS:
        if period not in r.periods:
            continue
        cells = [r.base, _join(r.base, "sex=F"), *(_join(r.base, f"grade={g}") for g in range(1, 6))]
        rows.append({"label": r.label, "unit": r.unit, "indent": r.indent,
                     **{t: look.get((r.indicator, c)) for t, c in
                        zip(SCHOOL_VALUE_COLUMNS, cells, strict=True)}})
    frame = pd.DataFrame(rows)
    for t in SCHOOL_VALUE_COLUMNS:
        frame[t] = frame[t].astype("Int64")
    return frame


def _lookup(indicators: pd.DataFrame, level: str, unit: str) -> dict[tuple[str, str], int | None]:
    part = indicators[(indicators["level"] == level) & (indicators["unit_code"] == unit)]
    return {(i, b): (None if pd.isna(v) else int(v)) for i, b, v in
            zip(part["indicator"], part["breakdown"], part["vnedu"], strict=True)}


def _value(look: dict[tuple[str, str], int | None], col: FormColumn) -> int | None:
    cells = _EXTRA_CELLS.get((col.indicator, col.breakdown), (col.breakdown,))
    vals = [look.get((col.indicator, c)) for c in cells]
    return None if any(v is None for v in vals) else sum(vals)


def _join(*parts: str) -> str:
    pairs = dict(p.split("=", 1) for part in parts if part for p in part.split(";"))
    return ";".join(f"{k}={pairs[k]}" for k in sorted(pairs))


# --- workbooks --------------------------------------------------------------------------------------


def place_name(district_name: str | None) -> str:
    """"Phòng Giáo dục và Đào tạo Huyện Bù Đăng" → "Bù Đăng" (for "Bù Đăng, ngày … tháng …")."""
    name = re.sub(r"^Phòng (Giáo dục và Đào tạo|GD&ĐT|GDĐT)\s*", "", district_name or "")
    return re.sub(r"^(Thành phố|Thị xã|Huyện|Quận|Thị trấn)\s+", "", name).strip() or "Bình Phước"


def office_name(district_name: str | None, code: str) -> str:
    """"PHÒNG GD&ĐT HUYỆN BÙ ĐĂNG" from the registry name (or the code)."""
    name = re.sub(r"^Phòng (Giáo dục và Đào tạo|GD&ĐT|GDĐT)\s*", "", district_name or "").strip()
    return f"PHÒNG GD&ĐT {(name or code).upper()}"


def write_district_form(result: Reconciliation, district: str, path: Path | str) -> Path:
    """The district office's form (rows = schools, vnEdu figures, totals; signed by TRƯỞNG PHÒNG)
    for a :class:`eduwb.pipeline.Reconciliation`; A4 landscape."""
    period = result.period
    reg = period.registry
    table = district_table(result.indicators, reg, district, period.period)
    name = _district_name(reg, district)
    cols = [c for c in DISTRICT_COLUMNS if period.period in c.periods]
    ncols = 3 + len(cols)
    book, fmt = _book(path)
    ws = book.add_worksheet("Báo cáo")
    top = _title_block(ws, fmt, ncols, PROVINCE_OFFICE, office_name(name, district), period)
    # Two header rows: groups over labels; STT, code and name span both.
    h0, h1 = top, top + 1
    for j, title in enumerate(("STT", "Mã trường", "Tên trường")):
        ws.merge_range(h0, j, h1, j, title, fmt["head"])
    j = 3
    groups: list[tuple[str, int, int]] = []
    for c in cols:
        if groups and groups[-1][0] == c.group:
            groups[-1] = (c.group, groups[-1][1], j)
        else:
            groups.append((c.group, j, j))
        ws.write_string(h1, j, c.label, fmt["head"])
        j += 1
    for group, a, b in groups:
        if a == b:
            ws.write_string(h0, a, group, fmt["head"])
        else:
            ws.merge_range(h0, a, h0, b, group, fmt["head"])
    ws.set_row(h0, 20)
    ws.set_row(h1, 48)
    r = h1 + 1
    for i, rec in enumerate(table.to_dict("records"), start=1):
        total = rec["school_name"] == TOTAL_LABEL
        cell, num = (fmt["total"], fmt["total_num"]) if total else (fmt["cell"], fmt["num"])
        if total:
            ws.merge_range(r, 0, r, 2, TOTAL_LABEL, fmt["total"])
        else:
            ws.write_number(r, 0, i, fmt["num"])
            ws.write_string(r, 1, rec["school_code"], cell)
            ws.write_string(r, 2, rec["school_name"] or "", fmt["text"])
            ws.set_row(r, _height(rec["school_name"] or "", NAME_CHARS))
        for k, c in enumerate(cols, start=3):
            _write_count(ws, r, k, rec[f"{c.group}|{c.label}"], num)
        r += 1
    _close(book, ws, fmt, r, ncols, place_name(name), "TRƯỞNG PHÒNG", (5, 10, 32, 8), (h0, h1),
           landscape=True)
    return Path(path)


def write_school_form(result: Reconciliation, school: str, path: Path | str) -> Path:
    """A school's form (rows = indicators, vnEdu figures; signed by HIỆU TRƯỞNG); A4 portrait."""
    period = result.period
    reg = period.registry
    rec = reg.schools[reg.schools["school_code"] == school]
    school_name = rec["name"].iloc[0] if len(rec) else school
    district = reg.district_of(school) or ""
    dname = _district_name(reg, district)
    table = school_table(result.indicators, school, period.period)
    ncols = 3 + len(SCHOOL_VALUE_COLUMNS)
    book, fmt = _book(path)
    ws = book.add_worksheet("Báo cáo")
    top = _title_block(ws, fmt, ncols, office_name(dname, district), str(school_name).upper(),
                       period, school=school, line_chars=42)
    h = top
    for j, title in enumerate(("STT", "Chỉ tiêu", "Đơn vị tính", *SCHOOL_VALUE_COLUMNS)):
        ws.write_string(h, j, title, fmt["head"])
    ws.set_row(h, 32)
    r = h + 1
    n = 0
    for row in table.to_dict("records"):
        if not row["indent"]:
            n += 1
        label_fmt = fmt["text_indent"] if row["indent"] else fmt["text_bold"]
        ws.write_string(r, 0, "" if row["indent"] else str(n), fmt["cell"])
        ws.write_string(r, 1, row["label"], label_fmt)
        ws.write_string(r, 2, row["unit"], fmt["cell"])
        for k, t in enumerate(SCHOOL_VALUE_COLUMNS, start=3):
            _write_count(ws, r, k, row[t], fmt["num"])
        r += 1
    _close(book, ws, fmt, r, ncols, place_name(dname), "HIỆU TRƯỞNG", (5, 34, 9, 7.5), (h, h),
           landscape=False)
    return Path(path)


def _close(book, ws, fmt, r: int, ncols: int, place: str, signer: str,
           widths: tuple[float, ...], head: tuple[int, int], *, landscape: bool) -> None:
    """Below the table ending before row ``r``: the missing-values note and the signature block;
    column widths (the last one for every remaining column), print setup; the book closed."""
    ws.write_string(r + 1, 0, MISSING_NOTE, fmt["note"])
    _signature_block(ws, fmt, r + 3, ncols, place, signer)
    for j, width in enumerate(widths[:-1]):
        ws.set_column(j, j, width)
    ws.set_column(len(widths) - 1, ncols - 1, widths[-1])
    _print_setup(ws, *head, r + 8, ncols, landscape=landscape)
    book.close()


def _district_name(reg: Registry, code: str) -> str | None:
    d = reg.districts[reg.districts["district_code"] == code]
    return d["name"].iloc[0] if len(d) and isinstance(d["name"].iloc[0], str) else None


def _book(path: Path | str):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book, _ = workbook(path, REPORT_TITLE, author="eduwb")  # names from files stay text
    base = {"font_name": FONT, "font_size": 11}

    def f(**kw):
        return book.add_format({**base, **kw})

    border = {"border": 1, "valign": "vcenter"}
    fmt = {
        "unit": f(bold=True, align="center"),
        "unit_u": f(bold=True, underline=True, align="center", valign="top", text_wrap=True),
        "nation": f(bold=True, align="center"),
        "motto": f(bold=True, underline=True, align="center", valign="top"),
        "title": f(bold=True, font_size=14, align="center"),
        "subtitle": f(bold=True, align="center"),
        "source": f(italic=True, align="center"),
        "head": f(bold=True, align="center", text_wrap=True, **border),
        "cell": f(align="center", **border),
        "text": f(text_wrap=True, **border),
        "text_bold": f(bold=True, text_wrap=True, **border),
        "text_indent": f(indent=1, text_wrap=True, **border),
        "num": f(num_format="#,##0", **border),
        "total": f(bold=True, align="center", **border),
        "total_num": f(bold=True, num_format="#,##0", **border),
        "note": f(italic=True, font_size=10),
        "place": f(italic=True, align="center"),
        "sign": f(bold=True, align="center"),
        "hint": f(italic=True, align="center"),
    }
    return book, fmt


def _title_block(ws, fmt, ncols: int, line1: str, line2: str, period: Period,
                 school: str | None = None, line_chars: int = 80) -> int:
    """Issuing body (left) and national motto (right), report title, period; returns the first
    free row."""
    left = max(3, ncols // 2 - 1) - 1
    ws.merge_range(0, 0, 0, left, line1, fmt["unit"])
    ws.merge_range(1, 0, 1, left, line2, fmt["unit_u"])
    ws.set_row(1, _height(line2, line_chars))
    ws.merge_range(0, left + 1, 0, ncols - 1, NATION, fmt["nation"])
    ws.merge_range(1, left + 1, 1, ncols - 1, MOTTO, fmt["motto"])
    ws.merge_range(3, 0, 3, ncols - 1, REPORT_TITLE, fmt["title"])
    ws.merge_range(4, 0, 4, ncols - 1, f"Kỳ báo cáo: {vocab.PERIOD_LABELS[period.period]} - "
                   f"Năm học {period.year}", fmt["subtitle"])
    source = "Nguồn số liệu: vnEdu" + (f" - Mã trường: {school}" if school else "")
    ws.merge_range(5, 0, 5, ncols - 1, source, fmt["source"])
    ws.set_row(3, 22)
    return 7


def _signature_block(ws, fmt, row: int, ncols: int, place: str, signer: str) -> None:
    half = ncols // 2
    ws.merge_range(row, half, row, ncols - 1,
                   f"{place}, ngày …… tháng …… năm ……", fmt["place"])
    ws.merge_range(row + 1, 0, row + 1, half - 1, "Người lập biểu", fmt["sign"])
    ws.merge_range(row + 1, half, row + 1, ncols - 1, signer, fmt["sign"])
    ws.merge_range(row + 2, 0, row + 2, half - 1, "(Ký, ghi rõ họ tên)", fmt["hint"])
    ws.merge_range(row + 2, half, row + 2, ncols - 1, "(Ký, ghi rõ họ tên, đóng dấu)",
                   fmt["hint"])


def _height(label: str, chars_per_line: int) -> float:
    """Row height (points) for wrapped text: LibreOffice and Excel do not grow rows on open."""
    lines = max(1, -(-len(label) // chars_per_line))
    return 15.0 * lines


def _write_count(ws, r: int, c: int, value: object, num) -> None:
    if is_missing(value):
        ws.write_blank(r, c, None, num)
    else:
        ws.write_number(r, c, int(value), num)


def _print_setup(ws, first_head: int, last_head: int, last_row: int, ncols: int, *,
                 landscape: bool) -> None:
    ws.set_paper(9)  # A4
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(first_head, last_head)
    ws.set_margins(left=0.5, right=0.4, top=0.6, bottom=0.6)
    ws.center_horizontally()
    ws.print_area(0, 0, last_row, ncols - 1)
    ws.set_footer("&CTrang &P/&N")
    ws.hide_gridlines(2)
