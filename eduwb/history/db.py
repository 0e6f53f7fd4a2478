"""The history store on disk: one DuckDB file, its schema, and the runs recorded in it.

DuckDB lets one process write a file at a time (a second one gets "Could not set lock on file"):
every call opens the file, does its work in one transaction, and closes it, and waits for a lock
held by another eduwb process up to a deadline ($EDUWB_HISTORY_TIMEOUT, default 60 s) before
giving up with a message. A run that fails or is killed before its commit leaves the store as it
was. Schema (version 1), for analysts who query it with SQL:

- ``eduwb_schema(version, written_by)``: one row, the layout's version;
- ``runs(run_id, year, period, scope, as_of, fingerprint, digest, kinds, data, recorded_at,
  written_by)``: one row per recorded run; ``scope`` is ``province`` or a district code; ``as_of``
  the latest export date of the run's files; ``fingerprint`` the inputs' digest (eduwb.store);
  ``digest`` the results' digest; ``kinds`` the finding kinds recorded, ``;``-joined;
- ``discrepancies(run_id, finding_id, <discrepancies.csv columns>)`` and
  ``checks(run_id, finding_id, <checks.csv columns>)``: the findings of each run;
- ``findings``: a view over both (run_id, kind, finding_id, district_code, school_code, entity,
  category, field), ``category`` holding a check's rule;
- ``indicators(run_id, seq, level, unit_code, indicator, breakdown, vnedu, csdl, diff,
  explained)``: indicators.csv of each run (``seq`` keeps its row order);
- ``units(run_id, level, unit_code, district_code)``: the schools, districts and province that
  each run covered (those with no finding too).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from eduwb.errors import EduwbError
from eduwb.history.ids import KINDS

if TYPE_CHECKING:
    import duckdb

SCHEMA_VERSION = 1
# Schema migrations: MIGRATIONS[v] holds the SQL statements that turn version v into v + 1. A store
# of an older version is migrated in one transaction on first use; a version without a path to
# SCHEMA_VERSION (or a newer one) is refused with a message.
MIGRATIONS: dict[int, tuple[str, ...]] = {}
PROVINCE_SCOPE = "province"
DEFAULT_TIMEOUT = 60.0
INDICATOR_VALUES = ("vnedu", "csdl", "diff", "explained")
INDICATOR_KEYS = ("level", "unit_code", "indicator", "breakdown")
UNIT_COLUMNS = ("level", "unit_code", "district_code")
RUN_COLUMNS = ("run_id", "year", "period", "scope", "as_of", "fingerprint", "digest", "kinds")


class HistoryError(EduwbError):
    """The history store cannot be used: locked too long, refused, or not an eduwb store."""


def default_path() -> Path:
    """Where the history lives unless ``--history`` says otherwise: $EDUWB_HISTORY, else
    $XDG_DATA_HOME/eduwb/history.duckdb, else ~/.local/share/eduwb/history.duckdb."""
    if os.environ.get("EDUWB_HISTORY"):
        return Path(os.environ["EDUWB_HISTORY"])
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "eduwb" / "history.duckdb"


def lock_timeout() -> float:
    """Seconds to wait for another process's lock: $EDUWB_HISTORY_TIMEOUT, else 60."""
    try:
        return float(os.environ.get("EDUWB_HISTORY_TIMEOUT", DEFAULT_TIMEOUT))
    except ValueError:
        return DEFAULT_TIMEOUT


def scope_of(district: str | None) -> str:
    """A run's scope: ``province`` or the district code."""
    return district if district else PROVINCE_SCOPE


# --- schema ---------------------------------------------------------------------------------------


def schema_statements() -> list[str]:
    """The DDL of the current schema version."""
    stmts = [
        "CREATE TABLE eduwb_schema (version INTEGER NOT NULL, written_by VARCHAR NOT NULL)",
        "CREATE TABLE runs (run_id INTEGER PRIMARY KEY, year VARCHAR NOT NULL, "
        "period VARCHAR NOT NULL, scope VARCHAR NOT NULL, as_of DATE NOT NULL, "
        "fingerprint VARCHAR NOT NULL, digest VARCHAR NOT NULL, kinds VARCHAR NOT NULL, "
        "data VARCHAR NOT NULL, recorded_at TIMESTAMP NOT NULL, written_by VARCHAR NOT NULL)",
        "CREATE TABLE units (run_id INTEGER NOT NULL, level VARCHAR NOT NULL, "
        "unit_code VARCHAR NOT NULL, district_code VARCHAR NOT NULL)",
        "CREATE TABLE indicators (run_id INTEGER NOT NULL, seq INTEGER NOT NULL, "
        "level VARCHAR NOT NULL, unit_code VARCHAR NOT NULL, indicator VARCHAR NOT NULL, "
        "breakdown VARCHAR NOT NULL, vnedu BIGINT, csdl BIGINT, diff BIGINT, explained BIGINT)",
    ]
    for kind in KINDS.values():
        cols = ", ".join(f"{c} VARCHAR" for c in kind.columns)
        stmts.append(f"CREATE TABLE {kind.name} (run_id INTEGER NOT NULL, "
                     f"finding_id VARCHAR NOT NULL, {cols})")
    stmts.append("CREATE VIEW findings AS " + " UNION ALL ".join(
        f"SELECT run_id, '{k.name}' AS kind, finding_id, district_code, school_code, entity, "
        f"{k.category} AS category, field FROM {k.name}" for k in KINDS.values()))
    return stmts


