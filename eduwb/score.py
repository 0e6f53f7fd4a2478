"""Score a reconciliation against a sample's ground truth (``DATA/_truth/``).

A finding matches a truth row when period, category, entity, school, field, vnEdu code, MOET code
and folded name agree (and, for school findings, which system's value is empty); rows are matched as
multisets, so two identical duplicate rows need two findings.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from eduwb import text, vocab
from eduwb.pipeline import Reconciliation


@dataclass(frozen=True)
class Score:
    """Per-category precision and recall plus the invariants checked on indicators."""

    table: pd.DataFrame  # category, truth, found, matched, precision, recall
    unexplained_rows: int  # indicator rows where explained != diff
    hs_tong_mismatches: int  # school×grade×sex hs_tong counts that differ from the truth
    missed: pd.DataFrame
    spurious: pd.DataFrame


def _keys(frame: pd.DataFrame) -> list[tuple]:
    out = []
    for r in frame.fillna("").astype(str).itertuples(index=False):
        d = r._asdict()
        side = (d["vnedu_value"] == "", d["csdl_value"] == "") if d["entity"] == "school" else ()
        out.append((d["period"], d["category"], d["entity"], d["school_code"], d["field"],
                    d["vnedu_id"], d["moet_id"], text.fold_case(d["full_name"]), side))
    return out


def truth_discrepancies(data: Path, year: str, period: str) -> pd.DataFrame:
    """The truth's discrepancies.csv for one period."""
    path = Path(data) / "_truth" / year / period / "discrepancies.csv"
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def score(data: Path, results: list[Reconciliation]) -> Score:
    """Compare findings with the truth over several periods."""
    found: Counter = Counter()
    truth: Counter = Counter()
    found_rows, truth_rows = {}, {}
    unexplained = 0
    hs_bad = 0
    for res in results:
        mine = res.discrepancies
        want = truth_discrepancies(data, res.period.year, res.period.period)
        for k, row in zip(_keys(mine), mine.itertuples(index=False), strict=True):
            found[k] += 1
            found_rows[k] = row
        for k, row in zip(_keys(want), want.itertuples(index=False), strict=True):
            truth[k] += 1
            truth_rows[k] = row
        ind = res.indicators
        both = ind["diff"].notna()
        unexplained += int((ind.loc[both, "diff"] != ind.loc[both, "explained"]).sum())
        hs_bad += _hs_tong_mismatches(res, data)
    matched = found & truth
    rows = []
    for cat in vocab.CATEGORIES:
        t = sum(n for k, n in truth.items() if k[1] == cat)
        f = sum(n for k, n in found.items() if k[1] == cat)
        m = sum(n for k, n in matched.items() if k[1] == cat)
        rows.append((cat, t, f, m, m / f if f else 1.0, m / t if t else 1.0))
    table = pd.DataFrame(rows, columns=["category", "truth", "found", "matched", "precision",
                                        "recall"])
    missed = pd.DataFrame([truth_rows[k] for k in (truth - found)])
    spurious = pd.DataFrame([found_rows[k] for k in (found - truth)])
    return Score(table, unexplained, hs_bad, missed, spurious)


def _hs_tong_mismatches(res: Reconciliation, data: Path) -> int:
    path = Path(data) / "_truth" / res.period.year / res.period.period / "hs_tong.csv"
    if not path.exists():
        return 0
    want = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    ind = res.indicators
    ind = ind[(ind["level"] == "school") & (ind["indicator"] == "hs_tong")]
    got = {}
    for r in ind.itertuples(index=False):
        for system in vocab.SYSTEMS:
            value = getattr(r, system)
            if pd.notna(value):
                got[(system, r.unit_code, r.breakdown)] = int(value)
    bad = 0
    for r in want.itertuples(index=False):
        d = r._asdict()
        cell = f"grade={d['grade']};sex={d['sex']}"
        if got.get((d["system"], d["school_code"], cell)) != int(d["count"]):
            bad += 1
    return bad


# --- data-entry checks --------------------------------------------------------------------------------

CHECK_KEY = ("period", "system", "school_code", "rule", "field", "record_key")


def truth_checks(data: Path, year: str, period: str) -> pd.DataFrame:
    """The truth's checks.csv for one period."""
    path = Path(data) / "_truth" / year / period / "checks.csv"
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


@dataclass(frozen=True)
class CheckScore:
    """Per-rule precision and recall of checks against the truth's checks.csv."""

    table: pd.DataFrame  # rule, truth, found, matched, precision, recall
    missed: pd.DataFrame
    spurious: pd.DataFrame


def score_checks(data: Path, found_frames: list[pd.DataFrame], year: str,
                 rules: tuple[str, ...]) -> CheckScore:
    """Compare checks.csv frames (one per period) with the truth, as multisets of
    (period, system, school, rule, field, record key)."""
    found: Counter = Counter()
    truth: Counter = Counter()
    rows_f, rows_t = {}, {}
    for frame in found_frames:
        for period in sorted(set(frame["period"])):
            want = truth_checks(data, year, period)
            for k, r in zip(want[list(CHECK_KEY)].itertuples(index=False, name=None),
                            want.itertuples(index=False), strict=True):
                truth[k] += 1
                rows_t[k] = r
        mine = frame.fillna("").astype(str)
        for k, r in zip(mine[list(CHECK_KEY)].itertuples(index=False, name=None),
                        mine.itertuples(index=False), strict=True):
            found[k] += 1
            rows_f[k] = r
    matched = found & truth
    table = []
    for rule in rules:
        t = sum(n for k, n in truth.items() if k[3] == rule)
        f = sum(n for k, n in found.items() if k[3] == rule)
        m = sum(n for k, n in matched.items() if k[3] == rule)
        table.append((rule, t, f, m, m / f if f else 1.0, m / t if t else 1.0))
    return CheckScore(pd.DataFrame(table, columns=["rule", "truth", "found", "matched",
                                                   "precision", "recall"]),
                      pd.DataFrame([rows_t[k] for k in (truth - found)]),
                      pd.DataFrame([rows_f[k] for k in (found - truth)]))
