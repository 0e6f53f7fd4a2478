"""Score the data-entry checks against a sample's ground truth, all three periods, every rule.

Usage: ``.venv/bin/python benchmarks/score_checks.py [DATA]`` (default ``data/province``, generated
with ``eduwb sample DATA --size province`` when missing). Prints per-rule truth, found, matched,
precision and recall (:func:`eduwb.score.score_checks`), then the rows missed and found in excess.
Exit 0 when precision = recall = 1 for every rule.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from province import PROVINCE, province_sample  # benchmarks/province.py

from eduwb import vocab
from eduwb.checks import RULE_IDS, run_checks
from eduwb.load import load_period
from eduwb.score import score_checks

YEAR = "2021-2022"


def main(argv: list[str]) -> int:
    data = province_sample(Path(argv[0]) if argv else PROVINCE)
    frames = []
    with tempfile.TemporaryDirectory() as cache:  # previous periods from memory, not a stale cache
        for period in vocab.PERIODS:
            t0 = time.perf_counter()
            loaded = load_period(data, YEAR, period)
            t1 = time.perf_counter()
            checks = run_checks(loaded, cache=cache)
            t2 = time.perf_counter()
            print(f"{period}: load {t1 - t0:.1f} s, checks {t2 - t1:.2f} s, "
                  f"{len(checks.findings)} findings, {len(checks.skipped)} not applied", flush=True)
            frames.append(checks.frame)
    s = score_checks(data, frames, YEAR, RULE_IDS)
    print(s.table.to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    for name, rows in (("missed", s.missed), ("spurious", s.spurious)):
        if len(rows):
            print(f"{name}: {len(rows)}")
            print(rows.head(20).to_string(index=False))
    perfect = (s.table["precision"] == 1).all() and (s.table["recall"] == 1).all()
    return 0 if perfect else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
