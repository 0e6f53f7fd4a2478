"""A history store with several runs, for the views' tests: the sample's start of the year exported
on three days (:func:`eduwb.sample.days.write_days`, from a copy of the committed tiny sample), each
day reconciled and recorded as a province run, as the nightly batch does.

Built once per test session (about 6 s) under pytest's base temporary folder; the ground truth of
the days (``DAYS/_truth``) says what each day fixed, what appeared and which school changed its
vnEdu figures after signing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
YEAR, PERIOD = "2021-2022", "dau_nam"
DAYS = (dt.date(2021, 9, 10), dt.date(2021, 9, 13), dt.date(2021, 9, 15))


@dataclass(frozen=True)
class DaysHistory:
    """The days' DATA folders, the store holding one province run per day, and the cache."""

    root: Path
    store: Path
    cache: Path

    def data(self, day: dt.date = DAYS[-1]) -> Path:
        """One day's DATA folder (default: the last day)."""
        return self.root / day.isoformat()

    def truth(self, name: str) -> pd.DataFrame:
        """A ground-truth file of the days (``after_signoff.csv``, ``events.csv``...)."""
        return pd.read_csv(self.root / "_truth" / name, dtype=str, keep_default_na=False,
                           encoding="utf-8-sig")


def days_history(base: Path) -> DaysHistory:
    """The days and their store under ``base`` (made on the first call, reused after)."""
    from eduwb import store
    from eduwb.sample.days import write_days

    root, done = base / "days" / "data", base / "days" / ".done"
    built = DaysHistory(root, base / "days" / "history.duckdb", base / "days" / "cache")
    if done.exists():
        return built
    write_days(root, seed=2021, size="tiny", period=PERIOD, sample=SAMPLE)
    for day in DAYS:
        snap = store.snapshot(built.data(day), YEAR, PERIOD, cache=built.cache)
        recorded = snap.record(built.store)
        assert recorded is not None and recorded.added and recorded.run.as_of == day
    done.touch()
    return built
