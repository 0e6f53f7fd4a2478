"""Where export files are and how their cells are got: discovery, format sniffing, size limits,
text decoding, and one :class:`Sheet` per worksheet (xlsx, xls, ods via python-calamine; CSV and
HTML-saved-as-.xls parsed here).

Nothing here knows what a header or a list kind is; :mod:`eduwb.read.header` and
:mod:`eduwb.read.table` decide that from the sheets' cells.
"""

from __future__ import annotations

import csv
import functools
import io
import logging
import os
import re
import struct
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eduwb import text
from eduwb.errors import ReadError

log = logging.getLogger(__name__)

EXPORT_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".htm", ".html"})
HEAD_ROWS = 22  # rows of each sheet looked at before its data is needed (header scan + margin)

Cell = Any  # str | int | float | bool | datetime.date | datetime.datetime | None
Merge = tuple[int, int, int, int]  # first row, first column, last row, last column (0-based, incl.)

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"

ENCRYPTED = ("the workbook is password-protected (it is not damaged) and cannot be read: save it "
             "without a password, or export the list again")
DAMAGED = ("the file is damaged and cannot be opened ({detail}): export it again from the system, "
           "or open it in Excel and save it as .xlsx")


def short(exc: BaseException) -> str:
    """An exception as one short line."""
    msg = " ".join(str(exc).split()) or type(exc).__name__
    return msg[:120]


# --- limits ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """How big a file eduwb agrees to read; larger files are refused with a message before reading.

    ``max_mb``: megabytes (MiB) of cell data — the uncompressed size of an .xlsx/.ods workbook's
    parts, the size of an .xls, CSV or HTML file. ``max_rows``: rows of one sheet or CSV/HTML file.
    Defaults: 256 MiB and 200,000 rows (a province-level list of ~100,000 pupils fits); set the
    environment variables ``EDUWB_MAX_MB`` and ``EDUWB_MAX_ROWS`` or ``eduwb load --max-mb
    --max-rows`` to change them.
    """

    max_mb: float = 256.0
    max_rows: int = 200_000

    @property
    def max_bytes(self) -> int:
        return int(self.max_mb * 1024 * 1024)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Limits:
        """Defaults, overridden by ``EDUWB_MAX_MB`` / ``EDUWB_MAX_ROWS`` when they are set."""
        env = os.environ if environ is None else environ
        out = cls()
        try:
            if env.get("EDUWB_MAX_MB"):
                out = cls(float(env["EDUWB_MAX_MB"]), out.max_rows)
            if env.get("EDUWB_MAX_ROWS"):
                out = cls(out.max_mb, int(env["EDUWB_MAX_ROWS"]))
        except ValueError:
            log.warning("ignoring EDUWB_MAX_MB=%r / EDUWB_MAX_ROWS=%r: not numbers",
                        env.get("EDUWB_MAX_MB"), env.get("EDUWB_MAX_ROWS"))
            return cls()
        return out


def _too_big(what: str, limits: Limits) -> str:
    return (f"the file is too large to read safely ({what}; the limit is "
            f"{limits.max_mb:g} MB and {limits.max_rows:,} rows): check it is the right export, "
            "split it, or raise the limit (EDUWB_MAX_MB / EDUWB_MAX_ROWS, or eduwb load --max-mb "
            "--max-rows)")


def check_rows(n: int, limits: Limits, rel: str, sheet: str | None = None) -> None:
    """Refuse a sheet of more than ``limits.max_rows`` rows."""
    if n > limits.max_rows:
        raise ReadError(_too_big(f"{n:,} rows", limits), file=rel, sheet=sheet)


# --- discovery ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Skipped:
    """A file or folder under DATA that is not read, and why."""

    path: Path
    reason: str


LINK_OUTSIDE = ("a symbolic link to {target}, outside the data folder: not followed (copy the "
                "file into the data folder to have it read)")
LINK_BROKEN = "a symbolic link to {target}, which does not exist: not followed"


def scan_exports(folder: Path, root: Path | None = None) -> tuple[list[Path], list[Skipped]]:
    """Export files under ``folder`` (recursive, sorted) and the symbolic links not followed.

    ``~$`` lock files and dot-files are skipped silently. A symbolic link (file or folder) is
    followed only when it points inside ``root`` (default ``folder``); others are returned as
    :class:`Skipped`, as are broken links. Folders are visited once (no loops through links).
    """
    folder = Path(folder)
    root_real = Path(os.path.realpath(root if root is not None else folder))
    found: list[Path] = []
    skipped: list[Skipped] = []
    seen: set[str] = set()

    def inside(real: str) -> bool:
        return real == str(root_real) or real.startswith(str(root_real) + os.sep)

    def walk(d: Path) -> None:
        real = os.path.realpath(d)
        if real in seen:
            return
        seen.add(real)
        try:
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except OSError as exc:
            log.warning("cannot list %s: %s", d, exc)
            return
        for entry in entries:
            name = entry.name
            if name.startswith((".", "~$")):
                continue
            path = d / name
            if entry.is_symlink():
                target = os.path.realpath(path)
                if not os.path.exists(target):
                    skipped.append(Skipped(path, LINK_BROKEN.format(target=os.readlink(path))))
                    continue
                if not inside(target):
                    if os.path.isdir(target) or path.suffix.lower() in EXPORT_SUFFIXES:
                        skipped.append(Skipped(path, LINK_OUTSIDE.format(target=target)))
                    continue
                if os.path.isdir(target):
                    walk(path)
                elif path.suffix.lower() in EXPORT_SUFFIXES:
                    found.append(path)
                continue
            if entry.is_dir(follow_symlinks=False):
                walk(path)
            elif path.suffix.lower() in EXPORT_SUFFIXES and entry.is_file(follow_symlinks=False):
                found.append(path)

    if folder.is_dir():
        walk(folder)
    return sorted(found, key=lambda p: p.as_posix()), sorted(skipped, key=lambda s: s.path)


def find_export_files(folder: Path) -> list[Path]:
    """Export files under ``folder``, recursive, sorted; ``~$`` lock files, dot-files and symbolic
    links leading outside ``folder`` skipped (see :func:`scan_exports`)."""
    return scan_exports(folder)[0]


# --- format --------------------------------------------------------------------------------------

_HTML_TAGS = (b"<html", b"<table", b"<!doctype", b"<head", b"<body", b"<meta")


@dataclass(frozen=True)
class Source:
    """A file's real format (by content) and what was noticed while opening it."""

    format: str  # "xlsx" | "xls" | "ods" | "html" | "csv"


