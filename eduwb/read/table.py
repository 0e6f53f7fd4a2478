"""One export file → :class:`RawTable` (one per list kind the file holds): the data sheet(s), the
header, the data rows with their Excel row numbers up to the footer, the school and export date.

Values stay raw, as the file has them (normalise converts and cleans them): text with its spaces,
an empty cell ``""`` or ``None``.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from eduwb import calendar, text, vocab
from eduwb.errors import ReadError, SchoolNotFoundError
from eduwb.read.header import HEADER_SCAN_ROWS, Header, find_header, label
from eduwb.read.sources import Cell, Limits, Merge, Sheet, sheets, sniff

log = logging.getLogger(__name__)

_LEGACY_DECODERS = {"tcvn3": text.decode_tcvn3, "vni": text.decode_vni}


@dataclass(frozen=True)
class RawColumn:
    """One labelled column of a table."""

    index: int  # 0-based position in each row's values tuple
    label: str  # the header as written (cleaned, legacy-repaired)
    field: str | None  # canonical field, None for unknown columns


@dataclass(frozen=True)
class RawTable:
    """The table of one export file (one sheet): where it came from, its columns, its raw rows."""

    system: str  # "vnedu" | "csdl"
    file: str  # relative to the DATA root, forward slashes
    sheet: str  # "" for CSV and HTML
    format: str  # "xlsx" | "xls" | "ods" | "html" | "csv", by content
    kind: str  # "students" | "staff" | "classes" | "facilities" | "unknown"
    columns: tuple[RawColumn, ...]
    rows: tuple[tuple[int, tuple[Cell, ...]], ...]  # (Excel row number, raw values) of data rows
    school_code: str | None  # 8 digits; None for a list of unknown kind or a district-level file
    school_source: str | None  # "column" | "name" | "title" | "filename"
    export_date: dt.date | None  # "Ngày xuất" title line, else the file's mtime (UTC)
    title_lines: tuple[str, ...]
    legacy_encoding: str | None  # "tcvn3" | "vni" when the header was legacy-encoded
    duplicate_headers: tuple[str, ...] = ()  # labels of columns whose field was already taken
    # version 2 layouts (inputs.md 2.1)
    district_level: bool = False  # rows name their own school (Mã trường / Tên trường column)
    header_rows: tuple[int, int] = (0, 0)  # Excel rows of the header (first, last)
    numbering_row: int | None = None  # Excel row of a column-numbering row (not data)
    footer_row: int | None = None  # Excel row where the footer starts
    export_date_source: str = "mtime"  # "title" | "mtime"
    notes: tuple[str, ...] = ()  # what the reader repaired or left out, for the load report


@dataclass(frozen=True)
class SheetSurvey:
    """What the reader made of one sheet (for ``eduwb load --explain``)."""

    name: str
    visible: bool
    kind: str | None  # None: no header found
    outcome: str  # "read" | "same kind as an earlier sheet" | "hidden" | "no header" | ...


# --- footer ------------------------------------------------------------------------------------


def _fold(s: str) -> str:
    """Cleaned, case- and accent-folded text."""
    return text.fold_accents(s)


@cache
def _footer_patterns() -> tuple[re.Pattern[str], tuple[str, ...]]:
    """A regex on folded text for the footer markers, and the one-word markers (need accents)."""
    alternatives = []
    one_word = []
    for marker in vocab.FOOTER_MARKERS:
        folded = _fold(marker)
        parts = [re.escape(p.strip()) for p in folded.split("...")]
        alternatives.append(r"\s*\S*\s*".join(p for p in parts if p) + r"\b")
        if " " not in folded and "..." not in folded:
            one_word.append(folded)
    # "Bình Phước, ngày 10 tháng 9 năm 2021" and "ngày ... tháng ... năm ..."
    alternatives.append(r"(?:[^,\d]{0,60},\s*)?ngay\b.{0,40}\bthang\b")
    return re.compile("^(?:" + "|".join(alternatives) + ")"), tuple(one_word)


def _is_footer(cell: str) -> bool:
    """Whether a row whose first non-empty cell is ``cell`` starts the footer."""
    pattern, one_word = _footer_patterns()
    folded = _fold(cell)
    m = pattern.match(folded)
    if m is None:
        return False
    word = folded.split(" ", 1)[0].rstrip(":.,")
    if word in one_word and not cell.isascii():
        # "Cộng" ends the data, the name "Công ..." does not: compare the accented word.
        marker = next(mk for mk in vocab.FOOTER_MARKERS if _fold(mk) == word)
        return text.clean(cell).lower().startswith(marker.lower())
    return True


@cache
def _footer_first_words() -> frozenset[str]:
    words = {_fold(m).split(" ", 1)[0] for m in vocab.FOOTER_MARKERS}
    return frozenset(words | {"ngay"})


@cache
def _footer_initials() -> frozenset[str]:
    """First letters a footer line can start with, in any case and composition."""
    firsts = {w[0] for w in _footer_first_words()}
    return frozenset(firsts | {c.upper() for c in firsts})


def _maybe_footer(cell: str) -> bool:
    """Cheap pre-test for :func:`_is_footer` (the first word's fold is cached: surnames repeat)."""
    if "," in cell:  # "Bình Phước, ngày 10 tháng 9 năm 2021"
        return True
    if cell[0] not in _footer_initials():
        return False
    word = cell.split(None, 1)[0].rstrip(":.,")
    if word.isascii() and not word.isalpha():  # a code such as HS1000
        return False
    return _fold(word) in _footer_first_words()


# --- school and export date ----------------------------------------------------------------------

_CODE_RE = re.compile(r"(?<!\d)(\d{8})(?!\d)")
_TITLE_SCHOOL_RE = re.compile(r"ma\s*truong\s*[:\-–]?\s*(\d{8})(?!\d)")
_PAREN_SCHOOL_RE = re.compile(r"\(\s*(\d{8})\s*\)")
_EXPORT_DATE_RE = re.compile(r"ngay\s*xuat\s*(?:du\s*lieu\s*)?[:\-–]?\s*(\d{1,2})\s*[/\-.]\s*"
                             r"(\d{1,2})\s*[/\-.]\s*(\d{4})")


def school_code_value(v: Cell) -> str | None:
    """An 8-digit school code from a cell (70689012, 70689012.0, "70689012"), else None."""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, int) and not isinstance(v, bool):
        v = str(v)
    if isinstance(v, str):
        v = v.strip().lstrip("'")
        if v.endswith(".0"):
            v = v[:-2]
        if len(v) == 8 and v.isdigit() and v.isascii():
            return v
    return None


