"""Load a whole period for both systems: every file read once, normalised, and accounted for.

Beyond reading each file (:mod:`eduwb.read`, :mod:`eduwb.normalise`), the loader decides what a
file means among the others (inputs.md 2.1): when two files hold the same list kind of the same
school code (as written) from one system, the later export is used and the other is listed as
superseded — a district-level file only for the schools a later file does not cover — so nothing
counts twice and nothing disappears without a word.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from eduwb import calendar, schemas, vocab
from eduwb.cache import period_fingerprint
from eduwb.errors import EduwbError, ParameterError, ReadError
from eduwb.normalise import frame, normalise
from eduwb.read import Limits, codes_in_name, read_tables, scan_exports
from eduwb.registry import Registry, load_registry

log = logging.getLogger(__name__)

FILE_SCHOOL_COLUMNS = ("system", "kind", "file", "sheet", "school_code", "rows", "export_date")


@dataclass(frozen=True)
class Carried:
    """Which canonical fields each export file carries, as a files × fields boolean matrix.

    ``files``: ``system|file`` keys; ``fields``: field names; ``matrix[i, j]``: file i carries j.
    """

    files: pd.Index
    fields: pd.Index
    matrix: np.ndarray

    def rows(self, system: str, files: pd.Index | np.ndarray) -> np.ndarray:
        """Matrix rows of ``files`` of ``system`` (-1 = a file that carries nothing)."""
        return self.files.get_indexer(pd.Index([f"{system}|{f}" for f in files], dtype=object))

    def carries(self, rows: np.ndarray, field: str | np.ndarray) -> np.ndarray:
        """Whether each file row carries ``field`` (one name, or one per row)."""
        if isinstance(field, str):
            col = self.fields.get_indexer(pd.Index([field], dtype=object))[0]
            if col < 0:
                return np.zeros(rows.shape, dtype=bool)
            carried = np.append(self.matrix[:, col], False)  # row -1: carries nothing
            return carried[rows]
        cols = self.fields.get_indexer(pd.Index(field, dtype=object))
        ok = (rows >= 0) & (cols >= 0)
        out = np.zeros(rows.shape, dtype=bool)
        out[ok] = self.matrix[rows[ok], cols[ok]]
        return out


def carried_matrix(carried: pd.DataFrame) -> Carried:
    """A ``carried`` frame (system, file, field) as a :class:`Carried` matrix."""
    fcodes, files = pd.factorize(carried["system"].astype(str) + "|" + carried["file"].astype(str))
    gcodes, fields = pd.factorize(carried["field"])
    matrix = np.zeros((len(files), len(fields)), dtype=bool)
    matrix[fcodes, gcodes] = True
    return Carried(pd.Index(files, dtype=object), pd.Index(fields, dtype=object), matrix)


@dataclass(frozen=True)
class Period:
    """One reporting period of both systems, loaded.

    ``tables[kind]``: canonical records of both systems (column ``system``), columns
    ``schemas.columns(kind)``. ``load_report``: one row per file (outputs.md load_report.csv).
    ``rejected``: one row per rejected row or value (outputs.md rejected_rows.csv).
    ``carried``: system, file, field — the canonical fields each export carries (a field an export
    lacks is unknown there, not different). ``file_schools``: which schools each file exported a
    list of (``FILE_SCHOOL_COLUMNS``; school codes as written): one row per school-level file, one
    per school with rows in a district-level file.
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
    file_schools: pd.DataFrame | None = field(default=None, compare=False)
    # The registry's and the period's files as they were when the load began
    # (:func:`eduwb.cache.period_fingerprint`): what a cache of anything computed from this
    # period is keyed by, even if an export changes while the period is read.
    inputs: str | None = field(default=None, compare=False)

    def records(self, kind: str, system: str) -> pd.DataFrame:
        """The canonical records of one list kind from one system."""
        table = self.tables[kind]
        return table[table["system"] == system].reset_index(drop=True)

    def export_files(self) -> pd.DataFrame:
        """Every readable export of a list and the school it stands for (``FILE_SCHOOL_COLUMNS``,
        codes as written): one row per school-level file, one per school with rows in a
        district-level file. The one answer to "which files did a school export"."""
        if self.file_schools is not None:
            return self.file_schools
        rep = self.load_report  # a period built by hand, without file_schools
        ok = rep[rep["kind"].isin(vocab.LIST_KINDS) & (rep["school_code"] != "")]
        dates = ok.get("export_date")
        return pd.DataFrame({"system": ok["system"], "kind": ok["kind"], "file": ok["file"],
                             "sheet": ok["sheet"], "school_code": ok["school_code"],
                             "rows": ok["rows_read"], "export_date": dates},
                            columns=list(FILE_SCHOOL_COLUMNS)).reset_index(drop=True)

    def exported(self, system: str) -> pd.DataFrame:
        """Which (school_code, kind) pairs have a readable export from ``system`` (codes as
        written): a school-level file of the kind, or rows of the school in a district-level
        file (a school with no row there did not export that list through it)."""
        fs = self.export_files()
        ok = fs[(fs["system"] == system) & fs["kind"].isin(vocab.LIST_KINDS)]
        return ok[["school_code", "kind"]].drop_duplicates().reset_index(drop=True)

    @cached_property
    def carried_matrix(self) -> Carried:
        """:attr:`carried` as a files × fields matrix (computed once): which fields each export
        carries. A field an export lacks is unknown there, not different."""
        return carried_matrix(self.carried)

    @cached_property
    def missing_exports(self) -> dict[str, set[tuple[str, str]]]:
        """(school, kind) pairs of the scope's registry schools with no readable export, per
        system (current school codes)."""
        schools = set(self.registry.schools_of(self.district)["school_code"])
        out: dict[str, set[tuple[str, str]]] = {}
        for system in vocab.SYSTEMS:
            have = {(self.registry.current(code), kind)
                    for code, kind in self.exported(system).itertuples(index=False)}
            out[system] = {(s, k) for s in schools for k in vocab.LIST_KINDS} - have
        return out


