"""Run the district report for every district × period: papermill in parallel, failures isolated.

For each period the province is reconciled once (:func:`eduwb.store.snapshot`, cached under
``OUT/.cache``) and recorded once as a province run in the history store (``--history``, default
:func:`eduwb.history.default_path`), unless a run of the same inputs is there already; then each
district's report only cuts that snapshot, reads the history (read-only) and renders. Every run
writes ``OUT/{year}/{period}/{district}.ipynb`` (executed), ``.html`` (no code) and ``.xlsx`` (fix
list), plus ``.json`` (status, fingerprint, timing). A run that fails gets an error page in place of
its HTML naming the cause; the others go on. ``OUT/index.html`` links every report with its status.

A report is rerun only when it is stale: the inputs' fingerprint, the notebook, the eduwb sources,
the parameters or the history runs it reads (a newer run, of the province or of the district)
changed, or its last run did not succeed (``force`` reruns everything). Runs go to a local process
pool (default) or to a Dask distributed scheduler (the history file must then be reachable from the
workers); both run the same task functions.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import html
import json
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from eduwb import store, vocab
from eduwb.console import one_line
from eduwb.errors import ParameterError
from eduwb.load import check_period_folder, check_year_period
from eduwb.registry import load_registry
from eduwb.views.district_report import check_parameters, notebook_file

log = logging.getLogger(__name__)

NOTEBOOK = "district_report.ipynb"  # shipped in eduwb.notebooks (see district_report.notebook_file)
KERNEL = "python3"
STATUS_LABELS = {"ok": "Xong", "failed": "Lỗi", "timeout": "Quá thời gian", "unchanged": "Không đổi"}
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass(frozen=True)
class Job:
    """One report run: the notebook's parameters and where its files go."""

    data: str
    year: str
    period: str
    district: str
    district_name: str
    folder: str  # OUT/{year}/{period}
    as_of: str
    cache: str
    notebook: str
    timeout: float
    stamp: str
    history: str = ""

    def path(self, suffix: str) -> Path:
        """``OUT/{year}/{period}/{district}{suffix}``."""
        return Path(self.folder) / f"{self.district}{suffix}"

    def parameters(self) -> dict[str, str]:
        return {"data": self.data, "year": self.year, "period": self.period,
                "district": self.district, "out": self.folder, "as_of": self.as_of,
                "cache": self.cache, "history": self.history}


@dataclass(frozen=True)
class Outcome:
    """What became of a job: status (``ok``, ``failed``, ``timeout``, ``unchanged``), seconds
    spent, and for failures the cause in one line."""

    year: str
    period: str
    district: str
    district_name: str
    status: str
    seconds: float = 0.0
    error: str = ""
    stamp: str = ""

    @property
    def failed(self) -> bool:
        return self.status in ("failed", "timeout")


@dataclass(frozen=True)
class BatchResult:
    """Every job's outcome, the index page and the wall time of the whole batch."""

    outcomes: list[Outcome]
    index: Path
    seconds: float
    snapshot_seconds: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    recorded: list[str] = field(default_factory=list)  # periods recorded in the history now

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.failed]

    def summary(self) -> str:
        """A few lines for people: counts, each failure with its cause, the index page."""
        n = {s: sum(o.status == s for o in self.outcomes) for s in STATUS_LABELS}
        lines = [f"{len(self.outcomes)} báo cáo trong {self.seconds:.1f} s: {n['ok']} xong, "
                 f"{n['unchanged']} không đổi, {n['failed'] + n['timeout']} lỗi"]
        for o in self.failed:
            lines.append(one_line(f"  LỖI {o.year} {o.period} phòng {o.district}: {o.error}"))
        if self.recorded:
            lines.append("Đã ghi vào lịch sử: " + ", ".join(
                vocab.PERIOD_LABELS.get(p, p) for p in self.recorded))
        for w in self.warnings:
            lines.append(one_line(f"  CHÚ Ý: {w}"))
        lines.append(f"Mục lục: {self.index}")
        return "\n".join(lines)