def _written_by() -> str:
    from eduwb import __version__

    return f"eduwb {__version__}"


def _version(con: duckdb.DuckDBPyConnection, path: Path) -> int | None:
    """The store's schema version; None for an empty file; refuses a file that is not ours."""
    tables = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
    if not tables:
        return None
    if "eduwb_schema" not in tables:
        raise HistoryError("this DuckDB file is not an eduwb history (it has no eduwb_schema "
                           "table); give another file with --history", file=str(path))
    version = con.execute("SELECT max(version) FROM eduwb_schema").fetchall()[0][0]
    if version is None:
        raise HistoryError("the eduwb_schema table is empty: the file is damaged; give another "
                           "file with --history", file=str(path))
    version = int(version)
    if version > SCHEMA_VERSION:
        raise HistoryError(f"written by a newer eduwb (history schema {version}; this eduwb reads "
                           f"schema {SCHEMA_VERSION}): upgrade eduwb or give another file with "
                           "--history", file=str(path))
    if any(v not in MIGRATIONS for v in range(version, SCHEMA_VERSION)):
        raise HistoryError(f"written by an older eduwb (history schema {version}) that this eduwb "
                           f"(schema {SCHEMA_VERSION}) cannot migrate: keep it for that eduwb and "
                           "give a new file with --history", file=str(path))
    return version


