"""A national-scale Period made directly as canonical tables (no Excel), for the #4 benchmark.

Usage::

    .venv/bin/python benchmarks/national.py gen --pupils 9000000   # parquet in benchmarks/.cache/
    .venv/bin/python benchmarks/national.py run --pupils 9000000   # reconcile; one JSON line

Proportions of Vietnam's primary education: ~600 pupils a school (15,000 schools for 9M pupils),
~28 pupils a class, ~25 schools a district, ~10 districts a province, ~1 staff per 20 pupils.
Faults, drawn with a fixed seed: 2% of pupils only in vnEdu (not synced), 1% only in CSDL, 1% of
linked pupils without a MOET code in vnEdu (a fifth of them with a differently written given name
in CSDL, so that the fuzzy pass links them), 2% of linked pupils with one field changed in CSDL,
0.3% duplicated in each system, 0.1% of schools without a CSDL pupil export. ``run`` reads the
cache (generating it first in a child process when missing, so that the peak memory measured is the
reconciliation's), builds the Period (registry, load_report, carried) vectorised and prints time,
peak RSS and stage times as JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from eduwb import schemas, vocab
from eduwb.load import Period
from eduwb.registry import Registry

CACHE = Path(__file__).resolve().parent / ".cache"
YEAR, PERIOD, START = "2021-2022", "dau_nam", 2021
PUPILS_PER_SCHOOL, PUPILS_PER_CLASS, SCHOOLS_PER_DISTRICT, DISTRICTS_PER_PROVINCE = 600, 28, 25, 10
EPOCH = dt.date(1970, 1, 1)

FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
          "Hồ", "Ngô", "Dương", "Lý", "Điểu", "Thị", "Lục", "Đào")
MIDDLE = ("Văn", "Thị", "Ngọc", "Minh", "Đức", "Thanh", "Hoàng", "Quốc", "Gia", "Bảo", "Anh", "Hữu",
          "Thu", "Kim", "Xuân", "Phương", "Tuấn", "Mai", "Khánh", "Hải", "Như", "Tường", "Công",
          "Thảo", "Thuỳ", "Đình", "Trung", "Nhật", "Bích", "Hồng")
GIVEN = (
    "An", "Anh", "Bình", "Chi", "Dũng", "Duy", "Dương", "Giang", "Hà", "Hải", "Hân", "Hạnh",
    "Hiếu", "Hòa", "Hoàng", "Hùng", "Huy", "Hương", "Khang", "Khánh", "Khoa", "Khôi", "Kiên",
    "Lan", "Lâm", "Linh", "Long", "Ly", "Mai", "Minh", "My", "Nam", "Nga", "Ngân", "Ngọc", "Nhi",
    "Nhung", "Oanh", "Phát", "Phong", "Phúc", "Phương", "Quân", "Quang", "Quỳnh", "Sơn", "Tài",
    "Tâm", "Thảo", "Thắng", "Thanh", "Thành", "Thịnh", "Thu", "Thủy", "Tiên", "Tiến", "Toàn",
    "Trang", "Trí", "Trinh", "Trúc", "Trung", "Tú", "Tuấn", "Tùng", "Uyên", "Vân", "Việt", "Vinh",
    "Vy", "Xuân", "Yến", "Đạt", "Đức", "Hậu", "Hiền", "Hiệp", "Hoa", "Huệ", "Kha", "Khải", "Lộc",
    "Luân", "Mạnh", "Ngà", "Nguyên", "Nhân", "Như", "Phú", "Phước", "Quý", "Sang", "Sương", "Thái",
    "Thiện", "Thư", "Thương", "Trâm", "Trường", "Tường", "Vũ", "Ý", "Bảo", "Châu", "Diệp", "Đông",
    "Gấm", "Hằng", "Hưng", "Kỳ", "Lợi", "Mỹ", "Nghĩa", "Nhật", "Quế",
)
ETHNIC = ("Kinh", "Tày", "Thái", "Mường", "Khmer", "Hoa", "Nùng", "Mông", "Dao", "Xtiêng", "Mnông")
ETHNIC_P = (0.85, 0.02, 0.02, 0.02, 0.02, 0.01, 0.01, 0.02, 0.01, 0.01, 0.01)
STATUS = ("Đang học", "Chuyển đến kỳ 1", "Chuyển đi kỳ 1", "Thôi học kỳ 1")
STATUS_P = (0.96, 0.02, 0.015, 0.005)
DISABILITY = ("khong", "co", "01", "02", "05")
DISABILITY_P = (0.98, 0.005, 0.005, 0.005, 0.005)


def _text(codes: np.ndarray, labels: tuple | np.ndarray) -> pd.Series:
    """Integer codes (-1 = missing) as a ``str`` column."""
    cat = pd.Categorical.from_codes(codes, categories=pd.Index(list(labels), dtype=object))
    return pd.Series(cat).astype("str")


def _numbers(values: np.ndarray, width: int, prefix: str = "") -> pd.Series:
    """Integers as zero-padded text codes."""
    s = pd.Series(values).astype("str").str.zfill(width)
    return (prefix + s) if prefix else s


def _schools(n_schools: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    d = np.arange(n_schools) // SCHOOLS_PER_DISTRICT
    n_districts = int(d.max()) + 1
    prov = np.arange(n_districts) // DISTRICTS_PER_PROVINCE + 1
    dcode = np.array([f"{i + 1:03d}" for i in range(n_districts)], dtype=object)
    codes = np.array([f"{prov[x]:02d}{x + 1:03d}{k % SCHOOLS_PER_DISTRICT + 1:03d}"
                      for k, x in enumerate(d)], dtype=object)
    schools = pd.DataFrame({
        "school_code": codes, "name": [f"TH số {k + 1}" for k in range(n_schools)],
        "school_type": "TH", "district_code": dcode[d], "commune_code": None,
        "ownership": "Công lập", "old_codes": [()] * n_schools, "merged_on": None,
    })
    districts = pd.DataFrame({"district_code": dcode,
                              "name": [f"Phòng GD&ĐT {c}" for c in dcode],
                              "specialist": "Chuyên viên", "phone": None, "email": None})
    return schools, districts


def _pick(rng: np.random.Generator, n: int, p: float) -> np.ndarray:
    return rng.random(n) < p


def _people(rng: np.random.Generator, n: int, n_schools: int, staff: bool) -> dict[str, np.ndarray]:
    """The true population as integer-coded attributes, sorted by school."""
    school = np.sort(rng.integers(0, n_schools, n))
    first = np.searchsorted(school, np.arange(n_schools))
    grade = rng.integers(1, 6, n)
    age = rng.integers(22, 60, n) if staff else grade + 5
    born = np.array([(dt.date(START - a, 1, 1) - EPOCH).days for a in range(0, 61)])
    dob = born[age] + rng.integers(0, 365, n)
    out = {
        "school": school, "row": np.arange(n) - first[school] + 2, "grade": grade,
        "cls": rng.integers(0, max(1, PUPILS_PER_SCHOOL // 5 // PUPILS_PER_CLASS), n),
        "family": rng.integers(0, len(FAMILY), n), "middle": rng.integers(0, len(MIDDLE), n),
        "given": rng.integers(0, len(GIVEN), n), "variant": np.zeros(n, dtype=bool),
        "sex": rng.integers(0, 2, n), "dob": dob,
        "ethnicity": rng.choice(len(ETHNIC), n, p=ETHNIC_P),
        "status": rng.choice(len(STATUS), n, p=STATUS_P),
        "disability": rng.choice(len(DISABILITY), n, p=DISABILITY_P),
        "two": _pick(rng, n, 0.7), "boarding": _pick(rng, n, 0.2), "repeater": _pick(rng, n, 0.01),
        "moet": 7_000_000_000 + rng.permutation(n * 2)[:n], "vid": np.arange(n),
        "pid": rng.integers(10**11, 10**12 - 1, n), "has_moet": np.ones(n, dtype=bool),
        "position": rng.choice(len(vocab.POSITIONS), n), "qualification": rng.choice(5, n),
        "contract": rng.integers(0, 2, n), "staff_status": rng.choice(3, n, p=(0.95, 0.03, 0.02)),
    }
    if staff:
        out["position"] = np.where(rng.random(n) < 0.75, vocab.POSITIONS.index("Giáo viên"),
                                   out["position"])
    return out


def _take(p: dict[str, np.ndarray], idx: np.ndarray) -> dict[str, np.ndarray]:
    return {k: v[idx] for k, v in p.items()}


def _systems(rng: np.random.Generator, p: dict[str, np.ndarray], next_moet: int
             ) -> tuple[dict, dict]:
    """The two systems' records with faults (see the module docstring)."""
    n = len(p["school"])
    u = rng.random(n)
    vn = _take(p, np.flatnonzero(u >= 0.01))           # 1% only in CSDL
    cs = _take(p, np.flatnonzero((u < 0.01) | (u >= 0.03)))  # 2% only in vnEdu
    both_c = np.flatnonzero(np.isin(cs["vid"], vn["vid"]))
    # vnEdu records without a MOET code; a fifth also spelled differently in CSDL (fuzzy link).
    no_moet = np.flatnonzero(_pick(rng, len(vn["vid"]), 0.01) & np.isin(vn["vid"], cs["vid"]))
    vn["has_moet"][no_moet] = False
    variant = np.isin(cs["vid"], vn["vid"][no_moet[rng.random(len(no_moet)) < 0.2]])
    cs["variant"] = variant
    # One field changed in CSDL for 2% of linked records.
    changed = both_c[_pick(rng, len(both_c), 0.02)]
    which = rng.integers(0, 7, len(changed))
    cs["dob"][changed[which == 0]] += 40
    cs["sex"][changed[which == 1]] ^= 1
    cs["ethnicity"][changed[which == 2]] = (cs["ethnicity"][changed[which == 2]] + 1) % len(ETHNIC)
    g = changed[which == 3]
    cs["grade"][g] = cs["grade"][g] % 5 + 1
    cs["status"][changed[which == 4]] = (cs["status"][changed[which == 4]] + 1) % len(STATUS)
    cs["disability"][changed[which == 5]] = (cs["disability"][changed[which == 5]] + 2) % 5
    cs["two"][changed[which == 6]] ^= True
    # Duplicates: a second vnEdu record without a MOET code; a second CSDL record with a new code.
    dup_v = _take(vn, np.flatnonzero(_pick(rng, len(vn["vid"]), 0.003)))
    dup_v["has_moet"][:] = False
    dup_v["vid"] = dup_v["vid"] + 10**8
    dup_v["row"] = dup_v["row"] + 100_000
    dup_c = _take(cs, np.flatnonzero(_pick(rng, len(cs["vid"]), 0.003)))
    dup_c["moet"] = next_moet + np.arange(len(dup_c["moet"]))
    dup_c["row"] = dup_c["row"] + 100_000
    vn = {k: np.concatenate([vn[k], dup_v[k]]) for k in vn}
    cs = {k: np.concatenate([cs[k], dup_c[k]]) for k in cs}
    return vn, cs


