"""The field catalogue: everything eduwb knows about a field of the exports, in one table.

One :class:`Field` per canonical field (a column of a canonical table, schemas.py) or header helper
(a column that composes one: Họ đệm + Tên → ``full_name``, a Nữ mark → ``sex``, a wide facility
item → item records): the list kinds whose exports carry it, the headers both systems write for it
(and those whose meaning depends on the system), its parser, its dtype in the canonical tables,
whether its text may be TCVN3/VNI legacy text, in which list kinds the two systems' values are
compared, how (names case-insensitively, a bare disability mark against a type), its personal-data
class, its Vietnamese label, and its weight in deciding a list kind from a header.

Every other table is derived from :data:`CATALOGUE`: the reader's header aliases, the canonical
columns (schemas.py), the parsers, dtypes and legacy handling (normalise.py), the compared fields and
labels (compare.py, checks), the sample's truth. Adding a column that both systems export means one
entry here (and its parser in values.py); adding a header spelling means one alias here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType

from eduwb import values, vocab

S, ST, C, F = "students", "staff", "classes", "facilities"
PEOPLE = (S, ST)
DTYPES = ("text", "int", "flag", "date")
LEGACY = ("free", "vocab")  # free text: repaired in every file; a vocabulary: when values fail
PERSONAL = ("identifier", "sensitive", "plain")
COMPARISONS = ("value", "name", "disability")
Headers = tuple[str, ...] | Mapping[str, tuple[str, ...]]  # all kinds, or per list kind


@dataclass(frozen=True)
class Field:
    """One field of the exports.

    ``kinds``: list kinds whose exports may carry it (its headers are looked for there);
    ``canonical``: a column of those kinds' canonical tables (False: a header helper composing one,
    or the school of a row); ``aliases``: headers both systems write (the usual one first), or a
    mapping list kind → headers where the kinds write it differently; ``by_system``: system →
    headers whose meaning depends on the system (they win over ``aliases``; a mapping list kind →
    headers again where kinds differ); ``parser``: cell → canonical value
    (raises values.Rejected); ``dtype``: text, int (``Int64``), flag (``boolean``) or date;
    ``legacy``: ``free`` (free text, checked for TCVN3/VNI in every file) or ``vocab`` (a closed
    vocabulary, repaired when some value fails to parse) or None (codes, dates, counts);
    ``compared``: the list kinds where the two systems' values are compared (a field both exports
    carry); ``comparison``: ``value`` (equal after normalisation), ``name`` (case-insensitively) or
    ``disability`` (a bare mark agrees with any type); ``personal``: ``identifier`` (a personal ID
    number: for matching only, never shown but its last 4 digits), ``sensitive`` (ethnicity,
    health: Nghị định 13/2023) or ``plain``; ``label``: Vietnamese, as messages use it;
    ``signature``: weight per list kind in deciding a file's kind from its header; ``identity``:
    the list kinds where a row with none of its identity fields has no identity.
    """

    name: str
    kinds: tuple[str, ...]
    label: str
    parser: Callable[[object], object]
    aliases: Headers = ()
    by_system: Mapping[str, Headers] = field(default_factory=dict)
    canonical: bool = True
    dtype: str = "text"
    legacy: str | None = None
    compared: tuple[str, ...] = ()
    comparison: str = "value"
    personal: str = "plain"
    signature: Mapping[str, int] = field(default_factory=dict)
    identity: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name, value, allowed in (("dtype", self.dtype, DTYPES),
                                     ("legacy", self.legacy, (*LEGACY, None)),
                                     ("personal", self.personal, PERSONAL),
                                     ("comparison", self.comparison, COMPARISONS)):
            if value not in allowed:
                raise ValueError(f"field {self.name}: {name} {value!r} is not one of {allowed}")
        unknown = {*self.compared, *self.signature, *self.identity} - set(self.kinds)
        if unknown:
            raise ValueError(f"field {self.name}: kinds {sorted(unknown)} it is not carried by")


def _facility_items() -> tuple[Field, ...]:
    """The wide facilities layout: one column per item (inputs.md 3.4), each becoming an item
    record; the long layout's Hạng mục / Số lượng are the ``item`` and ``count`` fields."""
    return tuple(
        Field(item, (F,), labels[0].lower(), values.count, labels, canonical=False, dtype="int",
              signature={F: 2})
        for item, labels in vocab.FACILITY_ITEMS.items())