def _prepare(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Create the schema in an empty file, or migrate an older one, in one transaction."""
    version = _version(con, path)
    if version == SCHEMA_VERSION:
        return
    con.begin()
    try:
        if version is None:
            for stmt in schema_statements():
                con.execute(stmt)
            con.execute("INSERT INTO eduwb_schema VALUES (?, ?)", [SCHEMA_VERSION, _written_by()])
        else:
            for v in range(version, SCHEMA_VERSION):
                for stmt in MIGRATIONS[v]:
                    con.execute(stmt)
            con.execute("UPDATE eduwb_schema SET version = ?, written_by = ?",
                        [SCHEMA_VERSION, _written_by()])
        con.commit()
    except BaseException:
        con.rollback()
        raise


# --- connections ----------------------------------------------------------------------------------


def _open(path: Path, write: bool, timeout: float) -> duckdb.DuckDBPyConnection:
    import duckdb

    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        try:
            return duckdb.connect(str(path), read_only=not write)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise HistoryError(f"cannot open the history store: {exc}", file=str(path)) from None
            if time.monotonic() + delay > deadline:
                raise HistoryError(
                    f"another eduwb process has held the history store for {timeout:g} s; try "
                    "again when it has finished (or set EDUWB_HISTORY_TIMEOUT to wait longer)",
                    file=str(path)) from None
        except duckdb.Error as exc:
            raise HistoryError(f"not a readable history store: {exc}", file=str(path)) from None
        time.sleep(delay * (1 + random.random()))  # jitter: two waiting writers do not collide
        delay = min(delay * 2, 0.5)


@contextmanager
def connect(path: Path | str, *, write: bool,
            timeout: float | None = None) -> Iterator[duckdb.DuckDBPyConnection | None]:
    """An open connection to a prepared store (schema created or migrated), closed on exit.

    Reading a file that does not exist yields None (an empty history) and creates nothing.
    """
    path = Path(path)
    timeout = lock_timeout() if timeout is None else timeout
    if not write and not path.exists():
        yield None
        return
    if write:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = _open(path, write, timeout)
    try:
        if write:
            _prepare(con, path)
        elif _version(con, path) != SCHEMA_VERSION:  # empty or older: prepare it once, then read
            con.close()
            with connect(path, write=True, timeout=timeout):
                pass
            con = _open(path, False, timeout)
        yield con
    finally:
        con.close()


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    con.register("_eduwb_rows", frame)
    try:
        cols = ", ".join(frame.columns)
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _eduwb_rows")
    finally:
        con.unregister("_eduwb_rows")


# --- recording ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One recorded run."""

    run_id: int
    year: str
    period: str
    scope: str
    as_of: dt.date
    fingerprint: str
    digest: str
    kinds: tuple[str, ...]


def find_run(con: duckdb.DuckDBPyConnection, year: str, period: str, scope: str,
             as_of: dt.date, digest: str) -> int | None:
    """The run already recorded with the same scope, as_of and results, if any."""
    found = con.execute("SELECT min(run_id) FROM runs WHERE year = ? AND period = ? AND "
                        "scope = ? AND as_of = ? AND digest = ?",
                        [year, period, scope, as_of, digest]).fetchall()[0][0]
    return None if found is None else int(found)


def find_checks_run(con: duckdb.DuckDBPyConnection, year: str, period: str, scope: str,
                    as_of: dt.date, fingerprint: str, checks: pd.DataFrame) -> int | None:
    """A run already recorded on the same inputs (scope, as_of, fingerprint) that holds the same
    checks: an ``eduwb check`` after an ``eduwb reconcile`` of the same files adds no run."""
    found = con.execute(
        "SELECT run_id FROM runs WHERE year = ? AND period = ? AND scope = ? AND as_of = ? AND "
        "fingerprint = ? AND list_contains(string_split(kinds, ';'), 'checks') ORDER BY run_id",
        [year, period, scope, as_of, fingerprint]).fetchall()
    cols = [*KINDS["checks"].columns, "finding_id"]
    ours = text_frame(checks[cols]).sort_values("finding_id", kind="stable", ignore_index=True)
    for (run_id,) in found:
        stored = text_frame(finding_rows(con, int(run_id), "checks")[cols])
        if stored.sort_values("finding_id", kind="stable", ignore_index=True).equals(ours):
            return int(run_id)
    return None


def write_run(con: duckdb.DuckDBPyConnection, run: Run, findings: Mapping[str, pd.DataFrame],
              indicators: pd.DataFrame, units: pd.DataFrame, data: str) -> None:
    """Insert one run's rows (inside the caller's transaction)."""
    con.execute("INSERT INTO runs (run_id, year, period, scope, as_of, fingerprint, digest, kinds, "
                "data, recorded_at, written_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        run.run_id, run.year, run.period, run.scope, run.as_of, run.fingerprint, run.digest,
        ";".join(run.kinds), data, dt.datetime.now(dt.UTC).replace(tzinfo=None), _written_by()])
    for name, frame in findings.items():
        cols = ["finding_id", *KINDS[name].columns]
        _insert(con, name, text_frame(frame[cols]).assign(run_id=run.run_id))
    ind = indicators[list(INDICATOR_KEYS)].astype(str).assign(
        **{c: pd.array(indicators[c], dtype="Int64") for c in INDICATOR_VALUES})
    _insert(con, "indicators", ind.assign(run_id=run.run_id, seq=range(len(ind))))
    _insert(con, "units", units[list(UNIT_COLUMNS)].astype(str).assign(run_id=run.run_id))


