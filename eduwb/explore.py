"""The analyst's explorer (``notebooks/explore.ipynb``): from a gap in a total to the records behind it.

Pure functions over a :class:`eduwb.reconcile.Reconciliation` (unit-tested without a browser), and
:class:`Explorer`, which wires them to ipywidgets: pick a period, district, school and indicator; see
the indicator's cells with their gaps; pick a cell and list the pupils (or staff, classes,
facilities) whose findings make its gap; search a pupil or teacher by name without accents; export
what is on screen to Excel. Pupil names appear here, for the district specialist; never in
leadership views.

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
from eduwb.reconcile import Reconciliation, reconcile

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
            "vnedu_id": first["vnedu_id"] or _text(record.get("vnedu_id")),
            "moet_id": first["moet_id"] or _text(record.get("moet_id")),
            "detail": _detail(record),
            "dob": _text(record.get("dob")),
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
                    "dob": [_text(d) for d in found["dob"]],
                    "detail": [_detail(r) for _, r in found.iterrows()],
                    "status": found["status" if kind == "students" else "staff_status"].to_numpy(),
                    "vnedu_id": [_text(v) for v in found["vnedu_id"]] if "vnedu_id" in found
                    else "",
                    "moet_id": [_text(v) for v in found["moet_id"]],
                    "findings": [int(counts.get(i, 0)) for i in found.index],
                }))
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=list(PERSON_COLUMNS))
    frame = frame.sort_values(["full_name", "school_code", "kind", "system"], kind="stable")
    return frame.head(limit).reset_index(drop=True)


def titled(frame: pd.DataFrame, titles: Mapping[str, str]) -> pd.DataFrame:
    """A frame with Vietnamese column titles for display and export."""
    return frame.rename(columns=dict(titles))


def export_selection(frames: Mapping[str, pd.DataFrame], path: Path | str) -> Path:
    """Write each frame to its own sheet (name ≤ 31 characters) of a formatted workbook."""
    from eduwb.report import table_sheet, workbook

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book, head = workbook(path, "Trích xuất đối chiếu")
    for name, frame in frames.items():
        table_sheet(book, name, frame, head, [str(c) for c in frame.columns])
    book.close()
    return path


def _text(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return str(value)


def _record_name(record: pd.Series) -> str:
    for col in ("full_name", "class_name", "item"):
        if col in record and _text(record[col]):
            return _text(record[col])
    return ""


def _detail(record: pd.Series) -> str:
    for col in ("class_name", "position"):
        if col in record and _text(record[col]):
            return _text(record[col])
    return ""


# --- widgets --------------------------------------------------------------------------------------


class Explorer:
    """Widgets over reconciliations of one school year, loaded per period and district on demand.

    ``state`` holds what is on screen (``gaps``, ``records``, ``people``) as DataFrames, so tests
    drive the widgets by setting values and read the state.
    """

    def __init__(self, data: Path | str, year: str, *, period: str = "cuoi_nam",
                 district: str | None = None, out: Path | str = ".") -> None:
        import ipywidgets as w

        from eduwb.registry import load_registry

        self.data, self.year, self.out = Path(data), year, Path(out)
        registry = load_registry(self.data)
        self.registry = registry
        districts = sorted(set(registry.schools["district_code"]))
        names = dict(zip(registry.districts["district_code"], registry.districts["name"],
                         strict=True))
        self._loaded: dict[tuple[str, str], Reconciliation] = {}
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
        self.filename = w.Text(description="Tệp Excel", style=style, layout=layout,
                               value="trich_xuat.xlsx")
        self.export_button = w.Button(description="Xuất Excel", icon="download")
        self.message = w.HTML()
        # Tables as HTML widgets (values set directly: no display messages, so the same in
        # JupyterLab, Voilà, nbval and tests).
        self.gaps_out, self.records_out, self.people_out = w.HTML(), w.HTML(), w.HTML()
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
        self.export_button.on_click(lambda _: self.export())

    # ---- data ----

    def reconciliation(self) -> Reconciliation:
        """The selected period's reconciliation of the selected district (loaded once)."""
        key = (self.period.value, self.district.value)
        if key not in self._loaded:
            self._loaded[key] = reconcile(self.data, self.year, key[0], district=key[1])
        return self._loaded[key]

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
        """Recompute the gaps of the selected unit and indicator, then the records behind."""
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
        self._busy = False
        self.gaps_out.value = _html(self.gaps_table())
        self._show_records()

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
        """Write the gaps, the records behind the selected cell and the search results."""
        name = Path(self.filename.value or "trich_xuat.xlsx").name
        name = name if name.endswith(".xlsx") else name + ".xlsx"
        frames = {"Chênh lệch": self.gaps_table(), "Bản ghi": self.records_table()}
        if len(self.state.get("people", ())):
            frames["Tìm kiếm"] = self.people_table()
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
            w.HBox([self.filename, self.export_button]), self.message,
        ])


def _html(frame: pd.DataFrame, limit: int = 500) -> str:
    """A table for an HTML widget (at most ``limit`` rows; the export has them all)."""
    more = f"<p>… và {len(frame) - limit} dòng nữa (xem tệp Excel).</p>" if len(frame) > limit else ""
    if frame.empty:
        return "<p><i>Không có dòng nào.</i></p>"
    return frame.head(limit).to_html(index=False, na_rep="", border=0, escape=True) + more
