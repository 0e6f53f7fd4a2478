"""The analyst's explorer (``notebooks/explore.ipynb``): from a gap in a total to the records behind it.

Pure functions over a :class:`eduwb.pipeline.Reconciliation` (unit-tested without a browser), and
:class:`Explorer`, which wires them to ipywidgets: pick a period, district, school and indicator; see
the indicator's cells with their gaps; pick a cell and list the pupils (or staff, classes,
facilities) whose findings make its gap; search a pupil or teacher by name without accents; list
the records behind a data-entry check (a rule, in a school, in one system or both); open any past
run recorded in the history and list its findings; export what is on screen to Excel. Pupil names
appear here, for the district specialist; never in leadership views.

How records make a gap (as :mod:`eduwb.explain` counts it): a record only in vnEdu, or an unlinked
duplicate there, adds its weight to the cells it counts in; one only in CSDL subtracts it; a linked
pair with findings adds (vnEdu cells − CSDL cells); a school whose export of a list is missing in one
system contributes every record of the other system. The contributions listed by
:func:`records_behind` sum to the cell's ``explained``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from eduwb import explain, indicators, text, vocab
from eduwb.errors import EduwbError
from eduwb.fields import label as field_label
from eduwb.history import KINDS, Series
from eduwb.pipeline import Reconciliation, reconcile
from eduwb.values import as_text

RECORD_COLUMNS: dict[str, str] = {
    "school_code": "Mã trường",
    "system": "Hệ thống",
    "full_name": "Họ tên / Lớp",
    "vnedu_id": "Mã vnEdu",
    "moet_id": "Mã định danh",
    "detail": "Lớp / chức vụ",
    "dob": "Ngày sinh",
    "category": "Loại sai lệch",
    "field": "Trường thông tin",
    "vnedu_value": "Trên vnEdu",
    "csdl_value": "Trên CSDL ngành",
    "action": "Việc cần làm",
    "contribution": "Đóng góp vào chênh lệch",
}
PERSON_COLUMNS: dict[str, str] = {
    "kind": "Danh sách",
    "system": "Hệ thống",
    "school_code": "Mã trường",
    "full_name": "Họ tên",
    "dob": "Ngày sinh",
    "detail": "Lớp / chức vụ",
    "status": "Trạng thái",
    "vnedu_id": "Mã vnEdu",
    "moet_id": "Mã định danh",
    "findings": "Số sai lệch",
}
GAP_COLUMNS: dict[str, str] = {
    "breakdown": "Phân tổ",
    "vnedu": "vnEdu",
    "csdl": "CSDL ngành",
    "diff": "Chênh lệch",
    "explained": "Giải thích được",
}
SEARCH_KINDS = ("students", "staff")


# --- pure functions -------------------------------------------------------------------------------


def unit_level(rec: Reconciliation, unit: str) -> str:
    """``province``, ``district`` or ``school`` for a unit code of the reconciliation."""
    if unit == vocab.PROVINCE_CODE:
        return "province"
    districts = set(rec.period.registry.districts["district_code"])
    return "district" if unit in districts else "school"


def gaps(rec: Reconciliation, unit: str, indicator: str) -> pd.DataFrame:
    """One indicator's cells for a unit (school or district): both counts, the gap and its
    explained part; cells with a gap first, then the catalogue's cell order."""
    ind = rec.indicators
    rows = ind[(ind["unit_code"] == unit) & (ind["level"] == unit_level(rec, unit))
               & (ind["indicator"] == indicator)]
    rows = rows[list(GAP_COLUMNS)].reset_index(drop=True)
    has_gap = rows["diff"].fillna(0).ne(0)
    return pd.concat([rows[has_gap], rows[~has_gap]], ignore_index=True)


