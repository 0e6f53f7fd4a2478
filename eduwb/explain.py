"""Indicator gaps ← record-level findings: both systems' counts side by side and the explained part.

For each indicator cell, ``explained`` sums the contributions of the records behind the findings:
a record only in vnEdu (or an extra duplicate there) adds its weight to the cells it counts in, one
only in CSDL subtracts it, a linked pair with a finding adds (vnEdu cells − CSDL cells), and a school
whose export is missing in one system contributes the other system's records. When every record is
linked or reported and every field that places a record in a cell is compared, ``explained == diff``
holds exactly; :func:`indicator_table` computes both independently so that the invariant is checked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from eduwb import indicators, vocab
from eduwb.compare import KindResult
from eduwb.load import Carried, Period

INDICATOR_COLUMNS = ("year", "period", "level", "unit_code", "indicator", "breakdown", "vnedu",
                     "csdl", "diff", "explained")
LEVEL_ORDER = {"province": 0, "district": 1, "school": 2}


def indicator_table(period: Period, kinds: dict[str, KindResult],
                    findings: pd.DataFrame) -> pd.DataFrame:
    """indicators.csv of outputs.md for one period (school, district and province rows)."""
    start_year = int(period.year[:4])
    schools = _school_units(period, kinds)
    units = list(_units(period, schools))
    position = pd.Index(schools)
    groups = _unit_groups(units, position)
    files = _files_by_school(period, position, period.carried_matrix)
    contributors = {kind: _contributors(kind, kinds[kind], findings) for kind in kinds}
    school_of = {
        (kind, system): _positions(frame["school_code"], position)
        for kind, result in kinds.items()
        for system, frame in (("vnedu", result.vnedu), ("csdl", result.csdl))
    }
    inds = indicators.for_period(period.period)
    blocks: dict[str, list[np.ndarray]] = {k: [] for k in ("vnedu", "csdl", "diff", "explained")}
    labels: list[str] = []
    ids: list[str] = []
    with indicators.memo():
        for ind in inds:
            _indicator(ind, kinds[ind.kind], start_year, schools, files, groups, school_of,
                       contributors, blocks, labels, ids)
    if not inds or not units:
        return pd.DataFrame(columns=list(INDICATOR_COLUMNS))
    # Rows in output order: level, unit code, indicator (catalogue order), cell.
    order = np.argsort([LEVEL_ORDER[level] for level, _, _ in units], kind="stable")
    n_units, n_cells = len(units), len(labels)
    unit_levels = np.array([units[i][0] for i in order], dtype=object)
    unit_codes = np.array([units[i][1] for i in order], dtype=object)
    frame = pd.DataFrame({
        "year": period.year, "period": period.period,
        "level": np.repeat(unit_levels, n_cells), "unit_code": np.repeat(unit_codes, n_cells),
        "indicator": np.tile(np.array(ids, dtype=object), n_units),
        "breakdown": np.tile(np.array(labels, dtype=object), n_units),
    })
    for name in ("vnedu", "csdl", "diff", "explained"):
        values = np.concatenate(blocks[name], axis=1)[order].ravel()
        frame[name] = pd.Series(values).round().astype("Int64")
    return frame


def _indicator(ind: indicators.Indicator, result: KindResult, start_year: int, schools: list[str],
               files: dict, groups: _Groups, school_of: dict, contributors: dict,
               blocks: dict[str, list[np.ndarray]], labels: list[str], ids: list[str]) -> None:
    """Append one indicator's units × cells arrays to ``blocks`` (and its cells to labels, ids)."""
    cells = indicators.cells(ind)
    labels += cells
    ids += [ind.id] * len(cells)
    vals = {}
    contrib = np.zeros((len(schools), len(cells)))
    for system, frame in (("vnedu", result.vnedu), ("csdl", result.csdl)):
        m = indicators.cell_matrix(ind, frame, start_year)
        at = school_of[ind.kind, system][m.rows]
        grid = _grid(at, m.cells, m.w, len(schools), len(cells))
        state = _availability(ind, files.get((system, ind.kind)), len(schools))
        vals[system] = _unit_values(grid, state, groups)
        take = contributors[ind.kind][system]
        if len(take):
            sign = 1.0 if system == "vnedu" else -1.0
            chosen = np.isin(m.rows, take)
            contrib += _grid(at[chosen], m.cells[chosen], sign * m.w[chosen], len(schools),
                             len(cells))
    diff = vals["vnedu"] - vals["csdl"]
    explained = np.where(np.isnan(diff), np.nan, _unit_sums(contrib, groups))
    for name, arr in (("vnedu", vals["vnedu"]), ("csdl", vals["csdl"]), ("diff", diff),
                      ("explained", explained)):
        blocks[name].append(arr)


