"""Running the catalogue over a loaded period, each system on its own, and the result: the
findings (checks.csv), the rules not applied and why, and views for reports."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from eduwb import vocab
from eduwb.checks.previous import PreviousPupils, previous_pupils, remember
from eduwb.checks.records import Scope, System, combined_codes, num_text, per_value
from eduwb.checks.rules import (
    CATALOGUE,
    RULE_IDS,
    SEVERITIES,
    SEVERITY_LABELS,
    Rule,
    action_text,
    for_period,
)
from eduwb.fields import label as field_label
from eduwb.load import Period

if TYPE_CHECKING:
    from eduwb.history.record import Recorded

CHECK_COLUMNS = vocab.CHECK_COLUMNS  # checks.csv of spec/checks.md
# Internal columns of Checks.findings: the record a finding is about (``_kind``: its list kind,
# ``_row``: its index label in ``period.tables[_kind]``; -1 for a class or a school).
FINDING_COLUMNS: tuple[str, ...] = (*CHECK_COLUMNS, "_kind", "_row")
SKIPPED_COLUMNS: tuple[str, ...] = (
    "year", "period", "district_code", "school_code", "system", "rule", "list_kind", "field",
    "reason",
)


# --- the result -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checks:
    """The checks of one period.

    ``findings``: one row per failed check, columns :data:`FINDING_COLUMNS` (checks.csv and the
    record each finding is about: ``_kind``/``_row`` index ``period.tables[_kind]``).
    ``skipped``: one row per rule not applied to a school and system, and why
    (:data:`SKIPPED_COLUMNS`). ``schools``: the schools checked (district_code, school_code).
    ``previous``: the previous period read for the rules over time (None when not available).
    """

    year: str
    period: str
    district: str | None
    systems: tuple[str, ...]
    findings: pd.DataFrame
    skipped: pd.DataFrame
    schools: pd.DataFrame
    previous: str | None = None

    @property
    def frame(self) -> pd.DataFrame:
        """checks.csv of checks.md."""
        return self.findings[list(CHECK_COLUMNS)]

    def write(self, out: Path | str, recorded: Recorded | None = None) -> list[Path]:
        """Write checks.csv (checks.md, with finding_id, state and first_seen at the end as for
        discrepancies.csv, from ``recorded``; empty state without it) and checks_skipped.csv (the
        rules not applied, and why) into ``out``; returns their paths."""
        from eduwb.history.record import unrecorded
        from eduwb.outputs import write_csv

        out = Path(out)
        frame = (recorded.findings["checks"] if recorded is not None
                 and "checks" in recorded.findings else unrecorded("checks", self.frame))
        return [write_csv(frame, out / "checks.csv"),
                write_csv(self.skipped, out / "checks_skipped.csv")]

    @property
    def failed(self) -> bool:
        """True when some check failed."""
        return not self.findings.empty

    def by_school(self) -> pd.DataFrame:
        """Per school checked: district_code, school_code, loi, canh_bao (findings of each
        severity, both systems), ready (no ``loi`` finding: the principal may sign)."""
        f = self.findings
        counts = (f.groupby(["school_code", "severity"]).size().unstack(fill_value=0)
                  .reindex(columns=list(SEVERITIES), fill_value=0))
        out = self.schools.copy()
        for sev in SEVERITIES:
            out[sev] = out["school_code"].map(counts[sev]).fillna(0).astype("int64")
        out["ready"] = out["loi"] == 0
        return out.reset_index(drop=True)

    def by_rule(self) -> pd.DataFrame:
        """Findings counted per school, system and rule: district_code, school_code, system,
        rule, severity, title, findings; rules in catalogue order."""
        cols = ["district_code", "school_code", "system", "rule", "severity"]
        f = self.findings
        out = f.groupby(cols, sort=False).size().rename("findings").reset_index()
        out["title"] = out["rule"].map({r.id: r.title for r in CATALOGUE})
        order = {r: i for i, r in enumerate(RULE_IDS)}
        out = out.assign(_o=out["rule"].map(order)).sort_values(
            ["district_code", "school_code", "system", "_o"], kind="stable")
        return out.drop(columns="_o")[[*cols[:4], "severity", "title", "findings"]].reset_index(
            drop=True)

    def display(self) -> pd.DataFrame:
        """The findings for people: Vietnamese column titles and labels, errors first."""
        f = self.findings
        out = pd.DataFrame({
            "Mã phòng GD": f["district_code"], "Mã trường": f["school_code"],
            "Hệ thống": f["system"].map(vocab.SYSTEM_LABELS),
            "Mức độ": f["severity"].map(SEVERITY_LABELS),
            "Kiểm tra": f["rule"].map({r.id: r.title for r in CATALOGUE}),
            "Trường thông tin": f["field"].map(field_label),
            "Mã hồ sơ": f["record_key"], "Mã định danh Bộ GD&ĐT": f["moet_id"],
            "Họ tên": f["full_name"], "Lớp": f["class_name"], "Giá trị": f["value"],
            "Nội dung": f["message"], "Việc cần làm": f["action"], "Mã kiểm tra": f["rule"],
        })
        rank = f["severity"].map({s: i for i, s in enumerate(SEVERITIES)})
        return (out.assign(_s=rank.to_numpy())
                .sort_values(["Mã phòng GD", "Mã trường", "_s"], kind="stable")
                .drop(columns="_s").reset_index(drop=True))

    def for_district(self, district: str) -> Checks:
        """The same checks limited to one district office's schools (findings, rules not
        applied, schools checked)."""
        def cut(frame: pd.DataFrame) -> pd.DataFrame:
            return frame[frame["district_code"] == district].reset_index(drop=True)

        return dataclasses.replace(self, district=district, findings=cut(self.findings),
                                   skipped=cut(self.skipped), schools=cut(self.schools))

    def not_ready(self) -> list[str]:
        """Schools with ``loi`` findings: not ready to sign."""
        return sorted(set(self.findings.loc[self.findings["severity"] == "loi", "school_code"]))

    def records(self, period: Period, rule: str | None = None,
                school: str | None = None) -> pd.DataFrame:
        """The records behind findings (of ``rule``, at ``school``): the pupil, staff or class
        record a finding is about; for a class finding about pupils (class size, a class missing
        from the list), the class's present pupils in that system. Columns: ``finding`` (position
        in ``findings``), ``kind``, then the canonical columns of the records."""
        f = self.findings
        keep = np.ones(len(f), dtype=bool)
        if rule is not None:
            keep &= (f["rule"] == rule).to_numpy()
        if school is not None:
            keep &= (f["school_code"] == school).to_numpy()
        pos = np.flatnonzero(keep)
        parts = []
        for kind in vocab.LIST_KINDS:
            mine = pos[(f["_kind"].to_numpy()[pos] == kind)]
            if len(mine):
                rows = period.tables[kind].loc[f["_row"].to_numpy()[mine]]
                parts.append(rows.assign(finding=mine, kind=kind))
        cls = pos[(f["entity"].to_numpy()[pos] == "class")
                  & np.isin(f["rule"].to_numpy()[pos], ["lop_si_so_vuot",
                                                        "lop_khong_co_trong_danh_sach",
                                                        "lop_si_so_khong_khop"])]
        if len(cls):
            s = period.tables["students"]
            present = ~per_value(s["status"], lambda x: vocab.is_present(x) is False)
            want = pd.DataFrame({"system": f["system"].to_numpy()[cls],
                                 "school_code": f["school_code"].to_numpy()[cls],
                                 "class_name": f["class_name"].to_numpy()[cls], "finding": cls})
            pupils = s[present].reset_index().merge(want, on=["system", "school_code",
                                                              "class_name"])
            parts.append(pupils.set_index("index").rename_axis(None).assign(kind="students"))
        if not parts:
            return pd.DataFrame(columns=["finding", "kind"])
        out = pd.concat(parts)
        first = ["finding", "kind"]
        return out[first + [c for c in out.columns if c not in first]].sort_values(
            "finding", kind="stable")


# --- running ---------------------------------------------------------------------------------------


def checked_systems(period: Period, systems: Iterable[str] | None = None) -> tuple[str, ...]:
    """The systems a check of ``period`` covers: those asked for (default both) that exported any
    file (a system with no file at all is not checked)."""
    exported = set(period.load_report["system"])
    return tuple(s for s in vocab.SYSTEMS if s in set(systems or vocab.SYSTEMS) and s in exported)


def run_checks(period: Period, *, systems: Iterable[str] | None = None,
               previous: PreviousPupils | bool | None = True,
               cache: Path | str | None = None) -> Checks:
    """Apply every rule of the period to each system's records.

    ``systems``: the systems to check (default both; a system without exports gives no finding);
    ``previous``: the previous period's summary, ``True`` to find it in ``period.data`` (see
    :func:`previous_pupils`, ``cache``: its on-disk cache folder), ``False``/``None`` for none.
    """
    systems = checked_systems(period, systems)
    rules = for_period(period.period)
    if previous is True:
        previous = previous_pupils(period, cache=cache) if any(
            r.id in ("hs_mat_khong_ro_ly_do", "bat_thuong_si_so_thay_doi") for r in rules) else None
    previous = previous or None
    found, skipped = [], []
    registry_schools = set(period.registry.schools_of(period.district)["school_code"])
    everyone: set[str] = set(registry_schools)
    views: dict[str, System] = {}
    for system in systems:
        v = views[system] = System(period, system, previous)
        scope_all = registry_schools | set().union(*v.exported.values())
        everyone |= scope_all
        for rule in rules:
            scope = Scope(v, rule.needs, scope_all)
            skipped += _not_applied(v, rule, scope)
            result = rule.test(v, scope)
            extra: list = []
            if isinstance(result, tuple):
                result, extra = result
            parts = result if isinstance(result, list) else [result]
            for part in parts:
                if len(part):
                    found.append(_finish(part, period, system, rule))
            skipped += [(system, rule.id, *x) for x in extra]
    checks = _result(period, systems, found, skipped, everyone,
                     previous.period if previous is not None else None)
    remember(period, cache=cache, views=views)
    return checks


def _not_applied(v: System, rule: Rule, scope: Scope) -> list[tuple]:
    """(system, rule, school, list kind, field, reason) where the rule's needs are not met."""
    out = []
    label = vocab.SYSTEM_LABELS[v.system]
    seen: set[tuple[str, str, str]] = set()
    for kind, fields in rule.needs:
        no_list = scope.all - v.exported[kind]
        for s in no_list:
            if (s, kind, "") not in seen:
                seen.add((s, kind, ""))
                out.append((v.system, rule.id, s, kind, "",
                            f"Không có danh sách {vocab.LIST_KIND_LABELS[kind].lower()} xuất từ "
                            f"{label}"))
        for f in map(v.field, fields):
            lacking = (scope.all & v.exported[kind]) - v.schools_carrying(kind, (f,))
            for s in lacking:
                if (s, kind, f) not in seen:
                    seen.add((s, kind, f))
                    out.append((v.system, rule.id, s, kind, f, _no_column(kind, f, label)))
    for kind, fields in rule.optional:
        for f in map(v.field, fields):
            for s in scope.base - v.schools_carrying(kind, (f,)):
                if (s, kind, f) not in seen:
                    seen.add((s, kind, f))
                    out.append((v.system, rule.id, s, kind, f, _no_column(kind, f, label)))
    return out


