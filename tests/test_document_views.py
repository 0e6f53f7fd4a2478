"""The district report's views of the data-entry checks (issue 12) and of the history (issue 14):
the "Chất lượng nhập liệu" section, the progress section and the schools that changed after
signing, and the fix list's checks, severity, "new since the last run" and "open since" columns."""

from __future__ import annotations

import datetime as dt
import io
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from eduwb.checks import CATALOGUE, SEVERITY_LABELS
from eduwb.errors import ParameterError
from eduwb.history import overview, read_series
from eduwb.views import district_report as nb
from eduwb.views import fixlist
from tests.days_history import DAYS, PERIOD, SAMPLE, YEAR, days_history
from tests.hostile.sample_copy import xlsx_text

AS_OF = "2022-06-01"


def params(data: Path, district: str, *, history: Path | str, period: str = "cuoi_nam",
           out: Path | str = "", as_of: str = AS_OF, cache: Path | str = "") -> dict:
    return {"data": str(data), "year": YEAR, "period": period, "district": district,
            "out": str(out), "as_of": as_of, "cache": str(cache), "history": str(history)}


@pytest.fixture(scope="module")
def days(tmp_path_factory: pytest.TempPathFactory):
    return days_history(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="module")
def report689(tmp_path_factory: pytest.TempPathFactory) -> nb.DistrictReport:
    tmp = tmp_path_factory.mktemp("report689")
    return nb.district_report(params(SAMPLE, "689", history=tmp / "empty.duckdb",
                                     cache=tmp / "cache"))


# --- the data-entry checks section --------------------------------------------------------------


def test_checks_by_school_count_each_system_and_severity(report689: nb.DistrictReport) -> None:
    checks = report689.checks
    f = checks.findings
    assert set(f["district_code"]) == {"689"} and len(f)
    table = report689.checks_by_school().set_index("Mã trường")
    assert sorted(table.index) == sorted(report689.school_names)
    for code, row in table.iterrows():
        for system, label in (("vnedu", "vnEdu"), ("csdl", "CSDL ngành")):
            for sev in ("loi", "canh_bao"):
                want = ((f["school_code"] == code) & (f["system"] == system)
                        & (f["severity"] == sev)).sum()
                assert row[f"{SEVERITY_LABELS[sev]} ({label})"] == want, (code, system, sev)
        ready = code not in checks.not_ready()
        assert row["Ký báo cáo"] == ("Đủ điều kiện" if ready else "Chưa: còn lỗi")
    summary = repr(report689.checks_summary())
    for code in checks.not_ready():
        assert f"{report689.school_names[code]} ({code})" in summary
    loi = (f["severity"] == "loi").sum()
    assert f"{loi} lỗi" in summary and f"{len(f) - loi} cảnh báo" in summary


def test_checks_by_rule_and_the_rules_not_applied(report689: nb.DistrictReport) -> None:
    checks = report689.checks
    by_rule = report689.checks_by_rule()
    assert by_rule["Số bản ghi"].sum() == len(checks.findings)
    titles = {r.title for r in CATALOGUE}
    assert set(by_rule["Kiểm tra"]) <= titles and set(by_rule["Mức độ"]) <= {"Lỗi", "Cảnh báo"}
    skipped = report689.checks_skipped()
    sk = checks.skipped
    assert skipped["Số trường"].sum() == len(
        sk.drop_duplicates(["system", "rule", "reason", "school_code"]))
    assert set(skipped["Kiểm tra"]) <= titles
    html = str(report689.checks_skipped_html())
    assert "Các kiểm tra không áp dụng được" in html and "bat_thuong" not in html


def test_cover_and_standing_name_the_schools_not_ready(report689: nb.DistrictReport) -> None:
    not_ready = len(report689.checks.not_ready())
    schools = len(report689.school_names)
    cover = str(report689.cover())
    assert f"{schools - not_ready}/{schools}" in cover and "Trường đủ điều kiện ký" in cover
    for anchor, title in nb.SECTIONS:
        assert f'href="#{anchor}"' in cover and title in cover
    assert f"(mục {nb.section_number('nhap-lieu')})" in str(report689.standing())


# --- the fix list -------------------------------------------------------------------------------