def run_batch(
    data: Path | str,
    year: str,
    out: Path | str,
    *,
    periods: Iterable[str] | None = None,
    districts: Iterable[str] | None = None,
    force: bool = False,
    workers: int | None = None,
    timeout: float = 600.0,
    as_of: dt.date | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    notebook: Path | str | None = None,
    progress: bool = True,
    history: Path | str | None = None,
) -> BatchResult:
    """Run the district report for every requested district × period; see the module docstring.

    Raises :class:`ParameterError` before running anything when the arguments are wrong (unknown
    period or district, no data folder, no notebook, a history store that cannot be read).
    ``notebook``: the report notebook (default: the one shipped with eduwb); ``history``: the
    history store (default: :func:`eduwb.history.default_path`).
    """
    from eduwb.history import default_path

    started = time.perf_counter()
    notebook = notebook_file(NOTEBOOK) if notebook is None else notebook
    data, out, notebook = Path(data).resolve(), Path(out).resolve(), Path(notebook).resolve()
    asked = periods is not None
    periods = list(periods or vocab.PERIODS)
    for period in periods:
        check_year_period(year, period)
    if not notebook.is_file():
        raise ParameterError(f"notebook {notebook} not found")
    if not data.is_dir():
        raise ParameterError(f"data folder {data} does not exist")
    warnings: list[str] = []
    # A period asked for must have its folder; of the default three, those not exported yet
    # (cuối năm in January) are left out with a warning. A missing school year is an error.
    for period in list(periods):
        try:
            check_period_folder(data, year, period)
        except ParameterError as exc:
            if asked or not (data / year).is_dir() or len(periods) == 1:
                raise
            periods.remove(period)
            warnings.append(f"{vocab.PERIOD_LABELS[period]}: chưa có dữ liệu xuất, bỏ qua "
                            f"({one_line(exc)})")
    try:  # before any worker starts (a worker that cannot write its log breaks the pool)
        (out / ".logs").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ParameterError(f"output folder {one_line(out)}: {exc.strerror or exc} "
                             f"({one_line(exc.filename or out)})") from None
    registry = load_registry(data)
    known = sorted(set(registry.schools["district_code"]))
    districts = list(districts or known)
    unknown = [d for d in districts if d not in known]
    if unknown:
        raise ParameterError(f"district {', '.join(unknown)} has no schools in the registry "
                             f"(known: {', '.join(known)})")
    as_of = as_of or dt.date.today()
    history = Path(history or default_path()).resolve()
    if history.is_dir():
        raise ParameterError(f"history store {one_line(history)} is a folder, not a file")
    names = dict(zip(registry.districts["district_code"], registry.districts["name"], strict=True))
    cache = out / ".cache"
    code = _code_stamp(notebook)
    inputs = {period: store.fingerprint(data, year, period) for period in periods}
    unrecorded = [p for p in periods if not _recorded(history, year, p, inputs[p])]
    snap_seconds: dict[str, float] = {}
    outcomes: dict[tuple[str, str], Outcome] = {}
    ready: dict[str, str] = {}  # period → "" (snapshot cached) or why it could not be made
    with contextlib.ExitStack() as stack:
        pool = None
        if unrecorded:  # first the history, so that each report's stamp sees the run it reads
            pool = stack.enter_context(_Executor(executor, scheduler, workers, out / ".logs"))
            ready = _record(pool, unrecorded, data, year, cache, history, inputs, snap_seconds,
                            warnings)
        jobs: list[Job] = []
        for period in periods:
            runs = _history_runs(history, year, period)
            for district in districts:
                folder = out / year / period
                params = {"data": str(data), "year": year, "period": period,
                          "district": district, "out": str(folder), "as_of": as_of.isoformat(),
                          "cache": str(cache), "history": str(history)}
                read = runs.get(district) or runs.get("province", [])
                stamp = hashlib.sha1(json.dumps([inputs[period], code, params, read],
                                                sort_keys=True).encode())
                jobs.append(Job(str(data), year, period, district,
                                str(names.get(district) or ""), str(folder), as_of.isoformat(),
                                str(cache), str(notebook), float(timeout), stamp.hexdigest(),
                                str(history)))
        if jobs:  # the notebook's own check, once, before any kernel starts
            check_parameters(jobs[0].parameters())
        todo = [j for j in jobs if force or not _up_to_date(j)]
        outcomes = {(j.period, j.district): Outcome(j.year, j.period, j.district,
                                                    j.district_name, "unchanged", stamp=j.stamp)
                    for j in jobs if j not in todo}
        if todo:
            if pool is None:
                pool = stack.enter_context(_Executor(executor, scheduler, workers,
                                                     out / ".logs"))
            bar = _bar(len(todo), progress)
            try:
                for o in _run(pool, todo, data, year, cache, snap_seconds, bar.update, ready):
                    outcomes[o.period, o.district] = o
                    if o.failed:
                        bar.write(one_line(f"LỖI {o.period} phòng {o.district}: {o.error}"),
                                  file=sys.stderr)
            finally:
                bar.close()
    ordered = [outcomes[j.period, j.district] for j in jobs]
    index = write_index(out)
    recorded = [p for p in unrecorded if not ready.get(p)]
    return BatchResult(ordered, index, time.perf_counter() - started, snap_seconds, warnings,
                       recorded)


