"""Read one export file (xlsx, xls, HTML saved as .xls, csv) into a :class:`RawTable` of raw rows.

The reader finds the sheet and the header row, decides the list kind from the header, maps the
columns to canonical fields, collects the title lines (school code, export date) and returns the
data rows with their Excel row numbers. Values stay raw (normalise converts and cleans them); only
surrounding whitespace is stripped and empty strings become ``None``.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import logging
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from eduwb import text, vocab
from eduwb.errors import ReadError, SchoolNotFoundError

log = logging.getLogger(__name__)

EXPORT_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".csv", ".htm", ".html"})
HEADER_SCAN_ROWS = 15  # the header is looked for in this many rows from the top
MIN_HEADER_MATCHES = 2  # a header row names at least this many known columns
MIN_KIND_SCORE = 4  # KIND_SIGNATURES score a header needs to decide a list kind
MIN_PLAUSIBLE_CELLS = 3  # text cells of a header row of an unknown list

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")

Cell = Any  # str | int | float | bool | datetime.date | datetime.datetime | None
Merge = tuple[int, int, int, int]  # first row, first column, last row, last column (0-based, incl.)


@dataclass(frozen=True)
class RawColumn:
    """One labelled column of a table."""

    index: int  # 0-based position in each row's values tuple
    label: str  # the header as written (cleaned, legacy-repaired)
    field: str | None  # canonical field, None for unknown columns


@dataclass(frozen=True)
class RawTable:
    """The table of one export file: where it came from, its columns and its raw data rows."""

    system: str  # "vnedu" | "csdl"
    file: str  # relative to the DATA root, forward slashes
    sheet: str  # "" for CSV and HTML
    format: str  # "xlsx" | "xls" | "html" | "csv", by content
    kind: str  # "students" | "staff" | "classes" | "facilities" | "unknown"
    columns: tuple[RawColumn, ...]
    rows: tuple[tuple[int, tuple[Cell, ...]], ...]  # (Excel row number, values) of data rows
    school_code: str | None  # 8 digits; None only for a list of unknown kind
    school_source: str | None  # "column" | "title" | "filename"
    export_date: dt.date | None  # "Ngày xuất" title line, else the file's mtime (UTC)
    title_lines: tuple[str, ...]
    legacy_encoding: str | None  # "tcvn3" | "vni" when the header was legacy-encoded
    duplicate_headers: tuple[str, ...] = ()  # labels of columns whose field was already taken


# --- file discovery ------------------------------------------------------------------------------


def find_export_files(folder: Path) -> list[Path]:
    """Export files under ``folder``, recursive, sorted; ``~$`` lock files and dot-files skipped."""
    folder = Path(folder)
    found = []
    for path in folder.rglob("*"):
        if path.suffix.lower() not in EXPORT_SUFFIXES or not path.is_file():
            continue
        parts = path.relative_to(folder).parts
        if any(p.startswith((".", "~$")) for p in parts):
            continue
        found.append(path)
    return sorted(found, key=lambda p: p.as_posix())


# --- vocabulary lookups --------------------------------------------------------------------------


@cache
def _alias_map(kind: str, system: str) -> dict[str, str]:
    """header_key -> field for one list kind as one system writes it (system aliases win)."""
    out: dict[str, str] = {}
    for fld, labels in vocab.HEADER_ALIASES.get(kind, {}).items():
        for label in labels:
            out.setdefault(text.header_key(label), fld)
    for fld, labels in vocab.SYSTEM_HEADER_ALIASES.get(kind, {}).get(system, {}).items():
        for label in labels:
            out[text.header_key(label)] = fld
    return out


@cache
def _all_alias_keys(system: str) -> frozenset[str]:
    keys: set[str] = set()
    for kind in vocab.LIST_KINDS:
        keys.update(_alias_map(kind, system))
    return frozenset(keys)


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


# --- cell helpers --------------------------------------------------------------------------------


def _label(v: Cell) -> str:
    """A header or title cell as text, not yet cleaned (legacy text must be repaired first)."""
    if v is None or v == "":
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


# --- sources: one per sheet ----------------------------------------------------------------------


@dataclass
class _Sheet:
    """A sheet as the reader sees it: the top rows for the header scan, the rest on demand."""

    name: str
    head: list[list[Cell]]
    load: Callable[[], list[list[Cell]]]
    merges: list[Merge] | None


def _calamine_sheets(path: Path, fmt: str, rel: str) -> Iterator[_Sheet]:
    import python_calamine as pc

    suffix = path.suffix.lower()
    native = (fmt == "xlsx" and suffix in (".xlsx", ".xlsm")) or (fmt == "xls" and suffix == ".xls")
    try:
        if native:
            wb = pc.CalamineWorkbook.from_path(str(path))
        else:
            with path.open("rb") as f:
                wb = pc.CalamineWorkbook.from_filelike(f)
    except pc.PasswordError as exc:
        raise ReadError(_ENCRYPTED, file=rel) from exc
    except Exception as exc:  # calamine raises several unrelated types for damaged files
        raise ReadError(_DAMAGED.format(detail=_short(exc)), file=rel) from exc
    for index, name in enumerate(wb.sheet_names):
        try:
            sheet = wb.get_sheet_by_index(index)
        except pc.PasswordError as exc:
            raise ReadError(_ENCRYPTED, file=rel, sheet=name) from exc
        except Exception as exc:
            raise ReadError(_DAMAGED.format(detail=_short(exc)), file=rel, sheet=name) from exc
        if sheet.height == 0 or sheet.end is None:
            continue
        merges = _calamine_merges(sheet, path, fmt, name)
        head = sheet.to_python(skip_empty_area=False, nrows=HEADER_SCAN_ROWS + 2)
        yield _Sheet(name, head, lambda s=sheet: s.to_python(skip_empty_area=False), merges)


def _calamine_merges(sheet: Any, path: Path, fmt: str, name: str) -> list[Merge] | None:
    ranges = sheet.merged_cell_ranges
    if ranges is not None:
        return [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in ranges]
    log.debug("calamine gave no merged ranges for %s; falling back", path)
    try:
        if fmt == "xlsx":
            import openpyxl

            ws = openpyxl.load_workbook(path, data_only=True)[name]
            return [
                (m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1)
                for m in ws.merged_cells.ranges
            ]
        import xlrd

        xs = xlrd.open_workbook(str(path), formatting_info=True).sheet_by_name(name)
        return [(r0, c0, r1 - 1, c1 - 1) for r0, r1, c0, c1 in xs.merged_cells]
    except Exception:  # merges only refine the header; reading goes on without them
        log.debug("no merged ranges for %s", path, exc_info=True)
        return None


def _decode_text(data: bytes) -> str:
    """Bytes of a CSV or HTML file as text: UTF-8 (BOM or not), UTF-16 with BOM, else cp1258."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return text.decode_cp1258(data)