def check_year_period(year: str, period: str) -> None:
    """Raise ParameterError for a malformed school year or an unknown period."""
    if not calendar.is_school_year_folder(year or ""):
        raise ParameterError(f"school year {year!r} is not of the form 2021-2022")
    if period not in vocab.PERIODS:
        raise ParameterError(f"period {period!r} is not one of {', '.join(vocab.PERIODS)}")


def check_period_folder(data: Path, year: str, period: str) -> Path:
    """The period's folder; ParameterError naming the missing folder when the school year or the
    period has none (a period folder lacking one system's folder is a finding, not an error)."""
    year_dir, folder = data / year, data / year / period
    if not year_dir.is_dir():
        found = calendar.school_year_folders(data)
        raise ParameterError(
            f"no folder for school year {year} (years found: {', '.join(found) or 'none'}): "
            f"check --year, or put the exports in {year}/<period>/vnedu|csdl/",
            file=str(year_dir))
    if not folder.is_dir():
        found = sorted(p.name for p in year_dir.iterdir() if p.is_dir())
        raise ParameterError(
            f"no folder for period {period} (found: {', '.join(found) or 'none'}): the period "
            f"has not been exported yet, or its folder is named differently (periods: "
            f"{', '.join(vocab.PERIODS)})", file=str(folder))
    if not any((folder / system).is_dir() for system in vocab.SYSTEMS):
        raise ParameterError(
            "the period folder has neither a vnedu/ nor a csdl/ folder: put each system's "
            "exports in its own folder", file=str(folder))
    return folder


def load_period(
    data: Path | str,
    year: str,
    period: str,
    *,
    district: str | None = None,
    registry: Registry | None = None,
    progress: Callable[[str], None] | None = None,
    workers: int | None = None,
    limits: Limits | None = None,
) -> Period:
    """Read and normalise every export of one period (both systems), accounting for every row.

    Raises EduwbError subclasses only when the run cannot be made (bad parameters, no registry,
    no folder for the year or period); unreadable files and bad rows are reported in
    ``load_report`` / ``rejected``. Files are read by ``workers`` processes (default: one per
    core, at most 2, for more than 64 files); files larger than ``limits`` (default
    :meth:`Limits.from_env`) are refused before they are read.
    """
    data = Path(data)
    check_year_period(year, period)
    registry = registry or load_registry(data)
    if district is not None:
        registry.check_district(district)
    folder = check_period_folder(data, year, period)
    inputs = period_fingerprint(data, year, period)
    jobs = []
    skipped_rows = []
    for system in vocab.SYSTEMS:
        files, skipped = scan_exports(folder / system, root=data)
        jobs += [(system, path) for path in files
                 if not (district and _other_district(path.name, registry, district))]
        skipped_rows += [_skipped(system, _rel(s.path, data), s.reason) for s in skipped]
    batch = read_files(jobs, data, registry, district=district, progress=progress,
                       workers=workers, limits=limits)
    batch = _superseded(batch)
    tables = {kind: _sorted(table, kind) for kind, table in batch.tables.items()}
    if schemas.validating():
        for kind, table in tables.items():
            schemas.check(kind, table)
    report = pd.DataFrame(batch.reports + skipped_rows, columns=list(vocab.LOAD_REPORT_COLUMNS))
    report = report.sort_values(["system", "file", "sheet"], ignore_index=True)
    rej = pd.DataFrame(batch.rejected, columns=list(vocab.REJECTED_ROW_COLUMNS))
    rej = rej.sort_values(["system", "file", "sheet", "row", "column"], ignore_index=True)
    carried_frame = pd.DataFrame(sorted(batch.carried), columns=["system", "file", "field"])
    schools = pd.DataFrame(sorted(_file_schools(batch.files), key=lambda r: r[:5]),
                           columns=list(FILE_SCHOOL_COLUMNS))
    return Period(data, year, period, district, registry, tables, report, rej, carried_frame,
                  schools, inputs)