def test_fix_list_has_every_check_in_the_system_where_it_is_fixed(
        report689: nb.DistrictReport) -> None:
    tasks = report689.fix_list()
    checks = report689.checks.frame
    compared = tasks[tasks["found_in"] == fixlist.COMPARED]
    found = tasks[tasks["found_in"] != fixlist.COMPARED]
    assert len(compared) == len(report689.snapshot.findings) and len(found) == len(checks)
    # a data-entry error is fixed in vnEdu and synced, even when it was found in CSDL ngành
    assert (checks["system"] == "csdl").any()
    assert set(found["system"]) == {"vnEdu"}
    assert found["found_in"].value_counts().to_dict() == {
        {"vnedu": "vnEdu", "csdl": "CSDL ngành"}[k]: v
        for k, v in checks["system"].value_counts().items()}
    assert sorted(found["severity"]) == sorted(checks["severity"].map(SEVERITY_LABELS))
    # a discrepancy typed straight into CSDL is removed there
    only_csdl = compared[compared["category"] == "Chỉ có trên CSDL ngành"]
    assert len(only_csdl) and set(only_csdl["system"]) == {"CSDL ngành"}
    # what is wrong is written on the side of the system that has it
    on_csdl = found[found["found_in"] == "CSDL ngành"]
    assert (on_csdl["vnedu_value"] == "").all() and (on_csdl["csdl_value"] != "").all()
    # tasks per school: discrepancies first, then errors before warnings
    for _, mine in tasks.groupby("school_code"):
        kinds = (mine["found_in"] != fixlist.COMPARED).tolist()
        assert kinds == sorted(kinds)
        sev = mine.loc[mine["found_in"] != fixlist.COMPARED, "severity"].tolist()
        assert sev == sorted(sev, key=["Lỗi", "Cảnh báo"].index)
    summary = report689.fix_summary()
    assert summary["Tổng"].sum() == len(tasks)
    assert summary["Lỗi (phải sửa trước khi ký)"].sum() == (tasks["severity"] == "Lỗi").sum()


def test_fix_list_workbook_has_the_checks_and_the_notice(report689: nb.DistrictReport) -> None:
    data = report689.fix_list_bytes()
    assert data == report689.fix_list_bytes()  # same input, same bytes
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert nb.PERSONAL_DATA_NOTICE in [c.value for c in book["Tổng hợp"]["A"]]
    tasks = report689.fix_list()
    for code in sorted(report689.school_names):
        ws = book[code]
        header = [c.value for c in ws[5]]
        assert header == [fixlist.FIX_COLUMNS[c] for c in fixlist.FIX_COLUMNS
                          if c not in ("school_code", "school_name")]
        rows = [r for r in ws.iter_rows(min_row=6, values_only=True) if any(r)]
        assert len(rows) == (tasks["school_code"] == code).sum()
        level = header.index("Mức độ")
        assert {r[level] for r in rows} <= {"Lỗi", "Cảnh báo"}
    assert "<f>" not in xlsx_text(data)  # text is never a formula


# --- the history: progress, after sign-off, new since the last run ------------------------------


def test_progress_section_counts_each_school_as_the_history_does(days) -> None:
    for district in ("689", "696"):
        rep = nb.district_report(params(days.data(), district, history=days.store,
                                        period=PERIOD, as_of="2021-09-16", cache=days.cache))
        series = read_series(days.store, YEAR, PERIOD, district)
        want = overview(series, days=nb.LONG_OPEN_DAYS)
        table = rep.progress_table()
        assert len(table) == len(want)
        rows = table[table["Mã trường"] != ""].set_index(["Mã trường", "Loại"])
        for r in want[want["level"] == "school"].itertuples(index=False):
            got = rows.loc[(r.unit_code, nb.KIND_TITLES[r.kind])]
            assert (got["Còn mở"], got["Mới"], got["Đã sửa"], got["Mở quá 7 ngày"]) == (
                r.open, r.new, r.fixed, r.open_long)
        # the district's discrepancies on the last day, as the days' ground truth has them
        truth = days.truth("progress.csv")
        truth = truth[(truth["date"] == DAYS[-1].isoformat()) & (truth["level"] == "district")
                      & (truth["unit_code"] == district)].iloc[0]
        total = table[(table["Tên trường"] == "Cả phòng")
                      & (table["Loại"] == nb.KIND_TITLES["discrepancies"])].iloc[0]
        assert (total["Còn mở"], total["Mới"], total["Đã sửa"]) == (
            int(truth["open"]), int(truth["new"]), int(truth["fixed"]))
        summary = repr(rep.progress_summary())
        assert "3 lần đối chiếu" in summary and "13/09/2021" in summary


