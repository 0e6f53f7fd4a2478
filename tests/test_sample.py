"""The synthetic sample province: determinism, truth = diff of canonical sets, coverage, realism."""

from __future__ import annotations

import csv
import filecmp
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from eduwb import fields, vocab
from eduwb.sample import build_world, generate
from eduwb.schemas import FIELDS_BY_KIND

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "data" / "sample"
YEAR = "2021-2022"


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tiny") / "data"
    generate(out, seed=2021, size="tiny")
    return out


def _truth_files(root: Path) -> list[Path]:
    return sorted(p.relative_to(root) for p in (root / "_truth").rglob("*.csv"))


def test_same_seed_same_bytes(tiny, tmp_path):
    again = tmp_path / "again"
    generate(again, seed=2021, size="tiny")
    files = _truth_files(tiny)
    assert files == _truth_files(again)
    for rel in files:
        assert (tiny / rel).read_bytes() == (again / rel).read_bytes(), rel
    exports = sorted(p.relative_to(tiny) for p in (tiny / YEAR).rglob("*") if p.is_file())
    assert exports == sorted(p.relative_to(again) for p in (again / YEAR).rglob("*")
                             if p.is_file())
    for rel in exports:
        assert (tiny / rel).read_bytes() == (again / rel).read_bytes(), rel


def test_other_seed_differs(tiny, tmp_path):
    other = tmp_path / "other"
    generate(other, seed=7, size="tiny")
    rel = Path("_truth") / YEAR / "dau_nam" / "canonical" / "vnedu_students.csv"
    assert (tiny / rel).read_bytes() != (other / rel).read_bytes()


def test_committed_sample_is_fresh(tiny):
    """data/sample/ is generated, never edited by hand."""
    assert COMMITTED.is_dir(), "run: eduwb sample data/sample --size tiny"
    mine = sorted(p.relative_to(tiny) for p in tiny.rglob("*") if p.is_file())
    theirs = sorted(p.relative_to(COMMITTED) for p in COMMITTED.rglob("*") if p.is_file())
    assert mine == theirs
    for rel in mine:
        assert filecmp.cmp(tiny / rel, COMMITTED / rel, shallow=False), rel
    size = sum((COMMITTED / rel).stat().st_size for rel in theirs)
    assert size < 5_000_000


COMPARED = {kind: fields.compared(kind) for kind in vocab.LIST_KINDS}


def _recompute(root: Path, period: str) -> Counter:
    """An independent diff of the canonical CSVs by person_key (outputs.md semantics)."""
    tdir = root / "_truth" / YEAR / period
    files = _rows(tdir / "files.csv")
    readable = {(f["system"], f["school_code"], f["kind"]) for f in files if f["readable"] == "True"}
    fields = {(f["system"], f["school_code"], f["kind"]): set(f["fields"].split(";"))
              for f in files}
    from openpyxl import load_workbook

    ws = load_workbook(root / "danh_muc" / "truong.xlsx", read_only=True).active
    schools = [(str(r[0]), str(r[3])) for r in ws.iter_rows(min_row=2, values_only=True)]
    found: Counter = Counter()
    for code, _district in schools:
        file_codes = set()
        for kind in vocab.LIST_KINDS:
            have = {s: (s, code, kind) in readable for s in vocab.SYSTEMS}
            if not all(have.values()):
                found[("school", "school_missing", kind, "")] += 1
                continue
            recs = {s: defaultdict(list) for s in vocab.SYSTEMS}
            for s in vocab.SYSTEMS:
                for r in _canon(tdir, s, kind):
                    if r["school_code"] == code:
                        recs[s][r["person_key"]].append(r)
                        file_codes.add(r["file_school_code"])
            both = fields[("vnedu", code, kind)] & fields[("csdl", code, kind)]
            entity = vocab.KIND_ENTITY[kind]
            for key in set(recs["vnedu"]) | set(recs["csdl"]):
                v, c = recs["vnedu"].get(key, []), recs["csdl"].get(key, [])
                if len(v) > 1 or len(c) > 1:
                    for s, rs in (("vnedu", v), ("csdl", c)):
                        if len(rs) > 1:
                            found[(entity, f"duplicate_in_{s}", "", key)] += len(rs)
                    continue
                if not c or not v:
                    cat = "only_in_vnedu" if v else "only_in_csdl"
                    item = (v or c)[0].get("item", "") if kind == "facilities" else ""
                    found[(entity, cat, item, key)] += 1
                    continue
                v, c = v[0], c[0]
                if kind in ("students", "staff") and not v["moet_id"] and c["moet_id"]:
                    found[(entity, "missing_moet_id", "", key)] += 1
                for f in COMPARED[kind]:
                    if f not in both:
                        continue
                    a, b = v[f], c[f]
                    if f == "disability" and a and b and "co" in (a, b):
                        differ = (a == "khong") != (b == "khong")
                    else:
                        differ = a != b
                    if differ:
                        label = v["item"] if kind == "facilities" else f
                        found[(entity, "field_mismatch", label, key)] += 1
        if file_codes - {code}:
            found[("school", "school_code_changed", "", "")] += 1
    return found