def _csv_sheet(data: bytes) -> _Sheet:
    content = _decode_text(data)
    sample = content[:20000].splitlines()[:40]
    best = ","
    best_score = (-1, -1)
    for delim in (",", ";", "\t"):
        lengths = [len(r) for r in csv.reader(sample, delimiter=delim) if len(r) > 1]
        if not lengths:
            continue
        mode, freq = Counter(lengths).most_common(1)[0]
        if (freq, mode) > best_score:
            best, best_score = delim, (freq, mode)
    rows: list[list[Cell]] = list(csv.reader(io.StringIO(content, newline=""), delimiter=best))
    width = max((len(r) for r in rows), default=0)
    for r in rows:
        if len(r) < width:
            r.extend([""] * (width - len(r)))
    return _Sheet("", rows[: HEADER_SCAN_ROWS + 2], lambda: rows, [])


_HTML_BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "div", "caption")
_HTML_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)


def _html_sheet(data: bytes, rel: str) -> _Sheet:
    import lxml.html

    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        content = _decode_text(data)
    else:
        m = _HTML_CHARSET.search(data[:4096])
        charset = m.group(1).decode("ascii").lower() if m else "utf-8"
        try:
            if charset in ("windows-1258", "cp1258"):
                content = text.decode_cp1258(data)
            else:
                content = data.decode(charset)
        except (LookupError, UnicodeDecodeError, ValueError):
            content = _decode_text(data)
    content = re.sub(r"^\s*<\?xml[^>]*>", "", content)
    try:
        doc = lxml.html.document_fromstring(content)
    except Exception as exc:
        raise ReadError(_DAMAGED.format(detail=_short(exc)), file=rel) from exc
    for br in doc.iter("br"):
        br.tail = "\n" + (br.tail or "")
    grid: dict[int, dict[int, str]] = {}
    merges: list[Merge] = []
    occupied: set[tuple[int, int]] = set()
    r = 0
    for el in doc.iter("tr", *_HTML_BLOCKS):
        if el.tag != "tr":
            # a title block outside any table: Excel shows it as a row of its own
            if next(el.iterancestors("table"), None) is not None:
                continue
            if next(el.iter("table", *[t for t in _HTML_BLOCKS if t != el.tag]), None) is not None:
                continue
            value = " ".join("".join(el.itertext()).split())
            if value:
                grid[r] = {0: value}
                r += 1
            continue
        cells = grid.setdefault(r, {})
        c = 0
        for td in el.iterchildren("td", "th"):
            while (r, c) in occupied:
                c += 1
            rs = _span(td.get("rowspan"))
            cs = _span(td.get("colspan"))
            cells[c] = "".join(td.itertext())
            if rs > 1 or cs > 1:
                merges.append((r, c, r + rs - 1, c + cs - 1))
                for dr in range(rs):
                    for dc in range(cs):
                        occupied.add((r + dr, c + dc))
            c += cs
        r += 1
    n_rows = max(grid, default=-1) + 1
    width = max((max(cells) + 1 for cells in grid.values() if cells), default=0)
    rows: list[list[Cell]] = [[""] * width for _ in range(n_rows)]
    for i, cells in grid.items():
        row = rows[i]
        for c, v in cells.items():
            row[c] = v
    return _Sheet("", rows[: HEADER_SCAN_ROWS + 2], lambda: rows, merges)


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 1000))
    except ValueError:
        return 1