def _frame(rec: dict[str, np.ndarray], system: str, kind: str, codes: np.ndarray,
           districts: np.ndarray) -> pd.DataFrame:
    """Integer-coded records → the canonical table of ``kind`` (sorted by school and row)."""
    order = np.lexsort((rec["row"], rec["school"]))
    rec = {k: v[order] for k, v in rec.items()}
    n = len(rec["school"])
    school = _text(rec["school"], codes)
    tag = "HocSinh" if kind == "students" else "CanBo"
    files = np.array([f"{system}/{d}/{c}_{tag}.xlsx" for c, d in zip(codes, districts,
                                                                      strict=True)], dtype=object)
    given = np.array(GIVEN, dtype=object)[rec["given"]]
    given = np.where(rec["variant"], np.array([g + "h" for g in GIVEN], dtype=object)[rec["given"]],
                     given)
    name_codes, names = pd.factorize(
        np.array(FAMILY, dtype=object)[rec["family"]] + " "
        + np.array(MIDDLE, dtype=object)[rec["middle"]] + " " + given)
    frame = {
        "system": _text(np.zeros(n, dtype=np.int64), (system,)),
        "file": _text(rec["school"], files), "sheet": _text(np.zeros(n, dtype=np.int64), ("Sheet1",)),
        "row": rec["row"].astype(np.int64), "file_school_code": school, "school_code": school,
        "vnedu_id": (_numbers(rec["vid"], 9, "HS" if kind == "students" else "CB")
                     if system == "vnedu" else pd.Series(None, index=range(n), dtype="str")),
        "moet_id": _numbers(rec["moet"], 10).where(rec["has_moet"]),
        "personal_id": _numbers(rec["pid"], 12).where(rec["vid"] % 5 != 0),
        "full_name": _text(name_codes, names), "dob": rec["dob"].astype(np.int32),
        "sex": _text(rec["sex"], ("F", "M")), "ethnicity": _text(rec["ethnicity"], ETHNIC),
    }
    if kind == "students":
        frame |= {
            "class_name": _text((rec["grade"] - 1) * 10 + rec["cls"],
                                [f"{g}A{k + 1}" for g in range(1, 6) for k in range(10)]),
            "grade": pd.array(rec["grade"], dtype="Int64"), "status": _text(rec["status"], STATUS),
            "status_date": None,
            "disability": _text(rec["disability"], DISABILITY),
            "two_sessions": pd.array(rec["two"], dtype="boolean"),
            "boarding": pd.array(rec["boarding"], dtype="boolean"),
            "repeater": pd.array(rec["repeater"], dtype="boolean"),
            "new_entrant": pd.array(rec["grade"] == 1, dtype="boolean"),
            "evaluation": pd.Series(None, index=range(n), dtype="str"),
            "completed_primary": pd.array([pd.NA] * n, dtype="boolean"),
        }
    else:
        pos = np.array(vocab.POSITIONS, dtype=object)[rec["position"]]
        group = np.where(np.isin(pos, ["Hiệu trưởng", "Phó hiệu trưởng"]), 0,
                         np.where(pos == "Giáo viên", 1, 2))
        frame |= {
            "staff_group": _text(group, ("cbql", "gv", "nv")),
            "position": _text(rec["position"], vocab.POSITIONS),
            "subject": pd.Series(None, index=range(n), dtype="str"),
            "qualification": _text(rec["qualification"], vocab.QUALIFICATIONS),
            "contract": _text(rec["contract"], vocab.CONTRACTS),
            "staff_status": _text(rec["staff_status"], vocab.STAFF_AT_WORK),
        }
    return pd.DataFrame(frame)[list(schemas.columns(kind))]


