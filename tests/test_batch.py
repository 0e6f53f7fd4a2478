"""`eduwb batch`: every district's report, a broken district failing alone, stale-only reruns,
the per-run time limit, and the same tasks on a Dask cluster."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import nbformat
import pytest

from eduwb import batch
from eduwb.cli import main
from eduwb.errors import ParameterError
from eduwb.views.district_report import notebook_file
from tests.test_notebooks import jupyter_env

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
YEAR = "2021-2022"
AS_OF = dt.date(2022, 6, 1)


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in jupyter_env(tmp_path / "env").items():
        monkeypatch.setenv(key, value)


def _broken_notebook(tmp_path: Path, district: str) -> Path:
    """The report notebook with a cell that breaks for one district (as bad data would)."""
    nb = nbformat.read(str(notebook_file(batch.NOTEBOOK)), as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    nb.cells.insert(at + 2, nbformat.v4.new_code_cell(
        f'if district == "{district}":\n'
        f'    raise RuntimeError("dữ liệu phòng {district} hỏng")'))
    path = tmp_path / "district_report.ipynb"
    nbformat.write(nb, str(path))
    return path


def test_a_broken_district_fails_alone_and_only_stale_reports_rerun(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    notebook = _broken_notebook(tmp_path, "692")
    result = batch.run_batch(SAMPLE, YEAR, out, periods=["cuoi_nam"], as_of=AS_OF,
                             notebook=notebook, progress=False)
    status = {o.district: o.status for o in result.outcomes}
    assert status == {"689": "ok", "692": "failed", "696": "ok"}
    failed = result.failed[0]
    assert "RuntimeError" in failed.error and "692" in failed.error
    folder = out / YEAR / "cuoi_nam"
    for district in ("689", "696"):
        for suffix in (".ipynb", ".html", ".xlsx", ".json"):
            assert (folder / f"{district}{suffix}").is_file()
        page = (folder / f"{district}.html").read_text(encoding="utf-8")
        assert "Danh sách cần sửa" in page and "report = nb.district_report" not in page
    error_page = (folder / "692.html").read_text(encoding="utf-8")
    assert "Không lập được báo cáo" in error_page and "dữ liệu phòng 692 hỏng" in error_page
    assert not (folder / "692.xlsx").exists()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count("<tr class=") == 3 and "dữ liệu phòng 692 hỏng" in index
    assert "LỖI 2021-2022 cuoi_nam phòng 692" in result.summary()
    assert json.loads((folder / "689.json").read_text(encoding="utf-8"))["status"] == "ok"

    again = batch.run_batch(SAMPLE, YEAR, out, periods=["cuoi_nam"], as_of=AS_OF,
                            notebook=notebook, progress=False)
    assert {o.district: o.status for o in again.outcomes} == {
        "689": "unchanged", "692": "failed", "696": "unchanged"}


def test_time_limit_per_run(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import time\ntime.sleep(60)")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path = tmp_path / "slow.ipynb"
    nbformat.write(nb, str(path))
    job = batch.Job(str(SAMPLE), YEAR, "cuoi_nam", "689", "", str(tmp_path / "out"),
                    AS_OF.isoformat(), "", str(path), 3.0, "x")
    outcome = batch.run_job(job)
    assert outcome.status == "timeout" and outcome.seconds < 30
    assert "quá thời gian" in job.path(".html").read_text(encoding="utf-8")


def test_dask_executor_runs_the_same_tasks(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        result = batch.run_batch(SAMPLE, YEAR, tmp_path / "reports", periods=["dau_nam"],
                                 districts=["689"], as_of=AS_OF, executor="dask",
                                 scheduler=cluster.scheduler_address, progress=False)
    assert [o.status for o in result.outcomes] == ["ok"], result.summary()
    assert (tmp_path / "reports" / YEAR / "dau_nam" / "689.xlsx").is_file()


def test_cli_refuses_an_unknown_district(tmp_path: Path, capsys) -> None:
    code = main(["-q", "batch", str(SAMPLE), "--year", YEAR, "--district", "999",
                 "--out", str(tmp_path)])
    assert code == 2
    assert "999" in capsys.readouterr().err


def test_report_parameters_are_checked() -> None:
    from eduwb.errors import ParameterError
    from eduwb.views.district_report import check_parameters

    good = {"data": str(SAMPLE), "year": YEAR, "period": "cuoi_nam", "district": "689",
            "out": "", "as_of": "2022-06-01", "cache": "", "history": ""}
    params = check_parameters({**good, "In": [], "get_ipython": print, "_": 1, "json": json})
    assert params.as_of == AS_OF and params.out is None
    with pytest.raises(ParameterError, match="unknown parameter 'distrct'"):
        check_parameters({**good, "distrct": "689"})
    with pytest.raises(ParameterError) as exc:
        check_parameters({**good, "period": "cuoi_ky", "district": "999", "as_of": "1/6/2022"})
    message = str(exc.value)
    assert "cuoi_ky" in message and "999" in message and "YYYY-MM-DD" in message


def test_fix_list_workbook(tmp_path: Path) -> None:
    import openpyxl

    from eduwb.views.district_report import check_parameters, district_report

    report = district_report(check_parameters({
        "data": str(SAMPLE), "year": YEAR, "period": "cuoi_nam", "district": "696",
        "out": str(tmp_path), "as_of": "2022-06-01", "cache": str(tmp_path / "cache"),
        "history": ""}))
    path = report.write_fix_list()
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Tổng hợp", "70696045", "70696090"]
    ws = book["70696090"]
    assert ws["A5"].value == "Làm trên" and ws.max_row - 5 == (
        report.snapshot.findings["school_code"] == "70696090").sum() + (
        report.checks.frame["school_code"] == "70696090").sum()
    again = report.write_fix_list().read_bytes()
    other = district_report(report.params).write_fix_list()
    assert other.read_bytes() == again


def _runs(history: Path) -> list[tuple[str, str]]:
    import duckdb

    with duckdb.connect(str(history), read_only=True) as con:
        return con.execute("SELECT period, scope FROM runs ORDER BY run_id").fetchall()


def test_batch_records_each_period_once_and_reruns_reports_the_history_makes_stale(
        tmp_path: Path) -> None:
    out, history = tmp_path / "reports", tmp_path / "history.duckdb"
    kw = {"periods": ["cuoi_nam"], "districts": ["689", "696"], "as_of": AS_OF,
          "progress": False, "history": history}
    first = batch.run_batch(SAMPLE, YEAR, out, **kw)
    assert [o.status for o in first.outcomes] == ["ok", "ok"], first.summary()
    assert _runs(history) == [("cuoi_nam", "province")]  # once per period, not per district
    assert first.recorded == ["cuoi_nam"] and "Đã ghi vào lịch sử" in first.summary()
    page = (out / YEAR / "cuoi_nam" / "689.html").read_text(encoding="utf-8")
    assert "Chất lượng nhập liệu" in page and "Thay đổi giữa các lần đối chiếu" in page
    assert "Lịch sử có <b>1</b> lần đối chiếu" in page

    again = batch.run_batch(SAMPLE, YEAR, out, **kw)
    assert [o.status for o in again.outcomes] == ["unchanged", "unchanged"]
    assert _runs(history) == [("cuoi_nam", "province")] and again.recorded == []

    # a district's own run (reconcile --district): its report now reads that run, the other not
    code = main(["-q", "reconcile", str(SAMPLE), "--year", YEAR, "--period", "cuoi_nam",
                 "--district", "689", "--history", str(history), "--out", str(tmp_path / "r")])
    assert code in (0, 1) and _runs(history)[-1] == ("cuoi_nam", "689")
    third = batch.run_batch(SAMPLE, YEAR, out, **kw)
    assert {o.district: o.status for o in third.outcomes} == {"689": "ok", "696": "unchanged"}
    page = (out / YEAR / "cuoi_nam" / "689.html").read_text(encoding="utf-8")
    assert "đọc từ các lần đối chiếu toàn tỉnh" not in page


def test_cli_batch_takes_the_history_store(tmp_path: Path, capsys) -> None:
    history = tmp_path / "h.duckdb"
    code = main(["-q", "batch", str(SAMPLE), "--year", YEAR, "--period", "dau_nam",
                 "--district", "696", "--as-of", "2021-09-17", "--out", str(tmp_path / "o"),
                 "--history", str(history)])
    assert code == 0, capsys.readouterr()
    assert _runs(history) == [("dau_nam", "province")]
    folder = tmp_path / "folder"
    folder.mkdir()
    assert main(["-q", "batch", str(SAMPLE), "--year", YEAR, "--district", "696",
                 "--out", str(tmp_path / "o"), "--history", str(folder)]) == 2
    assert "folder" in capsys.readouterr().err


def test_a_period_not_exported_yet_is_left_out_and_a_missing_year_refused(tmp_path: Path,
                                                                          capsys) -> None:
    """In January the cuối năm folder does not exist yet: the nightly batch of all periods leaves
    it out with a warning; asking for it, or for a year with no folder, is a one-line error."""
    import shutil

    data = tmp_path / "DATA"
    shutil.copytree(SAMPLE / "danh_muc", data / "danh_muc")
    shutil.copytree(SAMPLE / YEAR / "cuoi_nam", data / YEAR / "cuoi_nam")
    result = batch.run_batch(data, YEAR, tmp_path / "reports", districts=["689"], as_of=AS_OF,
                             history=tmp_path / "h.duckdb", progress=False)
    assert {o.period for o in result.outcomes} == {"cuoi_nam"} and not result.failed
    assert sum("chưa có dữ liệu xuất" in w for w in result.warnings) == 2
    with pytest.raises(ParameterError, match="no folder for period dau_nam"):
        batch.run_batch(data, YEAR, tmp_path / "r2", periods=["dau_nam"], as_of=AS_OF,
                        history=tmp_path / "h.duckdb", progress=False)
    assert main(["-q", "batch", str(data), "--year", "2022-2023", "--out",
                     str(tmp_path / "r3"), "--history", str(tmp_path / "h.duckdb")]) == 2
    assert "no folder for school year 2022-2023" in capsys.readouterr().err
