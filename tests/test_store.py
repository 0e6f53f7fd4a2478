"""Snapshots: reconciled once, reused while the inputs are unchanged, cut per district."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from eduwb import store
from eduwb.reconcile import reconcile

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