def cell_label(breakdown: str) -> str:
    """A breakdown as people read it: ``grade=1;sex=F`` → ``Khối 1, Nữ``; the total → ``Tổng``."""
    if not breakdown:
        return "Tổng"
    words = {"grade": "Khối {}", "sex": "{}", "staff_group": "{}", "level": "{}", "type": "{}"}
    names = {**vocab.SEXES, **vocab.STAFF_GROUPS, **vocab.EVALUATIONS,
             "duoi_chuan": "Dưới chuẩn", "dat_chuan": "Đạt chuẩn", "tren_chuan": "Trên chuẩn"}
    names.update({v: k for k, v in vocab.CLASSROOM_TYPES.items()})
    parts = []
    for pair in breakdown.split(";"):
        key, _, value = pair.partition("=")
        parts.append(words.get(key, key + " {}").format(names.get(value, value)))
    return ", ".join(parts)


def _members(rec: Reconciliation, unit: str):
    """A predicate on school codes: does the school count in the unit?"""
    level, registry = unit_level(rec, unit), rec.period.registry
    if level == "school":
        return lambda code: code == unit
    if level == "district":
        return lambda code: registry.district_of(code) == unit
    return lambda code: registry.district_of(code) is not None


def records_behind(rec: Reconciliation, indicator: str, unit: str,
                   breakdown: str = "") -> pd.DataFrame:
    """The records whose findings make one cell's gap (RECORD_COLUMNS keys), one row per record
    or linked pair, with its signed contribution; contributions sum to the cell's ``explained``.
    Largest contributions first."""
    ind = indicators.BY_ID[indicator]
    result = rec.kinds[ind.kind]
    frames = {"vnedu": result.vnedu, "csdl": result.csdl}
    f = rec.findings
    inside = _members(rec, unit)
    behind = explain.records_behind_findings(ind.kind, result, f)
    take: dict[str, dict[Any, list[int]]] = {"vnedu": {}, "csdl": {}}  # idx → finding rows
    pair_of: dict[tuple[str, Any], Any] = {}
    for system, idx, pos, pair in behind.itertuples(index=False):
        take[system].setdefault(idx, []).append(pos)
        if pd.notna(pair):
            pair_of[system, idx] = pair
    start_year = int(rec.period.year[:4])
    groups: dict[Any, dict[str, Any]] = {}
    for system, sign in (("vnedu", 1.0), ("csdl", -1.0)):
        if not take[system]:
            continue
        frame = frames[system]
        chosen = frame.loc[sorted(take[system])]
        m = indicators.memberships(ind, chosen, start_year)
        m = m[(m["breakdown"] == breakdown) & m["school_code"].map(inside).astype(bool)]
        for idx, w in zip(m["idx"], m["w"], strict=True):
            key = ("pair", pair_of[system, idx]) if (system, idx) in pair_of else (system, idx)
            g = groups.setdefault(key, {"records": [], "rows": set(), "contribution": 0.0})
            g["records"].append((system, idx))
            g["rows"].update(take[system][idx])
            g["contribution"] += sign * w
    out = []
    for key, g in groups.items():
        if not g["contribution"]:
            continue
        system, idx = g["records"][0]
        record = frames[system].loc[idx]
        rows = [f.iloc[p] for p in sorted(g["rows"])]
        first = rows[0]
        out.append({
            "school_code": record["school_code"],
            "system": "cả hai" if key[0] == "pair" else vocab.SYSTEM_LABELS[system],
            "full_name": first["full_name"] or _record_name(record),
            "vnedu_id": first["vnedu_id"] or as_text(record.get("vnedu_id")),
            "moet_id": first["moet_id"] or as_text(record.get("moet_id")),
            "detail": _detail(record),
            "dob": as_text(record.get("dob")),
            "category": "; ".join(dict.fromkeys(vocab.CATEGORY_LABELS[r["category"]]
                                                for r in rows)),
            "field": "; ".join(dict.fromkeys(r["field"] for r in rows if r["field"]
                                             and r["category"] != "school_missing")),
            "vnedu_value": "; ".join(r["vnedu_value"] for r in rows if r["vnedu_value"]),
            "csdl_value": "; ".join(r["csdl_value"] for r in rows if r["csdl_value"]),
            "action": "; ".join(dict.fromkeys(r["action"] for r in rows)),
            "contribution": int(g["contribution"]) if float(g["contribution"]).is_integer()
            else g["contribution"],
        })
    frame = pd.DataFrame(out, columns=list(RECORD_COLUMNS))
    if len(frame):
        frame = frame.assign(_a=-frame["contribution"].abs()).sort_values(
            ["_a", "school_code", "full_name", "system"], kind="stable").drop(columns="_a")
    return frame.reset_index(drop=True)