_LEGACY_DECODERS: dict[str, Callable[[str], str]] = {
    "tcvn3": text.decode_tcvn3,
    "vni": text.decode_vni,
}

_ENCRYPTED = "the workbook is password-protected: save it without a password and export again"
_DAMAGED = (
    "the file is damaged and cannot be opened ({detail}): export it again from the system, "
    "or open it in Excel and save it as .xlsx"
)


def _short(exc: BaseException) -> str:
    msg = " ".join(str(exc).split()) or type(exc).__name__
    return msg[:120]


_HTML_TAGS = (b"<html", b"<table", b"<!doctype", b"<head", b"<body", b"<meta")


def _sniff(path: Path, rel: str) -> tuple[str, bytes]:
    """The file's real format ("xlsx", "xls", "html", "csv") and its first bytes."""
    try:
        with path.open("rb") as f:
            head = f.read(4096)
    except OSError as exc:
        raise ReadError(f"the file cannot be read ({_short(exc)}): check it exists and is not "
                        "open in another program", file=rel) from exc
    if not head:
        raise ReadError("the file is empty (0 bytes): export it again from the system", file=rel)
    if head.startswith(_ZIP_MAGIC):
        return "xlsx", head
    if head.startswith(_OLE_MAGIC):
        return "xls", head
    probe = head
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        probe = head.decode("utf-16", errors="ignore").encode("utf-8", errors="ignore")
    low = probe.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if low.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in low:
        raise ReadError("the file is an Excel 2003 XML spreadsheet: open it in Excel and save it "
                        "as .xlsx", file=rel)
    if low.startswith(b"<") and any(t in low for t in _HTML_TAGS):
        return "html", head
    if b"\x00" in probe:
        raise ReadError(_DAMAGED.format(detail="not a workbook, HTML or CSV file"), file=rel)
    return "csv", head


