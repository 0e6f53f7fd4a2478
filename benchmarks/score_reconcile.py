"""Score reconcile_period against a sample's ground truth, all three periods.

Usage: ``.venv/bin/python benchmarks/score_reconcile.py [DATA]`` (default ``data/province``,
generated with ``eduwb sample DATA --size province`` when missing). Prints per-category precision
and recall from :func:`eduwb.score.score`, the indicator rows where explained != diff and the
hs_tong cells that differ from the truth.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from province import PROVINCE, province_sample  # benchmarks/province.py

from eduwb import vocab
from eduwb.load import load_period
from eduwb.pipeline import reconcile_period
from eduwb.score import score

YEAR = "2021-2022"


def main(argv: list[str]) -> int:
    data = province_sample(Path(argv[0]) if argv else PROVINCE)
    results = []
    for period in vocab.PERIODS:
        t0 = time.perf_counter()
        loaded = load_period(data, YEAR, period)
        t1 = time.perf_counter()
        results.append(reconcile_period(loaded))
        t2 = time.perf_counter()
        print(f"{period}: load {t1 - t0:.1f} s, reconcile {t2 - t1:.1f} s", flush=True)
    s = score(data, results)
    print(s.table.to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    print(f"indicator rows with explained != diff: {s.unexplained_rows}")
    print(f"hs_tong mismatches against the truth: {s.hs_tong_mismatches}")
    perfect = (s.table["precision"] == 1).all() and (s.table["recall"] == 1).all()
    return 0 if perfect and s.unexplained_rows == 0 and s.hs_tong_mismatches == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