def sniff(path: Path, rel: str, limits: Limits) -> Source:
    """The file's real format, refusing files over the limits and protected packages early."""
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(4096)
    except OSError as exc:
        raise ReadError(f"the file cannot be read ({short(exc)}): check it exists and is not "
                        "open in another program", file=rel) from exc
    if not head:
        raise ReadError("the file is empty (0 bytes): export it again from the system", file=rel)
    if head.startswith(_ZIP_MAGIC):
        return Source(_zip_format(path, rel, limits))
    if size > limits.max_bytes:
        raise ReadError(_too_big(f"{size / 1048576:,.0f} MB", limits), file=rel)
    if head.startswith(_OLE_MAGIC):
        return Source("xls")
    probe = head
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        probe = head.decode("utf-16", errors="ignore").encode("utf-8", errors="ignore")
    low = probe.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if low.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in low:
        raise ReadError("the file is an Excel 2003 XML spreadsheet: open it in Excel and save it "
                        "as .xlsx", file=rel)
    if low.startswith(b"<") and any(t in low for t in _HTML_TAGS):
        return Source("html")
    if b"\x00" in probe:
        raise ReadError(DAMAGED.format(detail="not a workbook, HTML or CSV file"), file=rel)
    return Source("csv")


def _zip_format(path: Path, rel: str, limits: Limits) -> str:
    """"xlsx" or "ods" from a zip package's parts; refuses packages that unpack beyond the limit
    (read from the zip directory: nothing is decompressed) and encrypted ODS packages."""
    listing = _zip_listing(path)
    if listing is not None and b"xl/workbook.xml" in listing[1]:
        unpacked, ods = listing[0], False
    else:  # ODS, zip64 or anything unusual: the zipfile module reads it
        try:
            with zipfile.ZipFile(path) as zf:
                infos = zf.infolist()
                names = {i.filename for i in infos}
                unpacked = sum(i.file_size for i in infos)
                mimetype = zf.read("mimetype")[:100] if "mimetype" in names else b""
                ods = mimetype.startswith(_ODS_MIME) or (
                    "content.xml" in names and "xl/workbook.xml" not in names)
                if ods and "META-INF/manifest.xml" in names and (
                        b"encryption-data" in zf.read("META-INF/manifest.xml")):
                    raise ReadError(ENCRYPTED, file=rel)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError) as exc:
            raise ReadError(DAMAGED.format(detail=short(exc)), file=rel) from exc
    if unpacked > limits.max_bytes:
        raise ReadError(_too_big(f"it unpacks to {unpacked / 1048576:,.0f} MB", limits), file=rel)
    return "ods" if ods else "xlsx"