def _classes(rng: np.random.Generator, n_schools: int, codes: np.ndarray,
             districts: np.ndarray) -> pd.DataFrame:
    per = PUPILS_PER_SCHOOL // PUPILS_PER_CLASS
    school = np.repeat(np.arange(n_schools), per)
    k = np.tile(np.arange(per), n_schools)
    grade, cls = k % 5 + 1, k // 5
    size = rng.integers(20, 36, len(school))
    parts = []
    for system in vocab.SYSTEMS:
        sz = size.copy()
        if system == "csdl":
            sz[_pick(rng, len(sz), 0.02)] += 1
        files = np.array([f"{system}/{d}/{c}_LopHoc.xlsx" for c, d in zip(codes, districts,
                                                                          strict=True)], dtype=object)
        parts.append(pd.DataFrame({
            "system": system, "file": _text(school, files), "sheet": "Sheet1",
            "row": k + 2, "file_school_code": _text(school, codes), "school_code": _text(school, codes),
            "class_name": [f"{g}A{c + 1}" for g, c in zip(grade, cls, strict=True)],
            "grade": pd.array(grade, dtype="Int64"), "two_sessions": pd.array(k % 3 > 0, dtype="boolean"),
            "multi_grade": pd.array(np.zeros(len(k), bool), dtype="boolean"),
            "homeroom_teacher": None, "declared_size": pd.array(sz, dtype="Int64"),
        }))
    return pd.concat(parts, ignore_index=True).astype({"sheet": "str", "system": "str",
                                                       "class_name": "str",
                                                       "homeroom_teacher": "str"})


