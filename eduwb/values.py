"""Cell values → canonical values, one parser per field type.

Every parser takes one raw cell (str, int, float, bool, date, datetime or None) and returns the
canonical value, ``None`` for a blank cell, or raises :class:`Rejected` with a reason a person can act
on. Parsers are pure and cached on hashable input: exports repeat values a lot.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from eduwb import text, vocab

EXCEL_EPOCH = dt.date(1899, 12, 30)


class Rejected(ValueError):
    """A cell value that cannot be read as its field; ``str()`` is the reason."""


def is_missing(value: object) -> bool:
    """The one test of a missing scalar everywhere in eduwb: None, NaN, ``pd.NA`` or ``pd.NaT``
    (a blank text is not missing: :func:`_blank` reads it as an empty cell)."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, NaT
    except TypeError:  # pd.NA: its comparison is NA itself
        return True


def as_text(value: object) -> str:
    """A value as plain text: empty when missing, a date (or a datetime) as YYYY-MM-DD, else
    ``str``."""
    if is_missing(value):
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _blank(value: object) -> bool:
    """An empty cell: missing, or text of spaces only."""
    if value is None:
        return True
    cls = value.__class__
    if cls is str:
        return not value.strip()
    return cls is not int and is_missing(value)


# --- codes -----------------------------------------------------------------------------------------

_DIGITS = re.compile(r"^\d+$")


def _code_text(value: object) -> str:
    """A code as text: 7012345678.0 → "7012345678", "70 123 456 78" → "7012345678"."""
    if isinstance(value, str) and value.isdigit() and value.isascii():
        return value
    if isinstance(value, bool):
        raise Rejected(f"{value!r} is not a code")
    if isinstance(value, float):
        if not value.is_integer():
            raise Rejected(f"{value!r} is not a code: it has decimals")
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    s = text.clean(str(value)).replace(" ", "").lstrip("'")
    if re.fullmatch(r"\d+\.0+", s):
        s = s.split(".")[0]
    return s


def moet_id(value: object) -> str | None:
    """The ministry's 10-digit code of a pupil or staff member."""
    cls = value.__class__
    if cls is str and len(value) == 10 and value.isdigit() and value.isascii():
        return value  # the usual cells, at once
    if cls is float and 1e9 <= value < 1e10 and value.is_integer():
        return str(int(value))
    if _blank(value):
        return None
    s = _code_text(value)
    if not _DIGITS.match(s) or len(s) != 10:
        raise Rejected(f"{value!r} is not a MOET code: expected 10 digits")
    return s


def personal_id(value: object) -> str | None:
    """The 12-digit personal identification number (leading zero restored if Excel dropped it)."""
    if value.__class__ is str and len(value) == 12 and value.isdigit() and value.isascii():
        return value
    if _blank(value):
        return None
    s = _code_text(value)
    if _DIGITS.match(s) and len(s) == 11:
        s = "0" + s
    if not _DIGITS.match(s) or len(s) != 12:
        # the value itself is personal data: the reason names its shape, never its digits
        digits = sum(ch.isdigit() for ch in s)
        raise Rejected(f"not a personal identification number: {digits} digits where 12 are "
                       "expected")
    return s


def local_id(value: object) -> str | None:
    """vnEdu's own code: any text; a number loses its spurious ``.0``."""
    if value.__class__ is str and value.isalnum() and value.isascii():
        return value  # HS001234, 7012345678
    if _blank(value):
        return None
    return _code_text(value)


def school_name(value: object) -> str | None:
    """A school's name as written (cleaned); the registry resolves it to a code."""
    if _blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return text.clean(str(value))


def school_code(value: object) -> str | None:
    """An 8-digit school code."""
    if _blank(value):
        return None
    s = _code_text(value)
    if not _DIGITS.match(s) or len(s) != 8:
        raise Rejected(f"{value!r} is not a school code: expected 8 digits")
    return s


# --- dates -----------------------------------------------------------------------------------------

_DATE_DMY = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})$")
_DATE_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")


