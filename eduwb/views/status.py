"""A :class:`eduwb.tracking.Tracking` rendered for people: an aligned terminal table and Excel."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from eduwb import vocab
from eduwb.tracking import LEVEL_LABELS, STATUS_LABELS, Tracking

# (column of Tracking.table(), Vietnamese title, max width in the terminal)
STATUS_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("level", "Cấp", 6),
    ("unit_code", "Mã", 8),
    ("name", "Tên đơn vị", 34),
    ("deadline", "Hạn", 10),
    ("status", "Tình trạng", 17),
    ("days", "Số ngày", 8),
    ("sent_on", "Ngày gửi", 10),
    ("signed_by", "Người ký", 20),
    ("findings", "Sai lệch", 8),
    ("check_errors", "Lỗi nhập liệu", 13),
    ("responsible", "Phụ trách", 20),
    ("action", "Việc cần làm", 200),
)


def status_frame(tracking: Tracking) -> pd.DataFrame:
    """Tracking.table() with display values (Vietnamese labels, dd/mm/yyyy, "quá N" / "còn N")."""
    t = tracking.table()
    days = [f"quá {int(o)}" if pd.notna(o) else (f"còn {int(n)}" if pd.notna(n) else "")
            for o, n in zip(t["days_overdue"], t["days_left"], strict=True)]
    return pd.DataFrame({
        "level": t["level"].map(LEVEL_LABELS),
        "unit_code": t["unit_code"],
        "name": t["name"].fillna("").str.replace("Phòng Giáo dục và Đào tạo", "Phòng GD&ĐT",
                                                  regex=False),
        "deadline": t["deadline"].map(_day),
        "status": t["status"].map(STATUS_LABELS),
        "days": days,
        "sent_on": t["sent_on"].map(_day),
        "signed_by": t["signed_by"].fillna(""),
        "findings": t["findings"].map(lambda n: "" if pd.isna(n) else str(int(n))),
        "check_errors": t["check_errors"].map(lambda n: "" if pd.isna(n) else str(int(n))),
        "responsible": t["responsible"].fillna(""),
        "action": t["action"].fillna(""),
    })


def render_text(tracking: Tracking) -> str:
    """The tracking table for a terminal: a heading, aligned columns, most urgent first."""
    due = tracking.deadlines
    lines = [
        f"Theo dõi báo cáo {vocab.PERIOD_LABELS[tracking.period]}, năm học {tracking.year} "
        f"(tính đến {tracking.as_of:%d/%m/%Y})",
        f"Hạn trường gửi (vnEdu): {due.vnedu:%d/%m/%Y} · Hạn phòng gửi Sở (EQMS): "
        f"{due.eqms:%d/%m/%Y}",
        "",
    ]
    frame = status_frame(tracking)
    cells = [[_clip(str(v), w) for v, (_, _, w) in zip(row, STATUS_COLUMNS, strict=True)]
             for row in frame.itertuples(index=False)]
    titles = [title for _, title, _ in STATUS_COLUMNS]
    widths = [max([len(titles[j])] + [len(r[j]) for r in cells]) for j in range(len(titles))]
    lines.append("  ".join(t.ljust(w) for t, w in zip(titles, widths, strict=True)).rstrip())
    lines.append("  ".join("-" * w for w in widths))
    for r in cells:
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    schools = tracking.schools
    blocked = schools[schools["ready_to_sign"].eq(False).fillna(False).astype(bool)]
    if len(blocked):
        lines += ["", "Trường chưa đủ điều kiện ký (còn lỗi nhập liệu, xem checks.csv): " + ", ".join(
            f"{c} ({int(n)} lỗi)" for c, n in zip(blocked["school_code"], blocked["check_errors"],
                                                   strict=True))]
    if len(tracking.unassigned):
        lines += ["", "Phòng GD&ĐT chưa phân công chuyên viên phụ trách tiểu học: " + ", ".join(
            f"{c} ({n})" for c, n in zip(tracking.unassigned["district_code"],
                                         tracking.unassigned["district_name"], strict=True))]
    if len(tracking.sync_blocked):
        lines += ["", f"Trường sáp nhập chưa đồng bộ được, báo cáo Sở trước "
                      f"{tracking.merge_deadline:%d/%m/%Y}: " + ", ".join(
                          f"{c} (mã cũ {o})" for c, o in zip(tracking.sync_blocked["school_code"],
                                                             tracking.sync_blocked["old_codes"],
                                                             strict=True))]
    return "\n".join(lines)


def write_status_workbook(tracking: Tracking, path: Path | str) -> Path:
    """theo_doi.xlsx: the urgency-ordered table, then schools, district offices, unassigned
    offices and sync-blocked schools; Vietnamese titles, frozen header, filters; fixed bytes."""
    from eduwb.outputs import table_sheet, workbook

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book, head = workbook(path, "Theo dõi báo cáo")
    table_sheet(book, "Theo dõi", _labelled(status_frame(tracking)), head,
                [t for _, t, _ in STATUS_COLUMNS])
    for name, data in (("Trường", tracking.schools), ("Phòng GD&ĐT", tracking.districts),
                       ("Chưa có chuyên viên", tracking.unassigned),
                       ("Trường sáp nhập", tracking.sync_blocked)):
        table_sheet(book, name, _labelled(data), head, [_TITLES.get(c, c) for c in data.columns])
    book.close()
    return path


def _labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """Statuses as their Vietnamese labels."""
    if "status" not in frame:
        return frame
    return frame.assign(status=frame["status"].map(lambda v: STATUS_LABELS.get(v, v),
                                                    na_action="ignore"))


_TITLES = {
    "year": "Năm học", "period": "Kỳ", "district_code": "Mã phòng GD", "district_name": "Phòng GD&ĐT",
    "school_code": "Mã trường", "school_name": "Tên trường", "school_type": "Loại trường",
    "sync_blocked": "Sáp nhập, chưa đồng bộ được", "vnedu_lists": "Số danh sách xuất từ vnEdu",
    "vnedu_export_date": "Ngày xuất vnEdu", "csdl_lists": "Số danh sách xuất từ CSDL",
    "csdl_export_date": "Ngày xuất CSDL", "findings": "Số sai lệch", "clean": "Khớp số liệu",
    "signed_by": "Người ký", "signed_on": "Ngày ký", "sent_on": "Ngày gửi", "deadline": "Hạn",
    "status": "Tình trạng", "days_overdue": "Số ngày quá hạn", "days_left": "Số ngày còn lại",
    "responsible_role": "Vai trò phụ trách", "responsible": "Người phụ trách",
    "action": "Việc cần làm", "schools": "Số trường", "schools_sent": "Số trường đã gửi",
    "schools_on_time": "Số trường gửi đúng hạn", "vnedu_schools": "Số trường có dữ liệu vnEdu",
    "csdl_schools": "Số trường có dữ liệu CSDL", "specialist_assigned": "Có chuyên viên",
    "old_codes": "Mã trường cũ", "merged_on": "Ngày sáp nhập", "report_before": "Báo cáo trước ngày",
}


def _day(value: Any) -> str:
    return value.strftime("%d/%m/%Y") if isinstance(value, dt.date) else ""


def _clip(s: str, width: int) -> str:
    return s if len(s) <= width else s[: width - 1] + "…"
