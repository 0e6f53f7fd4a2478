"""The history store and `eduwb progress` (spec/history.md): ids, state, first_seen, progress,
changes, after-signoff, transactions, concurrent writers, schema versions, scopes, and the
two-day scenario through the command line against the sample days' ground truth."""

from __future__ import annotations

import datetime as dt
import filecmp
import multiprocessing
import pickle
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from eduwb import cli, history, vocab
from eduwb.history import db
from eduwb.history.progress import after_signoff_table, changes_table, signatures
from eduwb.sample import generate
from eduwb.sample.days import write_days

YEAR, PERIOD = "2021-2022", "dau_nam"
D1, D2, D3 = dt.date(2021, 9, 10), dt.date(2021, 9, 13), dt.date(2021, 9, 15)
ROOT = Path(__file__).resolve().parents[1]


# --- helpers --------------------------------------------------------------------------------------


def finding(school: str = "70689012", category: str = "field_mismatch", field: str = "dob",
            moet: str = "", vnedu: str = "", **values: str) -> dict:
    row = dict.fromkeys(vocab.DISCREPANCY_COLUMNS, "")
    row.update(year=YEAR, period=PERIOD, district_code=school[2:5], school_code=school,
               entity="student", category=category, field=field, moet_id=moet, vnedu_id=vnedu,
               full_name="Nguyễn Văn An", action="Đồng bộ lại từ vnEdu")
    row.update(values)
    return row


def frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(vocab.DISCREPANCY_COLUMNS))


def check(system: str = "vnedu", rule: str = "hs_thieu_thong_tin", field: str = "dob",
          key: str = "HS0001", moet: str = "", school: str = "70689012", **values: str) -> dict:
    row = dict.fromkeys(history.CHECK_COLUMNS, "")
    row.update(year=YEAR, period=PERIOD, district_code=school[2:5], school_code=school,
               system=system, entity="student", rule=rule, severity="loi", field=field,
               record_key=key, moet_id=moet, full_name="Trần Thị Bình", class_name="1A",
               message="Thiếu thông tin", action="Bổ sung trên vnEdu")
    row.update(values)
    return row


def units(district: str | None = None) -> pd.DataFrame:
    rows = [] if district else [("province", "70", "")]
    for d in ("689", "692"):
        if district in (None, d):
            rows += [("district", d, d), ("school", f"70{d}012", d), ("school", f"70{d}013", d)]
    return pd.DataFrame(rows, columns=["level", "unit_code", "district_code"])


