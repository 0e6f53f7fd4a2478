"""Who must do what by when: exports, reconciliation, sign-off and deadlines per school and district.

Schools answer to the vnEdu deadline (their signed report to the district office), district offices
to the EQMS deadline (their signed report to the province), both from :mod:`eduwb.calendar`. The
sign-off ledger is ``DATA/danh_muc/ky_duyet.xlsx`` (Cấp · Mã đơn vị · Năm học · Kỳ · Người ký ·
Ngày ký · Ngày gửi). Everything is judged *as of* a date: a ledger entry dated after it has not
happened yet. Only counts and the names of the people who sign or must act are shown.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd

from eduwb import calendar, text, values, vocab
from eduwb.errors import ParameterError, RegistryError
from eduwb.registry import REGISTRY_FOLDER, Registry, load_registry, registry_sheet

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from eduwb.checks import Checks

STATUSES: tuple[str, ...] = ("missing", "pending", "late", "on_time")
STATUS_LABELS: dict[str, str] = {
    "missing": "Quá hạn, chưa gửi",
    "pending": "Chưa đến hạn",
    "late": "Gửi trễ hạn",
    "on_time": "Đúng hạn",
}
LEVEL_LABELS: dict[str, str] = {"school": "Trường", "district": "Phòng"}
UNASSIGNED = "chưa phân công"
PRINCIPAL = "Hiệu trưởng"
SPECIALIST = "Chuyên viên phụ trách tiểu học"

LEDGER_COLUMNS = ("level", "unit_code", "year", "period", "signed_by", "signed_on", "sent_on")
SCHOOL_COLUMNS = (
    "year", "period", "district_code", "school_code", "school_name", "school_type", "sync_blocked",
    "vnedu_lists", "vnedu_export_date", "csdl_lists", "csdl_export_date", "findings", "clean",
    "signed_by", "signed_on", "sent_on", "deadline", "status", "days_overdue", "days_left",
    "responsible_role", "responsible", "action", "check_errors", "check_warnings", "ready_to_sign",
)
DISTRICT_COLUMNS = (
    "year", "period", "district_code", "district_name", "schools", "schools_sent",
    "schools_on_time", "vnedu_schools", "csdl_schools", "findings", "clean", "signed_by",
    "signed_on", "sent_on", "deadline", "status", "days_overdue", "days_left",
    "specialist_assigned", "responsible_role", "responsible", "action", "check_errors",
    "schools_not_ready",
)
TABLE_COLUMNS = ("level", "unit_code", "name", "district_code", "deadline", "status",
                 "days_overdue", "days_left", "signed_by", "signed_on", "sent_on", "findings",
                 "responsible", "action", "check_errors")

_LEDGER_HEADERS: dict[str, tuple[str, ...]] = {
    "level": ("Cấp",),
    "unit_code": ("Mã đơn vị", "Mã trường / phòng", "Mã"),
    "year": ("Năm học",),
    "period": ("Kỳ", "Kỳ báo cáo", "Kì", "Kì báo cáo"),
    "signed_by": ("Người ký",),
    "signed_on": ("Ngày ký",),
    "sent_on": ("Ngày gửi",),
}
_LEVEL_KEYS = {text.header_key(s): lvl for lvl, ss in {
    "school": ("Trường", "school", "TH", "Cấp trường"),
    "district": ("Phòng", "Phòng GD", "Phòng GD&ĐT", "PGD", "district", "Cấp phòng"),
}.items() for s in ss}


class Loaded(Protocol):
    """What tracking reads of a load: a :class:`eduwb.load.Period` or an
    :class:`eduwb.store.Snapshot` (its load report and its staff table)."""

    @property
    def load_report(self) -> pd.DataFrame: ...
    @property
    def tables(self) -> Mapping[str, pd.DataFrame]: ...


class Reconciled(Protocol):
    """What tracking reads of a reconciliation (:class:`eduwb.pipeline.Reconciliation` or a
    snapshot): its findings and data-entry checks."""

    @property
    def findings(self) -> pd.DataFrame: ...
    @property
    def checks(self) -> Checks | None: ...


@dataclass(frozen=True)
class Tracking:
    """Deadlines, sign-off and responsibility for one period, as of a date.

    ``schools`` (columns SCHOOL_COLUMNS): one row per registry school. ``vnedu_lists`` /
    ``csdl_lists``: how many of the 4 list kinds have a readable export (NA when no export was
    loaded); ``*_export_date``: the latest export date of the school's files; ``findings``: the
    reconciliation's findings for the school (NA without a reconciliation), ``clean`` = no finding;
    ``signed_by``/``signed_on``/``sent_on`` from the ledger; ``deadline`` = the vnEdu deadline;
    ``status`` one of STATUSES; ``days_overdue`` (calendar days sent late, or overdue and unsent)
    and ``days_left`` (unsent, before the deadline); ``sync_blocked``: a merged school with old
    codes; ``responsible``: the principal's name when the staff lists name one, else the role;
    ``action``: what must be done next, in Vietnamese.

    ``districts`` (DISTRICT_COLUMNS): one row per district office that has schools, judged against
    the EQMS deadline; ``responsible`` is the primary-education specialist or "chưa phân công".
    ``check_errors`` / ``check_warnings``: the data-entry checks' ``loi`` / ``canh_bao`` findings
    (checks.md; NA without checks); a school with errors is not ``ready_to_sign``, and a district's
    ``schools_not_ready`` counts such schools.
    ``unassigned``: district offices without a specialist; ``sync_blocked``: merged schools that
    cannot sync and must be reported before ``merge_deadline``.
    """

    year: str
    period: str
    as_of: dt.date
    deadlines: calendar.Deadlines
    merge_deadline: dt.date
    schools: pd.DataFrame
    districts: pd.DataFrame
    unassigned: pd.DataFrame
    sync_blocked: pd.DataFrame

    def table(self) -> pd.DataFrame:
        """Schools and district offices in one table (TABLE_COLUMNS), most urgent first."""
        s = self.schools.rename(columns={"school_code": "unit_code", "school_name": "name"})
        d = self.districts.rename(columns={"district_code": "unit_code", "district_name": "name"})
        d = d.assign(district_code=d["unit_code"])
        frame = pd.concat([s.assign(level="school"), d.assign(level="district")],
                          ignore_index=True)[list(TABLE_COLUMNS)]
        return by_urgency(frame)


def by_urgency(frame: pd.DataFrame) -> pd.DataFrame:
    """Overdue and unsent first (most days overdue first), then due soonest, then sent late, then
    on time; ties by level (district offices first) and code."""
    rank = frame["status"].map({s: i for i, s in enumerate(STATUSES)})
    overdue = frame["days_overdue"].fillna(0).astype("int64")
    left = frame["days_left"].fillna(0).astype("int64")
    key = pd.Series(0, index=frame.index, dtype="int64")
    key = key.where(rank != 0, -overdue).where(rank != 1, left).where(rank != 2, -overdue)
    level = frame["level"].map({"district": 0, "school": 1}) if "level" in frame else 0
    out = frame.assign(_r=rank, _k=key, _l=level)
    out = out.sort_values(["_r", "_k", "_l", "unit_code"], kind="stable")
    return out.drop(columns=["_r", "_k", "_l"]).reset_index(drop=True)


def status_of(deadline: dt.date, sent_on: dt.date | None,
              as_of: dt.date) -> tuple[str, int | None, int | None]:
    """(status, days_overdue, days_left) of a report due on ``deadline``, as of ``as_of``."""
    if sent_on is not None and sent_on <= as_of:
        if sent_on <= deadline:
            return "on_time", None, None
        return "late", (sent_on - deadline).days, None
    if as_of > deadline:
        return "missing", (as_of - deadline).days, None
    return "pending", None, (deadline - as_of).days


def read_ledger(data: Path | str, registry: Registry | None = None) -> pd.DataFrame:
    """``DATA/danh_muc/ky_duyet.xlsx`` as LEDGER_COLUMNS (level ``school``/``district``, period
    codes, dates); an empty frame when the file is absent. School codes are made current through
    the registry's code history when a registry is given.

    A row that cannot be used (unknown Cấp or Kỳ, a malformed Năm học) is left out, and an
    impossible date is left empty, each with a warning naming file, sheet, row and column: one bad
    row never hides the others' signatures. A workbook that cannot be opened, or has no header,
    raises RegistryError."""
    path = Path(data) / REGISTRY_FOLDER / "ky_duyet.xlsx"
    if not path.is_file():
        return pd.DataFrame(columns=list(LEDGER_COLUMNS))
    sheet = registry_sheet(path, _LEDGER_HEADERS, ("level", "unit_code", "period"))

    def problem(message: str, row: int, field: str) -> None:
        log.warning("%s", RegistryError(message + "; the row is left out" if field in _ROW_FIELDS
                                        else message + "; the date is left empty", file=str(path),
                                        sheet=sheet.sheet, row=row,
                                        column=sheet.labels.get(field, field)))

    def date(rec: dict, field: str, row: int) -> dt.date | None:
        try:
            return values.date(rec.get(field))
        except values.Rejected as exc:
            problem(str(exc), row, field)
            return None

    records = []
    for rec, row in zip(sheet.rows, sheet.numbers, strict=True):
        level = _LEVEL_KEYS.get(text.header_key(str(rec.get("level") or "")))
        if level is None:
            problem(f"Cấp {rec.get('level')!r} is neither Trường nor Phòng", row, "level")
            continue
        period = calendar.period_code(rec.get("period"))
        if period is None:
            problem(f"Kỳ {rec.get('period')!r} is not a known period", row, "period")
            continue
        try:
            start, end = calendar.school_years(str(rec.get("year") or ""))
        except ParameterError as exc:
            problem(str(exc), row, "year")
            continue
        code = _code(rec.get("unit_code"))
        if level == "school":
            code = values.school_code(code) or code
            if registry is not None:
                code = registry.current(code)
        records.append({
            "level": level, "unit_code": code, "year": f"{start}-{end}", "period": period,
            "signed_by": _name(rec.get("signed_by")),
            "signed_on": date(rec, "signed_on", row),
            "sent_on": date(rec, "sent_on", row),
        })
    frame = pd.DataFrame.from_records(records, columns=list(LEDGER_COLUMNS))
    return frame.sort_values(["year", "period", "level", "unit_code"], kind="stable",
                             ignore_index=True)


_ROW_FIELDS = ("level", "period", "year")  # a row without them cannot be used at all


def unassigned_districts(registry: Registry) -> pd.DataFrame:
    """District offices with no primary-education specialist: district_code, district_name,
    schools (how many registry schools), action."""
    d = registry.districts
    d = d[d["specialist"].isna()]
    counts = registry.schools["district_code"].value_counts()
    return pd.DataFrame({
        "district_code": d["district_code"].astype(str),
        "district_name": d["name"],
        "schools": [int(counts.get(c, 0)) for c in d["district_code"]],
        "action": "Phân công chuyên viên phụ trách tiểu học",
    }).reset_index(drop=True)


def sync_blocked_schools(registry: Registry, year: str) -> pd.DataFrame:
    """Merged TH&THCS schools (registry schools with old codes) that cannot sync under their new
    code: district_code, school_code, school_name, school_type, old_codes (``;``-joined),
    merged_on, report_before (:func:`calendar.merge_report_deadline`), action."""
    m = registry.merged_schools()
    before = calendar.merge_report_deadline(year)
    return pd.DataFrame({
        "district_code": m["district_code"],
        "school_code": m["school_code"],
        "school_name": m["name"],
        "school_type": m["school_type"],
        "old_codes": m["old_codes"].map(";".join),
        "merged_on": m["merged_on"],
        "report_before": before,
        "action": f"Báo cáo Sở GD&ĐT trường sáp nhập đổi mã, chưa đồng bộ được, trước ngày "
                  f"{before:%d/%m/%Y}",
    }).sort_values(["district_code", "school_code"], ignore_index=True)


def track(
    data: Path | str,
    year: str,
    period: str,
    *,
    as_of: dt.date | None = None,
    district: str | None = None,
    registry: Registry | None = None,
    loaded: Loaded | None = None,
    reconciliation: Reconciled | None = None,
) -> Tracking:
    """Track one period: who has exported, reconciled, signed and sent, against which deadline.

    ``loaded`` (a :class:`eduwb.load.Period`, or a snapshot) adds the export columns and
    principals' names; ``reconciliation`` (a :class:`eduwb.pipeline.Reconciliation`, or a
    snapshot) adds the findings and the data-entry checks' errors (a school with ``loi`` findings
    is not ready to sign), and the export columns and names of the period it carries.
    ``as_of`` defaults to today.
    """
    as_of = as_of or dt.date.today()
    if loaded is None and reconciliation is not None:
        from eduwb.load import Period

        carried = getattr(reconciliation, "period", None)  # a Reconciliation carries its Period
        loaded = carried if isinstance(carried, Period) else None
    registry = registry or (loaded.registry if loaded is not None else load_registry(data))
    due = calendar.deadlines(data, year, period)
    year = due.year
    ledger = read_ledger(data, registry)
    ledger = ledger[(ledger["year"] == year) & (ledger["period"] == period)]
    findings = None if reconciliation is None else reconciliation.findings
    checks = None if reconciliation is None else reconciliation.checks
    schools = _schools(registry, district, year, period, due.vnedu, as_of, ledger, loaded,
                       findings, checks)
    districts = _districts(registry, district, year, period, due.eqms, as_of, ledger, schools,
                           findings)
    unassigned = unassigned_districts(registry)
    blocked = sync_blocked_schools(registry, year)
    if district is not None:
        unassigned = unassigned[unassigned["district_code"] == district].reset_index(drop=True)
        blocked = blocked[blocked["district_code"] == district].reset_index(drop=True)
    return Tracking(year, period, as_of, due, calendar.merge_report_deadline(year), schools,
                    districts, unassigned, blocked)


# --- internals -------------------------------------------------------------------------------------


def _code(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return text.clean(str(value)) if value is not None else ""


def _name(value: Any) -> str | None:
    return text.clean(str(value)) if value not in (None, "") else None


def _signature(ledger: pd.DataFrame, level: str, code: str, as_of: dt.date) -> dict[str, Any]:
    """The unit's first sending (ties: first signing) on or before ``as_of``, else its latest
    signature on or before ``as_of`` (signed, not yet sent)."""
    rows = ledger[(ledger["level"] == level) & (ledger["unit_code"] == code)]
    cands = []
    for rec in rows.to_dict("records"):
        signed = rec["signed_on"] if rec["signed_on"] and rec["signed_on"] <= as_of else None
        sent = rec["sent_on"] if rec["sent_on"] and rec["sent_on"] <= as_of else None
        if signed is not None or sent is not None:
            cands.append({"signed_by": rec["signed_by"], "signed_on": signed, "sent_on": sent})
    if not cands:
        return {"signed_by": None, "signed_on": None, "sent_on": None}
    sent = [c for c in cands if c["sent_on"] is not None]
    if sent:
        return min(sent, key=lambda c: (c["sent_on"], c["signed_on"] or dt.date.min))
    return max(cands, key=lambda c: c["signed_on"])


def _exports(loaded: Loaded | None, registry: Registry) -> dict[tuple[str, str], tuple[int, dt.date | None]]:
    """(system, current school code) → (list kinds with a readable export, latest export date)."""
    out: dict[tuple[str, str], tuple[int, dt.date | None]] = {}
    if loaded is None:
        return out
    rep = loaded.export_files()
    rep = rep[rep["kind"].isin(vocab.LIST_KINDS) & (rep["school_code"] != "")]
    dates = rep["export_date"] if "export_date" in rep else pd.Series(None, index=rep.index)
    groups: dict[tuple[str, str], tuple[set[str], list[dt.date]]] = {}
    for system, code, kind, day in zip(rep["system"], rep["school_code"], rep["kind"], dates,
                                       strict=True):
        kinds, days = groups.setdefault((system, registry.current(code)), (set(), []))
        kinds.add(kind)
        if isinstance(day, dt.date):
            days.append(day)
    for key, (kinds, days) in groups.items():
        out[key] = (len(kinds), max(days) if days else None)
    return out


def _principals(loaded: Loaded | None) -> dict[str, str]:
    """School code → the principal's name, from vnEdu's staff list (else CSDL's)."""
    if loaded is None:
        return {}
    staff = loaded.tables["staff"]
    heads = staff[(staff["position"] == PRINCIPAL) & staff["staff_status"].isin(
        vocab.STAFF_AT_WORK) & staff["full_name"].notna()]
    out: dict[str, str] = {}
    for system in reversed(vocab.SYSTEMS):  # vnEdu last: it wins
        part = heads[heads["system"] == system].sort_values(["school_code", "file", "row"])
        out.update(part.groupby("school_code")["full_name"].first().to_dict())
    return out


def _school_action(row: dict[str, Any], loaded: bool, merge_deadline: dt.date) -> str:
    """Data work first (it remains after sending: EQMS figures come from CSDL), then sign-off."""
    todo = []
    if row["sync_blocked"]:
        todo.append(f"Báo cáo Sở trường sáp nhập chưa đồng bộ được (trước {merge_deadline:%d/%m})")
    if loaded and not row["vnedu_lists"]:
        todo.append("Nhập dữ liệu trên vnEdu")
    if loaded and not row["csdl_lists"]:
        todo.append("Đồng bộ lên CSDL ngành")
    if pd.notna(row["findings"]) and row["findings"]:
        todo.append(f"Xử lý {int(row['findings'])} sai lệch vnEdu - CSDL ngành")
    if pd.notna(row["check_errors"]) and row["check_errors"]:
        todo.append(f"Sửa {int(row['check_errors'])} lỗi nhập liệu: chưa đủ điều kiện ký")
    if row["status"] not in ("on_time", "late"):
        todo.append("Gửi báo cáo đã ký cho Phòng GD&ĐT" if row["signed_on"]
                    else "Ký duyệt và gửi báo cáo cho Phòng GD&ĐT")
    return "; ".join(todo)


def _schools(registry: Registry, district: str | None, year: str, period: str, deadline: dt.date,
             as_of: dt.date, ledger: pd.DataFrame, loaded: Loaded | None,
             findings: pd.DataFrame | None, checks: Checks | None = None) -> pd.DataFrame:
    schools = registry.schools_of(district)
    exports = _exports(loaded, registry)
    heads = _principals(loaded)
    counts = findings.groupby("school_code").size() if findings is not None else None
    severities = (checks.findings.groupby(["school_code", "severity"]).size()
                  if checks is not None else None)
    blocked = set(registry.merged_schools()["school_code"])
    merge_deadline = calendar.merge_report_deadline(year)
    rows = []
    for s in schools.to_dict("records"):
        code = s["school_code"]
        sig = _signature(ledger, "school", code, as_of)
        status, overdue, left = status_of(deadline, sig["sent_on"], as_of)
        row: dict[str, Any] = {
            "year": year, "period": period, "district_code": s["district_code"],
            "school_code": code, "school_name": s["name"], "school_type": s["school_type"],
            "sync_blocked": code in blocked,
        }
        for system in vocab.SYSTEMS:
            n, day = exports.get((system, code), (0, None))
            row[f"{system}_lists"] = n if loaded is not None else None
            row[f"{system}_export_date"] = day
        n = None if counts is None else int(counts.get(code, 0))
        row.update(findings=n, clean=None if n is None else n == 0, **sig, deadline=deadline,
                   status=status, days_overdue=overdue, days_left=left,
                   responsible_role=PRINCIPAL, responsible=heads.get(code, PRINCIPAL))
        if severities is not None:
            errors = int(severities.get((code, "loi"), 0))
            row.update(check_errors=errors, check_warnings=int(severities.get((code, "canh_bao"),
                                                                                0)),
                       ready_to_sign=errors == 0)
        else:
            row.update(check_errors=None, check_warnings=None, ready_to_sign=None)
        row["action"] = _school_action(row, loaded is not None, merge_deadline)
        rows.append(row)
    frame = pd.DataFrame.from_records(rows, columns=list(SCHOOL_COLUMNS))
    return _typed(frame.sort_values(["district_code", "school_code"], ignore_index=True))


def _districts(registry: Registry, district: str | None, year: str, period: str,
               deadline: dt.date, as_of: dt.date, ledger: pd.DataFrame, schools: pd.DataFrame,
               findings: pd.DataFrame | None) -> pd.DataFrame:
    offices = registry.districts.set_index("district_code")
    codes = sorted(set(schools["district_code"].dropna()))
    rows = []
    for code in codes:
        mine = schools[schools["district_code"] == code]
        sig = _signature(ledger, "district", code, as_of)
        status, overdue, left = status_of(deadline, sig["sent_on"], as_of)
        name = offices["name"].get(code) if code in offices.index else None
        specialist = offices["specialist"].get(code) if code in offices.index else None
        specialist = specialist if isinstance(specialist, str) and specialist else None
        sent = int(mine["status"].isin(["on_time", "late"]).sum())
        n = None if findings is None else int(mine["findings"].sum())
        checked = mine["check_errors"].notna().any()
        errors = int(mine["check_errors"].sum()) if checked else None
        not_ready = int((mine["check_errors"] > 0).sum()) if checked else None
        row: dict[str, Any] = {
            "year": year, "period": period, "district_code": code, "district_name": name,
            "schools": len(mine), "schools_sent": sent,
            "schools_on_time": int((mine["status"] == "on_time").sum()),
            "vnedu_schools": None if mine["vnedu_lists"].isna().all()
            else int((mine["vnedu_lists"] > 0).sum()),
            "csdl_schools": None if mine["csdl_lists"].isna().all()
            else int((mine["csdl_lists"] > 0).sum()),
            "findings": n, "clean": None if n is None else n == 0, **sig, "deadline": deadline,
            "status": status, "days_overdue": overdue, "days_left": left,
            "specialist_assigned": specialist is not None, "responsible_role": SPECIALIST,
            "responsible": specialist or UNASSIGNED, "check_errors": errors,
            "schools_not_ready": not_ready,
        }
        todo = []
        if specialist is None:
            todo.append("Phân công chuyên viên phụ trách tiểu học")
        if status not in ("on_time", "late"):
            if sent < len(mine):
                todo.append(f"Đôn đốc {len(mine) - sent} trường chưa gửi báo cáo")
            if n:
                todo.append(f"Kiểm tra {n} sai lệch của các trường")
            if not_ready:
                todo.append(f"Đôn đốc {not_ready} trường sửa lỗi nhập liệu")
            todo.append("Trưởng phòng ký duyệt, gửi Sở GD&ĐT và cập nhật EQMS")
        row["action"] = "; ".join(todo)
        rows.append(row)
    frame = pd.DataFrame.from_records(rows, columns=list(DISTRICT_COLUMNS))
    return _typed(frame)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Stable dtypes: counts Int64, flags boolean, dates object (datetime.date)."""
    for name in frame.columns:
        if name in ("findings", "days_overdue", "days_left", "vnedu_lists", "csdl_lists",
                    "vnedu_schools", "csdl_schools", "schools", "schools_sent", "schools_on_time",
                    "check_errors", "check_warnings", "schools_not_ready"):
            frame[name] = frame[name].astype("Int64")
        elif name in ("clean", "sync_blocked", "specialist_assigned", "ready_to_sign"):
            frame[name] = frame[name].astype("boolean")
        elif name.endswith(("_on", "_date")) or name == "deadline":
            frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
    return frame
