"""The history store: recording a province run, and `eduwb progress` over a year of daily runs.

    .venv/bin/python benchmarks/bench_history.py [--runs 30] [--findings 5000]

Targets (spec/history.md): recording a province run adds under 1 s; `progress` over a year of daily
province runs (3 periods × 30 runs × ≈5k findings) answers in under 2 s.

The store is filled with province-shaped runs: the sample province's registry (192 schools, 11
districts, its sign-off ledger), ≈5k findings a run with the columns of discrepancies.csv (each day
about 4 % fixed and as many new), and every indicator cell of the catalogue for every unit
(≈19k rows a run), vnEdu figures moving at a few schools a day. Timed: ``record_run`` of one run into
a store that already holds a year; ``progress_report`` (what `eduwb progress` computes: the series,
progress.csv, changes.csv, after_signoff.csv) for one period, then the summary; each best of 3.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eduwb import indicators as catalogue  # noqa: E402
from eduwb import vocab  # noqa: E402
from eduwb.history import db, progress_report, record_run  # noqa: E402
from eduwb.registry import load_registry  # noqa: E402

YEAR = "2021-2022"
FIRST_DAY = {"dau_nam": dt.date(2021, 8, 22), "cuoi_hk1": dt.date(2021, 12, 16),
             "cuoi_nam": dt.date(2022, 4, 21)}
CATEGORIES = ("field_mismatch", "only_in_vnedu", "only_in_csdl", "missing_moet_id",
              "duplicate_in_csdl")
FIELDS = ("full_name", "dob", "sex", "ethnicity", "class_name", "status")


def _registry(folder: Path) -> pd.DataFrame:
    from eduwb.sample.population import build_world
    from eduwb.sample.registry import write_registry

    write_registry(build_world(2021, "province"), folder)
    return load_registry(folder).schools[["school_code", "district_code"]]


def _finding(rng: random.Random, period: str, school: str, district: str, n: int) -> tuple:
    category = rng.choice(CATEGORIES)
    field = rng.choice(FIELDS) if category == "field_mismatch" else ""
    return (YEAR, period, district, school, "student", category, field, f"HS{n:08d}",
            f"70{n:08d}", f"Nguyễn Văn {n}", "2014-01-02", "2014-02-01",
            "Kiểm tra trên vnEdu rồi đồng bộ lại")


def _indicators(units: pd.DataFrame, period: str, pupils: dict[str, int]) -> pd.DataFrame:
    cells = [(ind.id, cell) for ind in catalogue.for_period(period)
             for cell in catalogue.cells(ind)]
    rows = []
    for level, code, _ in units.itertuples(index=False):
        base = pupils.get(code, 300)
        rows += [(level, code, ind, cell, base + i % 7, base + i % 5, i % 7 - i % 5, i % 7 - i % 5)
                 for i, (ind, cell) in enumerate(cells)]
    frame = pd.DataFrame(rows, columns=["level", "unit_code", "indicator", "breakdown", "vnedu",
                                        "csdl", "diff", "explained"])
    return frame.astype({c: "Int64" for c in ("vnedu", "csdl", "diff", "explained")})


def _units(schools: pd.DataFrame) -> pd.DataFrame:
    rows = [("province", vocab.PROVINCE_CODE, "")]
    rows += [("district", d, d) for d in sorted(set(schools["district_code"]))]
    rows += [("school", s, d) for s, d in sorted(zip(schools["school_code"],
                                                     schools["district_code"], strict=True))]
    return pd.DataFrame(rows, columns=["level", "unit_code", "district_code"])


def fill(store: Path, schools: pd.DataFrame, runs: int, size: int) -> list[float]:
    """Record ``runs`` daily runs of each period; returns each recording's seconds."""
    rng = random.Random(2021)
    units = _units(schools)
    codes = list(zip(schools["school_code"], schools["district_code"], strict=True))
    serial = 0
    times = []
    for period in vocab.PERIODS:
        open_rows = []
        for _ in range(size):
            serial += 1
            open_rows.append(_finding(rng, period, *rng.choice(codes), serial))
        pupils = {code: 300 for code, _ in codes}
        for day in range(runs):
            keep = [r for r in open_rows if rng.random() > 0.04]
            for _ in range(size - len(keep)):
                serial += 1
                keep.append(_finding(rng, period, *rng.choice(codes), serial))
            open_rows = keep
            for code, _ in rng.sample(codes, 3):
                pupils[code] += rng.choice((-1, 1))
            frame = pd.DataFrame(open_rows, columns=list(vocab.DISCREPANCY_COLUMNS))
            t0 = time.perf_counter()
            record_run(store, year=YEAR, period=period, scope="province",
                       as_of=FIRST_DAY[period] + dt.timedelta(days=day), fingerprint=f"{day}",
                       findings={"discrepancies": frame},
                       indicators=_indicators(units, period, pupils), units=units)
            times.append(time.perf_counter() - t0)
    return times


def best(fn, repeat: int = 3) -> float:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return min(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="daily runs per period (default 30)")
    parser.add_argument("--findings", type=int, default=5000, help="findings a run (default 5000)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="eduwb-bench-history-") as tmp:
        data = Path(tmp) / "DATA"
        schools = _registry(data)
        store = Path(tmp) / "history.duckdb"
        t0 = time.perf_counter()
        times = fill(store, schools, args.runs, args.findings)
        total = time.perf_counter() - t0
        size = store.stat().st_size / 2**20
        print(f"filled {len(times)} province runs ({args.findings} findings, "
              f"{len(_units(schools))} units a run) in {total:.1f} s; store {size:.0f} MiB")
        times.sort()
        print(f"record a province run: median {times[len(times) // 2]:.3f} s, "
              f"90th percentile {times[int(len(times) * 0.9)]:.3f} s, max {times[-1]:.3f} s "
              "(target < 1 s)")
        one = {}

        def report() -> None:
            one["r"] = progress_report(data, YEAR, "dau_nam", history=store)

        seconds = best(report)
        r = one["r"]
        print(f"progress, one period over {len(r.series.runs)} runs "
              f"({len(r.series.presence)} finding rows): {seconds:.3f} s (target < 2 s); "
              f"progress.csv {len(r.progress)} rows, changes.csv {len(r.changes)}, "
              f"after_signoff.csv {len(r.after_signoff)} ({r.after_signoff['unit_code'].nunique()}"
              " units)")
        seconds = best(lambda: r.summary())
        print(f"  + summary: {seconds:.3f} s")
        seconds = best(lambda: [progress_report(data, YEAR, p, history=store)
                                for p in vocab.PERIODS])
        print(f"progress, all three periods one after the other: {seconds:.3f} s")
        with db.connect(store, write=False) as con:
            n = con.execute("SELECT count(*) FROM discrepancies").fetchone()[0]
        print(f"store holds {n} finding rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