def _facilities(rng: np.random.Generator, n_schools: int, codes: np.ndarray,
                districts: np.ndarray) -> pd.DataFrame:
    items = list(vocab.CLASSROOM_TYPES)
    school = np.repeat(np.arange(n_schools), len(items))
    item = np.tile(np.arange(len(items)), n_schools)
    count = rng.integers(0, 20, len(school))
    parts = []
    for system in vocab.SYSTEMS:
        c = count.copy()
        if system == "csdl":
            c[_pick(rng, len(c), 0.01)] += 1
        files = np.array([f"{system}/{d}/{s}_CSVC.xlsx" for s, d in zip(codes, districts,
                                                                        strict=True)], dtype=object)
        parts.append(pd.DataFrame({
            "system": system, "file": _text(school, files), "sheet": "Sheet1", "row": item + 2,
            "file_school_code": _text(school, codes), "school_code": _text(school, codes),
            "item": _text(item, items), "count": pd.array(c, dtype="Int64"),
        }))
    return pd.concat(parts, ignore_index=True).astype({"sheet": "str", "system": "str"})


def folder(pupils: int) -> Path:
    return CACHE / f"national_{pupils}"


def generate(pupils: int, seed: int = 4) -> Path:
    """Write the canonical tables and registry of a country of ``pupils`` pupils as parquet."""
    rng = np.random.default_rng(seed)
    n_schools = max(2, round(pupils / PUPILS_PER_SCHOOL))
    schools, districts = _schools(n_schools)
    codes = schools["school_code"].to_numpy()
    dcodes = schools["district_code"].to_numpy()
    out = folder(pupils)
    out.mkdir(parents=True, exist_ok=True)
    for kind, n in (("students", pupils), ("staff", max(10, pupils // 20))):
        people = _people(rng, n, n_schools, staff=kind == "staff")
        vn, cs = _systems(rng, people, 9_000_000_000)
        if kind == "students":  # a few schools without a CSDL pupil export
            gone = rng.choice(n_schools, max(1, n_schools // 1000), replace=False)
            cs = _take(cs, np.flatnonzero(~np.isin(cs["school"], gone)))
            pd.Series(codes[gone], name="school_code").to_frame().to_parquet(out / "gone.parquet")
        table = pd.concat([_frame(vn, "vnedu", kind, codes, dcodes),
                           _frame(cs, "csdl", kind, codes, dcodes)], ignore_index=True)
        table.to_parquet(out / f"{kind}.parquet", index=False)
        del table, vn, cs, people
    _classes(rng, n_schools, codes, dcodes).to_parquet(out / "classes.parquet", index=False)
    _facilities(rng, n_schools, codes, dcodes).to_parquet(out / "facilities.parquet", index=False)
    schools.assign(old_codes=None).to_parquet(out / "schools.parquet", index=False)
    districts.to_parquet(out / "districts.parquet", index=False)
    return out


def read_period(pupils: int) -> Period:
    """The cached tables as a loaded Period (registry, load_report and carried made vectorised)."""
    src = folder(pupils)
    schools = pd.read_parquet(src / "schools.parquet")
    schools["old_codes"] = [()] * len(schools)
    registry = Registry.from_frames(schools, pd.read_parquet(src / "districts.parquet"))
    tables = {}
    for kind in vocab.LIST_KINDS:
        table = pd.read_parquet(src / f"{kind}.parquet")
        if "dob" in table:  # days → datetime.date, one object per distinct day
            days, inverse = np.unique(table["dob"].to_numpy(), return_inverse=True)
            dates = np.array([EPOCH + dt.timedelta(days=int(d)) for d in days] + [None],
                             dtype=object)
            table["dob"] = dates[inverse]
        if "status_date" in table:
            table["status_date"] = np.full(len(table), None, dtype=object)
        tables[kind] = table
    gone = set(pd.read_parquet(src / "gone.parquet")["school_code"])
    report, carried = _report(tables, schools, gone)
    rejected = pd.DataFrame(columns=list(vocab.REJECTED_ROW_COLUMNS))
    return Period(src, YEAR, PERIOD, None, registry, tables, report, rejected, carried)


def _report(tables: dict[str, pd.DataFrame], schools: pd.DataFrame,
            gone: set[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """load_report (one row per system × school × kind file) and carried (system, file, field)."""
    reports, carried = [], []
    for kind, table in tables.items():
        files = table.groupby(["system", "file", "school_code"], sort=True).size()
        frame = files.rename("rows_read").reset_index()
        # A school with no CSDL pupil export has no file at all.
        for system in vocab.SYSTEMS:
            have = set(frame.loc[frame["system"] == system, "school_code"])
            lost = [c for c in schools["school_code"] if c not in have and c not in gone]
            assert not lost, f"{kind} {system}: schools without records {lost[:3]}"
        frame = frame.assign(sheet="Sheet1", kind=kind, rows_loaded=frame["rows_read"],
                             rows_rejected=0, message="")
        reports.append(frame.reindex(columns=list(vocab.LOAD_REPORT_COLUMNS), fill_value=""))
        # Facilities exports carry their items; the others the fields the generator fills.
        fields = list(vocab.CLASSROOM_TYPES) if kind == "facilities" else [
            f for f in schemas.FIELDS_BY_KIND[kind]
            if f not in ("subject", "evaluation", "completed_primary", "status_date")]
        carried.append(pd.DataFrame({
            "system": np.repeat(frame["system"].to_numpy(), len(fields)),
            "file": np.repeat(frame["file"].to_numpy(), len(fields)),
            "field": np.tile(np.array(fields, dtype=object), len(frame)),
        }))
    report = pd.concat(reports, ignore_index=True).sort_values(["system", "file", "sheet"],
                                                               ignore_index=True)
    return report, pd.concat(carried, ignore_index=True)


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux


def _rss_gib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**30


def run(pupils: int) -> dict:
    """Reconcile the cached period; time, memory and stage times."""
    import importlib

    from eduwb import pipeline as rec

    if not (folder(pupils) / "facilities.parquet").exists():
        subprocess.run([sys.executable, __file__, "gen", "--pupils", str(pupils)], check=True)
    t0 = time.perf_counter()
    period = read_period(pupils)
    read_s = time.perf_counter() - t0
    before = _rss_gib()
    stages: dict[str, float] = {}

    def timed(name, func):
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                stages[name] = round(stages.get(name, 0.0) + time.perf_counter() - t, 1)
        return wrapper

    cmp = importlib.import_module("eduwb.compare")
    cmp.compare_kind = timed("compare_kind", cmp.compare_kind)
    rec.compare_period = timed("compare_period", rec.compare_period)
    rec.school_findings = timed("school_findings", rec.school_findings)
    rec.indicator_table = timed("indicator_table", rec.indicator_table)
    t0 = time.perf_counter()
    result = rec.reconcile_period(period)
    secs = time.perf_counter() - t0
    students = period.tables["students"]
    ind = result.indicators
    return {
        "pupils": pupils, "vnedu_pupils": int((students["system"] == "vnedu").sum()),
        "csdl_pupils": int((students["system"] == "csdl").sum()), "read_s": round(read_s, 1),
        "reconcile_s": round(secs, 1), "before_gib": round(before, 2),
        "peak_gib": round(_peak_gib(), 2), "findings": len(result.findings),
        "by_category": result.findings["category"].value_counts().to_dict(),
        "indicator_rows": len(result.indicators), "stages": stages,
        "unexplained_rows": int((ind["diff"].notna() & (ind["diff"] != ind["explained"])).sum()),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("gen", "run"))
    parser.add_argument("--pupils", type=int, default=100_000)
    args = parser.parse_args(argv)
    if args.command == "gen":
        t0 = time.perf_counter()
        out = generate(args.pupils)
        print(f"generated {out} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    else:
        print(json.dumps(run(args.pupils), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