def _find_school(rows: Sequence[tuple[int, tuple[Cell, ...]]], columns: Sequence[RawColumn],
                 title_lines: Sequence[str], path: Path) -> tuple[str | None, str | None, bool]:
    """(school code, where it was found, district-level) of a table."""
    col = next((c.index for c in columns if c.field == "school_code"), None)
    if col is not None:
        codes = {school_code_value(v) for v in {values[col] for _, values in rows
                                                 if col < len(values)}}
        codes.discard(None)
        if len(codes) > 1:
            return None, "column", True
        if codes:
            return codes.pop(), "column", False
    name_col = next((c.index for c in columns if c.field == "school_name"), None)
    if name_col is not None:
        names = {_fold(v) for v in {values[name_col] for _, values in rows
                                    if name_col < len(values)} if isinstance(v, str) and v.strip()}
        if len(names) > 1:
            return None, "name", True
    for line in title_lines:
        folded = _fold(line)
        m = _TITLE_SCHOOL_RE.search(folded) or _PAREN_SCHOOL_RE.search(folded)
        if m:
            return m.group(1), "title", False
    codes_ = codes_in_name(path.stem)
    if codes_:
        return codes_[0], "filename", False
    if name_col is not None and any(name_col < len(v) and isinstance(v[name_col], str)
                                    and v[name_col].strip() for _, v in rows):
        return None, "name", True  # one school, by name: the registry resolves it per row
    return None, None, False


def codes_in_name(name: str) -> list[str]:
    """The 8-digit codes a file name carries (``70689012_HocSinh.xlsx`` → ``["70689012"]``)."""
    return _CODE_RE.findall(name)


def _find_export_date(title_lines: Sequence[str], path: Path) -> tuple[dt.date | None, str]:
    for line in title_lines:
        m = _EXPORT_DATE_RE.search(_fold(line))
        if m:
            day, month, year = (int(g) for g in m.groups())
            try:
                return dt.date(year, month, day), "title"
            except ValueError:
                log.warning("%s: impossible export date in title %r", path, line)
    try:
        return calendar.local_date(path.stat().st_mtime), "mtime"
    except OSError:
        return None, "mtime"


# --- data rows -----------------------------------------------------------------------------------


