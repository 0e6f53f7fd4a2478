"""The dashboard's data (Voilà, ``notebooks/dashboard.ipynb``): counts only, in Vietnamese.

Pure functions turn a period's :class:`~eduwb.store.Snapshot` and its
:class:`~eduwb.tracking.Tracking` into small DataFrames (tiles, heatmap, trend, drill-down tables)
and the district fix-list workbook; they are unit-tested without a browser (:mod:`.html` renders
them, :mod:`.widgets` lays them out). No pupil, teacher, principal, signer or specialist name is
ever put in the page: the tracking columns that hold names (``signed_by``, ``responsible``) are left
out, findings are only counted. The fix-list workbook (for the district office) does contain the
findings' names, inside the downloaded file only.

Snapshots are read from the cache (:func:`eduwb.store.snapshot`); ``eduwb dashboard`` computes
them before serving, so the page never reconciles. The history store (``--history``, spec
history.md) is read, never written: each period's province runs give the open findings run by run
(a line up to the deadline) and the units whose vnEdu figures changed after they signed. The
data-entry checks of the snapshot give the schools not ready to sign (any ``loi`` finding).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from eduwb import calendar, indicators, store, vocab
from eduwb.errors import EduwbError
from eduwb.history import ProgressReport
from eduwb.store import Snapshot
from eduwb.tracking import STATUS_LABELS, Tracking

log = logging.getLogger(__name__)

ENV_DATA, ENV_YEAR, ENV_AS_OF, ENV_CACHE = "EDUWB_DATA", "EDUWB_YEAR", "EDUWB_AS_OF", "EDUWB_CACHE"
ENV_HISTORY = "EDUWB_HISTORY"
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
    return calendar.school_year_folders(data)


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


def next_deadline(deadlines: Iterable[calendar.Deadlines], as_of: dt.date) -> dict[str, object] | None:
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


def district_label(code: str, name: object) -> str:
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
    grid.insert(0, "district", [district_label(c, names.get(c)) for c in codes]
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
    from eduwb.views.district_report import report_of

    return report_of(snap, district, as_of, history).fix_list_bytes()


def fix_list_name(snap: Snapshot, district: str) -> str:
    """The download's file name, e.g. ``sua_sai_lech_689_2021-2022_dau_nam.xlsx``."""
    return f"sua_sai_lech_{district}_{snap.year}_{snap.period}.xlsx"