def _grid(school: np.ndarray, cells: np.ndarray, w: np.ndarray, n_schools: int,
          n_cells: int) -> np.ndarray:
    """Summed weights as a schools × cells array (records of unknown schools or cells dropped)."""
    flat = school[:, None] * n_cells + cells
    ok = (cells >= 0) & (school[:, None] >= 0)
    weights = np.broadcast_to(w[:, None], cells.shape)[ok]
    sums = np.bincount(flat[ok], weights=weights, minlength=n_schools * n_cells)
    return sums.reshape(n_schools, n_cells)


@dataclass(frozen=True)
class _Groups:
    """Units as groups of school rows: ``members[k]`` belongs to unit ``unit[k]``."""

    n: int
    unit: np.ndarray
    members: np.ndarray
    sizes: np.ndarray


def _unit_groups(units: list[tuple[str, str, list[str]]], position: pd.Index) -> _Groups:
    """The member schools' positions of every unit."""
    sizes = np.array([len(members) for _, _, members in units], dtype=np.int64)
    flat = [m for _, _, members in units for m in members]
    members = position.get_indexer(pd.Index(flat, dtype=object)) if flat else np.zeros(0, np.int64)
    return _Groups(len(units), np.repeat(np.arange(len(units)), sizes), members, sizes)


def _unit_values(grid: np.ndarray, state: np.ndarray, groups: _Groups) -> np.ndarray:
    """Units × cells counts: missing when a member's export lacks a needed field or no member has
    an export; else the sum over members that have one (state 0 ok, 1 none, 2 unknown)."""
    out = _unit_sums(np.where((state == 0)[:, None], grid, 0.0), groups)
    st = state[groups.members]
    unknown = np.bincount(groups.unit, weights=st == 2, minlength=groups.n) > 0
    exported = np.bincount(groups.unit, weights=st != 1, minlength=groups.n) > 0
    out[unknown | ~exported | (groups.sizes == 0)] = np.nan
    return out


def _unit_sums(grid: np.ndarray, groups: _Groups) -> np.ndarray:
    """Units × cells sums of the member schools' rows."""
    out = np.zeros((groups.n, grid.shape[1]))
    np.add.at(out, groups.unit, grid[groups.members])
    return out


def _school_units(period: Period, kinds: dict[str, KindResult]) -> list[str]:
    codes = set(period.registry.schools_of(period.district)["school_code"])
    for result in kinds.values():
        for frame in (result.vnedu, result.csdl):
            codes |= set(frame["school_code"].dropna().unique())
    return sorted(codes)


def _units(period: Period, schools: list[str]):
    """(level, unit_code, member schools) for the province, each district and each school."""
    by_district: dict[str, list[str]] = {}
    for code in schools:
        district = period.registry.district_of(code)
        if district:
            by_district.setdefault(district, []).append(code)
    registered = [s for codes in by_district.values() for s in codes]
    if period.district is None:
        yield "province", vocab.PROVINCE_CODE, registered
    for district in sorted(by_district):
        yield "district", district, by_district[district]
    for code in schools:
        yield "school", code, [code]


def _positions(codes: pd.Series, position: pd.Index) -> np.ndarray:
    """Each code's position in ``position`` (-1 = absent), looked up once per distinct code."""
    at, uniques = pd.factorize(codes, use_na_sentinel=True)
    table = np.append(position.get_indexer(pd.Index(np.asarray(uniques, dtype=object))), -1)
    return table[at]


