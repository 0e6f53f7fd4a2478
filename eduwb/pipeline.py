"""One period reconciled: load → link and compare → indicators and explanation → data-entry
checks; the result writes the output files itself (:meth:`Reconciliation.write`).

``eduwb.reconcile(...)`` of the facade is :func:`reconcile` of this module."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from eduwb import vocab
from eduwb.checks import Checks, run_checks
from eduwb.compare import FINDING_COLUMNS, KindResult, compare_period, school_findings
from eduwb.explain import indicator_table
from eduwb.history import Recorded, unrecorded
from eduwb.load import Period, load_period
from eduwb.outputs import write_csv, write_workbook

SORT_KEYS = ["district_code", "school_code", "entity", "category", "field", "vnedu_id", "moet_id",
             "full_name", "vnedu_value", "csdl_value"]


@dataclass(frozen=True)
class Reconciliation:
    """The results of one period: findings (outputs.md columns) and indicators, as DataFrames.

    ``findings`` adds internal columns (``_kind``, ``_v``, ``_c``, ``_pair``) that point at the
    records in ``kinds[kind].vnedu`` / ``.csdl``; ``discrepancies`` is the contract's view.
    ``checks``: the data-entry checks of each system (checks.md), from the same load.
    """

    period: Period
    kinds: dict[str, KindResult]
    findings: pd.DataFrame
    indicators: pd.DataFrame
    checks: Checks | None = None

    @property
    def discrepancies(self) -> pd.DataFrame:
        """discrepancies.csv of outputs.md."""
        return self.findings[list(vocab.DISCREPANCY_COLUMNS)]

    @property
    def clean(self) -> bool:
        """True when the two systems agree (no finding at all)."""
        return self.findings.empty

    def summary(self) -> pd.DataFrame:
        """Findings counted by category and entity."""
        return (self.findings.groupby(["category", "entity"]).size().rename("findings")
                .reset_index())

    def write(self, out: Path | str, recorded: Recorded | None = None) -> list[Path]:
        """Write the files of outputs.md into ``out``; returns their paths.

        discrepancies.csv ends with finding_id, state and first_seen (spec/history.md) from
        ``recorded`` (:func:`eduwb.history.record_reconciliation`); without it, state and
        first_seen are empty. The checks write checks.csv and checks_skipped.csv
        (:meth:`eduwb.checks.Checks.write`).
        """
        out = Path(out)
        disc = (recorded.findings["discrepancies"] if recorded is not None
                else unrecorded("discrepancies", self.discrepancies))
        paths = [
            write_csv(disc, out / "discrepancies.csv"),
            write_csv(self.indicators, out / "indicators.csv"),
            write_csv(self.period.load_report, out / "load_report.csv"),
            write_csv(self.period.rejected, out / "rejected_rows.csv"),
            write_workbook(self, out / "reconciliation.xlsx"),
        ]
        if self.checks is not None:
            paths += self.checks.write(out, recorded)
        return paths


def reconcile_period(period: Period, *, cache: Path | str | None = None) -> Reconciliation:
    """Compare a loaded period, explain its indicator gaps and check each system's data entry
    (``cache``: where the checks keep the previous period's summary on disk)."""
    kinds = compare_period(period)
    parts = [r.findings for r in kinds.values()] + [school_findings(period)]
    findings = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(
        len(p) for p in parts) else pd.DataFrame(columns=list(FINDING_COLUMNS))
    findings = findings.sort_values(SORT_KEYS, kind="stable", ignore_index=True)
    table = indicator_table(period, kinds, findings)
    return Reconciliation(period, kinds, findings, table, run_checks(period, cache=cache))


def reconcile(
    data: Path | str,
    year: str,
    period: str,
    *,
    district: str | None = None,
    progress: Callable[[str], None] | None = None,
    cache: Path | str | None = None,
) -> Reconciliation:
    """Load one period of both systems and reconcile it."""
    return reconcile_period(load_period(data, year, period, district=district, progress=progress),
                            cache=cache)
