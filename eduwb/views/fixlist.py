"""A district's fix list: every finding as a task, and the formatted Excel workbook of them (a
summary, then one sheet per school).

:func:`fix_list` (discrepancies) and :func:`check_tasks` (data-entry checks) turn findings into
tasks (FIX_COLUMNS keys, Vietnamese labels); :func:`order_tasks` puts them in a school's order.
Each school's sheet lists its tasks: the discrepancies between the two systems, then the data-entry
checks of each system (errors first), each with the system to open ("Làm trên": a data-entry error
is fixed in vnEdu and synced even when it was found in CSDL ngành), where it was found, its
severity, what to do, whether it is new since the last run and since when it is open. It carries
the pupils' and teachers' names (and says so on its first sheet): it is for the district
specialist and the schools, never for leadership views. The same input gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from eduwb import vocab
from eduwb.checks import CATALOGUE, RULE_IDS, SEVERITIES, SEVERITY_LABELS
from eduwb.fields import label as field_label
from eduwb.outputs import ENTITY_TITLES, workbook
from eduwb.values import is_missing
from eduwb.views.document import PERSONAL_DATA_NOTICE

# Where each category is fixed (the system a person opens), for the fix list.
FIX_SYSTEM: dict[str, str] = {
    "only_in_vnedu": "vnEdu",
    "only_in_csdl": "CSDL ngành",
    "field_mismatch": "vnEdu",
    "duplicate_in_vnedu": "vnEdu",
    "duplicate_in_csdl": "CSDL ngành",
    "missing_moet_id": "vnEdu",
    "school_code_changed": "Sở GD&ĐT",
    "school_missing": "vnEdu",
}
# A data-entry check is fixed in vnEdu and synced, even when it was found in CSDL ngành: CSDL ngành
# is fed by the sync, never typed into (the checks' actions say so).
CHECK_FIX_SYSTEM = "vnEdu"
COMPARED = "Đối chiếu hai hệ thống"  # where a discrepancy was found

FIX_COLUMNS: dict[str, str] = {
    "school_code": "Mã trường",
    "school_name": "Tên trường",
    "system": "Làm trên",
    "found_in": "Phát hiện ở",
    "severity": "Mức độ",
    "category": "Loại sai lệch / kiểm tra",
    "entity": "Đối tượng",
    "full_name": "Họ tên / Lớp",
    "vnedu_id": "Mã vnEdu",
    "moet_id": "Mã định danh",
    "field": "Trường thông tin",
    "vnedu_value": "Trên vnEdu",
    "csdl_value": "Trên CSDL ngành",
    "action": "Việc cần làm",
    "state": "Mới từ lần trước",
    "first_seen": "Có từ ngày",
}
DISCREPANCY_SEVERITY = "loi"  # two systems that disagree must agree before the EQMS deadline


CHECK_TITLES: dict[str, str] = {r.id: r.title for r in CATALOGUE}
# Column widths (characters) of the school sheets, by FIX_COLUMNS key.
_WIDTHS = {"system": 11, "found_in": 14, "severity": 10, "category": 26, "entity": 10,
           "full_name": 22, "vnedu_id": 15, "moet_id": 12, "field": 16, "vnedu_value": 26,
           "csdl_value": 26, "action": 60, "state": 10, "first_seen": 11}


def fix_list_bytes(tasks: pd.DataFrame, summary: pd.DataFrame, school_names: Mapping[str, str],
                   subtitle: str) -> bytes:
    """A district's fix list as .xlsx bytes: ``summary`` (one row per school, counts after two
    label columns) on the first sheet, then one sheet per school of ``school_names`` with its
    ``tasks`` (FIX_COLUMNS keys, in order). ``subtitle`` names the district, period and date."""
    buf = io.BytesIO()
    book, head = workbook(buf, "Danh sách cần sửa")
    fmt = {
        "title": book.add_format({"bold": True, "font_size": 14}),
        "head": head,
        "cell": book.add_format({"text_wrap": True, "valign": "top", "border": 1}),
        "num": book.add_format({"valign": "top", "border": 1}),
        "total": book.add_format({"bold": True, "border": 1}),
    }
    ws = book.add_worksheet("Tổng hợp")
    ws.write_string(0, 0, "DANH SÁCH CẦN SỬA: ĐỐI CHIẾU vnEdu - CSDL NGÀNH VÀ KIỂM TRA NHẬP LIỆU",
                    fmt["title"])
    ws.write_string(1, 0, subtitle)
    ws.write_string(2, 0, "Mỗi trường một trang tính; cột \"Làm trên\" cho biết mở hệ thống nào; "
                    "\"Mới từ lần trước\" đánh dấu việc mới từ lần đối chiếu trước.")
    ws.write_string(3, 0, PERSONAL_DATA_NOTICE)
    top = 5
    _write_table(ws, top, summary, list(summary.columns), fmt)
    last = top + len(summary) + 1
    ws.write_string(last, 0, "Tổng cộng", fmt["total"])
    for j, col in enumerate(summary.columns[2:], start=2):
        ws.write_number(last, j, int(summary[col].sum()), fmt["total"])
    ws.set_column(0, 0, 12)
    ws.set_column(1, 1, 40)
    ws.set_column(2, len(summary.columns) - 1, 12)
    ws.freeze_panes(top + 1, 0)
    _print_setup(ws, landscape=False)

    columns = [c for c in FIX_COLUMNS if c not in ("school_code", "school_name")]
    for code in sorted(school_names):
        mine = tasks[tasks["school_code"] == code][columns]
        ws = book.add_worksheet(code)
        ws.write_string(0, 0, f"{school_names[code]} ({code})", fmt["title"])
        ws.write_string(1, 0, subtitle)
        ws.write_string(2, 0, f"{len(mine)} việc cần làm" if len(mine) else
                        "Không có việc cần làm: không sai lệch, không lỗi nhập liệu.")
        _write_table(ws, 4, mine, [FIX_COLUMNS[c] for c in columns], fmt)
        for j, col in enumerate(columns):
            ws.set_column(j, j, _WIDTHS.get(col, 14))
        ws.freeze_panes(5, 0)
        if len(mine):
            ws.autofilter(4, 0, 4 + len(mine), len(columns) - 1)
        _print_setup(ws, landscape=True)
        ws.repeat_rows(4)
    book.close()
    return buf.getvalue()


def _write_table(ws: Any, top: int, frame: pd.DataFrame, titles: list[str],
                 fmt: dict[str, Any]) -> None:
    ws.write_row(top, 0, titles, fmt["head"])
    for i, row in enumerate(frame.itertuples(index=False), start=top + 1):
        for j, value in enumerate(row):
            if is_missing(value):
                ws.write_blank(i, j, None, fmt["cell"])
            elif isinstance(value, int | float) or hasattr(value, "item"):
                ws.write_number(i, j, getattr(value, "item", lambda v=value: v)(), fmt["num"])
            else:
                ws.write_string(i, j, str(value), fmt["cell"])


def _print_setup(ws: Any, *, landscape: bool) -> None:
    ws.set_paper(9)  # A4
    if landscape:
        ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)


# --- the tasks ------------------------------------------------------------------------------------


NEW_MARK = "Mới"  # the fix list's mark of a finding new since the last run


def _history_columns(states: pd.DataFrame | None, index: pd.Index) -> dict[str, list]:
    """The fix list's ``state`` (NEW_MARK or empty) and ``first_seen`` (dd/mm/yyyy) columns."""
    if states is None or states.empty:
        return {"state": [""] * len(index), "first_seen": [""] * len(index)}
    st = states.reindex(index)
    return {"state": [NEW_MARK if s == "new" else "" for s in st["state"]],
            "first_seen": [f"{d:%d/%m/%Y}" if isinstance(d, dt.date) else ""
                           for d in st["first_seen"]]}


