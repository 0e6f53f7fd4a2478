"""Issue 10 item 7 (part): a school year or period with no folder is an error that names the
missing folder (exit 2), not 48 `school_missing` findings; a period folder lacking one system's
folder stays a finding (inputs.md 1)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from eduwb import cli
from tests.hostile.reading_data import PERIOD, YEAR, make_data


def test_school_year_without_a_folder(tmp_path: Path, capsys) -> None:
    data = make_data(tmp_path / "DATA")
    out = tmp_path / "out"
    assert cli.main(["reconcile", str(data), "--year", "2022-2023", "--period", PERIOD,
                     "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "2022-2023" in err and "no folder for school year" in err and YEAR in err
    assert not (out / "discrepancies.csv").exists()


def test_period_without_a_folder(tmp_path: Path, capsys) -> None:
    data = make_data(tmp_path / "DATA")
    assert cli.main(["load", str(data), "--year", YEAR, "--period", "cuoi_nam",
                     "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert f"{YEAR}/cuoi_nam" in err and "no folder for period cuoi_nam" in err


def test_period_lacking_one_system_is_a_finding(tmp_path: Path) -> None:
    data = make_data(tmp_path / "DATA")
    shutil.rmtree(data / YEAR / PERIOD / "csdl")
    out = tmp_path / "out"
    assert cli.main(["-q", "reconcile", str(data), "--year", YEAR, "--period", PERIOD,
                     "--out", str(out)]) == 1
    found = pd.read_csv(out / "discrepancies.csv", dtype=str, encoding="utf-8-sig")
    missing = found[(found["category"] == "school_missing") & (found["field"] == "students")]
    assert sorted(missing["school_code"]) == ["70689012", "70689013"]