def _recorded(history: Path, year: str, period: str, inputs: str) -> bool:
    """Whether the store holds a province run of exactly these inputs (nothing to record)."""
    from eduwb.history import HistoryError, db

    try:
        with db.connect(history, write=False) as con:
            runs = db.runs_of(con, year, period, db.PROVINCE_SCOPE)
    except HistoryError as exc:
        raise ParameterError(f"history store: {exc}") from None
    return bool((runs["fingerprint"] == inputs).any())


def _history_runs(history: Path, year: str, period: str) -> dict[str, list[list]]:
    """The runs of a period by scope (run_id, as_of, digest), as a report's stamp depends on
    them: a district's report reads its own runs if it has any, else the province's."""
    from eduwb.history import HistoryError, db

    try:
        with db.connect(history, write=False) as con:
            runs = db.period_runs(con, year, period)
    except HistoryError as exc:
        raise ParameterError(f"history store: {exc}") from None
    out: dict[str, list[list]] = {}
    for r in runs.itertuples(index=False):
        out.setdefault(r.scope, []).append([int(r.run_id), r.as_of.isoformat(), r.digest])
    return out


def _record(pool: _Executor, periods: list[str], data: Path, year: str, cache: Path,
            history: Path, inputs: dict[str, str], snap_seconds: dict[str, float],
            warnings: list[str]) -> dict[str, str]:
    """Reconcile (or read from the cache) and record each period, in parallel; returns each
    period's error ("" when its snapshot is ready)."""
    pending = {pool.submit(snapshot_task, str(data), year, period, str(cache), str(history),
                           inputs[period]): period for period in periods}
    ready: dict[str, str] = {}
    while pending:
        for fut in pool.wait_first(list(pending)):
            period = pending.pop(fut)
            error, seconds, warning = _result(fut, default=("worker died", 0.0, ""))
            snap_seconds[period] = seconds
            ready[period] = error
            if warning:
                warnings.append(f"{vocab.PERIOD_LABELS[period]}: {warning}")
    return ready


def _run(pool: _Executor, todo: list[Job], data: Path, year: str, cache: Path,
         snap_seconds: dict[str, float], tick: Callable[[int], Any],
         ready: dict[str, str] | None = None):
    """Snapshots of the needed periods first (in parallel; ``ready``: the periods whose snapshot
    was made already, or the error that stopped it), then each period's district runs as soon as
    its snapshot is ready; yields outcomes as they complete."""
    ready = ready or {}
    by_period: dict[str, list[Job]] = {}
    for job in todo:
        by_period.setdefault(job.period, []).append(job)
    pending: dict[Future, tuple[str, Any]] = {}

    def start(period: str, error: str):
        for job in by_period[period]:
            if error:
                tick(1)
                yield fail_job(job, f"không đối chiếu được kỳ {period} / the period could "
                                    f"not be reconciled: {error}")
            else:
                pending[pool.submit(run_job, job)] = ("job", job)

    for period in by_period:
        if period in ready:
            yield from start(period, ready[period])
        else:
            pending[pool.submit(snapshot_task, str(data), year, period, str(cache))] = (
                "snap", period)
    while pending:
        done = pool.wait_first(list(pending))
        for fut in done:
            what, item = pending.pop(fut)
            if what == "snap":
                period = item
                error, seconds, _ = _result(fut, default=("", 0.0, ""))
                snap_seconds[period] = seconds
                yield from start(period, error)
            else:
                job = item
                outcome = _result(fut, default=None)
                if outcome is None:  # the worker itself died
                    outcome = fail_job(job, f"tiến trình chạy bị dừng / worker died: "
                                            f"{fut.exception()!r}")
                tick(1)
                yield outcome