def _fill_merged_down(rows: list[list[Cell]], merges: list[Merge] | None, first_data: int) -> None:
    """Copy the top cell of each merged range in the data down over the range's rows."""
    for r0, c0, r1, c1 in merges or []:
        if r0 < first_data or r1 == r0 or r0 >= len(rows):
            continue
        top = rows[r0]
        for r in range(r0 + 1, min(r1 + 1, len(rows))):
            row = rows[r]
            for c in range(c0, min(c1 + 1, len(row), len(top))):
                if row[c] == "" or row[c] is None:
                    row[c] = top[c]


def _data_rows(rows: list[list[Cell]], start: int,
               legacy: str | None = None) -> tuple[list[tuple[int, tuple[Cell, ...]]], int | None]:
    """Non-blank rows from ``start`` up to the footer, with their 1-based Excel row numbers, and
    the Excel row where the footer starts. A row is blank when all its cells are empty or spaces.
    In a legacy-encoded file the footer is legacy text too: it is decoded before the test."""
    decode = _LEGACY_DECODERS[legacy] if legacy else None
    out = []
    append = out.append
    maybe_footer = _maybe_footer
    for i in range(start, len(rows)):
        row = rows[i]
        first = None
        for v in row:  # the row's first non-empty cell (usually its first cell)
            if v is None or v == "":
                continue
            if v.__class__ is str:
                v = v.strip()
                if not v:
                    continue
            first = v
            break
        if first is None:
            continue
        if first.__class__ is str:
            if decode is not None and not first.isascii():
                first = decode(first)
            if maybe_footer(first) and _is_footer(first):
                return out, i + 1
        append((i + 1, tuple(row)))
    return out, None


# --- entry points --------------------------------------------------------------------------------


def _relative(path: Path, root: Path) -> str:
    """The path as the data folder names it (a symbolic link keeps its own name)."""
    try:
        return Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return Path(os.path.relpath(path, root)).as_posix()


def read_table(path: Path, system: str, root: Path, limits: Limits | None = None) -> RawTable:
    """Read one export file of ``system`` ("vnedu" | "csdl") into a :class:`RawTable`: the first
    list the file holds (see :func:`read_tables` for files holding several).

    Raises :class:`~eduwb.errors.ReadError` for a file that cannot be opened or holds no usable
    table, and :class:`~eduwb.errors.SchoolNotFoundError` for a list that names no school.
    """
    return read_tables(path, system, root, limits)[0]


def read_tables(path: Path, system: str, root: Path, limits: Limits | None = None,
                survey: list[SheetSurvey] | None = None) -> list[RawTable]:
    """Every list an export file holds, one :class:`RawTable` per list kind, in sheet order.

    The data of a kind is on the first visible sheet whose header names it; a later visible sheet
    of the same kind is not read (a copy) and the first table's notes say so. Hidden sheets are
    never read. A file with no recognised header gives one table of kind "unknown" (its rows are
    rejected by normalise) or, with no plausible header at all, a ReadError. ``survey`` collects
    what was made of each sheet.
    """
    path = Path(path)
    limits = limits or Limits.from_env()
    rel = _relative(path, root)
    source = sniff(path, rel, limits)
    chosen: list[tuple[Sheet, Header]] = []
    fallback: tuple[Sheet, Header] | None = None
    not_read: list[str] = []
    any_data = False
    for sheet in sheets(path, source.format, rel, limits):
        if not any(v != "" and v is not None for row in sheet.head for v in row):
            if not sheet.head:
                continue
            # the top rows are blank: the sheet may still hold something further down
            if any(v != "" and v is not None for row in sheet.load() for v in row):
                any_data = True
                _note(survey, sheet, None, f"no header in the first {HEADER_SCAN_ROWS} rows")
            continue
        any_data = True
        header = find_header(sheet.head, sheet.merges, system)
        if header is None:
            _note(survey, sheet, None, f"no header in the first {HEADER_SCAN_ROWS} rows")
            continue
        if header.kind == vocab.UNKNOWN_KIND:
            _note(survey, sheet, header.kind, "header of no known list")
            if fallback is None:
                fallback = (sheet, header)
            continue
        if any(h.kind == header.kind for _, h in chosen):
            not_read.append(f"sheet '{sheet.name}' also holds a {header.kind} list and was not "
                            "read (only the first sheet of a list kind is read)")
            _note(survey, sheet, header.kind, "not read: an earlier sheet holds the same list")
            continue
        _note(survey, sheet, header.kind, "read")
        chosen.append((sheet, header))
    if survey is not None and source.format in ("xlsx", "xls", "ods"):
        _survey_hidden(path, source.format, rel, limits, survey)
    if not chosen:
        if fallback is None:
            _no_table(path, source.format, rel, limits, system, any_data)
        chosen = [fallback]  # type: ignore[list-item]
    tables = [_table(path, rel, system, source.format, sheet, header)
              for sheet, header in chosen]
    if not_read:
        first = tables[0]
        tables[0] = _with_notes(first, not_read)
    return tables