def excel_serial(n: float) -> dt.date:
    """An Excel serial day number (1900 system, with Lotus's phantom 29/02/1900) as a date."""
    days = int(n)
    if days < 1 or days > 2958465:
        raise Rejected(f"{n!r} is not a date")
    if days == 60:
        raise Rejected("29/02/1900 does not exist (Excel's leap-year bug)")
    if days < 60:
        return dt.date(1899, 12, 31) + dt.timedelta(days=days)
    return EXCEL_EPOCH + dt.timedelta(days=days)


def date(value: object) -> dt.date | None:
    """A date from a date cell, an Excel serial or text dd/mm/yyyy (also ``-`` and ``.``)."""
    cls = value.__class__
    if cls is dt.date:
        return value
    if cls is dt.datetime:
        return value.date()
    if cls is str:
        return _date_text(value) if value and not value.isspace() else None
    if _blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise Rejected(f"{value!r} is not a date")
    if isinstance(value, int | float):
        return excel_serial(value)
    return _date_text(str(value))


@lru_cache(maxsize=1 << 16)
def _date_text(raw: str) -> dt.date:
    s = text.clean(raw)
    m = _DATE_DMY.match(s)
    if m:
        d, mo, y = (int(g) for g in m.groups())
    else:
        m = _DATE_YMD.match(s)
        if not m:
            if re.fullmatch(r"\d{5}(\.0+)?", s):
                return excel_serial(float(s))
            raise Rejected(f"{s} is not a date (expected dd/mm/yyyy)")
        y, mo, d = (int(g) for g in m.groups())
    try:
        return dt.date(y, mo, d)
    except ValueError:
        raise Rejected(f"{s} is not a date") from None


# --- enumerations ------------------------------------------------------------------------------------


def _lookup(table: dict[str, str], what: str) -> Callable[[Any], str | None]:
    """A parser that maps text through ``table`` (keys are text.fold_accents keys)."""

    allowed = ", ".join(sorted(set(table.values())))

    @lru_cache(maxsize=4096)
    def parse_text(s: str) -> str:
        key = _enum_key(s)
        if key in table:
            return table[key]
        raise Rejected(f"{s} is not a known {what} (expected one of: {allowed})")

    def parse(value: object) -> str | None:
        if _blank(value):
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return parse_text(str(value))

    return parse


def _enum_key(s: str) -> str:
    """Accent- and case-folded, punctuation-free key used by every enumeration lookup."""
    key = text.fold_accents(s)
    key = re.sub(r"[\s\-'’`ʼ.,:/()]+", " ", key).strip()
    return key


