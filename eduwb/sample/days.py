"""Successive days of one period: the sample's exports as a district office holds them day after day.

A DATA folder holds one state of the exports, so the days are whole DATA folders, one per export
date: ``write_days(out)`` writes

- ``out/<YYYY-MM-DD>/`` for each day: ``danh_muc/`` and ``2021-2022/<period>/{vnedu,csdl}/``. The
  first day is the sample's period as :func:`eduwb.sample.generate` writes it; on each later day
  some schools send new exports of some lists (title line "Ngày xuất" = that day, file time = that
  day) and the other files stay as they were (hard links to the day before, same time);
- ``out/_truth/``: ``<date>/discrepancies.csv`` (outputs.md columns, then ``state``,
  ``first_seen``, ``person_key``), ``progress.csv`` (date, level, unit_code, open, new, fixed: the
  discrepancies run by run), ``after_signoff.csv`` (level, unit_code, signed_on: the units whose
  vnEdu figures changed after they signed), ``events.csv`` (what happened, day by day).

What happens (seeded, so the same seed and size give the same bytes): on day 2 a third of the
problems that a school can fix on its own are fixed — a CSDL record re-synced from vnEdu, a record
typed directly in CSDL deleted, a vnEdu record given its MOET code — and a few new ones appear (a
date of birth retyped in CSDL); school A, whose principal signed on day 1, enters a new pupil in
vnEdu (its vnEdu figures change: it must sign again); school B, also signed on day 1, only fixes
CSDL records (its vnEdu figures do not change). On day 3 another third is fixed, a few more
problems appear, and one problem fixed on day 2 comes back (its ``first_seen`` starts again).

Run ``eduwb sample OUT --days [--size tiny] [--seed 2021] [--period dau_nam]``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import filecmp
import os
import random
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from eduwb import vocab
from eduwb.sample import _rel_dir, names, write_csv
from eduwb.sample import faults as _faults
from eduwb.sample import noise as _noise
from eduwb.sample import registry as _registry
from eduwb.sample import render as _render
from eduwb.sample import truth as _truth
from eduwb.sample.people import YEAR
from eduwb.sample.population import build_world

OFFSETS = (0, 3, 5)  # days after the period's export date: Fri 10/09, Mon 13/09, Wed 15/09/2021
FIX_SHARE = 1 / 3  # of the fixable problems left, fixed each later day
ENTITY_KIND = {v: k for k, v in vocab.KIND_ENTITY.items()}
FIXABLE = {"field_mismatch", "only_in_csdl", "missing_moet_id"}
PROGRESS_COLUMNS = ("date", "level", "unit_code", "open", "new", "fixed")
DAY_COLUMNS = (*vocab.DISCREPANCY_COLUMNS, "state", "first_seen", "person_key")
EVENT_COLUMNS = ("date", "school_code", "event", "detail")
LEDGER_HEADER = ["Cấp", "Mã đơn vị", "Năm học", "Kỳ", "Người ký", "Ngày ký", "Ngày gửi"]


@dataclass(frozen=True)
class DaysSummary:
    """What :func:`write_days` wrote."""

    out: Path
    period: str
    dates: tuple[dt.date, ...]
    changed_after_signing: str  # school A
    signed_unchanged: str  # school B
    fixed: int  # problems fixed over the days (truth rows)
    new: int  # problems that appeared after the first day (truth rows)


Key = tuple[str, str, str]  # system, kind, school


class _Day:
    """The exports of one day (copy on write) and the log of what changed."""

    def __init__(self, exports: dict[Key, _faults.Export]) -> None:
        self.exports = dict(exports)
        self.touched: set[Key] = set()

    def records(self, key: Key) -> list[dict]:
        """The records of an export, copied the first time they are changed this day."""
        if key not in self.touched:
            e = self.exports[key]
            self.exports[key] = dataclasses.replace(e, records=[dict(r) for r in e.records])
            self.touched.add(key)
        return self.exports[key].records

    def next(self) -> _Day:
        return _Day(self.exports)


def _truth_rows(world, period: str, exports: dict[Key, _faults.Export]) -> list[tuple]:
    reg = [(s.code, s.district) for s in sorted(world.schools, key=lambda s: s.code)]
    tex = [{"system": e.system, "kind": e.kind, "school": e.school,
            "file_school_code": e.file_school_code, "readable": not e.corrupt,
            "fields": e.fields, "records": e.records} for e in exports.values()]
    rows = _truth.diff(YEAR, period, reg, tex)
    rows.sort(key=lambda r: tuple(r))
    return rows


def truth_key(row: tuple) -> tuple:
    """What identifies a truth finding from day to day (the sample's person_key stands for the
    record; a school_missing row by the system whose export is missing)."""
    side = ("vnedu" if row[10] == "" else "csdl") if row[5] == "school_missing" else ""
    return (row[3], row[4], row[5], row[6], row[13], side, row[7], row[8])


def _fixable_groups(rows: list[tuple], day: _Day) -> list[tuple[str, str, str]]:
    """(school, kind, person_key) whose every finding a school can fix on its own, with no value
    rejected on load among the records concerned."""
    by_group: dict[tuple[str, str, str], list[tuple]] = {}
    for r in rows:
        if r[4] in ENTITY_KIND and r[13]:
            by_group.setdefault((r[3], ENTITY_KIND[r[4]], r[13]), []).append(r)
    out = []
    for (school, kind, key), group in sorted(by_group.items()):
        if any(r[5] not in FIXABLE for r in group):
            continue
        recs = [r for system in vocab.SYSTEMS
                for r in day.exports.get((system, kind, school), _EMPTY).records
                if r["person_key"] == key]
        if any("_raw" in r for r in recs) or len(recs) > 2:
            continue
        out.append((school, kind, key))
    return out


_EMPTY = _faults.Export("", "", "", "", "", "", [], ())


def _fix(day: _Day, rows: list[tuple], group: tuple[str, str, str]) -> str:
    """Fix every finding of a group; returns what was done (for events.csv)."""
    school, kind, key = group
    mine = [r for r in rows if (r[3], ENTITY_KIND.get(r[4]), r[13]) == group]
    done = []
    for r in mine:
        category = r[5]
        if category == "only_in_csdl":
            recs = day.records(("csdl", kind, school))
            recs[:] = [x for x in recs if x["person_key"] != key]
            done.append("xóa bản ghi nhập trực tiếp trên CSDL")
        elif category == "missing_moet_id":
            cs = next(x for x in day.exports[("csdl", kind, school)].records
                      if x["person_key"] == key)
            v = next(x for x in day.records(("vnedu", kind, school)) if x["person_key"] == key)
            v["moet_id"] = cs["moet_id"]
            done.append("vnEdu nhận mã định danh")
        else:
            field = "count" if kind == "facilities" else r[6]
            v = next(x for x in day.exports[("vnedu", kind, school)].records
                     if x["person_key"] == key)
            c = next(x for x in day.records(("csdl", kind, school)) if x["person_key"] == key)
            value = v[field]
            c[field] = "05" if field == "disability" and value == "co" else value
            done.append(f"đồng bộ lại {r[6]}")
    return f"{key}: " + ", ".join(dict.fromkeys(done))


def _clean_pupils(day: _Day, rows: list[tuple], school: str) -> list[str]:
    """Pupils of a school in both systems, present, with no finding and no rejected value."""
    flagged = {r[13] for r in rows if r[3] == school}
    v = {x["person_key"] for x in day.exports.get(("vnedu", "students", school), _EMPTY).records
         if "_raw" not in x and x.get("moet_id")}
    c = [x["person_key"] for x in day.exports.get(("csdl", "students", school), _EMPTY).records
         if "_raw" not in x and vocab.is_present(x["status"]) and x["dob"] is not None]
    return sorted(k for k in c if k in v and k not in flagged and c.count(k) == 1)


def _retype_dob(day: _Day, school: str, key: str) -> str:
    rec = next(x for x in day.records(("csdl", "students", school)) if x["person_key"] == key)
    old = rec["dob"]
    rec["dob"] = old.replace(day=old.day % 28 + 1)
    return f"{key}: ngày sinh gõ lại trên CSDL ({old.isoformat()} → {rec['dob'].isoformat()})"


def _new_pupil(day: _Day, school: str, rng: random.Random, serial: int) -> str:
    recs = day.records(("vnedu", "students", school))
    model = next(r for r in recs if "_raw" not in r and vocab.is_present(r["status"]))
    used = {r["vnedu_id"] for r in recs}
    n = 98000 + serial
    while f"{school[2:]}{model['vnedu_id'][6:8]}{n:05d}" in used:
        n += 1
    new = dict(model, person_key=f"D{serial:05d}", moet_id=None, status=vocab.STATUS_PRESENT,
               status_date=None, vnedu_id=f"{school[2:]}{model['vnedu_id'][6:8]}{n:05d}")
    new["full_name"] = names.person_name(rng, new["sex"], new["ethnicity"] or "Kinh")
    recs.append(new)
    return f"{new['person_key']}: học sinh mới nhập trên vnEdu, chưa đồng bộ ({new['class_name']})"


@contextlib.contextmanager
def _export_date(period: str, day: dt.date) -> Iterator[None]:
    """Render with this day in the "Ngày xuất" title line (the renderer reads EXPORT_DATES)."""
    before = _render.EXPORT_DATES[period]
    _render.EXPORT_DATES[period] = day
    try:
        yield
    finally:
        _render.EXPORT_DATES[period] = before


def _link_tree(src: Path, dst: Path) -> None:
    """``dst`` as ``src``: hard links (same file, same time), else copies with their times."""
    for path in sorted(src.rglob("*")):
        target = dst / path.relative_to(src)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, target)
        except OSError:
            shutil.copy2(path, target)


_JOBS: list[_render.Job] = []  # the files to write, shared with forked workers


def _render_chunk(args: tuple[list[int], str, int]) -> list[str]:
    indices, tmp, seed = args
    return [_render.render(_JOBS[i], Path(tmp), seed).file[1] for i in indices]


def _render_into(tree: Path, jobs: list, seed: int, day: dt.date, period: str,
                 workers: int) -> None:
    """Render exports into ``tree`` (replacing, never writing through, the files there)."""
    global _JOBS
    _JOBS = jobs
    chunks = [(list(range(i, len(jobs), 16)), "", seed) for i in range(min(16, len(jobs)))]
    try:
        with tempfile.TemporaryDirectory(prefix="eduwb-days-") as tmp, _export_date(period, day):
            chunks = [(c, tmp, seed) for c, _, _ in chunks]
            if workers > 1 and len(jobs) > 16:
                import multiprocessing

                with multiprocessing.get_context("fork").Pool(workers) as pool:
                    files = [f for part in pool.map(_render_chunk, chunks) for f in part]
            else:
                files = [f for chunk in chunks for f in _render_chunk(chunk)]
            for rel in sorted(files):
                target = tree / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.unlink(missing_ok=True)
                shutil.move(Path(tmp) / rel, target)
                _render.stamp(target, day)
    finally:
        _JOBS = []


def _copy_first_day(sample: Path, tree: Path, jobs: list, day: dt.date) -> bool:
    """Day 1 copied from a sample that ``eduwb sample`` wrote with the same seed and size (the
    same registry and the same files as rendering would give); False when it is not one."""
    expected = {f"{job.rel_dir}/{_render._file_name(job, job.style, job.schools[0])}"
                for job in jobs}
    period = f"{YEAR}/{jobs[0].exports[0].period}"
    found = {p.relative_to(sample).as_posix() for p in (sample / period).rglob("*") if p.is_file()}
    same_registry = (sample / "danh_muc" / "truong.xlsx").is_file() and filecmp.cmp(
        sample / "danh_muc" / "truong.xlsx", tree / "danh_muc" / "truong.xlsx", shallow=False)
    if found != expected or not same_registry:
        return False
    for rel in sorted(expected):
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(sample / rel, tree / rel)
        _render.stamp(tree / rel, day)
    return True


def _sign_on(ledger: Path, period: str, schools: list[str], day: dt.date) -> list[list]:
    """Set the schools' signature of the period to ``day`` in ky_duyet.xlsx; returns its rows."""
    import openpyxl

    book = openpyxl.load_workbook(ledger, read_only=True)
    rows = [list(r) for r in book.active.iter_rows(min_row=2, values_only=True)]
    book.close()
    label = vocab.PERIOD_LABELS[period]
    rows = [r for r in rows if not (r[0] == "Trường" and r[1] in schools and r[3] == label)]
    rows += [["Trường", code, YEAR, label, f"Hiệu trưởng {code}", day, day] for code in schools]
    rows = [[v.date() if isinstance(v, dt.datetime) else v for v in r] for r in rows]
    _registry._sheet(ledger, LEDGER_HEADER, rows)
    return rows


