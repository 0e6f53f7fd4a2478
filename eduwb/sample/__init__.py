"""A realistic synthetic Bình Phước province with known, injected discrepancies.

``generate(out, seed=2021, size="tiny")`` writes, for school year 2021-2022 and all three periods:

- ``out/danh_muc/`` the registry (truong, phong_gd, ky_bao_cao, ky_duyet);
- ``out/2021-2022/<period>/{vnedu,csdl}/<district>/...`` one messy export per school and list kind;
- ``out/_truth/`` the ground truth: per period ``discrepancies.csv`` (outputs.md columns + ``person_key``),
  ``checks.csv`` (checks.md columns + ``person_key``; message, action and value left empty),
  ``canonical/<system>_<kind>.csv`` (what a correct loader produces, + ``person_key``),
  ``files.csv``, ``hs_tong.csv``, ``expected_rejections.csv``; and ``noise_kinds.csv``.

Pipeline: true world (:mod:`.population`, :mod:`.timeline`) → the two systems' sets with faults
(:mod:`.faults`) → truth by diffing them (:mod:`.truth`) → files whose noise (:mod:`.noise`) does not
change their canonical content (:mod:`.render`). Provenance conventions are in :mod:`.render`.
"""

from __future__ import annotations

import csv
import multiprocessing
import shutil
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from eduwb import vocab
from eduwb.sample import faults as _faults
from eduwb.sample import noise as _noise
from eduwb.sample import registry as _registry
from eduwb.sample import render as _render
from eduwb.sample import truth as _truth
from eduwb.sample.population import SIZES, YEAR, build_world
from eduwb.schemas import columns

__all__ = ["SIZES", "SampleSummary", "build_world", "generate"]

FILE_COLUMNS = ("system", "file", "format", "kind", "school_code", "file_school_code", "rows_read",
                "rows_loaded", "rows_rejected", "readable", "sheet", "noise", "fields")
HS_TONG_COLUMNS = ("system", "school_code", "grade", "sex", "count")


@dataclass(frozen=True)
class SampleSummary:
    """What :func:`generate` wrote."""

    out: Path
    seed: int
    size: str
    schools: int
    pupils: int  # pupil records of the true world at the start of the year
    staff: int
    files: int
    files_by_format: dict[str, int]
    rows_written: int  # data rows in all export files
    faults_by_category: dict[str, int]  # truth rows over the three periods
    noise_kinds: int
    seconds: float


