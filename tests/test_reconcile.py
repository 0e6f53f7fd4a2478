"""`eduwb reconcile` on the committed sample, scored against its ground truth, and the contract."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from eduwb import cli, vocab
from eduwb.explain import INDICATOR_COLUMNS
from eduwb.pipeline import reconcile
from eduwb.score import score

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
YEAR = "2021-2022"


@pytest.fixture(scope="module")
def results():
    return [reconcile(SAMPLE, YEAR, p) for p in vocab.PERIODS]


def test_findings_match_the_ground_truth(results) -> None:
    s = score(SAMPLE, results)
    table = s.table.set_index("category")
    assert (table["truth"] > 0).all(), "the sample must hold every category"
    assert (table["precision"] >= 0.99).all(), s.spurious.to_string()
    assert (table["recall"] >= 0.99).all(), s.missed.to_string()


def test_every_gap_is_explained_by_records(results) -> None:
    for res in results:
        ind = res.indicators
        both = ind["diff"].notna()
        assert both.any()
        bad = ind[both & (ind["diff"] != ind["explained"])]
        assert bad.empty, bad.head().to_string()
        assert ind.loc[~both, "explained"].isna().all()


def test_hs_tong_equals_the_truth(results) -> None:
    assert score(SAMPLE, results).hs_tong_mismatches == 0


def test_indicators_contract(results) -> None:
    for res in results:
        ind = res.indicators
        assert tuple(ind.columns) == INDICATOR_COLUMNS
        required = {"hs_tong", "hs_dan_toc", "hs_khuyet_tat", "hs_2_buoi", "lop_tong", "cb_tong",
                    "gv_trinh_do", "phong_hoc"}
        required |= {"dau_nam": {"hs_luu_ban", "hs_tuyen_moi_6_tuoi"},
                     "cuoi_hk1": {"hs_bo_hoc"},
                     "cuoi_nam": {"hs_bo_hoc", "hs_danh_gia", "hs_hoan_thanh_ctth"}}[
            res.period.period]
        assert required <= set(ind["indicator"])
        assert set(ind["level"]) == {"school", "district", "province"}
        cells = ind.loc[ind["indicator"] == "hs_tong", "breakdown"]
        assert {"", "grade=1;sex=F", "grade=5;sex=M"} <= set(cells)
        # A school without a CSDL export has no CSDL count: missing, not 0.
        missing = res.findings[(res.findings["category"] == "school_missing")
                               & (res.findings["field"] == "students")]
        for code in missing["school_code"]:
            row = ind[(ind["unit_code"] == code) & (ind["indicator"] == "hs_tong")
                      & (ind["breakdown"] == "")]
            assert row[["csdl", "vnedu"]].isna().any(axis=None)


def test_cli_reconcile_files_exit_status_and_bytes(tmp_path: Path) -> None:
    out1, out2 = tmp_path / "a", tmp_path / "b"
    args = ["-q", "reconcile", str(SAMPLE), "--year", YEAR, "--period", "dau_nam", "--history",
            str(tmp_path / "history.duckdb")]
    assert cli.main([*args, "--out", str(out1)]) == 1
    assert cli.main([*args, "--out", str(out2)]) == 1
    for name in ("discrepancies.csv", "indicators.csv", "load_report.csv", "rejected_rows.csv",
                 "reconciliation.xlsx"):
        assert (out1 / name).read_bytes() == (out2 / name).read_bytes(), name
    head = (out1 / "discrepancies.csv").read_bytes().split(b"\n")[0]
    assert head == b"\xef\xbb\xbf" + ",".join(
        (*vocab.DISCREPANCY_COLUMNS, "finding_id", "state", "first_seen")).encode()
    disc = pd.read_csv(out1 / "discrepancies.csv", dtype=str, keep_default_na=False,
                       encoding="utf-8-sig")
    assert set(disc["category"]) <= set(vocab.CATEGORIES)
    assert (disc["action"] != "").all()
    assert (disc["state"] == "new").all() and disc["finding_id"].is_unique
    rows = disc[list(vocab.DISCREPANCY_COLUMNS)].drop(columns=["action"]).values.tolist()
    assert rows == sorted(rows, key=lambda r: tuple(r[2:]))  # sorted from district_code on


def test_cli_reconcile_district_limits_the_run(tmp_path: Path) -> None:
    code = cli.main(["-q", "reconcile", str(SAMPLE), "--year", YEAR, "--period", "dau_nam",
                     "--district", "689", "--out", str(tmp_path), "--no-history"])
    assert code in (0, 1)
    disc = pd.read_csv(tmp_path / "discrepancies.csv", dtype=str, keep_default_na=False,
                       encoding="utf-8-sig")
    assert set(disc["district_code"]) <= {"689"}
    ind = pd.read_csv(tmp_path / "indicators.csv", dtype=str, keep_default_na=False,
                      encoding="utf-8-sig")
    assert "province" not in set(ind["level"])


def test_workbook_for_people(tmp_path: Path) -> None:
    import openpyxl

    cli.main(["-q", "reconcile", str(SAMPLE), "--year", YEAR, "--period", "cuoi_nam", "--out",
              str(tmp_path), "--no-history"])
    book = openpyxl.load_workbook(tmp_path / "reconciliation.xlsx")
    assert book.sheetnames[0] == "Tổng hợp"
    ws = book["Khác thông tin"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref
    assert ws.cell(1, 1).value == "Năm học"
    ind = book["Chỉ tiêu"]
    titles = [c.value for c in ind[1]]
    col = titles.index("vnEdu") + 1
    assert isinstance(ind.cell(2, col).value, int | float)