_CANON_CACHE: dict = {}


def _canon(tdir: Path, system: str, kind: str) -> list[dict]:
    key = (tdir, system, kind)
    if key not in _CANON_CACHE:
        _CANON_CACHE[key] = _rows(tdir / "canonical" / f"{system}_{kind}.csv")
    return _CANON_CACHE[key]


@pytest.mark.parametrize("period", vocab.PERIODS)
def test_truth_is_the_diff_of_canonical_sets(tiny, period):
    truth = _rows(tiny / "_truth" / YEAR / period / "discrepancies.csv")
    assert list(truth[0]) == [*vocab.DISCREPANCY_COLUMNS, "person_key"]
    got = Counter((r["entity"], r["category"], r["field"], r["person_key"]) for r in truth)
    assert got == _recompute(tiny, period)


def test_every_category_occurs(tiny):
    for period in vocab.PERIODS:
        truth = _rows(tiny / "_truth" / YEAR / period / "discrepancies.csv")
        cats = {r["category"] for r in truth}
        assert cats == set(vocab.CATEGORIES), (period, set(vocab.CATEGORIES) - cats)
        fields = {(r["entity"], r["field"]) for r in truth if r["category"] == "field_mismatch"}
        want = {("student", f) for f in ("full_name", "dob", "sex", "ethnicity", "grade",
                                         "class_name", "status", "disability", "two_sessions")}
        want |= {("staff", "qualification"), ("class", "declared_size")}
        if period == "cuoi_nam":
            want.add(("student", "evaluation"))
        assert want <= fields, want - fields
        assert {r["entity"] for r in truth} == set(vocab.ENTITIES)


def test_every_noise_kind_occurs(tiny):
    from eduwb.sample.noise import LAYOUT_KINDS, NOISE_KINDS

    rows = {r["noise_kind"]: int(r["n_files"]) for r in _rows(tiny / "_truth" / "noise_kinds.csv")}
    assert set(rows) == set(NOISE_KINDS) | set(LAYOUT_KINDS)
    # district-level files are in the district and province samples only (see README)
    district = {"district_level_code", "district_level_name", "superseded_district_rows"}
    assert all(v for k, v in rows.items() if k not in district), [
        k for k, v in rows.items() if not v and k not in district]