def search_people(rec: Reconciliation, query: str, *, school: str | None = None,
                  limit: int = 200) -> pd.DataFrame:
    """Pupils and staff of both systems whose name has every word of ``query``, in any order,
    ignoring accents, case and spaces ("hoa" finds Hòa, Hoà, HÒA, not Hoàng); PERSON_COLUMNS keys,
    with each record's finding count."""
    words = text.fold_accents(text.clean(query or "")).split()
    pattern = "".join(f"(?=(?:.* )?{re.escape(w)}(?: |$))" for w in words)
    parts = []
    if words:
        for kind in SEARCH_KINDS:
            result = rec.kinds[kind]
            f = rec.findings[rec.findings["_kind"] == kind]
            for system, frame, col in (("vnedu", result.vnedu, "_v"), ("csdl", result.csdl, "_c")):
                if frame.empty:
                    continue
                hit = text.fold_accents_series(frame["full_name"].fillna("")).str.match(pattern)
                if school:
                    hit &= frame["school_code"] == school
                found = frame[hit.to_numpy()]
                if found.empty:
                    continue
                counts = f[col].value_counts()
                parts.append(pd.DataFrame({
                    "kind": vocab.LIST_KIND_LABELS[kind],
                    "system": vocab.SYSTEM_LABELS[system],
                    "school_code": found["school_code"].to_numpy(),
                    "full_name": found["full_name"].to_numpy(),
                    "dob": [as_text(d) for d in found["dob"]],
                    "detail": [_detail(r) for _, r in found.iterrows()],
                    "status": found["status" if kind == "students" else "staff_status"].to_numpy(),
                    "vnedu_id": [as_text(v) for v in found["vnedu_id"]] if "vnedu_id" in found
                    else "",
                    "moet_id": [as_text(v) for v in found["moet_id"]],
                    "findings": [int(counts.get(i, 0)) for i in found.index],
                }))
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=list(PERSON_COLUMNS))
    frame = frame.sort_values(["full_name", "school_code", "kind", "system"], kind="stable")
    return frame.head(limit).reset_index(drop=True)


# --- data-entry checks: the records behind a rule ----------------------------------------------

RULE_RECORD_COLUMNS: dict[str, str] = {
    "system": "Hệ thống",
    "school_code": "Mã trường",
    "kind": "Danh sách",
    "full_name": "Họ tên / Lớp",
    "vnedu_id": "Mã vnEdu",
    "moet_id": "Mã định danh",
    "detail": "Lớp / chức vụ",
    "dob": "Ngày sinh",
    "field": "Trường thông tin",
    "value": "Giá trị",
    "message": "Nội dung",
    "action": "Việc cần làm",
}
RULE_COLUMNS: dict[str, str] = {
    "rule": "Mã kiểm tra",
    "title": "Kiểm tra",
    "severity": "Mức độ",
    "vnedu": "vnEdu",
    "csdl": "CSDL ngành",
}


def check_rules(rec: Reconciliation, unit: str) -> pd.DataFrame:
    """The rules with findings in a unit (school, district or province), catalogue order:
    rule, title, severity (Vietnamese), and the findings in each system."""
    from eduwb.checks import CATALOGUE, SEVERITY_LABELS

    cols = list(RULE_COLUMNS)
    if rec.checks is None:
        return pd.DataFrame(columns=cols)
    f = rec.checks.findings
    f = f[f["school_code"].map(_members(rec, unit)).astype(bool)]
    counts = f.groupby(["rule", "system"]).size()
    rows = []
    for rule in CATALOGUE:
        n = {s: int(counts.get((rule.id, s), 0)) for s in vocab.SYSTEMS}
        if any(n.values()):
            rows.append({"rule": rule.id, "title": rule.title,
                         "severity": SEVERITY_LABELS[rule.severity], **n})
    return pd.DataFrame(rows, columns=cols)


