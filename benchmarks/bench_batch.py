"""The province batch (11 districts × 3 periods): `eduwb batch` against plain sequential papermill.

    .venv/bin/python benchmarks/bench_batch.py [--data data/province] [--batch-only]

Both start from an empty snapshot cache and an empty history store. The batch reconciles each
period once in its pool and records it in the history, then runs the 33 reports in parallel
(min(2, cores) workers), each reading the history; the baseline runs the same notebook 33 times one
after the other with papermill's Python API (the first run of each period reconciles and fills the
cache, the others read it) and exports the same HTML. "Overhead per report" is what a report costs
beyond the reconciliation itself: kernel start, imports, cutting, tables, figures, history, HTML.
A second batch on unchanged inputs checks that nothing reruns. Target: the whole batch under 90 s
on 2 cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
YEAR = "2021-2022"
AS_OF = dt.date(2022, 6, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "province")
    parser.add_argument("--batch-only", action="store_true", help="skip the sequential baseline")
    args = parser.parse_args()
    if not (args.data / "danh_muc" / "truong.xlsx").is_file():
        print(f"No province at {args.data}: run `.venv/bin/eduwb sample {args.data} --size "
              "province` first", file=sys.stderr)
        return 2
    from eduwb import batch, vocab
    from eduwb.registry import load_registry

    districts = sorted(set(load_registry(args.data).schools["district_code"]))
    print(f"{len(districts)} districts × {len(vocab.PERIODS)} periods, {os.cpu_count()} cores, "
          f"{batch.default_workers()} workers")
    with tempfile.TemporaryDirectory() as tmp:
        out, history = Path(tmp) / "reports", Path(tmp) / "history.duckdb"
        result = batch.run_batch(args.data, YEAR, out, as_of=AS_OF, force=True, progress=False,
                                 history=history)
        reports = [o.seconds for o in result.outcomes]
        print(f"eduwb batch: {result.seconds:.1f} s wall for {len(reports)} reports "
              f"({len(result.failed)} failed)")
        print("  reconcile once per period: " + ", ".join(
            f"{p} {s:.1f} s" for p, s in sorted(result.snapshot_seconds.items())))
        print(f"  per report (cut + render, in a worker): mean {statistics.mean(reports):.2f} s, "
              f"median {statistics.median(reports):.2f} s, max {max(reports):.2f} s")
        print(f"  target < 90 s: {'met' if result.seconds < 90 else 'NOT met'}")
        print(f"  recorded in the history: {', '.join(result.recorded) or 'nothing'}")
        again = batch.run_batch(args.data, YEAR, out, as_of=AS_OF, progress=False,
                                history=history)
        rerun = [o for o in again.outcomes if o.status != "unchanged"]
        print(f"second batch, inputs unchanged: {again.seconds:.1f} s, {len(rerun)} reports "
              f"rerun, {len(again.recorded)} periods recorded")
        if args.batch_only:
            return 0 if not result.failed else 1
        seq = sequential(args.data, districts, Path(tmp) / "seq", history)
        total = sum(sum(v) for v in seq.values())
        firsts = [v[0] for v in seq.values()]
        rest = [s for v in seq.values() for s in v[1:]]
        print(f"sequential papermill: {total:.1f} s wall for {sum(map(len, seq.values()))} "
              f"reports")
        print("  first report of each period (reconciles): "
              + ", ".join(f"{s:.1f} s" for s in firsts))
        print(f"  other reports (overhead per report): mean {statistics.mean(rest):.2f} s, "
              f"median {statistics.median(rest):.2f} s")
        print(f"speed-up of the batch: {total / result.seconds:.2f}×")
    return 0 if not result.failed else 1


def sequential(data: Path, districts: list[str], out: Path,
               history: Path) -> dict[str, list[float]]:
    """The same notebook run by papermill, one report after the other, plus the same HTML."""
    import papermill

    from eduwb import batch, vocab
    from eduwb.views.district_report import notebook_file

    times: dict[str, list[float]] = {}
    for period in vocab.PERIODS:
        folder = out / YEAR / period
        folder.mkdir(parents=True, exist_ok=True)
        for district in districts:
            t0 = time.perf_counter()
            target = folder / f"{district}.ipynb"
            papermill.execute_notebook(
                str(notebook_file(batch.NOTEBOOK)), str(target), kernel_name="python3",
                progress_bar=False, shutdown_kernel="immediate", cwd=str(folder),
                parameters={"data": str(data.resolve()), "year": YEAR, "period": period,
                            "district": district, "out": str(folder),
                            "as_of": AS_OF.isoformat(), "cache": str(out / ".cache"),
                            "history": str(history)})
            batch.export_html(target, target.with_suffix(".html"), district)
            times.setdefault(period, []).append(time.perf_counter() - t0)
    return times


if __name__ == "__main__":
    sys.exit(main())