_OWN_CODE = {S: ("Mã học sinh", "Mã HS"), ST: ("Mã cán bộ", "Mã CB")}

CATALOGUE: tuple[Field, ...] = (
    # --- the school of a row (district-level files); provenance, not a canonical field ---
    Field("school_code", (S, ST, C, F), "mã trường", values.school_code, ("Mã trường",),
          canonical=False),
    Field("school_name", (S, ST, C, F), "tên trường", values.school_name,
          ("Tên trường", "Trường", "Tên trường học"), canonical=False),
    # --- people (students and staff), in the canonical tables' column order ---
    # "Mã học sinh" / "Mã cán bộ" is vnEdu's own code in vnEdu and the MOET code in CSDL.
    Field("vnedu_id", PEOPLE, "mã vnEdu", values.local_id,
          by_system={"vnedu": _OWN_CODE}, identity=PEOPLE),
    Field("moet_id", PEOPLE, "mã định danh", values.moet_id,
          ("Mã định danh Bộ GD&ĐT", "Mã định danh", "Mã định danh Bộ GDĐT"),
          by_system={"csdl": _OWN_CODE}, identity=PEOPLE),
    Field("personal_id", PEOPLE, "số định danh cá nhân", values.personal_id,
          {S: ("Số định danh cá nhân", "Số CCCD", "Mã định danh cá nhân"),
           ST: ("Số định danh cá nhân", "Số CCCD")}, compared=PEOPLE, personal="identifier"),
    Field("full_name", PEOPLE, "họ tên", values.name,
          {S: ("Họ và tên", "Họ tên", "Họ và tên học sinh", "Họ tên học sinh"),
           ST: ("Họ và tên", "Họ tên")}, legacy="free",
          compared=PEOPLE, comparison="name", signature={S: 1, ST: 1}, identity=PEOPLE),
    Field("middle_name", PEOPLE, "họ đệm", values.name,
          {S: ("Họ đệm", "Họ và tên đệm", "Họ và đệm"), ST: ("Họ đệm",)},
          canonical=False, legacy="free", signature={S: 1, ST: 1}),
    Field("given_name", PEOPLE, "tên", values.name, ("Tên",), canonical=False, legacy="free"),
    Field("dob", PEOPLE, "ngày sinh", values.date,
          {S: ("Ngày sinh", "Ngày tháng năm sinh"), ST: ("Ngày sinh",)},
          dtype="date", compared=PEOPLE, signature={S: 2, ST: 1}),
    Field("sex", PEOPLE, "giới tính", values.sex, ("Giới tính",), legacy="vocab",
          compared=PEOPLE, signature={S: 1, ST: 1}),
    Field("female_mark", PEOPLE, "nữ", values.female_mark, ("Nữ",), canonical=False,
          legacy="vocab", signature={S: 1}),
    Field("ethnicity", PEOPLE, "dân tộc", values.ethnicity, ("Dân tộc",), legacy="vocab",
          compared=PEOPLE, personal="sensitive", signature={S: 1}),
    # --- students and classes ---
    Field("class_name", (S, C), "lớp", values.class_name,
          {S: ("Lớp", "Lớp học", "Mã lớp", "Tên lớp"), C: ("Tên lớp", "Lớp", "Lớp học", "Mã lớp")},
          legacy="vocab", compared=(S,), signature={S: 2, C: 2}, identity=(C,)),
    Field("grade", (S, C), "khối", values.grade, ("Khối", "Khối học", "Khối lớp"), dtype="int",
          legacy="vocab", compared=(S, C), signature={S: 1, C: 1}),
    # --- students ---
    Field("status", (S,), "trạng thái", values.status,
          ("Trạng thái", "Trạng thái HS", "Trạng thái học sinh"), legacy="vocab", compared=(S,),
          signature={S: 1}),
    Field("status_date", (S,), "ngày nhập trạng thái", values.date,
          ("Ngày nhập trạng thái", "Ngày cập nhật trạng thái"), dtype="date", compared=(S,)),
    Field("disability", (S,), "khuyết tật", values.disability, ("Khuyết tật", "Loại khuyết tật"),
          legacy="vocab", compared=(S,), comparison="disability", personal="sensitive"),
    Field("two_sessions", (S, C), "học 2 buổi/ngày", values.flag,
          {S: ("Học 2 buổi/ngày", "Học 2 buổi/ ngày", "Học hai buổi/ngày"),
           C: ("Học 2 buổi/ngày", "Học 2 buổi/ ngày")}, dtype="flag",
          legacy="vocab", compared=(S, C)),
    Field("boarding", (S,), "bán trú", values.flag, ("Bán trú",), dtype="flag", legacy="vocab",
          compared=(S,)),
    Field("repeater", (S,), "lưu ban", values.flag, ("Lưu ban",), dtype="flag", legacy="vocab",
          compared=(S,)),
    Field("new_entrant", (S,), "tuyển mới", values.flag, ("Tuyển mới",), dtype="flag",
          legacy="vocab", compared=(S,)),
    Field("evaluation", (S,), "xếp loại", values.evaluation,
          ("Xếp loại", "Kết quả đánh giá", "Đánh giá"), legacy="vocab", compared=(S,)),
    Field("completed_primary", (S,), "hoàn thành CTTH", values.flag,
          ("Hoàn thành chương trình tiểu học", "Hoàn thành CTTH", "HTCT tiểu học"), dtype="flag",
          legacy="vocab", compared=(S,)),
    # --- staff ---
    Field("staff_group", (ST,), "nhóm chức vụ", values.staff_group, ("Nhóm chức vụ",),
          legacy="vocab", compared=(ST,), signature={ST: 3}),
    Field("position", (ST,), "chức vụ", values.position, ("Chức vụ", "Vị trí việc làm"),
          legacy="free", compared=(ST,), signature={ST: 3}),
    Field("subject", (ST,), "môn dạy", values.subject, ("Môn dạy", "Môn giảng dạy"),
          legacy="free", compared=(ST,), signature={ST: 2}),
    Field("qualification", (ST,), "trình độ chuyên môn", values.qualification,
          ("Trình độ chuyên môn", "Trình độ đào tạo", "Trình độ chuyên môn nghiệp vụ"),
          legacy="vocab", compared=(ST,), signature={ST: 3}),
    Field("contract", (ST,), "hình thức hợp đồng", values.contract,
          ("Hình thức hợp đồng", "Loại hợp đồng"), legacy="vocab", compared=(ST,),
          signature={ST: 2}),
    Field("staff_status", (ST,), "trạng thái", values.staff_status,
          ("Trạng thái", "Trạng thái CB", "Trạng thái cán bộ"), legacy="vocab", compared=(ST,)),
    # --- classes ---
    Field("multi_grade", (C,), "lớp ghép", values.flag, ("Lớp ghép",), dtype="flag",
          legacy="vocab", compared=(C,), signature={C: 2}),
    Field("homeroom_teacher", (C,), "GVCN", values.name, ("Giáo viên chủ nhiệm", "GVCN"),
          legacy="free", compared=(C,), comparison="name", signature={C: 3}),
    Field("declared_size", (C,), "sĩ số", values.count, ("Sĩ số", "Số học sinh"), dtype="int",
          compared=(C,), signature={C: 3}),
    Field("sessions_per_day", (C,), "số buổi/ngày", values.sessions_per_day,
          ("Số buổi/ngày", "Số buổi học/ngày"), canonical=False, signature={C: 2}),
    # --- facilities: long (Hạng mục / Số lượng) and wide (a column per item) ---
    Field("item", (F,), "hạng mục", values.facility_item,
          ("Hạng mục", "Loại phòng", "Tên hạng mục"), legacy="vocab", signature={F: 3},
          identity=(F,)),
    Field("count", (F,), "số lượng", values.count, ("Số lượng",), dtype="int", compared=(F,),
          signature={F: 3}),
    *_facility_items(),
)
BY_NAME: Mapping[str, Field] = MappingProxyType({f.name: f for f in CATALOGUE})