def _rel(path: Path, data: Path) -> str:
    try:
        return path.relative_to(data).as_posix()
    except ValueError:
        return path.as_posix()


@dataclass(frozen=True)
class FileInfo:
    """What the loader needs to weigh one file's list against the others."""

    system: str
    file: str
    sheet: str
    kind: str
    district_level: bool
    export_date: dt.date | None
    size: int
    mtime_ns: int
    schools: dict[str, tuple[int, int]]  # code as written -> (rows loaded, rows rejected whole)


@dataclass(frozen=True)
class FileBatch:
    """What a set of export files holds: canonical tables per kind and the row account."""

    tables: dict[str, pd.DataFrame]
    reports: list[dict]
    rejected: list[dict]
    carried: list[tuple[str, str, str]]
    files: list[FileInfo] = field(default_factory=list)


PARALLEL_MIN_FILES = 64


def read_files(
    jobs: list[tuple[str, Path]],
    data: Path,
    registry: Registry | None,
    *,
    district: str | None = None,
    progress: Callable[[str], None] | None = None,
    workers: int | None = None,
    limits: Limits | None = None,
) -> FileBatch:
    """Read and normalise (system, path) jobs; in ``workers`` processes when there are many."""
    limits = limits or Limits.from_env()
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if len(jobs) > PARALLEL_MIN_FILES else 1
    if workers <= 1 or len(jobs) < 2:
        return _read_chunk(jobs, data, registry, district, progress, limits)
    chunks = _balanced_chunks(jobs, workers)
    ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods()
                                      else "spawn")
    gc.freeze()  # forked workers then leave the parent's objects (and their pages) alone
    try:
        with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
            futures = [pool.submit(_read_chunk, chunk, data, registry, district, None, limits)
                       for chunk in chunks]
            if progress:
                for _, path in jobs:
                    progress(path.relative_to(data).as_posix())
            parts = [f.result() for f in futures]
    finally:
        gc.unfreeze()
    return FileBatch(
        {k: pd.concat([p.tables[k] for p in parts], ignore_index=True) for k in vocab.LIST_KINDS},
        [r for p in parts for r in p.reports],
        [r for p in parts for r in p.rejected],
        [c for p in parts for c in p.carried],
        [f for p in parts for f in p.files],
    )


