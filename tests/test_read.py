"""eduwb.read against the fixture corpus (tests/fixtures/make_fixtures.py) and a large file."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eduwb import calendar, errors
from eduwb.read import RawTable, find_export_files, read_table

FIXTURES = Path(__file__).parent / "fixtures"
FILES = FIXTURES / "files"
EXPECTED: dict[str, dict[str, Any]] = json.loads(
    (FIXTURES / "expected.json").read_text(encoding="utf-8")
)


def _load_maker() -> Any:
    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_fixtures"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


MAKER = _load_maker()
jsonable = MAKER.jsonable

TABLES = sorted(n for n, e in EXPECTED.items() if "kind" in e)
FAULTS = sorted(n for n, e in EXPECTED.items() if "error" in e)


def _read(name: str) -> RawTable:
    return read_table(FILES / name, EXPECTED[name]["system"], FIXTURES)


def test_corpus_is_large_enough() -> None:
    assert len(EXPECTED) >= 30
    assert {p.name for p in FILES.iterdir()} == set(EXPECTED)


@pytest.mark.parametrize("name", TABLES)
def test_fixture_table(name: str) -> None:
    exp = EXPECTED[name]
    t = _read(name)
    assert t.file == f"files/{name}"
    assert t.system == exp["system"]
    assert (t.kind, t.format, t.sheet) == (exp["kind"], exp["format"], exp["sheet"])
    assert [c.field for c in t.columns] == exp["fields"]
    if exp["labels"] is not None:
        assert [c.label for c in t.columns] == exp["labels"]
    assert (t.school_code, t.school_source) == (exp["school_code"], exp["school_source"])
    assert list(t.title_lines) == exp["title_lines"]
    if exp["export_date"]:
        assert t.export_date == dt.date.fromisoformat(exp["export_date"])
    else:
        mtime = calendar.local_date(os.stat(FILES / name).st_mtime)
        assert t.export_date == mtime
    assert t.legacy_encoding == exp["legacy_encoding"]
    assert list(t.duplicate_headers) == exp["duplicate_headers"]
    assert t.district_level == exp.get("district_level", False)
    if exp.get("numbering_row") is not None or "numbering_row" in exp:
        assert t.numbering_row == exp.get("numbering_row")
    if exp.get("header_rows") is not None:
        assert list(t.header_rows) == exp["header_rows"]
    # the exact Excel rows of the data: nothing lost, nothing extra (titles, header, blanks, footer)
    assert [r for r, _ in t.rows] == exp["rows"]
    if exp["rows"]:
        assert _values(t.rows[0][1], exp["first"]) == exp["first"]
        assert _values(t.rows[-1][1], exp["last"]) == exp["last"]


def _values(row: tuple[Any, ...], expected: list[Any]) -> list[Any]:
    """The row's values as the expectations store them, trailing empty cells ignored."""
    got = [jsonable(v) for v in row]
    while len(got) > len(expected) and got[-1] is None:
        got.pop()
    return got


@pytest.mark.parametrize("name", TABLES)
def test_row_values_are_raw(name: str) -> None:
    """Values are as the file has them, of types normalise handles; no row is blank."""
    allowed = (str, int, float, bool, dt.date, dt.datetime, dt.time, dt.timedelta, type(None))
    t = _read(name)
    for _, values in t.rows:
        assert all(isinstance(v, allowed) for v in values)
        assert any(v.strip() if isinstance(v, str) else v is not None for v in values)
    indexes = [c.index for c in t.columns]
    assert indexes == sorted(set(indexes))
    assert all(c.index < len(values) for _, values in t.rows for c in t.columns)


@pytest.mark.parametrize("name", FAULTS)
def test_fixture_fault(name: str) -> None:
    exp = EXPECTED[name]
    cls = getattr(errors, exp["error"])
    with pytest.raises(errors.ReadError) as info:
        _read(name)
    exc = info.value
    assert type(exc) is cls
    assert exc.file == f"files/{name}"
    assert f"files/{name}" in str(exc)
    for phrase in exp["message_has"]:
        assert phrase.lower() in exc.message.lower(), exc.message