def write_csv(path: Path, header: tuple[str, ...] | list[str], rows) -> None:
    """UTF-8 with BOM, comma-separated, one header row."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


_JOBS: list = []  # (export, style, school, rel_dir) shared with forked workers


def _run(indices: list[int]) -> list[tuple[int, _render.Rendered]]:
    out = []
    for i in indices:
        e, st, school, rel_dir, root, seed = _JOBS[i]
        out.append((i, _render.render(e, st, school, root, seed, rel_dir)))
    return out


def _rel_dir(e: _faults.Export, school_sub: bool) -> str:
    base = f"{YEAR}/{e.period}/{e.system}/{e.district}"
    return f"{base}/{e.file_school_code}" if school_sub else base


def generate(out: Path, *, seed: int = 2021, size: str = "tiny",
             workers: int | None = None) -> SampleSummary:
    """Write the sample province under ``out`` (replacing its generated folders)."""
    global _JOBS
    t0 = time.perf_counter()
    out = Path(out)
    for sub in ("danh_muc", YEAR, "_truth"):
        if (out / sub).exists():
            shutil.rmtree(out / sub)
    world = build_world(seed, size)
    _st, plans = _faults.plan_exports(world)
    schools = {s.code: s for s in world.schools}
    multi = {s.code: any(c["multi_grade"] for c in s.classes) for s in world.schools}
    slash = {s.code: s.class_style == "slash" for s in world.schools}
    every = [e for p in vocab.PERIODS for e in plans[p]]
    styles = _noise.choose(every, seed, multi, slash)
    _registry.write_registry(world, out)
    _JOBS = []
    for e, st in zip(every, styles, strict=True):
        sub = e.system == "csdl" and int(e.school[-3:]) % 4 == 0
        _JOBS.append((e, st, schools[e.school], _rel_dir(e, sub), out, seed))
    chunks = [list(range(i, len(_JOBS), 24)) for i in range(min(24, len(_JOBS)))]
    n_workers = workers if workers is not None else (2 if size != "tiny" else 1)
    results: list[_render.Rendered | None] = [None] * len(_JOBS)
    if n_workers > 1:
        with multiprocessing.get_context("fork").Pool(n_workers) as pool:
            for part in pool.imap_unordered(_run, chunks):
                for i, r in part:
                    results[i] = r
    else:
        for part in map(_run, chunks):
            for i, r in part:
                results[i] = r
    _JOBS = []
    faults_total: Counter[str] = Counter()
    by_format: Counter[str] = Counter()
    noise_files: dict[str, list[str]] = {k: [] for k in _noise.NOISE_KINDS}
    rows_written = 0
    reg = [(s.code, s.district) for s in sorted(world.schools, key=lambda s: s.code)]
    previous = None
    for period in vocab.PERIODS:
        tdir = out / "_truth" / YEAR / period
        idx = [i for i, e in enumerate(every) if e.period == period]
        files, canon, rejects = [], {}, []
        tex = []
        for i in idx:
            e, r = every[i], results[i]
            files.append(r.file)
            by_format[r.file[2]] += 1
            rows_written += int(r.file[6])
            for k in r.file[11].split(";"):
                noise_files[k].append(r.file[1])
            canon.setdefault((e.system, e.kind), []).extend(r.canonical)
            rejects.extend(r.rejections)
            tex.append({"system": e.system, "kind": e.kind, "school": e.school,
                        "file_school_code": e.file_school_code, "readable": not e.corrupt,
                        "fields": e.fields, "records": e.records})
        rows = _truth.diff(YEAR, period, reg, tex)
        rows.sort(key=lambda r: tuple(r))
        faults_total.update(r[5] for r in rows)
        write_csv(tdir / "discrepancies.csv", _truth.TRUTH_COLUMNS, rows)
        write_csv(tdir / "checks.csv", _truth.CHECK_TRUTH_COLUMNS,
                  sorted(_truth.checks(YEAR, period, reg, tex, previous)))
        previous = tex
        write_csv(tdir / "hs_tong.csv", HS_TONG_COLUMNS, _truth.hs_tong(tex))
        write_csv(tdir / "files.csv", FILE_COLUMNS, sorted(files))
        write_csv(tdir / "expected_rejections.csv", vocab.REJECTED_ROW_COLUMNS,
                  sorted(rejects, key=lambda r: (r[0], r[1], int(r[3]), r[4])))
        for system in vocab.SYSTEMS:
            for kind in vocab.LIST_KINDS:
                rs = sorted(canon.get((system, kind), []),
                            key=lambda r: (r[5], r[1], int(r[3]), r[-1]))
                write_csv(tdir / "canonical" / f"{system}_{kind}.csv",
                          (*columns(kind), "person_key"), rs)
    write_csv(out / "_truth" / "noise_kinds.csv",
              ("noise_kind", "description", "n_files", "example_files"),
              [(k, d, len(noise_files[k]), ";".join(sorted(noise_files[k])[:3]))
               for k, d in _noise.NOISE_KINDS.items()])
    first = world.snapshots["dau_nam"]
    return SampleSummary(
        out=out, seed=seed, size=size, schools=len(world.schools),
        pupils=len(first["students"]), staff=len(first["staff"]), files=len(every),
        files_by_format=dict(sorted(by_format.items())), rows_written=rows_written,
        faults_by_category=dict(sorted(faults_total.items())),
        noise_kinds=sum(1 for v in noise_files.values() if v),
        seconds=round(time.perf_counter() - t0, 2),
    )
