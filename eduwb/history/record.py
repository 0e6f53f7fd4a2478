"""Recording a run: its findings, indicators and units, in one transaction; identical reruns add none.

A run is identified by its year, period, scope, ``as_of`` and results (a digest of its findings and
indicators): recording the same results for the same export date again adds nothing, and gives the
same ``state`` and ``first_seen`` as the first time, so that rerunning on the same inputs writes the
same bytes. The input fingerprint (:func:`eduwb.store.fingerprint`) is kept with each run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pandas as pd

from eduwb import vocab
from eduwb.history import db
from eduwb.history.ids import HISTORY_COLUMNS, KINDS, kind_of, with_ids
from eduwb.history.series import annotate
from eduwb.registry import Registry


class Scope(Protocol):
    """What recording reads of the period a run is over: a loaded :class:`eduwb.load.Period` or
    an :class:`eduwb.store.Snapshot` (both carry these)."""

    @property
    def data(self) -> Path: ...
    @property
    def year(self) -> str: ...
    @property
    def period(self) -> str: ...
    @property
    def district(self) -> str | None: ...
    @property
    def registry(self) -> Registry: ...
    @property
    def load_report(self) -> pd.DataFrame: ...


class _Framed(Protocol):
    @property
    def frame(self) -> pd.DataFrame: ...


class Reconciled(Protocol):
    """What recording reads of a reconciliation (:class:`eduwb.pipeline.Reconciliation`)."""

    @property
    def period(self) -> Scope: ...
    @property
    def discrepancies(self) -> pd.DataFrame: ...
    @property
    def indicators(self) -> pd.DataFrame: ...
    @property
    def checks(self) -> _Framed | None: ...


@dataclass(frozen=True)
class Recorded:
    """What recording a run gave: the run, whether it was added (False: an identical run was
    already there), and each kind's findings with finding_id, state, first_seen at the end."""

    run: db.Run
    added: bool
    findings: dict[str, pd.DataFrame]


def as_of(load_report: pd.DataFrame) -> dt.date | None:
    """The latest export date among a period's files (``export_date`` of the load report: the
    "Ngày xuất" title line, else the file's modification time); None when no file has one."""
    if "export_date" not in load_report:
        return None
    days = [d for d in load_report["export_date"] if isinstance(d, dt.date)]
    return max(d.date() if isinstance(d, dt.datetime) else d for d in days) if days else None


def scope_units(registry: Registry, district: str | None,
                indicators: pd.DataFrame | None = None) -> pd.DataFrame:
    """The units a run covers: the province (whole-province runs), each district office with
    schools in the scope, and each school (level, unit_code, district_code); with the schools
    that only the exports know (indicators.csv has them too), under the district the registry
    gives them, if any."""
    schools = registry.schools_of(district)
    rows = [] if district else [("province", vocab.PROVINCE_CODE, "")]
    codes = sorted(set(schools["district_code"].dropna().astype(str)))
    rows += [("district", code, code) for code in codes]
    known = dict(zip(schools["school_code"].astype(str), schools["district_code"].astype(str),
                     strict=True))
    if indicators is not None and len(indicators):
        for code in indicators.loc[indicators["level"] == "school", "unit_code"].unique():
            known.setdefault(str(code), registry.district_of(str(code)) or "")
    rows += sorted(("school", s, d) for s, d in known.items())
    return pd.DataFrame(rows, columns=list(db.UNIT_COLUMNS))


