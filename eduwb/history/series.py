"""A scope's runs read back from the store, and each finding's state and first_seen in each run.

``state`` is ``new`` when a finding was not in the previous run of the series, else ``open``;
``first_seen`` is the ``as_of`` of the first run of the unbroken stretch of runs that hold it, so a
finding that was fixed and came back starts again. Both are computed from which runs hold which
findings, never stored, so they stay right whatever order runs were recorded in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from eduwb.history import db
from eduwb.history.ids import HISTORY_COLUMNS, KINDS, finding_ids

PRESENCE_COLUMNS = ("run_id", "kind", "finding_id", "district_code", "school_code", "state",
                    "first_seen")


def kind_positions(runs: pd.DataFrame) -> pd.DataFrame:
    """Each run's position in the series (``_pos``) and among the runs that hold a kind
    (``_kpos``): run_id, kind, _pos, _kpos. A ``check`` run holds checks only, so a finding of
    another kind is compared with the previous run that holds its kind, not with it."""
    rows = []
    counters: dict[str, int] = {}
    for pos, (run_id, kinds) in enumerate(zip(runs["run_id"], _kinds(runs), strict=True)):
        for kind in kinds:
            rows.append((int(run_id), kind, pos, counters.get(kind, 0)))
            counters[kind] = counters.get(kind, 0) + 1
    return pd.DataFrame(rows, columns=["run_id", "kind", "_pos", "_kpos"]).astype(
        {"run_id": "int64", "_pos": "int64", "_kpos": "int64"})


def _kinds(runs: pd.DataFrame) -> list[tuple[str, ...]]:
    if "kinds" not in runs:
        return [tuple(KINDS)] * len(runs)
    return [tuple(k for k in str(v).split(";") if k) for v in runs["kinds"]]


def annotate(presence: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """``presence`` (run_id, kind, finding_id, ...) with ``state`` and ``first_seen`` added.

    ``runs``: the series' runs, oldest first (run_id, as_of, kinds). Rows of runs outside it are
    dropped. A finding's previous run is the previous run that holds its kind.
    """
    at = kind_positions(runs).set_index(["run_id", "kind"])
    key = pd.MultiIndex.from_arrays([presence["run_id"].astype("int64"), presence["kind"]])
    found = at.reindex(key)
    out = presence.assign(_pos=found["_pos"].to_numpy(), _kpos=found["_kpos"].to_numpy())
    out = out[out["_pos"].notna()].astype({"_pos": "int64", "_kpos": "int64"})
    out = out.sort_values(["kind", "finding_id", "_kpos"], kind="stable")
    # An unbroken stretch of runs: position minus rank within the finding is constant along it.
    stretch = out["_kpos"] - out.groupby(["kind", "finding_id"], sort=False).cumcount()
    group = out.groupby([out["kind"], out["finding_id"], stretch], sort=False)
    start = group["_pos"].transform("min").to_numpy()
    as_of = np.asarray([*runs["as_of"].tolist(), None], dtype=object)
    out["state"] = np.where(start == out["_pos"].to_numpy(), "new", "open")
    out["first_seen"] = as_of[start] if len(out) else np.array([], dtype=object)
    return out.drop(columns=["_pos", "_kpos"]).sort_index()


@dataclass(frozen=True)
class Series:
    """The runs of one year, period and scope, oldest first, and the findings each held.

    ``source`` is the scope whose runs were read: the district itself, or ``province`` when a
    district's history is read from the province's runs (its findings and units only).
    ``runs``: run_id, year, period, scope, as_of, fingerprint, digest, kinds (``;``-joined).
    ``presence``: PRESENCE_COLUMNS, one row per finding per run. ``units``: run_id, level,
    unit_code, district_code.
    """

    path: Path
    year: str
    period: str
    scope: str
    source: str
    runs: pd.DataFrame
    presence: pd.DataFrame
    units: pd.DataFrame
    timeout: float | None = None

    @property
    def empty(self) -> bool:
        return self.runs.empty

    @property
    def district(self) -> str | None:
        return None if self.scope == db.PROVINCE_SCOPE else self.scope

    def run_ids(self) -> list[int]:
        return [int(r) for r in self.runs["run_id"]]

    def as_of(self, run_id: int) -> dt.date:
        return self.runs.loc[self.runs["run_id"] == run_id, "as_of"].iloc[0]

    def kinds(self, run_id: int | None = None) -> tuple[str, ...]:
        """The kinds one run holds, or (``None``) that any run of the series holds."""
        if run_id is None:
            held = {k for ks in _kinds(self.runs) for k in ks}
            return tuple(k for k in KINDS if k in held)
        value = self.runs.loc[self.runs["run_id"] == run_id, "kinds"].iloc[0]
        return tuple(k for k in str(value).split(";") if k)

    def run_ids_of(self, kind: str) -> list[int]:
        """The runs that hold ``kind``, oldest first (a ``check`` run holds checks only)."""
        return [int(r) for r, ks in zip(self.runs["run_id"], _kinds(self.runs), strict=True)
                if kind in ks]

    def findings(self, run_id: int | None = None, kind: str = "discrepancies") -> pd.DataFrame:
        """The findings of one run (default: the latest) as its file had them: the kind's columns
        and finding_id, state, first_seen."""
        cols = [*KINDS[kind].columns, *HISTORY_COLUMNS]
        if self.empty:
            return db.empty_frame(cols)
        run_id = self.run_ids()[-1] if run_id is None else int(run_id)
        with db.connect(self.path, write=False, timeout=self.timeout) as con:
            rows = db.finding_rows(con, run_id, kind, self.district)
        state = self.presence[(self.presence["run_id"] == run_id)
                              & (self.presence["kind"] == kind)]
        rows = rows.merge(state[["finding_id", "state", "first_seen"]], on="finding_id",
                          how="left", validate="one_to_one")
        return rows[cols]

    def indicators(self, run_ids: list[int]) -> pd.DataFrame:
        """indicators.csv rows of some runs (run_id, seq, level, unit_code, indicator, breakdown,
        vnedu, csdl, diff, explained), the scope's units only."""
        with db.connect(self.path, write=False, timeout=self.timeout) as con:
            return db.indicator_rows(con, run_ids, self.district if self.source != self.scope
                                     else None)


