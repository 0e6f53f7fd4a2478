"""Hostile inputs made from a copy of the committed tiny sample (nothing large is committed).

:func:`copy_sample` copies ``data/sample`` to a temporary folder; :func:`rewrite_rows` rewrites one
export with other data rows under the same title and header rows, as a school's file would be.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
YEAR = "2021-2022"
PERIOD = "dau_nam"
STUDENTS_689015 = f"{YEAR}/{PERIOD}/vnedu/689/70689015_DanhSachHocSinh.xlsx"
STAFF_689015 = f"{YEAR}/{PERIOD}/csdl/689/CanBo_GiaoVien_70689015.xlsx"
STAFF_689015_VNEDU = f"{YEAR}/{PERIOD}/vnedu/689/70689015_DanhSachCanBo.xlsx"


def copy_sample(target: Path, periods: tuple[str, ...] = (PERIOD,)) -> Path:
    """The tiny sample's registry and ``periods`` of 2021-2022 under ``target``."""
    shutil.copytree(SAMPLE / "danh_muc", target / "danh_muc")
    for period in periods:
        shutil.copytree(SAMPLE / YEAR / period, target / YEAR / period)
    return target


def data_sheet(path: Path) -> str:
    """The first visible sheet with a list (a row starting with ``STT``), else the first visible
    sheet (a registry sheet): eduwb never takes a hidden sheet, where templates keep old copies,
    nor CSDL's category sheets."""
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    book = CalamineWorkbook.from_path(str(path))
    visible = [m.name for m in book.sheets_metadata if m.visible == SheetVisibleEnum.Visible]
    for name in visible:
        rows = book.get_sheet_by_name(name).to_python(nrows=20)
        if any(r and str(r[0]).strip() == "STT" for r in rows):
            return name
    return visible[0]


def header_rows(path: Path) -> tuple[list[list], int]:
    """The data sheet's rows as read, and the number of rows above the first data row (the header
    is the row whose first cell is ``STT``; data starts at the row numbered 1, after any header
    rows and column-numbering row)."""
    rows = pd.read_excel(path, header=None, engine="calamine", dtype=object,
                         sheet_name=data_sheet(path)).values.tolist()
    stt = next(i for i, r in enumerate(rows) if str(r[0]).strip() == "STT")
    head = next(i for i in range(stt + 1, len(rows)) if str(rows[i][0]).strip() in ("1", "1.0"))
    return rows, head


def rewrite_rows(path: Path, make: Callable[[list[list], list], list[list]]) -> None:
    """Rewrite an .xlsx export: its title and header rows, then ``make(data_rows, header)``."""
    rows, head = header_rows(path)
    body = make(rows[head:], rows[head - 1])
    frame = pd.DataFrame(rows[:head] + body).astype(object)
    frame = frame.where(frame.notna(), None)
    _write(frame, path)


def set_cells(path: Path, changes: dict[tuple[int, int], object]) -> None:
    """Rewrite a one-sheet .xlsx with some cells changed (row, column: 0-based, as read)."""
    frame = pd.read_excel(path, header=None, engine="calamine", dtype=object,
                          sheet_name=data_sheet(path))
    for (row, col), value in changes.items():
        frame.iat[row, col] = value
    _write(frame.where(frame.notna(), None), path)


def _write(frame: pd.DataFrame, path: Path) -> None:
    """Cells as given: a text beginning with ``=`` stays a text, as in an office's export."""
    frame.to_excel(path, header=False, index=False, engine="xlsxwriter",
                   engine_kwargs={"options": {"strings_to_formulas": False,
                                              "strings_to_urls": False}})


def xlsx_text(path: Path | bytes) -> str:
    """Every XML part of an .xlsx as one text (to look for what must not be there)."""
    import io
    import zipfile

    source = io.BytesIO(path) if isinstance(path, bytes) else path
    with zipfile.ZipFile(source) as z:
        return "\n".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Fail (TimeoutError) when the block runs longer than ``seconds``: a guard against work that
    grows with the square of a file's size, with a margin of 10× or more over the expected time
    (the figures themselves are measured by benchmarks/bench_hostile.py)."""

    def stop(signum, frame):
        raise TimeoutError(f"still running after {seconds} s: time is not bounded")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