def test_messages_name_what_to_fix() -> None:
    msg = {n: _fault_message(n) for n in FAULTS}
    assert "password" in msg["encrypted.xlsx"]
    assert "Mã trường" in msg["no_school.xlsx"] and "file name" in msg["no_school.xlsx"]
    assert "title line" in msg["no_school.xlsx"]
    for m in msg.values():
        assert ":" in m  # "<what is wrong>: <what to do>"


def _fault_message(name: str) -> str:
    try:
        _read(name)
    except errors.ReadError as exc:
        return exc.message
    raise AssertionError(f"{name} read without error")


def test_find_export_files_skips_lock_and_hidden(tmp_path: Path) -> None:
    found = find_export_files(FILES)
    names = [p.name for p in found]
    assert "~$open.xlsx" not in names and ".hidden.xlsx" not in names
    assert names == sorted(names)
    assert set(names) == {n for n, e in EXPECTED.items() if not e.get("skipped")}
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "x.XLSX").write_bytes(b"")
    (tmp_path / "a" / "y.htm").write_bytes(b"")
    (tmp_path / "a" / "notes.txt").write_bytes(b"")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "z.csv").write_bytes(b"")
    rel = [p.relative_to(tmp_path).as_posix() for p in find_export_files(tmp_path)]
    assert rel == ["a/b/x.XLSX", "a/y.htm"]


def test_system_decides_ma_hoc_sinh(tmp_path: Path) -> None:
    """The same header reads as vnEdu's own code in vnEdu files and as the MOET code in CSDL's."""
    src = FILES / "title_rows_10.xlsx"
    vn = read_table(src, "vnedu", FIXTURES)
    cs = read_table(src, "csdl", FIXTURES)
    assert vn.columns[1].field == "vnedu_id" and cs.columns[1].field == "moet_id"
    # the MOET column is then a duplicate of the CSDL "Mã học sinh" column
    assert cs.columns[2].field is None and cs.duplicate_headers == ("Mã định danh Bộ GD&ĐT",)


def test_make_fixtures_is_deterministic(tmp_path: Path) -> None:
    MAKER.main([str(tmp_path)])
    for p in sorted(tmp_path.iterdir()):
        assert p.read_bytes() == (FILES / p.name).read_bytes(), p.name


def test_large_file_speed(tmp_path: Path) -> None:
    """50,000 pupils: every row read, within a small factor of calamine reading the same cells."""
    import python_calamine
    import xlsxwriter

    n = 50_000
    path = tmp_path / "70689012_large.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("DanhSach")
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    ws.write_row(0, 0, ["DANH SÁCH HỌC SINH"])
    ws.write_row(2, 0, MAKER.STUDENT_HEADER)
    for i in range(n):
        row = MAKER.student_row(i)
        ws.write_row(3 + i, 0, row[:4])
        ws.write_datetime(3 + i, 4, dt.datetime.combine(row[4], dt.time()), date_fmt)
        ws.write_row(3 + i, 5, row[5:])
    ws.write_row(3 + n + 1, 0, ["Tổng cộng", n])
    wb.close()

    def floor() -> None:
        wb = python_calamine.CalamineWorkbook.from_path(str(path))
        wb.get_sheet_by_index(0).to_python()

    def best_of(runs: int, f: Any) -> tuple[float, Any]:
        times, result = [], None
        for _ in range(runs):
            t0 = time.perf_counter()
            result = f()
            times.append(time.perf_counter() - t0)
        return min(times), result

    base, _ = best_of(2, floor)
    took, t = best_of(2, lambda: read_table(path, "vnedu", tmp_path))
    assert len(t.rows) == n
    assert t.rows[0][0] == 4 and t.rows[-1][0] == n + 3
    assert t.school_code == "70689012"
    # a loose regression guard on a shared machine (the project's target for a load is 1.5x)
    assert took <= 2.5 * base + 0.2, (took, base)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    n_titles=st.integers(0, 10),
    gaps=st.lists(st.integers(0, 3), min_size=0, max_size=12),
    footer=st.sampled_from([None, "Tổng cộng: 5", "Người lập biểu", "Bình Phước, ngày 1 tháng 9"]),
    blank_before_footer=st.integers(0, 3),
    without_stt=st.booleans(),
)
def test_every_data_row_is_kept(tmp_path: Path, n_titles: int, gaps: list[int],
                                footer: str | None, blank_before_footer: int,
                                without_stt: bool) -> None:
    """Titles, header, blank rows and the footer are dropped; every data row is kept, in place."""
    titles = [f"Dòng tiêu đề {i}" for i in range(n_titles - 1)]
    if n_titles:
        titles.append(MAKER.SCHOOL_TITLE)
    cut = 1 if without_stt else 0
    sheet, h, _ = MAKER.student_sheet(0, titles=titles)
    sheet.cells[h] = sheet.cells[h][cut:]
    expected = []
    r = h + 1
    for i, gap in enumerate(gaps):
        MAKER.place(sheet.cells, r, MAKER.student_row(i)[cut:])
        expected.append(r + 1)
        r += 1 + gap
    if footer:
        MAKER.place(sheet.cells, r + blank_before_footer, [None, footer])
        MAKER.place(sheet.cells, r + blank_before_footer + 2, [None, "Nguyễn Văn Ký"])
    path = tmp_path / f"70689012_{n_titles}_{len(gaps)}_{abs(hash(tuple(gaps)))}.xlsx"
    MAKER.write_xlsx(path, [sheet])
    t = read_table(path, "vnedu", tmp_path)
    assert [row for row, _ in t.rows] == expected
    assert t.title_lines == tuple(titles)
    assert t.school_source == ("title" if n_titles else "filename")