def next_run_id(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM runs").fetchall()[0][0])


def text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every column as text, missing as empty (the CSV's own convention)."""
    out = {}
    for name in frame.columns:
        col = frame[name]
        if not (pd.api.types.is_string_dtype(col.dtype) and col.dtype != object
                and not col.hasnans):
            col = col.astype(object).where(col.notna(), "").astype(str)
        out[name] = col
    return pd.DataFrame(out, index=frame.index)


# --- reading --------------------------------------------------------------------------------------


def empty_frame(columns) -> pd.DataFrame:
    """A frame with these columns and no row."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def runs_of(con: duckdb.DuckDBPyConnection | None, year: str, period: str,
            scope: str) -> pd.DataFrame:
    """The runs of one year, period and scope, oldest first (by as_of, then recording order)."""
    if con is None:
        return empty_frame(RUN_COLUMNS)
    frame = con.execute(
        f"SELECT {', '.join(RUN_COLUMNS)} FROM runs WHERE year = ? AND period = ? AND scope = ? "
        "ORDER BY as_of, run_id", [year, period, scope]).df()
    return _dates(frame, "as_of")


def period_runs(con: duckdb.DuckDBPyConnection | None, year: str, period: str) -> pd.DataFrame:
    """The runs of one year and period in every scope (RUN_COLUMNS), by scope then oldest first:
    what a view built from the history depends on."""
    if con is None:
        return empty_frame(RUN_COLUMNS)
    frame = con.execute(
        f"SELECT {', '.join(RUN_COLUMNS)} FROM runs WHERE year = ? AND period = ? "
        "ORDER BY scope, as_of, run_id", [year, period]).df()
    return _dates(frame, "as_of")


def scopes(con: duckdb.DuckDBPyConnection | None, year: str, period: str) -> list[str]:
    """The scopes that have runs of a year and period."""
    if con is None:
        return []
    return [r[0] for r in con.execute("SELECT DISTINCT scope FROM runs WHERE year = ? AND "
                                      "period = ? ORDER BY scope", [year, period]).fetchall()]


def _dates(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for c in columns:
        frame[c] = [None if pd.isna(v) else pd.Timestamp(v).date() for v in frame[c]]
        frame[c] = frame[c].astype(object)
    return frame


def _run_filter(run_ids: list[int]) -> str:
    return ", ".join(str(int(r)) for r in run_ids) or "NULL"


def presence(con: duckdb.DuckDBPyConnection | None, run_ids: list[int],
             district: str | None = None, only_in: int | None = None) -> pd.DataFrame:
    """Which findings each run held: run_id, kind, finding_id, district_code, school_code.

    ``district`` keeps one district's findings; ``only_in`` keeps the findings that this run holds.
    """
    cols = ["run_id", "kind", "finding_id", "district_code", "school_code"]
    if con is None or not run_ids:
        return empty_frame(cols)
    sql = f"SELECT f.{', f.'.join(cols)} FROM findings f"
    params: list = []
    if only_in is not None:
        sql += (" JOIN (SELECT kind, finding_id FROM findings WHERE run_id = ?) t "
                "ON t.kind = f.kind AND t.finding_id = f.finding_id")
        params.append(int(only_in))
    sql += f" WHERE f.run_id IN ({_run_filter(run_ids)})"
    if district is not None:
        sql += " AND f.district_code = ?"
        params.append(district)
    frame = con.execute(sql, params).df()
    frame["run_id"] = frame["run_id"].astype("int64")
    return frame


def finding_rows(con: duckdb.DuckDBPyConnection | None, run_id: int, kind: str,
                 district: str | None = None) -> pd.DataFrame:
    """One run's findings of one kind: the kind's columns and finding_id."""
    cols = [*KINDS[kind].columns, "finding_id"]
    if con is None:
        return empty_frame(cols)
    sql = f"SELECT {', '.join(cols)} FROM {kind} WHERE run_id = ?"
    params: list = [int(run_id)]
    if district is not None:
        sql += " AND district_code = ?"
        params.append(district)
    return con.execute(sql + " ORDER BY rowid", params).df()


def indicator_rows(con: duckdb.DuckDBPyConnection | None, run_ids: list[int],
                   district: str | None = None) -> pd.DataFrame:
    """The indicators of some runs: run_id, level, unit_code, indicator, breakdown, values, seq."""
    cols = ["run_id", "seq", *INDICATOR_KEYS, *INDICATOR_VALUES]
    if con is None or not run_ids:
        return empty_frame(cols)
    sql = f"SELECT i.{', i.'.join(cols)} FROM indicators i"
    params: list = []
    if district is not None:
        sql += (" JOIN units u ON u.run_id = i.run_id AND u.level = i.level "
                "AND u.unit_code = i.unit_code")
    sql += f" WHERE i.run_id IN ({_run_filter(run_ids)})"
    if district is not None:
        sql += " AND u.district_code = ? AND u.level <> 'province'"
        params.append(district)
    frame = con.execute(sql + " ORDER BY i.run_id, i.seq", params).df()
    for c in INDICATOR_VALUES:
        frame[c] = frame[c].astype("Int64")
    return frame


def unit_rows(con: duckdb.DuckDBPyConnection | None, run_ids: list[int],
              district: str | None = None) -> pd.DataFrame:
    """The units each run covered: run_id, level, unit_code, district_code."""
    cols = ["run_id", *UNIT_COLUMNS]
    if con is None or not run_ids:
        return empty_frame(cols)
    sql = f"SELECT {', '.join(cols)} FROM units WHERE run_id IN ({_run_filter(run_ids)})"
    params: list = []
    if district is not None:
        sql += " AND district_code = ? AND level <> 'province'"
        params.append(district)
    frame = con.execute(sql, params).df()
    frame["run_id"] = frame["run_id"].astype("int64")
    return frame
