"""`eduwb reconcile` end to end, as a user runs it, against the bare read of the same files.

    .venv/bin/python benchmarks/bench_cli.py [--data data/province] [--period dau_nam] [--runs 3]

Each run starts a fresh process, so the interpreter start, the imports, the load, the
reconciliation and the output files (CSV and reconciliation.xlsx) all count:
  floor      python -c: import python_calamine, read every cell of every sheet of the period's
             workbooks (.xlsx, .xls, .ods; both systems), nothing else; and the floor of every
             file: the same, plus every cell of the HTML files saved as .xls (lxml) and of the CSV
             files (csv module): what eduwb reads too, which calamine cannot;
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

from province import PROVINCE, province_sample  # benchmarks/province.py

ROOT = Path(__file__).resolve().parent.parent
FLOOR = """
import csv, io, sys
from pathlib import Path
import python_calamine as pc
from lxml import etree
all_files = sys.argv[2] == "all"
rows = 0
parser = etree.HTMLParser()
for system in ("vnedu", "csdl"):
    for path in sorted((Path(sys.argv[1]) / system).rglob("*")):
        suffix = path.suffix.lower()
        if not path.is_file() or suffix not in (".xlsx", ".xls", ".ods", ".csv", ".htm", ".html"):
            continue
        with path.open("rb") as fh:
            head = fh.read(8)
        if head.startswith((b"PK\\x03\\x04", b"\\xd0\\xcf\\x11\\xe0")):
            try:
                book = pc.CalamineWorkbook.from_path(str(path))
            except Exception:  # damaged or password-protected
                continue
            for name in book.sheet_names:
                rows += len(book.get_sheet_by_name(name).to_python())
        elif not all_files:
            continue
        elif suffix == ".csv":  # every cell as text
            data = path.read_bytes()
            try:
                content = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                content = data.decode("cp1258", errors="replace")
            rows += sum(1 for _ in csv.reader(io.StringIO(content)))
        else:  # HTML saved as .xls: every cell's text
            doc = etree.fromstring(path.read_bytes(), parser)
            for tr in doc.iter("tr"):
                [("".join(td.itertext())) for td in tr]
                rows += 1
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
    parser.add_argument("--data", type=Path, default=PROVINCE)
    parser.add_argument("--year", default="2021-2022")
    parser.add_argument("--period", default="dau_nam")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    eduwb = Path(sys.executable).parent / "eduwb"
    province_sample(args.data)
    folder = str(args.data / args.year / args.period)
    floor_argv = [sys.executable, "-c", FLOOR, folder, "workbooks"]
    all_argv = [sys.executable, "-c", FLOOR, folder, "all"]
    floors, alls, runs = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        # As a user runs it: recording the run in a history store (its own, not the user's).
        cli_argv = [str(eduwb), "-q", "reconcile", str(args.data), "--year", args.year,
                    "--period", args.period, "--out", str(Path(tmp) / "out"),
                    "--history", str(Path(tmp) / "history.duckdb")]
        for _ in range(args.runs):
            floors.append(_measure(floor_argv))
            alls.append(_measure(all_argv))
            run = _measure(cli_argv)
            if run["code"] not in (0, 1):
                raise SystemExit(f"eduwb reconcile failed ({run['code']}): {run['err']}")
            runs.append(run)
            time.sleep(0.5)
    floor = statistics.median(r["seconds"] for r in floors)
    floor_all = statistics.median(r["seconds"] for r in alls)
    cli = statistics.median(r["seconds"] for r in runs)
    print(f"Province sample {args.data}, {args.year} {args.period}; {args.runs} runs each, "
          "alternating; medians")
    print(f"rows read by the floors: workbooks {floors[0]['out'].strip()}, "
          f"every file {alls[0]['out'].strip()}")
    print(f"{'measurement':<46}{'seconds':>9}{'peak MiB':>10}")
    print(f"{'bare read: calamine, every cell (floor)':<46}{floor:>9.2f}"
          f"{max(r['peak_mib'] for r in floors):>10.0f}")
    print(f"{'bare read of every file (+ HTML, CSV)':<46}{floor_all:>9.2f}"
          f"{max(r['peak_mib'] for r in alls):>10.0f}")
    print(f"{'eduwb reconcile, end to end':<46}{cli:>9.2f}"
          f"{max(r['peak_mib'] for r in runs):>10.0f}")
    print(f"{'  ratio to the workbook floor':<46}{cli / floor:>9.2f}")
    print(f"{'  ratio to the floor of every file (target <= 2.5)':<46}{cli / floor_all:>9.2f}")
    print("runs (workbook floor / every file / reconcile): " + ", ".join(
        f"{f['seconds']:.2f} / {a['seconds']:.2f} / {r['seconds']:.2f}"
        for f, a, r in zip(floors, alls, runs, strict=True)))


if __name__ == "__main__":
    main()
