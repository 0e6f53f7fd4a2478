"""The previous period of the same school year, for the rules over time: a small summary of a
loaded period (present pupils' keys, counts per school), kept in memory and, given a cache folder,
on disk under a fingerprint of that period's inputs, so that a rerun does not load it again."""

from __future__ import annotations

import dataclasses
import logging
import pickle
from pathlib import Path

import numpy as np
import pandas as pd

from eduwb import vocab
from eduwb.cache import cache_key, data_key, period_fingerprint
from eduwb.checks.records import PreviousPupils, System
from eduwb.checks.rules import PREVIOUS_PERIOD
from eduwb.errors import EduwbError
from eduwb.load import Period, load_period

log = logging.getLogger(__name__)


def summarise(period: Period, views: dict[str, System] | None = None) -> PreviousPupils:
    """The summary of a loaded period that the next period's checks read (``views``: the
    systems' records already prepared by a run of the checks)."""
    views = dict(views or {})
    present_parts, list_parts = [], []
    for system in vocab.SYSTEMS:
        if system not in views:
            views[system] = System(period, system)
        v = views[system]
        s = v.frames["students"]
        schools = v.exported["students"]
        keyed = v.schools_carrying("students", (v.key, "status"))
        counted = v.schools_carrying("students", ("status",))
        present = v.present() & v.isin_schools("students", counted)
        key = s[v.key] if v.key in s else pd.Series(None, index=s.index, dtype=object)
        m = present & key.notna().to_numpy() & v.isin_schools("students", keyed)
        at = np.flatnonzero(m)
        cols = {"school_code": s["school_code"], "key": key,
                **{c: v.column("students", c) for c in ("moet_id", "full_name", "class_name",
                                                        "status")}}
        part = pd.DataFrame({c: col.iloc[at].astype("str").reset_index(drop=True)
                             for c, col in cols.items()})
        present_parts.append(part.assign(system=system)[["system", *cols]])
        order = sorted(schools)
        n = v.per_school("students", present, order)
        list_parts.append(pd.DataFrame({
            "system": system, "school_code": order,
            "keyed": [c in keyed for c in order], "counted": [c in counted for c in order],
            "present": n.to_numpy(dtype="int64"),
        }))
    return PreviousPupils(period.period, pd.concat(present_parts, ignore_index=True),
                          pd.concat(list_parts, ignore_index=True))


_MEMO: dict[tuple, PreviousPupils] = {}
_MEMO_SIZE = 6
CACHE_FORMAT = 1


def _period_key(data: Path, year: str, period: str, district: str | None,
                inputs: str | None = None) -> tuple | None:
    """The summary's key: the period and a stamp of its inputs, ``inputs`` when the period was
    loaded (:attr:`eduwb.load.Period.inputs`, taken before its files were read: a file changed
    during the run then makes the next run miss the cache, never reuse a stale summary)."""
    if not any((data / year / period / s).is_dir() for s in vocab.SYSTEMS):
        return None
    stamp = cache_key(inputs or period_fingerprint(data, year, period),
                      f"eduwb-checks-{CACHE_FORMAT}")
    return (str(data.resolve()), year, period, district or "", stamp)


def _cache_path(cache: Path | str, key: tuple) -> Path:
    data, year, period, district, _ = key
    name = f"{period}.checks{'-' + district if district else ''}.pickle"
    return Path(cache) / data_key(data) / year / name


def _store(key: tuple, summary: PreviousPupils, cache: Path | str | None) -> None:
    _MEMO[key] = summary
    while len(_MEMO) > _MEMO_SIZE:
        _MEMO.pop(next(iter(_MEMO)))
    if cache is None:
        return
    path = _cache_path(cache, key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            pickle.dump((key[-1], summary), fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
    except OSError as exc:
        log.warning("cannot write the checks cache %s (%s)", path, exc)


def _stored(key: tuple, cache: Path | str | None) -> PreviousPupils | None:
    if key in _MEMO:
        return _MEMO[key]
    if cache is None:
        return None
    path = _cache_path(cache, key)
    try:
        with path.open("rb") as fh:
            stamp, summary = pickle.load(fh)
    except FileNotFoundError:
        return None
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError,
            ValueError) as exc:
        log.warning("ignoring an unreadable checks cache %s (%s)", path, exc)
        return None
    if stamp != key[-1]:
        return None
    _MEMO[key] = summary
    return summary


def remember(period: Period, cache: Path | str | None = None,
             views: dict[str, System] | None = None) -> None:
    """Keep a loaded period's summary (memory, and ``cache`` on disk) for the next period's
    checks, when the period comes from a data folder."""
    if period.period not in PREVIOUS_PERIOD.values() or not Path(period.data).is_dir():
        return
    key = _period_key(Path(period.data), period.year, period.period, period.district,
                      period.inputs)
    if key is not None and _stored(key, cache) is None:
        _store(key, summarise(period, views), cache)


def previous_pupils(period: Period, *, cache: Path | str | None = None) -> PreviousPupils | None:
    """The summary of the previous period of the same school year, for ``period``'s checks:
    from memory, from ``cache`` when its inputs are unchanged, else loaded from ``period.data``
    (the registry of ``period``, the same district). None when there is no previous period or
    DATA has no export of it."""
    before = PREVIOUS_PERIOD.get(period.period)
    data = Path(period.data)
    if before is None or not data.is_dir():
        return None
    key = _period_key(data, period.year, before, period.district)
    if key is None:
        return None
    found = _stored(key, cache)
    if found is None and period.district:  # a province summary holds the district's schools
        whole = _stored((*key[:3], "", key[4]), cache)
        if whole is not None:
            found = _cut(whole, set(period.registry.schools_of(period.district)["school_code"]))
    if found is None:
        log.info("Đọc kỳ %s để kiểm tra học sinh mất khỏi danh sách", vocab.PERIOD_LABELS[before])
        try:
            loaded = load_period(data, period.year, before, district=period.district,
                                 registry=period.registry)
        except EduwbError as exc:  # the rules over time are then not applied, and said so
            log.warning("kỳ %s không đọc được (%s): không kiểm tra học sinh mất khỏi danh sách",
                        vocab.PERIOD_LABELS[before], exc)
            return None
        found = summarise(loaded)
        _store(key, found, cache)
    return found


def _cut(summary: PreviousPupils, schools: set[str]) -> PreviousPupils:
    return dataclasses.replace(
        summary,
        present=summary.present[summary.present["school_code"].isin(list(schools))]
        .reset_index(drop=True),
        lists=summary.lists[summary.lists["school_code"].isin(list(schools))]
        .reset_index(drop=True))