def test_read_tables_gives_one_table_per_list_kind() -> None:
    from eduwb.read import read_tables

    tables = read_tables(FILES / "two_kinds_two_sheets_70689012.xlsx", "vnedu", FIXTURES)
    assert [(t.sheet, t.kind, len(t.rows)) for t in tables] == [("HocSinh", "students", 3),
                                                                 ("CanBo", "staff", 1)]
    assert all(t.school_code == "70689012" for t in tables)
    (only,) = read_tables(FILES / "same_kind_two_sheets.xlsx", "vnedu", FIXTURES)
    assert only.sheet == "HocSinh"
    assert any("DanhSach (2)" in n and "not read" in n for n in only.notes)


def test_survey_says_what_became_of_each_sheet() -> None:
    from eduwb.read import read_tables

    survey: list = []
    read_tables(FILES / "hidden_sheet_first_old_copy.xlsx", "vnedu", FIXTURES, survey=survey)
    assert [(s.name, s.visible, s.outcome) for s in survey] == [
        ("DanhSach", True, "read"), ("Ban cu", False, "hidden: never read")]


@pytest.mark.parametrize("depth", [2, 3])
def test_a_lower_header_row_may_name_a_column_with_a_digit(tmp_path: Path, depth: int) -> None:
    """A group row over sub-columns, one of them "Học 2 buổi/ngày" beside unknown ones: the lower
    rows are header, every column is found and no header row is read as data."""
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["Mã trường: 70692007"])
    ws.append(["Ngày xuất: 10/09/2021"])
    people = ["STT", "Mã học sinh", "Họ và tên", "Ngày sinh", "Giới tính", "Lớp", "Trạng thái"]
    ws.append([*people, "Liên hệ", None, None, "Chế độ", None])
    if depth == 3:
        ws.append([None] * 7 + ["Gia đình", None, None, "Hỗ trợ", None])
    ws.append([None] * 7 + ["Điện thoại", "Địa chỉ", "Email", "Học 2 buổi/ngày", "Bán trú"])
    last = 2 + depth
    for c in range(1, 8):
        ws.merge_cells(start_row=3, start_column=c, end_row=last, end_column=c)
    for r in range(3, last):
        ws.merge_cells(start_row=r, start_column=8, end_row=r, end_column=10)
        ws.merge_cells(start_row=r, start_column=11, end_row=r, end_column=12)
    for i, name in enumerate(["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"]):
        ws.append([i + 1, f"69200700{i:02d}", name, dt.datetime(2015, 1, i + 1), "Nam", "1A",
                   "Đang học", "0912345678", "Lộc Ninh", "a@b.vn", "x", ""])
    path = tmp_path / "HS_70692007.xlsx"
    book.save(path)
    t = read_table(path, "vnedu", tmp_path)
    assert t.kind == "students" and tuple(t.header_rows) == (3, last)
    assert {"full_name", "two_sessions", "boarding"} <= {c.field for c in t.columns}
    assert [r for r, _ in t.rows] == [last + 1, last + 2, last + 3]
