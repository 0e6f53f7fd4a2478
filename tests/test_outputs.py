"""outputs.table_sheet renders rows column by column: the very bytes of writing them cell by cell."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd

from eduwb import outputs


def _cell_by_cell(book, name: str, frame: pd.DataFrame, head) -> None:
    """table_sheet as it was: every cell through xlsxwriter's own write methods."""
    ws = book.add_worksheet(name)
    titles = [outputs.COLUMN_TITLES.get(c, str(c)) for c in frame.columns]
    ws.write_row(0, 0, titles, head)
    for j, col in enumerate(frame.columns):
        values = frame[col].tolist()
        for i, value in enumerate(values, start=1):
            if value is None or value is pd.NA or value is pd.NaT or (
                    isinstance(value, float) and value != value):
                continue
            if isinstance(value, bool):
                ws.write_string(i, j, "x" if value else "")
            elif isinstance(value, int | float):
                ws.write_number(i, j, value)
            elif hasattr(value, "item"):
                ws.write_number(i, j, value.item())
            elif isinstance(value, dt.date):
                ws.write_string(i, j, value.strftime("%d/%m/%Y"))
            else:
                ws.write_string(i, j, str(value))
        width = max([len(titles[j])] + [len(str(v)) for v in values[:200]]) if values else 12
        ws.set_column(j, j, min(max(width + 2, 8), 60))
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(frame), 1), max(len(frame.columns) - 1, 0))


def _book(frame: pd.DataFrame, write) -> bytes:
    buf = io.BytesIO()
    book, head = outputs.workbook(buf, "thử")
    write(book, "Bảng", frame, head)
    write(book, "Bảng 2", frame.iloc[::-1], head)  # a second sheet shares the string table
    book.close()
    return buf.getvalue()


def _hostile_table(rows: int) -> pd.DataFrame:
    base = pd.DataFrame({
        "text": ["=1+1", "  Lê Thị  ", "a & <b>", "_x0041_ literal", "ctl\x01x", "", None, "y"],
        "count": pd.array([1, -2, None, 4, 5, 6, 7, 2**40], dtype="Int64"),
        "share": [0.5, float("nan"), 1e-7, 2.0, 3.25, 0.0, -1.5, 1e20],
        "day": [dt.date(2015, 4, 28), None, dt.datetime(2021, 9, 1, 7, 30), pd.NaT,
                dt.date(2000, 1, 1), None, None, None],
        "flag": [True, False, None, True, False, True, None, None],
        "mixed": [1, True, "x", 2.5, False, None, 0, "0"],
        "empty": [None] * 8,
    })
    return pd.concat([base] * (rows // len(base)), ignore_index=True)


def test_the_same_bytes_as_cell_by_cell() -> None:
    for rows in (8, 40, 200):  # spans: one block of 16 rows, several, and more than 200 rows
        frame = _hostile_table(rows)
        assert _book(frame, outputs.table_sheet) == _book(frame, _cell_by_cell), rows
    empty = pd.DataFrame(columns=["year", "period"])
    assert _book(empty, outputs.table_sheet) == _book(empty, _cell_by_cell)
    gap = _hostile_table(40)
    gap.loc[16:31, :] = None  # a block of rows without a cell, and the last rows empty
    gap.loc[36:, :] = None
    assert _book(gap, outputs.table_sheet) == _book(gap, _cell_by_cell)


def test_text_stays_text() -> None:
    data = _book(_hostile_table(8), outputs.table_sheet)
    ws = openpyxl.load_workbook(io.BytesIO(data))["Bảng"]
    assert ws["A2"].value == "=1+1" and ws["A2"].data_type == "s"
    assert ws["A3"].value == "  Lê Thị  " and ws["B3"].value == -2
    assert ws["D2"].value == "28/04/2015" and ws["E2"].value == "x"