def _table(pairs: dict[str, tuple[str, ...]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for canonical, spellings in pairs.items():
        for spelling in (canonical, *spellings):
            out[_enum_key(spelling)] = canonical
            out[_enum_key(spelling).replace(" ", "")] = canonical
    return out


def _ethnic_table() -> dict[str, str]:
    out = _table(vocab.ETHNIC_GROUPS)
    # "Dân tộc Kinh", "DT Tày": the prefix is noise.
    for key, canonical in list(out.items()):
        out["dan toc " + key] = canonical
    return out


_ETHNIC = _ethnic_table()
_ethnicity_text = _lookup(_ETHNIC, "ethnic group")


def ethnicity(value: object) -> str | None:
    """One of the 54 groups, whatever the spelling (Xtiêng = S'tiêng = Stiêng, Khơ-me = Khmer)."""
    if _blank(value):
        return None
    s = str(value)
    try:
        return _ethnicity_text(s)
    except Rejected:
        squeezed = _enum_key(s).replace(" ", "")
        if squeezed in _ETHNIC:
            return _ETHNIC[squeezed]
        raise


sex = _lookup(
    {
        "nam": "M", "m": "M", "male": "M", "trai": "M",
        "nu": "F", "f": "F", "female": "F", "gai": "F",
    },
    "sex (Nam/Nữ)",
)

_TRUE = {"x", "co", "c", "1", "true", "yes", "v", "✓", "✔", "dung", "dat"}
_FALSE = {"khong", "k", "0", "false", "no", "-"}


def flag(value: object) -> bool:
    """A mark column: x / Có → True; blank / Không → False (a blank flag cell means no)."""
    if _blank(value):
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if value in (0, 1):
            return bool(value)
        raise Rejected(f"{value!r} is not a mark (expected x, Có or blank)")
    key = _enum_key(str(value))
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise Rejected(f"{value} is not a mark (expected x, Có or blank)")


def female_mark(value: object) -> str:
    """A ``Nữ`` column with "x" for girls: marked → F, blank → M."""
    return "F" if flag(value) else "M"


def _status_table() -> dict[str, str]:
    out: dict[str, str] = {}
    terms = ("ky ", "ki ", "hoc ky ", "hoc ki ", "hk", "hk ")  # kỳ 1, kì I, học kỳ 1, HK1, HK I
    numbers = {"1": ("1", "i"), "2": ("2", "ii")}
    for status in vocab.STUDENT_STATUSES:
        key = _enum_key(status)
        variants = {key}
        for n, spellings in numbers.items():
            if key.endswith(f" ky {n}"):
                stem = key[: -len(f"ky {n}")]
                variants |= {f"{stem}{t}{x}" for t in terms for x in spellings}
        for v in variants:
            out[v] = status
            out[v.replace(" ", "")] = status
    return out


_status_text = _lookup(_status_table(), "pupil status")


def status(value: object) -> str | None:
    """One of the 12 CSDL pupil statuses."""
    if _blank(value):
        return None
    try:
        return _status_text(value)
    except Rejected:
        squeezed = _enum_key(str(value)).replace(" ", "")
        table = _status_table()
        if squeezed in table:
            return table[squeezed]
        raise


_evaluation_text = _lookup(
    {
        **{_enum_key(label): code for code, label in vocab.EVALUATIONS.items()},
        **{code: code for code in vocab.EVALUATIONS},
        "hoan thanh xuat sac": "htxs",
        "hoan thanh tot": "htt",
    },
    "evaluation",
)


def evaluation(value: object) -> str | None:
    """End-of-year evaluation as htxs / htt / ht / cht."""
    return _evaluation_text(value)


def _disability_table() -> dict[str, str]:
    out = {"khong": vocab.DISABILITY_NONE, "k": vocab.DISABILITY_NONE, "0": vocab.DISABILITY_NONE,
           "khong khuyet tat": vocab.DISABILITY_NONE}
    for key in _TRUE:
        out[key] = vocab.DISABILITY_YES
    for code, label in vocab.DISABILITY_TYPES.items():
        out[code] = code
        out[str(int(code))] = code
        out[_enum_key(label)] = code
        out[_enum_key(label.removeprefix("Khuyết tật "))] = code
    return out


_disability_text = _lookup(_disability_table(), "disability")


def disability(value: object) -> str:
    """khong (blank or Không), co (a bare mark) or a type code 01-06."""
    if _blank(value):
        return vocab.DISABILITY_NONE
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        value = f"{int(value):02d}"
    return _disability_text(value) or vocab.DISABILITY_NONE


def _labels(labels: tuple[str, ...], extra: dict[str, tuple[str, ...]] | None = None) -> dict:
    pairs = {label: () for label in labels}
    for canonical, spellings in (extra or {}).items():
        pairs[canonical] = spellings
    return _table(pairs)


staff_group = _lookup(
    _table({
        "cbql": ("Cán bộ quản lý", "CBQL", "Quản lý"),
        "gv": ("Giáo viên", "GV"),
        "nv": ("Nhân viên", "NV"),
    }),
    "staff group",
)
qualification = _lookup(
    _labels(vocab.QUALIFICATIONS, {"Đại học": ("Cử nhân", "ĐH", "Kỹ sư"), "Cao đẳng": ("CĐ",),
                                    "Trung cấp": ("TC", "THSP"), "Thạc sĩ": ("ThS", "Thạc sỹ"),
                                    "Tiến sĩ": ("TS", "Tiến sỹ")}),
    "qualification",
)
contract = _lookup(
    _labels(vocab.CONTRACTS, {"Biên chế": ("Viên chức", "BC"), "Hợp đồng": ("HĐ", "Hợp đồng lao động")}),
    "contract type",
)
staff_status = _lookup(_labels(vocab.STAFF_STATUSES), "staff status")


def _open_label(labels: tuple[str, ...], extra: dict[str, tuple[str, ...]]) -> Callable:
    """Open vocabulary: known spellings map to the canonical label, others are kept, cleaned."""
    table = _labels(labels, extra)

    def parse(value: object) -> str | None:
        if _blank(value):
            return None
        s = text.clean(str(value))
        return table.get(_enum_key(s), s)

    return parse


position = _open_label(vocab.POSITIONS, {"Tổng phụ trách Đội": ("TPT Đội", "Tổng phụ trách")})
subject = _open_label(
    vocab.SUBJECTS,
    {"Văn hóa": ("Văn hoá", "Giáo viên văn hóa", "Dạy văn hóa"), "Mĩ thuật": ("Mỹ thuật",),
     "Giáo dục thể chất": ("Thể dục", "GDTC"), "Tiếng Anh": ("Anh văn", "Ngoại ngữ")},
)


# --- classes and grades ---------------------------------------------------------------------------

_CLASS = re.compile(r"^(?:lop|l)?\s*([1-5])\s*([/.\-]?)\s*([a-z0-9]{0,4})$")


@lru_cache(maxsize=8192)
def _class_text(s: str) -> str:
    folded = text.fold_accents(s).strip()
    m = _CLASS.match(folded)
    if not m:
        raise Rejected(f"{s} is not a class name (expected e.g. 1A, 1/1, 5A1)")
    grade, sep, rest = m.groups()
    if sep and not rest:
        raise Rejected(f"{s} is not a class name")
    return f"{grade}{'/' if sep else ''}{rest.upper()}"


def class_name(value: object) -> str | None:
    """A class name in one form: "Lớp 1A", "L1A", "1a" → 1A; "1 / 1" → 1/1; "5A1" stays."""
    if _blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _class_text(str(value))


def grade_of_class(name: str | None) -> int | None:
    """The grade a canonical class name starts with."""
    return int(name[0]) if name and name[0] in "12345" else None


def grade(value: object) -> int | None:
    """A grade 1-5 from 1, 1.0, "1", "Khối 1", "Lớp 1"."""
    if _blank(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and 1 <= int(value) <= 5:
            return int(value)
        raise Rejected(f"{value!r} is not a primary grade (1-5)")
    m = re.fullmatch(r"(?:khoi|lop|k)?\s*([1-5])", text.fold_accents(str(value)).strip())
    if not m:
        raise Rejected(f"{value} is not a primary grade (1-5)")
    return int(m.group(1))


def count(value: object) -> int | None:
    """A whole number ≥ 0."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise Rejected(f"{value!r} is not a whole number")
    if isinstance(value, int | float):
        if float(value).is_integer() and value >= 0:
            return int(value)
        raise Rejected(f"{value!r} is not a whole number ≥ 0")
    s = text.clean(str(value)).replace(" ", "")
    if re.fullmatch(r"\d+(\.0+)?", s):
        return int(float(s))
    raise Rejected(f"{value} is not a whole number")


def sessions_per_day(value: object) -> bool | None:
    """``Số buổi/ngày``: 2 → learns two sessions a day, 1 → does not."""
    n = count(value)
    if n is None:
        return None
    if n not in (1, 2):
        raise Rejected(f"{value!r} sessions a day: expected 1 or 2")
    return n == 2


def name(value: object) -> str | None:
    """A person's name, cleaned; all-caps or all-lower names get Vietnamese title case."""
    if value.__class__ is str:
        return _name_text(value) if value and not value.isspace() else None
    if _blank(value):
        return None
    return _name_text(str(value))


@lru_cache(maxsize=1 << 18)
def _name_text(raw: str) -> str:
    s = text.clean(raw)
    if s.isupper() or s.islower():
        s = text.title_name(s)
    return s


def facility_item(value: object) -> str | None:
    """A facility item label (Hạng mục) → its canonical field name."""
    if _blank(value):
        return None
    key = text.header_key(str(value))
    field = _FACILITY_KEYS.get(key)
    if field is None:
        raise Rejected(f"{value} is not a known facility item")
    return field


_FACILITY_KEYS = {
    text.header_key(label): field
    for field, labels in vocab.FACILITY_ITEMS.items()
    for label in labels
}
