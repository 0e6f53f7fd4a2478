"""The dashboard's pure functions, widgets and server command, on the committed sample (no browser)."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from eduwb import calendar, vocab
from eduwb.cli import main
from eduwb.views import dashboard
from eduwb.views.dashboard import serve, widgets
from tests.days_history import DAYS, days_history

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
YEAR = "2021-2022"
AS_OF = dt.date(2021, 9, 17)  # after the schools' dau_nam deadline, before the districts'


def personal_names(data: Path = SAMPLE) -> set[str]:
    """Every pupil and staff name of the sample's ground truth, and the registry's and ledger's
    people (specialists, signers): none may appear in the page."""
    names: set[str] = set()
    for path in sorted((data / "_truth").glob("*/*/canonical/*_students.csv")) + sorted(
            (data / "_truth").glob("*/*/canonical/*_staff.csv")):
        names |= set(pd.read_csv(path, usecols=["full_name"], dtype=str)["full_name"].dropna())
    for book, column in (("phong_gd.xlsx", "Chuyên viên phụ trách tiểu học"),
                         ("ky_duyet.xlsx", "Người ký")):
        frame = pd.read_excel(data / "danh_muc" / book, dtype=str, engine="calamine")
        if column in frame:
            names |= set(frame[column].dropna())
    return {n.strip() for n in names if isinstance(n, str) and len(n.strip().split()) >= 2}


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> dashboard.Model:
    tmp = tmp_path_factory.mktemp("model")
    return dashboard.open_model(SAMPLE, as_of=AS_OF, cache=tmp / "cache",
                                history=tmp / "empty.duckdb")


@pytest.fixture(scope="module")
def days(tmp_path_factory: pytest.TempPathFactory):
    return days_history(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="module")
def days_model(days) -> dashboard.Model:
    """The last export day of the start of the year, with three recorded runs."""
    return dashboard.open_model(days.data(), as_of=DAYS[-1], cache=days.cache,
                                history=days.store)


def test_model_has_every_period_of_the_latest_year(model: dashboard.Model) -> None:
    assert model.year == YEAR
    assert model.periods == vocab.PERIODS
    assert all(t.as_of == AS_OF for t in model.trackings.values())


def test_tiles_count_what_tracking_and_findings_say(model: dashboard.Model) -> None:
    snap, tr = model.snapshots["dau_nam"], model.trackings["dau_nam"]
    tiles = dashboard.tiles(snap, tr).set_index("key")
    assert list(tiles.columns) == ["label", "value", "total"]
    status = tr.districts["status"]
    assert tiles.loc["districts_on_time", "value"] == (status == "on_time").sum()
    assert tiles.loc["districts_late", "value"] == (status == "late").sum()
    assert tiles.loc["districts_not_sent", "value"] == status.isin(["missing", "pending"]).sum()
    on_time, late, not_sent = (tiles.loc[k, "value"] for k in
                               ("districts_on_time", "districts_late", "districts_not_sent"))
    assert on_time + late + not_sent == len(tr.districts) == tiles.loc["districts_on_time", "total"]
    assert tiles.loc["schools_in_sync", "value"] == sum(
        1 for s in tr.schools["school_code"] if (snap.findings["school_code"] == s).sum() == 0)
    assert tiles.loc["schools_in_sync", "total"] == 6
    assert tiles.loc["findings", "value"] == len(snap.findings) == 65
    assert tiles.loc["only_in_csdl", "value"] == (snap.findings["category"] == "only_in_csdl").sum()
    assert tiles.loc["only_in_csdl", "value"] > 0
    assert tiles.loc["districts_unassigned", "value"] == (
        ~tr.districts["specialist_assigned"]).sum() + 2  # 690 and 697 have no sample school
    assert tiles.loc["sync_blocked", "value"] == 1  # the merged TH&THCS school of 696
    not_ready = set(snap.checks.findings.loc[snap.checks.findings["severity"] == "loi",
                                             "school_code"])
    assert tiles.loc["schools_not_ready", "value"] == len(not_ready & set(tr.schools["school_code"]))
    assert tiles.loc["schools_not_ready", "value"] > 0
    assert tiles.loc["schools_not_ready", "total"] == len(tr.schools)
    assert pd.isna(tiles.loc["signed_changed", "value"])  # no history: not 0, unknown


def test_tiles_judge_as_of_the_date(tmp_path: Path) -> None:
    before = dashboard.open_model(SAMPLE, as_of=dt.date(2021, 9, 1), cache=tmp_path)
    t = dashboard.tiles(before.snapshots["dau_nam"], before.trackings["dau_nam"]).set_index("key")
    assert t.loc["districts_not_sent", "value"] == 3
    assert t.loc["districts_on_time", "value"] == t.loc["districts_late", "value"] == 0


def test_findings_by_category_lists_every_category(model: dashboard.Model) -> None:
    snap = model.snapshots["cuoi_nam"]
    frame = dashboard.findings_by_category(snap.findings)
    assert list(frame["category"]) == list(vocab.CATEGORIES)
    assert frame["count"].sum() == len(snap.findings)
    assert list(frame["label"]) == [vocab.CATEGORY_LABELS[c] for c in vocab.CATEGORIES]
    empty = dashboard.findings_by_category(snap.findings.iloc[0:0])
    assert empty["count"].tolist() == [0] * len(vocab.CATEGORIES)


def test_next_deadline() -> None:
    dls = [calendar.deadlines(SAMPLE, YEAR, p) for p in vocab.PERIODS]
    first = dashboard.next_deadline(dls, dt.date(2021, 8, 1))
    assert first == {"period": "dau_nam", "who": "vnedu", "date": dls[0].vnedu,
                     "days_left": (dls[0].vnedu - dt.date(2021, 8, 1)).days}
    between = dashboard.next_deadline(dls, dls[0].vnedu + dt.timedelta(days=1))
    assert (between["period"], between["who"]) == ("dau_nam", "eqms")
    assert dashboard.next_deadline(dls, dls[2].eqms)["days_left"] == 0
    assert dashboard.next_deadline(dls, dls[2].eqms + dt.timedelta(days=1)) is None


def test_default_period_is_the_one_due_next(model: dashboard.Model) -> None:
    assert dashboard.default_period(model) == "dau_nam"


def test_heatmap_relative_gaps(model: dashboard.Model) -> None:
    snap, tr = model.snapshots["cuoi_nam"], model.trackings["cuoi_nam"]
    grid = dashboard.heatmap_frame(snap, tr)
    assert list(grid.columns) == ["district", *dashboard.GROUPS]
    assert list(grid.index) == [*tr.districts["district_code"], vocab.PROVINCE_CODE]
    ind = snap.indicators
    tot = ind[(ind["breakdown"] == "") & (ind["level"] == "district")
              & ind["indicator"].isin(["lop_tong", "lop_ghep"]) & ind["diff"].notna()]
    mine = tot[tot["unit_code"] == "692"]
    assert grid.loc["692", "classes"] == pytest.approx(
        mine["diff"].abs().sum() / mine["vnedu"].sum())
    # the province row sums the districts' gaps: opposite gaps do not cancel
    assert grid.loc[vocab.PROVINCE_CODE, "classes"] == pytest.approx(
        tot["diff"].abs().sum() / tot["vnedu"].sum())
    fac = ind[(ind["breakdown"] == "") & (ind["indicator"] == "phong_hoc")]
    assert fac.loc[fac["level"] == "province", "diff"].iloc[0] == 0  # netted to zero...
    assert grid.loc[vocab.PROVINCE_CODE, "facilities"] > 0  # ...but not in the heatmap
    assert ((grid[list(dashboard.GROUPS)] >= 0) | grid[list(dashboard.GROUPS)].isna()).all().all()


def test_trend_has_one_row_per_period(model: dashboard.Model) -> None:
    trend = dashboard.trend_frame(model)
    assert list(trend["period"]) == list(vocab.PERIODS)
    assert list(trend["findings"]) == [len(model.snapshots[p].findings) for p in vocab.PERIODS]
    assert (trend["schools"] == 6).all() and (trend["districts"] == 3).all()
    assert trend["relative_gap"].between(0, 1).all()
    assert dashboard.trend_png(trend)[:8] == b"\x89PNG\r\n\x1a\n"


def test_district_schools_have_status_and_no_names(model: dashboard.Model) -> None:
    tr = model.trackings["dau_nam"]
    frame = dashboard.district_schools(tr, "696")
    assert list(frame.columns) == list(dashboard.SCHOOL_TITLES)
    assert list(frame["school_code"]) == sorted(
        tr.schools.loc[tr.schools["district_code"] == "696", "school_code"])
    assert set(frame["status"]) <= set(dashboard.STATUS_LABELS.values())
    assert frame["sync_blocked"].sum() == 1
    text = frame.to_csv()
    assert not [n for n in personal_names() if n in text]


def test_school_gaps_and_findings(model: dashboard.Model) -> None:
    snap = model.snapshots["dau_nam"]
    gaps = dashboard.school_gaps(snap, "70689015").set_index("indicator")
    ind = snap.indicators
    row = ind[(ind["level"] == "school") & (ind["unit_code"] == "70689015")
              & (ind["indicator"] == "hs_tong") & (ind["breakdown"] == "")].iloc[0]
    assert (gaps.loc["hs_tong", "vnedu"], gaps.loc["hs_tong", "csdl"],
            gaps.loc["hs_tong", "diff"]) == (row["vnedu"], row["csdl"], row["diff"])
    assert gaps.loc["hs_tong", "relative_gap"] == pytest.approx(abs(row["diff"]) / row["vnedu"])
    assert list(gaps.index)[:2] == ["hs_tong", "hs_nu"]  # catalogue order
    counts = dashboard.school_findings(snap, "70689015")
    assert counts["count"].sum() == (snap.findings["school_code"] == "70689015").sum() == 9


def test_fix_list_workbook(model: dashboard.Model) -> None:
    snap = model.snapshots["dau_nam"]
    data = dashboard.fix_list_bytes(snap, "689", model.as_of)
    assert data == dashboard.fix_list_bytes(snap, "689", model.as_of)  # same input, same bytes
    book = openpyxl.load_workbook(io.BytesIO(data))
    schools = sorted(snap.registry.schools_of("689")["school_code"])
    assert book.sheetnames == ["Tổng hợp", *schools]  # the batch's fix list: a sheet per school
    mine = snap.findings[snap.findings["district_code"] == "689"]
    checks = snap.checks.frame[snap.checks.frame["district_code"] == "689"]
    listed = 0
    for code in schools:
        rows = list(book[code].iter_rows(min_row=6, values_only=True))
        listed += sum(1 for r in rows if any(v is not None for v in r))
    assert listed == len(mine) + len(checks) and len(checks)
    assert dashboard.fix_list_name(snap, "689") == "sua_sai_lech_689_2021-2022_dau_nam.xlsx"


def test_formats_are_vietnamese() -> None:
    assert dashboard.fmt_int(1234567) == "1.234.567"
    assert dashboard.fmt_int(pd.NA) == "–"
    assert dashboard.fmt_pct(0.0155) == "1,6 %"
    assert dashboard.heat_colour(float("nan")) != dashboard.heat_colour(0.0)
    assert dashboard.heat_colour(0.5) == dashboard.heat_colour(dashboard.HEAT_CAP)


def _page_text(board: dashboard.Dashboard) -> str:
    parts = [board.title.value, board.deadline.value, board.tiles.value, board.categories.value,
             board.heatmap.value, board.history.value, board.trend.value,
             board.district_view.value, board.schools.value, board.school_view.value,
             board.message.value, *(str(o) for o in board.district.options),
             *(str(o) for o in board.school.options)]
    return "\n".join(parts)


def test_widgets_drill_down_show_counts_only(model: dashboard.Model) -> None:
    board = dashboard.Dashboard(model)
    assert board.period.value == "dau_nam"
    names = personal_names()
    seen = []
    for period in vocab.PERIODS:
        board.period.value = period
        for district in ("689", "692", "696"):
            board.district.value = district
            for code, _ in dashboard.district_schools(model.trackings[period], district)[
                    ["school_code", "school_name"]].itertuples(index=False):
                board.school.value = code
                text = _page_text(board)
                assert board.message.value == ""
                assert f"Chỉ tiêu của trường {code}" in text
                seen.append(text)
    page = "\n".join(seen)
    assert not [n for n in names if n in page]
    assert 'data-key="districts_on_time"' in page


def test_download_link_holds_the_workbook(model: dashboard.Model) -> None:
    board = dashboard.Dashboard(model)
    board.district.value = "696"
    assert not board.make_file.disabled
    board.make_file.click()
    m = re.search(r'download="([^"]+)" href="data:[^;]+;base64,([^"]+)"', board.download.value)
    assert m and m.group(1) == "sua_sai_lech_696_2021-2022_dau_nam.xlsx"
    import base64

    assert base64.b64decode(m.group(2)) == dashboard.fix_list_bytes(
        model.snapshots["dau_nam"], "696", model.as_of, model.history)
    board.district.value = ""
    assert board.download.value == "" and board.make_file.disabled


def test_callback_errors_become_a_message(model: dashboard.Model, monkeypatch) -> None:
    board = dashboard.Dashboard(model)
    board.district.value = "689"

    def boom(*args, **kwargs):
        raise KeyError("internal detail")

    monkeypatch.setattr(widgets, "school_gaps", boom)
    board.school.value = "70689015"
    assert "Đã xảy ra lỗi" in board.message.value
    assert "Traceback" not in board.message.value and "internal detail" not in board.message.value
    monkeypatch.undo()
    board.period.value = "cuoi_nam"  # the next successful callback clears the message
    assert board.message.value == ""


def test_app_shows_a_message_for_unreadable_data(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv(dashboard.ENV_DATA, raising=False)
    assert "Chưa chỉ định thư mục dữ liệu" in dashboard.app().value
    missing = dashboard.app(tmp_path / "khong_co")
    assert "Không mở được bảng điều hành" in missing.value and 'data-key="error"' in missing.value
    (tmp_path / "empty").mkdir()
    assert "không có danh mục" in dashboard.app(tmp_path / "empty").value
    assert "YYYY-MM-DD" in dashboard.app(SAMPLE, as_of="17/09/2021").value


def test_app_reads_the_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(dashboard.ENV_DATA, str(SAMPLE))
    monkeypatch.setenv(dashboard.ENV_AS_OF, "2021-09-17")
    monkeypatch.setenv(dashboard.ENV_CACHE, str(tmp_path))
    widget = dashboard.app()
    assert "eduwb-dashboard" in widget._dom_classes


def test_voila_command_and_environment(tmp_path: Path) -> None:
    cmd = serve.voila_command("nb.ipynb", 8899, "s3cret")
    assert "--Voila.ip=127.0.0.1" in cmd and "--port=8899" in cmd and "--no-browser" in cmd
    assert "--preheat_kernel=True" in cmd and "--pool_size=1" in cmd
    assert ("--VoilaConfiguration.multi_kernel_manager_class="
            "eduwb.views.dashboard.sessions.CappedKernelManager") in cmd \
        and "--CappedKernelManager.max_kernels=6" in cmd
    assert any(c.startswith("--MappingKernelManager.cull_idle_timeout=") for c in cmd)
    assert "--show_tracebacks=False" in cmd and "--token=s3cret" in cmd
    assert not any(c.startswith("--token") for c in serve.voila_command("nb.ipynb", 8899))
    env = serve.voila_environment(SAMPLE, as_of=AS_OF, cache=tmp_path,
                                  base={"PATH": "/bin", dashboard.ENV_YEAR: "stale",
                                        dashboard.ENV_HISTORY: str(tmp_path / "h.duckdb")})
    assert env[dashboard.ENV_HISTORY] == str(tmp_path / "h.duckdb")
    given = serve.voila_environment(SAMPLE, history=tmp_path / "given.duckdb", base={})
    assert given[dashboard.ENV_HISTORY] == str(tmp_path / "given.duckdb")
    assert env[dashboard.ENV_DATA] == str(SAMPLE.resolve())
    assert env[dashboard.ENV_AS_OF] == "2021-09-17" and env[dashboard.ENV_CACHE] == str(tmp_path)
    assert dashboard.ENV_YEAR not in env and env["PATH"] == "/bin"
    assert serve.url(8899, "s3cret") == "http://127.0.0.1:8899/?token=s3cret"
    assert serve.notebook_path() == ROOT / "notebooks" / "dashboard.ipynb"


def test_notebook_is_thin_and_has_no_outputs() -> None:
    import nbformat

    nb = nbformat.read(ROOT / "notebooks" / "dashboard.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(code) == 1 and "app()" in code[0].source
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    raw = (ROOT / "notebooks" / "dashboard.ipynb").read_text(encoding="utf-8")
    assert "/work" not in raw and "/home" not in raw and not re.search(r"20\d\d-\d\d-\d\dT", raw)


def test_cli_dashboard_refuses_an_unreadable_folder(tmp_path: Path, capsys) -> None:
    assert main(["-q", "dashboard", str(tmp_path / "khong_co")]) == 2
    assert "Không tìm thấy thư mục dữ liệu" in capsys.readouterr().err


# --- the data-entry checks and the history (issues 12 and 14) -------------------------------------


def test_district_schools_count_check_errors(model: dashboard.Model) -> None:
    snap, tr = model.snapshots["cuoi_nam"], model.trackings["cuoi_nam"]
    f = snap.checks.findings
    for district in ("689", "692", "696"):
        frame = dashboard.district_schools(tr, district)
        for r in frame.itertuples(index=False):
            loi = ((f["school_code"] == r.school_code) & (f["severity"] == "loi")).sum()
            assert r.check_errors == loi and r.ready == (loi == 0)
        tiles = dashboard.district_tiles(snap, tr, None, district).set_index("key")
        assert tiles.loc["schools_not_ready", "value"] == (~frame["ready"]).sum()
        assert tiles.loc["schools_not_ready", "total"] == len(frame)
        assert tiles.loc["findings", "value"] == (snap.findings["district_code"] == district).sum()


def test_open_findings_run_by_run_equal_the_history(days, days_model: dashboard.Model) -> None:
    progress = days_model.progress("dau_nam")
    truth = days.truth("progress.csv")
    for level, unit in (("province", vocab.PROVINCE_CODE), ("district", "689"),
                        ("district", "696")):
        runs = dashboard.open_by_run(progress, level, unit)
        assert list(runs["as_of"]) == list(DAYS)
        want = truth[(truth["level"] == level) & (truth["unit_code"] == unit)]
        assert runs["discrepancies"].tolist() == want["open"].astype(int).tolist()
        p = progress.progress
        checks = p[(p["level"] == level) & (p["unit_code"] == unit) & (p["kind"] == "checks")]
        assert runs["checks"].tolist() == checks["open"].tolist()
    deadlines = days_model.trackings["dau_nam"].deadlines
    html = dashboard.history_html(progress, deadlines)
    assert html.count("<tr>") == 1 + len(DAYS) and "<svg" in html
    runs = dashboard.open_by_run(progress)
    svg = dashboard.history_svg(runs, deadlines, "Toàn <tỉnh>")
    assert svg.count('data-kind="discrepancies"') == svg.count('data-kind="checks"') == len(DAYS)
    assert 'data-deadline="vnedu"' in svg and 'data-deadline="eqms"' in svg
    assert "Toàn &lt;tỉnh&gt;" in svg and "<tỉnh>" not in svg
    later = runs.assign(as_of=[d + dt.timedelta(days=400) for d in runs["as_of"]])
    far = dashboard.history_svg(later, deadlines, "x")  # deadlines far from every run: named only
    assert "data-deadline" not in far and "ngoài khoảng các lần chạy" in far
    assert "Chưa có lần đối chiếu nào" in dashboard.history_html(
        dashboard.read_progress(SAMPLE, YEAR, "dau_nam", days.root / "none.duckdb"),
        days_model.trackings["dau_nam"].deadlines)


def test_units_changed_after_signing(days, days_model: dashboard.Model) -> None:
    snap, tr = days_model.snapshots["dau_nam"], days_model.trackings["dau_nam"]
    progress = days_model.progress("dau_nam")
    tiles = dashboard.tiles(snap, tr, progress).set_index("key")
    truth = days.truth("after_signoff.csv")
    assert tiles.loc["signed_changed", "value"] == len(truth) == 1
    assert tiles.loc["signed_changed", "total"] == len(progress.signed) >= 2
    school = truth["unit_code"].iloc[0]
    mine = dashboard.district_tiles(snap, tr, progress, school[2:5]).set_index("key")
    assert mine.loc["signed_changed", "value"] == 1
    for other in sorted({"689", "692", "696"} - {school[2:5]}):
        theirs = dashboard.district_tiles(snap, tr, progress, other).set_index("key")
        assert theirs.loc["signed_changed", "value"] == 0


def test_widgets_show_the_history_with_counts_only(days, days_model: dashboard.Model) -> None:
    board = dashboard.Dashboard(days_model)
    assert 'data-key="history"' in board.history.value
    assert 'data-key="signed_changed"' in board.tiles.value
    board.district.value = "696"
    assert 'data-key="district-history"' in board.district_view.value
    assert 'data-key="district-schools_not_ready"' in board.district_view.value
    assert board.message.value == ""
    text = _page_text(board)
    names = personal_names() | personal_names(days.data())  # the days start from the sample
    assert names and not [n for n in names if n in text]
    assert "finding_id" not in text


def test_an_unreadable_history_is_a_message(tmp_path: Path) -> None:
    bad = tmp_path / "h.duckdb"
    bad.write_text("không phải kho lịch sử", encoding="utf-8")
    model = dashboard.open_model(SAMPLE, as_of=AS_OF, cache=tmp_path / "cache", history=bad)
    assert all(isinstance(model.progress(p), str) for p in model.periods)
    board = dashboard.Dashboard(model)
    assert "Không đọc được lịch sử" in board.history.value and board.message.value == ""
    tiles = dashboard.tiles(model.snapshots["dau_nam"], model.trackings["dau_nam"],
                            model.progress("dau_nam")).set_index("key")
    assert pd.isna(tiles.loc["signed_changed", "value"])