def rule_records(rec: Reconciliation, rule: str, unit: str,
                 system: str | None = None) -> pd.DataFrame:
    """The records behind a rule's findings in a unit (a school, a district, the province), in
    one system or both (RULE_RECORD_COLUMNS keys): the pupil, staff or class record each finding
    is about, and for a class finding about its pupils (class size, a class missing from the
    list) the class's present pupils; with the finding's field, value, message and action."""
    cols = list(RULE_RECORD_COLUMNS)
    if rec.checks is None:
        return pd.DataFrame(columns=cols)
    school = unit if unit_level(rec, unit) == "school" else None
    found = rec.checks.records(rec.period, rule, school)
    f = rec.checks.findings
    if len(found):
        found = found[found["school_code"].map(_members(rec, unit)).astype(bool)]
        if system is not None:
            found = found[found["system"] == system]
    if found.empty:
        return pd.DataFrame(columns=cols)
    which = f.iloc[found["finding"].to_numpy()]
    out = pd.DataFrame({
        "system": found["system"].map(vocab.SYSTEM_LABELS).to_numpy(),
        "school_code": found["school_code"].to_numpy(),
        "kind": found["kind"].map(vocab.LIST_KIND_LABELS).to_numpy(),
        "full_name": [_record_name(r) for _, r in found.iterrows()],
        "vnedu_id": [as_text(v) for v in found.get("vnedu_id", pd.Series("", index=found.index))],
        "moet_id": [as_text(v) for v in found.get("moet_id", pd.Series("", index=found.index))],
        "detail": [_detail(r) for _, r in found.iterrows()],
        "dob": [as_text(v) for v in found.get("dob", pd.Series("", index=found.index))],
        "field": which["field"].map(field_label).to_numpy(),
        "value": which["value"].to_numpy(),
        "message": which["message"].to_numpy(),
        "action": which["action"].to_numpy(),
    })
    return out.sort_values(["school_code", "system", "detail", "full_name"],
                           kind="stable").reset_index(drop=True)


# --- past runs (the history) ----------------------------------------------------------------------

RUN_COLUMNS: dict[str, str] = {
    "run_id": "Lần chạy",
    "as_of": "Ngày xuất dữ liệu",
    "source": "Phạm vi",
    "discrepancies_open": "Sai lệch còn mở",
    "discrepancies_new": "Sai lệch mới",
    "discrepancies_fixed": "Sai lệch đã sửa",
    "checks_open": "Lỗi nhập liệu còn mở",
    "checks_new": "Lỗi nhập liệu mới",
    "checks_fixed": "Lỗi nhập liệu đã sửa",
}
PAST_KIND_LABELS = {"discrepancies": "Sai lệch vnEdu – CSDL", "checks": "Kiểm tra nhập liệu"}


def read_history(history: Path | str | None, year: str, period: str,
                 district: str | None) -> Series:
    """A district's (or the province's) runs of a period: its own runs, else the province's."""
    from eduwb.history import default_path, read_series

    return read_series(history or default_path(), year, period, district, source="auto")