def _result(fut: Future, default: Any) -> Any:
    try:
        return fut.result()
    except Exception as exc:  # a worker crash: reported by the caller
        log.warning("batch task failed outside the notebook: %r", exc)
        return default


# --- tasks (run in worker processes or on Dask workers) -------------------------------------------


def snapshot_task(data: str, year: str, period: str, cache: str, history: str = "",
                  inputs: str = "") -> tuple[str, float, str]:
    """Reconcile one period into the cache and, given a ``history`` store, record it there as a
    province run (``inputs``: its fingerprint); returns (error or '', seconds, a warning or '':
    a run that could not be recorded does not stop the reports)."""
    t0 = time.perf_counter()
    try:
        snap = store.snapshot(data, year, period, cache=cache)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}", time.perf_counter() - t0, ""
    warning = ""
    if history:
        from eduwb.history import HistoryError

        try:
            if snap.record(history, inputs=inputs or None) is None:
                warning = "không có ngày xuất dữ liệu nào: lần chạy không được ghi vào lịch sử"
        except HistoryError as exc:
            warning = f"không ghi được vào lịch sử: {exc}"
    return "", time.perf_counter() - t0, warning


def run_job(job: Job) -> Outcome:
    """Execute one report with papermill, export its HTML without code, record its status."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    t0 = time.perf_counter()
    deadline = time.monotonic() + job.timeout
    Path(job.folder).mkdir(parents=True, exist_ok=True)
    for suffix in (".html", ".xlsx", ".json"):
        job.path(suffix).unlink(missing_ok=True)
    status, error = "ok", ""
    try:
        papermill.execute_notebook(
            job.notebook, str(job.path(".ipynb")), parameters=job.parameters(),
            kernel_name=KERNEL, shutdown_kernel="immediate", cwd=job.folder,
            progress_bar=False, log_output=False, start_timeout=min(60, job.timeout),
            timeout_func=lambda cell: max(1.0, deadline - time.monotonic()),
        )
    except PapermillExecutionError as exc:
        status, error = "failed", f"{exc.ename}: {_ANSI.sub('', str(exc.evalue))}"
        if exc.ename == "CellTimeoutError" or "timed out" in str(exc.evalue).lower():
            status = "timeout"
    except Exception as exc:
        timed_out = "timeout" in type(exc).__name__.lower() or time.monotonic() >= deadline
        status = "timeout" if timed_out else "failed"
        error = f"{type(exc).__name__}: {_ANSI.sub('', str(exc))}"
    if status == "timeout":
        error = f"quá thời gian {job.timeout:g} s / time limit exceeded ({error})"
    error = error.strip().replace("\n", " / ")
    if status == "ok":
        try:
            export_html(job.path(".ipynb"), job.path(".html"),
                        f"{job.district} {vocab.PERIOD_LABELS[job.period]} {job.year}")
        except Exception as exc:
            status, error = "failed", f"HTML: {type(exc).__name__}: {exc}"
    outcome = Outcome(job.year, job.period, job.district, job.district_name, status,
                      round(time.perf_counter() - t0, 3), error, job.stamp)
    if outcome.failed:
        write_error_page(job, outcome)
    _write_manifest(job, outcome)
    return outcome


def fail_job(job: Job, error: str) -> Outcome:
    """Record a job that could not run at all (its period could not be reconciled)."""
    outcome = Outcome(job.year, job.period, job.district, job.district_name, "failed", 0.0,
                      error, job.stamp)
    Path(job.folder).mkdir(parents=True, exist_ok=True)
    write_error_page(job, outcome)
    _write_manifest(job, outcome)
    return outcome


# Cells tagged so stay in the notebook and out of the printed report (a note for analysts).
NOTEBOOK_ONLY_TAG = "notebook-only"


def export_html(notebook: Path, path: Path, title: str) -> Path:
    """The executed notebook as HTML without code cells, prompts or notebook-only cells."""
    import nbformat
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config({"TagRemovePreprocessor": {"enabled": True,
                                               "remove_cell_tags": {NOTEBOOK_ONLY_TAG}}})
    exporter = HTMLExporter(config=config, exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    nb = nbformat.read(str(notebook), as_version=4)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    path.write_text(body, encoding="utf-8")
    return path


def write_error_page(job: Job, outcome: Outcome) -> Path:
    """An HTML page in place of the report, naming the cause."""
    label = f"phòng {job.district}" + (f" ({job.district_name})" if job.district_name else "")
    partial = job.path(".ipynb")
    link = (f'<p>Sổ tay đã chạy đến chỗ lỗi: <a href="{html.escape(partial.name)}">'
            f"{html.escape(partial.name)}</a></p>" if partial.exists() else "")
    body = (f"<h1>Không lập được báo cáo {html.escape(label)}</h1>"
            f"<p>{html.escape(vocab.PERIOD_LABELS[job.period])}, năm học {html.escape(job.year)}"
            f" — trạng thái: <b>{STATUS_LABELS[outcome.status]}</b></p>"
            f"<h2>Nguyên nhân / cause</h2><pre>{html.escape(outcome.error)}</pre>{link}"
            "<p>Sửa dữ liệu hoặc tham số rồi chạy lại <code>eduwb batch</code>: chỉ báo cáo lỗi "
            "và báo cáo có dữ liệu thay đổi được chạy lại.</p>")
    return _page(job.path(".html"), f"Lỗi: {job.district} {job.period} {job.year}", body)


def _write_manifest(job: Job, outcome: Outcome) -> None:
    record = asdict(outcome)
    record["files"] = {s[1:]: job.path(s).name for s in (".ipynb", ".html", ".xlsx")
                       if job.path(s).exists()}
    job.path(".json").write_text(json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True),
                                 encoding="utf-8")


def _up_to_date(job: Job) -> bool:
    try:
        record = json.loads(job.path(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (record.get("status") == "ok" and record.get("stamp") == job.stamp
            and all(job.path(s).exists() for s in (".ipynb", ".html")))


def _code_stamp(notebook: Path) -> str:
    """A digest of the notebook and of the eduwb sources (a changed report changes the output)."""
    h = hashlib.sha1(notebook.read_bytes())
    for path in sorted(Path(__file__).resolve().parent.rglob("*.py")):
        h.update(path.read_bytes())
    return h.hexdigest()


# --- the index page -------------------------------------------------------------------------------


def write_index(out: Path | str) -> Path:
    """``OUT/index.html``: every report found under OUT (from the .json records), with its status
    and links, newest year first, then period and district order."""
    out = Path(out)
    records = []
    for path in sorted(out.glob("*/*/*.json")):
        try:
            rec = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        rec["rel"] = path.parent.relative_to(out).as_posix()
        records.append(rec)
    order = {p: i for i, p in enumerate(vocab.PERIODS)}
    records.sort(key=lambda r: (_neg_year(r["year"]), order.get(r["period"], 9), r["district"]))
    rows = []
    for r in records:
        links = " · ".join(f'<a href="{html.escape(r["rel"])}/{html.escape(name)}">{kind}</a>'
                           for kind, name in sorted(r.get("files", {}).items()))
        css = "bad" if r["status"] in ("failed", "timeout") else "ok"
        rows.append(
            f"<tr class='{css}'><td>{html.escape(r['year'])}</td>"
            f"<td>{html.escape(vocab.PERIOD_LABELS.get(r['period'], r['period']))}</td>"
            f"<td>{html.escape(r['district'])}</td><td>{html.escape(r['district_name'])}</td>"
            f"<td>{STATUS_LABELS.get(r['status'], r['status'])}</td><td>{links}</td>"
            f"<td>{html.escape(r.get('error', ''))}</td></tr>")
    failed = sum(r["status"] in ("failed", "timeout") for r in records)
    body = ("<h1>Báo cáo đối chiếu vnEdu – CSDL ngành theo phòng GD&amp;ĐT</h1>"
            f"<p>{len(records)} báo cáo, {failed} lỗi.</p>"
            "<table><thead><tr><th>Năm học</th><th>Kỳ</th><th>Mã phòng</th><th>Phòng GD&amp;ĐT"
            "</th><th>Trạng thái</th><th>Tệp</th><th>Lỗi</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")
    return _page(out / "index.html", "Báo cáo đối chiếu theo phòng", body)


def _neg_year(year: str) -> int:
    try:
        return -int(year[:4])
    except ValueError:
        return 0


def _page(path: Path, title: str, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>body{{font-family:sans-serif;margin:2em}}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;"
        "text-align:left}tr.bad{background:#fde2e1}pre{white-space:pre-wrap}</style></head>"
        f"<body>{body}</body></html>\n", encoding="utf-8")
    return path


# --- executors ------------------------------------------------------------------------------------


def default_workers() -> int:
    """A pool sized to the machine: two workers at most (more are slower on 2 cores)."""
    return max(1, min(2, os.cpu_count() or 1))


class _Executor:
    """The local process pool or a Dask client behind one submit/wait interface."""

    def __init__(self, kind: str, scheduler: str | None, workers: int | None,
                 logs: Path | None = None) -> None:
        if kind not in ("local", "dask"):
            raise ParameterError(f"executor {kind!r} is neither local nor dask")
        if kind == "dask" and not scheduler:
            raise ParameterError("--executor dask needs --scheduler ADDRESS (tcp://host:8786)")
        self.kind, self.scheduler, self.workers = kind, scheduler, workers or default_workers()
        self.logs = logs
        self._pool: Any = None

    def __enter__(self) -> _Executor:
        if self.kind == "dask":
            try:
                from distributed import Client
            except ImportError:
                raise ParameterError("--executor dask needs the dask extra: "
                                     "pip install 'eduwb[dask]'") from None
            self._pool = Client(self.scheduler, set_as_default=False)
        else:
            import multiprocessing

            self._pool = ProcessPoolExecutor(self.workers,
                                             mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_quiet_worker, initargs=(self.logs,))
        return self

    def __exit__(self, *exc: object) -> None:
        if self.kind == "dask":
            self._pool.close()
        else:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        if self.kind == "dask":
            return self._pool.submit(fn, *args, pure=False)
        return self._pool.submit(fn, *args)

    def wait_first(self, futures: list[Any]) -> list[Any]:
        """The futures done so far (at least one), in submission order."""
        if self.kind == "dask":  # distributed.wait wants a default client: poll instead
            while not any(f.done() for f in futures):
                time.sleep(0.05)
            return [f for f in futures if f.done()]
        from concurrent.futures import FIRST_COMPLETED, wait

        done, _ = wait(futures, return_when=FIRST_COMPLETED)
        return [f for f in futures if f in done]


def _quiet_worker(logs: Path | None) -> None:
    """A local worker's standard error (papermill's warnings, the kernels' start-up chatter) goes
    to ``OUT/.logs/worker-PID.log`` instead of the terminal, where the progress bar is."""
    logging.getLogger("papermill").setLevel(logging.ERROR)
    if logs is None:
        return
    logs.mkdir(parents=True, exist_ok=True)
    fd = os.open(logs / f"worker-{os.getpid()}.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 2)
    os.close(fd)


def _bar(total: int, progress: bool):
    from tqdm import tqdm

    return tqdm(total=total, file=sys.stderr, disable=not progress, unit="báo cáo",
                desc="eduwb batch", dynamic_ncols=True)
