"""Results → files: the CSVs of outputs.md (UTF-8 with BOM, sorted, ISO dates) and Excel for people.

Text from exports is data, never a formula. In CSV files a text cell that a spreadsheet would run
(beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading apostrophe,
and so does one that already begins with an apostrophe, so the rule is reversible: a program gets
the raw value back with ``value[1:] if value.startswith("'") else value`` (:func:`csv_raw`,
:func:`read_csv`). Workbooks write every text as a string cell (:func:`workbook` turns off
xlsxwriter's formula and link guessing).
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd

from eduwb.values import as_text, is_missing

# A spreadsheet evaluates a cell beginning with one of these (CSV injection); ESCAPE marks text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
_ESCAPED_STARTS = (*FORMULA_STARTS, ESCAPE)


def csv_safe(value: str) -> str:
    """A text as written to CSV: an apostrophe before a formula start or an apostrophe."""
    return ESCAPE + value if value.startswith(_ESCAPED_STARTS) else value


def csv_raw(value: str) -> str:
    """The text a CSV cell written by eduwb stands for (the inverse of :func:`csv_safe`)."""
    return value[1:] if value.startswith(ESCAPE) else value


def csv_text(frame: pd.DataFrame) -> str:
    """A frame as CSV text: dates as YYYY-MM-DD, missing values empty, ``\\n`` line ends, text
    that a spreadsheet would evaluate escaped (:func:`csv_safe`)."""
    out = frame.copy()
    for name in out.columns:
        col = out[name]
        if not (col.dtype == object or str(col.dtype) in ("str", "string")):
            continue
        if pd.api.types.infer_dtype(col, skipna=True) in ("string", "empty"):  # text only
            risky = col.str.startswith(_ESCAPED_STARTS).fillna(False).astype(bool)
            if risky.any():
                out[name] = col.where(~risky, ESCAPE + col.astype(object).where(risky, ""))
        else:
            out[name] = col.map(_cell, na_action="ignore")
    return out.to_csv(index=False, lineterminator="\n")


def write_csv(frame: pd.DataFrame, path: Path | str) -> Path:
    """Write ``frame`` as outputs.md asks: UTF-8 with BOM, comma-separated, one header row."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xef\xbb\xbf" + csv_text(frame).encode("utf-8"))
    return path


def read_csv(path: Path | str) -> pd.DataFrame:
    """A CSV written by :func:`write_csv` read back as text (empty cells as ""), raw values."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    for name in frame.columns:
        col = frame[name]
        escaped = col.str.startswith(ESCAPE)
        if escaped.any():
            frame[name] = col.where(~escaped, col.str.slice(1))
    return frame


def _cell(value: object) -> object:
    if isinstance(value, dt.date):
        return as_text(value)
    if isinstance(value, str):
        return csv_safe(value)
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
    summary.write_string(0, 0, "ĐỐI CHIẾU SỐ LIỆU TIỂU HỌC GIỮA vnEdu VÀ CSDL NGÀNH", title)
    unit = f"Phòng GD&ĐT {period.district}" if period.district else f"Tỉnh {vocab.PROVINCE_NAME}"
    summary.write_string(1, 0, f"{unit} - Năm học {period.year} - {vocab.PERIOD_LABELS[period.period]}")
    counts = result.findings.groupby("category").size()
    rows = [(vocab.CATEGORY_LABELS[c], int(counts.get(c, 0))) for c in vocab.CATEGORIES]
    summary.write_row(3, 0, ["Loại sai lệch", "Số sai lệch"], head)
    for i, (label, n) in enumerate(rows, start=4):
        summary.write_string(i, 0, label)
        summary.write_number(i, 1, n)
    summary.write_string(i + 1, 0, "Tổng cộng", head)
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


def workbook(target, title: str, *, author: str | None = None):
    """A formatted xlsxwriter workbook with a fixed creation date (same input, same bytes) and its
    header format; ``target`` is a path or a BytesIO. Strings are never turned into formulas or
    links (a name beginning with ``=`` stays a name)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(target) if isinstance(target, Path) else target,
                               workbook_options(in_memory=not isinstance(target, str | Path)))
    properties = {"created": FIXED_CREATED, "title": title}
    if author is not None:
        properties["author"] = author
    book.set_properties(properties)
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                            "valign": "top"})
    return book, head


def workbook_options(*, in_memory: bool = False) -> dict[str, bool]:
    """The options of every workbook eduwb writes: text stays text."""
    options = {"nan_inf_to_errors": True, "strings_to_formulas": False, "strings_to_urls": False,
               "strings_to_numbers": False}
    if in_memory:
        options["in_memory"] = True
    return options