def test_every_file_opens(tiny):
    import openpyxl
    import xlrd
    from lxml import html as lxml_html

    n_bad = 0
    for period in vocab.PERIODS:
        for f in _rows(tiny / "_truth" / YEAR / period / "files.csv"):
            path = tiny / f["file"]
            assert path.is_file(), f["file"]
            if f["readable"] == "False" and "password_protected" in f["noise"]:
                import msoffcrypto

                n_bad += 1
                with path.open("rb") as fh:
                    assert msoffcrypto.OfficeFile(fh).is_encrypted()
                continue
            if f["readable"] == "False":
                n_bad += 1
                with pytest.raises(zipfile.BadZipFile):
                    openpyxl.load_workbook(path, read_only=True)
                continue
            if f["superseded_by"]:
                assert f["rows_read"] == "0" and (tiny / f["superseded_by"]).is_file()
            if f["format"] == "xlsx":
                wb = openpyxl.load_workbook(path, read_only=True)
                assert f["sheet"] in wb.sheetnames
            elif f["format"] == "xls":
                assert f["sheet"] in xlrd.open_workbook(str(path)).sheet_names()
            elif f["format"] == "html":
                assert lxml_html.fromstring(path.read_bytes()).xpath("//table")
            elif f["format"] == "ods":
                from python_calamine import CalamineWorkbook

                assert f["sheet"] in CalamineWorkbook.from_path(str(path)).sheet_names
            elif not f["superseded_by"]:
                raw = path.read_bytes()
                enc = "cp1258" if "csv_cp1258" in f["noise"] else "utf-8-sig"
                delim = ";" if "csv_semicolon" in f["noise"] else \
                    "\t" if "csv_tab" in f["noise"] else ","
                rows = list(csv.reader(raw.decode(enc).splitlines(), delimiter=delim))
                assert len(rows) == int(f["rows_read"]) + 1 + ("numbering_row" in f["noise"])
    assert n_bad == 2  # a damaged file and a password-protected one


def test_canonical_columns_and_rejections(tiny):
    for period in vocab.PERIODS:
        tdir = tiny / "_truth" / YEAR / period
        for system in vocab.SYSTEMS:
            for kind in vocab.LIST_KINDS:
                with (tdir / "canonical" / f"{system}_{kind}.csv").open(encoding="utf-8-sig") as fh:
                    header = next(csv.reader(fh))
                assert header[6:-1] == list(FIELDS_BY_KIND[kind])
        rej = _rows(tdir / "expected_rejections.csv")
        assert list(rej[0]) == list(vocab.REJECTED_ROW_COLUMNS)
        assert any(r["column"] == "" for r in rej)  # a row without identity
        assert any("/" in r["value"] for r in rej)  # an impossible date


def test_tcvn3_file_round_trips(tiny):
    from eduwb.text import decode_tcvn3, encode_tcvn3

    for period in vocab.PERIODS:
        tdir = tiny / "_truth" / YEAR / period
        for f in _rows(tdir / "files.csv"):
            if "tcvn3" not in f["noise"]:
                continue
            for r in _canon(tdir, f["system"], f["kind"]):
                if r["file"] == f["file"]:
                    for v in r.values():
                        assert decode_tcvn3(encode_tcvn3(v)) == v


def test_realistic_proportions():
    world = build_world(2021, "district")
    pupils = world.snapshots["dau_nam"]["students"]
    kinh = [p for p in pupils if p["ethnicity"] == "Kinh"]
    share = sum(p["full_name"].startswith("Nguyễn ") for p in kinh) / len(kinh)
    assert 0.33 < share < 0.43
    by_district: dict[str, list[bool]] = defaultdict(list)
    for p in pupils:
        by_district[p["school"][2:5]].append(p["ethnicity"] != "Kinh")
    minority = {d: sum(v) / len(v) for d, v in by_district.items()}
    assert minority["689"] < 0.1 < 0.25 < minority["696"] < 0.55
    classes = world.snapshots["dau_nam"]["classes"]
    assert 24 < len(pupils) / len(classes) < 31
    teachers = sum(s["staff_group"] == "gv" for s in world.snapshots["dau_nam"]["staff"])
    assert 1.2 < teachers / len(classes) < 1.7
    assert all(p["moet_id"].startswith("70") and len(p["moet_id"]) == 10 for p in pupils)
    assert all(p["full_name"] == p["full_name"].title() for p in pupils)
    grade1 = [p["dob"].year for p in pupils if p["grade"] == 1]
    assert Counter(grade1).most_common(1)[0][0] == 2015
