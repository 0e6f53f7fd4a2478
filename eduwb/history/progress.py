"""Progress between runs: progress.csv, changes.csv, after_signoff.csv and a Vietnamese summary.

The tables are pure functions of a :class:`~eduwb.history.series.Series` (and of the sign-off
ledger); :func:`progress_report` reads what they need from the store and from ``DATA/danh_muc``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from eduwb import vocab
from eduwb.history import db
from eduwb.history.ids import HISTORY_COLUMNS, KINDS
from eduwb.history.series import Series, kind_positions, read_series

LEVELS = ("province", "district", "school")  # output order, as in indicators.csv
PROGRESS_COLUMNS = ("level", "unit_code", "kind", "as_of", "open", "new", "fixed")
CHANGE_COLUMNS = (*vocab.DISCREPANCY_COLUMNS, *HISTORY_COLUMNS, "kind", "change")
AFTER_SIGNOFF_COLUMNS = ("level", "unit_code", "signed_on", "indicator", "breakdown",
                         "signed_value", "current_value")
OVERVIEW_COLUMNS = ("level", "unit_code", "kind", "as_of", "open", "new", "fixed", "open_long")
KIND_LABELS = {"discrepancies": "Sai lệch vnEdu - CSDL ngành",
               "checks": "Lỗi nhập liệu (kiểm tra từng hệ thống)"}
LEVEL_LABELS = {"province": "Tỉnh", "district": "Phòng", "school": "Trường"}
# A check row in the columns of discrepancies.csv (changes.csv): the rule as the category, the
# record key as vnEdu's code when the check is on vnEdu, the value on its system's side.
_CHECK_AS_DISCREPANCY = {"category": "rule"}


def _positions(series: Series) -> pd.Series:
    return pd.Series(np.arange(len(series.runs)), index=series.runs["run_id"].astype("int64"))


def _fixed_rows(presence: pd.DataFrame, positions: pd.DataFrame) -> pd.DataFrame:
    """Presence rows whose finding is gone from the next run that holds its kind: the run where
    it counts as fixed (``_pos``) and the school and district it was at. ``positions``:
    :func:`~eduwb.history.series.kind_positions` of the series."""
    at = positions.set_index(["run_id", "kind"])["_kpos"]
    p = presence.assign(_kpos=at.reindex(pd.MultiIndex.from_arrays(
        [presence["run_id"].astype("int64"), presence["kind"]])).to_numpy())
    p = p.sort_values(["kind", "finding_id", "_kpos"], kind="stable")
    nxt = p.groupby(["kind", "finding_id"], sort=False)["_kpos"].shift(-1)
    runs_of_kind = positions.groupby("kind")["_kpos"].max() + 1
    last = p["kind"].map(runs_of_kind).to_numpy()
    gone = ((nxt != p["_kpos"] + 1) & (p["_kpos"] + 1 < last)).to_numpy()
    fixed = p[gone]
    following = positions.set_index(["kind", "_kpos"])["_pos"]
    where = pd.MultiIndex.from_arrays([fixed["kind"], fixed["_kpos"] + 1])
    return fixed.assign(_pos=following.reindex(where).to_numpy()).drop(columns="_kpos")


def _by_unit(frame: pd.DataFrame, levels: tuple[str, ...], name: str) -> pd.Series:
    """Rows counted per (run position, kind, level, unit)."""
    parts = []
    for level in levels:
        unit = {"school": frame["school_code"], "district": frame["district_code"]}.get(
            level, pd.Series(vocab.PROVINCE_CODE, index=frame.index))
        parts.append(pd.DataFrame({"_pos": frame["_pos"], "kind": frame["kind"],
                                   "level": level, "unit_code": unit.astype(str)}))
    if not parts or frame.empty:
        index = pd.MultiIndex.from_arrays([[], [], [], []],
                                          names=["_pos", "kind", "level", "unit_code"])
        return pd.Series([], index=index, dtype="int64", name=name)
    stacked = pd.concat(parts, ignore_index=True)
    return stacked.groupby(["_pos", "kind", "level", "unit_code"]).size().rename(name)


def _grid(series: Series, levels: tuple[str, ...], extra: pd.DataFrame) -> pd.DataFrame:
    """Every run × unit × kind recorded in that run: the units the run covered, and any unit that
    holds a finding (a school the registry no longer has)."""
    pos = _positions(series)
    units = series.units.assign(_pos=series.units["run_id"].map(pos))[
        ["_pos", "level", "unit_code"]]
    seen = [extra.assign(level=level, unit_code=extra[col])[["_pos", "level", "unit_code"]]
            for level, col in (("school", "school_code"), ("district", "district_code"))
            if level in levels]
    units = pd.concat([units, *seen], ignore_index=True)
    units = units[units["level"].isin(levels) & (units["unit_code"].astype(str) != "")]
    units = units.drop_duplicates()
    kinds = pd.DataFrame([(i, k) for i, run_id in enumerate(series.run_ids())
                          for k in series.kinds(run_id)], columns=["_pos", "kind"])
    return units.merge(kinds, on="_pos")


def _table(series: Series) -> pd.DataFrame:
    """progress.csv's rows with the run's position (``_pos``) kept."""
    levels = LEVELS if series.source == series.scope == db.PROVINCE_SCOPE else LEVELS[1:]
    pres = series.presence.assign(_pos=series.presence["run_id"].map(_positions(series)))
    fixed = _fixed_rows(pres, kind_positions(series.runs))
    grid = _grid(series, levels, pd.concat([pres, fixed], ignore_index=True))
    keys = ["_pos", "kind", "level", "unit_code"]
    out = grid.set_index(keys)
    for name, rows in (("open", pres), ("new", pres[pres["state"] == "new"]), ("fixed", fixed)):
        out = out.join(_by_unit(rows, levels, name), how="left")
    out = out.fillna(0).astype("int64").reset_index()
    out["as_of"] = series.runs["as_of"].to_numpy()[out["_pos"].to_numpy()]
    return _ordered(out, ["_pos"]).reset_index(drop=True)


def progress_table(series: Series) -> pd.DataFrame:
    """progress.csv: per run (oldest first) × unit × kind recorded, open, new and fixed."""
    if series.empty:
        return db.empty_frame(PROGRESS_COLUMNS)
    return _table(series)[list(PROGRESS_COLUMNS)]


def _ordered(frame: pd.DataFrame, first: list[str]) -> pd.DataFrame:
    order = frame.assign(_l=frame["level"].map({lv: i for i, lv in enumerate(LEVELS)}),
                         _k=frame["kind"].map({k: i for i, k in enumerate(KINDS)}))
    order = order.sort_values([*first, "_l", "unit_code", "_k"], kind="stable")
    return order.drop(columns=["_l", "_k"])


def overview(series: Series, days: int = 7) -> pd.DataFrame:
    """The latest run per unit and kind: open, new, fixed (since the run before) and
    ``open_long``, the findings open for more than ``days`` days (first_seen more than ``days``
    days before the run's as_of). For the district report's progress section."""
    if series.empty:
        return db.empty_frame(OVERVIEW_COLUMNS)
    table = _table(series)
    last_pos = kind_positions(series.runs).groupby("kind")["_pos"].max()
    table = table[(table["_pos"] == table["kind"].map(last_pos)).to_numpy()].drop(columns="_pos")
    parts = []
    for kind in series.kinds():
        last_run = series.run_ids_of(kind)[-1]
        cutoff = series.as_of(last_run) - dt.timedelta(days=days)
        pres = series.presence[(series.presence["run_id"] == last_run)
                               & (series.presence["kind"] == kind)]
        parts.append(pres[[fs < cutoff for fs in pres["first_seen"]]])
    old = pd.concat(parts, ignore_index=True).assign(_pos=0) if parts else series.presence[:0]
    levels = tuple(dict.fromkeys(table["level"]))
    counts = _by_unit(old.assign(_pos=0), levels, "open_long").droplevel("_pos")
    table = table.join(counts, on=["kind", "level", "unit_code"])
    table["open_long"] = table["open_long"].fillna(0).astype("int64")
    return table[list(OVERVIEW_COLUMNS)].reset_index(drop=True)


def as_discrepancy_columns(kind: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A kind's findings (with finding_id, state, first_seen) in the columns of discrepancies.csv
    and its three history columns; a check's rule goes to ``category``."""
    cols = [*vocab.DISCREPANCY_COLUMNS, *HISTORY_COLUMNS]
    if kind == "discrepancies":
        return frame[cols].reset_index(drop=True)
    out = pd.DataFrame(index=frame.index)
    for c in cols:
        src = _CHECK_AS_DISCREPANCY.get(c, c)
        out[c] = frame.get(src, "")
    if "system" in frame:
        on_vnedu = (frame["system"] == "vnedu").to_numpy()
        value = frame["value"] if "value" in frame else pd.Series("", index=frame.index)
        key = frame["record_key"] if "record_key" in frame else pd.Series("", index=frame.index)
        out["vnedu_id"] = np.where(on_vnedu & (frame["entity"].isin(["student", "staff"])), key, "")
        out["vnedu_value"] = np.where(on_vnedu, value, "")
        out["csdl_value"] = np.where(~on_vnedu, value, "")
    if "class_name" in frame:  # a class is named by its class name; a person never is
        named = (out["full_name"].fillna("") != "") | (frame["entity"] != "class")
        out["full_name"] = out["full_name"].where(named, frame["class_name"])
    return out.fillna("").reset_index(drop=True)


def changes_table(last: Mapping[str, pd.DataFrame],
                  previous: Mapping[str, pd.DataFrame] | None) -> pd.DataFrame:
    """changes.csv: the findings new in the last run (state ``new``) and those of the run before
    that the last run no longer holds (``fixed``, as they were in that run), for each kind the last
    run recorded. ``previous`` is None for the first run (everything in it is new)."""
    parts = []
    for kind, frame in last.items():
        parts.append(as_discrepancy_columns(kind, frame[frame["state"] == "new"]).assign(
            kind=kind, change="new"))
        if previous is not None and kind in previous:
            before = previous[kind]
            gone = before[~before["finding_id"].isin(frame["finding_id"])]
            parts.append(as_discrepancy_columns(kind, gone).assign(kind=kind, change="fixed"))
    parts = [p for p in parts if len(p)]
    if not parts:
        return db.empty_frame(CHANGE_COLUMNS)
    out = pd.concat(parts, ignore_index=True)[list(CHANGE_COLUMNS)]
    order = out.assign(_k=out["kind"].map({k: i for i, k in enumerate(KINDS)}),
                       _c=out["change"].map({"new": 0, "fixed": 1}))
    order = order.sort_values(["district_code", "school_code", "_k", "_c", "entity", "category",
                               "field", "vnedu_id", "moet_id", "full_name", "finding_id"],
                              kind="stable")
    return order[list(CHANGE_COLUMNS)].reset_index(drop=True)


def signatures(ledger: pd.DataFrame, year: str, period: str, units: pd.DataFrame) -> pd.DataFrame:
    """The latest signature of each unit of ``units`` for one period (level, unit_code,
    signed_on), from :func:`eduwb.tracking.read_ledger`."""
    led = ledger[(ledger["year"] == year) & (ledger["period"] == period)
                 & ledger["signed_on"].notna()]
    led = led.merge(units[["level", "unit_code"]].drop_duplicates(), on=["level", "unit_code"])
    if led.empty:
        return db.empty_frame(("level", "unit_code", "signed_on"))
    led = led.sort_values(["level", "unit_code", "signed_on"], kind="stable")
    return led.groupby(["level", "unit_code"], as_index=False, sort=False).last()[
        ["level", "unit_code", "signed_on"]].reset_index(drop=True)


def signed_runs(runs: pd.DataFrame, signed: pd.DataFrame) -> pd.Series:
    """For each signature, the last run with as_of on or before the signing date (NA: none)."""
    as_of = list(runs["as_of"])
    ids = list(runs["run_id"])
    out = []
    for day in signed["signed_on"]:
        before = [i for i, d in zip(ids, as_of, strict=True) if d <= day]
        out.append(int(before[-1]) if before else None)
    return pd.Series(out, index=signed.index, dtype="Int64")


def after_signoff_table(runs: pd.DataFrame, indicators: pd.DataFrame,
                        signed: pd.DataFrame) -> pd.DataFrame:
    """after_signoff.csv: for each signed unit, the vnEdu indicators of the last run on or before
    the signing date against the latest run, where they differ.

    ``runs``: the series' runs, oldest first; ``indicators``: indicators of (at least) those runs
    and the latest (run_id, seq, level, unit_code, indicator, breakdown, vnedu); ``signed``:
    :func:`signatures`.
    """
    if runs.empty or signed.empty:
        return db.empty_frame(AFTER_SIGNOFF_COLUMNS)
    latest = int(runs["run_id"].iloc[-1])
    sig = signed.assign(_run=signed_runs(runs, signed))
    sig = sig[sig["_run"].notna() & (sig["_run"] != latest)].astype({"_run": "int64"})
    keys = ["level", "unit_code", "indicator", "breakdown"]
    ind = indicators[["run_id", "seq", *keys, "vnedu"]]
    then = ind.merge(sig, left_on=["run_id", "level", "unit_code"],
                     right_on=["_run", "level", "unit_code"])
    now = ind[ind["run_id"] == latest].merge(sig[["level", "unit_code", "signed_on"]],
                                            on=["level", "unit_code"])
    both = then[[*keys, "signed_on", "seq", "vnedu"]].merge(
        now[[*keys, "signed_on", "seq", "vnedu"]], on=[*keys, "signed_on"], how="outer",
        suffixes=("_then", "_now"))
    a, b = both["vnedu_then"], both["vnedu_now"]
    differ = (a.isna() != b.isna()) | (a.notna() & b.notna() & (a != b)).fillna(False)
    out = both[differ.to_numpy(dtype=bool)]
    if out.empty:  # (assigning columns to an empty frame would give it their rows)
        return db.empty_frame(AFTER_SIGNOFF_COLUMNS)
    out = out.assign(signed_value=out["vnedu_then"], current_value=out["vnedu_now"],
                     _seq=out["seq_now"].fillna(out["seq_then"]))
    out = out.assign(_lvl=out["level"].map({lv: i for i, lv in enumerate(LEVELS)}))
    out = out.sort_values(["_lvl", "unit_code", "_seq"], kind="stable")
    out["signed_value"] = out["signed_value"].astype("Int64")
    out["current_value"] = out["current_value"].astype("Int64")
    return out[list(AFTER_SIGNOFF_COLUMNS)].reset_index(drop=True)


# --- the report ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgressReport:
    """What ``eduwb progress`` writes: progress.csv, changes.csv, after_signoff.csv (DataFrames),
    and the series they come from."""

    series: Series
    progress: pd.DataFrame
    changes: pd.DataFrame
    after_signoff: pd.DataFrame
    signed: pd.DataFrame
    problems: tuple[str, ...] = ()

    def write(self, out: Path | str) -> list[Path]:
        """Write the three CSV files into ``out`` (outputs.md conventions)."""
        from eduwb.outputs import write_csv

        out = Path(out)
        return [write_csv(self.progress, out / "progress.csv"),
                write_csv(self.changes, out / "changes.csv"),
                write_csv(self.after_signoff, out / "after_signoff.csv")]

    def summary(self, days: int = 7) -> str:
        """A short Vietnamese summary of the last two runs."""
        after = None if self.problems else self.after_signoff
        text = summary_text(self.series, after, days=days)
        return "\n".join([text, *(f"Chưa kiểm tra được: {p}" for p in self.problems)])


def progress_report(
    data: Path | str,
    year: str,
    period: str,
    *,
    district: str | None = None,
    history: Path | str | None = None,
    source: str = "auto",
    timeout: float | None = None,
    changes: bool = True,
) -> ProgressReport:
    """Progress of one period (the province, or one district) from the history at ``history``
    (default :func:`eduwb.history.default_path`), with the signatures of ``DATA/danh_muc``.
    ``changes=False`` leaves changes.csv empty (views that show counts only do not read the
    findings of the last two runs)."""
    from eduwb.errors import RegistryError
    from eduwb.load import check_year_period
    from eduwb.registry import load_registry
    from eduwb.tracking import read_ledger

    check_year_period(year, period)
    registry = load_registry(data)
    if district is not None:
        registry.check_district(district)
    series = read_series(db.default_path() if history is None else history, year, period,
                         district, source=source, timeout=timeout)
    progress = progress_table(series)
    if series.empty:
        return ProgressReport(series, progress, db.empty_frame(CHANGE_COLUMNS),
                              db.empty_frame(AFTER_SIGNOFF_COLUMNS), db.empty_frame(("level", "unit_code",
                                                                     "signed_on")))
    ids = series.run_ids()
    # Each kind against the previous run that holds it (a `check` run holds checks only).
    of_kind = {k: series.run_ids_of(k) for k in series.kinds()}
    if changes:
        last = {k: series.findings(runs[-1], k) for k, runs in of_kind.items()}
        previous = ({k: series.findings(runs[-2], k) for k, runs in of_kind.items()
                     if len(runs) > 1} if any(len(runs) > 1 for runs in of_kind.values())
                    else None)
        changed = changes_table(last, previous)
    else:
        changed = db.empty_frame(CHANGE_COLUMNS)
    latest_units = series.units[series.units["run_id"] == ids[-1]]
    try:
        ledger = read_ledger(data, registry)
    except RegistryError as exc:  # the rest of the report goes on
        return ProgressReport(series, progress, changed, db.empty_frame(AFTER_SIGNOFF_COLUMNS),
                              db.empty_frame(("level", "unit_code", "signed_on")),
                              (f"thay đổi sau khi ký (sổ ký duyệt không đọc được): {exc}",))
    signed = signatures(ledger, year, period, latest_units)
    # Indicators come with reconcile runs (a `check` run records none).
    counted = series.runs[series.runs["run_id"].isin(of_kind.get("discrepancies", []))]
    after = db.empty_frame(AFTER_SIGNOFF_COLUMNS)
    if len(counted):
        wanted = sorted({int(counted["run_id"].iloc[-1]),
                         *(int(r) for r in signed_runs(counted, signed).dropna())})
        after = after_signoff_table(counted, series.indicators(wanted), signed)
    return ProgressReport(series, progress, changed, after, signed)


def _day(value: dt.date) -> str:
    return value.strftime("%d/%m/%Y")


def _schools(counts: pd.Series, limit: int = 5) -> str:
    top = counts[counts > 0].sort_values(ascending=False, kind="stable").head(limit)
    more = int((counts > 0).sum()) - len(top)
    text = ", ".join(f"{code} ({int(n)})" for code, n in top.items())
    return text + (f" và {more} trường khác" if more > 0 else "")


def summary_text(series: Series, after: pd.DataFrame | None, *, days: int = 7) -> str:
    """A short Vietnamese summary of the last two runs of a series (``after``: after_signoff.csv,
    None when the sign-off ledger could not be read: nothing is said of it)."""
    where = "toàn tỉnh" if series.scope == db.PROVINCE_SCOPE else f"phòng GD&ĐT {series.scope}"
    head = f"Tiến độ {series.year}, {vocab.PERIOD_LABELS.get(series.period, series.period)}, {where}"
    if series.empty:
        return (f"{head}: chưa có lần chạy nào trong lịch sử {series.path}. Chạy `eduwb "
                "reconcile` (mỗi ngày một lần) với cùng --history để theo dõi tiến độ.")
    runs = series.runs
    lines = [f"{head}: {len(runs)} lần chạy, từ {_day(runs['as_of'].iloc[0])} đến "
             f"{_day(runs['as_of'].iloc[-1])}"
             + (" (đọc từ các lần chạy toàn tỉnh)" if series.source != series.scope else "") + "."]
    top = LEVELS[0] if series.scope == db.PROVINCE_SCOPE and series.source == series.scope \
        else "district"
    rows = overview(series, days)
    for kind in series.kinds():  # each kind against the run before that holds it
        held = series.run_ids_of(kind)
        when = f"lần chạy ngày {_day(series.as_of(held[-1]))}"
        when += (f" so với lần ngày {_day(series.as_of(held[-2]))}" if len(held) > 1
                 else ", lần đầu: mọi phát hiện đều là mới")
        tot = rows[(rows["level"] == top) & (rows["kind"] == kind)]
        n_open, n_new, n_fixed, long = (int(tot[c].sum())
                                        for c in ("open", "new", "fixed", "open_long"))
        lines.append(f"  {KIND_LABELS.get(kind, kind)} ({when}): còn {n_open} (mới {n_new}, "
                     f"đã sửa {n_fixed}; mở quá {days} ngày: {long})")
        schools = rows[(rows["level"] == "school") & (rows["kind"] == kind)].set_index(
            "unit_code")
        if n_fixed:
            lines.append(f"    Trường đã sửa: {_schools(schools['fixed'])}")
        if n_new and len(held) > 1:
            lines.append(f"    Trường có phát hiện mới: {_schools(schools['new'])}")
    if after is None:
        pass
    elif after.empty:
        lines.append("Không đơn vị nào thay đổi số liệu vnEdu sau khi ký.")
    else:
        units = after.groupby(["level", "unit_code", "signed_on"], sort=False).size()
        lines.append(f"{len(units)} đơn vị thay đổi số liệu vnEdu sau khi ký, cần ký lại:")
        for (level, code, signed_on), n in units.items():
            lines.append(f"  {LEVEL_LABELS.get(level, level)} {code}: ký ngày {_day(signed_on)}, "
                         f"{int(n)} chỉ tiêu khác")
    return "\n".join(lines)
