"""Loading the sample province, all three periods, against the generator's ground truth.

Runs on the committed tiny sample; set EDUWB_SAMPLE=data/province to run it on the province sample
(generate it first with `eduwb sample data/province --size province`).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from eduwb import text, vocab
from eduwb.load import load_period
from tests.sample_truth import compare_canonical, truth_frame

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = Path(os.environ.get("EDUWB_SAMPLE", ROOT / "data" / "sample"))
YEAR = "2021-2022"


@pytest.fixture(scope="module", params=vocab.PERIODS)
def period(request):
    return load_period(SAMPLE, YEAR, request.param)


def test_every_file_is_loaded_or_reported(period) -> None:
    _files_as_the_truth_says(period, SAMPLE)


def _files_as_the_truth_says(period, data: Path) -> None:
    files = truth_frame(data, YEAR, period.period, "files.csv")
    rep = period.load_report.set_index(["system", "file"])
    assert len(rep) == len(files)
    for f in files.itertuples(index=False):
        got = rep.loc[(f.system, f.file)]
        if f.readable == "False":
            assert got["kind"] == "unknown" and got["message"], f.file
            continue
        assert got["kind"] == f.kind, f.file
        assert got["school_code"] == f.file_school_code, f.file
        assert (got["rows_read"], got["rows_loaded"], got["rows_rejected"]) == (
            int(f.rows_read), int(f.rows_loaded), int(f.rows_rejected)), f.file
        if f.superseded_by:
            assert f"superseded by {f.superseded_by}" in got["message"], f.file
    assert (rep["rows_read"] == rep["rows_loaded"] + rep["rows_rejected"]).all()


def test_rejections_are_the_expected_ones(period) -> None:
    want = truth_frame(SAMPLE, YEAR, period.period, "expected_rejections.csv")
    got = period.rejected.astype({"row": str})
    key = ["system", "file", "sheet", "row", "column"]

    def keys(frame):  # the column as written, line breaks and repeated spaces aside
        return sorted((*r[:4], text.clean(r[4])) for r in frame[key].values.tolist())

    assert keys(got) == keys(want)


@pytest.mark.parametrize("kind", vocab.LIST_KINDS)
@pytest.mark.parametrize("system", vocab.SYSTEMS)
def test_canonical_tables_equal_the_truth(period, kind, system) -> None:
    bad = compare_canonical(period, SAMPLE, kind, system)
    assert bad.empty, bad.head(10).to_string()


def test_district_level_files_of_the_generator(tmp_path, monkeypatch) -> None:
    """The district and province samples' district-level files (a Mã trường or a Tên trường
    column) and the schools' own later files beside them, on a tiny sample made to have them."""
    from eduwb import sample

    monkeypatch.setitem(sample.P_DISTRICT, "tiny", 0.3)
    data = tmp_path / "data"
    sample.generate(data, size="tiny")
    noise = set()
    for p in vocab.PERIODS:
        for kinds in truth_frame(data, YEAR, p, "files.csv")["noise"]:
            noise |= set(kinds.split(";"))
    assert {"district_level_code", "district_level_name", "superseded_district_rows"} <= noise
    for p in vocab.PERIODS:
        loaded = load_period(data, YEAR, p)
        _files_as_the_truth_says(loaded, data)
        district = loaded.load_report[loaded.load_report["file"].str.contains("ToanHuyen")]
        assert (district["school_code"] == "").all()
        for kind in vocab.LIST_KINDS:
            for system in vocab.SYSTEMS:
                bad = compare_canonical(loaded, data, kind, system)
                assert bad.empty, bad.head(10).to_string()
