"""Results → files: the CSVs of outputs.md (UTF-8 with BOM, sorted, ISO dates) and Excel for people."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd


def csv_text(frame: pd.DataFrame) -> str:
    """A frame as CSV text: dates as YYYY-MM-DD, missing values empty, ``\\n`` line ends."""
    out = frame.copy()
    for name in out.columns:
        col = out[name]
        if col.dtype == object or str(col.dtype) in ("str", "string"):
            out[name] = col.map(_cell, na_action="ignore")
    return out.to_csv(index=False, lineterminator="\n")


def write_csv(frame: pd.DataFrame, path: Path | str) -> Path:
    """Write ``frame`` as outputs.md asks: UTF-8 with BOM, comma-separated, one header row."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xef\xbb\xbf" + csv_text(frame).encode("utf-8"))
    return path


def _cell(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# --- reconciliation.xlsx ---------------------------------------------------------------------------

FIXED_CREATED = dt.datetime(2000, 1, 1)
COLUMN_TITLES: dict[str, str] = {
    "year": "Năm học",
    "period": "Kỳ báo cáo",
    "district_code": "Mã phòng GD",
    "school_code": "Mã trường",
    "entity": "Đối tượng",
    "category": "Loại sai lệch",
    "field": "Trường thông tin",
    "vnedu_id": "Mã vnEdu",
    "moet_id": "Mã định danh Bộ GD&ĐT",
    "full_name": "Họ tên / Lớp",
    "vnedu_value": "Giá trị trên vnEdu",
    "csdl_value": "Giá trị trên CSDL ngành",
    "action": "Việc cần làm",
    "level": "Cấp",
    "unit_code": "Mã đơn vị",
    "indicator": "Chỉ tiêu",
    "breakdown": "Phân tổ",
    "vnedu": "vnEdu",
    "csdl": "CSDL ngành",
    "diff": "Chênh lệch",
    "explained": "Giải thích được",
    "findings": "Số sai lệch",
}
ENTITY_TITLES = {"student": "Học sinh", "staff": "Cán bộ", "class": "Lớp", "facility": "CSVC",
                 "school": "Trường"}
SHEET_NAMES = {
    "only_in_vnedu": "Chỉ có trên vnEdu",
    "only_in_csdl": "Chỉ có trên CSDL",
    "field_mismatch": "Khác thông tin",
    "duplicate_in_vnedu": "Trùng trên vnEdu",
    "duplicate_in_csdl": "Trùng trên CSDL",
    "missing_moet_id": "Thiếu mã định danh",
    "school_code_changed": "Trường đổi mã",
    "school_missing": "Trường thiếu dữ liệu",
}


def write_workbook(result, path: Path | str) -> Path:
    """reconciliation.xlsx: a summary sheet, one sheet per category, the indicators; frozen
    headers, filters, Vietnamese titles, numbers as numbers; the same input gives the same bytes."""
    from eduwb import vocab

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book, head = workbook(path, "Đối chiếu vnEdu - CSDL ngành")
    title = book.add_format({"bold": True, "font_size": 14})
    period = result.period
    summary = book.add_worksheet("Tổng hợp")
    summary.write(0, 0, "ĐỐI CHIẾU SỐ LIỆU TIỂU HỌC GIỮA vnEdu VÀ CSDL NGÀNH", title)
    unit = f"Phòng GD&ĐT {period.district}" if period.district else f"Tỉnh {vocab.PROVINCE_NAME}"
    summary.write(1, 0, f"{unit} - Năm học {period.year} - {vocab.PERIOD_LABELS[period.period]}")
    counts = result.findings.groupby("category").size()
    rows = [(vocab.CATEGORY_LABELS[c], int(counts.get(c, 0))) for c in vocab.CATEGORIES]
    summary.write_row(3, 0, ["Loại sai lệch", "Số sai lệch"], head)
    for i, (label, n) in enumerate(rows, start=4):
        summary.write(i, 0, label)
        summary.write_number(i, 1, n)
    summary.write(i + 1, 0, "Tổng cộng", head)
    summary.write_number(i + 1, 1, sum(n for _, n in rows), head)
    summary.set_column(0, 0, 42)
    summary.set_column(1, 1, 14)
    disc = result.discrepancies.copy()
    disc["entity"] = disc["entity"].map(ENTITY_TITLES)
    for category in vocab.CATEGORIES:
        part = disc[disc["category"] == category].drop(columns=["category"])
        table_sheet(book, SHEET_NAMES[category], part, head)
    checks = getattr(result, "checks", None)
    if checks is not None:  # checks.md: each system's data-entry checks
        table_sheet(book, "Kiểm tra nhập liệu", checks.display(), head)
    table_sheet(book, "Chỉ tiêu", result.indicators, head)
    table_sheet(book, "Tệp đã đọc", period.load_report, head)
    table_sheet(book, "Dòng bị loại", period.rejected, head)
    book.close()
    return path


def workbook(target, title: str):
    """A formatted xlsxwriter workbook with a fixed creation date (same input, same bytes) and its
    header format; ``target`` is a path or a BytesIO."""
    import xlsxwriter

    options = {"nan_inf_to_errors": True}
    if not isinstance(target, str | Path):
        options["in_memory"] = True
    book = xlsxwriter.Workbook(str(target) if isinstance(target, Path) else target, options)
    book.set_properties({"created": FIXED_CREATED, "title": title})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                            "valign": "top"})
    return book, head


def table_sheet(book, name: str, frame: pd.DataFrame, head,
                titles: list[str] | None = None) -> None:
    """One table on its own sheet: titled header row (``COLUMN_TITLES`` by default), frozen, with
    filters; numbers as numbers, dates as dd/mm/yyyy, flags as x, missing values empty."""
    ws = book.add_worksheet(name[:31])
    titles = titles or [COLUMN_TITLES.get(c, str(c)) for c in frame.columns]
    ws.write_row(0, 0, titles, head)
    for j, col in enumerate(frame.columns):
        values = frame[col].tolist()
        for i, value in enumerate(values, start=1):
            if value is None or value is pd.NA or (isinstance(value, float) and value != value):
                continue
            if isinstance(value, bool):
                ws.write_string(i, j, "x" if value else "")
            elif isinstance(value, int | float):
                ws.write_number(i, j, value)
            elif hasattr(value, "item"):  # numpy scalar
                ws.write_number(i, j, value.item())
            elif isinstance(value, dt.date):
                ws.write_string(i, j, value.strftime("%d/%m/%Y"))
            else:
                ws.write_string(i, j, str(value))
        width = max([len(titles[j])] + [len(str(v)) for v in values[:200]]) if values else 12
        ws.set_column(j, j, min(max(width + 2, 8), 60))
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(frame), 1), max(len(frame.columns) - 1, 0))
