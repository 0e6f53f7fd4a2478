"""`eduwb reconcile` end to end, as a user runs it, against the bare read of the same files.

    .venv/bin/python benchmarks/bench_cli.py [--data data/province] [--period dau_nam] [--runs 3]

Each run starts a fresh process, so the interpreter start, the imports, the load, the
reconciliation and the output files (CSV and reconciliation.xlsx) all count:
  floor      python -c: import python_calamine, read every cell of every sheet of the period's
             workbooks (.xlsx, .xls, .ods; both systems), nothing else;
  reconcile  eduwb reconcile DATA --year --period --out TMP --history TMP/history.duckdb (the
             installed command, recording its run as a user's does: the first run records it, the
             others find it recorded).
The two alternate, ``--runs`` times each; the figures are medians (wall seconds) and the ratio of
the medians (target <= 2.5), with each command's peak memory (largest process, MiB).
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

ROOT = Path(__file__).resolve().parent.parent
FLOOR = """
import sys
from pathlib import Path
import python_calamine as pc
rows = 0
for system in ("vnedu", "csdl"):
    for path in sorted((Path(sys.argv[1]) / system).rglob("*")):
        if not path.is_file() or path.suffix.lower() not in (".xlsx", ".xls", ".ods"):
            continue
        with path.open("rb") as fh:
            if fh.read(4) not in (b"PK\\x03\\x04", b"\\xd0\\xcf\\x11\\xe0"):
                continue  # vnEdu's HTML saved as .xls is not a workbook
        try:
            book = pc.CalamineWorkbook.from_path(str(path))
        except Exception:  # damaged or password-protected
            continue
        for name in book.sheet_names:
            rows += len(book.get_sheet_by_name(name).to_python())
print(rows)
"""
MEASURE = """
import json, resource, subprocess, sys, time
t0 = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mib": peak, "code": done.returncode,
                  "out": done.stdout[-2000:], "err": done.stderr[-2000:]}))
"""


def _measure(argv: list[str]) -> dict:
    """Run ``argv`` in a fresh process; wall seconds and its peak RSS (children included)."""
    out = subprocess.run([sys.executable, "-c", MEASURE, *argv], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "province")
    parser.add_argument("--year", default="2021-2022")
    parser.add_argument("--period", default="dau_nam")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    eduwb = Path(sys.executable).parent / "eduwb"
    if not (args.data / "danh_muc" / "truong.xlsx").exists():
        subprocess.run([str(eduwb), "sample", str(args.data), "--size", "province"], check=True)
    floor_argv = [sys.executable, "-c", FLOOR, str(args.data / args.year / args.period)]
    floors, runs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        # As a user runs it: recording the run in a history store (its own, not the user's).
        cli_argv = [str(eduwb), "-q", "reconcile", str(args.data), "--year", args.year,
                    "--period", args.period, "--out", str(Path(tmp) / "out"),
                    "--history", str(Path(tmp) / "history.duckdb")]
        for _ in range(args.runs):
            floors.append(_measure(floor_argv))
            run = _measure(cli_argv)
            if run["code"] not in (0, 1):
                raise SystemExit(f"eduwb reconcile failed ({run['code']}): {run['err']}")
            runs.append(run)
            time.sleep(0.5)
    floor = statistics.median(r["seconds"] for r in floors)
    cli = statistics.median(r["seconds"] for r in runs)
    print(f"Province sample {args.data}, {args.year} {args.period}; {args.runs} runs each, "
          "alternating; medians")
    print(f"workbook rows read by the floor: {floors[0]['out'].strip()}")
    print(f"{'measurement':<46}{'seconds':>9}{'peak MiB':>10}")
    print(f"{'bare read: calamine, every cell (floor)':<46}{floor:>9.2f}"
          f"{max(r['peak_mib'] for r in floors):>10.0f}")
    print(f"{'eduwb reconcile, end to end':<46}{cli:>9.2f}"
          f"{max(r['peak_mib'] for r in runs):>10.0f}")
    print(f"{'  ratio to the floor (target <= 2.5)':<46}{cli / floor:>9.2f}")
    print("runs (floor / reconcile): " + ", ".join(
        f"{f['seconds']:.2f} / {r['seconds']:.2f}" for f, r in zip(floors, runs, strict=True)))


if __name__ == "__main__":
    main()