def fix_list(findings: pd.DataFrame, school_names: Mapping[str, str], *,
             states: pd.DataFrame | None = None) -> pd.DataFrame:
    """Discrepancies as tasks (FIX_COLUMNS keys), ordered by school, category and name;
    ``states``: finding_id, state, first_seen by the findings' index (see
    :meth:`eduwb.views.district_report.DistrictReport.finding_states`)."""
    f = findings
    frame = pd.DataFrame({
        "school_code": f["school_code"],
        "school_name": f["school_code"].map(lambda c: school_names.get(c, "")),
        "system": f["category"].map(FIX_SYSTEM),
        "found_in": COMPARED,
        "severity": SEVERITY_LABELS[DISCREPANCY_SEVERITY],
        "category": f["category"],
        "entity": f["entity"].map(ENTITY_TITLES),
        "full_name": f["full_name"],
        "vnedu_id": f["vnedu_id"],
        "moet_id": f["moet_id"],
        "field": [vocab.LIST_KIND_LABELS.get(x, x) if c == "school_missing"
                  else field_label(x)
                  for c, x in zip(f["category"], f["field"], strict=True)],
        "vnedu_value": [value_label(x, v) for x, v in zip(f["field"], f["vnedu_value"],
                                                           strict=True)],
        "csdl_value": [value_label(x, v) for x, v in zip(f["field"], f["csdl_value"],
                                                         strict=True)],
        "action": f["action"],
        **_history_columns(states, f.index),
    }, index=f.index)
    order = {c: i for i, c in enumerate(vocab.CATEGORIES)}
    frame = frame.assign(_o=frame["category"].map(order)).sort_values(
        ["school_code", "_o", "entity", "full_name", "field"], kind="stable").drop(columns="_o")
    frame["category"] = frame["category"].map(vocab.CATEGORY_LABELS)
    return frame.reset_index(drop=True)