def past_runs(series: Series) -> pd.DataFrame:
    """Every run of a series, oldest first (RUN_COLUMNS keys): per kind, the findings open in it,
    new since the run before holding the kind, and fixed since then (NA where it holds none)."""
    cols = list(RUN_COLUMNS)
    if series.empty:
        return pd.DataFrame(columns=cols)
    pres = series.presence
    open_ = pres.groupby(["run_id", "kind"]).size()
    new = pres[pres["state"] == "new"].groupby(["run_id", "kind"]).size()
    source = "Toàn tỉnh" if series.source == "province" else f"Phòng {series.source}"
    rows = {int(r): {"run_id": int(r), "as_of": d, "source": source}
            for r, d in zip(series.runs["run_id"], series.runs["as_of"], strict=True)}
    for kind in KINDS:
        before = None
        for run_id in series.run_ids_of(kind):
            n_open = int(open_.get((run_id, kind), 0))
            n_new = int(new.get((run_id, kind), 0))
            rows[run_id][f"{kind}_open"] = n_open
            rows[run_id][f"{kind}_new"] = n_new
            rows[run_id][f"{kind}_fixed"] = 0 if before is None else before - (n_open - n_new)
            before = n_open
    frame = pd.DataFrame(list(rows.values())).reindex(columns=cols)
    for c in cols[3:]:
        frame[c] = frame[c].astype("Int64")
    return frame