def test_after_signoff_names_the_school_that_changed_and_not_the_one_that_did_not(days) -> None:
    changed = days.truth("after_signoff.csv")
    assert len(changed) == 1
    school = changed["unit_code"].iloc[0]
    district = school[2:5]
    rep = nb.district_report(params(days.data(), district, history=days.store, period=PERIOD,
                                    as_of="2021-09-16", cache=days.cache))
    html = str(rep.after_signoff_html())
    assert f"({school})" in html and "cần ký lại" in html
    assert "Tổng số học sinh" in html and "→" in html
    assert f"{dt.date.fromisoformat(changed['signed_on'].iloc[0]):%d/%m/%Y}" in html
    events = days.truth("events.csv")
    unchanged = set(events["school_code"]) - {school}
    for other in sorted({s[2:5] for s in unchanged} - {district}):
        rep = nb.district_report(params(days.data(), other, history=days.store, period=PERIOD,
                                        as_of="2021-09-16", cache=days.cache))
        text = str(rep.after_signoff_html())
        assert "Không đơn vị nào thay đổi số liệu vnEdu sau khi ký" in text


def _truth_states(days, day: dt.date, district: str) -> pd.DataFrame:
    frame = pd.read_csv(days.root / "_truth" / day.isoformat() / "discrepancies.csv", dtype=str,
                        keep_default_na=False, encoding="utf-8-sig")
    return frame[frame["district_code"] == district]


def test_fix_list_marks_what_is_new_and_since_when(days, tmp_path: Path) -> None:
    """Against the days' truth: the last day recorded, and the same day not yet recorded (a
    report on data newer than the history) mark the same findings new, with the same dates."""
    partial = tmp_path / "two_days.duckdb"
    shutil.copy(days.store, partial)
    import duckdb

    with duckdb.connect(str(partial)) as con:  # the same store without the last day's run
        last = con.execute("SELECT max(run_id) FROM runs").fetchall()[0][0]
        for table in ("runs", "units", "indicators", "discrepancies", "checks"):
            con.execute(f"DELETE FROM {table} WHERE run_id = ?", [last])
    new_total = 0
    for store in (days.store, partial):
        for district in ("689", "692", "696"):
            rep = nb.district_report(params(days.data(), district, history=store, period=PERIOD,
                                            as_of="2021-09-16", cache=days.cache))
            assert len(rep.series.runs) == (3 if store == days.store else 2)
            tasks = rep.fix_list()
            compared = tasks[tasks["found_in"] == fixlist.COMPARED]
            truth = _truth_states(days, DAYS[-1], district)
            new_total += (truth["state"] == "new").sum()
            assert (compared["state"] == fixlist.NEW_MARK).sum() == (truth["state"] == "new").sum()
            want = sorted(f"{dt.date.fromisoformat(d):%d/%m/%Y}" for d in truth["first_seen"])
            assert sorted(compared["first_seen"]) == want
            states = rep.finding_states("checks")
            assert len(states) == len(rep.checks.frame) and states["state"].notna().all()
            new = tasks[(tasks["found_in"] != fixlist.COMPARED) & (tasks["state"] == fixlist.NEW_MARK)]
            assert len(new) == (states["state"] == "new").sum()
    assert new_total > 0


def test_an_empty_history_says_so_and_marks_nothing(report689: nb.DistrictReport) -> None:
    assert "chưa có lần đối chiếu nào" in repr(report689.progress_summary())
    assert report689.progress_table().empty
    tasks = report689.fix_list()
    assert (tasks["state"] == "").all() and (tasks["first_seen"] == "").all()
    assert "Mới từ lần trước" in report689.fix_table().columns


def test_history_parameter_is_checked(tmp_path: Path) -> None:
    good = params(SAMPLE, "689", history="")
    assert nb.check_parameters(good).history is None
    assert nb.check_parameters({**good, "history": str(tmp_path / "new.duckdb")}).history == (
        tmp_path / "new.duckdb")
    assert not (tmp_path / "new.duckdb").exists()
    (tmp_path / "notes.duckdb").write_text("không phải kho lịch sử", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"history = .*notes\.duckdb"):
        nb.check_parameters({**good, "history": str(tmp_path / "notes.duckdb")})
    with pytest.raises(ParameterError, match=r"history = .*is a folder"):
        nb.check_parameters({**good, "history": str(tmp_path)})
    with pytest.raises(ParameterError, match="missing parameter 'history'"):
        nb.check_parameters({k: v for k, v in good.items() if k != "history"})