def _ole_has_encryption_info(path: Path) -> bool:
    """An OLE file holding an encrypted OOXML package (it has an EncryptionInfo stream)."""
    with path.open("rb") as f:
        return _ENCRYPTION_INFO in f.read()


def _ole_is_encrypted(path: Path) -> bool:
    """An OLE file that is encrypted: an OOXML package, or a BIFF workbook with a password."""
    if _ole_has_encryption_info(path):
        return True
    try:
        import msoffcrypto  # optional (dev dependency): detects BIFF FILEPASS too
    except ImportError:
        return False
    try:
        with path.open("rb") as f:
            return bool(msoffcrypto.OfficeFile(f).is_encrypted())
    except Exception:
        return False


def _sheets(path: Path, fmt: str, rel: str) -> Iterator[_Sheet]:
    if fmt == "xls" and _ole_has_encryption_info(path):
        raise ReadError(_ENCRYPTED, file=rel)
    if fmt in ("xlsx", "xls"):
        try:
            yield from _calamine_sheets(path, fmt, rel)
        except ReadError as exc:
            # a BIFF workbook with a password: say so rather than "damaged"
            if fmt == "xls" and exc.message != _ENCRYPTED and _ole_is_encrypted(path):
                raise ReadError(_ENCRYPTED, file=rel, sheet=exc.sheet) from exc
            raise
        return
    data = path.read_bytes()
    if fmt == "html":
        yield _html_sheet(data, rel)
    else:
        yield _csv_sheet(data)


# --- header --------------------------------------------------------------------------------------


@dataclass
class _Header:
    top: int  # first header row (0-based)
    bottom: int  # last header row
    labels: list[tuple[int, str]]  # (column, label) of labelled columns
    kind: str
    fields: list[str | None]
    duplicates: tuple[str, ...]
    legacy: str | None
    matches: int


def _row_labels(rows: list[list[Cell]]) -> list[list[str]]:
    return [[_label(v) if v.__class__ is str else "" for v in row] for row in rows]


def _match_count(labels: list[str], keys: frozenset[str]) -> int:
    return sum(1 for s in labels if s and text.header_key(s) in keys)


def _two_row(best: int, labels: list[list[str]], merges: list[Merge] | None,
             keys: frozenset[str]) -> tuple[int, int]:
    """(upper, lower) header rows around the best-matching row."""
    merges = merges or []
    n = len(labels)

    def filled(r: int, c0: int, c1: int) -> bool:
        return 0 <= r < n and any(labels[r][c] for c in range(c0, min(c1 + 1, len(labels[r]))))

    def is_group_row(up: int, low: int) -> bool:
        for r0, _c0, r1, _c1 in merges:
            if r0 == up and r1 >= low:  # a label merged down over both rows
                return True
        group = [m for m in merges
                 if m[0] == up == m[2] and m[3] > m[1] and filled(low, m[1], m[3])]
        if not group:
            return False
        # a group row, not a title merged across: it names a known column, or it has a label
        # above an empty lower cell (a column named by the upper row only)
        if _match_count(labels[up], keys) >= 1:
            return True
        return sum(1 for s in labels[up] if s) >= 2 and any(
            u and not (labels[low][c] if c < len(labels[low]) else "")
            for c, u in enumerate(labels[up])
        )

    if best + 1 < n and is_group_row(best, best + 1):
        return best, best + 1
    if best >= 1 and is_group_row(best - 1, best):
        return best - 1, best
    if not merges and best + 1 < n:
        low = labels[best + 1]
        non_empty = [s for s in low if s]
        hits = _match_count(low, keys)
        if hits >= 2 and hits * 2 >= len(non_empty) and any(
            u and not lo for u, lo in zip(labels[best], low, strict=False)
        ):
            return best, best + 1
    return best, best