def past_findings(series: Series, run_id: int, kind: str = "discrepancies") -> pd.DataFrame:
    """The findings of one past run as its file had them (the kind's columns, then finding_id,
    state and first_seen)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    if int(run_id) not in set(series.run_ids_of(kind)):
        return pd.DataFrame(columns=[*KINDS[kind].columns, "finding_id", "state", "first_seen"])
    return series.findings(int(run_id), kind)


def titled(frame: pd.DataFrame, titles: Mapping[str, str]) -> pd.DataFrame:
    """A frame with Vietnamese column titles for display and export."""
    return frame.rename(columns=dict(titles))


def export_selection(frames: Mapping[str, pd.DataFrame], path: Path | str) -> Path:
    """Write each frame to its own sheet (name ≤ 31 characters) of a formatted workbook."""
    from eduwb.outputs import table_sheet, workbook

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book, head = workbook(path, "Trích xuất đối chiếu")
    for name, frame in frames.items():
        table_sheet(book, name, frame, head, [str(c) for c in frame.columns])
    book.close()
    return path


def _record_name(record: pd.Series) -> str:
    for col in ("full_name", "class_name", "item"):
        if col in record and as_text(record[col]):
            return as_text(record[col])
    return ""


def _detail(record: pd.Series) -> str:
    for col in ("class_name", "position"):
        if col in record and as_text(record[col]):
            return as_text(record[col])
    return ""


# --- widgets --------------------------------------------------------------------------------------


class Explorer:
    """Widgets over reconciliations of one school year, loaded per period and district on demand.

    ``state`` holds what is on screen (``gaps``, ``records``, ``people``, ``rules``,
    ``rule_records``, ``runs``, ``past``) as DataFrames, so tests drive the widgets by setting
    values and read the state. ``history``: the history store whose past runs can be opened
    (default: :func:`eduwb.history.default_path`), read-only.
    """

    def __init__(self, data: Path | str, year: str, *, period: str = "cuoi_nam",
                 district: str | None = None, out: Path | str = ".",
                 history: Path | str | None = None) -> None:
        import ipywidgets as w

        from eduwb.registry import load_registry

        self.data, self.year, self.out = Path(data), year, Path(out)
        self.history = Path(history) if history else None
        registry = load_registry(self.data)
        self.registry = registry
        districts = sorted(set(registry.schools["district_code"]))
        names = dict(zip(registry.districts["district_code"], registry.districts["name"],
                         strict=True))
        self._loaded: dict[tuple[str, str], Reconciliation] = {}
        self._series: dict[tuple[str, str], Series] = {}
        self.state: dict[str, pd.DataFrame] = {}
        style = {"description_width": "90px"}
        layout = w.Layout(width="420px")
        self.period = w.Dropdown(description="Kỳ", style=style, layout=layout,
                                 options=[(vocab.PERIOD_LABELS[p], p) for p in vocab.PERIODS],
                                 value=period)
        self.district = w.Dropdown(description="Phòng GD&ĐT", style=style, layout=layout,
                                   options=[(f"{d} {names.get(d) or ''}".strip(), d)
                                            for d in districts],
                                   value=district or districts[0])
        self.school = w.Dropdown(description="Trường", style=style, layout=layout)
        self.indicator = w.Dropdown(description="Chỉ tiêu", style=style, layout=layout)
        self.cell = w.Dropdown(description="Ô có chênh lệch", style=style, layout=layout)
        self.query = w.Text(description="Tìm họ tên", style=style, layout=layout,
                            placeholder="không cần dấu, ví dụ: nguyen thi hoa")
        self.rule = w.Dropdown(description="Kiểm tra", style=style, layout=layout)
        self.rule_system = w.Dropdown(description="Hệ thống", style=style, layout=layout,
                                      options=[("Cả hai hệ thống", ""),
                                               *((vocab.SYSTEM_LABELS[s], s)
                                                 for s in vocab.SYSTEMS)], value="")
        self.run = w.Dropdown(description="Lần chạy", style=style, layout=layout)
        self.run_kind = w.Dropdown(description="Loại", style=style, layout=layout,
                                   options=[(v, k) for k, v in PAST_KIND_LABELS.items()],
                                   value="discrepancies")
        self.filename = w.Text(description="Tệp Excel", style=style, layout=layout,
                               value="trich_xuat.xlsx")
        self.export_button = w.Button(description="Xuất Excel", icon="download")
        self.message = w.HTML()
        # Tables as HTML widgets (values set directly: no display messages, so the same in
        # JupyterLab, Voilà, nbval and tests).
        self.gaps_out, self.records_out, self.people_out = w.HTML(), w.HTML(), w.HTML()
        self.rules_out, self.rule_out = w.HTML(), w.HTML()
        self.runs_out, self.past_out = w.HTML(), w.HTML()
        self._busy = False
        self._fill_schools()
        self._fill_indicators()
        self.refresh()
        self.period.observe(self._on_period, "value")
        self.district.observe(self._on_district, "value")
        self.school.observe(lambda _: self.refresh(), "value")
        self.indicator.observe(lambda _: self.refresh(), "value")
        self.cell.observe(lambda _: self._show_records(), "value")
        self.query.observe(lambda _: self.search(), "value")
        self.rule.observe(lambda _: self._show_rule(), "value")
        self.rule_system.observe(lambda _: self._show_rule(), "value")
        self.run.observe(lambda _: self._show_run(), "value")
        self.run_kind.observe(lambda _: self._show_run(), "value")
        self.export_button.on_click(lambda _: self.export())

    # ---- data ----

    def reconciliation(self) -> Reconciliation:
        """The selected period's reconciliation of the selected district (loaded once)."""
        key = (self.period.value, self.district.value)
        if key not in self._loaded:
            self._loaded[key] = reconcile(self.data, self.year, key[0], district=key[1])
        return self._loaded[key]

    def series(self) -> Series:
        """The selected period's runs of the selected district in the history (read once)."""
        key = (self.period.value, self.district.value)
        if key not in self._series:
            self._series[key] = read_history(self.history, self.year, *key)
        return self._series[key]

    @property
    def unit(self) -> str:
        """The selected school, else the district."""
        return self.school.value or self.district.value

    # ---- callbacks ----

    def _fill_schools(self) -> None:
        s = self.registry.schools_of(self.district.value)
        self.school.options = [("— cả phòng —", "")] + [
            (f"{c} {n}", c) for c, n in zip(s["school_code"], s["name"], strict=True)]
        self.school.value = ""

    def _fill_indicators(self) -> None:
        current = self.indicator.value
        inds = indicators.for_period(self.period.value)
        self.indicator.options = [(i.label, i.id) for i in inds]
        self.indicator.value = current if current in {i.id for i in inds} else inds[0].id

    def _on_period(self, _: Any) -> None:
        self._busy = True
        self._fill_indicators()
        self._busy = False
        self.refresh()

    def _on_district(self, _: Any) -> None:
        self._busy = True
        self._fill_schools()
        self._busy = False
        self.refresh()

    def refresh(self) -> None:
        """Recompute the gaps of the selected unit and indicator, then the records behind, the
        rules with findings and the past runs."""
        if self._busy:
            return
        try:
            rec = self.reconciliation()
            table = gaps(rec, self.unit, self.indicator.value)
        except Exception as exc:  # shown, not raised: a callback's traceback helps nobody
            self.message.value = f"<b>Lỗi:</b> {html.escape(str(exc))}"
            return
        self.state["gaps"] = table
        with_gap = table[table["diff"].fillna(0) != 0]
        self._busy = True
        self.cell.options = [(f"{cell_label(b)}: chênh lệch {int(d):+d}", b)
                             for b, d in zip(with_gap["breakdown"], with_gap["diff"], strict=True)]
        self.cell.value = self.cell.options[0][1] if self.cell.options else None
        rules = check_rules(rec, self.unit)
        self.state["rules"] = rules
        keep = self.rule.value if self.rule.value in set(rules["rule"]) else None
        self.rule.options = [(f"{t} ({s})", r) for r, t, s in zip(
            rules["rule"], rules["title"], rules["severity"], strict=True)]
        self.rule.value = keep or (self.rule.options[0][1] if self.rule.options else None)
        self._busy = False
        self.gaps_out.value = _html(self.gaps_table())
        self.rules_out.value = _html(titled(rules, RULE_COLUMNS))
        self._show_records()
        self._show_rule()
        self._fill_runs()

    def gaps_table(self) -> pd.DataFrame:
        """The selected indicator's cells for the selected unit, titled for people."""
        table = self.state["gaps"]
        return titled(table.assign(breakdown=table["breakdown"].map(cell_label)), GAP_COLUMNS)

    def records_table(self) -> pd.DataFrame:
        """The records behind the selected cell, titled for people."""
        return titled(self.state["records"], RECORD_COLUMNS)

    def people_table(self) -> pd.DataFrame:
        """The last search's results, titled for people."""
        return titled(self.state.get("people", pd.DataFrame(columns=list(PERSON_COLUMNS))),
                      PERSON_COLUMNS)

    def rule_records_table(self) -> pd.DataFrame:
        """The records behind the selected rule's findings in the selected unit and system."""
        return titled(self.state.get("rule_records",
                                     pd.DataFrame(columns=list(RULE_RECORD_COLUMNS))),
                      RULE_RECORD_COLUMNS)

    def runs_table(self) -> pd.DataFrame:
        """The selected period's runs in the history (the district's, else the province's)."""
        runs = self.state.get("runs", pd.DataFrame(columns=list(RUN_COLUMNS)))
        return titled(runs.assign(as_of=[f"{d:%d/%m/%Y}" for d in runs["as_of"]]), RUN_COLUMNS)

    def past_table(self) -> pd.DataFrame:
        """The selected past run's findings of the selected kind, as its file had them."""
        return self.state.get("past", pd.DataFrame())

    def _show_records(self) -> None:
        if self._busy:
            return
        if self.cell.value is None:
            records = pd.DataFrame(columns=list(RECORD_COLUMNS))
        else:
            records = records_behind(self.reconciliation(), self.indicator.value, self.unit,
                                     self.cell.value)
        self.state["records"] = records
        self.records_out.value = _html(self.records_table())

    def _show_rule(self) -> None:
        if self._busy:
            return
        if self.rule.value is None:
            found = pd.DataFrame(columns=list(RULE_RECORD_COLUMNS))
        else:
            found = rule_records(self.reconciliation(), self.rule.value, self.unit,
                                 self.rule_system.value or None)
        self.state["rule_records"] = found
        self.rule_out.value = _html(self.rule_records_table())

    def _fill_runs(self) -> None:
        try:
            runs = past_runs(self.series())
        except EduwbError as exc:
            self.message.value = f"<b>Lịch sử:</b> {html.escape(str(exc))}"
            runs = pd.DataFrame(columns=list(RUN_COLUMNS))
        self.state["runs"] = runs
        self._busy = True
        keep = self.run.value if self.run.value in set(runs["run_id"]) else None
        self.run.options = [(f"{d:%d/%m/%Y} (lần {r})", int(r)) for r, d in zip(
            runs["run_id"], runs["as_of"], strict=True)]
        self.run.value = keep or (self.run.options[-1][1] if self.run.options else None)
        self._busy = False
        self.runs_out.value = (_html(self.runs_table()) if len(runs) else
                               "<p><i>Lịch sử chưa có lần đối chiếu nào của kỳ này.</i></p>")
        self._show_run()

    def _show_run(self) -> None:
        if self._busy:
            return
        try:
            past = (pd.DataFrame() if self.run.value is None
                    else past_findings(self.series(), self.run.value, self.run_kind.value))
        except EduwbError as exc:  # a store locked or damaged since: said, not raised
            self.message.value = f"<b>Lịch sử:</b> {html.escape(str(exc))}"
            past = pd.DataFrame()
        self.state["past"] = past
        self.past_out.value = _html(past) if self.run.value is not None else ""

    def open_run(self, run_id: int, kind: str = "discrepancies") -> pd.DataFrame:
        """Show a past run's findings of ``kind`` (as the run dropdown and kind do)."""
        self.run_kind.value = kind
        self.run.value = int(run_id)
        return self.state["past"]

    def search(self, query: str | None = None) -> pd.DataFrame:
        """Search pupils and staff of the selected district (and school) by name."""
        if query is not None:
            self.query.value = query  # triggers this again through the observer
            return self.state["people"]
        people = search_people(self.reconciliation(), self.query.value,
                               school=self.school.value or None)
        self.state["people"] = people
        self.people_out.value = _html(self.people_table())
        return people

    def export(self) -> Path:
        """Write the gaps, the records behind the selected cell, the search results, the records
        behind the selected rule and the selected past run's findings."""
        name = Path(self.filename.value or "trich_xuat.xlsx").name
        name = name if name.endswith(".xlsx") else name + ".xlsx"
        frames = {"Chênh lệch": self.gaps_table(), "Bản ghi": self.records_table()}
        if len(self.state.get("people", ())):
            frames["Tìm kiếm"] = self.people_table()
        if len(self.state.get("rule_records", ())):
            frames["Kiểm tra nhập liệu"] = self.rule_records_table()
        if len(self.state.get("past", ())):
            frames["Lần chạy trước"] = self.past_table()
        path = export_selection(frames, self.out / name)
        self.message.value = f"Đã ghi <code>{html.escape(path.name)}</code>."
        return path

    def widget(self):
        """The whole explorer as one widget."""
        import ipywidgets as w

        return w.VBox([
            w.HBox([w.VBox([self.period, self.district]), w.VBox([self.school, self.indicator])]),
            w.HTML("<b>Các ô của chỉ tiêu</b>"), self.gaps_out,
            self.cell, w.HTML("<b>Bản ghi tạo nên chênh lệch</b>"), self.records_out,
            self.query, self.people_out,
            w.HTML("<b>Kiểm tra nhập liệu: các kiểm tra có lỗi</b>"), self.rules_out,
            w.HBox([self.rule, self.rule_system]),
            w.HTML("<b>Bản ghi của kiểm tra đang chọn</b>"), self.rule_out,
            w.HTML("<b>Các lần đối chiếu đã ghi trong lịch sử</b>"), self.runs_out,
            w.HBox([self.run, self.run_kind]), self.past_out,
            w.HBox([self.filename, self.export_button]), self.message,
        ])


def _html(frame: pd.DataFrame, limit: int = 500) -> str:
    """A table for an HTML widget (at most ``limit`` rows; the export has them all)."""
    more = f"<p>… và {len(frame) - limit} dòng nữa (xem tệp Excel).</p>" if len(frame) > limit else ""
    if frame.empty:
        return "<p><i>Không có dòng nào.</i></p>"
    return frame.head(limit).to_html(index=False, na_rep="", border=0, escape=True) + more
