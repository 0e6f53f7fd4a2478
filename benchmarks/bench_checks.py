"""What the data-entry checks add to a reconciliation: province sample and 9M pupils.

Usage::

    .venv/bin/python benchmarks/bench_checks.py [--only province,national] [--pupils 9000000]

1. **province**: on ``data/province`` (generated when missing), ``run_checks`` on each loaded
   period, the previous period's summary already in memory as in a reconcile run after the
   previous period (best and median of 5), beside ``reconcile_period`` without the checks; then the
   cost of the previous period's summary when it is not in memory: loaded from the exports (cold)
   and read from the on-disk cache (warm).
2. **national**: ``run_checks`` on the canonical tables of ``benchmarks/national.py`` (9M pupils a
   side by default) in a child process, as an end-of-semester period whose previous period holds
   the same pupils plus 0.1 % who vanished: time, findings, peak RSS.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from province import PROVINCE, province_sample  # benchmarks/province.py

ROOT = Path(__file__).resolve().parent.parent
YEAR = "2021-2022"
RUNS = 5


def _timed(func, runs: int = RUNS) -> tuple[float, float, object]:
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times), out


def bench_province() -> None:
    from eduwb import checks, vocab
    from eduwb import pipeline as rec
    from eduwb.checks import previous
    from eduwb.load import load_period

    province_sample(PROVINCE)
    print("## Province sample: what the checks add to a reconcile (seconds)")
    print(f"{'period':<10} {'pupils':>7} {'reconcile w/o checks':>21} {'checks':>14} "
          f"{'findings':>9} {'not applied':>12}")
    real = rec.run_checks
    loaded = {}
    for period in vocab.PERIODS:
        p = loaded[period] = load_period(PROVINCE, YEAR, period)
        real(p)  # fills the summary the next period reads, as a reconcile of this period does
        rec.run_checks = lambda period, **kw: None
        try:
            best_r, med_r, _ = _timed(lambda p=p: rec.reconcile_period(p), 3)
        finally:
            rec.run_checks = real
        best, med, c = _timed(lambda p=p: checks.run_checks(p))
        pupils = int((p.tables["students"]["system"] == "vnedu").sum())
        print(f"{period:<10} {pupils:>7} {best_r:>9.2f} (med {med_r:.2f}) {best:>5.2f} "
              f"(med {med:.2f}) {len(c.findings):>9} {len(c.skipped):>12}", flush=True)
    hk1 = loaded["cuoi_hk1"]
    with tempfile.TemporaryDirectory() as cache:
        previous._MEMO.clear()
        t0 = time.perf_counter()
        checks.previous_pupils(hk1, cache=cache)
        cold = time.perf_counter() - t0
        previous._MEMO.clear()
        t0 = time.perf_counter()
        checks.previous_pupils(hk1, cache=cache)
        warm = time.perf_counter() - t0
    print(f"previous period (dau_nam) for cuoi_hk1's checks when not in memory: loaded from the "
          f"exports {cold:.2f} s; from the on-disk cache {warm:.2f} s", flush=True)


def national_run(pupils: int) -> dict:
    """In the child: the period, a previous period's summary, run_checks timed."""
    import dataclasses
    import resource

    import pandas as pd

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import national

    from eduwb import checks

    t0 = time.perf_counter()
    period = dataclasses.replace(national.read_period(pupils), period="cuoi_hk1")
    read_s = time.perf_counter() - t0
    prev = checks.summarise(period)
    gone = prev.present.sample(frac=0.001, random_state=1).assign(
        key=lambda f: "GONE" + f["key"].astype(str))
    prev = dataclasses.replace(prev, period="dau_nam",
                               present=pd.concat([prev.present, gone], ignore_index=True))
    t0 = time.perf_counter()
    result = checks.run_checks(period, previous=prev)
    secs = time.perf_counter() - t0
    return {"pupils": pupils, "read_s": round(read_s, 1), "checks_s": round(secs, 1),
            "findings": len(result.findings), "not_applied": len(result.skipped),
            "by_rule": result.findings["rule"].value_counts().to_dict(),
            "peak_gib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2)}


def bench_national(pupils: int) -> None:
    script = Path(__file__).resolve().parent / "national.py"
    cache = Path(__file__).resolve().parent / ".cache" / f"national_{pupils}"
    if not (cache / "facilities.parquet").exists():
        print(f"generating {pupils} pupils (benchmarks/national.py gen) ...", flush=True)
        subprocess.run([sys.executable, str(script), "gen", "--pupils", str(pupils)], check=True)
    out = subprocess.run([sys.executable, __file__, "--child", str(pupils)], check=True,
                         capture_output=True, text=True).stdout
    r = json.loads(out.strip().splitlines()[-1])
    print(f"\n## National scale: {r['pupils']:,} pupils a side")
    print(f"run_checks {r['checks_s']} s (reading the tables {r['read_s']} s), "
          f"{r['findings']:,} findings, {r['not_applied']:,} not applied, "
          f"peak RSS {r['peak_gib']} GiB")
    print("findings by rule: " + ", ".join(f"{k} {v:,}" for k, v in sorted(r["by_rule"].items())))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="province,national")
    parser.add_argument("--pupils", type=int, default=9_000_000)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(national_run(args.child)))
        return 0
    only = set(args.only.split(","))
    if "province" in only:
        bench_province()
    if "national" in only:
        bench_national(args.pupils)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
