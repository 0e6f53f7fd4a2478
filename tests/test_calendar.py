"""Deadlines: the 2021-2022 letter, the 5-working-day EQMS rule across Tết and 30/4-1/5, overrides."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from eduwb import calendar
from eduwb.errors import ParameterError, RegistryError

D = dt.date
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
LETTER = {"dau_nam": (D(2021, 9, 13), D(2021, 9, 20)),
          "cuoi_hk1": (D(2022, 1, 14), D(2022, 1, 21)),
          "cuoi_nam": (D(2022, 5, 20), D(2022, 5, 27))}


@pytest.mark.parametrize("period", list(LETTER))
def test_letter_dates_by_rule(period):
    vnedu, eqms = LETTER[period]
    assert calendar.working_days_after(vnedu, 5) == eqms
    due = calendar.rule_deadlines("2021-2022", period)
    assert (due.vnedu, due.eqms, due.source) == (vnedu, eqms, "rule")


@pytest.mark.parametrize("period", list(LETTER))
def test_sample_ky_bao_cao_written_with_labels(period):
    due = calendar.deadlines(SAMPLE, "2021-2022", period)
    assert (due.vnedu, due.eqms) == LETTER[period]
    assert due.source == "ky_bao_cao.xlsx"


@pytest.mark.parametrize(("start", "n", "expected"), [
    (D(2022, 1, 28), 1, D(2022, 2, 7)),     # Tết 31/01-04/02/2022
    (D(2022, 1, 27), 5, D(2022, 2, 10)),
    (D(2021, 12, 31), 1, D(2022, 1, 4)),    # 01/01 Saturday, 03/01 in lieu
    (D(2022, 4, 29), 1, D(2022, 5, 4)),     # 30/4 and 1/5 on a weekend: 02/05, 03/05 in lieu
    (D(2022, 4, 8), 1, D(2022, 4, 12)),     # Giỗ Tổ 10/04 Sunday, 11/04 in lieu
    (D(2021, 9, 1), 1, D(2021, 9, 6)),      # Quốc khánh 02/09 and 03/09/2021
    (D(2022, 1, 14), 0, D(2022, 1, 14)),
])
def test_working_days_after_skips_weekends_holidays_and_days_in_lieu(start, n, expected):
    assert calendar.working_days_after(start, n) == expected


def test_holidays_known():
    names = calendar.holiday_names(2022)
    for day in (D(2022, 1, 3), D(2022, 1, 31), D(2022, 2, 4), D(2022, 5, 2), D(2022, 5, 3)):
        assert day in names
    assert not calendar.is_working_day(D(2022, 2, 1))
    assert calendar.is_working_day(D(2022, 2, 7))
    assert calendar.working_days_between(D(2022, 1, 28), D(2022, 2, 7)) == 1
    assert calendar.working_days_between(D(2022, 2, 7), D(2022, 1, 28)) == -1


def test_rule_for_other_years_moves_to_next_working_day():
    # 14/01/2023 is a Saturday → Monday 16/01; EQMS crosses Tết 2023 (20-26/01).
    due = calendar.rule_deadlines("2022-2023", "cuoi_hk1")
    assert (due.vnedu, due.eqms) == (D(2023, 1, 16), D(2023, 1, 30))
    assert calendar.rule_deadlines("2024-2025", "cuoi_nam").vnedu == D(2025, 5, 20)


def test_merge_report_deadline_and_period_spellings():
    assert calendar.merge_report_deadline("2021-2022") == D(2021, 9, 9)
    for spelling, code in (("Đầu năm", "dau_nam"), ("cuoi_hk1", "cuoi_hk1"),
                           ("Cuối học kỳ I", "cuoi_hk1"), ("CUỐI NĂM", "cuoi_nam"),
                           ("Giữa năm", "cuoi_hk1"), ("Cả năm", None)):
        assert calendar.period_code(spelling) == code
    with pytest.raises(ParameterError):
        calendar.rule_deadlines("2021-2023", "dau_nam")
    with pytest.raises(ParameterError):
        calendar.rule_deadlines("2021-2022", "giua_nam")


def _write_calendar(root: Path, rows: list[list]) -> Path:
    import openpyxl

    folder = root / "danh_muc"
    folder.mkdir(parents=True)
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["KỲ BÁO CÁO"])
    ws.append(["Năm học", "Kỳ", "Hạn vnEdu", "Hạn EQMS"])
    for r in rows:
        ws.append(r)
    book.save(folder / "ky_bao_cao.xlsx")
    return root


def test_overrides_codes_labels_and_derived_eqms(tmp_path):
    data = _write_calendar(tmp_path, [["2022-2023", "cuoi_hk1", "13/01/2023", None],
                                      ["2022-2023", "Đầu năm", D(2022, 9, 12), D(2022, 9, 23)]])
    due = calendar.deadlines(data, "2022-2023", "cuoi_hk1")
    assert (due.vnedu, due.eqms) == (D(2023, 1, 13), D(2023, 1, 27))  # 5 working days over Tết
    assert calendar.deadlines(data, "2022-2023", "dau_nam").eqms == D(2022, 9, 23)
    assert calendar.deadlines(data, "2022-2023", "cuoi_nam").source == "rule"


def test_bad_override_names_the_column(tmp_path):
    data = _write_calendar(tmp_path, [["2022-2023", "Cả năm", "13/01/2023", None]])
    with pytest.raises(RegistryError, match="Kỳ"):
        calendar.deadlines(data, "2022-2023", "cuoi_hk1")