def _zip_listing(path: Path) -> tuple[int, set[bytes]] | None:
    """(total uncompressed size, member names) from a plain zip's central directory, read with
    struct (cheaper than zipfile for the thousands of small workbooks of a period); None when the
    package is not a plain zip (zip64, a prefix, damage)."""
    try:
        with path.open("rb") as f:
            f.seek(0, 2)
            size = f.tell()
            n_tail = min(size, 65536 + 22)
            f.seek(size - n_tail)
            tail = f.read(n_tail)
            at = tail.rfind(b"PK\x05\x06")
            if at < 0 or at + 22 > len(tail):
                return None
            n_entries, cd_size, cd_offset = struct.unpack_from("<HII", tail, at + 10)
            if n_entries == 0xFFFF or cd_offset == 0xFFFFFFFF or cd_offset + cd_size > size:
                return None
            f.seek(cd_offset)
            cd = f.read(cd_size)
    except OSError:
        return None
    total, names, pos = 0, set(), 0
    for _ in range(n_entries):
        if cd[pos:pos + 4] != b"PK\x01\x02" or pos + 46 > len(cd):
            return None
        (unpacked,) = struct.unpack_from("<I", cd, pos + 24)
        n_name, n_extra, n_comment = struct.unpack_from("<HHH", cd, pos + 28)
        if unpacked == 0xFFFFFFFF:
            return None
        total += unpacked
        names.add(cd[pos + 46:pos + 46 + n_name])
        pos += 46 + n_name + n_extra + n_comment
    return total, names


# --- sheets --------------------------------------------------------------------------------------


@dataclass
class Sheet:
    """A sheet as the reader sees it: the top rows for the header scan, the rest on demand."""

    name: str
    index: int
    visible: bool
    head: list[list[Cell]]
    load: Callable[[], list[list[Cell]]]
    merges: list[Merge] | None
    notes: list[str] = field(default_factory=list)  # what was repaired while reading the cells


def sheets(path: Path, fmt: str, rel: str, limits: Limits,
           *, hidden: bool = False) -> Iterator[Sheet]:
    """The file's sheets in workbook order (hidden sheets only when ``hidden``)."""
    if fmt == "xls" and _ole_has_encryption_info(path):
        raise ReadError(ENCRYPTED, file=rel)
    if fmt in ("xlsx", "xls", "ods"):
        try:
            yield from _calamine_sheets(path, fmt, rel, limits, hidden)
        except ReadError as exc:
            # a BIFF workbook with a password: say so rather than "damaged"
            if fmt == "xls" and exc.message != ENCRYPTED and _ole_is_encrypted(path):
                raise ReadError(ENCRYPTED, file=rel, sheet=exc.sheet) from exc
            raise
        return
    data = path.read_bytes()
    if fmt == "html":
        check_rows(sum(1 for _ in _TR.finditer(data)), limits, rel)
        yield html_sheet(data, rel)
    else:
        check_rows(data.count(b"\n"), limits, rel)
        yield csv_sheet(data)


def _open_calamine(path: Path, fmt: str, rel: str) -> Any:
    import python_calamine as pc

    suffix = path.suffix.lower()
    native = ((fmt == "xlsx" and suffix in (".xlsx", ".xlsm")) or (fmt == "xls" and suffix == ".xls")
              or (fmt == "ods" and suffix == ".ods"))
    try:
        if native:
            return pc.CalamineWorkbook.from_path(str(path))
        with path.open("rb") as f:
            return pc.CalamineWorkbook.from_filelike(f)
    except pc.PasswordError as exc:
        raise ReadError(ENCRYPTED, file=rel) from exc
    except Exception as exc:  # calamine raises several unrelated types for damaged files
        raise ReadError(DAMAGED.format(detail=short(exc)), file=rel) from exc


def _visible(meta: Any, pc: Any) -> bool:
    return meta.visible == pc.SheetVisibleEnum.Visible


