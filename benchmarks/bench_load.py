"""Loading speed and memory on the province sample, side by side in one run.

    .venv/bin/python benchmarks/bench_load.py [--data data/province] [--period dau_nam]
                                              [--openpyxl-files N] [--repeat 3]
                                              [--shape province|csdl16|html|tcvn3]

For the workbooks (.xlsx, real .xls and .ods, district-level files included; not vnEdu's HTML
saved as .xls) of one period, both systems:
  floor    python-calamine reading every cell of every sheet and nothing else;
  eduwb    read_table + normalise (find sheet, header, footer, school; canonical values; row account)
           in one process, and as load_period does it (one process per core, at most 2);
  openpyxl pandas.read_excel(engine="openpyxl") of every sheet (.xlsx only: openpyxl reads no .xls),
           on the first N .xlsx files (default all), compared with eduwb on the same N files.
``--shape`` measures other province shapes, each a district-size sample generated once into
``data/bench-SHAPE``: ``csdl16`` every CSDL workbook with 16 category sheets, ``html`` every vnEdu
list an HTML table saved as .xls, ``tcvn3`` staff and class lists in TCVN3 far more often.
Then the whole ``load_period`` (all formats) for the period. Each measurement runs in its own
process, so its peak RSS is its own; imports are done before the clock starts (bench_cli.py times
a command as a user runs it). The floor and the eduwb measurements alternate ``--repeat`` times
and the figures are medians (a shared machine's noise is large). The province sample is
generated first if it is missing.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from province import PROVINCE, province_sample  # benchmarks/province.py

ROOT = Path(__file__).resolve().parent.parent


def _files(data: Path, year: str, period: str, suffixes: tuple[str, ...]) -> list[Path]:
    from eduwb.read import find_export_files

    out = []
    for system in ("vnedu", "csdl"):
        out += [p for p in find_export_files(data / year / period / system)
                if p.suffix.lower() in suffixes]
    return out


def _measure(kind: str, data: str, year: str, period: str, limit: int) -> dict:
    """Run one measurement in this process; returns seconds, rows and peak RSS."""
    data_p = Path(data)
    # Files calamine can read (zip or OLE workbooks: .xlsx, .xls, .ods, district-level files
    # included; vnEdu's HTML-as-.xls and CSV files are not workbooks).
    excel = [p for p in _files(data_p, year, period, (".xlsx", ".xls", ".ods"))
             if p.read_bytes()[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")]
    xlsx = [p for p in excel if p.suffix.lower() == ".xlsx"][:limit] if limit else []
    rows = 0
    from python_calamine import CalamineWorkbook

    if kind != "floor":
        import pandas  # noqa: F401 - imported before the clock, as the floor's calamine is

        from eduwb.load import load_period, read_files
        from eduwb.registry import load_registry
    t0 = time.perf_counter()
    if kind == "floor":
        for path in excel:
            try:
                book = CalamineWorkbook.from_path(str(path))
            except Exception:  # the sample's corrupt and password-protected files
                continue
            for name in book.sheet_names:
                rows += len(book.get_sheet_by_name(name).to_python())
    elif kind in ("eduwb", "eduwb_1", "eduwb_subset"):
        registry = load_registry(data_p)
        paths = xlsx if kind == "eduwb_subset" else excel
        jobs = [("vnedu" if "/vnedu/" in p.as_posix() else "csdl", p) for p in paths]
        batch = read_files(jobs, data_p, registry, workers=1 if kind == "eduwb_1" else None)
        rows = sum(r["rows_read"] for r in batch.reports)
    elif kind == "openpyxl":
        import pandas as pd

        for path in xlsx:
            try:
                sheets = pd.read_excel(path, sheet_name=None, header=None, engine="openpyxl")
            except Exception:
                continue
            rows += sum(len(s) for s in sheets.values())
    elif kind == "load_period":
        period_obj = load_period(data_p, year, period)
        rows = int(period_obj.load_report["rows_read"].sum())
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"kind": kind, "seconds": seconds, "rows": rows, "files": len(excel),
            "subset_files": len(xlsx), "peak_mib": peak}


def _run(kind: str, args: argparse.Namespace) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--data", str(args.data), "--year", args.year,
         "--period", args.period, "--openpyxl-files", str(args.openpyxl_files)],
        check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _make_shape(shape: str, out: Path) -> None:
    """Generate a district-size sample whose files have one shape (see the module docstring)."""
    from eduwb.sample import generate, noise

    if shape == "csdl16":
        fill = noise._fill

        def fill16(e, st, rng, mg, slash, forced=frozenset()):
            fill(e, st, rng, mg, slash, forced)
            if st.excel and e.system == "csdl" and not e.corrupt:
                st.noise.add("category_sheets")
                st.n_categories = 16

        noise._fill = fill16
    elif shape == "html":
        base = noise._base
        noise._base = lambda e, rng: (noise.Style("html_xls") if e.system == "vnedu"
                                      and not e.corrupt else base(e, rng))
    elif shape == "tcvn3":
        noise.PROBS["tcvn3"] = 0.6
    generate(out, size="district")


def _median(runs: list[dict]) -> dict:
    """The run of median seconds (its peak memory the largest of all runs)."""
    ordered = sorted(runs, key=lambda r: r["seconds"])
    return {**ordered[len(ordered) // 2], "peak_mib": max(r["peak_mib"] for r in runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=PROVINCE)
    parser.add_argument("--year", default="2021-2022")
    parser.add_argument("--period", default="dau_nam")
    parser.add_argument("--openpyxl-files", type=int, default=0,
                        help="how many .xlsx files openpyxl reads (0 = all)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="alternating runs of the floor and of eduwb (medians)")
    parser.add_argument("--shape", choices=("province", "csdl16", "html", "tcvn3"),
                        default="province", help="the province shape to measure")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--make-shape", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make_shape:
        _make_shape(args.make_shape, args.data)
        return
    if args.shape != "province":
        args.data = ROOT / "data" / f"bench-{args.shape}"
        if not (args.data / "danh_muc" / "truong.xlsx").exists():
            subprocess.run([sys.executable, __file__, "--make-shape", args.shape, "--data",
                            str(args.data)], check=True)
    if args.child:
        limit = args.openpyxl_files or 10**9
        print(json.dumps(_measure(args.child, str(args.data), args.year, args.period, limit)))
        return
    province_sample(args.data)
    runs: dict[str, list[dict]] = {"floor": [], "eduwb": [], "eduwb_1": []}
    for _ in range(args.repeat):
        for kind in runs:
            runs[kind].append(_run(kind, args))
    res = {kind: _median(r) for kind, r in runs.items()}
    res |= {k: _run(k, args) for k in ("openpyxl", "eduwb_subset", "load_period")}
    floor, ed, ox, sub = res["floor"], res["eduwb"], res["openpyxl"], res["eduwb_subset"]
    print(f"Sample {args.data} (shape {args.shape}), {args.year} {args.period}, both systems; "
          f"medians of {args.repeat} alternating runs")
    print(f"Workbooks (.xlsx, .xls, .ods): {ed['files']}; rows (all sheets, floor): "
          f"{floor['rows']}")
    print(f"{'measurement':<44}{'seconds':>9}{'peak MiB':>10}")
    print(f"{'calamine, every cell (floor)':<44}{floor['seconds']:>9.2f}{floor['peak_mib']:>10.0f}")
    one = res["eduwb_1"]
    print(f"{'eduwb read + normalise, 1 process':<44}{one['seconds']:>9.2f}{one['peak_mib']:>10.0f}")
    print(f"{'  ratio to the floor':<44}{one['seconds'] / floor['seconds']:>9.2f}")
    print(f"{'eduwb read + normalise, default (2 procs)':<44}{ed['seconds']:>9.2f}"
          f"{ed['peak_mib']:>10.0f}")
    print(f"{'  ratio to the floor (target <= 1.5)':<44}{ed['seconds'] / floor['seconds']:>9.2f}")
    print(f"{'pandas openpyxl, ' + str(ox['subset_files']) + ' .xlsx files':<44}"
          f"{ox['seconds']:>9.2f}{ox['peak_mib']:>10.0f}")
    print(f"{'eduwb on the same .xlsx files':<44}{sub['seconds']:>9.2f}{sub['peak_mib']:>10.0f}")
    print(f"{'  openpyxl / eduwb (target >= 5)':<44}{ox['seconds'] / sub['seconds']:>9.2f}")
    lp = res["load_period"]
    print(f"{'load_period, all formats (' + str(lp['rows']) + ' data rows)':<44}"
          f"{lp['seconds']:>9.2f}{lp['peak_mib']:>10.0f}")
    print("runs, floor / 1 process / default: " + ", ".join(
        f"{a['seconds']:.2f} / {b['seconds']:.2f} / {c['seconds']:.2f}"
        for a, b, c in zip(runs["floor"], runs["eduwb_1"], runs["eduwb"], strict=True)))


if __name__ == "__main__":
    main()