def _no_column(kind: str, field: str, system_label: str) -> str:
    name = (vocab.FACILITY_ITEMS[field][0] if field in vocab.FACILITY_ITEMS
            else field_label(field))
    return (f"Danh sách {vocab.LIST_KIND_LABELS[kind].lower()} xuất từ {system_label} không có "
            f"cột {name}")


def _finish(part: pd.DataFrame, period: Period, system: str, rule: Rule) -> pd.DataFrame:
    """Findings of one rule in one system with the contract's columns, message and action."""
    reg = period.registry
    district = {s: reg.district_of(s) or "" for s in part["school_code"].unique()}
    extras = [c for c in part.columns if c.startswith("m_")]
    fields = part["field"].to_numpy(dtype=object)
    args = {c[2:]: part[c].to_numpy(dtype=object) for c in extras}
    combo = combined_codes([fields, *args.values()])  # each distinct message formatted once
    _, first = np.unique(combo, return_index=True)
    texts = {}
    for i in first:
        kw = {k: num_text(a[i]) for k, a in args.items()}
        texts[combo[i]] = rule.message.format(field=field_label(fields[i]), **kw)
    messages = [texts[c] for c in combo]
    actions = {f: action_text(rule, system, f) for f in set(fields)}
    out = pd.DataFrame({
        "year": period.year, "period": period.period,
        "district_code": part["school_code"].map(district).to_numpy(dtype=object),
        "school_code": part["school_code"].to_numpy(dtype=object), "system": system,
        "entity": rule.entity, "rule": rule.id, "severity": rule.severity, "field": fields,
        "record_key": part["record_key"].to_numpy(dtype=object),
        "moet_id": part["moet_id"].to_numpy(dtype=object),
        "full_name": part["full_name"].to_numpy(dtype=object),
        "class_name": part["class_name"].to_numpy(dtype=object),
        "value": part["value"].to_numpy(dtype=object), "message": messages,
        "action": [actions[f] for f in fields],
        "_kind": part["_kind"].to_numpy(dtype=object), "_row": part["_row"].to_numpy(),
    }, index=range(len(part)))
    return out