def check_tasks(checks: pd.DataFrame, school_names: Mapping[str, str], *,
                states: pd.DataFrame | None = None) -> pd.DataFrame:
    """Data-entry checks (checks.csv rows) as tasks (FIX_COLUMNS keys): fixed in vnEdu whatever
    system they were found in; what is wrong goes on the side of the system that has it."""
    c = checks
    on_vnedu = (c["system"] == "vnedu").to_numpy()
    person = c["entity"].isin(["student", "staff"]).to_numpy()
    frame = pd.DataFrame({
        "school_code": c["school_code"],
        "school_name": c["school_code"].map(lambda x: school_names.get(x, "")),
        "system": CHECK_FIX_SYSTEM,
        "found_in": c["system"].map(vocab.SYSTEM_LABELS),
        "severity": c["severity"].map(SEVERITY_LABELS),
        "category": c["rule"].map(CHECK_TITLES),
        "entity": c["entity"].map(ENTITY_TITLES),
        "full_name": c["full_name"].where(c["full_name"] != "", c["class_name"]),
        "vnedu_id": np.where(on_vnedu & person, c["record_key"], ""),
        "moet_id": c["moet_id"],
        "field": [field_label(x) for x in c["field"]],
        "vnedu_value": np.where(on_vnedu, c["message"], ""),
        "csdl_value": np.where(on_vnedu, "", c["message"]),
        "action": c["action"],
        "_rule": c["rule"], "_severity": c["severity"],
        **_history_columns(states, c.index),
    }, index=c.index)
    rank = {r: i for i, r in enumerate(RULE_IDS)}
    sev = {s: i for i, s in enumerate(SEVERITIES)}
    frame = frame.assign(_s=frame["_severity"].map(sev), _o=frame["_rule"].map(rank))
    frame = frame.sort_values(["school_code", "_s", "_o", "entity", "full_name", "field"],
                              kind="stable")
    return frame.drop(columns=["_rule", "_severity", "_s", "_o"]).reset_index(drop=True)


def order_tasks(tasks: pd.DataFrame) -> pd.DataFrame:
    """Tasks of both kinds by school: discrepancies first, then checks, each in its own order."""
    if tasks.empty:
        return pd.DataFrame(columns=list(FIX_COLUMNS))
    kind = (tasks["found_in"] != COMPARED).astype(int)
    out = tasks.assign(_k=kind.to_numpy()).sort_values(["school_code", "_k"], kind="stable")
    return out.drop(columns="_k")[list(FIX_COLUMNS)].reset_index(drop=True)


# Codes of the canonical values, as people read them (the findings keep the codes).
_VALUE_LABELS: dict[str, dict[str, str]] = {
    "sex": vocab.SEXES,
    "evaluation": vocab.EVALUATIONS,
    "staff_group": vocab.STAFF_GROUPS,
    "disability": {vocab.DISABILITY_NONE: "Không", vocab.DISABILITY_YES: "Có",
                   **vocab.DISABILITY_TYPES},
}
_FLAGS = {"True": "Có", "False": "Không"}
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def value_label(field: str, value: object) -> object:
    """A finding's value for people: codes as words (``ht`` → Hoàn thành, ``F`` → Nữ, a flag →
    Có/Không), dates as dd/mm/yyyy."""
    if not isinstance(value, str) or not value:
        return value
    labels = _VALUE_LABELS.get(field)
    if labels is not None and value in labels:
        return labels[value]
    if value in _FLAGS:
        return _FLAGS[value]
    return _ISO_DATE.sub(r"\3/\2/\1", value)
