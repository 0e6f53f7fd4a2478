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
import dataclasses
import multiprocessing
import random
import shutil
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from eduwb import vocab
from eduwb.sample import faults as _faults
from eduwb.sample import noise as _noise
from eduwb.sample import registry as _registry
from eduwb.sample import render as _render
from eduwb.sample import truth as _truth
from eduwb.sample.people import YEAR
from eduwb.sample.population import SIZES, build_world
from eduwb.schemas import columns

__all__ = ["SIZES", "SampleSummary", "build_world", "generate"]

FILE_COLUMNS = ("system", "file", "format", "kind", "school_code", "file_school_code", "rows_read",
                "rows_loaded", "rows_rejected", "readable", "sheet", "noise", "fields",
                "superseded_by")
# Share of (period, system, district, kind) written as one district-level file. The committed tiny
# sample has none: eduwb.explain and eduwb.tracking still attribute files to schools through the
# load report's school_code, which a district-level file leaves empty (Period.file_schools has
# the schools); see the README.
P_DISTRICT = {"tiny": 0.0, "district": 0.06, "province": 0.06}
P_REEXPORT = 0.01  # share of exports saved twice
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


_JOBS: list = []  # (job, root, seed) shared with forked workers


def _run(indices: list[int]) -> list[tuple[int, _render.Rendered]]:
    out = []
    for i in indices:
        job, root, seed = _JOBS[i]
        out.append((i, _render.render(job, root, seed)))
    return out


def _rel_dir(e: _faults.Export, school_sub: bool) -> str:
    base = f"{YEAR}/{e.period}/{e.system}/{e.district}"
    return f"{base}/{e.file_school_code}" if school_sub else base


@dataclass
class _Pair:
    """A file superseded by another, for the truth: all its rows, or one school's."""

    loser: int  # job index
    winner: int
    school: str | None = None  # None: the whole file