def _files_by_school(period: Period, position: pd.Index,
                     carried: Carried) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray, Carried]]:
    """Per (system, kind): each export's school position and its file's row in the carried
    matrix (a district-level file stands for each of its schools)."""
    rep = period.export_files()
    current = pd.Series([period.registry.current(c) for c in rep["school_code"]], dtype=object)
    at = _positions(current, position)
    out = {}
    for (system, kind), rows in rep.groupby(["system", "kind"], sort=False).indices.items():
        rows = rows[at[rows] >= 0]
        out[system, kind] = (at[rows], carried.rows(system, rep["file"].to_numpy()[rows]), carried)
    return out


def _availability(ind: indicators.Indicator,
                  files: tuple[np.ndarray, np.ndarray, Carried] | None,
                  n_schools: int) -> np.ndarray:
    """Per school: 0 ok (countable), 1 none (no export of the list), 2 unknown (a needed field is
    not carried by one of its exports)."""
    if files is None:
        return np.ones(n_schools, dtype=np.int8)
    school, rows, carried = files
    ok = np.ones(len(rows), dtype=bool)
    if ind.kind != "facilities":
        for need in ind.needs:
            ok &= carried.carries(rows, need)
    bad = np.bincount(school[~ok], minlength=n_schools) > 0
    some = np.bincount(school, minlength=n_schools) > 0
    return np.where(bad, 2, np.where(some, 0, 1)).astype(np.int8)


def records_behind_findings(kind: str, result: KindResult,
                            findings: pd.DataFrame) -> pd.DataFrame:
    """The records that a kind's findings stand for: one row per (finding, record).

    Columns: ``system`` (vnEdu records count +, CSDL records −), ``idx`` (the record's index label
    in ``result.vnedu`` / ``result.csdl``), ``finding`` (the finding's position in ``findings``)
    and ``pair`` (the linked pair's id, or NaN). A linked record stands behind its pair's findings
    only: a duplicate group's linked representative is reported as a duplicate, but its gap is its
    pair's. A ``school_missing`` finding stands for every record the other system holds there.
    This is the rule that makes ``explained == diff``; the explorer lists the same records.
    """
    kind_rows = np.flatnonzero((findings["_kind"] == kind).to_numpy())
    mine = findings.iloc[kind_rows]
    pairs = pd.to_numeric(mine["_pair"]).to_numpy(dtype=float)
    parts = []
    for system, col, side in (("vnedu", "_v", "left"), ("csdl", "_c", "right")):
        ids = pd.to_numeric(mine[col]).to_numpy(dtype=float)
        linked = np.isin(ids, result.links[side].to_numpy(dtype=float))
        keep = ~np.isnan(ids) & (~np.isnan(pairs) | ~linked)
        parts.append(pd.DataFrame({"system": system, "idx": ids[keep].astype(np.int64),
                                   "finding": kind_rows[keep], "pair": pairs[keep]}))
    missing_rows = np.flatnonzero(((findings["category"] == "school_missing")
                                   & (findings["field"] == kind)).to_numpy())
    for pos in missing_rows:
        absent = findings["_system"].iat[pos]
        system = "csdl" if absent == "vnedu" else "vnedu"
        other = result.csdl if system == "csdl" else result.vnedu
        ids = other.index[(other["school_code"] == findings["school_code"].iat[pos]).to_numpy()]
        parts.append(pd.DataFrame({"system": system, "idx": np.asarray(ids, dtype=np.int64),
                                   "finding": pos, "pair": np.nan}))
    return pd.concat(parts, ignore_index=True)


def _contributors(kind: str, result: KindResult, findings: pd.DataFrame) -> dict[str, np.ndarray]:
    """Positions of the records behind this kind's findings, per system."""
    behind = records_behind_findings(kind, result, findings)
    return {
        system: frame.index.get_indexer(np.unique(
            behind.loc[(behind["system"] == system).to_numpy(), "idx"].to_numpy()))
        for system, frame in (("vnedu", result.vnedu), ("csdl", result.csdl))
    }
