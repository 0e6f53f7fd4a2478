"""Load a whole period for both systems: every file read once, normalised, and accounted for."""

from __future__ import annotations

import logging
import multiprocessing
import os
import re
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from eduwb import schemas, vocab
from eduwb.errors import EduwbError, ParameterError, ReadError
from eduwb.normalise import frame, normalise
from eduwb.read import codes_in_name, find_export_files, read_table
from eduwb.registry import Registry, load_registry

log = logging.getLogger(__name__)

_YEAR = re.compile(r"^(\d{4})-(\d{4})$")


@dataclass(frozen=True)
class Period:
    """One reporting period of both systems, loaded.

    ``tables[kind]``: canonical records of both systems (column ``system``), columns
    ``schemas.columns(kind)``. ``load_report``: one row per file (outputs.md load_report.csv).
    ``rejected``: one row per rejected row or value (outputs.md rejected_rows.csv).
    ``carried``: system, file, field — the canonical fields each export carries (a field an export
    lacks is unknown there, not different).
    """

    data: Path
    year: str
    period: str
    district: str | None
    registry: Registry
    tables: dict[str, pd.DataFrame]
    load_report: pd.DataFrame
    rejected: pd.DataFrame
    carried: pd.DataFrame

    def records(self, kind: str, system: str) -> pd.DataFrame:
        """The canonical records of one list kind from one system."""
        table = self.tables[kind]
        return table[table["system"] == system].reset_index(drop=True)

    def exported(self, system: str) -> pd.DataFrame:
        """Which (school_code, kind) pairs have a readable export from ``system``."""
        rep = self.load_report
        ok = rep[(rep["system"] == system) & rep["kind"].isin(vocab.LIST_KINDS)
                 & (rep["school_code"] != "")]
        return ok[["school_code", "kind"]].drop_duplicates().reset_index(drop=True)


def check_year_period(year: str, period: str) -> None:
    """Raise ParameterError for a malformed school year or an unknown period."""
    m = _YEAR.match(year or "")
    if not m or int(m.group(2)) != int(m.group(1)) + 1:
        raise ParameterError(f"school year {year!r} is not of the form 2021-2022")
    if period not in vocab.PERIODS:
        raise ParameterError(f"period {period!r} is not one of {', '.join(vocab.PERIODS)}")


def load_period(
    data: Path | str,
    year: str,
    period: str,
    *,
    district: str | None = None,
    registry: Registry | None = None,
    progress: Callable[[str], None] | None = None,
    workers: int | None = None,
) -> Period:
    """Read and normalise every export of one period (both systems), accounting for every row.

    Raises EduwbError subclasses only when the run cannot be made (bad parameters, no registry);
    unreadable files and bad rows are reported in ``load_report`` / ``rejected``. Files are read
    by ``workers`` processes (default: one per core, at most 2, for more than 64 files).
    """
    data = Path(data)
    check_year_period(year, period)
    registry = registry or load_registry(data)
    if district is not None and district not in set(registry.districts["district_code"]) | set(
        registry.schools["district_code"]
    ):
        raise ParameterError(f"district {district!r} is not in danh_muc/phong_gd.xlsx")
    folder = data / year / period
    jobs = []
    for system in vocab.SYSTEMS:
        files = find_export_files(folder / system) if (folder / system).is_dir() else []
        jobs += [(system, path) for path in files
                 if not (district and _other_district(path.name, registry, district))]
    batch = read_files(jobs, data, registry, district=district, progress=progress,
                       workers=workers)
    tables = {kind: _sorted(table, kind) for kind, table in batch.tables.items()}
    for kind, table in tables.items():
        schemas.check(kind, table)
    reports, rejected, carried = batch.reports, batch.rejected, batch.carried
    report = pd.DataFrame(reports, columns=list(vocab.LOAD_REPORT_COLUMNS))
    report = report.sort_values(["system", "file", "sheet"], ignore_index=True)
    rej = pd.DataFrame(rejected, columns=list(vocab.REJECTED_ROW_COLUMNS))
    rej = rej.sort_values(["system", "file", "sheet", "row", "column"], ignore_index=True)
    carried_frame = pd.DataFrame(sorted(carried), columns=["system", "file", "field"])
    return Period(data, year, period, district, registry, tables, report, rej, carried_frame)


