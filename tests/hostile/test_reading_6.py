"""Issue 10 item 6: registry faults are reported, not silently applied — the same school code twice
(in different districts) and a registry with a header only stop the run (exit 2) with file, row
and column."""

from __future__ import annotations

from pathlib import Path

import pytest

import eduwb
from eduwb import cli
from eduwb.errors import RegistryError
from tests.hostile.reading_data import PERIOD, YEAR, make_data, registry


def test_same_school_code_twice(tmp_path: Path, capsys) -> None:
    data = make_data(tmp_path / "DATA")
    registry(data, [["70689012", "TH Tân Phú", "TH", "689", "1", "Công lập", None, None],
                    ["70689013", "TH Tiến Thành", "TH", "689", "2", "Công lập", None, None],
                    ["70689012", "TH Tân Phú", "TH", "696", "3", "Công lập", None, None]])
    with pytest.raises(RegistryError) as info:
        eduwb.load_registry(data)
    exc = info.value
    assert (exc.file, exc.row, exc.column) == ("danh_muc/truong.xlsx", 4, "Mã trường")
    assert "70689012 is listed twice (first at row 2)" in exc.message
    assert cli.main(["reconcile", str(data), "--year", YEAR, "--period", PERIOD,
                     "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "danh_muc/truong.xlsx" in err and "row 4" in err and "listed twice" in err


def test_registry_with_a_header_only(tmp_path: Path, capsys) -> None:
    data = make_data(tmp_path / "DATA")
    registry(data, [])
    assert cli.main(["load", str(data), "--year", YEAR, "--period", PERIOD,
                     "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "danh_muc/truong.xlsx" in err and "empty" in err
    assert not (tmp_path / "out").exists()
