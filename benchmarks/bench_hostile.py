"""Hostile input and output speed (issue 10 item 3, issue 11's end to end): time and peak memory.

Usage::

    .venv/bin/python benchmarks/bench_hostile.py [--rows 10000] [--only identical,crowded,province]

1. **identical**: the tiny sample with one school's vnEdu pupil list replaced by ``--rows``
   identical rows (generated here, never committed), reconciled by ``eduwb reconcile`` as a user
   runs it. Duplicate grouping is linear; the pairwise rule it replaced took 72 s for 3,000 rows.
2. **crowded**: :func:`eduwb.match.link` on ``--rows`` pupils a side who share one school and one
   birth date (a whole school's dates defaulted to one day): the date block holds rows² pairs and
   is not scored; the given-name block links them.
3. **province**: ``eduwb reconcile`` on each period of ``data/province`` (generated when missing),
   and, in one process, the load + reconcile and ``Reconciliation.write`` (the five files; the workbook
   alone) timed apart.

Each command runs in its own process; its peak memory is the process's maximum resident set size.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from province import PROVINCE, province_sample  # benchmarks/province.py

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EDUWB = [sys.executable, "-m", "eduwb.cli"]
YEAR = "2021-2022"


def run(cmd: list[str], **kw) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MiB) and exit status of a command."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - t0, usage.ru_maxrss / 1024, proc.returncode


def bench_identical(rows: int) -> None:
    from tests.hostile.sample_copy import PERIOD, STUDENTS_689015, copy_sample, rewrite_rows

    with tempfile.TemporaryDirectory() as tmp:
        data = copy_sample(Path(tmp) / "DATA")
        rewrite_rows(data / STUDENTS_689015, lambda body, head: [body[0]] * rows)
        for district in ("689", None):
            args = [*EDUWB, "-q", "reconcile", str(data), "--year", YEAR, "--period", PERIOD,
                    "--out", str(Path(tmp) / "out")]
            args += ["--district", district] if district else []
            seconds, mib, code = run(args)
            print(f"identical  {rows:>6,} identical pupils, {'district 689' if district else 'all'}:"
                  f" {seconds:6.2f} s, peak {mib:6.0f} MiB (exit {code})", flush=True)


CROWDED = """
import sys, time, resource
import pandas as pd
from eduwb.match import Comparison, link
n = int(sys.argv[1])
names = [f"Nguyễn Văn Tên{i:05d}" for i in range(n)]
left = pd.DataFrame({"school": 1, "dob": "2015-01-01", "name": names,
                     "given": [x.split()[-1].lower() for x in names]})
right = left.sample(frac=1.0, random_state=1).reset_index(drop=True)
t0 = time.perf_counter()
found = link(left, right, blocks=[["school", "dob"], ["school", "given"]],
             comparisons=[Comparison("name", "name", 4.0), Comparison("dob", "date", 3.0)],
             threshold=0.9)
print(len(found.links), round(time.perf_counter() - t0, 3))
"""


def bench_crowded(rows: int) -> None:
    out = subprocess.run([sys.executable, "-c", CROWDED, str(rows)], capture_output=True,
                         text=True, check=True)
    links, seconds = out.stdout.split()
    _, mib, _ = run([sys.executable, "-c", CROWDED, str(rows)])
    print(f"crowded    {rows:>6,} pupils a side, one birth date: {float(seconds):6.2f} s in link(),"
          f" {int(links):,} linked, peak {mib:6.0f} MiB", flush=True)


SPLIT = """
import sys, time
t0 = time.perf_counter()
from eduwb import pipeline as rec
from eduwb import outputs
t1 = time.perf_counter()
result = rec.reconcile(sys.argv[1], sys.argv[2], sys.argv[3])
t2 = time.perf_counter()
result.write(sys.argv[4])
t3 = time.perf_counter()
outputs.write_workbook(result, sys.argv[4] + "/again.xlsx")
t4 = time.perf_counter()
cells = sum(f.size for f in (result.discrepancies, result.indicators, result.period.load_report,
                             result.period.rejected))
print(f"{t1 - t0:.2f} {t2 - t1:.2f} {t3 - t2:.2f} {t4 - t3:.2f} {cells}")
"""


def bench_province() -> None:
    province_sample(PROVINCE)
    with tempfile.TemporaryDirectory() as tmp:
        for period in ("dau_nam", "cuoi_hk1", "cuoi_nam"):
            seconds, mib, code = run([*EDUWB, "-q", "reconcile", str(PROVINCE), "--year", YEAR,
                                      "--period", period, "--out", str(Path(tmp) / period)])
            print(f"province   eduwb reconcile {period:<8}: {seconds:6.2f} s, peak {mib:6.0f} MiB "
                  f"(exit {code})", flush=True)
        out = subprocess.run([sys.executable, "-c", SPLIT, str(PROVINCE), YEAR, "dau_nam",
                              str(Path(tmp) / "split")], capture_output=True, text=True,
                             check=True).stdout.split()
        imports, rec, write, book, cells = out
        print(f"province   dau_nam in one process: imports {imports} s, load + reconcile {rec} s, "
              f"Reconciliation.write {write} s (reconciliation.xlsx alone {book} s, "
              f"{int(cells):,} cells in the tables)", flush=True)
    for _i in range(3):
        seconds, _, _ = run([*EDUWB, "--help"])
        print(f"start-up   eduwb --help: {seconds:.2f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--only", default="identical,crowded,province")
    args = parser.parse_args()
    only = set(args.only.split(","))
    if "identical" in only:
        bench_identical(args.rows)
    if "crowded" in only:
        bench_crowded(args.rows)
    if "province" in only:
        bench_province()


if __name__ == "__main__":
    main()