@dataclass(frozen=True)
class FileBatch:
    """What a set of export files holds: canonical tables per kind and the row account."""

    tables: dict[str, pd.DataFrame]
    reports: list[dict]
    rejected: list[dict]
    carried: list[tuple[str, str, str]]


PARALLEL_MIN_FILES = 64


def read_files(
    jobs: list[tuple[str, Path]],
    data: Path,
    registry: Registry | None,
    *,
    district: str | None = None,
    progress: Callable[[str], None] | None = None,
    workers: int | None = None,
) -> FileBatch:
    """Read and normalise (system, path) jobs; in ``workers`` processes when there are many."""
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if len(jobs) > PARALLEL_MIN_FILES else 1
    if workers <= 1 or len(jobs) < 2:
        return _read_chunk(jobs, data, registry, district, progress)
    chunks = _balanced_chunks(jobs, workers)
    ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods()
                                      else "spawn")
    with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
        futures = [pool.submit(_read_chunk, chunk, data, registry, district, None)
                   for chunk in chunks]
        if progress:
            for _, path in jobs:
                progress(path.relative_to(data).as_posix())
        parts = [f.result() for f in futures]
    return FileBatch(
        {k: pd.concat([p.tables[k] for p in parts], ignore_index=True) for k in vocab.LIST_KINDS},
        [r for p in parts for r in p.reports],
        [r for p in parts for r in p.rejected],
        [c for p in parts for c in p.carried],
    )


def _balanced_chunks(jobs: list[tuple[str, Path]], n: int) -> list[list[tuple[str, Path]]]:
    """Split jobs into ``n`` chunks of similar total size, keeping the files that name the same
    school together (both systems' lists share names and dates, which the parsers cache)."""
    groups: dict[str, list[tuple[str, Path]]] = {}
    for job in jobs:
        codes = codes_in_name(job[1].name)
        groups.setdefault(codes[0] if codes else job[1].as_posix(), []).append(job)
    sized = sorted(((sum(p.stat().st_size for _, p in g), key, g) for key, g in groups.items()),
                   key=lambda t: (-t[0], t[1]))
    chunks: list[list[tuple[str, Path]]] = [[] for _ in range(n)]
    loads = [0] * n
    for size, _, group in sized:  # largest first, into the lightest chunk
        i = loads.index(min(loads))
        chunks[i].extend(group)
        loads[i] += size
    return chunks


def _read_chunk(
    jobs: list[tuple[str, Path]],
    data: Path,
    registry: Registry | None,
    district: str | None,
    progress: Callable[[str], None] | None,
) -> FileBatch:
    reports: list[dict] = []
    rejected: list[dict] = []
    carried: list[tuple[str, str, str]] = []
    parts: dict[str, list[dict]] = {k: [] for k in vocab.LIST_KINDS}
    for system, path in jobs:
        rel = path.relative_to(data).as_posix()
        if progress:
            progress(rel)
        try:
            raw = read_table(path, system, data)
        except EduwbError as exc:
            reports.append(_unreadable(system, rel, exc))
            continue
        result = normalise(raw, registry)
        if district and registry is not None and result.report["school_code"] and (
            registry.district_of(result.report["school_code"]) != district
        ):
            continue
        reports.append(result.report)
        rejected.extend(result.rejected)
        carried.extend((system, rel, f) for f in result.carried)
        if result.kind in parts and result.records:
            parts[result.kind].append(result.records)
    tables = {kind: frame(kind, files) for kind, files in parts.items()}
    return FileBatch(tables, reports, rejected, carried)


def _other_district(name: str, registry: Registry, district: str) -> bool:
    """True when the file name carries a registry school code of another district."""
    for code in codes_in_name(name):
        if registry.knows(code):
            return registry.district_of(code) != district
    return False


def _unreadable(system: str, rel: str, exc: EduwbError) -> dict:
    codes = codes_in_name(Path(rel).name)
    return {
        "system": system,
        "file": rel,
        "sheet": exc.sheet or "",
        "kind": vocab.UNKNOWN_KIND,
        "school_code": codes[0] if len(codes) == 1 else "",
        "rows_read": 0,
        "rows_loaded": 0,
        "rows_rejected": 0,
        "message": exc.message if isinstance(exc, ReadError) else str(exc),
    }


def _sorted(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    return frame.sort_values(["system", "school_code", "file", "row"], ignore_index=True,
                             kind="stable")