def _combine(upper: int, lower: int, labels: list[list[str]],
             merges: list[Merge] | None) -> list[tuple[int, str]]:
    """(column, label) for every labelled column: the lower cell, else the (merged) upper one."""
    width = max(len(labels[upper]), len(labels[lower]))
    up = list(labels[upper]) + [""] * (width - len(labels[upper]))
    if upper != lower:
        for r0, c0, r1, c1 in merges or []:
            if r0 <= upper <= r1 and c1 > c0:
                for c in range(c0 + 1, min(c1 + 1, width)):
                    up[c] = up[c] or up[c0]
    low = labels[lower]
    out = []
    for c in range(width):
        label = (low[c] if c < len(low) else "") or up[c]
        if label:
            out.append((c, label))
    return out


def _decide_kind(labels: list[tuple[int, str]], system: str) -> str:
    keys = {text.header_key(s) for _, s in labels}
    scores = []
    for kind in vocab.LIST_KINDS:
        amap = _alias_map(kind, system)
        fields = {amap[k] for k in keys if k in amap}
        sig = vocab.KIND_SIGNATURES.get(kind, {})
        scores.append((sum(sig.get(f, 0) for f in fields), kind))
    scores.sort(reverse=True)
    if scores[0][0] < MIN_KIND_SCORE or (len(scores) > 1 and scores[0][0] == scores[1][0]):
        return vocab.UNKNOWN_KIND
    return scores[0][1]


def _map_fields(labels: list[tuple[int, str]], kind: str,
                system: str) -> tuple[list[str | None], tuple[str, ...]]:
    amap = _alias_map(kind, system) if kind != vocab.UNKNOWN_KIND else {}
    seen: set[str] = set()
    fields: list[str | None] = []
    duplicates = []
    for _, label in labels:
        fld = amap.get(text.header_key(label))
        if fld is not None and fld in seen:
            duplicates.append(label)
            fld = None
        elif fld is not None:
            seen.add(fld)
        fields.append(fld)
    return fields, tuple(duplicates)


def _find_header(head: list[list[Cell]], merges: list[Merge] | None, system: str) -> _Header | None:
    """The header in the top rows of a sheet, recognised (kind known) or merely plausible."""
    scan = head[:HEADER_SCAN_ROWS]
    raw = _row_labels(head)
    keys = _all_alias_keys(system)
    found = _header_from_labels(raw, len(scan), merges, system, keys)
    if found is not None and found.kind != vocab.UNKNOWN_KIND:
        return _finish_header(found, system)
    # Nothing recognised: the whole top of the sheet may be typed in TCVN3 / VNI.
    flat = [(i, c, s) for i, row in enumerate(raw) for c, s in enumerate(row) if s]
    enc = text.detect_legacy([s for i, _, s in flat if i < HEADER_SCAN_ROWS]) if flat else None
    if enc:
        fixed, enc = text.repair_legacy([s for _, _, s in flat])
        repaired = [list(row) for row in raw]
        for (i, c, _), s in zip(flat, fixed, strict=True):
            repaired[i][c] = s
        legacy = _header_from_labels(repaired, len(scan), merges, system, keys)
        if legacy is not None and legacy.kind != vocab.UNKNOWN_KIND:
            legacy.legacy = enc
            return _finish_header(legacy, system)
    if found is None:
        found = _plausible_header(raw, scan)
    return _finish_header(found, system) if found is not None else None


def _header_from_labels(labels: list[list[str]], n_scan: int, merges: list[Merge] | None,
                        system: str, keys: frozenset[str]) -> _Header | None:
    best, best_hits = -1, 0
    for i in range(n_scan):
        hits = _match_count(labels[i], keys)
        if hits > best_hits:
            best, best_hits = i, hits
    if best_hits < MIN_HEADER_MATCHES:
        return None
    upper, lower = _two_row(best, labels, merges, keys)
    cols = _combine(upper, lower, labels, merges)
    kind = _decide_kind(cols, system)
    return _Header(upper, lower, cols, kind, [], (), None, best_hits)