def _note(survey: list[SheetSurvey] | None, sheet: Sheet, kind: str | None, outcome: str) -> None:
    if survey is not None:
        survey.append(SheetSurvey(sheet.name, sheet.visible, kind, outcome))


def _survey_hidden(path: Path, fmt: str, rel: str, limits: Limits,
                   survey: list[SheetSurvey]) -> None:
    for sheet in sheets(path, fmt, rel, limits, hidden=True):
        if not sheet.visible:
            survey.append(SheetSurvey(sheet.name, False, None, "hidden: never read"))


def _with_notes(table: RawTable, notes: list[str]) -> RawTable:
    from dataclasses import replace

    return replace(table, notes=(*table.notes, *notes))


def _no_table(path: Path, fmt: str, rel: str, limits: Limits, system: str,
              any_data: bool) -> None:
    """Raise the ReadError that says why a file gave no table."""
    if fmt in ("xlsx", "xls", "ods"):
        for sheet in sheets(path, fmt, rel, limits, hidden=True):
            if sheet.visible:
                continue
            header = find_header(sheet.head, sheet.merges, system)
            if header is not None and header.kind != vocab.UNKNOWN_KIND:
                raise ReadError(
                    f"the {header.kind} list is only on the hidden sheet '{sheet.name}', and "
                    "hidden sheets are never read (templates keep old copies there): unhide the "
                    "sheet if it is the list to report, or export the list again", file=rel)
    if not any_data:
        raise ReadError("the file holds no data (no cells with values): export the list "
                        "again from the system", file=rel)
    raise ReadError(
        f"no header row found in the first {HEADER_SCAN_ROWS} rows: the list needs a row of "
        "column titles (such as 'Họ và tên', 'Ngày sinh', 'Lớp') above the data; export it "
        "again from the system without editing the header", file=rel)


def _table(path: Path, rel: str, system: str, fmt: str, sheet: Sheet, header: Header) -> RawTable:
    start = (header.numbering if header.numbering is not None else header.bottom) + 1
    rows = sheet.load()
    _fill_merged_down(rows, sheet.merges, start)
    data, footer = _data_rows(rows, start, header.legacy)

    columns = tuple(
        RawColumn(c, lab, fld)
        for (c, lab), fld in zip(header.labels, header.fields, strict=True)
    )
    title_lines = []
    for row in rows[: header.top]:
        line = " ".join(s for s in (label(v) for v in row) if s)
        if line:
            title_lines.append(line)
    if title_lines and header.legacy:
        # the header decided the encoding: a few title lines are too little to detect it again
        decode = _LEGACY_DECODERS[header.legacy]
        title_lines = [s if s.isascii() else decode(s) for s in title_lines]
    title_lines = [text.clean(s) for s in title_lines]

    school, source, district_level = _find_school(data, columns, title_lines, path)
    if school is None and not district_level and header.kind != vocab.UNKNOWN_KIND:
        raise SchoolNotFoundError(
            "no school code found: add a 'Mã trường' (or 'Tên trường') column, or a title line "
            "'Mã trường: 70xxxxxx' above the header, or put the 8-digit school code in the file "
            "name (e.g. 70689012_HocSinh.xlsx)", file=rel, sheet=sheet.name)
    export_date, date_source = _find_export_date(title_lines, path)
    return RawTable(
        system=system,
        file=rel,
        sheet=sheet.name,
        format=fmt,
        kind=header.kind,
        columns=columns,
        rows=tuple(data),
        school_code=school,
        school_source=source,
        export_date=export_date,
        title_lines=tuple(title_lines),
        legacy_encoding=header.legacy,
        duplicate_headers=header.duplicates,
        district_level=district_level,
        header_rows=(header.top + 1, header.bottom + 1),
        numbering_row=header.numbering + 1 if header.numbering is not None else None,
        footer_row=footer,
        export_date_source=date_source,
        notes=tuple(sheet.notes),
    )
