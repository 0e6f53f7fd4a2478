"""Cell parsers: every writing of a value that a person would call the same gives one canonical value."""

import datetime as dt
import unicodedata

import pytest

from eduwb import values, vocab
from eduwb.values import Rejected


@pytest.mark.parametrize(
    "cell",
    [
        "05/09/2014", "5/9/2014", "05-09-2014", "05.09.2014", " 05 / 09 / 2014 ", "2014-09-05",
        dt.date(2014, 9, 5), dt.datetime(2014, 9, 5, 0, 0), 41887, 41887.0, "41887",
    ],
)
def test_date_every_writing(cell):
    assert values.date(cell) == dt.date(2014, 9, 5)


def test_excel_serial_1900_leap_year_bug():
    assert values.date(59) == dt.date(1900, 2, 28)
    assert values.date(61) == dt.date(1900, 3, 1)
    with pytest.raises(Rejected, match="29/02/1900"):
        values.date(60)


@pytest.mark.parametrize("cell", ["31/02/2014", "12/13/2014", "không rõ", "2014", True])
def test_impossible_dates_are_rejected_with_the_value(cell):
    with pytest.raises(Rejected) as info:
        values.date(cell)
    assert "not a date" in str(info.value)


@pytest.mark.parametrize("cell", [None, "", "   "])
def test_blank_is_missing_not_zero(cell):
    assert values.date(cell) is None
    assert values.moet_id(cell) is None
    assert values.count(cell) is None


@pytest.mark.parametrize("cell", [7012345678, 7012345678.0, "7012345678.0", " 7012345678", "'7012345678"])
def test_moet_code_as_number_or_text(cell):
    assert values.moet_id(cell) == "7012345678"


@pytest.mark.parametrize("cell", ["701234567", "70123456789", "70A2345678", 7012345678.5])
def test_bad_moet_code_rejected(cell):
    with pytest.raises(Rejected):
        values.moet_id(cell)


def test_personal_id_leading_zero_restored():
    assert values.personal_id(70214012345) == "070214012345"
    assert values.personal_id("070214012345") == "070214012345"


@pytest.mark.parametrize("cell,expected", [
    ("Nam", "M"), ("NAM", "M"), ("nam", "M"), ("Nữ", "F"), ("nu", "F"), ("NỮ", "F"),
    (unicodedata.normalize("NFD", "Nữ"), "F"),
])
def test_sex(cell, expected):
    assert values.sex(cell) == expected


def test_female_mark_column():
    assert values.female_mark("x") == "F"
    assert values.female_mark("X") == "F"
    assert values.female_mark(None) == "M"


@pytest.mark.parametrize("cell,expected", [
    ("Xtiêng", "Xtiêng"), ("S'tiêng", "Xtiêng"), ("Stiêng", "Xtiêng"), ("STIÊNG", "Xtiêng"),
    ("M'nông", "Mnông"), ("Mnông", "Mnông"), ("Khơ-me", "Khmer"), ("Khmer", "Khmer"),
    ("Châu Mạ", "Mạ"), ("Mạ", "Mạ"), ("kinh", "Kinh"), ("Tày", "Tày"), ("Nùng", "Nùng"),
    (unicodedata.normalize("NFD", "Tày"), "Tày"), ("Ê-đê", "Ê Đê"), ("H'Mông", "Mông"),
])
def test_ethnicity_spellings(cell, expected):
    assert values.ethnicity(cell) == expected


def test_every_ethnic_group_and_variant_maps_to_itself():
    for canonical, variants in vocab.ETHNIC_GROUPS.items():
        for spelling in (canonical, *variants):
            assert values.ethnicity(spelling) == canonical, spelling


def test_unknown_ethnicity_rejected():
    with pytest.raises(Rejected, match="ethnic group"):
        values.ethnicity("Người sao Hỏa")