def read_series(path: Path | str, year: str, period: str, district: str | None = None, *,
                source: str = "auto", timeout: float | None = None) -> Series:
    """The history of one year and period, for the province or one district.

    ``source`` for a district: ``district`` (its own runs, from ``reconcile --district``),
    ``province`` (the province's runs, cut to the district) or ``auto`` (its own runs when there
    are any, else the province's).
    """
    if source not in ("auto", "district", "province"):
        raise ValueError(f"source {source!r} is not auto, district or province")
    path = Path(path)
    scope = db.scope_of(district)
    with db.connect(path, write=False, timeout=timeout) as con:
        chosen = scope
        if district is not None and source != "district":
            has_own = scope in db.scopes(con, year, period)
            if source == "province" or not has_own:
                chosen = db.PROVINCE_SCOPE
        runs = db.runs_of(con, year, period, chosen).reset_index(drop=True)
        cut = district if chosen != scope else None
        ids = [int(r) for r in runs["run_id"]]
        found = db.presence(con, ids, cut)
        units = db.unit_rows(con, ids, cut)
    return Series(path, year, period, scope, chosen, runs, annotate(found, runs), units, timeout)


def current_states(series: Series, kind: str, frame: pd.DataFrame,
                   as_of: dt.date | None) -> pd.DataFrame:
    """finding_id, state and first_seen of the findings of ``frame`` (the kind's file columns: the
    data as it is now, recorded or not), against ``series``; same index as ``frame``.

    When the latest run that holds ``kind`` has exactly these findings, they are that run's
    states. Otherwise the data are taken as the run after it: a finding that run holds is
    ``open`` with its ``first_seen``; any other is ``new``, first seen ``as_of``. With no run of
    the kind, state and first_seen are empty (None): nothing to compare with.
    """
    columns = [c for c in KINDS[kind].columns if c in frame]
    ids = finding_ids(kind, frame[columns]) if len(frame) else pd.Series([], dtype=object)
    ids.index = frame.index
    out = pd.DataFrame({"finding_id": ids, "state": None, "first_seen": None},
                       index=frame.index).astype(object)
    runs = series.run_ids_of(kind)
    if not runs:
        return out
    held = series.presence[(series.presence["run_id"] == runs[-1])
                           & (series.presence["kind"] == kind)].set_index("finding_id")
    if set(held.index) == set(ids):
        out["state"] = ids.map(held["state"])
        out["first_seen"] = ids.map(held["first_seen"])
        return out
    first = ids.map(held["first_seen"])
    out["state"] = np.where(first.notna(), "open", "new")
    out["first_seen"] = first.where(first.notna(), as_of).astype(object)
    return out
