"""School years, reporting periods and their deadlines in Vietnamese working days.

The rule (inputs.md section 5, from the province's 2021-2022 letter):

- **vnEdu deadline** (school → district office, figures entered and synced in vnEdu): 13/09 of the
  start year for ``dau_nam``, 14/01 and 20/05 of the end year for ``cuoi_hk1`` and ``cuoi_nam``.
  For other years the same day and month is used; when it falls on a weekend or a public holiday the
  deadline moves to the next working day (Bộ luật Dân sự 2015, Điều 148 khoản 5).
- **EQMS deadline** (district office → province): 5 working days after the vnEdu deadline.
- Working days are Monday–Friday, minus Vietnamese public holidays and days in lieu as the
  ``holidays`` package knows them (``holidays.country_holidays("VN")``).
- ``danh_muc/ky_bao_cao.xlsx`` (Năm học · Kỳ · Hạn vnEdu · Hạn EQMS), when present, overrides the
  rule for the periods it lists; a blank Hạn EQMS there is derived from its Hạn vnEdu.
- Merged TH&THCS schools that cannot sync must be reported to the province before 09/09 of the
  start year (:func:`merge_report_deadline`).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from pathlib import Path

from eduwb import text, values, vocab
from eduwb.errors import ParameterError, RegistryError

EQMS_WORKING_DAYS = 5
# (month, day, in the end year?) of the vnEdu deadline, from the 2021-2022 letter.
VNEDU_DAY: dict[str, tuple[int, int, bool]] = {
    "dau_nam": (9, 13, False),
    "cuoi_hk1": (1, 14, True),
    "cuoi_nam": (5, 20, True),
}
MERGE_REPORT_DAY = (9, 9)  # merged schools that cannot sync: report before 09/09 of the start year

_YEAR = re.compile(r"^\s*(\d{4})\s*[-–/]\s*(\d{4})\s*$")  # as a registry sheet may write it
_YEAR_FOLDER = re.compile(r"^(\d{4})-(\d{4})$")
_PERIOD_SPELLINGS: dict[str, tuple[str, ...]] = {
    "dau_nam": ("dau_nam", "Đầu năm", "Đầu năm học", "DN"),
    "cuoi_hk1": ("cuoi_hk1", "Cuối học kì I", "Cuối học kỳ I", "Cuối học kì 1", "Cuối học kỳ 1",
                 "Cuối HK1", "Cuối HKI", "Giữa năm", "HK1", "HKI"),
    "cuoi_nam": ("cuoi_nam", "Cuối năm", "Cuối năm học", "CN"),
}
_PERIOD_KEYS = {text.header_key(s): code for code, ss in _PERIOD_SPELLINGS.items() for s in ss}
_CALENDAR_HEADERS: dict[str, tuple[str, ...]] = {
    "year": ("Năm học",),
    "period": ("Kỳ", "Kỳ báo cáo", "Kì", "Kì báo cáo"),
    "vnedu": ("Hạn vnEdu", "Hạn nhập vnEdu"),
    "eqms": ("Hạn EQMS", "Hạn báo cáo EQMS"),
}

def local_date(timestamp: float) -> dt.date:
    """The date of a POSIX timestamp (a file's modification time) in the machine's time zone, as
    the office's file manager shows it (an office machine runs on Vietnam's time: a file saved at
    06:00 on the 11th is of the 11th, not of the 10th as in UTC)."""
    return dt.datetime.fromtimestamp(timestamp).date()


@dataclass(frozen=True)
class Deadlines:
    """The deadlines of one period.

    ``vnedu``: schools finish, sync and send their signed report (school → district office);
    ``eqms``: district offices send their signed report and EQMS figures (district → province);
    ``source``: ``"rule"`` or ``"ky_bao_cao.xlsx"``.
    """

    year: str
    period: str
    vnedu: dt.date
    eqms: dt.date
    source: str = "rule"

    @property
    def label(self) -> str:
        """The period as people write it, e.g. "Đầu năm, năm học 2021-2022"."""
        return f"{vocab.PERIOD_LABELS[self.period]}, năm học {self.year}"


def school_years(year: str) -> tuple[int, int]:
    """(start, end) of a school year written ``2021-2022`` (or ``2021 – 2022`` in a registry
    sheet); raises ParameterError otherwise. The one check of a school year."""
    m = _YEAR.match(str(year or ""))
    if not m or int(m.group(2)) != int(m.group(1)) + 1:
        raise ParameterError(f"school year {year!r} is not of the form 2021-2022")
    return int(m.group(1)), int(m.group(2))


def is_school_year_folder(name: str) -> bool:
    """Whether a name is a school year as DATA's folders and the commands write it:
    ``2021-2022`` exactly (two consecutive years)."""
    m = _YEAR_FOLDER.match(name)
    return bool(m) and int(m.group(2)) == int(m.group(1)) + 1


def school_year_folders(data: Path | str) -> list[str]:
    """The school years DATA holds a folder for, sorted."""
    data = Path(data)
    if not data.is_dir():
        return []
    return sorted(p.name for p in data.iterdir() if p.is_dir() and is_school_year_folder(p.name))


def period_code(value: object) -> str | None:
    """A period code from its code or Vietnamese label ("Đầu năm", "Cuối học kì I"...); else None."""
    if value is None:
        return None
    return _PERIOD_KEYS.get(text.header_key(str(value)))


@functools.lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[dt.date]:
    import holidays

    return frozenset(holidays.country_holidays("VN", years=year, language="vi"))


def holiday_names(year: int) -> dict[dt.date, str]:
    """Vietnamese public holidays and days in lieu of a calendar year, with their names."""
    import holidays

    return dict(sorted(holidays.country_holidays("VN", years=year, language="vi").items()))


def is_working_day(day: dt.date) -> bool:
    """Monday–Friday and not a Vietnamese public holiday or day in lieu."""
    return day.weekday() < 5 and day not in _holidays(day.year)


def working_days_after(day: dt.date, n: int) -> dt.date:
    """The ``n``-th working day after ``day`` (``day`` itself not counted); ``n = 0`` gives ``day``."""
    if n < 0:
        raise ValueError("n must be >= 0")
    while n:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days in (start, end]; negative when ``end`` is before ``start``."""
    if end < start:
        return -working_days_between(end, start)
    return sum(is_working_day(start + dt.timedelta(days=i)) for i in range(1, (end - start).days + 1))