def write_days(out: Path | str, *, seed: int = 2021, size: str = "tiny", period: str = "dau_nam",
               sample: Path | str | None = None, workers: int | None = None) -> DaysSummary:
    """Write one DATA folder per day of ``period`` and their truth under ``out``.

    ``sample``: a folder that ``eduwb sample`` wrote with the same seed and size, whose files are
    copied for the first day instead of rendered again (checked: same registry, same files).
    ``workers``: rendering processes (default 2, 1 for the tiny size).
    """
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    world = build_world(seed, size)
    _st, plans = _faults.plan_exports(world)
    schools = {s.code: s for s in world.schools}
    multi = {s.code: any(c["multi_grade"] for c in s.classes) for s in world.schools}
    slash = {s.code: s.class_style == "slash" for s in world.schools}
    every = [e for p in vocab.PERIODS for e in plans[p]]  # styles as generate() gives them
    chosen_styles = _noise.choose(every, seed, multi, slash)
    _noise.layouts(every, chosen_styles, seed)
    base = {(e.system, e.kind, e.school): e for e in plans[period]}
    style = {(e.system, e.kind, e.school): st for e, st in zip(every, chosen_styles, strict=True)
             if e.period == period}

    def jobs(day: _Day, keys) -> list[_render.Job]:
        """One school-level file per export (district-level files and re-exports are the
        sample's; the days re-export schools' own lists)."""
        return [_render.Job([day.exports[k]], style[k], [schools[k[2]]], _rel_dir(
            day.exports[k], k[0] == "csdl" and int(k[2][-3:]) % 4 == 0)) for k in sorted(keys)]

    dates = tuple(_render.EXPORT_DATES[period] + dt.timedelta(days=d) for d in OFFSETS)
    rng = random.Random(f"eduwb-sample:{seed}:days:{period}")

    # Day 1: the sample's period as generate() writes it, with the signatures of schools A and B.
    day = _Day(base)
    truth = [_truth_rows(world, period, day.exports)]
    first = out / dates[0].isoformat()
    _registry.write_registry(world, first)
    workers = workers if workers is not None else (1 if size == "tiny" else 2)
    if sample is None or not _copy_first_day(Path(sample), first, jobs(day, base), dates[0]):
        _render_into(first, jobs(day, base), seed, dates[0], period, workers)
    groups = _fixable_groups(truth[0], day)
    kinds_of = {g: {r[5] for r in truth[0] if (r[3], ENTITY_KIND.get(r[4]), r[13]) == g}
                for g in groups}
    on_csdl = [g for g in groups if kinds_of[g] <= {"field_mismatch", "only_in_csdl"}]
    pupils = sorted({k[2] for k in base if k[:2] == ("vnedu", "students")}
                    & {k[2] for k in base if k[:2] == ("csdl", "students")})
    signed_b = next((g[0] for g in on_csdl if g[0] in pupils), on_csdl[0][0])
    signed_a = next(s for s in reversed(pupils) if s != signed_b)
    ledger = _sign_on(first / "danh_muc" / "ky_duyet.xlsx", period, [signed_a, signed_b],
                      dates[0])
    for path in (first / "danh_muc").iterdir():
        _render.stamp(path, dates[0])

    events: list[tuple] = []
    left = list(groups)
    keep_clean = {g[2] for g in groups}  # no new problem on a record that has or had one
    came_back: tuple[str, str, str] | None = None
    saved: dict[tuple[str, str, str], dict] = {}
    serial = 0
    for k, date in enumerate(dates[1:], start=1):
        day = day.next()
        rows, when = truth[-1], date.isoformat()
        chosen = sorted(rng.sample(left, max(1, round(len(left) * FIX_SHARE)))) if left else []
        if k == 1 and not any(g[0] == signed_b and g in on_csdl for g in chosen):
            chosen = sorted([*chosen, next(g for g in on_csdl if g[0] == signed_b)])
        for g in chosen:
            if k == 1 and g in on_csdl:
                saved[g] = next((dict(x) for x in day.exports[("csdl", g[1], g[0])].records
                                 if x["person_key"] == g[2]), {})
            events.append((when, g[0], "fixed", _fix(day, rows, g)))
            left.remove(g)
        if k == 2:  # a problem fixed on day 2 comes back: the old CSDL record is written back
            came_back = next((g for g in sorted(saved) if g[0] != signed_a and saved[g]), None)
            if came_back is not None:
                recs = day.records(("csdl", came_back[1], came_back[0]))
                recs[:] = [x for x in recs if x["person_key"] != came_back[2]]
                recs.append(saved[came_back])
                events.append((when, came_back[0], "came_back",
                               f"{came_back[2]}: bản ghi cũ được ghi lại lên CSDL"))
        others = [s for s in pupils if s not in (signed_a, signed_b)]
        for school in sorted(rng.sample(others, max(1, len(others) // 10))):
            clean = [p for p in _clean_pupils(day, rows, school) if p not in keep_clean]
            if clean:
                key = rng.choice(clean)
                keep_clean.add(key)
                events.append((when, school, "new", _retype_dob(day, school, key)))
        if k == 1:
            serial += 1
            events.append((when, signed_a, "vnedu_changed",
                           _new_pupil(day, signed_a, rng, serial)))
        truth.append(_truth_rows(world, period, day.exports))
        tree = out / when
        _link_tree(out / dates[k - 1].isoformat(), tree)
        _render_into(tree, jobs(day, day.touched), seed, date, period, workers)
    after = _after_signoff(ledger, period, dates, events, schools)
    return _write_truth(out, world, period, dates, truth, events, after, signed_a, signed_b)


def _after_signoff(ledger: list[list], period: str, dates: tuple[dt.date, ...],
                   events: list[tuple], schools: dict) -> list[tuple]:
    """The signed units whose vnEdu figures changed after the last day on or before signing."""
    label = vocab.PERIOD_LABELS[period]
    changed = [(dt.date.fromisoformat(e[0]), e[1]) for e in events if e[2] == "vnedu_changed"]
    out = []
    for level, code, _year, term, _who, signed_on, _sent in ledger:
        if term != label or signed_on is None:
            continue
        before = [d for d in dates if d <= signed_on]
        if not before or before[-1] == dates[-1]:
            continue  # nothing recorded before signing, or signed after the last day
        hit = [s for d, s in changed if d > before[-1]
               and (s == code if level == "Trường" else schools[s].district == code)]
        if hit:
            out.append(("school" if level == "Trường" else "district", code,
                        signed_on.isoformat()))
    return sorted(out)


def _write_truth(out: Path, world, period: str, dates: tuple[dt.date, ...],
                 truth: list[list[tuple]], events: list[tuple], after: list[tuple],
                 signed_a: str, signed_b: str) -> DaysSummary:
    tdir = out / "_truth"
    first_seen: dict[tuple, dt.date] = {}
    before: dict[tuple, tuple] = {}
    progress: list[tuple] = []
    units = [("province", vocab.PROVINCE_CODE)]
    units += [("district", d) for d in sorted({s.district for s in world.schools})]
    units += [("school", s.code) for s in sorted(world.schools, key=lambda s: s.code)]
    n_fixed = n_new = 0

    def count(rows, level: str, code: str) -> int:
        return sum(1 for r in rows if level == "province" or r[2 if level == "district" else 3]
                   == code)

    for k, (date, rows) in enumerate(zip(dates, truth, strict=True)):
        now = {truth_key(r): r for r in rows}
        new = [r for key, r in now.items() if key not in before]
        gone = [r for key, r in before.items() if key not in now]
        for key in now:
            if key not in before:
                first_seen[key] = date
        write_csv(tdir / date.isoformat() / "discrepancies.csv", DAY_COLUMNS, sorted(
            (*r[:13], "open" if key in before else "new", first_seen[key].isoformat(), r[13])
            for key, r in now.items()))
        if k:
            n_fixed, n_new = n_fixed + len(gone), n_new + len(new)
        progress += [(date.isoformat(), level, code, count(rows, level, code),
                      count(new, level, code), count(gone, level, code)) for level, code in units]
        before = now
    write_csv(tdir / "progress.csv", PROGRESS_COLUMNS, progress)
    write_csv(tdir / "events.csv", EVENT_COLUMNS, events)
    write_csv(tdir / "after_signoff.csv", ("level", "unit_code", "signed_on"), after)
    return DaysSummary(out, period, dates, signed_a, signed_b, n_fixed, n_new)