def table_sheet(book, name: str, frame: pd.DataFrame, head,
                titles: list[str] | None = None) -> None:
    """One table on its own sheet: titled header row (``COLUMN_TITLES`` by default), frozen, with
    filters; numbers as numbers, dates as dd/mm/yyyy, flags as x, missing values empty, text always
    a string. The data rows are rendered column by column (:func:`_rows_xml`), not cell by cell
    through xlsxwriter: a province's findings take a fraction of a second, and the file is the one
    writing them cell by cell would give, byte for byte."""
    ws = book.add_worksheet(name[:31], worksheet_class=_table_worksheet())
    titles = titles or [COLUMN_TITLES.get(c, str(c)) for c in frame.columns]
    ws.write_row(0, 0, titles, head)
    ws.rows_xml, last = _rows_xml(frame, ws.str_table)
    if last:
        ws.extend_to(last, len(frame.columns) - 1)
    for j, col in enumerate(frame.columns):
        values = frame[col].iloc[:200].tolist()
        width = max([len(titles[j])] + [len(str(v)) for v in values]) if values else 12
        ws.set_column(j, j, min(max(width + 2, 8), 60))
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(frame), 1), max(len(frame.columns) - 1, 0))


_TABLE_WORKSHEET = None


def _table_worksheet():
    """An xlsxwriter worksheet whose rows below the header are one block of ready XML."""
    global _TABLE_WORKSHEET
    if _TABLE_WORKSHEET is None:
        from xlsxwriter.worksheet import Worksheet

        class TableWorksheet(Worksheet):
            rows_xml = ""

            def extend_to(self, row: int, col: int) -> None:
                """Count the block's last cell in the sheet's dimensions."""
                self._check_dimensions(row, col)

            def _write_sheet_data(self) -> None:
                if not self.rows_xml:
                    super()._write_sheet_data()
                    return
                self._xml_start_tag("sheetData")
                self._write_rows()  # the header row, written by xlsxwriter
                self.fh.write(self.rows_xml)
                self._xml_end_tag("sheetData")

        _TABLE_WORKSHEET = TableWorksheet
    return _TABLE_WORKSHEET


def _rows_xml(frame: pd.DataFrame, strings) -> tuple[str, int]:
    """The ``<row>`` elements of ``frame`` from the sheet's second row on, as SpreadsheetML, and
    the last sheet row holding a cell (0: none).

    Each column's distinct values are rendered once (numbers as numbers, text through the
    workbook's shared string table ``strings``, in the order and with the counts that writing the
    cells column by column gives), then cells and rows are joined by pyarrow, without a Python step
    per cell. Rows carry xlsxwriter's ``spans`` (the columns used per block of 16 rows).
    """
    if frame.empty or not len(frame.columns):
        return "", 0
    import pyarrow as pa
    import pyarrow.compute as pc
    from xlsxwriter.utility import xl_col_to_name

    n, width = len(frame), len(frame.columns)
    numbers = pa.array(np.arange(2, n + 2).astype(str))
    cells, present = [], np.zeros((n, width), dtype=bool)
    for j, col in enumerate(frame.columns):
        tail = pa.array(_fragments(frame[col], strings), type=pa.string())
        present[:, j] = ~np.asarray(tail.is_null())
        cell = pc.binary_join_element_wise(f'<c r="{xl_col_to_name(j)}', numbers, tail, "")
        cells.append(pc.fill_null(cell, ""))
    # Spans per block of 16 sheet rows (0-based row // 16); block 0 holds the header's columns.
    block = (np.arange(n) + 1) // 16
    used = np.zeros((block[-1] + 1, width), dtype=bool)
    np.logical_or.at(used, block, present)
    used[0, :] = True
    first = used.argmax(axis=1) + 1
    last = width - used[:, ::-1].argmax(axis=1)
    spans = pa.array([f"{a}:{b}" for a, b in zip(first, last, strict=True)])
    rows = pc.binary_join_element_wise('<row r="', numbers, '" spans="',
                                       pc.take(spans, pa.array(block)), '">', *cells, "</row>", "")
    kept = present.any(axis=1)  # xlsxwriter writes no row without a cell
    text = rows.filter(pa.array(kept)) if not kept.all() else rows
    return "".join(text.to_pylist()), int(np.flatnonzero(kept)[-1]) + 1 if kept.any() else 0


def _fragments(column: pd.Series, strings) -> list[str | None]:
    """Each value's cell XML after its reference (None: no cell), one rendering per distinct
    value."""
    values = column.astype(object) if column.dtype == bool else column
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    uniques = list(np.asarray(uniques, dtype=object)) if len(uniques) else []
    flags = [isinstance(u, bool | np.bool_) for u in uniques]
    if any(flags) and not all(flags):  # True and 1 are one key to factorize: keep them apart
        return [_fragment(v, strings) for v in column.tolist()]
    uses = np.bincount(codes[codes >= 0], minlength=len(uniques))
    table = [_fragment(u, strings, int(k)) for u, k in zip(uniques, uses, strict=True)] + [None]
    return [table[c] for c in codes]


def _fragment(value: object, strings, uses: int = 1) -> str | None:
    """One value's cell XML after its reference; a text counts ``uses`` times in the table."""
    if is_missing(value):
        return None
    if isinstance(value, bool | np.bool_):
        value = "x" if value else ""
    elif isinstance(value, int | float | np.integer | np.floating):
        if not math.isfinite(value):
            return None
        return f'"><v>{value:.16G}</v></c>'
    elif isinstance(value, dt.date):
        value = value.strftime("%d/%m/%Y")
    index = strings._get_shared_string_index(str(value)[:32767])  # Excel's limit, as xlsxwriter
    strings.count += uses - 1
    return f'" t="s"><v>{index}</v></c>'