def indicators(pupils: dict[str, int] | None = None) -> pd.DataFrame:
    pupils = pupils or {}
    rows = []
    for level, code, _ in units().itertuples(index=False):
        n = pupils.get(code, 100)
        rows += [(level, code, "hs_tong", "", n, n, 0, 0),
                 (level, code, "hs_tong", "grade=1", n // 5, None, None, None)]
    return pd.DataFrame(rows, columns=["level", "unit_code", "indicator", "breakdown", "vnedu",
                                       "csdl", "diff", "explained"]).astype(
        {c: "Int64" for c in ("vnedu", "csdl", "diff", "explained")})


def record(store: Path, day: dt.date, rows: list[dict], *, scope: str = "province",
           checks: list[dict] | None = None, pupils: dict[str, int] | None = None,
           **kw) -> history.Recorded:
    found = {"discrepancies": frame(rows)}
    if checks is not None:
        found["checks"] = pd.DataFrame(checks, columns=list(history.CHECK_COLUMNS))
    district = None if scope == "province" else scope
    keep = frame(rows)
    if district:
        found = {k: v[v["district_code"] == district] for k, v in found.items()}
        keep = found["discrepancies"]
    assert len(keep) == len(found["discrepancies"])
    return history.record_run(store, year=YEAR, period=PERIOD, scope=scope, as_of=day,
                              fingerprint=f"fp-{day}", findings=found,
                              indicators=indicators(pupils), units=units(district), **kw)


def n_runs(store: Path) -> int:
    with duckdb.connect(str(store), read_only=True) as con:
        return con.execute("SELECT count(*) FROM runs").fetchone()[0]


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


A = finding(moet="7068901201")
B = finding(moet="7068901202", field="sex")
C = finding(school="70692012", category="only_in_csdl", field="", moet="7069201203")


# --- finding ids ----------------------------------------------------------------------------------


def test_ids_are_stable_unique_and_independent_of_row_order_and_values() -> None:
    rows = [A, B, C, finding(category="duplicate_in_csdl", field="", moet="7068901209",
                             csdl_value="1A; 2014-01-01"),
            finding(category="duplicate_in_csdl", field="", moet="7068901209",
                    csdl_value="1A; 2014-01-02")]
    ids = history.finding_ids("discrepancies", frame(rows))
    assert ids.is_unique and ids.str.fullmatch(r"[0-9a-f]{16}").all()
    backwards = history.finding_ids("discrepancies", frame(rows[::-1]))
    assert list(backwards) == list(ids)[::-1]
    # The same problem with other values (a second wrong date) keeps its id; another field does not.
    again = history.finding_ids("discrepancies", frame([finding(moet="7068901201",
                                                                 vnedu_value="2014-02-03")]))
    assert again[0] == ids[0] and ids[0] != ids[1]
    # The MOET code identifies the record when known, vnEdu's code otherwise.
    synced = finding(moet="7068901201", vnedu="HS9")
    unsynced = finding(vnedu="HS9")
    got = history.finding_ids("discrepancies", frame([synced, unsynced]))
    assert got[0] == ids[0] and got[1] != got[0]


def test_school_missing_of_each_system_and_checks_have_their_own_ids() -> None:
    no_vnedu = finding(category="school_missing", field="students", csdl_value="120",
                       entity="school", full_name="")
    no_csdl = finding(category="school_missing", field="students", vnedu_value="118",
                      entity="school", full_name="")
    ids = history.finding_ids("discrepancies", frame([no_vnedu, no_csdl]))
    assert ids[0] != ids[1]
    checks = pd.DataFrame([check(), check(field="sex"), check(system="csdl", key="7068901201"),
                           check(rule="lop_si_so_vuot", entity="class", key="1A", field=""),
                           check(rule="truong_thieu_hieu_truong", entity="school", key="",
                                 field="")], columns=list(history.CHECK_COLUMNS))
    cids = history.finding_ids("checks", checks)
    assert cids.is_unique and not set(cids) & set(ids)
    # MOET code known: it identifies the pupil, whatever vnEdu's code says.
    moved = pd.DataFrame([check(moet="7068901201", key="HS0001"),
                          check(moet="7068901201", key="HS0777")],
                         columns=list(history.CHECK_COLUMNS))
    mids = history.finding_ids("checks", moved)
    assert mids[0] != cids[0]  # the MOET code replaces the vnEdu code in the identity
    assert len(set(history.finding_ids("checks", moved.iloc[[0]]))
               | set(history.finding_ids("checks", moved.iloc[[1]]))) == 1


# --- recording: state, first_seen, identical reruns ---------------------------------------------


def test_state_and_first_seen_across_runs_with_a_gap(tmp_path: Path) -> None:
    store = tmp_path / "h.duckdb"
    first = record(store, D1, [A, B, C])
    assert first.added and set(first.findings["discrepancies"]["state"]) == {"new"}
    assert set(first.findings["discrepancies"]["first_seen"]) == {D1}
    second = record(store, D2, [A, C])  # B fixed
    third = record(store, D3, [A, B])  # B back, C fixed
    got = third.findings["discrepancies"].set_index("moet_id")
    assert got.loc["7068901201", "state"] == "open" and got.loc["7068901201", "first_seen"] == D1
    assert got.loc["7068901202", "state"] == "new" and got.loc["7068901202", "first_seen"] == D3
    ids = [r.findings["discrepancies"].set_index("moet_id").loc["7068901201", "finding_id"]
           for r in (first, second, third)]
    assert len(set(ids)) == 1
    assert list(third.findings["discrepancies"].columns[-3:]) == list(history.HISTORY_COLUMNS)


def test_identical_rerun_adds_no_run_and_gives_the_same_columns(tmp_path: Path) -> None:
    store = tmp_path / "h.duckdb"
    record(store, D1, [A, B, C])
    second = record(store, D2, [A, C])
    assert n_runs(store) == 2
    again = record(store, D2, [C, A])  # same results, rows in another order
    assert not again.added and n_runs(store) == 2 and again.run.run_id == second.run.run_id
    pd.testing.assert_frame_equal(
        again.findings["discrepancies"].sort_values("finding_id", ignore_index=True),
        second.findings["discrepancies"].sort_values("finding_id", ignore_index=True))
    # Day 1 rerun after day 2 was recorded: still the first run's view of it.
    old = record(store, D1, [A, B, C])
    assert not old.added and set(old.findings["discrepancies"]["state"]) == {"new"}
    # The same export date with other results is a new run (a re-export the same day).
    record(store, D2, [A])
    assert n_runs(store) == 3


def test_an_exception_inside_the_transaction_leaves_the_store_unchanged(tmp_path: Path,
                                                                         monkeypatch) -> None:
    store = tmp_path / "h.duckdb"
    record(store, D1, [A, B, C])
    real = db.write_run

    def fail(con, run, *args, **kw):
        real(con, run, *args, **kw)
        raise RuntimeError("disk full")

    monkeypatch.setattr(db, "write_run", fail)
    with pytest.raises(RuntimeError):
        record(store, D2, [A])
    monkeypatch.setattr(db, "write_run", real)
    with duckdb.connect(str(store), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 1
        assert con.execute("SELECT count(*) FROM discrepancies").fetchone()[0] == 3
        assert con.execute("SELECT count(DISTINCT run_id) FROM indicators").fetchone()[0] == 1
    assert record(store, D2, [A]).run.run_id == 2


KILL_SCRIPT = """
import os, pickle, signal, sys
from eduwb.history import db, record
real = db.write_run
def write_then_die(*args, **kw):
    real(*args, **kw)
    os.kill(os.getpid(), signal.SIGKILL)
db.write_run = write_then_die
with open(sys.argv[1], "rb") as fh:
    kw = pickle.load(fh)
record.record_run(sys.argv[2], **kw)
"""


def _run_kwargs(day: dt.date, rows: list[dict]) -> dict:
    return dict(year=YEAR, period=PERIOD, scope="province", as_of=day, fingerprint="fp",
                findings={"discrepancies": frame(rows)}, indicators=indicators(),
                units=units())


def test_a_killed_run_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    store = tmp_path / "h.duckdb"
    record(store, D1, [A, B, C])
    args = tmp_path / "kw.pickle"
    many = [finding(moet=f"70689{i:05d}") for i in range(3000)]
    args.write_bytes(pickle.dumps(_run_kwargs(D2, many)))
    proc = subprocess.run([sys.executable, "-c", KILL_SCRIPT, str(args), str(store)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == -9, proc.stderr  # killed inside the transaction, after the inserts
    with duckdb.connect(str(store), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 1
        assert con.execute("SELECT count(*) FROM discrepancies").fetchone()[0] == 3
    rec = record(store, D2, [A, C])
    assert rec.added and rec.run.run_id == 2
    assert rec.findings["discrepancies"]["state"].tolist() == ["open", "open"]


def _record_in_process(store: str, day: str, start, n: int) -> None:
    kw = _run_kwargs(dt.date.fromisoformat(day),
                     [finding(moet=f"7{day[-2:]}{i:07d}") for i in range(n)])
    start.wait()
    history.record_run(store, timeout=120, **kw)


def test_two_processes_recording_at_once_both_land(tmp_path: Path) -> None:
    store = str(tmp_path / "h.duckdb")
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(2)
    procs = [ctx.Process(target=_record_in_process, args=(store, day, start, 4000))
             for day in ("2021-09-10", "2021-09-13")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(180)
    assert [p.exitcode for p in procs] == [0, 0]
    with duckdb.connect(store, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 2
        per_run = con.execute("SELECT run_id, count(*) FROM discrepancies GROUP BY run_id "
                              "ORDER BY run_id").fetchall()
        assert [n for _, n in per_run] == [4000, 4000]
        assert con.execute("SELECT count(DISTINCT run_id) FROM indicators").fetchone()[0] == 2


HOLD_SCRIPT = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def test_a_locked_store_is_waited_for_then_refused_with_a_message(tmp_path: Path) -> None:
    store = tmp_path / "h.duckdb"
    record(store, D1, [A])
    holder = subprocess.Popen([sys.executable, "-c", HOLD_SCRIPT, str(store), "1.5"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(history.HistoryError, match="another eduwb process"):
            record(store, D2, [A, B], timeout=0.3)
        t0 = time.monotonic()
        rec = record(store, D2, [A, B], timeout=60)  # waits for the holder to finish
        assert rec.added and time.monotonic() - t0 > 0.3
    finally:
        holder.wait(30)


# --- schema versions ------------------------------------------------------------------------------


def _set_version(store: Path, version: int) -> None:
    with duckdb.connect(str(store)) as con:
        con.execute("UPDATE eduwb_schema SET version = ?", [version])


def test_older_and_newer_stores_are_refused_with_a_message(tmp_path: Path) -> None:
    store = tmp_path / "h.duckdb"
    record(store, D1, [A])
    _set_version(store, 0)
    with pytest.raises(history.HistoryError, match=r"older eduwb \(history schema 0\)"):
        record(store, D2, [A])
    _set_version(store, db.SCHEMA_VERSION + 1)
    with pytest.raises(history.HistoryError, match="newer eduwb"):
        history.read_series(store, YEAR, PERIOD)
    other = tmp_path / "other.duckdb"
    with duckdb.connect(str(other)) as con:
        con.execute("CREATE TABLE t (x INTEGER)")
    with pytest.raises(history.HistoryError, match="not an eduwb history"):
        record(other, D1, [A])
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(history.HistoryError):
        record(junk, D1, [A])


def test_an_older_store_is_migrated_in_one_transaction(tmp_path: Path, monkeypatch) -> None:
    store = tmp_path / "h.duckdb"
    record(store, D1, [A, B])
    monkeypatch.setattr(db, "SCHEMA_VERSION", 2)
    monkeypatch.setattr(db, "MIGRATIONS", {1: ("ALTER TABLE runs ADD COLUMN note VARCHAR",
                                               "SELECT * FROM no_such_table")})
    with pytest.raises(duckdb.Error):
        record(store, D2, [A])
    with duckdb.connect(str(store), read_only=True) as con:  # the failed migration left v1
        assert con.execute("SELECT version FROM eduwb_schema").fetchone()[0] == 1
        assert "note" not in [r[0] for r in con.execute("DESCRIBE runs").fetchall()]
    monkeypatch.setattr(db, "MIGRATIONS", {1: ("ALTER TABLE runs ADD COLUMN note VARCHAR",)})
    series = history.read_series(store, YEAR, PERIOD)  # a reader migrates too
    assert len(series.runs) == 1
    with duckdb.connect(str(store), read_only=True) as con:
        assert con.execute("SELECT version FROM eduwb_schema").fetchone()[0] == 2
        assert "note" in [r[0] for r in con.execute("DESCRIBE runs").fetchall()]
    assert record(store, D2, [A]).findings["discrepancies"]["state"].tolist() == ["open"]


# --- progress, changes, scopes --------------------------------------------------------------------


def test_progress_counts_open_new_fixed_per_unit_exactly(tmp_path: Path) -> None:
    store = tmp_path / "h.duckdb"
    two_fields = [finding(moet="7068901301", school="70689013", field=f) for f in ("dob", "sex")]
    record(store, D1, [A, B, C, *two_fields])
    record(store, D2, [A, C, finding(school="70692013", moet="7069201399")])
    series = history.read_series(store, YEAR, PERIOD)
    table = history.progress_table(series)
    assert list(table.columns) == list(history.PROGRESS_COLUMNS)
    assert table["as_of"].tolist() == [D1] * 7 + [D2] * 7  # oldest run first, every unit
    day2 = table[table["as_of"] == D2].set_index(["level", "unit_code"])
    expect = {("province", "70"): (3, 1, 3), ("district", "689"): (1, 0, 3),
              ("district", "692"): (2, 1, 0), ("school", "70689012"): (1, 0, 1),
              ("school", "70689013"): (0, 0, 2),  # one record fixed in two fields counts twice
              ("school", "70692012"): (1, 0, 0), ("school", "70692013"): (1, 1, 0)}
    for unit, (n_open, n_new, n_fixed) in expect.items():
        assert tuple(day2.loc[unit, ["open", "new", "fixed"]]) == (n_open, n_new, n_fixed), unit
    assert table.loc[0, ["level", "unit_code"]].tolist() == ["province", "70"]


def test_checks_are_recorded_beside_discrepancies(tmp_path: Path) -> None:
    store = tmp_path / "h.duckdb"
    c1, c2 = check(), check(system="csdl", key="7068901201", rule="hs_tuoi_khong_hop_ly",
                            severity="canh_bao", value="9 tuổi, khối 1")
    record(store, D1, [A])  # checks not yet run: no checks rows for that run
    record(store, D2, [A], checks=[c1, c2])
    third = record(store, D3, [A], checks=[c1])
    assert third.findings["checks"]["state"].tolist() == ["open"]
    assert list(third.findings["checks"].columns) == [*history.CHECK_COLUMNS,
                                                      *history.HISTORY_COLUMNS]
    series = history.read_series(store, YEAR, PERIOD)
    table = history.progress_table(series)
    prov = table[table["level"] == "province"]
    assert prov[["kind", "open", "new", "fixed"]].values.tolist() == [
        ["discrepancies", 1, 1, 0], ["discrepancies", 1, 0, 0], ["checks", 2, 2, 0],
        ["discrepancies", 1, 0, 0], ["checks", 1, 0, 1]]
    ids = series.run_ids()
    changes = changes_table({k: series.findings(ids[-1], k) for k in ("discrepancies", "checks")},
                            {k: series.findings(ids[-2], k) for k in ("discrepancies", "checks")})
    assert list(changes.columns) == list(history.CHANGE_COLUMNS)
    row = changes.iloc[0]
    assert (row["kind"], row["change"], row["category"]) == ("checks", "fixed",
                                                             "hs_tuoi_khong_hop_ly")
    assert (row["csdl_value"], row["vnedu_value"], row["moet_id"]) == ("9 tuổi, khối 1", "",
                                                                      "")
    assert row["first_seen"] == D2 and len(changes) == 1


def test_scopes_are_kept_apart_and_a_district_reads_the_province_runs(tmp_path: Path) -> None:
    store = tmp_path / "h.duckdb"
    record(store, D1, [A, B, C])
    record(store, D2, [A, C])
    # The district's history read from the province runs: its findings and units only.
    cut = history.read_series(store, YEAR, PERIOD, "689")
    assert cut.source == "province" and len(cut.runs) == 2
    assert set(cut.presence["district_code"]) == {"689"}
    table = history.progress_table(cut)
    assert set(table["level"]) == {"district", "school"}
    day2 = table[(table["as_of"] == D2) & (table["unit_code"] == "689")]
    assert day2[["open", "new", "fixed"]].values.tolist() == [[1, 0, 1]]
    assert cut.findings(kind="discrepancies")["school_code"].tolist() == ["70689012"]
    # A district's own run is compared with its own previous run, not with the province's.
    own = record(store, D3, [A, B], scope="689")
    assert set(own.findings["discrepancies"]["state"]) == {"new"}
    assert set(own.findings["discrepancies"]["first_seen"]) == {D3}
    mine = history.read_series(store, YEAR, PERIOD, "689")
    assert mine.source == "689" and len(mine.runs) == 1
    assert len(history.read_series(store, YEAR, PERIOD, "689", source="province").runs) == 2
    # ... and the province's series does not see it.
    prov = record(store, D3, [A, B, C])
    got = prov.findings["discrepancies"].set_index("moet_id")
    assert got.loc["7068901202", "state"] == "new" and got.loc["7068901201", "first_seen"] == D1


def test_after_signoff_compares_the_last_run_before_signing_with_the_latest() -> None:
    runs = pd.DataFrame({"run_id": [1, 2, 3], "as_of": [D1, D2, D3]})
    ind = pd.concat([indicators({"70689012": 100, "70689013": 50}).assign(run_id=1),
                     indicators({"70689012": 100, "70689013": 50}).assign(run_id=2),
                     indicators({"70689012": 110, "70689013": 50}).assign(run_id=3)])
    ind = ind.assign(seq=ind.groupby("run_id").cumcount())
    ind.loc[(ind["run_id"] == 3) & (ind["unit_code"] == "689") & (ind["breakdown"] == ""),
            "vnedu"] = pd.NA  # a count that went missing differs too
    ledger = pd.DataFrame({
        "level": ["school", "school", "school", "district", "school", "school"],
        "unit_code": ["70689012", "70689013", "70692012", "689", "70692013", "70689012"],
        "year": YEAR, "period": PERIOD,
        "signed_on": [D2, D2, dt.date(2021, 9, 1), D2, D3, dt.date(2021, 9, 11)]})
    signed = signatures(ledger, YEAR, PERIOD, units())
    assert len(signed) == 5  # the latest signature of each unit
    out = after_signoff_table(runs, ind, signed)
    assert list(out.columns) == list(history.AFTER_SIGNOFF_COLUMNS)
    assert out[["level", "unit_code", "breakdown"]].values.tolist() == [
        ["district", "689", ""], ["school", "70689012", ""], ["school", "70689012", "grade=1"]]
    assert out["signed_value"].tolist() == [100, 100, 20]
    assert out["current_value"].isna().tolist() == [True, False, False]
    assert out["current_value"].iloc[1:].tolist() == [110, 22]
    assert set(out["signed_on"]) == {D2}


def test_a_signed_unit_that_did_not_change_gives_no_row() -> None:
    runs = pd.DataFrame({"run_id": [1, 2], "as_of": [D1, D3]})
    ind = pd.concat([indicators({"70689012": 100, "70689013": 50}).assign(run_id=r)
                     for r in (1, 2)])
    ind = ind.assign(seq=ind.groupby("run_id").cumcount())
    ledger = pd.DataFrame({"level": ["school"], "unit_code": ["70689012"], "year": YEAR,
                           "period": PERIOD, "signed_on": [D2]})
    out = after_signoff_table(runs, ind, signatures(ledger, YEAR, PERIOD, units()))
    assert out.empty and list(out.columns) == list(history.AFTER_SIGNOFF_COLUMNS)


def test_an_empty_history_reports_no_run(tmp_path: Path) -> None:
    series = history.read_series(tmp_path / "none.duckdb", YEAR, PERIOD)
    assert series.empty and not (tmp_path / "none.duckdb").exists()
    assert history.progress_table(series).empty


# --- the sample days, through the command line ---------------------------------------------------


@pytest.fixture(scope="module")
def days(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("days") / "days"
    write_days(out, seed=2021, size="tiny", period=PERIOD)
    return out


def _reconcile(data: Path, out: Path, store: Path) -> int:
    return cli.main(["-q", "reconcile", str(data), "--year", YEAR, "--period", PERIOD,
                     "--out", str(out), "--history", str(store)])


def _progress(data: Path, out: Path, store: Path, *more: str) -> int:
    return cli.main(["-q", "progress", str(data), "--year", YEAR, "--period", PERIOD,
                     "--out", str(out), "--history", str(store), *more])


def test_two_days_through_the_cli_give_the_expected_files(days: Path, tmp_path: Path,
                                                          capsys) -> None:
    store, out = tmp_path / "h.duckdb", tmp_path / "out"
    truth = days / "_truth"
    for day in (D1, D2):
        assert _reconcile(days / day.isoformat(), out / day.isoformat(), store) == 1
        got = read(out / day.isoformat() / "discrepancies.csv")
        assert list(got.columns) == [*vocab.DISCREPANCY_COLUMNS, *history.HISTORY_COLUMNS]
        want = read(truth / day.isoformat() / "discrepancies.csv")
        keys = ["school_code", "entity", "category", "field", "vnedu_id", "moet_id", "state",
                "first_seen"]
        assert sorted(got[keys].values.tolist()) == sorted(want[keys].values.tolist())
    before = (out / D2.isoformat() / "discrepancies.csv").read_bytes()
    assert _reconcile(days / D2.isoformat(), out / "again", store) == 1  # identical: no new run
    assert (out / "again" / "discrepancies.csv").read_bytes() == before
    assert n_runs(store) == 2
    capsys.readouterr()
    assert _progress(days / D2.isoformat(), out / "p", store) == 0
    summary = capsys.readouterr().out
    assert "2 lần chạy" in summary and "cần ký lại" in summary
    # progress.csv: every unit, both days, exactly the truth's counts.
    want = read(truth / "progress.csv")
    want = want[want["date"] <= D2.isoformat()].rename(columns={"date": "as_of"})
    got = read(out / "p" / "progress.csv")
    assert list(got.columns) == list(history.PROGRESS_COLUMNS)
    assert set(got["kind"]) == {"discrepancies", "checks"}  # reconcile records both kinds
    checks = got[got["kind"] == "checks"]
    assert len(checks) == (got["kind"] == "discrepancies").sum()  # every unit, both days
    got = got[got["kind"] == "discrepancies"]
    assert got.drop(columns="kind").values.tolist() == want[
        ["level", "unit_code", "as_of", "open", "new", "fixed"]].values.tolist()
    # changes.csv: the truth's new and fixed findings of day 2.
    changes = read(out / "p" / "changes.csv")
    assert list(changes.columns) == list(history.CHANGE_COLUMNS)
    assert set(changes["kind"]) <= {"discrepancies", "checks"}
    changes = changes[changes["kind"] == "discrepancies"]
    day1, day2 = (read(truth / d.isoformat() / "discrepancies.csv") for d in (D1, D2))
    ident = ["school_code", "entity", "category", "field", "vnedu_id", "moet_id"]
    new = day2[day2["state"] == "new"][ident].values.tolist()
    fixed = [r for r in day1[ident].values.tolist() if r not in day2[ident].values.tolist()]
    assert sorted(changes.loc[changes["change"] == "new", ident].values.tolist()) == sorted(new)
    assert sorted(changes.loc[changes["change"] == "fixed", ident].values.tolist()) == sorted(
        fixed)
    # after_signoff.csv: school A (vnEdu changed after signing), not school B (CSDL fixes only).
    after = read(out / "p" / "after_signoff.csv")
    assert list(after.columns) == list(history.AFTER_SIGNOFF_COLUMNS)
    expected = read(truth / "after_signoff.csv")
    assert sorted(set(map(tuple, after[["level", "unit_code", "signed_on"]].values))) == sorted(
        map(tuple, expected.values))
    events = read(truth / "events.csv")
    school_b = events.loc[(events["date"] == D2.isoformat()) & (events["event"] == "fixed"),
                          "school_code"]
    assert set(school_b) - set(after["unit_code"])  # schools that fixed things but stay signed
    tong = after[(after["indicator"] == "hs_tong") & (after["breakdown"] == "")]
    assert (tong["current_value"].astype(int) - tong["signed_value"].astype(int)).tolist() == [1]


def test_three_days_a_finding_that_comes_back_starts_again(days: Path, tmp_path: Path) -> None:
    store, out = tmp_path / "h.duckdb", tmp_path / "out"
    for day in (D1, D2, D3):
        _reconcile(days / day.isoformat(), out / day.isoformat(), store)
    got = read(out / D3.isoformat() / "discrepancies.csv")
    want = read(days / "_truth" / D3.isoformat() / "discrepancies.csv")
    keys = ["school_code", "category", "field", "vnedu_id", "moet_id", "state", "first_seen"]
    assert sorted(got[keys].values.tolist()) == sorted(want[keys].values.tolist())
    back = read(days / "_truth" / "events.csv").query("event == 'came_back'")
    assert len(back) == 1
    again = got[(got["school_code"] == back["school_code"].iloc[0]) & (got["state"] == "new")
                & (got["first_seen"] == D3.isoformat())]
    assert len(again) >= 1
    assert _progress(days / D3.isoformat(), out / "p", store) == 0
    want = read(days / "_truth" / "progress.csv")
    got = read(out / "p" / "progress.csv")
    assert got.loc[got["kind"] == "discrepancies", ["open", "new", "fixed"]].values.tolist() == want[
        ["open", "new", "fixed"]].values.tolist()
    # A district's progress from the province runs: its rows of the same table.
    assert _progress(days / D3.isoformat(), out / "d", store, "--district", "689") == 0
    district = read(out / "d" / "progress.csv")
    assert set(district["level"]) == {"district", "school"}
    whole = read(out / "p" / "progress.csv")
    mine = whole[(whole["unit_code"] == "689") | whole["unit_code"].str.startswith("70689")]
    assert district.values.tolist() == mine.values.tolist()


def test_no_history_touches_no_store(days: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("EDUWB_HISTORY", str(tmp_path / "default.duckdb"))
    code = cli.main(["-q", "reconcile", str(days / D1.isoformat()), "--year", YEAR, "--period",
                     PERIOD, "--out", str(tmp_path / "o"), "--no-history"])
    assert code == 1 and not (tmp_path / "default.duckdb").exists()
    got = read(tmp_path / "o" / "discrepancies.csv")
    assert got["finding_id"].str.fullmatch(r"[0-9a-f]{16}").all()
    assert (got["state"] == "").all() and (got["first_seen"] == "").all()
    # The default store is $EDUWB_HISTORY.
    cli.main(["-q", "reconcile", str(days / D1.isoformat()), "--year", YEAR, "--period",
              PERIOD, "--out", str(tmp_path / "o2")])
    assert n_runs(tmp_path / "default.duckdb") == 1
    assert read(tmp_path / "o2" / "discrepancies.csv")["finding_id"].tolist() == got[
        "finding_id"].tolist()


def test_days_are_deterministic_and_start_from_the_sample(days: Path, tmp_path: Path) -> None:
    sample = tmp_path / "sample"
    generate(sample, seed=2021, size="tiny")
    first = days / D1.isoformat()
    period = Path(YEAR) / PERIOD
    theirs = sorted(p.relative_to(sample / period) for p in (sample / period).rglob("*.*"))
    assert theirs == sorted(p.relative_to(first / period) for p in (first / period).rglob("*.*"))
    for rel in theirs:
        assert filecmp.cmp(sample / period / rel, first / period / rel, shallow=False), rel
    # The same days again, the first one copied from the sample instead of rendered: same bytes.
    again = tmp_path / "again"
    write_days(again, seed=2021, size="tiny", period=PERIOD, sample=sample)
    files = sorted(p.relative_to(days) for p in days.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    for rel in files:
        assert filecmp.cmp(days / rel, again / rel, shallow=False), rel
        if rel.parts[0] != "_truth":
            assert (days / rel).stat().st_mtime == (again / rel).stat().st_mtime, rel
    # Later days: re-exported files carry the day's date; the others are the day before's.
    later = days / D2.isoformat() / period
    changed = [p for p in later.rglob("*.*") if not filecmp.cmp(
        p, first / period / p.relative_to(later), shallow=False)]
    assert changed and all(dt.datetime.fromtimestamp(p.stat().st_mtime, dt.UTC).date() == D2
                           for p in changed)
    assert all(dt.datetime.fromtimestamp(p.stat().st_mtime, dt.UTC).date() == D1
               for p in (first / period).rglob("*.*"))


def test_a_bad_ledger_row_is_left_out_and_named(days: Path, tmp_path: Path, caplog) -> None:
    """One unusable row of ky_duyet.xlsx is named (file, sheet, row, column) and left out; the
    other signatures still count."""
    import shutil

    import openpyxl

    store = tmp_path / "h.duckdb"
    for day in (D1, D3):
        assert _reconcile(days / day.isoformat(), tmp_path / "o" / str(day), store) == 1
    assert _progress(days / D3.isoformat(), tmp_path / "good", store) == 0
    data = tmp_path / "DATA"
    shutil.copytree(days / D3.isoformat() / "danh_muc", data / "danh_muc")
    book = openpyxl.load_workbook(data / "danh_muc" / "ky_duyet.xlsx")
    sheet = book.active
    sheet.append(["Sở", "70689015", YEAR, "Đầu năm", "A", "10/09/2021", "10/09/2021"])
    bad_row = sheet.max_row
    book.save(data / "danh_muc" / "ky_duyet.xlsx")
    with caplog.at_level("WARNING"):
        assert _progress(data, tmp_path / "p", store) == 0
    assert f"ky_duyet.xlsx`, sheet Sheet1, row {bad_row}, column Cấp" in caplog.text
    after = read(tmp_path / "p" / "after_signoff.csv")
    assert len(after) and after.equals(read(tmp_path / "good" / "after_signoff.csv"))


def test_an_unusable_ledger_still_gives_progress_and_says_so(days: Path, tmp_path: Path,
                                                             capsys) -> None:
    import shutil

    import openpyxl

    store, data = tmp_path / "h.duckdb", tmp_path / "DATA"
    assert _reconcile(days / D1.isoformat(), tmp_path / "o", store) == 1
    shutil.copytree(days / D1.isoformat() / "danh_muc", data / "danh_muc")
    book = openpyxl.Workbook()
    book.active.append(["Đơn vị", "Ngày"])  # no Cấp, Mã đơn vị, Kỳ: no header
    book.save(data / "danh_muc" / "ky_duyet.xlsx")
    capsys.readouterr()
    assert _progress(data, tmp_path / "p", store) == 2
    out = capsys.readouterr()
    assert "ky_duyet.xlsx" in out.err and "Chưa kiểm tra được" in out.out
    assert "Không đơn vị nào thay đổi" not in out.out  # no all-clear it could not give
    # province, 3 districts, 6 schools; discrepancies and checks
    assert len(read(tmp_path / "p" / "progress.csv")) == 2 * 10
    assert read(tmp_path / "p" / "after_signoff.csv").empty


def test_overview_counts_what_is_open_for_more_than_a_week(tmp_path: Path) -> None:
    store = tmp_path / "h.duckdb"
    record(store, D1, [A, B])
    record(store, D1 + dt.timedelta(days=7), [A, B])
    record(store, D1 + dt.timedelta(days=9), [A, C])
    view = history.overview(history.read_series(store, YEAR, PERIOD), days=7).set_index(
        ["level", "unit_code"])
    assert tuple(view.loc[("province", "70"), ["open", "new", "fixed", "open_long"]]) == (
        2, 1, 1, 1)
    assert tuple(view.loc[("school", "70692012"), ["open", "new", "open_long"]]) == (1, 1, 0)
    assert view["as_of"].unique().tolist() == [D1 + dt.timedelta(days=9)]


def test_a_check_run_between_reconciles_is_its_own_kind(days: Path, tmp_path: Path) -> None:
    """`eduwb check` records checks only: the discrepancies of the next reconcile are compared
    with the previous reconcile, not marked new because a check run came between."""
    store, out = tmp_path / "h.duckdb", tmp_path / "out"
    assert _reconcile(days / D1.isoformat(), out / "r1", store) == 1
    code = cli.main(["-q", "check", str(days / D2.isoformat()), "--year", YEAR, "--period",
                     PERIOD, "--out", str(out / "c2"), "--history", str(store)])
    assert code == 1
    checks = read(out / "c2" / "checks.csv")
    assert list(checks.columns)[-3:] == list(history.HISTORY_COLUMNS)
    assert set(checks["state"]) == {"new", "open"}  # against the checks of day 1's reconcile
    assert n_runs(store) == 2
    assert _reconcile(days / D2.isoformat(), out / "r2", store) == 1
    got = read(out / "r2" / "discrepancies.csv")
    want = read(days / "_truth" / D2.isoformat() / "discrepancies.csv")
    keys = ["school_code", "category", "field", "vnedu_id", "moet_id", "state", "first_seen"]
    assert sorted(got[keys].values.tolist()) == sorted(want[keys].values.tolist())
    assert _progress(days / D2.isoformat(), out / "p", store) == 0
    progress = read(out / "p" / "progress.csv")
    disc = progress[(progress["kind"] == "discrepancies") & (progress["level"] == "province")]
    assert disc["as_of"].tolist() == [D1.isoformat(), D2.isoformat()]  # the check run holds none
    changes = read(out / "p" / "changes.csv")
    truth_new = want[want["state"] == "new"]
    assert (changes[(changes["kind"] == "discrepancies")]["change"] == "new").sum() == len(
        truth_new)


def test_a_check_of_one_system_is_not_recorded(days: Path, tmp_path: Path, capsys) -> None:
    """`eduwb check --system vnedu` on a period that holds both systems leaves the history alone:
    recorded, it would count every CSDL finding as fixed and restart their first_seen."""
    store, out = tmp_path / "h.duckdb", tmp_path / "out"
    assert _reconcile(days / D1.isoformat(), out / "r1", store) == 1
    capsys.readouterr()
    code = cli.main(["check", str(days / D2.isoformat()), "--year", YEAR, "--period", PERIOD,
                     "--out", str(out / "c2"), "--history", str(store), "--system", "vnedu"])
    assert code == 1
    assert n_runs(store) == 1
    assert "không được ghi vào lịch sử" in capsys.readouterr().out
    checks = read(out / "c2" / "checks.csv")
    assert set(checks["system"]) == {"vnedu"} and set(checks["state"]) == {""}


def test_a_store_that_cannot_be_written_is_said_and_the_run_goes_on(days: Path, tmp_path: Path,
                                                                     capsys) -> None:
    """outputs.md keeps exit 2 for a run that could not be made: a history that cannot be
    written is said on standard error, the files are written, the exit status says what was
    found."""
    store = tmp_path / "not_a_store.duckdb"
    store.write_text("not a database")
    out = tmp_path / "out"
    assert _reconcile(days / D1.isoformat(), out, store) == 1
    assert "not recorded" in capsys.readouterr().err
    found = read(out / "discrepancies.csv")
    assert len(found) and set(found["state"]) == {""}
    assert store.read_text() == "not a database"


def test_the_days_are_written_by_the_command(tmp_path: Path, capsys) -> None:
    assert cli.main(["sample", str(tmp_path / "days"), "--days", "--period", PERIOD]) == 0
    assert sorted(p.name for p in (tmp_path / "days").iterdir()) == [
        *(d.isoformat() for d in (D1, D2, D3)), "_truth"]
    assert "Đã tạo 3 ngày xuất dữ liệu" in capsys.readouterr().out


def test_a_check_on_the_inputs_of_a_recorded_reconcile_adds_no_run(days: Path,
                                                                    tmp_path: Path) -> None:
    """history.md: a rerun on identical inputs adds no run; a check after a reconcile of the same
    files finds its checks recorded, with their states."""
    store, out = tmp_path / "h.duckdb", tmp_path / "out"
    assert _reconcile(days / D1.isoformat(), out / "r1", store) == 1
    assert _reconcile(days / D2.isoformat(), out / "r2", store) == 1
    code = cli.main(["-q", "check", str(days / D2.isoformat()), "--year", YEAR, "--period",
                     PERIOD, "--out", str(out / "c2"), "--history", str(store)])
    assert code == 1 and n_runs(store) == 2
    assert read(out / "c2" / "checks.csv").equals(read(out / "r2" / "checks.csv"))


def test_changes_name_a_class_by_its_class_name_and_never_a_person() -> None:
    from eduwb.history.progress import as_discrepancy_columns

    base = {c: "" for c in (*vocab.CHECK_COLUMNS, *history.HISTORY_COLUMNS)}
    pupil = {**base, "system": "vnedu", "entity": "student", "rule": "hs_thieu_thong_tin",
             "field": "full_name", "record_key": "HS1", "class_name": "4A"}
    klass = {**base, "system": "csdl", "entity": "class", "rule": "lop_si_so_vuot",
             "class_name": "4B"}
    out = as_discrepancy_columns("checks", pd.DataFrame([pupil, klass]))
    assert out["full_name"].tolist() == ["", "4B"]
    assert out["category"].tolist() == ["hs_thieu_thong_tin", "lop_si_so_vuot"]
