"""``eduwb load --explain FILE``: how one export file is read, for a specialist whose file does not
load as expected — the sheet taken and why, the header rows, the column each header maps to, the
numbering row, the footer, the school(s), the export date, and what was loaded or rejected.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from eduwb import vocab
from eduwb.errors import EduwbError
from eduwb.normalise import normalise
from eduwb.read import Limits, SheetSurvey, read_tables
from eduwb.read.sources import sniff
from eduwb.registry import REGISTRY_FOLDER, Registry, load_registry

SOURCE_LABELS = {"column": "cột Mã trường", "name": "cột Tên trường (tra theo danh mục)",
                 "title": "dòng tiêu đề", "filename": "tên tệp"}
FORMAT_LABELS = {"xlsx": "Excel .xlsx", "xls": "Excel 97-2003 .xls", "ods": "LibreOffice .ods",
                 "html": "trang HTML lưu thành .xls", "csv": "CSV"}
MAX_REJECTIONS_SHOWN = 10


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def find_data_root(path: Path) -> Path | None:
    """The nearest folder above ``path`` that holds the registry (``danh_muc/truong.xlsx``)."""
    for folder in Path(path).resolve().parents:
        if (folder / REGISTRY_FOLDER / "truong.xlsx").is_file():
            return folder
    return None


def guess_system(path: Path) -> str:
    """"vnedu" or "csdl" from the folders the file sits in (vnEdu when nothing says)."""
    parts = [p.lower() for p in Path(path).parts]
    return next((s for s in reversed(parts) if s in vocab.SYSTEMS), "vnedu")


def explain_file(path: Path | str, *, system: str | None = None, data: Path | str | None = None,
                 limits: Limits | None = None) -> str:
    """A Vietnamese account, line by line, of how ``path`` is read (see the module docstring)."""
    path = Path(path)
    system = system or guess_system(path)
    root = Path(data) if data is not None else find_data_root(path)
    lines = [f"Tệp: {path}", f"Hệ thống: {vocab.SYSTEM_LABELS[system]}"]
    registry: Registry | None = None
    if root is not None:
        try:
            registry = load_registry(root)
            lines.append(f"Danh mục trường: {root / REGISTRY_FOLDER}")
        except EduwbError as exc:
            lines.append(f"Danh mục trường: không dùng được ({exc})")
    else:
        lines.append("Danh mục trường: không tìm thấy (tên trường không tra được)")
    limits = limits or Limits.from_env()
    try:
        fmt = sniff(path, path.name, limits).format
        lines.append(f"Định dạng (theo nội dung): {FORMAT_LABELS[fmt]}")
    except EduwbError as exc:
        lines.append(f"Không đọc được: {exc.message}")
        return "\n".join(lines) + "\n"
    survey: list[SheetSurvey] = []
    try:
        tables = read_tables(path, system, root or path.parent, limits, survey=survey)
    except EduwbError as exc:
        lines += _survey_lines(survey)
        lines.append(f"Không đọc được: {exc.message}")
        return "\n".join(lines) + "\n"
    lines += _survey_lines(survey)
    for table in tables:
        lines += ["", *_table_lines(table, registry)]
    return "\n".join(lines) + "\n"


_OUTCOMES = {"read": "đọc", "hidden: never read": "trang ẩn: không bao giờ đọc",
             "header of no known list": "tiêu đề không thuộc danh sách nào đã biết",
             "not read: an earlier sheet holds the same list":
                 "không đọc: một trang trước đã có danh sách cùng loại"}


def _survey_lines(survey: list[SheetSurvey]) -> list[str]:
    if not survey or (len(survey) == 1 and not survey[0].name):
        return []
    out = ["Các trang:"]
    for s in survey:
        kind = f" ({vocab.LIST_KIND_LABELS.get(s.kind, s.kind)})" if s.kind else ""
        outcome = _OUTCOMES.get(s.outcome, "không có dòng tiêu đề cột" if s.kind is None
                                else s.outcome)
        out.append(f"  - '{s.name}'{kind}: {outcome}")
    return out


def _table_lines(table, registry: Registry | None) -> list[str]:
    kind = vocab.LIST_KIND_LABELS.get(table.kind, "không rõ loại")
    where = f" (trang '{table.sheet}')" if table.sheet else ""
    out = [f"Danh sách: {kind}{where}"]
    if table.title_lines:
        out.append("Dòng tiêu đề phía trên: " + " | ".join(table.title_lines))
    first, last = table.header_rows
    out.append(f"Tiêu đề cột: dòng {first}" if first == last else
               f"Tiêu đề cột: dòng {first}–{last} (ô gộp nhóm phía trên; ô thấp nhất đặt tên cột)")
    if table.numbering_row:
        out.append(f"Dòng đánh số cột: dòng {table.numbering_row} (không phải dữ liệu)")
    out.append("Cột:")
    for col in table.columns:
        target = col.field or "(không dùng)"
        out.append(f"  {column_letter(col.index):>3}  {col.label} → {target}")
    if table.duplicate_headers:
        out.append("Cột trùng (bỏ qua): " + ", ".join(table.duplicate_headers))
    if table.rows:
        out.append(f"Dữ liệu: dòng {table.rows[0][0]}–{table.rows[-1][0]}, "
                   f"{len(table.rows)} dòng (bỏ dòng trống)")
    else:
        out.append("Dữ liệu: không có dòng nào")
    out.append(f"Chân trang: từ dòng {table.footer_row}" if table.footer_row
               else "Chân trang: không có")
    if table.district_level:
        out.append(f"Trường: nhiều trường, theo từng dòng ({SOURCE_LABELS[table.school_source]})")
    elif table.school_code:
        out.append(f"Trường: {table.school_code} (theo {SOURCE_LABELS[table.school_source]})")
    if table.export_date:
        how = "dòng 'Ngày xuất'" if table.export_date_source == "title" else "ngày sửa tệp"
        out.append(f"Ngày xuất: {table.export_date:%d/%m/%Y} (theo {how})")
    if table.legacy_encoding:
        out.append(f"Bảng mã cũ: {table.legacy_encoding.upper()} (đã chuyển sang Unicode)")
    result = normalise(table, registry)
    rep = result.report
    out.append(f"Kết quả: {rep['rows_read']} dòng đọc, {rep['rows_loaded']} dòng nạp, "
               f"{rep['rows_rejected']} dòng bị loại")
    if table.district_level and result.schools:
        out.append("Theo trường (mã như ghi trong tệp): " + ", ".join(
            f"{code} {a + b} dòng" for code, (a, b) in sorted(result.schools.items())))
    if rep["message"]:
        out.append(f"Ghi chú: {rep['message']}")
    reasons = Counter((r["column"], r["reason"]) for r in result.rejected)
    if reasons:
        out.append("Giá trị / dòng bị loại:")
        for (column, reason), n in reasons.most_common(MAX_REJECTIONS_SHOWN):
            out.append(f"  {n} × {column or '(cả dòng)'}: {reason}")
        if len(reasons) > MAX_REJECTIONS_SHOWN:
            out.append(f"  … và {len(reasons) - MAX_REJECTIONS_SHOWN} lý do khác")
    return out