def _calamine_sheets(path: Path, fmt: str, rel: str, limits: Limits,
                     hidden: bool) -> Iterator[Sheet]:
    import python_calamine as pc

    wb = _open_calamine(path, fmt, rel)
    try:
        metadata = wb.sheets_metadata
    except Exception:  # metadata is a refinement: without it every sheet counts as visible
        metadata = None
    ods_merges: dict[str, list[Merge]] | None = None
    for index, name in enumerate(wb.sheet_names):
        visible = metadata is None or _visible(metadata[index], pc)
        if not visible and not hidden:
            continue
        try:
            sheet = wb.get_sheet_by_index(index)
        except pc.PasswordError as exc:
            raise ReadError(ENCRYPTED, file=rel, sheet=name) from exc
        except Exception as exc:
            raise ReadError(DAMAGED.format(detail=short(exc)), file=rel, sheet=name) from exc
        if sheet.height == 0 or sheet.end is None:
            continue
        check_rows(sheet.end[0] + 1, limits, rel, name)
        if fmt == "ods":
            if ods_merges is None:
                ods_merges = _ods_merges(path)
            merges = ods_merges.get(name, [])
        else:
            merges = _calamine_merges(sheet, path, fmt, name)
        head = sheet.to_python(skip_empty_area=False, nrows=HEAD_ROWS)
        yield Sheet(name, index, visible, head,
                    lambda s=sheet: s.to_python(skip_empty_area=False), merges)


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


_MAX_REPEAT = 1 << 16  # LibreOffice pads rows/columns with huge repeat counts: never expand those
_ODS_TAG = re.compile(rb"<table:(table|table-row|table-cell|covered-table-cell)(?=[\s/>])([^>]*)>"
                      rb"|</table:(table|table-row)>")
_ODS_ATTR = re.compile(rb'table:(name|number-rows-spanned|number-columns-spanned|'
                       rb'number-rows-repeated|number-columns-repeated)="([^"]*)"')


def _ods_merges(path: Path) -> dict[str, list[Merge]]:
    """Merged ranges of every sheet of an ODS package (python-calamine gives none for ODS), from
    a scan of content.xml's table tags (a row or cell repeated N times counts N times)."""
    from xml.sax.saxutils import unescape

    out: dict[str, list[Merge]] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            data = zf.read("content.xml")
    except Exception:  # merges only refine the header; reading goes on without them
        log.debug("no merged ranges for %s", path, exc_info=True)
        return out
    if b"-spanned" not in data:
        return out
    sheet: list[Merge] | None = None
    r = c = 0
    row_repeat = 1
    for m in _ODS_TAG.finditer(data):
        tag, attrs, close = m.group(1), m.group(2), m.group(3)
        if close is not None:
            if close == b"table-row":
                r += row_repeat
            else:
                sheet = None
            continue
        if tag in (b"table-cell", b"covered-table-cell") and (
                b"spanned" not in attrs and b"repeated" not in attrs):
            c += 1  # the usual cell: no attribute that matters here
            continue
        at = dict(_ODS_ATTR.findall(attrs)) if b"table:" in attrs else {}
        if tag == b"table":
            name = unescape(at.get(b"name", b"").decode("utf-8", "replace"), {"&quot;": '"'})
            sheet = out.setdefault(name, [])
            r = 0
        elif tag == b"table-row":
            c = 0
            row_repeat = min(_int(at.get(b"number-rows-repeated")), _MAX_REPEAT)
            if attrs.endswith(b"/"):  # an empty row, closed at once
                r += row_repeat
        else:
            rs = _int(at.get(b"number-rows-spanned"))
            cs = _int(at.get(b"number-columns-spanned"))
            if sheet is not None and (rs > 1 or cs > 1):
                sheet.append((r, c, r + rs - 1, c + cs - 1))
            c += min(_int(at.get(b"number-columns-repeated")), _MAX_REPEAT)
    return out


def _int(value: bytes | None) -> int:
    try:
        return max(int(value), 1) if value else 1
    except ValueError:
        return 1


def _ole_has_encryption_info(path: Path) -> bool:
    """An OLE file holding an encrypted OOXML package (it has an EncryptionInfo stream)."""
    with path.open("rb") as f:
        return _ENCRYPTION_INFO in f.read()


def _ole_is_encrypted(path: Path) -> bool:
    """An OLE file that is encrypted: an OOXML package, or a BIFF workbook with a password."""
    if _ole_has_encryption_info(path):
        return True
    try:
        import msoffcrypto
    except ImportError:  # pragma: no cover - a dependency; kept for partial installs
        return False
    try:
        with path.open("rb") as f:
            return bool(msoffcrypto.OfficeFile(f).is_encrypted())
    except Exception:
        return False