def _balanced_chunks(jobs: list[tuple[str, Path]], n: int) -> list[list[tuple[str, Path]]]:
    """Split jobs into ``n`` chunks of similar total size, keeping the files that name the same
    school together (both systems' lists share names and dates, which the parsers cache)."""
    groups: dict[str, list[tuple[str, Path]]] = {}
    for job in jobs:
        codes = codes_in_name(job[1].name)
        groups.setdefault(codes[0] if codes else job[1].as_posix(), []).append(job)
    sized = sorted(((sum(_size(p) for _, p in g), key, g) for key, g in groups.items()),
                   key=lambda t: (-t[0], t[1]))
    chunks: list[list[tuple[str, Path]]] = [[] for _ in range(n)]
    loads = [0] * n
    for size, _, group in sized:  # largest first, into the lightest chunk
        i = loads.index(min(loads))
        chunks[i].extend(group)
        loads[i] += size
    return chunks


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _read_chunk(
    jobs: list[tuple[str, Path]],
    data: Path,
    registry: Registry | None,
    district: str | None,
    progress: Callable[[str], None] | None,
    limits: Limits | None = None,
) -> FileBatch:
    reports: list[dict] = []
    rejected: list[dict] = []
    carried: list[tuple[str, str, str]] = []
    files: list[FileInfo] = []
    parts: dict[str, list[dict]] = {k: [] for k in vocab.LIST_KINDS}
    for system, path in jobs:
        rel = path.relative_to(data).as_posix()
        if progress:
            progress(rel)
        try:
            raws = read_tables(path, system, data, limits)
        except EduwbError as exc:
            reports.append(_unreadable(system, path, rel, exc))
            continue
        except Exception as exc:  # a reader bug must not stop a province: report the file
            log.exception("unexpected error reading %s", rel)
            reports.append(_unreadable(system, path, rel, ReadError(
                f"the file could not be read ({type(exc).__name__}: {exc}); please report this "
                "to the eduwb maintainers with the file", file=rel)))
            continue
        try:
            st = path.stat()
            size, mtime = st.st_size, st.st_mtime_ns
        except OSError:
            size, mtime = 0, 0
        for raw in raws:
            result = normalise(raw, registry)
            if district and registry is not None:
                result = _in_district(result, registry, district)
                if result is None:
                    continue
            reports.append(result.report)
            rejected.extend(result.rejected)
            carried.extend((system, rel, f) for f in result.carried)
            files.append(FileInfo(system, rel, raw.sheet, result.kind, result.district_level,
                                  raw.export_date, size, mtime, result.schools))
            if result.kind in parts and result.records:
                parts[result.kind].append(result.records)
    tables = {kind: frame(kind, files_) for kind, files_ in parts.items()}
    return FileBatch(tables, reports, rejected, carried, files)


def _in_district(result, registry: Registry, district: str):
    """The part of a normalised file that belongs to ``district`` (None: nothing does)."""
    rep = result.report
    if not result.district_level:
        code = rep["school_code"]
        if code and registry.district_of(code) != district:
            return None
        return result
    out_codes = {c for c in result.schools if registry.district_of(c) != district}
    if not out_codes:
        return result
    if len(out_codes) == len(result.schools) and not any(
            r.get("_school") is None and r["column"] == "" for r in result.rejected):
        return None
    from dataclasses import replace

    drop_loaded = sum(result.schools[c][0] for c in out_codes)
    drop_rejected = sum(result.schools[c][1] for c in out_codes)
    records = result.records
    if records:
        keep = [c not in out_codes for c in records["file_school_code"]]
        records = {k: [v for v, ok in zip(vals, keep, strict=True) if ok]
                   for k, vals in records.items()}
    note = (f"{_rows(drop_loaded + drop_rejected)} of {len(out_codes)} school(s) of other "
            f"districts not counted (--district {district})")
    report = {**rep, "rows_read": rep["rows_read"] - drop_loaded - drop_rejected,
              "rows_loaded": rep["rows_loaded"] - drop_loaded,
              "rows_rejected": rep["rows_rejected"] - drop_rejected,
              "message": "; ".join(m for m in (rep["message"], note) if m)}
    return replace(result, records=records, report=report,
                   rejected=[r for r in result.rejected if r.get("_school") not in out_codes],
                   schools={c: n for c, n in result.schools.items() if c not in out_codes})


# --- superseded lists ------------------------------------------------------------------------------


def _rank(f: FileInfo) -> tuple:
    """Later export first, then the larger file, then the later-modified copy, then the path."""
    return (f.export_date or dt.date.min, f.size, f.mtime_ns, f.file)


def _why(winner: FileInfo, loser: FileInfo) -> str:
    if (winner.export_date or dt.date.min) > (loser.export_date or dt.date.min):
        return "a later export"
    if winner.size > loser.size:
        return "same export date, larger file"
    if winner.mtime_ns > loser.mtime_ns:
        return "same export date and size, saved later"
    return "same export date and size: the first by name is kept"


