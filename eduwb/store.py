"""Reconcile a period once, keep the results: the snapshot that reports and dashboards read.

A :class:`Snapshot` holds a whole province's results for one period (findings, the data-entry
checks, indicators, load report, rejections and the principals' names that tracking shows) without
the pupil records, so a batch can report every district from one load and a dashboard can open in a
second. Snapshots are
cached on disk under a fingerprint of the input files (paths, sizes, modification times): a changed
export makes the next call reconcile again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from eduwb.cache import cache_key, cache_root, data_key, period_fingerprint
from eduwb.checks import Checks
from eduwb.load import check_year_period
from eduwb.pipeline import Reconciliation, reconcile
from eduwb.registry import Registry

if TYPE_CHECKING:
    from eduwb.history import Recorded
    from eduwb.tracking import Tracking

log = logging.getLogger(__name__)

FORMAT = 3  # bump when the stored layout changes (2: the data-entry checks; 3: export files)
HEAD_COLUMNS = ("system", "school_code", "file", "row", "position", "staff_status", "full_name")


@dataclass(frozen=True)
class Snapshot:
    """One period's results for a province (or one district), as DataFrames.

    ``findings``: discrepancies.csv columns; ``indicators``: indicators.csv; ``load_report`` and
    ``rejected``: as written by `eduwb reconcile`; ``heads``: the principals in the staff lists
    (for tracking's "who must act"); ``file_schools``: which schools each export file stands for
    (:meth:`eduwb.load.Period.export_files`: a district-level file stands for each of its
    schools); ``checks``: the data-entry checks of each system
    (:class:`eduwb.checks.Checks`: checks.csv as ``checks.frame``, the rules not applied as
    ``checks.skipped``, per-school counts as ``checks.by_school()``; its ``records()`` needs the
    pupil records, which a snapshot does not keep).
    """

    data: Path
    year: str
    period: str
    district: str | None
    registry: Registry
    findings: pd.DataFrame
    indicators: pd.DataFrame
    load_report: pd.DataFrame
    rejected: pd.DataFrame
    heads: pd.DataFrame
    checks: Checks | None = None
    file_schools: pd.DataFrame | None = None

    def export_files(self) -> pd.DataFrame:
        """Every readable export of a list and the school it stands for (as a period's)."""
        if self.file_schools is not None:
            return self.file_schools
        rep = self.load_report
        return rep[rep["school_code"] != ""].assign(rows=rep["rows_read"])

    @property
    def as_of(self) -> dt.date | None:
        """The latest export date of the files (the history's ``as_of`` of this state)."""
        from eduwb.history import as_of

        return as_of(self.load_report)

    def finding_frames(self) -> dict[str, pd.DataFrame]:
        """The findings of each kind the history keeps: ``discrepancies``, and ``checks`` when
        the checks were run."""
        frames = {"discrepancies": self.findings}
        if self.checks is not None:
            frames["checks"] = self.checks.frame
        return frames

    def record(self, history: Path | str | None = None, *, inputs: str | None = None,
               timeout: float | None = None) -> Recorded | None:
        """Record this state as a run in the history store (default: the default store), as
        ``eduwb reconcile`` does: one run per scope, identical reruns add nothing. ``inputs``: the
        inputs' :func:`fingerprint` when already computed. Returns the
        :class:`eduwb.history.Recorded` (None: no export date to date the run by)."""
        from eduwb.history import record_period

        return record_period(self, self.finding_frames(), self.indicators, history,
                             fingerprint=inputs or fingerprint(self.data, self.year, self.period),
                             timeout=timeout)

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The staff table tracking reads principals from (principals only)."""
        return {"staff": self.heads}

    @property
    def clean(self) -> bool:
        """True when the two systems agree."""
        return self.findings.empty

    def for_district(self, district: str) -> Snapshot:
        """The same results limited to one district office (its schools and its own rows)."""
        schools = set(self.registry.schools_of(district)["school_code"])
        rep_school = self.load_report["school_code"].map(self.registry.current)
        exports = self.export_files()
        mine = exports["school_code"].map(self.registry.current).isin(schools)
        # the district's files: its schools' own, and district-level files listing its schools
        files = set(self.load_report.loc[rep_school.isin(schools), "file"]) | set(
            exports.loc[mine, "file"])
        in_files = self.load_report["file"].isin(files)
        ind = self.indicators
        keep_ind = ((ind["level"] == "school") & ind["unit_code"].isin(schools)) | (
            (ind["level"] == "district") & (ind["unit_code"] == district))
        return dataclasses.replace(
            self,
            district=district,
            findings=self.findings[self.findings["district_code"] == district].reset_index(
                drop=True),
            indicators=ind[keep_ind].reset_index(drop=True),
            load_report=self.load_report[in_files].reset_index(drop=True),
            rejected=self.rejected[self.rejected["file"].isin(files)].reset_index(drop=True),
            file_schools=exports[mine].reset_index(drop=True),
            heads=self.heads[self.heads["school_code"].isin(schools)].reset_index(drop=True),
            checks=None if self.checks is None else self.checks.for_district(district),
        )

    def track(self, as_of: dt.date | None = None) -> Tracking:
        """Deadlines, sign-off and responsibility for this snapshot (see :mod:`eduwb.tracking`)."""
        from eduwb.tracking import track

        return track(self.data, self.year, self.period, as_of=as_of, district=self.district,
                     registry=self.registry, loaded=self, reconciliation=self)


def from_reconciliation(result: Reconciliation) -> Snapshot:
    """Keep what reports need from a reconciliation, leaving the pupil records behind."""
    period = result.period
    staff = period.tables["staff"]
    heads = staff[staff["position"] == "Hiệu trưởng"][list(HEAD_COLUMNS)].reset_index(drop=True)
    return Snapshot(period.data, period.year, period.period, period.district, period.registry,
                    result.discrepancies.reset_index(drop=True), result.indicators,
                    period.load_report, period.rejected, heads, result.checks,
                    period.export_files())


def fingerprint(data: Path | str, year: str, period: str, inputs: str | None = None) -> str:
    """A period's inputs as this cache and the history key them: ``inputs`` (a loaded period's
    :attr:`~eduwb.load.Period.inputs`, taken before its files were read), else the registry and
    the period's export files as they are now."""
    return cache_key(inputs or period_fingerprint(data, year, period), f"eduwb-snapshot-{FORMAT}")


def snapshot(
    data: Path | str,
    year: str,
    period: str,
    *,
    cache: Path | str | None = None,
    refresh: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Snapshot:
    """The province-wide results of one period, from the cache when the inputs are unchanged."""
    data = Path(data).resolve()
    check_year_period(year, period)
    root = Path(cache) if cache is not None else cache_root()
    path = root / data_key(data) / year / f"{period}.pickle"
    stamp = fingerprint(data, year, period)
    if not refresh and path.exists():
        try:
            with path.open("rb") as fh:
                stored_stamp, snap = pickle.load(fh)
            if stored_stamp == stamp:
                return dataclasses.replace(snap, data=data)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError) as exc:
            log.warning("ignoring an unreadable cached snapshot %s (%s)", path, exc)
    snap = from_reconciliation(reconcile(data, year, period, progress=progress, cache=root))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as fh:
        pickle.dump((stamp, snap), fh, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)
    return snap