def _finish_header(h: _Header, system: str) -> _Header:
    """Repair a legacy-encoded header (detected on its cells as a group), clean it, map fields."""
    values = [s for _, s in h.labels]
    if h.legacy is None:
        fixed, enc = text.repair_legacy(values)
        if enc:
            values, h.legacy = fixed, enc
    h.labels = [(c, text.clean(s) or s) for (c, _), s in zip(h.labels, values, strict=True)]
    if h.kind != vocab.UNKNOWN_KIND or h.legacy:
        h.kind = _decide_kind(h.labels, system)
    h.fields, h.duplicates = _map_fields(h.labels, h.kind, system)
    return h


def _plausible_header(labels: list[list[str]], scan: list[list[Cell]]) -> _Header | None:
    """A header row of a list of no known kind: the first row of >= 3 text cells, all text."""
    candidates = []
    for i, row in enumerate(scan):
        texts = sum(1 for s in labels[i] if s)
        non_empty = sum(1 for v in row if v is not None and v != "")
        if texts >= MIN_PLAUSIBLE_CELLS:
            candidates.append((texts == non_empty, i))
    if not candidates:
        return None
    i = next((i for all_text, i in candidates if all_text), candidates[0][1])
    cols = [(c, s) for c, s in enumerate(labels[i]) if s]
    return _Header(i, i, cols, vocab.UNKNOWN_KIND, [], (), None, 0)


# --- school and export date ----------------------------------------------------------------------

_CODE_RE = re.compile(r"(?<!\d)(\d{8})(?!\d)")
_TITLE_SCHOOL_RE = re.compile(r"ma\s*truong\s*[:\-–]?\s*(\d{8})(?!\d)")
_PAREN_SCHOOL_RE = re.compile(r"\(\s*(\d{8})\s*\)")
_EXPORT_DATE_RE = re.compile(r"ngay\s*xuat\s*(?:du\s*lieu\s*)?[:\-–]?\s*(\d{1,2})\s*[/\-.]\s*"
                             r"(\d{1,2})\s*[/\-.]\s*(\d{4})")


def _school_code_value(v: Cell) -> str | None:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, int) and not isinstance(v, bool):
        v = str(v)
    if isinstance(v, str):
        v = v.strip()
        if v.endswith(".0"):
            v = v[:-2]
        if len(v) == 8 and v.isdigit():
            return v
    return None


def _find_school(rows: Sequence[tuple[int, tuple[Cell, ...]]], columns: Sequence[RawColumn],
                 title_lines: Sequence[str], path: Path) -> tuple[str | None, str | None]:
    col = next((c.index for c in columns if c.field == "school_code"), None)
    if col is not None:
        raw = Counter([values[col] for _, values in rows if col < len(values)])
        counts: Counter[str] = Counter()
        for value, k in raw.items():  # distinct values only: "70689012", 70689012.0, ...
            code = _school_code_value(value)
            if code is not None:
                counts[code] += k
        if counts:
            return counts.most_common(1)[0][0], "column"
    for line in title_lines:
        folded = _fold(line)
        m = _TITLE_SCHOOL_RE.search(folded) or _PAREN_SCHOOL_RE.search(folded)
        if m:
            return m.group(1), "title"
    codes = codes_in_name(path.stem)
    if codes:
        return codes[0], "filename"
    return None, None


def codes_in_name(name: str) -> list[str]:
    """The 8-digit codes a file name carries (``70689012_HocSinh.xlsx`` → ``["70689012"]``)."""
    return _CODE_RE.findall(name)


def _find_export_date(title_lines: Sequence[str], path: Path) -> dt.date | None:
    for line in title_lines:
        m = _EXPORT_DATE_RE.search(_fold(line))
        if m:
            day, month, year = (int(g) for g in m.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                log.warning("%s: impossible export date in title %r", path, line)
    try:
        return dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC).date()
    except OSError:
        return None


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


@contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many acyclic row objects.

    Allocating hundreds of thousands of lists and tuples triggers repeated full collections that
    find nothing (rows hold no cycles); pausing it halves the time of a large read.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _data_rows(rows: list[list[Cell]], start: int,
               legacy: str | None = None) -> list[tuple[int, tuple[Cell, ...]]]:
    """Non-blank rows from ``start`` up to the footer, with their 1-based Excel row numbers.

    In a legacy-encoded file the footer is legacy text too: it is decoded before the test.
    """
    decode = _LEGACY_DECODERS[legacy] if legacy else None
    out = []
    append = out.append
    maybe_footer = _maybe_footer
    for i in range(start, len(rows)):
        # the hot loop: strip strings, "" -> None, all inline
        values = tuple([(v.strip() or None) if v.__class__ is str else v for v in rows[i]])
        first = values[0] if values else None
        if first is None:
            if values.count(None) == len(values):
                continue
            first = next(v for v in values if v is not None)
        if first.__class__ is str:
            if decode is not None and not first.isascii():
                first = decode(first)
            if maybe_footer(first) and _is_footer(first):
                break
        append((i + 1, values))
    return out


# --- entry point ---------------------------------------------------------------------------------


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return Path(os.path.relpath(path, root)).as_posix()


def read_table(path: Path, system: str, root: Path) -> RawTable:
    """Read one export file of ``system`` ("vnedu" | "csdl") into a :class:`RawTable`.

    Raises :class:`~eduwb.errors.ReadError` for a file that cannot be opened or holds no usable
    table, and :class:`~eduwb.errors.SchoolNotFoundError` for a list that names no school.
    """
    path = Path(path)
    rel = _relative(path, root)
    fmt, _ = _sniff(path, rel)

    chosen: tuple[_Sheet, _Header] | None = None
    fallback: tuple[_Sheet, _Header] | None = None
    any_data = False
    for sheet in _sheets(path, fmt, rel):
        if not any(v != "" and v is not None for row in sheet.head for v in row):
            if not sheet.head:
                continue
            # the top rows are blank: the sheet may still hold something further down
            rows = sheet.load()
            if not any(v != "" and v is not None for row in rows for v in row):
                continue
            any_data = True
            continue
        any_data = True
        header = _find_header(sheet.head, sheet.merges, system)
        if header is None:
            continue
        if header.kind != vocab.UNKNOWN_KIND:
            chosen = (sheet, header)
            break
        if fallback is None:
            fallback = (sheet, header)
    if chosen is None:
        chosen = fallback
    if chosen is None:
        if not any_data:
            raise ReadError("the file holds no data (no cells with values): export the list "
                            "again from the system", file=rel)
        raise ReadError(
            f"no header row found in the first {HEADER_SCAN_ROWS} rows: the list needs a row of "
            "column titles (such as 'Họ và tên', 'Ngày sinh', 'Lớp') above the data; export it "
            "again from the system without editing the header", file=rel)

    sheet, header = chosen
    with _no_gc():
        rows = sheet.load()
        _fill_merged_down(rows, sheet.merges, header.bottom + 1)
        data = _data_rows(rows, header.bottom + 1, header.legacy)

    columns = tuple(
        RawColumn(c, label, fld)
        for (c, label), fld in zip(header.labels, header.fields, strict=True)
    )
    title_lines = []
    for row in rows[: header.top]:
        line = " ".join(s for s in (_label(v) for v in row) if s)
        if line:
            title_lines.append(line)
    if title_lines and header.legacy:
        # the header decided the encoding: a few title lines are too little to detect it again
        decode = _LEGACY_DECODERS[header.legacy]
        title_lines = [s if s.isascii() else decode(s) for s in title_lines]
    title_lines = [text.clean(s) for s in title_lines]

    school, source = _find_school(data, columns, title_lines, path)
    if school is None and header.kind != vocab.UNKNOWN_KIND:
        raise SchoolNotFoundError(
            "no school code found: add a 'Mã trường' column, or a title line "
            "'Mã trường: 70xxxxxx' above the header, or put the 8-digit school code in the file "
            "name (e.g. 70689012_HocSinh.xlsx)", file=rel, sheet=sheet.name)
    if header.duplicates:
        log.debug("%s: duplicate headers %s", rel, header.duplicates)
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
        export_date=_find_export_date(title_lines, path),
        title_lines=tuple(title_lines),
        legacy_encoding=header.legacy,
        duplicate_headers=header.duplicates,
    )