@pytest.mark.parametrize("cell,expected", [
    ("1A", "1A"), ("1a", "1A"), ("Lớp 1A", "1A"), ("lớp 1a", "1A"), ("L1A", "1A"),
    ("1/1", "1/1"), ("1 / 1", "1/1"), ("5A1", "5A1"), (" 3B ", "3B"), (1, "1"),
])
def test_class_names(cell, expected):
    assert values.class_name(cell) == expected


def test_grade_from_text_and_class():
    assert values.grade("Khối 1") == 1
    assert values.grade(3.0) == 3
    assert values.grade_of_class("5A1") == 5
    with pytest.raises(Rejected):
        values.grade(6)


@pytest.mark.parametrize("status", vocab.STUDENT_STATUSES)
def test_statuses_any_case_and_accents(status):
    assert values.status(status) == status
    assert values.status(status.upper()) == status
    assert values.status(unicodedata.normalize("NFD", status)) == status


def test_status_ki_spelling():
    assert values.status("Chuyển đi kì 1") == "Chuyển đi kỳ 1"
    assert values.status("Thôi học học kỳ 2") == "Thôi học kỳ 2"
    # the term in Roman numerals, as schools often write it, and HK for học kỳ
    assert values.status("Nghỉ học xin học lại kì I") == "Nghỉ học xin học lại kỳ 1"
    assert values.status("Thôi học học kì II") == "Thôi học kỳ 2"
    assert values.status("Chuyển đến HK I") == "Chuyển đến kỳ 1"
    with pytest.raises(Rejected):
        values.status("Thôi học kỳ III")


@pytest.mark.parametrize("cell,expected", [
    ("x", True), ("X", True), ("Có", True), ("có", True), (1, True), (None, False), ("", False),
    ("Không", False), (0, False),
])
def test_flags(cell, expected):
    assert values.flag(cell) is expected


def test_flag_rejects_nonsense():
    with pytest.raises(Rejected, match="mark"):
        values.flag("hai buổi")


@pytest.mark.parametrize("cell,expected", [
    (None, "khong"), ("Không", "khong"), ("x", "co"), ("Có", "co"), ("01", "01"), (1, "01"),
    ("Khuyết tật vận động", "01"), ("Khuyết tật trí tuệ", "05"), ("trí tuệ", "05"),
])
def test_disability(cell, expected):
    assert values.disability(cell) == expected


@pytest.mark.parametrize("cell,expected", [
    ("Hoàn thành xuất sắc", "htxs"), ("Hoàn thành tốt", "htt"), ("Hoàn thành", "ht"),
    ("Chưa hoàn thành", "cht"), ("HOÀN THÀNH", "ht"),
])
def test_evaluation(cell, expected):
    assert values.evaluation(cell) == expected


def test_staff_vocabularies():
    assert values.staff_group("Giáo viên") == "gv"
    assert values.staff_group("CBQL") == "cbql"
    assert values.qualification("Đại học") == "Đại học"
    assert values.qualification("Cử nhân") == "Đại học"
    assert values.contract("Biên chế") == "Biên chế"
    assert values.position("Phó Hiệu trưởng") == "Phó hiệu trưởng"
    assert values.position("Nấu ăn") == "Nấu ăn"  # open vocabulary: kept
    assert values.subject("Mỹ thuật") == "Mĩ thuật"


def test_counts():
    assert values.count(3.0) == 3
    assert values.count("12") == 12
    with pytest.raises(Rejected):
        values.count("ba mươi")
    with pytest.raises(Rejected):
        values.count(-1)
    assert values.sessions_per_day(2) is True
    assert values.sessions_per_day("1") is False


def test_names_case():
    assert values.name("NGUYỄN VĂN AN") == "Nguyễn Văn An"
    assert values.name("  Trần   Thị  Bình ") == "Trần Thị Bình"
    assert values.name("Điểu K'Lang") == "Điểu K'Lang"


def test_facility_items():
    assert values.facility_item("Phòng học kiên cố") == "phong_hoc_kien_co"
    assert values.facility_item("Phòng học nhờ/mượn") == "phong_hoc_nho_muon"
    with pytest.raises(Rejected):
        values.facility_item("Sân bóng")