def _superseded(batch: FileBatch) -> FileBatch:
    """Leave out every list that a later file of the same kind, school code (as written) and
    system supersedes; the load report says which and why, and its counts still add up."""
    rivals: dict[tuple[str, str, str], list[FileInfo]] = {}
    for f in batch.files:
        if f.kind in vocab.LIST_KINDS:
            for code in f.schools:
                rivals.setdefault((f.system, f.kind, code), []).append(f)
    lost: dict[tuple[str, str, str], dict[str, tuple[FileInfo, str]]] = {}
    for (_, _, code), files in rivals.items():
        if len(files) < 2:
            continue
        winner = max(files, key=_rank)
        for f in files:
            if f is not winner:
                lost.setdefault((f.system, f.file, f.sheet), {})[code] = (winner, _why(winner, f))
    if not lost:
        return batch
    reports = []
    for rep in batch.reports:
        key = (rep["system"], rep["file"], rep["sheet"])
        if key in lost:
            info = next(f for f in batch.files if (f.system, f.file, f.sheet) == key)
            rep = _superseded_report(rep, info, lost[key])
        reports.append(rep)
    drop = {(system, file, sheet, code) for (system, file, sheet), codes in lost.items()
            for code in codes}
    rejected = [r for r in batch.rejected
                if (r["system"], r["file"], r["sheet"], r.get("_school")) not in drop]
    tables = {}
    for kind, table in batch.tables.items():
        files = {file for (_, file, _), _ in lost.items()}
        hit = table["file"].isin(files).to_numpy().copy()
        if hit.any():
            keys = zip(table["system"].to_numpy()[hit], table["file"].to_numpy()[hit],
                       table["sheet"].to_numpy()[hit], table["file_school_code"].to_numpy()[hit],
                       strict=True)
            gone = [k in drop for k in keys]
            hit[hit] = gone
            table = table[~hit].reset_index(drop=True)
        tables[kind] = table
    files = [_without(f, lost.get((f.system, f.file, f.sheet), {})) for f in batch.files]
    return FileBatch(tables, reports, rejected, batch.carried, files)


def _without(f: FileInfo, codes: dict) -> FileInfo:
    from dataclasses import replace

    return replace(f, schools={c: n for c, n in f.schools.items() if c not in codes}) if codes else f


def _superseded_report(rep: dict, info: FileInfo, codes: dict[str, tuple[FileInfo, str]]) -> dict:
    loaded = sum(info.schools[c][0] for c in codes)
    rejected = sum(info.schools[c][1] for c in codes)
    rest = {c for c in info.schools if c not in codes}
    whole_left = rep["rows_read"] - loaded - rejected
    if not rest and whole_left == 0:
        winners = sorted({(w.file, why) for w, why in codes.values()})
        if len(winners) == 1:
            note = f"superseded by {winners[0][0]} ({winners[0][1]})"
        else:
            shown = ", ".join(w for w, _ in winners[:3])
            more = f" and {len(winners) - 3} more" if len(winners) > 3 else ""
            note = f"superseded by {shown}{more} (later exports of its schools)"
    else:
        parts = [f"{_rows(sum(info.schools[c]))} of school {c} left out: superseded by "
                 f"{w.file} ({why})" for c, (w, why) in sorted(codes.items())]
        if len(parts) > 5:
            parts = [*parts[:5], f"and {len(parts) - 5} more schools superseded likewise"]
        note = "; ".join(parts)
    message = "; ".join(m for m in (note, rep["message"]) if m)
    return {**rep, "rows_read": rep["rows_read"] - loaded - rejected,
            "rows_loaded": rep["rows_loaded"] - loaded,
            "rows_rejected": rep["rows_rejected"] - rejected, "message": message}


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def _file_schools(files: list[FileInfo]) -> list[tuple]:
    """Rows of ``Period.file_schools``: the exports each file stands for."""
    out = []
    for f in files:
        if f.kind not in vocab.LIST_KINDS:
            continue
        for code, (loaded, rejected) in f.schools.items():
            if f.district_level and loaded + rejected == 0:
                continue
            out.append((f.system, f.kind, f.file, f.sheet, code, loaded + rejected, f.export_date))
    return out


# --- the rest ---------------------------------------------------------------------------------------


def _other_district(name: str, registry: Registry, district: str) -> bool:
    """True when the file name carries a registry school code of another district."""
    for code in codes_in_name(name):
        if registry.knows(code):
            return registry.district_of(code) != district
    return False


def _unreadable(system: str, path: Path, rel: str, exc: EduwbError) -> dict:
    """The load report's row of a file that cannot be read; its export date is its modification
    time (inputs.md 2: no title line can be read), so a re-export that day still dates the run."""
    codes = codes_in_name(Path(rel).name)
    try:
        exported: dt.date | None = calendar.local_date(path.stat().st_mtime)
    except OSError:
        exported = None
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
        "export_date": exported,
    }


def _skipped(system: str, rel: str, reason: str) -> dict:
    return {"system": system, "file": rel, "sheet": "", "kind": vocab.UNKNOWN_KIND,
            "school_code": "", "rows_read": 0, "rows_loaded": 0, "rows_rejected": 0,
            "message": reason}


def _sorted(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    return frame.sort_values(["system", "school_code", "file", "row"], ignore_index=True,
                             kind="stable")