def digest(findings: Mapping[str, pd.DataFrame], indicators: pd.DataFrame) -> str:
    """A digest of a run's results, independent of row order."""
    h = hashlib.sha1(b"eduwb-history-run-1\n")
    for name in sorted(findings):
        frame = findings[name]
        cols = [*KINDS[name].columns, "finding_id"]
        text = db.text_frame(frame[cols]).sort_values("finding_id", kind="stable")
        h.update(f"{name}\n".encode())
        h.update(text.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    cols = [*db.INDICATOR_KEYS, *db.INDICATOR_VALUES]
    ind = indicators[cols].sort_values(list(db.INDICATOR_KEYS), kind="stable")
    h.update(b"indicators\n")
    h.update(ind.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    return h.hexdigest()


def unrecorded(kind: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A kind's findings with finding_id and empty state and first_seen (no history consulted)."""
    return with_ids(kind, frame).assign(state="", first_seen="")


def record_run(
    path: Path | str,
    *,
    year: str,
    period: str,
    scope: str,
    as_of: dt.date,
    fingerprint: str,
    findings: Mapping[str, pd.DataFrame],
    indicators: pd.DataFrame,
    units: pd.DataFrame,
    data: str = "",
    timeout: float | None = None,
) -> Recorded:
    """Record one run in the store at ``path`` (created when absent), in one transaction.

    ``findings``: a frame per kind (``discrepancies``, ``checks``) with the kind's columns;
    ``indicators``: indicators.csv; ``units``: :func:`scope_units`. Returns each kind's frame with
    finding_id, state and first_seen at the end.
    """
    frames = {name: db.text_frame(with_ids(kind_of(name), frame))
              for name, frame in findings.items()}
    kinds = tuple(k for k in KINDS if k in frames)
    result_digest = digest(frames, indicators)
    with db.connect(path, write=True, timeout=timeout) as con:
        con.begin()
        try:
            run_id = db.find_run(con, year, period, scope, as_of, result_digest)
            if run_id is None and kinds == ("checks",):
                run_id = db.find_checks_run(con, year, period, scope, as_of, fingerprint,
                                            frames["checks"])
            added = run_id is None
            if added:
                run_id = db.next_run_id(con)
                run = db.Run(run_id, year, period, scope, as_of, fingerprint, result_digest, kinds)
                db.write_run(con, run, frames, indicators, units, data)
            else:
                stored = con.execute("SELECT fingerprint FROM runs WHERE run_id = ?",
                                     [run_id]).fetchall()[0][0]
                run = db.Run(run_id, year, period, scope, as_of, stored, result_digest, kinds)
            runs = db.runs_of(con, year, period, scope)
            states = annotate(db.presence(con, [int(r) for r in runs["run_id"]], only_in=run_id),
                              runs)
            con.commit()
        except BaseException:
            con.rollback()
            raise
    states = states[states["run_id"] == run_id]
    out = {}
    for name, frame in frames.items():
        mine = states.loc[states["kind"] == name, ["finding_id", "state", "first_seen"]]
        merged = frame.merge(mine, on="finding_id", how="left", validate="one_to_one")
        out[name] = merged[[*KINDS[name].columns, *HISTORY_COLUMNS]]
    return Recorded(run, added, out)


def record_period(
    period: Scope,
    findings: Mapping[str, pd.DataFrame],
    indicators: pd.DataFrame | None,
    path: Path | str | None = None,
    *,
    fingerprint: str,
    timeout: float | None = None,
) -> Recorded | None:
    """Record a run over a loaded :class:`eduwb.load.Period`: ``findings`` a frame per kind
    (``discrepancies`` and ``checks`` for ``reconcile``, ``checks`` alone for ``check``) and
    the run's indicators (None for a run that computes none), in the store at ``path`` (default:
    :func:`db.default_path`). None when the period has no export date to date the run by."""
    day = as_of(period.load_report)
    if day is None:
        return None
    if indicators is None:
        indicators = db.empty_frame((*db.INDICATOR_KEYS, *db.INDICATOR_VALUES))
    return record_run(
        db.default_path() if path is None else path, year=period.year, period=period.period,
        scope=db.scope_of(period.district), as_of=day, fingerprint=fingerprint,
        findings=findings, indicators=indicators,
        units=scope_units(period.registry, period.district, indicators),
        data=str(Path(period.data).resolve()),
        timeout=timeout)


def record_reconciliation(
    result: Reconciled,
    path: Path | str | None = None,
    *,
    fingerprint: str,
    extra: Mapping[str, pd.DataFrame] | None = None,
    timeout: float | None = None,
) -> Recorded | None:
    """Record an :class:`eduwb.pipeline.Reconciliation` (its discrepancies, its checks when it
    has them, its indicators and the kinds in ``extra``) in the store at ``path``."""
    findings = {"discrepancies": result.discrepancies}
    if result.checks is not None:
        findings["checks"] = result.checks.frame
    return record_period(result.period, {**findings, **(extra or {})}, result.indicators, path,
                         fingerprint=fingerprint, timeout=timeout)
