"""Tracking on the committed sample's ledger: on time / late / missing / pending, specialists,
merged schools, export dates, the status command."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from eduwb import tracking
from eduwb.cli import main
from eduwb.load import load_period
from eduwb.pipeline import reconcile

D = dt.date
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
AFTER_ALL = D(2022, 6, 30)


def _status(t: tracking.Tracking, level: str) -> dict[str, tuple]:
    frame = t.schools if level == "school" else t.districts
    code = "school_code" if level == "school" else "district_code"
    return {c: (s, None if pd.isna(o) else int(o))
            for c, s, o in zip(frame[code], frame["status"],
                               frame["days_overdue"].astype(object), strict=True)}


def test_ledger_read_with_labels():
    ledger = tracking.read_ledger(SAMPLE)
    assert len(ledger) == 24
    assert set(ledger["period"]) == {"dau_nam", "cuoi_hk1", "cuoi_nam"}
    assert set(ledger["level"]) == {"school", "district"}
    row = ledger[(ledger["unit_code"] == "692") & (ledger["period"] == "dau_nam")].iloc[0]
    assert (row["signed_on"], row["sent_on"]) == (D(2021, 9, 18), D(2021, 9, 18))


def test_dau_nam_schools_and_districts():
    t = tracking.track(SAMPLE, "2021-2022", "dau_nam", as_of=AFTER_ALL)
    assert (t.deadlines.vnedu, t.deadlines.eqms) == (D(2021, 9, 13), D(2021, 9, 20))
    assert _status(t, "school") == {
        "70689015": ("late", 2), "70689026": ("late", 4), "70692007": ("on_time", None),
        "70692015": ("on_time", None), "70696045": ("on_time", None),
        "70696090": ("on_time", None)}
    # District 689 never sent its dau_nam report: missing, overdue since 20/09/2021.
    assert _status(t, "district") == {"689": ("missing", (AFTER_ALL - D(2021, 9, 20)).days),
                                      "692": ("on_time", None), "696": ("on_time", None)}


def test_cuoi_hk1_and_cuoi_nam():
    t = tracking.track(SAMPLE, "2021-2022", "cuoi_hk1", as_of=D(2022, 1, 24))
    st = _status(t, "school")
    assert st["70692015"] == ("missing", 10)
    assert sum(s == "on_time" for s, _ in st.values()) == 5
    assert _status(t, "district")["696"] == ("late", 1)  # sent 22/01, due 21/01
    t = tracking.track(SAMPLE, "2021-2022", "cuoi_nam", as_of=AFTER_ALL)
    st = _status(t, "school")
    assert st["70689026"] == ("late", 8) and st["70696090"] == ("late", 2)
    assert _status(t, "district") == {"689": ("on_time", None), "692": ("missing", 34),
                                      "696": ("on_time", None)}


def test_as_of_before_the_deadline_is_pending_and_ignores_later_entries():
    t = tracking.track(SAMPLE, "2021-2022", "cuoi_nam", as_of=D(2022, 5, 18))
    s = t.schools.set_index("school_code")
    assert s.loc["70689015", "status"] == "on_time"  # sent 16/05
    assert s.loc["70692007", "status"] == "pending"  # signed 18/05, sent 19/05 (not yet)
    assert s.loc["70692007", "signed_on"] == D(2022, 5, 18)
    assert s.loc["70692007", "sent_on"] is None
    assert int(s.loc["70692007", "days_left"]) == 2
    assert "Gửi báo cáo đã ký" in s.loc["70692007", "action"]
    d = t.districts.set_index("district_code")
    assert (d["status"] == "pending").all() and (d["days_left"] == 9).all()


def test_districts_without_specialist_and_merged_school():
    t = tracking.track(SAMPLE, "2021-2022", "dau_nam", as_of=AFTER_ALL)
    assert list(t.unassigned["district_code"]) == ["690", "692", "697"]
    d = t.districts.set_index("district_code")
    assert d.loc["692", "responsible"] == tracking.UNASSIGNED
    assert not d.loc["692", "specialist_assigned"]
    assert "Phân công chuyên viên" in d.loc["692", "action"]
    assert d.loc["689", "responsible"] == "Nguyễn Anh Toàn"
    assert list(t.sync_blocked["school_code"]) == ["70696090"]
    assert t.sync_blocked["old_codes"].iloc[0] == "70696044;70696140"
    assert t.sync_blocked["report_before"].iloc[0] == D(2021, 9, 9) == t.merge_deadline
    s = t.schools.set_index("school_code")
    assert s.loc["70696090", "sync_blocked"] and not s.loc["70696045", "sync_blocked"]
    # Without loaded exports the principal is named by role only.
    assert s.loc["70696045", "responsible"] == tracking.PRINCIPAL
    assert s["vnedu_lists"].isna().all() and s["findings"].isna().all()


def test_district_filter():
    t = tracking.track(SAMPLE, "2021-2022", "dau_nam", as_of=AFTER_ALL, district="692")
    assert set(t.schools["school_code"]) == {"70692007", "70692015"}
    assert list(t.districts["district_code"]) == ["692"]
    assert list(t.unassigned["district_code"]) == ["692"] and t.sync_blocked.empty


@pytest.fixture(scope="module")
def hk1():
    return reconcile(SAMPLE, "2021-2022", "cuoi_hk1")


def test_with_reconciliation_exports_findings_principals(hk1):
    t = tracking.track(SAMPLE, "2021-2022", "cuoi_hk1", as_of=D(2022, 1, 24), reconciliation=hk1)
    s = t.schools.set_index("school_code")
    per_school = hk1.findings.groupby("school_code").size()
    for code in s.index:
        assert s.loc[code, "findings"] == per_school.get(code, 0)
        assert s.loc[code, "clean"] == (per_school.get(code, 0) == 0)
    assert s.loc["70696045", "csdl_lists"] == 0 and s.loc["70696045", "vnedu_lists"] == 4
    assert "Đồng bộ lên CSDL ngành" in s.loc["70696045", "action"]
    assert s.loc["70696045", "responsible"] == "Nguyễn Thảo Lan"  # vnEdu's Hiệu trưởng
    d = t.districts.set_index("district_code")
    assert d.loc["696", "findings"] == s.loc[["70696045", "70696090"], "findings"].sum()
    assert d.loc["696", "csdl_schools"] == 1 and d.loc["692", "schools_sent"] == 1
    table = t.table()
    assert table["status"].iloc[0] == "missing" and table["unit_code"].iloc[0] == "70692015"
    assert table["status"].iloc[1] == "late"
    assert list(table["status"].iloc[2:].unique()) == ["on_time"]


def test_schools_with_data_entry_errors_are_not_ready_to_sign(hk1):
    t = tracking.track(SAMPLE, "2021-2022", "cuoi_hk1", as_of=D(2022, 1, 10), reconciliation=hk1)
    s = t.schools.set_index("school_code")
    by = hk1.checks.by_school().set_index("school_code")
    assert len(hk1.checks.not_ready())  # the sample has schools with errors
    for code in s.index:
        errors = int(by.loc[code, "loi"]) if code in by.index else 0
        assert s.loc[code, "check_errors"] == errors
        assert s.loc[code, "ready_to_sign"] == (errors == 0)
        assert ("chưa đủ điều kiện ký" in s.loc[code, "action"]) == (errors > 0)
    d = t.districts.set_index("district_code")
    for code, mine in t.schools.groupby("district_code"):
        assert d.loc[code, "schools_not_ready"] == int((mine["check_errors"] > 0).sum())
    from eduwb.views.status import render_text

    text = render_text(t)
    assert "Lỗi nhập liệu" in text.splitlines()[3]
    line = next(x for x in text.splitlines() if x.startswith("Trường chưa đủ điều kiện ký"))
    assert all(code in line for code in hk1.checks.not_ready())
    # Without a reconciliation nothing is known about data entry: missing, not 0.
    bare = tracking.track(SAMPLE, "2021-2022", "cuoi_hk1", as_of=D(2022, 1, 10))
    assert bare.schools["check_errors"].isna().all() and bare.schools["ready_to_sign"].isna().all()


def test_export_dates_in_load_report(tmp_path):
    data = tmp_path / "sample"
    shutil.copytree(SAMPLE, data, ignore=shutil.ignore_patterns("_truth", "cuoi_*"))
    stamp = dt.datetime(2021, 9, 11, 12, tzinfo=dt.UTC).timestamp()
    for path in data.rglob("*"):
        if path.is_file():
            os.utime(path, (stamp, stamp))
    period = load_period(data, "2021-2022", "dau_nam")
    assert list(period.load_report.columns)[-1] == "export_date"
    assert set(period.load_report["export_date"]) <= {D(2021, 9, 10), D(2021, 9, 11)}
    t = tracking.track(data, "2021-2022", "dau_nam", as_of=AFTER_ALL, loaded=period)
    # The latest date of a school's files: a title's "Ngày xuất" or the file's time.
    assert set(t.schools["vnedu_export_date"]) == {D(2021, 9, 11)}
    assert (t.schools["vnedu_lists"] == 4).all()


def test_status_order_for_urgency():
    frame = tracking.by_urgency(pd.DataFrame({
        "level": ["school"] * 5, "unit_code": list("abcde"),
        "status": ["on_time", "pending", "missing", "pending", "missing"],
        "days_overdue": [None, None, 2, None, 9], "days_left": [None, 5, None, 1, None]}))
    assert list(frame["unit_code"]) == ["e", "c", "d", "b", "a"]


def test_status_command(tmp_path, capsys):
    out = tmp_path / "out"
    rc = main(["-q", "status", str(SAMPLE), "--year", "2021-2022", "--period", "cuoi_hk1",
               "--as-of", "2022-01-24", "--out", str(out), "--no-load"])
    assert rc == 0
    text = capsys.readouterr().out
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("Cấp"))
    assert "Tình trạng" in lines[header] and "Việc cần làm" in lines[header]
    assert lines[header + 2].split()[1] == "70692015"  # the overdue school first
    assert "Quá hạn, chưa gửi" in lines[header + 2]
    assert "690" in text and "70696090" in text
    first = (out / "theo_doi.xlsx").read_bytes()
    main(["-q", "status", str(SAMPLE), "--year", "2021-2022", "--period", "cuoi_hk1",
          "--as-of", "2022-01-24", "--out", str(out), "--no-load"])
    assert (out / "theo_doi.xlsx").read_bytes() == first


def test_status_command_bad_date():
    with pytest.raises(SystemExit) as exc:
        main(["status", str(SAMPLE), "--year", "2021-2022", "--period", "cuoi_hk1",
              "--as-of", "24/01/2022"])
    assert exc.value.code == 2
