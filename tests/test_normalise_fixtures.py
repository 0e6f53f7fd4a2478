"""Fixture files through read + normalise: nothing lost, bad values rejected with the right reason.

Two corpora: the reader's committed corpus (tests/fixtures/files, each named for its quirk), where
every file must be loaded or reported with its rows accounted for; and value faults written here
(impossible and future dates, text in number columns, rows without identity, duplicate headers,
legacy text), each with its expected canonical rows and rejections.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import xlsxwriter

from eduwb import text
from eduwb.errors import EduwbError
from eduwb.normalise import normalise
from eduwb.read import find_export_files, read_table

FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
HEADER = ["STT", "Mã học sinh", "Mã định danh Bộ GD&ĐT", "Họ và tên", "Ngày sinh", "Giới tính",
          "Dân tộc", "Lớp", "Trạng thái"]
TITLE = ["DANH SÁCH HỌC SINH", "Trường: TH Tân Phú - Mã trường: 70689012",
         "Ngày xuất: 10/09/2021"]


@pytest.mark.parametrize("path", find_export_files(FIXTURES / "files"), ids=lambda p: p.name)
def test_reader_corpus_nothing_lost(path: Path) -> None:
    system = EXPECTED.get(path.name, {}).get("system", "vnedu")
    try:
        raw = read_table(path, system, FIXTURES / "files")
    except EduwbError as exc:
        assert exc.message and exc.file == path.name  # reported with what to fix
        return
    result = normalise(raw)
    rep = result.report
    assert rep["rows_read"] == len(raw.rows)
    assert rep["rows_read"] == rep["rows_loaded"] + rep["rows_rejected"]
    whole = [r for r in result.rejected if r["column"] == ""]
    assert len(whole) == rep["rows_rejected"]
    assert {r["row"] for r in result.rejected} <= {r for r, _ in raw.rows}
    if result.records:
        assert len(set(result.records["row"])) == rep["rows_loaded"]


def _write(path: Path, rows: list[list]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"created": dt.datetime(2021, 9, 10)})
    ws = book.add_worksheet("Sheet1")
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            if v is not None:
                ws.write(i, j, v)
    book.close()
    return path


def _load(tmp_path: Path, name: str, rows: list[list], system: str = "vnedu"):
    path = _write(tmp_path / name, [[t] for t in TITLE] + [HEADER] + rows)
    return normalise(read_table(path, system, tmp_path))


def _pupil(i: int, **over) -> list:
    row = {"stt": i, "id": f"HS{i:03d}", "moet": f"70000000{i:02d}", "name": f"Nguyễn Văn Số {i}",
           "dob": "05/09/2015", "sex": "Nam", "eth": "Kinh", "cls": "1A", "status": "Đang học"}
    row.update(over)
    return list(row.values())


def test_impossible_date_rejects_the_value_not_the_row(tmp_path: Path) -> None:
    res = _load(tmp_path, "impossible_date.xlsx", [_pupil(1), _pupil(2, dob="31/02/2015")])
    assert res.report["rows_loaded"] == 2 and res.report["rows_rejected"] == 0
    assert res.records["dob"] == [dt.date(2015, 9, 5), None]
    (rej,) = res.rejected
    assert (rej["row"], rej["column"], rej["value"]) == (6, "Ngày sinh", "31/02/2015")
    assert rej["reason"] == "31/02/2015 is not a date"


def test_future_date_rejected(tmp_path: Path) -> None:
    res = _load(tmp_path, "future_date.xlsx", [_pupil(1, dob="01/01/2030")])
    (rej,) = res.rejected
    assert "after the export date" in rej["reason"] and res.records["dob"] == [None]


def test_text_in_number_column(tmp_path: Path) -> None:
    path = _write(tmp_path / "text_in_number_column.xlsx", [
        ["DANH SÁCH LỚP HỌC - Mã trường: 70689012"],
        ["Tên lớp", "Khối", "Sĩ số", "Giáo viên chủ nhiệm"],
        ["1A", 1, 28, "Trần Thị Mai"],
        ["1B", 1, "ba mươi", "Lê Văn Tùng"],
    ])
    res = normalise(read_table(path, "csdl", tmp_path))
    assert res.records["declared_size"] == [28, None]
    (rej,) = res.rejected
    assert (rej["row"], rej["column"], rej["value"]) == (4, "Sĩ số", "ba mươi")
    assert "not a whole number" in rej["reason"]


def test_row_without_identity_rejected_whole(tmp_path: Path) -> None:
    res = _load(tmp_path, "row_without_identity.xlsx",
                [_pupil(1), [2, None, None, None, "05/09/2015", "Nữ", "Kinh", "1A", None]])
    assert (res.report["rows_read"], res.report["rows_loaded"], res.report["rows_rejected"]) == (
        2, 1, 1)
    (rej,) = res.rejected
    assert rej["column"] == "" and rej["reason"] == "row has neither a name nor a code"
    assert rej["row"] == 6


def test_unknown_values_rejected_with_allowed_list(tmp_path: Path) -> None:
    res = _load(tmp_path, "unknown_values.xlsx",
                [_pupil(1, sex="Không rõ", eth="Người Sao Hỏa", status="Đi chơi", cls="Lớp mầm")])
    reasons = {r["column"]: r["reason"] for r in res.rejected}
    assert set(reasons) == {"Giới tính", "Dân tộc", "Trạng thái", "Lớp"}
    assert "Nam/Nữ" in reasons["Giới tính"]
    assert res.report["rows_loaded"] == 1  # the name still identifies the pupil


def test_codes_written_as_numbers(tmp_path: Path) -> None:
    res = _load(tmp_path, "codes_as_numbers.xlsx",
                [_pupil(1, moet=7012345678.0), _pupil(2, moet="7012345679.0")])
    assert res.records["moet_id"] == ["7012345678", "7012345679"]
    assert res.rejected == []


def test_legacy_tcvn3_column_in_a_unicode_file(tmp_path: Path) -> None:
    names = ["Nguyễn Thị Hương", "Trần Văn Đức", "Lê Thị Thủy", "Phạm Ngọc Ánh"]
    rows = [_pupil(i, name=text.encode_tcvn3(n)) for i, n in enumerate(names, 1)]
    res = _load(tmp_path, "tcvn3_name_column.xlsx", rows)
    assert [text.fold_case(n) for n in res.records["full_name"]] == [
        text.fold_case(n) for n in names]


def test_writing_variants_give_one_canonical_value(tmp_path: Path) -> None:
    res = _load(tmp_path, "writing_variants.xlsx", [
        _pupil(1, name="NGUYỄN  THỊ HOÀ", sex="nữ", eth="S'tiêng", cls="Lớp 1a", dob=42253),
        _pupil(2, name="Nguyễn Thị Hòa", sex="Nữ", eth="Xtiêng", cls="1A", dob="06-09-2015"),
    ])
    for field in ("full_name", "sex", "ethnicity", "class_name", "dob", "grade"):
        a, b = res.records[field]
        assert a == b, field
    assert res.records["full_name"][0] == "Nguyễn Thị Hòa"


def _registry():
    import pandas as pd

    from eduwb.registry import Registry

    schools = pd.DataFrame({
        "school_code": ["70689012", "70689013", "70689020", "70696001", "70696002"],
        "name": ["Trường Tiểu học Tân Phú", "TH Tiến Thành", "TH&THCS Tiến Hưng", "TH Tân Phú",
                 "TH Minh Hưng"],
        "school_type": ["TH", "TH", "TH&THCS", "TH", "TH"],
        "district_code": ["689", "689", "689", "696", "696"],
        "commune_code": [None] * 5, "ownership": ["Công lập"] * 5,
        "old_codes": [(), (), ("70689014",), (), ()], "merged_on": [None] * 5,
    })
    districts = pd.DataFrame({"district_code": ["689", "696"], "name": ["A", "B"],
                              "specialist": [None, None], "phone": [None, None],
                              "email": [None, None]})
    return Registry.from_frames(schools, districts)


def _nothing_lost(result) -> None:
    rep = result.report
    assert rep["rows_read"] == rep["rows_loaded"] + rep["rows_rejected"]
    assert sum(a + b for a, b in result.schools.values()) + sum(
        1 for r in result.rejected if r["column"] == "" and r["_school"] is None) == rep["rows_read"]


def test_district_level_file_by_school_code_column() -> None:
    raw = read_table(FIXTURES / "files/district_level_school_code_column.xlsx", "csdl", FIXTURES)
    result = normalise(raw, _registry())
    assert result.report["school_code"] == "" and result.district_level
    assert result.records["file_school_code"] == ["70689012", "70689012", "70689013",
                                                  "70689013", "70689020"]
    assert result.schools == {"70689012": (2, 0), "70689013": (2, 0), "70689020": (1, 0)}
    _nothing_lost(result)


def test_district_level_file_by_school_name_written_many_ways() -> None:
    raw = read_table(FIXTURES / "files/district_level_school_name_column.xlsx", "vnedu",
                     FIXTURES)
    result = normalise(raw, _registry())
    # "TH Tân Phú" is a school of 689 and of 696: the file's other schools are in 689
    assert result.records["file_school_code"] == ["70689012", "70689012", "70689013", "70689020"]
    assert result.report["rows_rejected"] == 0
    _nothing_lost(result)


def test_unknown_and_ambiguous_school_names_rejected_per_row(tmp_path: Path) -> None:
    path = _write(tmp_path / "ten_truong.xlsx", [
        ["Tên trường", "Họ và tên", "Ngày sinh", "Giới tính", "Lớp"],
        ["TH Tân Phú", "Nguyễn Văn An", "01/02/2015", "Nam", "1A"],
        ["TH Sao Hỏa", "Trần Thị Bình", "01/02/2015", "Nữ", "1A"],
        ["Minh Hưng", "Lê Văn Cường", "01/02/2015", "Nam", "1A"],
        [None, "Phạm Thị Dung", "01/02/2015", "Nữ", "1A"],
    ])
    result = normalise(read_table(path, "vnedu", tmp_path), _registry())
    # "Minh Hưng" is a school of 696, where a "TH Tân Phú" is too: that one is meant
    assert result.records["file_school_code"] == ["70696001", "70696002"]
    reasons = {r["row"]: r["reason"] for r in result.rejected if r["column"] == ""}
    assert "no school named 'TH Sao Hỏa'" in reasons[3]
    assert "names no school" in reasons[5]
    assert result.report["rows_rejected"] == 2
    _nothing_lost(result)
    path = _write(tmp_path / "ten_truong_2.xlsx", [
        ["Tên trường", "Họ và tên", "Ngày sinh", "Giới tính", "Lớp"],
        ["Tân Phú", "Nguyễn Văn An", "01/02/2015", "Nam", "1A"],
        ["TH Tiến Thành", "Nguyễn Văn Bình", "01/02/2015", "Nam", "1A"],
        ["Tiến Thành", "Nguyễn Văn Bình", "01/02/2015", "Nam", "1A"],
    ])
    result = normalise(read_table(path, "vnedu", tmp_path), _registry())
    assert result.records["file_school_code"] == ["70689012", "70689013", "70689013"]
    path = _write(tmp_path / "ten_truong_3.xlsx", [
        ["Tên trường", "Họ và tên", "Ngày sinh", "Giới tính", "Lớp"],
        ["TH Tân Phú", "Nguyễn Văn An", "01/02/2015", "Nam", "1A"],
    ])
    result = normalise(read_table(path, "vnedu", tmp_path), _registry())
    (rej,) = result.rejected
    assert "several schools" in rej["reason"] and "70689012" in rej["reason"]
    assert "70696001" in rej["reason"]
    _nothing_lost(result)


def test_school_code_not_in_registry_rejects_the_row_of_a_district_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "dl.xlsx", [
        ["Mã trường", "Họ và tên", "Ngày sinh", "Giới tính", "Lớp"],
        ["70689012", "Nguyễn Văn An", "01/02/2015", "Nam", "1A"],
        ["70689099", "Trần Thị Bình", "01/02/2015", "Nữ", "1A"],
        ["7068901", "Lê Văn Cường", "01/02/2015", "Nam", "1A"],
        ["70689014", "Phạm Thị Dung", "01/02/2015", "Nữ", "1A"],
    ])
    result = normalise(read_table(path, "csdl", tmp_path), _registry())
    assert result.records["file_school_code"] == ["70689012", "70689014"]
    assert result.records["school_code"] == ["70689012", "70689020"]  # the old code's school
    reasons = {r["row"]: r["reason"] for r in result.rejected if r["column"] == ""}
    assert "70689099 is not in the registry" in reasons[3]
    assert "expected 8 digits" in reasons[4]
    assert any("old code 70689014" in m for m in [result.report["message"]])
    _nothing_lost(result)