def _jobs(every: list[_faults.Export], styles: list[_noise.Style], schools: dict,
          merged_old: set[str], seed: int,
          p_district: float) -> tuple[list[_render.Job], list[_Pair]]:
    """The files to write: one per export, except the exports grouped into district-level files;
    plus re-exports and schools' own later files that supersede (part of) another file."""
    jobs: list[_render.Job] = []
    pairs: list[_Pair] = []
    groups: dict[tuple, list[int]] = {}
    for i, e in enumerate(every):
        groups.setdefault((e.period, e.system, e.district, e.kind), []).append(i)
    in_district: set[int] = set()
    district_jobs: list[tuple[int, list[int]]] = []
    eligible = []
    for key, idx in sorted(groups.items()):
        rng = random.Random(f"eduwb-sample:{seed}:district:{':'.join(key)}")
        draw, name = rng.random(), rng.random() < 0.35
        ok = [i for i in idx if not every[i].corrupt and "password_protected" not in
              styles[i].noise and every[i].file_school_code not in merged_old]
        ok = [i for i in ok if every[i].fields == every[ok[0]].fields] if ok else []
        if len(ok) >= 2 and p_district > 0:
            eligible.append((draw, name, key, ok))
    chosen = [x for x in eligible if x[0] < p_district]
    for variant in (False, True):  # at least one file of each kind of school column
        if not any(x[1] == variant for x in chosen):
            pick = next((x for x in eligible if x[1] == variant), None)
            if pick is not None:
                chosen.append(pick)
    for _, name, key, ok in sorted(chosen, key=lambda x: x[2]):
        st = _district_style(styles[ok[0]], "name" if name else "code")
        job = _render.Job([every[i] for i in ok], st, [schools[every[i].school] for i in ok],
                          f"{YEAR}/{key[0]}/{key[1]}/{key[2]}", "name" if name else "code")
        district_jobs.append((len(jobs), ok))
        jobs.append(job)
        in_district.update(ok)
    for i, e in enumerate(every):
        if i in in_district:
            continue
        sub = e.system == "csdl" and int(e.school[-3:]) % 4 == 0
        jobs.append(_render.Job([e], styles[i], [schools[e.school]], _rel_dir(e, sub)))
    # a school's own, later file beside a district-level file that lists it too
    for n, (at, ok) in enumerate(district_jobs):
        if jobs[at].style.is_csv or not (n == 0 or random.Random(
                f"eduwb-sample:{seed}:own:{at}").random() < 0.3):
            continue
        e = every[ok[-1]]
        st = _later_style(styles[ok[-1]])
        jobs.append(_render.Job([e], st, [schools[e.school]], _rel_dir(e, False),
                                export_date=_render.EXPORT_DATES[e.period] + timedelta(days=2)))
        pairs.append(_Pair(at, len(jobs) - 1, e.file_school_code))
        st.noise.add("superseded_district_rows")
    # the same export saved twice: "… (1)" is the later one
    n_single = len(jobs)
    candidates = [j for j in range(n_single) if not jobs[j].district_level
                  and "export_date_line" in jobs[j].style.noise and not jobs[j].style.is_csv
                  and not jobs[j].exports[0].corrupt
                  and "password_protected" not in jobs[j].style.noise]
    chosen = [j for j in candidates if random.Random(
        f"eduwb-sample:{seed}:reexport:{jobs[j].rel_dir}:{jobs[j].exports[0].kind}:"
        f"{jobs[j].exports[0].school}").random() < P_REEXPORT]
    if not chosen and candidates:
        chosen = [candidates[len(candidates) // 2]]
    for j in chosen:
        old = jobs[j]
        e = old.exports[0]
        st = dataclasses.replace(old.style, noise=set(old.style.noise) | {"superseded_reexport"})
        old.style.noise.add("superseded_reexport")
        jobs.append(_render.Job(old.exports, st, old.schools, old.rel_dir, name_suffix=" (1)",
                                export_date=_render.EXPORT_DATES[e.period] + timedelta(days=2)))
        pairs.append(_Pair(j, len(jobs) - 1))
    return jobs, pairs


def _district_style(st: _noise.Style, column: str) -> _noise.Style:
    """A district-level file's style: the first school's, its school per row, a "Ngày xuất" line."""
    noise = set(st.noise) - {"school_code_title", "school_code_filename", "school_code_column",
                             "title_rows"}
    noise |= {f"district_level_{column}", "export_date_line"}
    if column == "code":
        noise.add("school_code_column")
    return dataclasses.replace(st, noise=noise, n_titles=6)


def _later_style(st: _noise.Style) -> _noise.Style:
    """A school's own file dated after the district file (a title line, unless it is a CSV, whose
    date is the file's: later anyway)."""
    noise = set(st.noise) | ({"title_rows", "export_date_line"} if not st.is_csv else set())
    return dataclasses.replace(st, noise=noise, n_titles=max(st.n_titles, 6) if not st.is_csv
                               else 0)


def _supersede(results: list, pairs: list[_Pair]) -> None:
    """What the loader must make of superseded files: the loser's rows (or one school's rows in it)
    are not read, its canonical rows and rejections go, its files.csv row says by which file."""
    for pair in pairs:
        loser, winner = results[pair.loser], results[pair.winner]
        codes = set(loser.schools) if pair.school is None else {pair.school}
        read = sum(loser.schools[c][0] for c in codes)
        rejected = sum(loser.schools[c][1] for c in codes)
        f = list(loser.file)
        f[6] = str(int(f[6]) - read)
        f[7] = str(int(f[7]) - (read - rejected))
        f[8] = str(int(f[8]) - rejected)
        f[13] = winner.file[1]
        loser.file = tuple(f)
        loser.canonical = [r for r in loser.canonical if r[4] not in codes]
        loser.rejections = [r for r in loser.rejections if r[7] not in codes]
        loser.schools = {c: n for c, n in loser.schools.items() if c not in codes}


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
    _noise.layouts(every, styles, seed)
    _registry.write_registry(world, out)
    merged_old = {c for s in world.schools for c in s.old_codes}
    jobs, pairs = _jobs(every, styles, schools, merged_old, seed, P_DISTRICT[size])
    _JOBS = [(job, out, seed) for job in jobs]
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
    _supersede(results, pairs)
    faults_total: Counter[str] = Counter()
    by_format: Counter[str] = Counter()
    noise_files: dict[str, list[str]] = {k: [] for k in (*_noise.NOISE_KINDS,
                                                         *_noise.LAYOUT_KINDS)}
    rows_written = 0
    reg = [(s.code, s.district) for s in sorted(world.schools, key=lambda s: s.code)]
    previous = None
    for period in vocab.PERIODS:
        tdir = out / "_truth" / YEAR / period
        idx = [i for i, job in enumerate(jobs) if job.exports[0].period == period]
        files, canon, rejects = [], {}, []
        for i in idx:
            job, r = jobs[i], results[i]
            files.append(r.file)
            by_format[r.file[2]] += 1
            rows_written += int(r.file[6])
            for k in r.file[11].split(";"):
                noise_files[k].append(r.file[1])
            for row in r.canonical:
                canon.setdefault((row[0], job.exports[0].kind), []).append(row)
            rejects.extend(rej[:7] for rej in r.rejections)
        tex = [{"system": e.system, "kind": e.kind, "school": e.school,
                "file_school_code": e.file_school_code,
                "readable": not e.corrupt and "password_protected" not in st.noise,
                "fields": e.fields, "records": e.records}
               for e, st in zip(every, styles, strict=True) if e.period == period]
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
    descriptions = {**_noise.NOISE_KINDS, **_noise.LAYOUT_KINDS}
    write_csv(out / "_truth" / "noise_kinds.csv",
              ("noise_kind", "description", "n_files", "example_files"),
              [(k, d, len(noise_files[k]), ";".join(sorted(noise_files[k])[:3]))
               for k, d in descriptions.items()])
    first = world.snapshots["dau_nam"]
    return SampleSummary(
        out=out, seed=seed, size=size, schools=len(world.schools),
        pupils=len(first["students"]), staff=len(first["staff"]), files=len(jobs),
        files_by_format=dict(sorted(by_format.items())), rows_written=rows_written,
        faults_by_category=dict(sorted(faults_total.items())),
        noise_kinds=sum(1 for v in noise_files.values() if v),
        seconds=round(time.perf_counter() - t0, 2),
    )
