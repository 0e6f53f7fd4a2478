"""The ``eduwb`` command.

Exit status: 0 success (and, for reconcile, nothing differs; for check, no check failed); 1
discrepancies found (for check: some check failed); 2 the run could not be made (bad arguments, no
registry, unreadable data folder). Problems with single files or rows are reported on standard error
and in the output files, never an exit 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
from pathlib import Path

from eduwb import vocab
from eduwb.console import OneLineFormatter, PipeSafe, one_line
from eduwb.errors import EduwbError

EXIT_OK, EXIT_FOUND, EXIT_FAILED = 0, 1, 2
SHOWN_SCHOOLS = 10  # schools listed on the terminal; the files hold them all


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="eduwb",
        description=(
            "Reconcile primary-school statistics between vnEdu and CSDL ngành "
            "(đối chiếu số liệu tiểu học giữa vnEdu và CSDL ngành)."
        ),
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sample = sub.add_parser(
        "sample", help="write a synthetic Bình Phước province (export files + ground truth)"
    )
    sample.add_argument("data", type=Path, help="folder to write (laid out as inputs.md says)")
    sample.add_argument("--seed", type=int, default=2021, help="random seed (default 2021)")
    sample.add_argument(
        "--size", choices=("tiny", "district", "province"), default="tiny",
        help="tiny: a few schools; district: one district; province: ~190 schools, ~100k pupils",
    )
    sample.add_argument("--days", action="store_true", help="instead: successive export days of "
                        "one period (some findings fixed, some new, a school changed after "
                        "signing), one DATA folder per day, with their truth")
    sample.add_argument("--period", choices=vocab.PERIODS, default="dau_nam",
                        help="with --days: the period (default dau_nam)")
    sample.add_argument("--from", dest="copy_from", type=Path, metavar="SAMPLE",
                        help="with --days: a sample `eduwb sample` wrote with the same seed and "
                        "size, copied for the first day")

    load = sub.add_parser(
        "load", help="read one period of both systems; write load_report.csv and rejected_rows.csv"
        " (or, with --explain FILE, show how one export file is read)"
    )
    load.add_argument("data", type=Path, nargs="?",
                      help="data folder (danh_muc/, YEAR/PERIOD/vnedu|csdl/)")
    load.add_argument("--year", help="school year, e.g. 2021-2022")
    load.add_argument("--period", choices=vocab.PERIODS, help="reporting period")
    load.add_argument("--district", help="limit to one district office (e.g. 689)")
    load.add_argument("--out", type=Path, help="output folder (default: out/YEAR/PERIOD)")
    load.add_argument("--max-mb", type=float, help="refuse files whose cell data is larger "
                      "(MB, uncompressed; default $EDUWB_MAX_MB, else 256)")
    load.add_argument("--max-rows", type=int, help="refuse sheets with more rows (default "
                      "$EDUWB_MAX_ROWS, else 200000)")
    load.add_argument("--explain", type=Path, metavar="FILE",
                      help="show how one export file is read: sheet, header rows, columns, "
                      "footer, school, export date (no --year/--period needed)")
    load.add_argument("--system", choices=vocab.SYSTEMS,
                      help="with --explain: the system the file comes from (default: from its "
                      "folder)")

    rec = sub.add_parser(
        "reconcile",
        help="reconcile one period; write discrepancies.csv, indicators.csv, load_report.csv, "
        "rejected_rows.csv and reconciliation.xlsx (exit 0: agree, 1: discrepancies, 2: failed)",
    )
    _period_args(rec)
    _history_args(rec, record=True)

    prog = sub.add_parser(
        "progress",
        help="progress between the recorded runs of a period: write progress.csv, changes.csv, "
        "after_signoff.csv and print a summary",
    )
    _period_args(prog)
    _history_args(prog, record=False)

    chk = sub.add_parser(
        "check",
        help="check each system's data on its own (what was entered wrongly or left out); "
        "writes checks.csv, checks_skipped.csv, load_report.csv and rejected_rows.csv (exit 0: no "
        "check failed, 1: some failed, 2: could not run)",
    )
    _period_args(chk)
    _history_args(chk, record=True)
    chk.add_argument("--system", choices=vocab.SYSTEMS,
                     help="check one system only (default: every system the period holds)")

    status = sub.add_parser(
        "status",
        help="who must do what by when: exports, sign-off and deadlines per school and district "
        "office, most urgent first; writes theo_doi.xlsx",
    )
    _period_args(status)
    status.add_argument("--as-of", type=_iso_date, help="judge as of this date, YYYY-MM-DD "
                        "(default: today)")
    status.add_argument("--no-load", action="store_true",
                        help="registry and sign-off ledger only: do not read or reconcile exports")

    dash = sub.add_parser(
        "dashboard",
        help="serve the leadership dashboard (Voilà, 127.0.0.1) after computing every period's "
        "snapshot",
    )
    dash.add_argument("data", type=Path, help="data folder (danh_muc/, YEAR/PERIOD/vnedu|csdl/)")
    dash.add_argument("--port", type=int, default=8866, help="port on 127.0.0.1 (default 8866)")
    dash.add_argument("--token", help="access token required in the address (default: none)")
    dash.add_argument("--as-of", type=_iso_date, help="judge deadlines as of this date, "
                      "YYYY-MM-DD (default: today)")
    dash.add_argument("--year", help="school year (default: the latest in DATA)")
    dash.add_argument("--cache", type=Path, help="snapshot cache (default: $EDUWB_CACHE, else "
                      "~/.cache/eduwb)")
    dash.add_argument("--max-sessions", type=int, default=6, help="pages open at once (each "
                      "holds a kernel of ~200 MB; more get a 'try later' page; default 6)")
    _history_args(dash, record=False)

    batch = sub.add_parser(
        "batch",
        help="run the district report notebook for every district × period (papermill, in "
        "parallel): OUT/YEAR/PERIOD/DISTRICT.ipynb|.html|.xlsx and OUT/index.html (exit 0: all "
        "made, 1: some failed, 2: could not run)",
    )
    batch.add_argument("data", type=Path, help="data folder (danh_muc/, YEAR/PERIOD/vnedu|csdl/)")
    batch.add_argument("--year", required=True, help="school year, e.g. 2021-2022")
    batch.add_argument("--period", action="append", choices=vocab.PERIODS,
                       help="a period (repeat for several; default: all three)")
    batch.add_argument("--district", action="append",
                       help="a district office (repeat for several; default: every district)")
    batch.add_argument("--out", type=Path, default=Path("reports"),
                       help="output folder (default: reports)")
    batch.add_argument("--force", action="store_true", help="rerun reports that are up to date")
    batch.add_argument("--workers", type=int, help="parallel runs (default: min(2, cores))")
    batch.add_argument("--timeout", type=float, default=600.0,
                       help="time limit per report, seconds (default 600)")
    batch.add_argument("--as-of", type=_iso_date, help="judge deadlines as of this date, "
                       "YYYY-MM-DD (default: today)")
    batch.add_argument("--executor", choices=("local", "dask"), default="local",
                       help="local process pool (default) or a Dask distributed cluster")
    batch.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://host:8786")
    batch.add_argument("--notebook", type=Path, help="report notebook (default: "
                       "notebooks/district_report.ipynb)")
    _history_args(batch, record=False)
    return parser


def _iso_date(value: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date YYYY-MM-DD") from None


def _period_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("data", type=Path, help="data folder (danh_muc/, YEAR/PERIOD/vnedu|csdl/)")
    p.add_argument("--year", required=True, help="school year, e.g. 2021-2022")
    p.add_argument("--period", required=True, choices=vocab.PERIODS, help="reporting period")
    p.add_argument("--district", help="limit to one district office (e.g. 689)")
    p.add_argument("--out", type=Path, help="output folder (default: out/YEAR/PERIOD)")


def _history_args(p: argparse.ArgumentParser, *, record: bool) -> None:
    p.add_argument("--history", type=Path, help="history store, a DuckDB file (default: "
                   "$EDUWB_HISTORY, else ~/.local/share/eduwb/history.duckdb)")
    if record:
        p.add_argument("--no-history", action="store_true",
                       help="do not record this run (state and first_seen are left empty)")


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(message)s",
        stream=sys.stderr,
    )
    for handler in logging.getLogger().handlers:
        handler.setFormatter(OneLineFormatter("%(message)s"))
    if getattr(args, "period", None) and getattr(args, "out", "") is None:
        args.out = Path("out") / args.year / args.period  # the default, checked like a given one
    for option in ("out", "cache"):
        path = getattr(args, option, None)
        problem = _folder_problem(path) if path is not None else None
        if problem:
            print(f"eduwb: --{option} {one_line(path)}: {problem}", file=sys.stderr)
            return EXIT_FAILED
    stdout = sys.stdout
    sys.stdout = PipeSafe(stdout)
    try:
        return _COMMANDS[args.command](args)
    except EduwbError as exc:
        for i, line in enumerate(str(exc).split("\n- ")):  # a listed problem per line
            print(("eduwb: " if i == 0 else "- ") + one_line(line), file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:  # a folder that cannot be written, a full disk...: say so in a line
        where = f" {one_line(exc.filename)}:" if exc.filename else ""
        print(f"eduwb:{where} {one_line(exc.strerror or exc)}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        sys.stdout = stdout


def _folder_problem(path: Path) -> str | None:
    """Why ``path`` cannot be an output folder, in Vietnamese and English (None: it can)."""
    if path.exists() and not path.is_dir():
        return "là một tệp, không phải thư mục / is a file, not a folder"
    parent = path
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        return f"{one_line(parent)} là một tệp, không phải thư mục / is a file, not a folder"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"không ghi được vào {one_line(parent)} / {one_line(parent)} is not writable"
    return None


def _sample(args: argparse.Namespace) -> int:
    from eduwb.sample import generate

    if args.days:
        return _sample_days(args)
    summary = generate(args.data, seed=args.seed, size=args.size)
    print(f"Đã tạo dữ liệu mẫu ({args.size}) tại {args.data}")
    for key, value in dataclasses.asdict(summary).items():
        print(f"  {key}: {value}")
    return EXIT_OK


def _sample_days(args: argparse.Namespace) -> int:
    from eduwb.sample.days import write_days

    summary = write_days(args.data, seed=args.seed, size=args.size, period=args.period,
                         sample=args.copy_from)
    print(f"Đã tạo {len(summary.dates)} ngày xuất dữ liệu ({args.size}, {args.period}) tại "
          f"{args.data}: " + ", ".join(d.strftime("%d/%m/%Y") for d in summary.dates))
    print(f"  đã sửa {summary.fixed}, mới {summary.new}; trường thay đổi vnEdu sau khi ký: "
          f"{summary.changed_after_signing}; trường ký, chỉ sửa CSDL: {summary.signed_unchanged}")
    return EXIT_OK


def _load(args: argparse.Namespace) -> int:
    from eduwb.load import load_period
    from eduwb.outputs import write_csv
    from eduwb.read import Limits

    limits = Limits.from_env()
    limits = Limits(args.max_mb if args.max_mb is not None else limits.max_mb,
                    args.max_rows if args.max_rows is not None else limits.max_rows)
    if args.explain is not None:
        from eduwb.diagnose import explain_file

        if not args.explain.is_file():
            print(f"eduwb: file {args.explain} does not exist", file=sys.stderr)
            return EXIT_FAILED
        print(explain_file(args.explain, system=args.system, data=args.data, limits=limits),
              end="")
        return EXIT_OK
    if args.data is None or args.year is None or args.period is None:
        print("eduwb load: DATA, --year and --period are required (or --explain FILE)",
              file=sys.stderr)
        return EXIT_FAILED
    if not args.data.is_dir():
        print(f"eduwb: data folder {args.data} does not exist", file=sys.stderr)
        return EXIT_FAILED
    progress = None if args.quiet else (lambda rel: logging.getLogger("eduwb").debug(rel))
    period = load_period(args.data, args.year, args.period, district=args.district,
                         progress=progress, limits=limits)
    out = args.out or Path("out") / args.year / args.period
    write_csv(period.load_report, out / "load_report.csv")
    write_csv(period.rejected, out / "rejected_rows.csv")
    _report_problems(period)
    rep = period.load_report
    print(f"{args.year} {vocab.PERIOD_LABELS[args.period]}: {len(rep)} tệp")
    for system in vocab.SYSTEMS:
        part = rep[rep["system"] == system]
        print(
            f"  {vocab.SYSTEM_LABELS[system]}: {len(part)} tệp, {int(part['rows_read'].sum())} "
            f"dòng đọc, {int(part['rows_loaded'].sum())} dòng nạp, "
            f"{int(part['rows_rejected'].sum())} dòng bị loại"
        )
    for kind in vocab.LIST_KINDS:
        table = period.tables[kind]
        counts = table["system"].value_counts()
        print(f"  {vocab.LIST_KIND_LABELS[kind]}: " + ", ".join(
            f"{vocab.SYSTEM_LABELS[s]} {int(counts.get(s, 0))}" for s in vocab.SYSTEMS))
    print(f"  Giá trị / dòng bị loại: {len(period.rejected)}")
    print(f"Đã ghi {out / 'load_report.csv'} và {out / 'rejected_rows.csv'}")
    return EXIT_OK


def _report_problems(period) -> None:
    """One line per problem on stderr, naming file, sheet, row and column."""
    for rej in period.rejected.itertuples(index=False):
        where = f"{rej.file}, sheet {rej.sheet or '-'}, row {rej.row}"
        col = f", column {rej.column}" if rej.column else ""
        print(one_line(f"{where}{col}: {rej.reason}"), file=sys.stderr)
    rep = period.load_report
    for r in rep[rep["message"] != ""].itertuples(index=False):
        print(one_line(f"{r.file}: {r.message}"), file=sys.stderr)


def _reconcile(args: argparse.Namespace) -> int:
    from eduwb.cache import cache_root
    from eduwb.pipeline import reconcile

    if not args.data.is_dir():
        print(f"eduwb: data folder {args.data} does not exist", file=sys.stderr)
        return EXIT_FAILED
    log = logging.getLogger("eduwb")
    result = reconcile(args.data, args.year, args.period, district=args.district,
                       progress=None if args.quiet else log.debug, cache=cache_root())
    out = args.out or Path("out") / args.year / args.period
    _report_problems(result.period)
    findings = {"discrepancies": result.discrepancies}
    if result.checks is not None:
        findings["checks"] = result.checks.frame
    recorded, problem = _record(args, result.period, findings, result.indicators)
    result.write(out, recorded)
    counts = result.findings.groupby("category").size()
    print(f"{args.year} {vocab.PERIOD_LABELS[args.period]}"
          + (f", phòng {args.district}" if args.district else "")
          + f": {len(result.findings)} sai lệch")
    for category in vocab.CATEGORIES:
        if counts.get(category, 0):
            print(f"  {vocab.CATEGORY_LABELS[category]}: {int(counts[category])}")
    if result.checks is not None:
        _print_checks(result.checks)
    print(f"Kết quả: {out}")
    if problem:  # the run was made and its files written: the exit status still says what it found
        print(f"eduwb: {problem}", file=sys.stderr)
    return EXIT_OK if result.clean else EXIT_FOUND


def _record(args: argparse.Namespace, period, findings: dict, indicators=None):
    """Record a run in the history (``findings``: a frame per kind); returns (Recorded or None,
    a problem to report or None)."""
    if args.no_history:
        return None, None
    from eduwb.history import HistoryError, default_path, record_period
    from eduwb.store import fingerprint

    path = args.history or default_path()
    try:
        recorded = record_period(period, findings, indicators, path,
                                 fingerprint=fingerprint(args.data, args.year, args.period,
                                                         period.inputs))
    except HistoryError as exc:
        return None, f"{exc} (the run was not recorded; state and first_seen are empty)"
    if recorded is None:
        print(f"{args.data}: no export file to date the run by; it was not recorded in the "
              f"history {path}", file=sys.stderr)
        return None, None
    states = _state_counts(recorded.findings)
    print(f"Lịch sử {path}: lần chạy ngày {recorded.run.as_of:%d/%m/%Y}"
          + ("" if recorded.added else " (đã có, không ghi thêm)")
          + f"; mới {states.get('new', 0)}, còn mở từ trước {states.get('open', 0)}")
    return recorded, None


def _state_counts(findings: dict) -> dict[str, int]:
    """Findings of every kind counted by state."""
    counts: dict[str, int] = {}
    for frame in findings.values():
        for state, n in frame["state"].value_counts().items():
            counts[state] = counts.get(state, 0) + int(n)
    return counts


def _progress(args: argparse.Namespace) -> int:
    from eduwb.history import default_path, progress_report

    if not args.data.is_dir():
        print(f"eduwb: data folder {args.data} does not exist", file=sys.stderr)
        return EXIT_FAILED
    report = progress_report(args.data, args.year, args.period, district=args.district,
                             history=args.history or default_path())
    out = args.out or Path("out") / args.year / args.period
    report.write(out)
    print(report.summary())
    print(f"Kết quả: {out}")
    for problem in report.problems:
        print(f"eduwb: {problem}", file=sys.stderr)
    return EXIT_FAILED if report.problems else EXIT_OK


def _check(args: argparse.Namespace) -> int:
    from eduwb.cache import cache_root
    from eduwb.checks import run_checks
    from eduwb.checks.run import checked_systems
    from eduwb.load import load_period
    from eduwb.outputs import write_csv

    if not args.data.is_dir():
        print(f"eduwb: data folder {args.data} does not exist", file=sys.stderr)
        return EXIT_FAILED
    period = load_period(args.data, args.year, args.period, district=args.district,
                         progress=None if args.quiet else logging.getLogger("eduwb").debug)
    checks = run_checks(period, systems=[args.system] if args.system else None,
                        cache=cache_root())
    _report_problems(period)
    if not checks.systems:
        which = vocab.SYSTEM_LABELS[args.system] if args.system else "vnEdu hay CSDL ngành"
        print(f"eduwb: không có tệp xuất nào từ {which} trong {args.data}/{args.year}/"
              f"{args.period}: không có gì để kiểm tra", file=sys.stderr)
        return EXIT_FAILED
    out = args.out or Path("out") / args.year / args.period
    if checks.systems == checked_systems(period):
        recorded, problem = _record(args, period, {"checks": checks.frame})
    else:  # the other system's findings would count as fixed in the history
        recorded, problem = None, None
        if not args.no_history:
            print(f"Lịch sử: lần kiểm tra chỉ {vocab.SYSTEM_LABELS[args.system]} không được ghi "
                  "vào lịch sử (thiếu hệ thống còn lại, các lỗi của nó sẽ bị coi là đã sửa)")
    checks.write(out, recorded)
    write_csv(period.load_report, out / "load_report.csv")
    write_csv(period.rejected, out / "rejected_rows.csv")
    print(f"{args.year} {vocab.PERIOD_LABELS[args.period]}"
          + (f", phòng {args.district}" if args.district else "")
          + ": kiểm tra " + ", ".join(vocab.SYSTEM_LABELS[s] for s in checks.systems))
    _print_checks(checks)
    print(f"Kết quả: {out}")
    if problem:  # as for reconcile: reported, the run's outcome is the exit status
        print(f"eduwb: {problem}", file=sys.stderr)
    return EXIT_FOUND if checks.failed else EXIT_OK


def _print_checks(checks) -> None:
    """Findings by rule, and the schools not ready to sign."""
    from eduwb.checks import CATALOGUE, SEVERITY_LABELS

    f = checks.findings
    loi = int((f["severity"] == "loi").sum())
    print(f"Kiểm tra nhập liệu: {loi} lỗi, {len(f) - loi} cảnh báo"
          + (f"; {len(checks.skipped)} lượt kiểm tra không áp dụng được (checks_skipped.csv)"
             if len(checks.skipped) else ""))
    counts = f.groupby(["system", "rule"]).size()
    for system in checks.systems:
        for rule in CATALOGUE:
            n = int(counts.get((system, rule.id), 0))
            if n:
                print(f"  {vocab.SYSTEM_LABELS[system]} · {SEVERITY_LABELS[rule.severity]} · "
                      f"{rule.title}: {n}")
    blocked = checks.by_school()
    blocked = blocked[~blocked["ready"]]
    if len(blocked):
        print(f"Trường chưa đủ điều kiện ký (còn lỗi nhập liệu): {len(blocked)}"
              + (f"; nhiều lỗi nhất ({SHOWN_SCHOOLS} trường đầu, đủ danh sách trong checks.csv):"
                 if len(blocked) > SHOWN_SCHOOLS else ""))
        worst = blocked.sort_values(["loi", "school_code"], ascending=[False, True], kind="stable")
        for r in worst.head(SHOWN_SCHOOLS).itertuples(index=False):
            print(f"  {r.school_code}: {r.loi} lỗi, {r.canh_bao} cảnh báo")


def _status(args: argparse.Namespace) -> int:
    from eduwb.tracking import track
    from eduwb.views.status import render_text, write_status_workbook

    if not args.data.is_dir():
        print(f"eduwb: data folder {args.data} does not exist", file=sys.stderr)
        return EXIT_FAILED
    result = None
    if not args.no_load:
        from eduwb.cache import cache_root
        from eduwb.pipeline import reconcile

        result = reconcile(args.data, args.year, args.period, district=args.district,
                           progress=None if args.quiet else logging.getLogger("eduwb").debug,
                           cache=cache_root())
    tracking = track(args.data, args.year, args.period, as_of=args.as_of,
                     district=args.district, reconciliation=result)
    print(render_text(tracking))
    out = args.out or Path("out") / args.year / args.period
    path = write_status_workbook(tracking, out / "theo_doi.xlsx")
    print(f"Kết quả: {path}")
    return EXIT_OK


def _dashboard(args: argparse.Namespace) -> int:
    from eduwb.views.dashboard import serve

    log = logging.getLogger("eduwb")
    periods = serve.prepare(args.data, args.year, cache=args.cache,
                            progress=lambda what: log.info("Chuẩn bị số liệu: %s", what))
    print(f"Đã chuẩn bị {len(periods)} kỳ báo cáo: "
          + ", ".join(vocab.PERIOD_LABELS[p] for p in periods))
    print(f"Bảng điều hành: mở {serve.url(args.port, args.token)} trong trình duyệt "
          "(chỉ truy cập được từ máy này; Ctrl+C để dừng).", flush=True)
    import signal

    proc = serve.start(args.data, port=args.port, token=args.token, year=args.year,
                       as_of=args.as_of, cache=args.cache, max_sessions=args.max_sessions,
                       history=args.history)

    def _stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    try:
        return EXIT_OK if proc.wait() == 0 else EXIT_FAILED
    except KeyboardInterrupt:
        print("Đã dừng bảng điều hành.")
        return EXIT_OK
    finally:
        if proc.poll() is None:  # Voilà shuts its kernels down on SIGTERM
            proc.terminate()
            proc.wait(timeout=15)


def _batch(args: argparse.Namespace) -> int:
    from eduwb.batch import run_batch

    result = run_batch(args.data, args.year, args.out, periods=args.period,
                       districts=args.district, force=args.force, workers=args.workers,
                       timeout=args.timeout, as_of=args.as_of, executor=args.executor,
                       scheduler=args.scheduler, notebook=args.notebook,
                       progress=not args.quiet, history=args.history)
    print(result.summary())
    return EXIT_FOUND if result.failed else EXIT_OK


_COMMANDS = {"sample": _sample, "load": _load, "reconcile": _reconcile, "check": _check,
             "status": _status, "progress": _progress, "dashboard": _dashboard, "batch": _batch}


if __name__ == "__main__":
    sys.exit(main())