def next_working_day(day: dt.date) -> dt.date:
    """``day`` if it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def rule_deadlines(year: str, period: str) -> Deadlines:
    """The deadlines by the rule of the module docstring (no override)."""
    start, end = school_years(year)
    if period not in VNEDU_DAY:
        raise ParameterError(f"period {period!r} is not one of {', '.join(vocab.PERIODS)}")
    month, day, in_end = VNEDU_DAY[period]
    vnedu = next_working_day(dt.date(end if in_end else start, month, day))
    return Deadlines(year, period, vnedu, working_days_after(vnedu, EQMS_WORKING_DAYS))


def deadlines(data: Path | str | None, year: str, period: str) -> Deadlines:
    """The deadlines of a period: ``DATA/danh_muc/ky_bao_cao.xlsx`` when it lists the period, else
    the rule (:func:`rule_deadlines`; also when ``data`` is None)."""
    rule = rule_deadlines(year, period)
    if data is None:
        return rule
    return read_calendar(data).get((rule.year, period), rule)


def merge_report_deadline(year: str) -> dt.date:
    """09/09 of the start year: merged TH&THCS schools that cannot sync are reported *before* it."""
    start, _ = school_years(year)
    return dt.date(start, *MERGE_REPORT_DAY)


def read_calendar(data: Path | str) -> dict[tuple[str, str], Deadlines]:
    """The overrides of ``DATA/danh_muc/ky_bao_cao.xlsx`` by (year, period); {} when absent.

    Kỳ may be written as a code (``dau_nam``) or a label (``Đầu năm``). Raises RegistryError naming
    the row for an unknown period or a date that cannot be read.
    """
    from eduwb.registry import REGISTRY_FOLDER, read_sheet

    path = Path(data) / REGISTRY_FOLDER / "ky_bao_cao.xlsx"
    if not path.is_file():
        return {}
    out: dict[tuple[str, str], Deadlines] = {}
    for i, rec in enumerate(read_sheet(path, _CALENDAR_HEADERS, required=("year", "period",
                                                                          "vnedu")), start=1):
        where = f"data row {i}"
        period = period_code(rec.get("period"))
        if period is None:
            raise RegistryError(f"{where}: Kỳ {rec.get('period')!r} is not a known period",
                                file=str(path), column="Kỳ")
        try:
            start, end = school_years(str(rec.get("year")))
        except ParameterError as exc:
            raise RegistryError(f"{where}: {exc}", file=str(path), column="Năm học") from exc
        year = f"{start}-{end}"
        vnedu = _date(rec.get("vnedu"), path, where, "Hạn vnEdu")
        if vnedu is None:
            raise RegistryError(f"{where}: Hạn vnEdu is blank", file=str(path), column="Hạn vnEdu")
        eqms = _date(rec.get("eqms"), path, where, "Hạn EQMS") or working_days_after(
            vnedu, EQMS_WORKING_DAYS)
        out[(year, period)] = Deadlines(year, period, vnedu, eqms, "ky_bao_cao.xlsx")
    return out


def _date(value: object, path: Path, where: str, column: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return values.date(value)
    except values.Rejected as exc:
        raise RegistryError(f"{where}: {exc}", file=str(path), column=column) from None