# --- text files: decoding ------------------------------------------------------------------------


def decode_text(data: bytes) -> tuple[str, list[str]]:
    """Bytes of a CSV or HTML file as text, and notes on what had to be repaired.

    UTF-8 (with or without BOM) or UTF-16 with BOM; a file that is not UTF-8 at all is
    Windows-1258. A UTF-8 file with some lines in Windows-1258 (two files pasted together) or with
    stray bytes is decoded line by line: each line as UTF-8 if it is, else as Windows-1258, and
    bytes that are neither become U+FFFD — with a note saying which lines.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        content = data.decode("utf-16", errors="replace")
        bad = content.count("\ufffd")
        return content, ([f"{bad} character(s) that are not valid UTF-16 replaced by �"]
                         if bad else [])
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        return body.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    lines = body.split(b"\n")
    kinds = [_line_encoding(ln) for ln in lines]
    if "utf-8" not in kinds and "stray" not in kinds and not data.startswith(b"\xef\xbb\xbf"):
        return text.decode_cp1258(body, errors="replace"), _replaced_note(body, "Windows-1258")
    legacy: list[int] = []
    broken: list[int] = []
    out = []
    for i, (ln, kind) in enumerate(zip(lines, kinds, strict=True), start=1):
        if kind == "utf-8":
            out.append(ln.decode("utf-8"))
        elif kind == "stray":
            out.append(ln.decode("utf-8", errors="replace"))
            broken.append(i)
        else:
            out.append(text.decode_cp1258(ln, errors="replace"))
            legacy.append(i)
    notes = []
    if legacy:
        notes.append(f"{len(legacy)} line(s) not in UTF-8 read as Windows-1258 (line "
                     f"{_lines(legacy)}): check the names on them")
    if broken:
        notes.append(f"{len(broken)} line(s) with bytes that are not UTF-8, replaced by � "
                     f"(line {_lines(broken)}): correct those names, or export the file again")
    return "\n".join(out), notes


def _line_encoding(line: bytes) -> str:
    """"utf-8" (valid), "stray" (UTF-8 with a few invalid bytes) or "cp1258"."""
    if line.isascii() or _is_utf8(line):
        return "utf-8"
    decoded = line.decode("utf-8", errors="replace")
    bad = decoded.count("\ufffd")
    good = sum(1 for ch in decoded if ord(ch) > 127) - bad
    return "stray" if good > bad else "cp1258"


def _is_utf8(b: bytes) -> bool:
    try:
        b.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _lines(numbers: list[int], most: int = 5) -> str:
    shown = ", ".join(str(n) for n in numbers[:most])
    return shown + (f" and {len(numbers) - most} more" if len(numbers) > most else "")


def _replaced_note(data: bytes, codec: str) -> list[str]:
    try:
        data.decode("cp1258")
    except UnicodeDecodeError:
        return [f"bytes that are not valid {codec} were replaced by �: export the file again"]
    return []


# --- CSV -----------------------------------------------------------------------------------------

_SEP_LINE = re.compile(r"^\ufeff?sep=(.)\s*$")
_LINE_BREAK = re.compile(r"\r\n|\n|\r")


def csv_sheet(data: bytes) -> Sheet:
    """A CSV file as one sheet; the separator (``,``, ``;`` or tab) is sniffed from the content."""
    content, notes = decode_text(data)
    first_nl = content.find("\n")
    first = content[: first_nl if first_nl >= 0 else len(content)].rstrip("\r")
    m = _SEP_LINE.match(first)
    if m:  # Excel's "sep=;" hint line: not a row Excel shows
        delim = m.group(1)
        content = content[first_nl + 1:] if first_nl >= 0 else ""
    else:
        delim = _sniff_delimiter(content)
    rows, more = _parse_csv(content, delim)
    notes += more
    width = max((len(r) for r in rows), default=0)
    for r in rows:
        if len(r) < width:
            r.extend([""] * (width - len(r)))
    return Sheet("", 0, True, rows[:HEAD_ROWS], lambda: rows, [], notes)


def _sniff_delimiter(content: str) -> str:
    sample = content[:20000].splitlines()[:40]
    best, best_score = ",", (-1, -1)
    for delim in (",", ";", "\t"):
        try:
            lengths = [len(r) for r in csv.reader(sample, delimiter=delim) if len(r) > 1]
        except csv.Error:
            continue
        if not lengths:
            continue
        mode, freq = Counter(lengths).most_common(1)[0]
        if (freq, mode) > best_score:
            best, best_score = delim, (freq, mode)
    return best


def _parse_csv(content: str, delim: str) -> tuple[list[list[Cell]], list[str]]:
    """Rows of a CSV text. A quote left open swallows the lines after it into one field (or
    overflows the csv module's field limit): then each line is read on its own, and a note says so.
    """
    try:
        rows: list[list[Cell]] = list(csv.reader(io.StringIO(content, newline=""),
                                                 delimiter=delim))
    except csv.Error as exc:
        return _csv_by_line(content, delim, f"({short(exc)})")
    breaks = content.count("\n") + content.count("\r") - content.count("\r\n")
    if len(rows) >= breaks:  # no field spans lines
        return rows, []
    swallowed = next((i for i, r in enumerate(rows)
                      if any(("\n" in v or "\r" in v) and delim in v for v in r)), None)
    if swallowed is None:
        return rows, []
    return _csv_by_line(content, delim, f"(row {swallowed + 1} runs over several lines)")


def _csv_by_line(content: str, delim: str, why: str) -> tuple[list[list[Cell]], list[str]]:
    rows: list[list[Cell]] = []
    limit = csv.field_size_limit()
    try:
        for line in _LINE_BREAK.split(content.rstrip("\r\n")):
            if len(line) >= limit:
                csv.field_size_limit(len(line) + 1)
            rows.append(next(csv.reader([line], delimiter=delim), []))
    finally:
        csv.field_size_limit(limit)
    return rows, [f"a quotation mark (\") is left open {why}: each line was read as one row; "
                  "check the rows around it"]


# --- HTML saved as .xls --------------------------------------------------------------------------

_TR = re.compile(rb"<tr[\s>]", re.I)
_MAX_SPANNED = 4_000_000  # cells covered by row/colspans: beyond, spans are ignored (hostile file)
_CELL_TAGS = frozenset({"td", "th"})
_HTML_BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "div", "caption")
_HTML_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)


def html_sheet(data: bytes, rel: str) -> Sheet:
    """The table of an HTML file (vnEdu's "Excel" export) as one sheet; row/colspans as merges."""
    from lxml import etree

    notes: list[str] = []
    m = _HTML_CHARSET.search(data[:4096])
    charset = m.group(1).decode("ascii").lower() if m else "utf-8"
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) or charset in (
            "utf-8", "utf8"):
        content, notes = decode_text(data)
    elif charset in ("windows-1258", "cp1258"):
        content = text.decode_cp1258(data, errors="replace")
        notes = _replaced_note(data, "Windows-1258")
    else:
        try:
            content = data.decode(charset)
        except (LookupError, UnicodeDecodeError, ValueError):
            content, notes = decode_text(data)
    content = re.sub(r"^\s*<\?xml[^>]*>", "", content)
    try:
        # The plain etree HTML parser: lxml.html's element classes cost a lookup per element.
        doc = etree.fromstring(content, _html_parser())
        if doc is None:
            raise ValueError("no HTML document")
    except Exception as exc:
        raise ReadError(DAMAGED.format(detail=short(exc)), file=rel) from exc
    for br in doc.iter("br"):
        br.tail = "\n" + (br.tail or "")
    grid: dict[int, dict[int, str]] = {}
    merges: list[Merge] = []
    occupied: set[tuple[int, int]] = set()
    spans_dropped = False
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
        for td in el:
            if td.tag not in _CELL_TAGS:
                continue
            if occupied:
                while (r, c) in occupied:
                    c += 1
            if td.attrib:
                rs = _span(td.get("rowspan"))
                cs = _span(td.get("colspan"))
            else:
                rs = cs = 1
            # the text of a plain cell at once; of a cell with markup (<b>, <br>), all of it
            cells[c] = (td.text or "") if len(td) == 0 else "".join(td.itertext())
            if (rs > 1 or cs > 1) and len(occupied) + rs * cs > _MAX_SPANNED:
                if not spans_dropped:
                    notes.append("too many merged cells: the merges beyond the first "
                                 f"{_MAX_SPANNED:,} cells were ignored")
                spans_dropped = True
                rs = cs = 1
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
    return Sheet("", 0, True, rows[:HEAD_ROWS], lambda: rows, merges, notes)


@functools.cache
def _html_parser() -> Any:
    from lxml import etree

    return etree.HTMLParser(remove_comments=True, remove_pis=True)


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 1000))
    except ValueError:
        return 1
