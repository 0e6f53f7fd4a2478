"""Snapshots: reconciled once, reused while the inputs are unchanged, cut per district."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from eduwb import store
from eduwb.pipeline import reconcile

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
YEAR = "2021-2022"


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    copy = tmp_path / "DATA"
    shutil.copytree(SAMPLE, copy)
    return copy


def test_cached_until_an_export_changes(data: Path, tmp_path: Path, monkeypatch) -> None:
    cache = tmp_path / "cache"
    first = store.snapshot(data, YEAR, "dau_nam", cache=cache)
    calls = []
    monkeypatch.setattr(store, "reconcile", lambda *a, **k: calls.append(a) or reconcile(*a, **k))
    again = store.snapshot(data, YEAR, "dau_nam", cache=cache)
    assert calls == []
    assert again.findings.equals(first.findings) and again.indicators.equals(first.indicators)
    some_export = sorted((data / YEAR / "dau_nam" / "vnedu").rglob("*.xlsx"))[0]
    st = some_export.stat()
    os.utime(some_export, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    store.snapshot(data, YEAR, "dau_nam", cache=cache)
    assert len(calls) == 1


def test_snapshot_holds_no_pupil_records(data: Path, tmp_path: Path) -> None:
    snap = store.snapshot(data, YEAR, "dau_nam", cache=tmp_path / "c")
    assert not hasattr(snap, "kinds")
    assert set(snap.heads["position"]) <= {"Hiệu trưởng"}


def test_district_cut_equals_the_province_rows(data: Path, tmp_path: Path) -> None:
    snap = store.snapshot(data, YEAR, "cuoi_nam", cache=tmp_path / "c")
    cut = snap.for_district("696")
    assert set(cut.findings["district_code"]) == {"696"}
    assert len(cut.findings) == (snap.findings["district_code"] == "696").sum()
    units = cut.indicators.drop_duplicates(["level", "unit_code"])
    assert set(units["level"]) == {"district", "school"}
    assert set(units.loc[units["level"] == "district", "unit_code"]) == {"696"}
    tracking = cut.track()
    assert set(tracking.districts["district_code"]) == {"696"}


def test_snapshot_carries_the_checks_and_cuts_them(data: Path, tmp_path: Path) -> None:
    assert store.FORMAT >= 2  # snapshots cached without the checks are not read back
    snap = store.snapshot(data, YEAR, "cuoi_nam", cache=tmp_path / "c")
    full = reconcile(data, YEAR, "cuoi_nam").checks
    assert snap.checks.frame.equals(full.frame)
    assert snap.checks.skipped.equals(full.skipped)
    assert snap.checks.by_school().equals(full.by_school())
    again = store.snapshot(data, YEAR, "cuoi_nam", cache=tmp_path / "c")  # from the pickle
    assert again.checks.frame.equals(full.frame)
    cut = snap.for_district("689").checks
    assert set(cut.frame["district_code"]) == {"689"} == set(cut.skipped["district_code"])
    assert len(cut.frame) == (full.frame["district_code"] == "689").sum()
    assert cut.not_ready() == [s for s in full.not_ready() if s.startswith("70689")]
    assert list(snap.finding_frames()) == ["discrepancies", "checks"]


def test_record_adds_one_run_then_nothing(data: Path, tmp_path: Path) -> None:
    from eduwb.history import read_series

    snap = store.snapshot(data, YEAR, "dau_nam", cache=tmp_path / "c")
    history = tmp_path / "h.duckdb"
    first = snap.record(history)
    assert first.added and first.run.as_of == snap.as_of
    assert first.run.fingerprint == store.fingerprint(data, YEAR, "dau_nam")
    assert not snap.record(history).added
    series = read_series(history, YEAR, "dau_nam")
    assert len(series.runs) == 1 and series.kinds() == ("discrepancies", "checks")
    assert len(series.findings(kind="checks")) == len(snap.checks.frame)


def test_a_district_cut_keeps_the_district_level_files_of_its_schools(tmp_path: Path,
                                                                      monkeypatch) -> None:
    """A district-level export (school code empty in the load report) stands for its schools in
    a district's snapshot too: its file is in the district's load report, and tracking counts
    the lists its schools exported through it, as for the whole province."""
    from eduwb import sample
    from eduwb.load import load_period
    from eduwb.pipeline import reconcile_period

    monkeypatch.setitem(sample.P_DISTRICT, "tiny", 0.3)
    data = tmp_path / "data"
    sample.generate(data, size="tiny")
    period = load_period(data, YEAR, "dau_nam")
    rep = period.load_report
    district_files = rep[(rep["school_code"] == "") & rep["kind"].isin(["students", "staff",
                                                                         "classes", "facilities"])]
    assert len(district_files)
    whole = store.from_reconciliation(reconcile_period(period))
    as_of = whole.as_of
    everyone = whole.track(as_of).schools.set_index("school_code")
    for district in sorted(set(period.registry.schools["district_code"])):
        cut = whole.for_district(district)
        mine = cut.track(as_of).schools.set_index("school_code")
        cols = ["vnedu_lists", "csdl_lists"]
        assert mine[cols].equals(everyone.loc[mine.index, cols]), district
        files = set(cut.load_report["file"])
        listed = cut.export_files()
        assert set(listed["file"]) <= files
    assert set(district_files["file"]) <= {
        f for d in set(period.registry.schools["district_code"])
        for f in whole.for_district(d).load_report["file"]}
