"""Indicator gaps ← record-level findings: both systems' counts side by side and the explained part.

For each indicator cell, ``explained`` sums the contributions of the records behind the findings:
a record only in vnEdu (or an extra duplicate there) adds its weight to the cells it counts in, one
only in CSDL subtracts it, a linked pair with a finding adds (vnEdu cells − CSDL cells), and a school
whose export is missing in one system contributes the other system's records. When every record is
linked or reported and every field that places a record in a cell is compared, ``explained == diff``
holds exactly; :func:`indicator_table` computes both independently so that the invariant is checked.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from eduwb import indicators, vocab
from eduwb.compare import KindResult
from eduwb.load import Period

INDICATOR_COLUMNS = ("year", "period", "level", "unit_code", "indicator", "breakdown", "vnedu",
                     "csdl", "diff", "explained")
LEVEL_ORDER = {"province": 0, "district": 1, "school": 2}


def indicator_table(period: Period, kinds: dict[str, KindResult],
                    findings: pd.DataFrame) -> pd.DataFrame:
    """indicators.csv of outputs.md for one period (school, district and province rows)."""
    start_year = int(period.year[:4])
    schools = _school_units(period, kinds)
    units = list(_units(period, schools))
    position = {code: i for i, code in enumerate(schools)}
    parts = []
    for ind in indicators.for_period(period.period):
        result = kinds[ind.kind]
        cells = indicators.cells(ind)
        grid = {}
        for system, frame in (("vnedu", result.vnedu), ("csdl", result.csdl)):
            m = indicators.memberships(ind, frame, start_year)
            grid[system] = _grid(m, schools, cells)
        contrib = _grid(_contributions(ind, result, findings, start_year), schools, cells)
        state = {s: _availability(period, ind, s, schools) for s in vocab.SYSTEMS}
        for level, unit, members in units:
            rows = [position[m] for m in members]
            vals = {s: _unit_sum(grid[s], state[s], rows) for s in vocab.SYSTEMS}
            diff = vals["vnedu"] - vals["csdl"]
            explained = np.where(np.isnan(diff), np.nan, contrib[rows].sum(axis=0))
            parts.append(pd.DataFrame({
                "year": period.year, "period": period.period, "level": level,
                "unit_code": unit, "indicator": ind.id, "breakdown": cells,
                "vnedu": vals["vnedu"], "csdl": vals["csdl"], "diff": diff,
                "explained": explained,
            }))
    if not parts:
        return pd.DataFrame(columns=list(INDICATOR_COLUMNS))
    frame = pd.concat(parts, ignore_index=True)
    for name in ("vnedu", "csdl", "diff", "explained"):
        frame[name] = frame[name].round().astype("Int64")
    order = {ind.id: i for i, ind in enumerate(indicators.CATALOGUE)}
    frame = frame.assign(_l=frame["level"].map(LEVEL_ORDER), _i=frame["indicator"].map(order))
    frame = frame.sort_values(["_l", "unit_code", "_i"], kind="stable")
    return frame.drop(columns=["_l", "_i"]).reset_index(drop=True)


def _grid(m: pd.DataFrame, schools: list[str], cells: list[str]) -> np.ndarray:
    """Summed weights as a schools × cells array."""
    out = np.zeros((len(schools), len(cells)))
    if len(m):
        sums = m.groupby(["school_code", "breakdown"])["w"].sum()
        si = {s: i for i, s in enumerate(schools)}
        ci = {c: j for j, c in enumerate(cells)}
        for (school, cell), w in sums.items():
            if school in si and cell in ci:
                out[si[school], ci[cell]] += w
    return out


def _unit_sum(grid: np.ndarray, state: list[str], rows: list[int]) -> np.ndarray:
    """A unit's counts: missing when a member's export lacks a needed field or no member has an
    export; else the sum over members that have one."""
    states = [state[r] for r in rows]
    if not rows or "unknown" in states or all(st == "none" for st in states):
        return np.full(grid.shape[1], np.nan)
    ok = [r for r, st in zip(rows, states, strict=True) if st == "ok"]
    return grid[ok].sum(axis=0)


def _school_units(period: Period, kinds: dict[str, KindResult]) -> list[str]:
    codes = set(period.registry.schools_of(period.district)["school_code"])
    for result in kinds.values():
        for frame in (result.vnedu, result.csdl):
            codes |= set(frame["school_code"].dropna())
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


def _availability(period: Period, ind: indicators.Indicator, system: str,
                  schools: list[str]) -> list[str]:
    """Per school: 'ok' (countable), 'none' (no export of the list), 'unknown' (a needed field is
    not carried by the export)."""
    rep = period.load_report
    files = rep[(rep["system"] == system) & (rep["kind"] == ind.kind)]
    carried = period.carried[period.carried["system"] == system]
    by_file = carried.groupby("file")["field"].agg(set).to_dict()
    out = dict.fromkeys(schools, "none")
    for file, code in zip(files["file"], files["school_code"], strict=True):
        school = period.registry.current(code)
        if school not in out:
            continue
        fields = by_file.get(file, set())
        needs = ("item",) if ind.kind == "facilities" else ind.needs
        ok = ind.kind == "facilities" or all(n in fields for n in needs)
        if not ok:
            out[school] = "unknown"
        elif out[school] == "none":
            out[school] = "ok"
    return [out[s] for s in schools]


def _contributions(ind: indicators.Indicator, result: KindResult, findings: pd.DataFrame,
                   start_year: int) -> pd.DataFrame:
    """Memberships of the records behind this kind's findings, weights signed (+ vnEdu)."""
    mine = findings[findings["_kind"] == ind.kind]
    paired = mine["_pair"].notna()
    # A linked record explains through its pair's findings only (a duplicate group's linked
    # representative is reported as a duplicate but its gap is its pair's).
    linked_v, linked_c = set(result.links["left"]), set(result.links["right"])
    v_idx = {i for i, p in zip(mine["_v"], paired, strict=True)
             if pd.notna(i) and (p or i not in linked_v)}
    c_idx = {i for i, p in zip(mine["_c"], paired, strict=True)
             if pd.notna(i) and (p or i not in linked_c)}
    missing = findings[(findings["category"] == "school_missing")
                       & (findings["field"] == ind.kind)]
    for school, system in zip(missing["school_code"], missing["_system"], strict=True):
        other = result.csdl if system == "vnedu" else result.vnedu
        ids = set(other.index[other["school_code"] == school])
        (c_idx if system == "vnedu" else v_idx).update(ids)
    parts = []
    for frame, ids, sign in ((result.vnedu, v_idx, 1.0), (result.csdl, c_idx, -1.0)):
        if ids:
            m = indicators.memberships(ind, frame.loc[sorted(ids)], start_year)
            parts.append(m.assign(w=m["w"] * sign))
    return (pd.concat(parts, ignore_index=True) if parts
            else pd.DataFrame(columns=["idx", "school_code", "breakdown", "w"]))