SORT_KEYS = ["district_code", "school_code", "system", "entity", "rule", "field", "record_key",
             "class_name", "value", "_kind", "_row"]


def _result(period: Period, systems: tuple[str, ...], found: list[pd.DataFrame],
            skipped: list[tuple], schools: set[str], previous: str | None) -> Checks:
    if found:
        findings = pd.concat(found, ignore_index=True)
        findings["_row"] = findings["_row"].astype("int64")
        for c in CHECK_COLUMNS:
            findings[c] = findings[c].fillna("").astype(object)
        findings = findings.sort_values(SORT_KEYS, kind="stable", ignore_index=True)
    else:
        findings = pd.DataFrame({c: pd.Series(dtype="int64" if c == "_row" else object)
                                 for c in FINDING_COLUMNS})
    reg = period.registry
    skip = pd.DataFrame([(period.year, period.period, reg.district_of(s) or "", s, system, rule,
                          kind, f, reason) for system, rule, s, kind, f, reason in skipped],
                        columns=list(SKIPPED_COLUMNS), dtype=object)
    order = {r: i for i, r in enumerate(RULE_IDS)}
    skip = (skip.assign(_o=skip["rule"].map(order))
            .sort_values(["district_code", "school_code", "system", "_o", "list_kind", "field"],
                         kind="stable").drop(columns="_o").reset_index(drop=True))
    scope = pd.DataFrame({"district_code": [reg.district_of(s) or "" for s in sorted(schools)],
                          "school_code": sorted(schools)})
    scope = scope.sort_values(["district_code", "school_code"], ignore_index=True)
    return Checks(period.year, period.period, period.district, systems,
                  findings[list(FINDING_COLUMNS)], skip, scope, previous)