# --- derived tables ---------------------------------------------------------------------------------


@cache
def canonical(kind: str) -> tuple[str, ...]:
    """The canonical fields of a list kind's table, in order (schemas.columns adds provenance)."""
    return tuple(f.name for f in CATALOGUE if f.canonical and kind in f.kinds)


@cache
def compared(kind: str) -> tuple[str, ...]:
    """The fields whose values the two systems' linked records are compared on."""
    return tuple(f.name for f in CATALOGUE if kind in f.compared)


def _for_kind(headers: Headers, kind: str) -> tuple[str, ...]:
    return headers.get(kind, ()) if isinstance(headers, Mapping) else headers


def aliases(name: str, kind: str) -> tuple[str, ...]:
    """The headers both systems write for a field in one list kind (the usual one first)."""
    return _for_kind(BY_NAME[name].aliases, kind)


def system_aliases(name: str, kind: str, system: str) -> tuple[str, ...]:
    """The headers that mean this field only in one system's exports of one list kind."""
    return _for_kind(BY_NAME[name].by_system.get(system, ()), kind)


@cache
def fields_of(kind: str) -> tuple[str, ...]:
    """Every field (canonical or helper) an export of this list kind may carry."""
    return tuple(f.name for f in CATALOGUE if kind in f.kinds)


