"""A district's fix list as a formatted Excel workbook: a summary, then one sheet per school.

Each school's sheet lists its tasks: the discrepancies between the two systems, then the data-entry
checks of each system (errors first), each with the system to open ("Làm trên": a data-entry error
is fixed in vnEdu and synced even when it was found in CSDL ngành), where it was found, its
severity, what to do, whether it is new since the last run and since when it is open. It carries
the pupils' and teachers' names (and says so on its first sheet): it is for the district
specialist and the schools, never for leadership views. The same input gives the same bytes.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from eduwb import vocab
from eduwb.report import workbook

if TYPE_CHECKING:
    from eduwb.notebook import DistrictReport

# Column widths (characters) of the school sheets, by FIX_COLUMNS key.
_WIDTHS = {"system": 11, "found_in": 14, "severity": 10, "category": 26, "entity": 10,
           "full_name": 22, "vnedu_id": 15, "moet_id": 12, "field": 16, "vnedu_value": 26,
           "csdl_value": 26, "action": 60, "state": 10, "first_seen": 11}


def write_fix_list(report: DistrictReport, path: Path | str) -> Path:
    """Write the report's fix list to ``path`` (xlsx); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(fix_list_bytes(report))
    return path


def fix_list_bytes(report: DistrictReport) -> bytes:
    """The report's fix list as .xlsx bytes (the batch writes them, the dashboard offers them)."""
    from eduwb.notebook import FIX_COLUMNS, PERSONAL_DATA_NOTICE

    p = report.params
    buf = io.BytesIO()
    book, head = workbook(buf, "Danh sách cần sửa")
    fmt = {
        "title": book.add_format({"bold": True, "font_size": 14}),
        "head": head,
        "cell": book.add_format({"text_wrap": True, "valign": "top", "border": 1}),
        "num": book.add_format({"valign": "top", "border": 1}),
        "total": book.add_format({"bold": True, "border": 1}),
    }
    subtitle = (f"{report.district_name} - Năm học {p.year} - {vocab.PERIOD_LABELS[p.period]} "
                f"- tính đến {p.as_of:%d/%m/%Y}")
    summary = report.fix_summary().reset_index()
    ws = book.add_worksheet("Tổng hợp")
    ws.write_string(0, 0, "DANH SÁCH CẦN SỬA: ĐỐI CHIẾU vnEdu - CSDL NGÀNH VÀ KIỂM TRA NHẬP LIỆU",
                    fmt["title"])
    ws.write_string(1, 0, subtitle)
    ws.write_string(2, 0, "Mỗi trường một trang tính; cột \"Làm trên\" cho biết mở hệ thống nào; "
                    "\"Mới từ lần trước\" đánh dấu việc mới từ lần đối chiếu trước.")
    ws.write_string(3, 0, PERSONAL_DATA_NOTICE)
    top = 5
    _write_table(ws, top, summary, list(summary.columns), fmt)
    last = top + len(summary) + 1
    ws.write_string(last, 0, "Tổng cộng", fmt["total"])
    for j, col in enumerate(summary.columns[2:], start=2):
        ws.write_number(last, j, int(summary[col].sum()), fmt["total"])
    ws.set_column(0, 0, 12)
    ws.set_column(1, 1, 40)
    ws.set_column(2, len(summary.columns) - 1, 12)
    ws.freeze_panes(top + 1, 0)
    _print_setup(ws, landscape=False)

    tasks = report.fix_list()
    columns = [c for c in FIX_COLUMNS if c not in ("school_code", "school_name")]
    for code in sorted(report.school_names):
        mine = tasks[tasks["school_code"] == code][columns]
        ws = book.add_worksheet(code)
        ws.write_string(0, 0, f"{report.school_names[code]} ({code})", fmt["title"])
        ws.write_string(1, 0, subtitle)
        ws.write_string(2, 0, f"{len(mine)} việc cần làm" if len(mine) else
                        "Không có việc cần làm: không sai lệch, không lỗi nhập liệu.")
        _write_table(ws, 4, mine, [FIX_COLUMNS[c] for c in columns], fmt)
        for j, col in enumerate(columns):
            ws.set_column(j, j, _WIDTHS.get(col, 14))
        ws.freeze_panes(5, 0)
        if len(mine):
            ws.autofilter(4, 0, 4 + len(mine), len(columns) - 1)
        _print_setup(ws, landscape=True)
        ws.repeat_rows(4)
    book.close()
    return buf.getvalue()


def _write_table(ws: Any, top: int, frame: pd.DataFrame, titles: list[str],
                 fmt: dict[str, Any]) -> None:
    ws.write_row(top, 0, titles, fmt["head"])
    for i, row in enumerate(frame.itertuples(index=False), start=top + 1):
        for j, value in enumerate(row):
            if value is None or value is pd.NA or (isinstance(value, float) and value != value):
                ws.write_blank(i, j, None, fmt["cell"])
            elif isinstance(value, int | float) or hasattr(value, "item"):
                ws.write_number(i, j, getattr(value, "item", lambda v=value: v)(), fmt["num"])
            else:
                ws.write_string(i, j, str(value), fmt["cell"])


def _print_setup(ws: Any, *, landscape: bool) -> None:
    ws.set_paper(9)  # A4
    if landscape:
        ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
