"""The leadership dashboard (Voilà, ``notebooks/dashboard.ipynb``): counts only, in Vietnamese.

Two layers. Pure functions turn a period's :class:`~eduwb.store.Snapshot` and its
:class:`~eduwb.tracking.Tracking` into small DataFrames (tiles, heatmap, trend, drill-down tables)
and the district fix-list workbook; they are unit-tested without a browser. :class:`Dashboard` lays
them out as ipywidgets. No pupil, teacher, principal, signer or specialist name is ever put in the
page: the tracking columns that hold names (``signed_by``, ``responsible``) are left out, findings
are only counted. The fix-list workbook (for the district office) does contain the findings' names,
inside the downloaded file only.

Snapshots are read from the cache (:func:`eduwb.store.snapshot`); ``eduwb dashboard`` computes
them before serving, so the page never reconciles. The history store (``--history``, spec
history.md) is read, never written: each period's province runs give the open findings run by run
(a line up to the deadline) and the units whose vnEdu figures changed after they signed. The
data-entry checks of the snapshot give the schools not ready to sign (any ``loi`` finding).
Parameters come from the environment when the notebook calls :func:`app`: ``EDUWB_DATA``,
``EDUWB_YEAR``, ``EDUWB_AS_OF``, ``EDUWB_CACHE``, ``EDUWB_HISTORY``.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import functools
import html
import io
import logging
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from eduwb import calendar, indicators, store, vocab
from eduwb.errors import EduwbError
from eduwb.history import ProgressReport
from eduwb.store import Snapshot
from eduwb.tracking import STATUS_LABELS, Tracking

log = logging.getLogger(__name__)

ENV_DATA, ENV_YEAR, ENV_AS_OF, ENV_CACHE = "EDUWB_DATA", "EDUWB_YEAR", "EDUWB_AS_OF", "EDUWB_CACHE"
ENV_HISTORY = "EDUWB_HISTORY"
_YEAR_DIR = re.compile(r"^\d{4}-\d{4}$")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Heatmap columns: indicator groups (the list kind each indicator counts).
GROUPS: tuple[str, ...] = vocab.LIST_KINDS
GROUP_LABELS: dict[str, str] = {"students": "Học sinh", "staff": "Cán bộ, GV, NV",
                                "classes": "Lớp học", "facilities": "Cơ sở vật chất"}
TILE_COLUMNS = ("key", "label", "value", "total")
# The kinds of finding the history keeps, as the page names them (line colours in this order).
KIND_LABELS: dict[str, str] = {"discrepancies": "Sai lệch vnEdu – CSDL ngành",
                               "checks": "Lỗi và cảnh báo nhập liệu"}
KIND_COLOURS: dict[str, str] = {"discrepancies": "#d64545", "checks": "#2680c2"}
DEADLINE_WINDOW_DAYS = 60  # a deadline further than this from every run is named, not drawn
HEAT_CAP = 0.10  # relative gaps at or above 10 % get the darkest colour
SENT = ("on_time", "late")
NOT_SENT = ("missing", "pending")


# --- the data the page shows -------------------------------------------------------------------


@dataclass(frozen=True)
class Model:
    """Everything the page shows for one school year, judged as of a date.

    ``snapshots`` and ``trackings`` are keyed by period code, in period order (only the periods
    with a data folder). :meth:`progress` gives a period's province history, read from
    ``history`` when the model is opened (so that choosing a period stays fast).
    """

    data: Path
    year: str
    as_of: dt.date
    snapshots: dict[str, Snapshot]
    trackings: dict[str, Tracking]
    history: Path | None = None  # the store read (None: the default one)
    _progress: dict[str, ProgressReport | str] = dataclasses.field(
        default_factory=dict, repr=False, compare=False)

    @property
    def periods(self) -> tuple[str, ...]:
        return tuple(self.snapshots)

    def progress(self, period: str) -> ProgressReport | str:
        """A period's province history (:class:`eduwb.history.ProgressReport`: progress run by
        run, after-signoff), or a message when the history store cannot be read."""
        if period not in self._progress:
            self._progress[period] = read_progress(self.data, self.year, period, self.history)
        return self._progress[period]


def available_years(data: Path | str) -> list[str]:
    """The school years with a folder in DATA (``2021-2022``...), oldest first."""
    return sorted(p.name for p in Path(data).iterdir() if p.is_dir() and _YEAR_DIR.match(p.name))


def available_periods(data: Path | str, year: str) -> list[str]:
    """The periods of ``year`` with a folder in DATA, in period order."""
    return [p for p in vocab.PERIODS if (Path(data) / year / p).is_dir()]


def load_snapshots(data: Path | str, year: str | None = None, *, cache: Path | str | None = None,
                   progress: Callable[[str], None] | None = None) -> dict[str, Snapshot]:
    """The snapshot of every period of ``year`` (default: the latest year in DATA), from the cache
    when the exports are unchanged, else reconciled and cached. Raises EduwbError (in Vietnamese)
    for a data folder without a registry or a school year."""
    data = Path(data)
    if not data.is_dir():
        raise EduwbError(f"Không tìm thấy thư mục dữ liệu {data}")
    if not (data / "danh_muc").is_dir():
        raise EduwbError(f"Thư mục {data} không có danh mục (danh_muc/truong.xlsx, phong_gd.xlsx)")
    years = available_years(data)
    year = year or (years[-1] if years else None)
    if year is None or year not in years:
        raise EduwbError(f"Thư mục {data} không có dữ liệu năm học {year or '(nào)'}")
    periods = available_periods(data, year)
    if not periods:
        raise EduwbError(f"Năm học {year} chưa có kỳ báo cáo nào trong {data}")
    out = {}
    for period in periods:
        if progress:
            progress(f"{year} {vocab.PERIOD_LABELS[period]}")
        out[period] = store.snapshot(data, year, period, cache=cache)
    return out


def open_model(data: Path | str, year: str | None = None, *, as_of: dt.date | None = None,
               cache: Path | str | None = None, history: Path | str | None = None) -> Model:
    """Snapshots, tracking and province history of every period of a school year (see
    :func:`load_snapshots`; ``history``: the store, default :func:`eduwb.history.default_path`)."""
    snaps = load_snapshots(data, year, cache=cache)
    as_of = as_of or dt.date.today()
    tracks = {p: s.track(as_of) for p, s in snaps.items()}
    first = next(iter(snaps.values()))
    model = Model(first.data, first.year, as_of, snaps, tracks,
                  None if history is None else Path(history))
    for period in model.periods:  # read now: the server's preheated kernel does it in advance
        model.progress(period)
    return model


def read_progress(data: Path | str, year: str, period: str,
                  history: Path | str | None = None) -> ProgressReport | str:
    """The province's history of one period (read-only), or a Vietnamese message when the store
    cannot be read (the rest of the page goes on)."""
    from eduwb.history import HistoryError, default_path, progress_report

    try:
        return progress_report(data, year, period, history=history or default_path(),
                               changes=False)
    except HistoryError as exc:
        return f"Không đọc được lịch sử các lần đối chiếu: {exc.message}"


def next_deadline(deadlines: Iterable[calendar.Deadlines], as_of: dt.date) -> dict[str, Any] | None:
    """The first deadline on or after ``as_of``: period, who (``vnedu``: schools → district office,
    ``eqms``: district office → province), date, days_left; None when all have passed."""
    due = sorted((d, when, p.period) for p in deadlines for when, d in (("vnedu", p.vnedu),
                                                                         ("eqms", p.eqms)))
    for day, when, period in due:
        if day >= as_of:
            return {"period": period, "who": when, "date": day, "days_left": (day - as_of).days}
    return None


def default_period(model: Model) -> str:
    """The period whose deadline comes next (as of the model's date), else the latest period."""
    nxt = next_deadline((t.deadlines for t in model.trackings.values()), model.as_of)
    return nxt["period"] if nxt is not None else model.periods[-1]


def findings_by_category(findings: pd.DataFrame) -> pd.DataFrame:
    """Every finding category (vocabulary order) with its Vietnamese label and count (0 included)."""
    counts = findings.groupby("category").size() if len(findings) else pd.Series(dtype="int64")
    return pd.DataFrame({
        "category": list(vocab.CATEGORIES),
        "label": [vocab.CATEGORY_LABELS[c] for c in vocab.CATEGORIES],
        "count": [int(counts.get(c, 0)) for c in vocab.CATEGORIES],
    })


def tiles(snap: Snapshot, tracking: Tracking,
          progress: ProgressReport | str | None = None) -> pd.DataFrame:
    """The headline counts of a period (TILE_COLUMNS; ``total`` is the denominator or NA; a count
    that cannot be made is NA).

    Keys: ``districts_on_time``, ``districts_late``, ``districts_not_sent`` (overdue or not yet
    due), ``schools_in_sync`` (no finding), ``findings`` (all), ``schools_not_ready`` (schools with
    a ``loi`` data-entry finding: not ready to sign), ``only_in_csdl`` (records typed directly into
    CSDL), ``signed_changed`` (units whose vnEdu figures changed after they signed, of the units
    that signed; from the history), ``districts_unassigned`` (no primary-education specialist),
    ``sync_blocked`` (merged schools that cannot sync).
    """
    d, s = tracking.districts, tracking.schools
    n_d = len(d)
    only_csdl = int((snap.findings["category"] == "only_in_csdl").sum())
    not_ready = _not_ready(d)
    changed, signed = signed_changed_count(progress)
    rows = [
        ("districts_on_time", "Phòng gửi đúng hạn", int((d["status"] == "on_time").sum()), n_d),
        ("districts_late", "Phòng gửi trễ hạn", int((d["status"] == "late").sum()), n_d),
        ("districts_not_sent", "Phòng chưa gửi", int(d["status"].isin(NOT_SENT).sum()), n_d),
        ("schools_in_sync", "Trường khớp số liệu", int(s["clean"].fillna(False).sum()), len(s)),
        ("findings", "Sai lệch cần xử lý", len(snap.findings), None),
        ("schools_not_ready", "Trường chưa đủ điều kiện ký (còn lỗi nhập liệu)", not_ready,
         len(s)),
        ("only_in_csdl", "Bản ghi nhập trực tiếp trên CSDL", only_csdl, None),
        ("signed_changed", "Đơn vị đổi số liệu sau khi ký, cần ký lại", changed, signed),
        ("districts_unassigned", "Phòng chưa có chuyên viên", len(tracking.unassigned), None),
        ("sync_blocked", "Trường sáp nhập chưa đồng bộ được", len(tracking.sync_blocked), None),
    ]
    frame = pd.DataFrame(rows, columns=list(TILE_COLUMNS))
    frame["value"] = frame["value"].astype("Int64")
    frame["total"] = frame["total"].astype("Int64")
    return frame


def district_tiles(snap: Snapshot, tracking: Tracking, progress: ProgressReport | str | None,
                   district: str) -> pd.DataFrame:
    """A district's counts for the drill-down (TILE_COLUMNS): ``findings``, ``schools_not_ready``
    and ``signed_changed`` (its schools and the office itself) of that district only."""
    schools = tracking.schools.loc[tracking.schools["district_code"] == district, "school_code"]
    mine = tracking.districts[tracking.districts["district_code"] == district]
    changed, signed = signed_changed_count(progress, district, set(schools))
    rows = [
        ("findings", "Sai lệch cần xử lý", int((snap.findings["district_code"] == district).sum()),
         None),
        ("schools_not_ready", "Trường chưa đủ điều kiện ký (còn lỗi nhập liệu)", _not_ready(mine),
         len(schools)),
        ("signed_changed", "Đơn vị đổi số liệu sau khi ký, cần ký lại", changed, signed),
    ]
    frame = pd.DataFrame(rows, columns=list(TILE_COLUMNS))
    frame["value"] = frame["value"].astype("Int64")
    frame["total"] = frame["total"].astype("Int64")
    return frame


def _not_ready(districts: pd.DataFrame) -> int | None:
    """Schools with a ``loi`` data-entry finding over some district offices (tracking's
    ``schools_not_ready``; None without checks)."""
    counts = districts["schools_not_ready"]
    return int(counts.sum()) if counts.notna().any() else None


def signed_changed_count(progress: ProgressReport | str | None, district: str | None = None,
                         schools: set[str] | None = None) -> tuple[int | None, int | None]:
    """Units whose vnEdu figures changed after they signed, and units that signed (compared with
    the history); for one district: its schools and its office. (None, None) without a history."""
    if not isinstance(progress, ProgressReport) or progress.series.empty:
        return None, None

    def mine(frame: pd.DataFrame) -> pd.DataFrame:
        units = frame[["level", "unit_code"]].drop_duplicates()
        if district is None:
            return units
        keep = ((units["level"] == "district") & (units["unit_code"] == district)) | (
            (units["level"] == "school") & units["unit_code"].isin(schools or set()))
        return units[keep]

    return len(mine(progress.after_signoff)), len(mine(progress.signed))


def open_by_run(progress: ProgressReport | str | None, level: str = "province",
                unit: str = vocab.PROVINCE_CODE) -> pd.DataFrame:
    """A unit's open findings run by run, oldest first: as_of, then one column per kind recorded
    (``discrepancies``, ``checks``; NA where a run did not hold the kind). Empty without a
    history."""
    if not isinstance(progress, ProgressReport) or progress.progress.empty:
        return pd.DataFrame(columns=["as_of"])
    p = progress.progress
    mine = p[(p["level"] == level) & (p["unit_code"] == unit)]
    grid = mine.pivot_table(index="as_of", columns="kind", values="open", aggfunc="last",
                            sort=True)
    kinds = [k for k in KIND_LABELS if k in grid.columns]
    grid = grid[kinds].astype("Int64").reset_index()
    grid.columns.name = None
    return grid


def _district_label(code: str, name: object) -> str:
    short = vocab.DISTRICTS.get(code)
    if short:
        return short
    return str(name).replace("Phòng Giáo dục và Đào tạo ", "") if isinstance(name, str) else code


def _relative(totals: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Σ|diff| / Σvnedu per ``keys``, over the rows where both systems have a count."""
    both = totals[totals["diff"].notna() & totals["vnedu"].notna()]
    agg = both.assign(gap=both["diff"].astype("float64").abs(),
                      base=both["vnedu"].astype("float64")).groupby(keys)[["gap", "base"]].sum()
    return (agg["gap"] / agg["base"].where(agg["base"] > 0)).rename("relative_gap").reset_index()


def _totals(ind: pd.DataFrame) -> pd.DataFrame:
    """The indicators' totals (no breakdown) with their group (list kind)."""
    tot = ind[ind["breakdown"] == ""]
    kind = {i.id: i.kind for i in indicators.CATALOGUE}
    return tot.assign(group=tot["indicator"].map(kind))


def heatmap_frame(snap: Snapshot, tracking: Tracking) -> pd.DataFrame:
    """Districts × indicator groups: the relative gap Σ|vnEdu − CSDL| / Σ vnEdu over the group's
    indicator totals (NaN where nothing can be compared). Index: district code, then the province
    (``70``), whose gaps are summed over its districts so that opposite gaps do not cancel;
    columns: ``district`` (label) then GROUPS."""
    tot = _totals(snap.indicators)
    codes = list(tracking.districts["district_code"])
    names = dict(zip(tracking.districts["district_code"], tracking.districts["district_name"],
                     strict=True))
    dist = tot[tot["level"] == "district"]
    rel = pd.concat([_relative(dist, ["unit_code", "group"]),
                     _relative(dist.assign(unit_code=vocab.PROVINCE_CODE), ["unit_code", "group"])])
    grid = rel.pivot_table(index="unit_code", columns="group", values="relative_gap",
                           aggfunc="first", dropna=False)
    grid = grid.reindex(index=[*codes, vocab.PROVINCE_CODE], columns=list(GROUPS))
    grid.insert(0, "district", [_district_label(c, names.get(c)) for c in codes]
                + [f"Toàn tỉnh {vocab.PROVINCE_NAME}"])
    grid.index.name = "district_code"
    grid.columns.name = None
    return grid


def trend_frame(model: Model) -> pd.DataFrame:
    """One row per period: findings, schools in sync, schools, districts sent, districts, and the
    province's relative gap over all indicator totals (district gaps summed without netting)."""
    rows = []
    for period, snap in model.snapshots.items():
        tr = model.trackings[period]
        tot = _totals(snap.indicators)
        rel = _relative(tot[tot["level"] == "district"].assign(all=1), ["all"])
        rows.append({
            "period": period, "label": vocab.PERIOD_LABELS[period],
            "findings": len(snap.findings),
            "schools_in_sync": int(tr.schools["clean"].fillna(False).sum()),
            "schools": len(tr.schools),
            "districts_sent": int(tr.districts["status"].isin(SENT).sum()),
            "districts": len(tr.districts),
            "relative_gap": float(rel["relative_gap"].iloc[0]) if len(rel) else float("nan"),
        })
    return pd.DataFrame(rows)


def district_schools(tracking: Tracking, district: str) -> pd.DataFrame:
    """A district's schools for the page: code, name, status (Vietnamese), days, findings,
    data-entry errors (``loi``; NA without checks) and whether the school may sign, sync state and
    what must be done — no person's name."""
    s = tracking.schools[tracking.schools["district_code"] == district]
    days = [f"quá {int(o)} ngày" if pd.notna(o) else (f"còn {int(n)} ngày" if pd.notna(n) else "")
            for o, n in zip(s["days_overdue"], s["days_left"], strict=True)]
    errors = pd.array(s["check_errors"], dtype="Int64")
    return pd.DataFrame({
        "school_code": s["school_code"].astype(str),
        "school_name": s["school_name"].fillna("").astype(str),
        "status": s["status"].map(STATUS_LABELS).astype(str),
        "days": days,
        "findings": s["findings"],
        "check_errors": errors,
        "ready": s["ready_to_sign"].fillna(False).astype(bool),
        "in_sync": s["clean"].fillna(False).astype(bool),
        "sync_blocked": s["sync_blocked"].fillna(False).astype(bool),
        "action": s["action"].fillna("").astype(str),
    }).reset_index(drop=True)


def school_gaps(snap: Snapshot, school: str) -> pd.DataFrame:
    """A school's indicator totals (catalogue order): indicator, label, vnedu, csdl, diff,
    explained, relative_gap."""
    ind = snap.indicators
    tot = ind[(ind["level"] == "school") & (ind["unit_code"] == school) & (ind["breakdown"] == "")]
    order = {i.id: n for n, i in enumerate(indicators.CATALOGUE)}
    tot = tot.assign(_o=tot["indicator"].map(order)).sort_values("_o", kind="stable")
    vn, diff = tot["vnedu"].astype("float64"), tot["diff"].astype("float64")
    return pd.DataFrame({
        "indicator": tot["indicator"].astype(str),
        "label": tot["indicator"].map(lambda i: indicators.BY_ID[i].label).astype(str),
        "vnedu": tot["vnedu"], "csdl": tot["csdl"], "diff": tot["diff"],
        "explained": tot["explained"],
        "relative_gap": (diff.abs() / vn.where(vn > 0)),
    }).reset_index(drop=True)


def school_findings(snap: Snapshot, school: str) -> pd.DataFrame:
    """A school's findings counted by category (see :func:`findings_by_category`)."""
    return findings_by_category(snap.findings[snap.findings["school_code"] == school])


def fix_list_bytes(snap: Snapshot, district: str, as_of: dt.date,
                   history: Path | str | None = None) -> bytes:
    """The district office's fix list (.xlsx), the same workbook the batch writes beside each
    district report: a summary, then one sheet per school with what to do in which system (new
    since the last run and since when, from ``history``)."""
    from eduwb import fixlist
    from eduwb.notebook import report_of

    return fixlist.fix_list_bytes(report_of(snap, district, as_of, history))


def fix_list_name(snap: Snapshot, district: str) -> str:
    """The download's file name, e.g. ``sua_sai_lech_689_2021-2022_dau_nam.xlsx``."""
    return f"sua_sai_lech_{district}_{snap.year}_{snap.period}.xlsx"


# --- HTML ------------------------------------------------------------------------------------------

CSS = """
<style>
.eduwb { font-family: "DejaVu Sans", "Noto Sans", Arial, sans-serif; color: #1f2933; }
.eduwb h1 { font-size: 22px; margin: 4px 0 2px 0; }
.eduwb h2 { font-size: 16px; margin: 14px 0 6px 0; color: #243b53; }
.eduwb .sub { color: #52606d; font-size: 13px; }
.eduwb-tiles { display: flex; flex-wrap: wrap; gap: 10px; }
.eduwb-tile { flex: 1 1 120px; max-width: 190px; border: 1px solid #d9e2ec; border-radius: 8px;
  padding: 8px 12px; background: #f8fafc; box-sizing: border-box; }
.eduwb-tile .value { font-size: 26px; font-weight: bold; color: #102a43; }
.eduwb-tile .total { font-size: 14px; color: #627d98; }
.eduwb-tile .label { font-size: 12.5px; color: #334e68; line-height: 1.25; }
.eduwb-tile.warn { border-color: #f0b429; background: #fffbea; }
.eduwb-tile.bad { border-color: #e12d39; background: #ffeeee; }
.eduwb-tile.good { border-color: #3ebd93; background: #effcf6; }
.eduwb table.t { border-collapse: collapse; font-size: 13px; margin: 2px 0 6px 0; }
.eduwb table.t th, .eduwb table.t td { border: 1px solid #d9e2ec; padding: 3px 8px;
  line-height: 1.35; vertical-align: top; }
.eduwb table.t th { background: #f0f4f8; text-align: left; }
.eduwb table.t td.n { text-align: right; font-variant-numeric: tabular-nums; }
.eduwb .deadline { font-size: 14px; padding: 6px 10px; background: #e6f6ff; border-radius: 6px;
  display: inline-block; }
.eduwb .error { color: #8a041a; background: #ffe3e3; border: 1px solid #e12d39;
  border-radius: 6px; padding: 10px 14px; font-size: 14px; }
.eduwb .hint { color: #627d98; font-size: 13px; font-style: italic; }
.eduwb .legend span { display: inline-block; width: 22px; height: 12px; margin: 0 2px;
  vertical-align: middle; border: 1px solid #d9e2ec; }
</style>
"""


def fmt_int(value: object) -> str:
    """A count as Vietnamese write it (1.234); empty for a missing count."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return "–"
    return f"{int(value):,}".replace(",", ".")


def fmt_pct(value: object) -> str:
    """A share as a Vietnamese percentage (1,5 %); a dash when missing."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return "–"
    return f"{100 * float(value):.1f} %".replace(".", ",")


def fmt_date(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def _e(value: object) -> str:
    return html.escape(str(value))


def tiles_html(frame: pd.DataFrame, prefix: str = "") -> str:
    """The tiles as HTML; each tile carries ``data-key`` (``prefix`` + key) for tests."""
    tone = {"districts_on_time": "good", "districts_late": "warn", "districts_not_sent": "bad",
            "only_in_csdl": "warn", "districts_unassigned": "warn", "sync_blocked": "warn",
            "schools_not_ready": "bad", "signed_changed": "bad"}
    parts = []
    for r in frame.itertuples(index=False):
        cls = tone.get(r.key, "") if pd.notna(r.value) and r.value else ""
        total = "" if pd.isna(r.total) else f'<span class="total"> / {fmt_int(r.total)}</span>'
        parts.append(f'<div class="eduwb-tile {cls}" data-key="{_e(prefix + r.key)}"><div>'
                     f'<span class="value">{fmt_int(r.value)}</span>{total}</div>'
                     f'<div class="label">{_e(r.label)}</div></div>')
    return f'<div class="eduwb-tiles">{"".join(parts)}</div>'


def table_html(frame: pd.DataFrame, titles: dict[str, str], *, key: str = "",
               formats: dict[str, Callable[[object], str]] | None = None) -> str:
    """A plain HTML table with Vietnamese titles; numbers right-aligned."""
    formats = formats or {}
    head = "".join(f"<th>{_e(titles.get(c, c))}</th>" for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = []
        for col, value in zip(frame.columns, row, strict=True):
            fmt = formats.get(col)
            if fmt is not None:
                cells.append(f'<td class="n">{_e(fmt(value))}</td>')
            elif isinstance(value, bool):
                cells.append(f"<td>{'✔' if value else ''}</td>")
            else:
                cells.append(f"<td>{_e('' if pd.isna(value) else value)}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (f'<table class="t" data-key="{_e(key)}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>")


def heat_colour(value: float) -> str:
    """White (no gap) to red (HEAT_CAP and above); grey when unknown."""
    if value != value:
        return "#eceff1"
    t = min(max(value / HEAT_CAP, 0.0), 1.0)
    r, g, b = (255, int(255 - 180 * t), int(255 - 200 * t))
    if value == 0:
        return "#e3f9e5"
    return f"#{r:02x}{g:02x}{b:02x}"


def heatmap_html(grid: pd.DataFrame) -> str:
    """The heatmap as an HTML table: cells coloured by relative gap, the percentage written."""
    head = "<th>Phòng GD&amp;ĐT</th>" + "".join(f"<th>{_e(GROUP_LABELS[g])}</th>" for g in GROUPS)
    rows = []
    for code, r in grid.iterrows():
        cells = "".join(
            f'<td class="n" style="background:{heat_colour(float(r[g]))}" data-group="{g}">'
            f"{fmt_pct(r[g])}</td>" for g in GROUPS)
        rows.append(f'<tr data-district="{_e(code)}"><td>{_e(r["district"])}</td>{cells}</tr>')
    steps = [0, 0.02, 0.04, 0.06, 0.08, 0.10]
    legend = "".join(f'<span style="background:{heat_colour(s)}" title="{fmt_pct(s)}"></span>'
                     for s in steps)
    return (f'<table class="t" data-key="heatmap"><thead><tr>{head}</tr></thead><tbody>'
            f'{"".join(rows)}</tbody></table><div class="legend sub">Chênh lệch tương đối '
            f"|vnEdu − CSDL| / vnEdu: 0 {legend} ≥ {fmt_pct(HEAT_CAP)}</div>")


def trend_png(trend: pd.DataFrame) -> bytes:
    """Two small line charts over the periods: findings, and the province's relative gap."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 2.3), dpi=100)
    ax1, ax2 = fig.subplots(1, 2)
    x = list(range(len(trend)))
    ax1.plot(x, trend["findings"], marker="o", color="#d64545")
    ax1.set_title("Số sai lệch", fontsize=10)
    ax2.plot(x, 100 * trend["relative_gap"], marker="o", color="#2680c2")
    ax2.set_title("Chênh lệch tương đối toàn tỉnh (%)", fontsize=10)
    for ax in (ax1, ax2):
        ax.set_xticks(x, list(trend["label"]), fontsize=8)
        ax.tick_params(axis="y", labelsize=8)
        top = ax.get_lines()[0].get_ydata()
        ax.set_ylim(0, max(1.0, float(pd.Series(top).max(skipna=True) or 0)) * 1.2)
        ax.grid(alpha=0.3)
        ax.margins(x=0.15)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def trend_html(trend: pd.DataFrame) -> str:
    """The trend chart (PNG) and its table."""
    png = base64.b64encode(trend_png(trend)).decode()
    table = pd.DataFrame({
        "label": trend["label"],
        "findings": trend["findings"],
        "sync": [f"{fmt_int(a)} / {fmt_int(b)}" for a, b in zip(trend["schools_in_sync"],
                                                               trend["schools"], strict=True)],
        "sent": [f"{fmt_int(a)} / {fmt_int(b)}" for a, b in zip(trend["districts_sent"],
                                                               trend["districts"], strict=True)],
        "gap": trend["relative_gap"],
    })
    titles = {"label": "Kỳ", "findings": "Sai lệch", "sync": "Trường khớp",
              "sent": "Phòng đã gửi", "gap": "Chênh lệch tương đối"}
    return (f'<img alt="Xu hướng qua các kỳ" style="max-width:100%" '
            f'src="data:image/png;base64,{png}"/>'
            + table_html(table, titles, key="trend", formats={"findings": fmt_int,
                                                              "gap": fmt_pct}))


def history_svg(runs: pd.DataFrame, deadlines: calendar.Deadlines, title: str) -> str:
    """Open findings run by run (one line per kind) up to the period's deadlines, each marked by a
    vertical line (the schools' vnEdu deadline dashed, the offices' EQMS deadline solid), as an
    inline SVG: drawn in a millisecond (a drill-down stays fast), sharp at any zoom, text escaped.
    A deadline further than DEADLINE_WINDOW_DAYS from every run is named in the legend only."""
    days = [pd.Timestamp(d) for d in runs["as_of"]]
    kinds = [k for k in KIND_LABELS if k in runs.columns]
    lines = [("vnedu", deadlines.vnedu, "Hạn trường gửi phòng", "5,4"),
             ("eqms", deadlines.eqms, "Hạn phòng gửi Sở (EQMS)", "")]
    near = [(key, pd.Timestamp(day), label, dash) for key, day, label, dash in lines
            if min(abs(pd.Timestamp(day) - d) for d in days)
            <= pd.Timedelta(days=DEADLINE_WINDOW_DAYS)]
    legend = [(KIND_LABELS[k], KIND_COLOURS[k], "") for k in kinds]
    legend += [(f"{label} {when:%d/%m}", "#243b53", dash) for _, when, label, dash in near]
    legend += [(f"{label} {day:%d/%m/%Y} (ngoài khoảng các lần chạy)", "", "")
               for key, day, label, _ in lines if key not in {n[0] for n in near}]
    columns = 2 if all(len(t) <= 40 for t, _, _ in legend) else 1
    rows = -(-len(legend) // columns)
    width, left, right, top = 640, 48, 24, 30
    height = 240 + 16 * rows
    plot_w, plot_h = width - left - right, 180
    shown = days + [when for _, when, _, _ in near]
    first, last = min(shown) - pd.Timedelta(days=1), max(shown) + pd.Timedelta(days=1)
    span = max((last - first).days, 1)
    values = [int(v) for k in kinds for v in runs[k] if pd.notna(v)]
    step = _nice_step(max([1, *values]) / 4)
    ymax = step * max(1, -(-max([1, *values]) // step))

    def x(day: pd.Timestamp) -> float:
        return round(left + (day - first).days / span * plot_w, 1)

    def y(value: float) -> float:
        return round(top + plot_h - value / ymax * plot_h, 1)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="img" aria-label="{_e(title)}" '
           'style="max-width:100%;height:auto;font-family:DejaVu Sans,Arial,sans-serif">',
           f'<text x="{width / 2}" y="18" text-anchor="middle" font-size="13">{_e(title)}</text>']
    for i in range(int(ymax // step) + 1):  # horizontal grid and the counts
        v = i * step
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y(v)}" y2="{y(v)}" '
                   f'stroke="#d9e2ec"/><text x="{left - 6}" y="{y(v) + 4}" font-size="10" '
                   f'text-anchor="end">{fmt_int(v)}</text>')
    tick = max(1, -(-span // 8))
    fmt = "%d/%m" if span <= 300 else "%m/%Y"
    for n in range(0, span + 1, tick):  # whole days on the time axis
        day = first + pd.Timedelta(days=n)
        out.append(f'<line x1="{x(day)}" x2="{x(day)}" y1="{top + plot_h}" '
                   f'y2="{top + plot_h + 4}" stroke="#52606d"/><text x="{x(day)}" '
                   f'y="{top + plot_h + 16}" font-size="10" text-anchor="middle">'
                   f"{day:{fmt}}</text>")
    out.append(f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" '
               'stroke="#52606d"/>')
    for key, when, _label, dash in near:
        out.append(f'<line data-deadline="{key}" x1="{x(when)}" x2="{x(when)}" y1="{top}" '
                   f'y2="{top + plot_h}" stroke="#243b53" stroke-width="1.5"'
                   + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")
    for kind in kinds:
        colour = KIND_COLOURS[kind]
        points = [(d, int(v)) for d, v in zip(days, runs[kind], strict=True) if pd.notna(v)]
        if len(points) > 1:
            path = " ".join(f"{x(d)},{y(v)}" for d, v in points)
            out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                       'stroke-width="2"/>')
        for d, v in points:
            out.append(f'<circle data-kind="{kind}" cx="{x(d)}" cy="{y(v)}" r="4" '
                       f'fill="{colour}"><title>{_e(KIND_LABELS[kind])}, {d:%d/%m/%Y}: '
                       f"{fmt_int(v)}</title></circle>")
    for i, (text, colour, dash) in enumerate(legend):
        lx = left + (i % columns) * (plot_w / 2)
        ly = top + plot_h + 36 + (i // columns) * 16
        if colour:
            out.append(f'<line x1="{lx}" x2="{lx + 22}" y1="{ly - 4}" y2="{ly - 4}" '
                       f'stroke="{colour}" stroke-width="2"'
                       + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")
        out.append(f'<text x="{lx + 28}" y="{ly}" font-size="10.5">{_e(text)}</text>')
    out.append("</svg>")
    return "".join(out)


def _nice_step(raw: float) -> int:
    """A grid step of 1, 2 or 5 × 10^k at least ``raw``."""
    scale = 1
    while True:
        for m in (1, 2, 5):
            if m * scale >= raw:
                return m * scale
        scale *= 10


def history_html(progress: ProgressReport | str | None, deadlines: calendar.Deadlines, *,
                 level: str = "province", unit: str = vocab.PROVINCE_CODE, key: str = "history",
                 title: str = "") -> str:
    """The open findings run by run (chart and table, counts only), or why there are none."""
    if isinstance(progress, str):
        return f'<div class="hint" data-key="{_e(key)}">{_e(progress)}</div>'
    runs = open_by_run(progress, level, unit)
    if runs.empty:
        return (f'<div class="hint" data-key="{_e(key)}">Chưa có lần đối chiếu nào được ghi '
                "trong lịch sử cho kỳ này (chạy <code>eduwb batch</code> hoặc <code>eduwb "
                "reconcile</code> mỗi ngày để theo dõi tiến độ sửa).</div>")
    table = runs.assign(as_of=[fmt_date(d) for d in runs["as_of"]])
    titles = {"as_of": "Ngày xuất dữ liệu", **{k: f"{v}: còn mở" for k, v in KIND_LABELS.items()}}
    return (f'<div data-key="{_e(key)}-chart">{history_svg(runs, deadlines, title)}</div>'
            + table_html(table, titles, key=key,
                         formats={k: fmt_int for k in KIND_LABELS if k in runs.columns}))


def deadline_html(model: Model, period: str) -> str:
    """The next deadline of the year with days left, and the selected period's two deadlines."""
    nxt = next_deadline((t.deadlines for t in model.trackings.values()), model.as_of)
    who = {"vnedu": "trường gửi Phòng GD&ĐT (vnEdu)", "eqms": "Phòng GD&ĐT gửi Sở (EQMS)"}
    if nxt is None:
        first = f"Đã qua mọi hạn báo cáo của năm học {_e(model.year)}"
    else:
        left = "hôm nay" if nxt["days_left"] == 0 else f"còn <b>{nxt['days_left']}</b> ngày"
        first = (f"Hạn tiếp theo: <b>{fmt_date(nxt['date'])}</b> — "
                 f"{_e(vocab.PERIOD_LABELS[nxt['period']])}, {who[nxt['who']]} ({left})")
    due = model.trackings[period].deadlines
    return (f'<div class="deadline" data-key="deadline">{first}<br/><span class="sub">'
            f"{_e(vocab.PERIOD_LABELS[period])}: hạn trường gửi {fmt_date(due.vnedu)}, hạn phòng "
            f"gửi Sở {fmt_date(due.eqms)} · tính đến ngày {fmt_date(model.as_of)}</span></div>")


def error_html(message: str) -> str:
    """A Vietnamese message in place of a traceback."""
    return f'{CSS}<div class="eduwb"><div class="error" data-key="error">{_e(message)}</div></div>'


SCHOOL_TITLES = {"school_code": "Mã trường", "school_name": "Tên trường", "status": "Báo cáo",
                 "days": "Số ngày", "findings": "Sai lệch", "check_errors": "Lỗi nhập liệu",
                 "ready": "Đủ điều kiện ký", "in_sync": "Khớp số liệu",
                 "sync_blocked": "Sáp nhập, chưa đồng bộ", "action": "Việc cần làm"}
GAP_TITLES = {"label": "Chỉ tiêu", "vnedu": "vnEdu", "csdl": "CSDL ngành", "diff": "Chênh lệch",
              "explained": "Giải thích được", "relative_gap": "Tương đối"}


def _signed(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return "–"
    n = int(value)
    return f"+{fmt_int(n)}" if n > 0 else ("−" + fmt_int(-n) if n < 0 else "0")


# --- widgets ----------------------------------------------------------------------------------------


def _guard(method: Callable[..., None]) -> Callable[..., None]:
    """Run a callback; on any exception show a Vietnamese message in the page, never a traceback."""

    @functools.wraps(method)
    def wrapper(self: Dashboard, *args: Any, **kwargs: Any) -> None:
        try:
            self.message.value = ""
            method(self, *args, **kwargs)
        except EduwbError as exc:
            log.warning("dashboard: %s", exc)
            self.message.value = error_html(f"Không thực hiện được: {exc}")
        except Exception:  # anything else: logged for the operator, a plain message for the reader
            log.exception("dashboard callback failed")
            self.message.value = error_html(
                "Đã xảy ra lỗi khi hiển thị. Vui lòng chọn lại hoặc báo cho bộ phận kỹ thuật.")

    return wrapper


class Dashboard:
    """The ipywidgets page over a :class:`Model`; ``widget`` is what the notebook displays."""

    def __init__(self, model: Model) -> None:
        import ipywidgets as w

        self.model = model
        self._cache: dict[tuple[str, ...], str] = {}
        p0 = default_period(model)
        self.title = w.HTML(
            f'{CSS}<div class="eduwb"><h1>Số liệu tiểu học: đối chiếu vnEdu – CSDL ngành</h1>'
            f'<div class="sub">Sở GD&amp;ĐT tỉnh {_e(vocab.PROVINCE_NAME)} · năm học '
            f"{_e(model.year)} · chỉ số liệu tổng hợp, không có thông tin cá nhân</div></div>")
        self.period = w.ToggleButtons(
            options=[(vocab.PERIOD_LABELS[p], p) for p in model.periods], value=p0,
            description="Kỳ báo cáo:", style={"description_width": "initial",
                                               "button_width": "130px"})
        self.period.add_class("eduwb-period")
        self.deadline = w.HTML()
        self.tiles = w.HTML()
        self.tiles.add_class("eduwb-tiles-box")
        self.categories = w.HTML()
        self.heatmap = w.HTML()
        self.history = w.HTML()
        self.trend = w.HTML()
        self.message = w.HTML()
        self.message.add_class("eduwb-message")
        self.district = w.Dropdown(description="Phòng GD&ĐT:", style={"description_width": "initial"},
                                   layout=w.Layout(width="420px"))
        self.district.add_class("eduwb-district")
        self.district_view = w.HTML()
        self.schools = w.HTML()
        self.school = w.Dropdown(description="Trường:", style={"description_width": "initial"},
                                 layout=w.Layout(width="640px"))
        self.school.add_class("eduwb-school")
        self.school_view = w.HTML()
        self.make_file = w.Button(description="Tạo tệp Excel danh sách cần sửa", icon="file-excel-o",
                                  layout=w.Layout(width="300px"), disabled=True)
        self.make_file.add_class("eduwb-make-file")
        self.download = w.HTML()
        self.download.add_class("eduwb-download")

        codes = list(model.trackings[p0].districts["district_code"])
        names = dict(zip(codes, model.trackings[p0].districts["district_name"], strict=True))
        self.district.options = [("— chọn phòng —", "")] + [
            (f"{c} · {_district_label(c, names[c])}", c) for c in codes]
        self.school.options = [("— chọn trường —", "")]
        self.trend.value = (f'<div class="eduwb"><h2>Xu hướng qua các kỳ</h2>'
                            f"{trend_html(trend_frame(model))}<h2>Chi tiết theo phòng và trường"
                            "</h2></div>")
        self.widget = w.VBox([
            self.title, self.message, self.period, self.deadline, self.tiles,
            w.HBox([self.categories, self.heatmap], layout=w.Layout(flex_flow="row wrap",
                                                                    grid_gap="24px")),
            self.history, self.trend, self.district, self.district_view, self.schools,
            w.HBox([self.make_file, self.download]), self.school, self.school_view,
        ], layout=w.Layout(padding="0 12px 24px 12px"))
        self.widget.add_class("eduwb-dashboard")
        self.period.observe(self._on_period, names="value")
        self.district.observe(self._on_district, names="value")
        self.school.observe(self._on_school, names="value")
        self.make_file.on_click(self._on_make_file)
        self._render_period()

    # state -----------------------------------------------------------------------------------
    def _period(self) -> str:
        p = self.period.value
        if p not in self.model.snapshots:  # values can be set to anything from the browser
            raise EduwbError("kỳ báo cáo không hợp lệ")
        return p

    def _district(self) -> str | None:
        d = self.district.value or None
        if d is not None and d not in set(self.model.trackings[self._period()].districts[
                "district_code"]):
            raise EduwbError("phòng GD&ĐT không hợp lệ")
        return d

    def _memo(self, key: tuple[str, ...], make: Callable[[], str]) -> str:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    # rendering -------------------------------------------------------------------------------
    def _render_period(self) -> None:
        p = self._period()
        snap, tr = self.model.snapshots[p], self.model.trackings[p]
        self.deadline.value = self._memo(("deadline", p), lambda: (
            f'<div class="eduwb">{deadline_html(self.model, p)}</div>'))
        progress = self.model.progress(p)
        self.tiles.value = self._memo(("tiles", p), lambda: (
            f'<div class="eduwb">{tiles_html(tiles(snap, tr, progress))}</div>'))
        self.history.value = self._memo(("history", p), lambda: (
            f'<div class="eduwb"><h2>Việc còn mở qua các lần đối chiếu toàn tỉnh '
            f"({_e(vocab.PERIOD_LABELS[p].lower())})</h2>"
            + history_html(progress, tr.deadlines, key="history",
                           title="Toàn tỉnh: việc còn mở theo ngày xuất dữ liệu") + "</div>"))
        self.categories.value = self._memo(("categories", p), lambda: (
            '<div class="eduwb"><h2>Sai lệch theo loại</h2>' + table_html(
                findings_by_category(snap.findings)[["label", "count"]],
                {"label": "Loại sai lệch", "count": "Số bản ghi"}, key="categories",
                formats={"count": fmt_int}) + "</div>"))
        self.heatmap.value = self._memo(("heatmap", p), lambda: (
            '<div class="eduwb"><h2>Mức chênh lệch theo phòng và nhóm chỉ tiêu</h2>'
            f"{heatmap_html(heatmap_frame(snap, tr))}</div>"))
        self._render_district()

    def _render_district(self) -> None:
        p, d = self._period(), self._district()
        self.download.value = ""
        self.make_file.disabled = d is None
        if d is None:
            self.district_view.value = ""
            self.schools.value = ('<div class="eduwb"><div class="hint">Chọn một phòng GD&amp;ĐT '
                                  "để xem các trường.</div></div>")
            self.school.options = [("— chọn trường —", "")]
            self.school_view.value = ""
            return
        tr, snap = self.model.trackings[p], self.model.snapshots[p]
        progress = self.model.progress(p)
        self.district_view.value = self._memo(("district", p, d), lambda: (
            '<div class="eduwb"><div class="eduwb-district-tiles">'
            + tiles_html(district_tiles(snap, tr, progress, d), prefix="district-")
            + "</div>" + history_html(progress, tr.deadlines, level="district", unit=d,
                                       key="district-history",
                                       title=f"Phòng {d}: việc còn mở theo ngày xuất dữ liệu")
            + "</div>"))
        frame = district_schools(tr, d)
        self.schools.value = self._memo(("schools", p, d), lambda: '<div class="eduwb">' + table_html(
            frame, SCHOOL_TITLES, key="schools", formats={"findings": fmt_int,
                                                          "check_errors": fmt_int}) + "</div>")
        options = [("— chọn trường —", "")] + [(f"{c} · {n}", c) for c, n in zip(
            frame["school_code"], frame["school_name"], strict=True)]
        if list(self.school.options) != options:
            keep = self.school.value if self.school.value in set(frame["school_code"]) else ""
            with self.school.hold_trait_notifications():
                self.school.options = options
                self.school.value = keep
        self._render_school()

    def _render_school(self) -> None:
        p, d = self._period(), self._district()
        code = self.school.value or None
        if d is None or code is None:
            self.school_view.value = ""
            return
        tr = self.model.trackings[p]
        if code not in set(tr.schools.loc[tr.schools["district_code"] == d, "school_code"]):
            raise EduwbError("trường không thuộc phòng đã chọn")
        snap = self.model.snapshots[p]

        def make() -> str:
            gaps = school_gaps(snap, code)
            cats = school_findings(snap, code)
            cats = cats[cats["count"] > 0][["label", "count"]]
            left = table_html(gaps.drop(columns=["indicator"]), GAP_TITLES, key="gaps",
                              formats={"vnedu": fmt_int, "csdl": fmt_int, "diff": _signed,
                                       "explained": _signed, "relative_gap": fmt_pct})
            right = (table_html(cats, {"label": "Loại sai lệch", "count": "Số bản ghi"},
                                key="school-categories", formats={"count": fmt_int})
                     if len(cats) else '<div class="hint">Không có sai lệch.</div>')
            return ('<div class="eduwb" style="display:flex;flex-wrap:wrap;gap:24px">'
                    f"<div><h2>Chỉ tiêu của trường {_e(code)}</h2>{left}</div>"
                    f"<div><h2>Sai lệch của trường theo loại</h2>{right}</div></div>")

        self.school_view.value = self._memo(("school", p, code), make)

    # callbacks -------------------------------------------------------------------------------
    @_guard
    def _on_period(self, change: dict[str, Any]) -> None:
        self._render_period()

    @_guard
    def _on_district(self, change: dict[str, Any]) -> None:
        self._render_district()

    @_guard
    def _on_school(self, change: dict[str, Any]) -> None:
        self._render_school()

    @_guard
    def _on_make_file(self, button: Any) -> None:
        p, d = self._period(), self._district()
        if d is None:
            raise EduwbError("hãy chọn một phòng GD&ĐT trước")
        snap = self.model.snapshots[p]
        payload = base64.b64encode(fix_list_bytes(snap, d, self.model.as_of,
                                                  self.model.history)).decode()
        n = int((snap.findings["district_code"] == d).sum())
        name = fix_list_name(snap, d)
        self.download.value = (
            f'<div class="eduwb" style="padding-top:6px"><a download="{_e(name)}" '
            f'href="data:{XLSX_MIME};base64,{payload}" data-key="fix-list">⬇ Tải {_e(name)}</a> '
            f'<span class="sub">({fmt_int(n)} sai lệch)</span></div>')


def app(data: Path | str | None = None, *, year: str | None = None, as_of: dt.date | str | None = None,
        cache: Path | str | None = None, history: Path | str | None = None) -> Any:
    """The dashboard widget for the notebook; arguments default to the EDUWB_* environment
    variables. Never raises: a data folder that cannot be read gives a Vietnamese message."""
    import ipywidgets as w

    try:
        data = data or os.environ.get(ENV_DATA)
        if not data:
            raise EduwbError(f"Chưa chỉ định thư mục dữ liệu (biến môi trường {ENV_DATA}; chạy "
                             "`eduwb dashboard DATA`)")
        year = year or os.environ.get(ENV_YEAR) or None
        as_of = as_of or os.environ.get(ENV_AS_OF) or None
        if isinstance(as_of, str):
            try:
                as_of = dt.date.fromisoformat(as_of)
            except ValueError:
                raise EduwbError(f"Ngày {as_of!r} không đúng dạng YYYY-MM-DD") from None
        cache = cache or os.environ.get(ENV_CACHE) or None
        history = history or os.environ.get(ENV_HISTORY) or None
        model = open_model(data, year, as_of=as_of, cache=cache, history=history)
        return Dashboard(model).widget
    except EduwbError as exc:
        message = f"Không mở được bảng điều hành: {exc}"
    except Exception as exc:  # unreadable files, permissions...: the reader gets a sentence
        log.exception("dashboard failed to open")
        message = (f"Không đọc được dữ liệu trong thư mục {data}: {type(exc).__name__}. Kiểm tra "
                   "thư mục dữ liệu rồi tải lại trang.")
    return w.HTML(error_html(message))