@cache
def signatures(kind: str) -> Mapping[str, int]:
    """field → its weight in deciding that a header is of this list kind."""
    return MappingProxyType({f.name: f.signature[kind] for f in CATALOGUE
                             if kind in f.signature})


@cache
def identity(kind: str) -> tuple[str, ...]:
    """The fields of which a row of this kind needs one to have an identity."""
    return tuple(f.name for f in CATALOGUE if kind in f.identity)


def parser(name: str) -> Callable[[object], object] | None:
    """The parser of a field (None for a name that is not a field)."""
    f = BY_NAME.get(name)
    return f.parser if f is not None else None


def label(name: str) -> str:
    """A field's Vietnamese label (the name itself for an unknown one)."""
    f = BY_NAME.get(name)
    return f.label if f is not None else name


def of_dtype(dtype: str) -> frozenset[str]:
    """The fields of one dtype (``text``, ``int``, ``flag``, ``date``)."""
    return frozenset(f.name for f in CATALOGUE if f.dtype == dtype)


def legacy(kind: str) -> frozenset[str]:
    """The fields of one legacy class (``free`` or ``vocab``)."""
    return frozenset(f.name for f in CATALOGUE if f.legacy == kind)


def is_identifier(name: str) -> bool:
    """Whether a field holds personal ID numbers (never shown but their last 4 digits)."""
    f = BY_NAME.get(name)
    return f is not None and f.personal == "identifier"


# --- personal ID numbers in what eduwb shows --------------------------------------------------------

SHOWN_ID_DIGITS = 4
# CMND (9 digits), CCCD / số định danh cá nhân (12, or 11 when Excel dropped the leading zero),
# possibly grouped by spaces, dots or hyphens. MOET codes (10) and school codes (8) are not
# personal data.
_ID_RUN = re.compile(r"(?<![\d])\d(?:[ .\-]?\d){7,12}(?![\d])")


def mask_identifier(value: str) -> str:
    """A personal ID number as outputs may show it: its last 4 characters, the others as ``*``
    (``001089000837`` → ``********0837``); one of 4 characters or fewer is hidden whole."""
    if not value:
        return value
    if len(value) <= SHOWN_ID_DIGITS:
        return "*" * len(value)
    return "*" * (len(value) - SHOWN_ID_DIGITS) + value[-SHOWN_ID_DIGITS:]


def mask_identifiers_in(s: str) -> str:
    """``s`` with every run of 9, 11 or 12 digits (a CMND/CCCD number) masked but its last 4."""
    if not any(ch.isdigit() for ch in s):
        return s

    def sub(m: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", m.group(0))
        return mask_identifier(digits) if len(digits) in (9, 11, 12) else m.group(0)

    return _ID_RUN.sub(sub, s)
