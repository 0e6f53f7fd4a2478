"""load_period and `eduwb load` on a small data folder built here: accounting, rejections, codes."""

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter

import eduwb
from eduwb import cli
from eduwb.errors import ParameterError, RegistryError

YEAR, PERIOD = "2021-2022", "dau_nam"


def _workbook(path: Path, rows: list[list], sheet: str = "Sheet1") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet(sheet)
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if value is not None:
                ws.write(i, j, value)
    book.close()


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    root = tmp_path / "DATA"
    _workbook(root / "danh_muc/truong.xlsx", [
        ["DANH MỤC TRƯỜNG TIỂU HỌC"],
        ["Mã trường", "Tên trường", "Loại trường", "Mã phòng GD", "Mã xã", "Loại hình",
         "Mã trường cũ", "Ngày sáp nhập"],
        ["70689012", "TH Tân Phú", "TH", "689", "25432", "Công lập", None, None],
        ["70689020", "TH&THCS Tiến Hưng", "TH&THCS", "689", "25433", "Công lập",
         "70689013; 70689014", "01/08/2021"],
        ["70696001", "TH Đức Liễu", "TH", "696", "25500", "Công lập", None, None],
    ])
    _workbook(root / "danh_muc/phong_gd.xlsx", [
        ["Mã phòng GD", "Tên đơn vị", "Chuyên viên phụ trách tiểu học", "Điện thoại", "Email"],
        ["689", "Phòng GD&ĐT Đồng Xoài", "Trần Thị Mai", "0271000000", "px@example.invalid"],
        ["696", "Phòng GD&ĐT Bù Đăng", None, None, None],
    ])
    period = root / YEAR / PERIOD
    header = ["STT", "Mã học sinh", "Mã định danh Bộ GD&ĐT", "Họ và tên", "Ngày sinh",
              "Giới tính", "Dân tộc", "Lớp", "Trạng thái"]
    _workbook(period / "vnedu/689/70689012_DanhSachHocSinh.xlsx", [
        ["SỞ GIÁO DỤC VÀ ĐÀO TẠO BÌNH PHƯỚC"], ["DANH SÁCH HỌC SINH"], ["Ngày xuất: 10/09/2021"],
        [], header,
        [1, "HS001", 7012345678.0, "Nguyễn Văn An", "05/09/2015", "Nam", "Kinh", "1A", "Đang học"],
        [2, "HS002", None, unicodedata.normalize("NFD", "Điểu Thị Ngọc"), "31/02/2015", "Nữ",
         "S'tiêng", "Lớp 1A", "Đang học"],
        [3, None, None, None, None, "Nam", None, "1A", None],
        [4, "HS004", None, "Lê Hoà", "01/01/2030", "nữ", "Ngoài hành tinh", "1A", "Đang học"],
        [], ["Tổng cộng: 4 học sinh"], ["Người lập biểu"], ["Nguyễn Văn Lập"],
    ])
    _workbook(period / "csdl/HocSinh.xlsx", [
        ["Trường: TH Tân Phú - Mã trường: 70689012"],
        ["Mã học sinh", "Họ tên", "Ngày sinh", "Giới tính", "Dân tộc", "Lớp học",
         "Trạng thái HS", "Họ tên cha", "Số điện thoại"],
        [7012345678, "NGUYỄN VĂN AN", 42252, "nam", "Kinh", "1A", "Đang học", "X", "0900000000"],
    ])
    _workbook(period / "csdl/old_code/70689013_hs.xlsx", [
        ["Mã học sinh", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Lớp", "Trạng thái"],
        [7012345600, "Phạm Minh Khôi", "02/03/2014", "Nam", "Kinh", "2A", "Đang học"],
    ])
    _workbook(period / "vnedu/696/70696001.xlsx", [
        header,
        [1, "HS9", None, "Điểu Văn Tuấn", "02/03/2014", "Nam", "Xtiêng", "2A", "Đang học"],
    ])
    (period / "csdl/70689020_broken.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    (period / "csdl/~$HocSinh.xlsx").write_bytes(b"lock file of an open workbook")
    return root


def test_every_row_is_loaded_or_rejected(data: Path) -> None:
    period = eduwb.load_period(data, YEAR, PERIOD)
    rep = period.load_report
    assert (rep["rows_read"] == rep["rows_loaded"] + rep["rows_rejected"]).all()
    assert len(rep) == 5  # the ~$ lock file is skipped
    vn = rep[rep["file"].str.endswith("70689012_DanhSachHocSinh.xlsx")].iloc[0]
    assert (vn["rows_read"], vn["rows_loaded"], vn["rows_rejected"]) == (4, 3, 1)
    assert vn["school_code"] == "70689012"
    loaded = int(rep["rows_loaded"].sum())
    assert loaded == len(period.tables["students"])


def test_bad_values_rejected_row_kept(data: Path) -> None:
    period = eduwb.load_period(data, YEAR, PERIOD)
    rej = period.rejected.set_index(["row", "column"])
    assert rej.loc[(7, "Ngày sinh"), "reason"] == "31/02/2015 is not a date"
    assert "after the export date" in rej.loc[(9, "Ngày sinh"), "reason"]
    assert "ethnic group" in rej.loc[(9, "Dân tộc"), "reason"]
    whole = rej.loc[(8, "")]
    assert whole["reason"] == "row has neither a name nor a code"
    pupils = period.records("students", "vnedu").set_index("vnedu_id")
    assert pd.isna(pupils.loc["HS002", "dob"]) and pupils.loc["HS002", "full_name"] == "Điểu Thị Ngọc"
    assert pupils.loc["HS002", "ethnicity"] == "Xtiêng"
    assert pupils.loc["HS004", "full_name"] == "Lê Hòa"  # tone placement normalised


def test_values_normalised_across_systems(data: Path) -> None:
    period = eduwb.load_period(data, YEAR, PERIOD)
    vn = period.records("students", "vnedu").set_index("vnedu_id").loc["HS001"]
    csdl = period.records("students", "csdl")
    cs = csdl[csdl["moet_id"] == "7012345678"].iloc[0]
    for field in ("moet_id", "full_name", "dob", "sex", "ethnicity", "class_name", "grade",
                  "status"):
        assert vn[field] == cs[field], field
    assert vn["dob"] == dt.date(2015, 9, 5)


def test_old_code_placed_at_current_school(data: Path) -> None:
    period = eduwb.load_period(data, YEAR, PERIOD)
    csdl = period.records("students", "csdl")
    merged = csdl[csdl["moet_id"] == "7012345600"].iloc[0]
    assert merged["file_school_code"] == "70689013"
    assert merged["school_code"] == "70689020"
    rep = period.load_report.set_index("file")
    assert "old code 70689013" in rep.loc["2021-2022/dau_nam/csdl/old_code/70689013_hs.xlsx",
                                          "message"]


def test_unreadable_file_reported_and_run_goes_on(data: Path) -> None:
    period = eduwb.load_period(data, YEAR, PERIOD)
    broken = period.load_report.set_index("file").loc["2021-2022/dau_nam/csdl/70689020_broken.xlsx"]
    assert broken["kind"] == "unknown" and broken["school_code"] == "70689020"
    assert "damaged" in broken["message"]
    assert (broken["rows_read"], broken["rows_loaded"], broken["rows_rejected"]) == (0, 0, 0)


def test_district_filter(data: Path) -> None:
    period = eduwb.load_period(data, YEAR, PERIOD, district="696")
    assert set(period.load_report["school_code"]) == {"70696001"}
    assert list(period.tables["students"]["full_name"]) == ["Điểu Văn Tuấn"]


def test_bad_parameters_and_missing_registry(data: Path, tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="2021-2022"):
        eduwb.load_period(data, "2021", PERIOD)
    with pytest.raises(ParameterError, match="period"):
        eduwb.load_period(data, YEAR, "giua_nam")
    with pytest.raises(ParameterError, match="district"):
        eduwb.load_period(data, YEAR, PERIOD, district="999")
    with pytest.raises(RegistryError, match=r"truong\.xlsx"):
        eduwb.load_period(tmp_path / "nowhere", YEAR, PERIOD)


def test_missing_period_folder_is_a_clear_error(data: Path) -> None:
    with pytest.raises(ParameterError, match="no folder for period cuoi_nam") as info:
        eduwb.load_period(data, YEAR, "cuoi_nam")
    assert info.value.file.endswith("2021-2022/cuoi_nam")
    with pytest.raises(ParameterError, match="no folder for school year 2022-2023"):
        eduwb.load_period(data, "2022-2023", PERIOD)


def test_period_without_one_system_is_a_finding_not_an_error(data: Path) -> None:
    import shutil

    shutil.rmtree(data / YEAR / PERIOD / "csdl")
    period = eduwb.load_period(data, YEAR, PERIOD)
    assert set(period.load_report["system"]) == {"vnedu"}
    assert period.exported("csdl").empty


def test_cli_load_writes_contract_files(data: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert cli.main(["load", str(data), "--year", YEAR, "--period", PERIOD, "--out", str(out)]) == 0
    report = (out / "load_report.csv").read_bytes()
    assert report.startswith(b"\xef\xbb\xbf" + b"system,file,sheet,kind,school_code,rows_read,")
    rejected = (out / "rejected_rows.csv").read_bytes()
    assert rejected.startswith(b"\xef\xbb\xbfsystem,file,sheet,row,column,value,reason\n")
    err = capsys.readouterr().err
    assert "row 7, column Ngày sinh: 31/02/2015 is not a date" in err
    first = report
    assert cli.main(["load", str(data), "--year", YEAR, "--period", PERIOD, "--out", str(out)]) == 0
    assert (out / "load_report.csv").read_bytes() == first


def test_cli_exit_2_when_run_cannot_be_made(tmp_path: Path, capsys) -> None:
    assert cli.main(["load", str(tmp_path), "--year", YEAR, "--period", PERIOD]) == 2
    assert "truong.xlsx" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        cli.main(["load", str(tmp_path), "--year", YEAR, "--period", "giua_nam"])
    assert info.value.code == 2


def test_canonical_schema_checked_at_the_boundary(data: Path) -> None:
    import pandera.errors

    from eduwb import schemas

    period = eduwb.load_period(data, YEAR, PERIOD)
    table = period.tables["students"].copy()
    schemas.check("students", table)
    table.loc[0, "sex"] = "X"
    table.loc[1, "moet_id"] = "123"
    with pytest.raises(pandera.errors.SchemaErrors) as info:
        schemas.check("students", table)
    cases = info.value.failure_cases
    assert set(cases["column"]) == {"sex", "moet_id"}


def test_parallel_read_gives_the_same_period() -> None:
    sample = Path(__file__).resolve().parent.parent / "data" / "sample"
    one = eduwb.load_period(sample, YEAR, "cuoi_nam", workers=1)
    two = eduwb.load_period(sample, YEAR, "cuoi_nam", workers=2)
    for kind, table in one.tables.items():
        pd.testing.assert_frame_equal(table, two.tables[kind])
    pd.testing.assert_frame_equal(one.load_report, two.load_report)
    pd.testing.assert_frame_equal(one.rejected, two.rejected)
    pd.testing.assert_frame_equal(one.carried, two.carried)


def _students(path: Path, date: str | None, names: list[str], code_col: list | None = None) -> None:
    header = ["Mã học sinh", "Họ và tên", "Ngày sinh", "Giới tính", "Lớp", "Trạng thái"]
    rows: list[list] = [["DANH SÁCH HỌC SINH"]] + ([[f"Ngày xuất: {date}"]] if date else [])
    rows.append((["Mã trường"] if code_col else []) + header)
    for i, name in enumerate(names):
        rows.append(([code_col[i]] if code_col else [])
                    + [f"HS{i}", name, "02/03/2014", "Nam", "2A", "Đang học"])
    _workbook(path, rows)


def test_re_export_supersedes_the_earlier_file(data: Path) -> None:
    vnedu = data / YEAR / PERIOD / "vnedu/689"
    _students(vnedu / "70689012_DanhSachHocSinh (1).xlsx", "12/09/2021", ["Nguyễn Văn An"])
    period = eduwb.load_period(data, YEAR, PERIOD)
    rep = period.load_report.set_index("file")
    old = rep.loc[f"{YEAR}/{PERIOD}/vnedu/689/70689012_DanhSachHocSinh.xlsx"]
    assert (old["rows_read"], old["rows_loaded"], old["rows_rejected"]) == (0, 0, 0)
    assert old["message"].startswith(
        f"superseded by {YEAR}/{PERIOD}/vnedu/689/70689012_DanhSachHocSinh (1).xlsx "
        "(a later export)")
    assert old["kind"] == "students" and old["school_code"] == "70689012"
    vn = period.records("students", "vnedu")
    assert list(vn[vn["school_code"] == "70689012"]["full_name"]) == ["Nguyễn Văn An"]
    assert not (period.rejected["file"] == old.name).any()  # its rejections went with it
    assert (period.load_report["rows_read"] == period.load_report["rows_loaded"]
            + period.load_report["rows_rejected"]).all()


def test_same_export_date_the_larger_file_is_used(data: Path) -> None:
    folder = data / YEAR / PERIOD / "vnedu/689"
    _students(folder / "a_70689012.xlsx", "11/09/2021", ["Nguyễn Văn An"])
    _students(folder / "b_70689012.xlsx", "11/09/2021", ["Nguyễn Văn An", "Trần Thị Bình"])
    period = eduwb.load_period(data, YEAR, PERIOD)
    rep = period.load_report.set_index("file")
    small = rep.loc[f"{YEAR}/{PERIOD}/vnedu/689/a_70689012.xlsx"]
    assert small["rows_read"] == 0
    assert small["message"] == (f"superseded by {YEAR}/{PERIOD}/vnedu/689/b_70689012.xlsx "
                                "(same export date, larger file)")
    assert rep.loc[f"{YEAR}/{PERIOD}/vnedu/689/b_70689012.xlsx"]["rows_loaded"] == 2


def test_district_file_partly_superseded_by_a_school_s_own_later_file(data: Path) -> None:
    csdl = data / YEAR / PERIOD / "csdl"
    _students(csdl / "phong/HocSinh_ToanHuyen.xlsx", "09/09/2021",
              ["Nguyễn Văn An", "Lê Văn Tám", "Đỗ Thị Na"], ["70689012", "70689020", 70689020])
    period = eduwb.load_period(data, YEAR, PERIOD)
    row = period.load_report.set_index("file").loc[f"{YEAR}/{PERIOD}/csdl/phong/HocSinh_ToanHuyen.xlsx"]
    assert row["school_code"] == ""  # a district-level file
    assert (row["rows_read"], row["rows_loaded"], row["rows_rejected"]) == (2, 2, 0)
    assert row["message"] == (f"1 row of school 70689012 left out: superseded by "
                              f"{YEAR}/{PERIOD}/csdl/HocSinh.xlsx (a later export)")
    cs = period.records("students", "csdl")
    assert sorted(cs[cs["file"].str.contains("ToanHuyen")]["full_name"]) == ["Lê Văn Tám",
                                                                              "Đỗ Thị Na"]
    exported = set(map(tuple, period.exported("csdl").to_numpy()))
    assert ("70689020", "students") in exported and ("70689012", "students") in exported
    # the district filter keeps the rows of the district's schools only
    other = eduwb.load_period(data, YEAR, PERIOD, district="696")
    assert f"{YEAR}/{PERIOD}/csdl/phong/HocSinh_ToanHuyen.xlsx" not in set(other.load_report["file"])


FIXTURE_FILES = Path(__file__).resolve().parent / "fixtures" / "files"


def test_cli_explain_shows_how_a_file_is_read(capsys) -> None:
    path = FIXTURE_FILES / "header_three_rows_merged_staff.xlsx"
    assert cli.main(["load", "--explain", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Danh sách: Cán bộ, giáo viên, nhân viên (trang 'DanhSach')" in out
    assert "Tiêu đề cột: dòng 4–6" in out
    assert "C  Họ đệm → middle_name" in out and "A  STT → (không dùng)" in out
    assert "Dữ liệu: dòng 7–10, 4 dòng" in out
    assert "Trường: 70689012 (theo dòng tiêu đề)" in out
    assert "Kết quả: 4 dòng đọc, 4 dòng nạp, 0 dòng bị loại" in out
    assert cli.main(["load", "--explain", str(FIXTURE_FILES / "numbering_row_letters.xls")]) == 0
    assert "Dòng đánh số cột: dòng 7 (không phải dữ liệu)" in capsys.readouterr().out
    assert cli.main(["load", "--explain", str(FIXTURE_FILES / "hidden_sheet_only_data.xls")]) == 0
    out = capsys.readouterr().out
    assert "'DuLieu': trang ẩn: không bao giờ đọc" in out and "Không đọc được" in out


def test_cli_explain_a_district_file_with_the_registry(data: Path, capsys) -> None:
    path = data / YEAR / PERIOD / "csdl/phong/HocSinh_ToanHuyen.xlsx"
    _students(path, "09/09/2021", ["Nguyễn Văn An", "Lê Văn Tám", "Đỗ Thị Na"],
              ["70689012", "70689020", "70689099"])
    assert cli.main(["load", "--explain", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Hệ thống: CSDL ngành" in out
    assert "Trường: nhiều trường, theo từng dòng (cột Mã trường)" in out
    assert "Theo trường (mã như ghi trong tệp): 70689012 1 dòng, 70689020 1 dòng" in out
    assert "1 × (cả dòng): school 70689099 is not in the registry" in out


def test_cli_load_needs_data_or_explain(capsys) -> None:
    assert cli.main(["load"]) == 2
    assert "--explain FILE" in capsys.readouterr().err


def test_a_file_that_cannot_be_read_is_dated_by_its_modification_time(data: Path) -> None:
    """inputs.md 2: with no title line to read, the export date is the file's modification time;
    a school's re-export that day dates the run even when the file is damaged."""
    import os

    from eduwb.history.record import as_of

    broken = data / YEAR / PERIOD / "csdl/70689020_broken.xlsx"
    stamp = dt.datetime(2030, 1, 2, 12, tzinfo=dt.UTC).timestamp()
    os.utime(broken, (stamp, stamp))
    report = eduwb.load_period(data, YEAR, PERIOD).load_report.set_index("file")
    row = report.loc[f"{YEAR}/{PERIOD}/csdl/70689020_broken.xlsx"]
    assert row["rows_read"] == 0 and row["export_date"] == dt.date(2030, 1, 2)
    assert as_of(report.reset_index()) == dt.date(2030, 1, 2)
