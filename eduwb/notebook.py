"""The district report notebook's logic: its parameters checked, its tables and figures computed.

``notebooks/district_report.ipynb`` is parameters, calls to this module and Vietnamese prose; the
batch (:mod:`eduwb.batch`) runs it with papermill for every district and period. Tables come back
as DataFrames with Vietnamese column titles, figures as :class:`matplotlib.figure.Figure` objects
(made without pyplot, so a notebook shows each exactly once).
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
import types
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from eduwb import indicators, vocab
from eduwb.document import Html, document, e, fmt_number, items, table, toc
from eduwb.errors import EduwbError, ParameterError
from eduwb.load import check_year_period
from eduwb.registry import load_registry
from eduwb.report import ENTITY_TITLES
from eduwb.store import Snapshot, snapshot
from eduwb.tracking import STATUS_LABELS, Tracking

PARAMETERS: dict[str, str] = {
    "data": "thư mục dữ liệu / data folder (danh_muc/, YEAR/PERIOD/vnedu|csdl/)",
    "year": "năm học / school year, e.g. 2021-2022",
    "period": "kỳ báo cáo / period: dau_nam | cuoi_hk1 | cuoi_nam",
    "district": "mã phòng GD&ĐT / district office code, e.g. 689",
    "out": "thư mục ghi danh sách cần sửa (.xlsx) / output folder; '' = không ghi / none",
    "as_of": "tính đến ngày / as of YYYY-MM-DD; '' = hôm nay / today",
    "cache": "thư mục lưu kết quả đối chiếu / snapshot cache; '' = $EDUWB_CACHE or ~/.cache/eduwb",
}
# Names IPython puts in a notebook's globals: not parameters.
_KERNEL_NAMES = frozenset({"In", "Out", "get_ipython", "exit", "quit", "open"})

# Where each category is fixed (the system a person opens), for the fix list.
FIX_SYSTEM: dict[str, str] = {
    "only_in_vnedu": "vnEdu",
    "only_in_csdl": "CSDL ngành",
    "field_mismatch": "vnEdu",
    "duplicate_in_vnedu": "vnEdu",
    "duplicate_in_csdl": "CSDL ngành",
    "missing_moet_id": "vnEdu",
    "school_code_changed": "Sở GD&ĐT",
    "school_missing": "vnEdu",
}
# The report's sections: anchor, title (the table of contents and the headings).
SECTIONS: tuple[tuple[str, str], ...] = (
    ("tien-do", "Tiến độ và trách nhiệm"),
    ("sai-lech", "Sai lệch theo loại và theo trường"),
    ("chi-tieu", "Chỉ tiêu báo cáo trên hai hệ thống"),
    ("truong-lech-nhieu", "Các trường chênh lệch nhiều nhất"),
    ("can-sua", "Danh sách cần sửa"),
)
APPENDIX = ("phu-luc", "Phụ lục: việc cần làm của từng trường")
# A fix list longer than this stays in the Excel workbook instead of the printed report.
PRINTED_TASKS = 400
PERSONAL_DATA_NOTICE = (
    "Báo cáo có dữ liệu cá nhân (họ tên, ngày sinh học sinh và cán bộ; Nghị định 13/2023/NĐ-CP): "
    "chỉ dùng để rà soát và sửa sai lệch, chỉ gửi cho các trường liên quan, không đăng tải "
    "hay chia sẻ ra ngoài. Số định danh cá nhân chỉ hiện 4 chữ số cuối.")
FIX_COLUMNS: dict[str, str] = {
    "school_code": "Mã trường",
    "school_name": "Tên trường",
    "system": "Làm trên",
    "category": "Loại sai lệch",
    "entity": "Đối tượng",
    "full_name": "Họ tên / Lớp",
    "vnedu_id": "Mã vnEdu",
    "moet_id": "Mã định danh",
    "field": "Trường thông tin",
    "vnedu_value": "Trên vnEdu",
    "csdl_value": "Trên CSDL ngành",
    "action": "Việc cần làm",
}


@dataclass(frozen=True)
class ReportParameters:
    """The district report's parameters, checked and typed."""

    data: Path
    year: str
    period: str
    district: str
    out: Path | None
    as_of: dt.date
    cache: Path | None


def check_parameters(namespace: Mapping[str, Any]) -> ReportParameters:
    """Check the report's parameters; raise :class:`ParameterError` listing every problem.

    ``namespace`` is a dict of parameters or a notebook's ``globals()``: any other public variable
    in it is an unknown parameter (papermill only warns about those; this refuses them).
    """
    given = {k: v for k, v in namespace.items() if _is_parameter(k, v)}
    problems = [f"tham số lạ / unknown parameter {k!r} (có / known: {', '.join(PARAMETERS)})"
                for k in sorted(set(given) - set(PARAMETERS))]
    problems += [f"thiếu tham số / missing parameter {k!r}: {PARAMETERS[k]}"
                 for k in PARAMETERS if k not in given]
    if problems:
        raise _problems(problems)
    values = {k: given[k] for k in PARAMETERS}
    for key in ("data", "year", "period", "district", "out", "as_of", "cache"):
        v = values[key]
        if not isinstance(v, str | Path | dt.date) or isinstance(v, dt.datetime):
            problems.append(f"{key} = {v!r}: phải là chuỗi / must be a string")
    if problems:
        raise _problems(problems)
    year, period, district = (str(values[k]).strip() for k in ("year", "period", "district"))
    try:
        check_year_period(year, period)
    except ParameterError as exc:
        problems.append(f"năm học hoặc kỳ không hợp lệ / {exc}")
    data = Path(values["data"])
    if not str(values["data"]) or not data.is_dir():
        problems.append(f"data = {str(values['data'])!r}: không có thư mục dữ liệu này / "
                        "no such data folder")
    else:
        try:
            registry = load_registry(data)
        except EduwbError as exc:
            problems.append(f"data = {str(data)!r}: danh mục không đọc được / unreadable "
                            f"registry: {exc}")
        else:
            known = sorted(set(registry.schools["district_code"]))
            if district not in known:
                problems.append(f"district = {district!r}: không có trong danh mục trường / not a "
                                f"district office with schools (có / known: {', '.join(known)})")
    as_of = values["as_of"]
    if isinstance(as_of, dt.date):
        day = as_of
    elif not str(as_of).strip():
        day = dt.date.today()
    else:
        try:
            day = dt.date.fromisoformat(str(as_of).strip())
        except ValueError:
            day = None
            problems.append(f"as_of = {as_of!r}: ngày phải có dạng / date must be YYYY-MM-DD")
    if problems:
        raise _problems(problems)
    out, cache = (Path(values[k]) if str(values[k]).strip() else None for k in ("out", "cache"))
    return ReportParameters(data, year, period, district, out, day, cache)


def _is_parameter(name: str, value: Any) -> bool:
    if name.startswith("_") or name in _KERNEL_NAMES:
        return False
    return not (isinstance(value, types.ModuleType) or inspect.isroutine(value)
                or inspect.isclass(value))


def _problems(problems: list[str]) -> ParameterError:
    return ParameterError("Tham số báo cáo không hợp lệ / invalid report parameters:\n- "
                          + "\n- ".join(problems))


def notebook_file(name: str) -> Path:
    """A notebook shipped with eduwb (``district_report.ipynb``, ``dashboard.ipynb``...): the
    ``notebooks/`` folder of the source tree, installed as the package data ``eduwb.notebooks``."""
    import importlib.resources

    path = Path(str(importlib.resources.files("eduwb.notebooks").joinpath(name)))
    if not path.is_file():
        raise ParameterError(f"notebook {name} is missing from the eduwb installation ({path})")
    return path


def fix_list_path(out: Path | str, district: str) -> Path:
    """Where a district's fix list goes in an output folder."""
    return Path(out) / f"{district}.xlsx"


# --- the report -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DistrictReport:
    """One district's results for one period, with the tables and figures of the report."""

    params: ReportParameters
    snapshot: Snapshot
    tracking: Tracking

    # ---- heading and standing ----

    @cached_property
    def district_name(self) -> str:
        d = self.snapshot.registry.districts
        names = d.loc[d["district_code"] == self.params.district, "name"]
        return str(names.iloc[0]) if len(names) else f"Phòng GD&ĐT {self.params.district}"

    @cached_property
    def school_names(self) -> dict[str, str]:
        s = self.snapshot.registry.schools_of(self.params.district)
        return dict(zip(s["school_code"], s["name"], strict=True))

    def title(self) -> str:
        """The report's heading line."""
        p = self.params
        return (f"{self.district_name}: đối chiếu vnEdu - CSDL ngành, "
                f"{vocab.PERIOD_LABELS[p.period].lower()} năm học {p.year}")

    def cover(self) -> Html:
        """The first page: issuing office, title, the personal-data notice, the key figures and
        the table of contents (with the document's style)."""
        from eduwb.document import CSS
        from eduwb.forms import MOTTO, NATION, PROVINCE_OFFICE, office_name

        p, d = self.params, self.tracking.districts.iloc[0]
        head = (f'<div class="eduwb-head"><div>{e(PROVINCE_OFFICE)}<br/>'
                f"{e(office_name(self.district_name, p.district))}</div>"
                f"<div>{e(NATION)}<br/>{e(MOTTO)}</div></div>")
        figures = [
            ("Sai lệch giữa hai hệ thống", fmt_number(len(self.snapshot.findings))),
            ("Trường đã gửi báo cáo", f"{int(d['schools_sent'])}/{int(d['schools'])}"),
            ("Báo cáo của phòng", STATUS_LABELS[d["status"]]),
            ("Chênh lệch giải thích được", _percent(self.explained_share())),
        ]
        boxes = "".join(f'<div class="eduwb-figure">{e(label)}<b>{e(value)}</b></div>'
                        for label, value in figures)
        return document(
            CSS, head,
            "<h1>BÁO CÁO ĐỐI CHIẾU SỐ LIỆU TIỂU HỌC GIỮA vnEdu VÀ CSDL NGÀNH</h1>",
            f'<div class="eduwb-sub">{e(self.district_name)}<br/>'
            f"Kỳ báo cáo: {e(vocab.PERIOD_LABELS[p.period])}, năm học {e(p.year)} · số liệu "
            "tính đến ngày "
            f"{p.as_of:%d/%m/%Y}</div>",
            f'<div class="eduwb-notice" data-key="personal-data">{e(PERSONAL_DATA_NOTICE)}</div>',
            f'<div class="eduwb-figures">{boxes}</div>',
            toc([(a, f"{i}. {t}") for i, (a, t) in enumerate(SECTIONS, start=1)]
                + [("ky-xac-nhan", "Xác nhận của phòng"), APPENDIX]))

    def section(self, anchor: str) -> Html:
        """A numbered section heading (a new page when printed)."""
        number = next(i for i, (a, _) in enumerate(SECTIONS, start=1) if a == anchor)
        return document(f'<h2 class="eduwb-section" id="{e(anchor)}">{number}. '
                        f"{e(dict(SECTIONS)[anchor])}</h2>")

    def standing(self) -> Html:
        """The district against its deadline, who is responsible, and what is left."""
        t = self.tracking
        d = t.districts.iloc[0]
        status = STATUS_LABELS[d["status"]]
        if pd.notna(d["days_overdue"]):
            status += f" ({int(d['days_overdue'])} ngày)"
        elif pd.notna(d["days_left"]):
            status += f" (còn {int(d['days_left'])} ngày)"
        signed = (f", ký bởi {e(d['signed_by'])} ngày {d['signed_on']:%d/%m/%Y}"
                  if d["signed_on"] else "")
        responsible = d["responsible"] if d["responsible"] else "chưa phân công"
        lines = [
            f"Tính đến ngày <b>{t.as_of:%d/%m/%Y}</b>.",
            f"Hạn trường gửi báo cáo (vnEdu): <b>{t.deadlines.vnedu:%d/%m/%Y}</b>; hạn phòng gửi "
            f"Sở và cập nhật EQMS: <b>{t.deadlines.eqms:%d/%m/%Y}</b>.",
            f"Báo cáo của phòng: <b>{e(status)}</b>{signed}.",
            f"Trường đã gửi: <b>{int(d['schools_sent'])}/{int(d['schools'])}</b> "
            f"({int(d['schools_on_time'])} đúng hạn).",
            f"Chuyên viên phụ trách tiểu học: <b>{e(responsible)}</b>.",
            f"Sai lệch giữa hai hệ thống: <b>{len(self.snapshot.findings)}</b>; phần chênh lệch "
            f"chỉ tiêu giải thích được bằng bản ghi: <b>{_percent(self.explained_share())}</b>.",
        ]
        if d["action"]:
            lines.append(f"Việc cần làm của phòng: {e(d['action'])}.")
        if len(t.sync_blocked):
            lines.append(f"Trường sáp nhập chưa đồng bộ được, báo cáo Sở trước "
                         f"{t.merge_deadline:%d/%m/%Y}: "
                         + e(", ".join(t.sync_blocked["school_code"])) + ".")
        return document(items(lines))

    def sign_off(self) -> Html:
        """Place and date, and the signatures: the specialist who prepared the report and the head
        of the office."""
        from eduwb.forms import place_name

        d = self.tracking.districts.iloc[0]
        day = self.params.as_of
        who = d["responsible"] if d["responsible"] else ""
        return document(
            f'<div class="eduwb-sign" id="ky-xac-nhan"><div><b>NGƯỜI LẬP BÁO CÁO</b><br/>'
            f'<i>(Ký, ghi rõ họ tên)</i><div class="eduwb-space"></div>{e(who)}</div>'
            f"<div><i>{e(place_name(self.district_name))}, ngày {day.day} tháng {day.month} năm "
            f"{day.year}</i><br/><b>TRƯỞNG PHÒNG</b><br/><i>(Ký tên, đóng dấu)</i>"
            '<div class="eduwb-space"></div></div></div>')

    def schools_status(self) -> pd.DataFrame:
        """Each school against the vnEdu deadline, most urgent first, with who must act."""
        from eduwb.status import STATUS_COLUMNS, status_frame

        frame = status_frame(self.tracking)
        frame = frame[frame["level"] == "Trường"].drop(columns=["level"])
        titles = {c: t for c, t, _ in STATUS_COLUMNS}
        return frame.rename(columns=titles).reset_index(drop=True)

    # ---- findings ----

    def findings_by_category(self) -> pd.DataFrame:
        """Findings counted by category (rows) and entity (columns), with totals."""
        f = self.snapshot.findings
        table = pd.crosstab(f["category"], f["entity"]) if len(f) else pd.DataFrame()
        table = table.reindex(index=list(vocab.CATEGORIES), columns=list(vocab.ENTITIES),
                              fill_value=0).fillna(0).astype("int64")
        table = table.loc[table.sum(axis=1) > 0, table.sum(axis=0) > 0]
        table["Tổng"] = table.sum(axis=1)
        table.index = [vocab.CATEGORY_LABELS[c] for c in table.index]
        table.index.name = "Loại sai lệch"
        table.columns = [ENTITY_TITLES.get(c, c) for c in table.columns]
        return table

    def findings_by_school(self) -> pd.DataFrame:
        """Findings counted by school (rows, every school of the district) and category."""
        f = self.snapshot.findings
        codes = sorted(self.school_names)
        table = pd.crosstab(f["school_code"], f["category"]) if len(f) else pd.DataFrame()
        table = table.reindex(index=codes, columns=list(vocab.CATEGORIES), fill_value=0)
        table = table.fillna(0).astype("int64")
        table = table.loc[:, table.sum(axis=0) > 0]
        table["Tổng"] = table.sum(axis=1)
        table.columns = [vocab.CATEGORY_LABELS.get(c, c) for c in table.columns]
        table.insert(0, "Tên trường", [self.school_names[c] for c in codes])
        table.index.name = "Mã trường"
        return table

    # ---- indicators ----

    def _totals(self, level: str) -> pd.DataFrame:
        ind = self.snapshot.indicators
        return ind[(ind["level"] == level) & (ind["breakdown"] == "")]

    def indicator_table(self) -> pd.DataFrame:
        """The district's report-form totals, both systems side by side, the gap and its explained
        part."""
        t = self._totals("district")
        share = [_percent(_share(e, d)) for d, e in zip(t["diff"], t["explained"], strict=True)]
        frame = t[["vnedu", "csdl", "diff", "explained"]].rename(columns={
            "vnedu": "vnEdu", "csdl": "CSDL ngành", "diff": "Chênh lệch",
            "explained": "Giải thích được"})
        frame.insert(0, "Chỉ tiêu", [indicators.BY_ID[i].label for i in t["indicator"]])
        frame["Tỉ lệ giải thích"] = share
        return frame.reset_index(drop=True)

    def explained_share(self) -> float | None:
        """Σ|explained| / Σ|diff| over every district indicator cell with a gap (None: no gap)."""
        ind = self.snapshot.indicators
        ind = ind[(ind["level"] == "district") & ind["diff"].notna() & (ind["diff"] != 0)]
        total = ind["diff"].abs().sum()
        return None if not total else float(ind["explained"].fillna(0).abs().sum() / total)

    def largest_gaps(self, n: int = 10) -> pd.DataFrame:
        """The schools whose report-form totals differ most (Σ|gap| over indicator totals)."""
        t = self._totals("school")
        t = t[t["unit_code"].isin(self.school_names)]
        gap = t.assign(abs_diff=t["diff"].abs())
        rows = []
        for code, part in gap.groupby("unit_code"):
            known = part.dropna(subset=["abs_diff"])
            worst = known.sort_values("abs_diff", ascending=False, kind="stable").head(1)
            rows.append({
                "Mã trường": code, "Tên trường": self.school_names.get(code, ""),
                "Tổng chênh lệch": int(known["abs_diff"].sum()),
                "Chỉ tiêu không tính được": int(part["diff"].isna().sum()),
                "Lệch nhiều nhất": (f"{indicators.BY_ID[worst['indicator'].iloc[0]].label} "
                                    f"({int(worst['diff'].iloc[0]):+d})"
                                    if len(worst) and worst["abs_diff"].iloc[0] else ""),
                "Số sai lệch": int((self.snapshot.findings["school_code"] == code).sum()),
            })
        frame = pd.DataFrame(rows, columns=["Mã trường", "Tên trường", "Tổng chênh lệch",
                                            "Chỉ tiêu không tính được", "Lệch nhiều nhất",
                                            "Số sai lệch"])
        frame = frame.sort_values(["Tổng chênh lệch", "Chỉ tiêu không tính được", "Số sai lệch",
                                   "Mã trường"], ascending=[False, False, False, True],
                                  kind="stable")
        return frame.head(n).reset_index(drop=True)

    # ---- fix list ----

    def fix_list(self) -> pd.DataFrame:
        """Every finding as a task: school, the system to open, what to do (FIX_COLUMNS keys,
        Vietnamese labels for category, entity and field)."""
        return fix_list(self.snapshot.findings, self.school_names)

    def fix_summary(self) -> pd.DataFrame:
        """Tasks per school and system to work in."""
        fl = self.fix_list()
        codes = sorted(self.school_names)
        table = pd.crosstab(fl["school_code"], fl["system"]) if len(fl) else pd.DataFrame()
        systems = [s for s in dict.fromkeys(FIX_SYSTEM.values()) if s in table.columns]
        table = table.reindex(index=codes, columns=systems, fill_value=0).fillna(0).astype(
            "int64")
        table["Tổng"] = table.sum(axis=1)
        table.insert(0, "Tên trường", [self.school_names[c] for c in codes])
        table.index.name = "Mã trường"
        table.columns.name = None
        return table

    def fix_table(self) -> pd.DataFrame:
        """The fix list with Vietnamese column titles."""
        return self.fix_list().rename(columns=FIX_COLUMNS)

    def fix_list_note(self) -> Html:
        """Writes the fix list workbook (when there is an output folder) and says where, and
        whether the appendix lists every task."""
        path = self.write_fix_list()
        n = len(self.snapshot.findings)
        if path is None:
            note = "Không ghi tệp Excel (tham số <code>out</code> để trống)."
        else:
            note = (f'Danh sách cần sửa của từng trường (mỗi trường một trang tính): tệp '
                    f'<a href="{e(path.name)}">{e(path.name)}</a>.')
        if self._tasks_in_excel_only():
            note += (f" Danh sách có {fmt_number(n)} việc, quá dài để in: chi tiết xem trong tệp "
                     "Excel; số việc của từng trường ở bảng trên.")
        elif n:
            note += " Phụ lục cuối báo cáo liệt kê đủ các việc cần làm của từng trường."
        return document(f"<p>{note}</p>")

    def fix_list_html(self) -> Html:
        """The appendix: every task of every school (a landscape page per school list), or, when
        the list is longer than PRINTED_TASKS and the workbook holds it, where to find it."""
        anchor, title = APPENDIX
        parts = [f'<h2 class="eduwb-section" id="{e(anchor)}">{e(title)}</h2>']
        tasks = self.fix_list()
        if self._tasks_in_excel_only():
            parts.append(f"<p>{fmt_number(len(tasks))} việc cần làm: xem tệp Excel danh sách cần "
                         "sửa (mỗi trường một trang tính). Số việc của từng trường ở mục 5.</p>")
            return document(*parts)
        if tasks.empty:
            parts.append("<p>Không có việc cần làm: vnEdu và CSDL ngành khớp nhau.</p>")
            return document(*parts)
        columns = [c for c in FIX_COLUMNS if c not in ("school_code", "school_name")]
        for code, mine in tasks.groupby("school_code", sort=True):
            name = self.school_names.get(code, "")
            parts.append(f"<h3>{e(name)} ({e(code)}): {len(mine)} việc</h3>")
            parts.append(str(table(mine[columns].rename(columns=FIX_COLUMNS), key=code)))
        return document(*parts, landscape=True)

    def _tasks_in_excel_only(self) -> bool:
        return self.params.out is not None and len(self.snapshot.findings) > PRINTED_TASKS

    def write_fix_list(self) -> Path | None:
        """Write the fix list workbook into the output folder (None when there is none)."""
        from eduwb.fixlist import write_fix_list

        if self.params.out is None:
            return None
        return write_fix_list(self, fix_list_path(self.params.out, self.params.district))

    # ---- figures ----

    def plot_findings(self):
        """Stacked horizontal bars: findings per school by category."""
        from matplotlib.figure import Figure

        table = self.findings_by_school().drop(columns=["Tên trường", "Tổng"])
        fig = Figure(figsize=(8, 0.45 * len(table) + 2.4), dpi=80)
        ax = fig.add_subplot()
        left = pd.Series(0, index=table.index)
        for i, col in enumerate(table.columns):
            ax.barh(_short_names(table.index, self.school_names), table[col], left=left,
                    label=col, color=_COLOURS[i % len(_COLOURS)])
            left = left + table[col]
        ax.invert_yaxis()
        ax.set_xlabel("Số sai lệch")
        ax.set_title("Sai lệch theo trường và loại")
        if len(table.columns):
            ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.4, -0.18), ncol=2,
                      frameon=False)
        fig.tight_layout()
        return fig

    def plot_indicators(self):
        """Horizontal bars: each indicator total's gap (vnEdu − CSDL) and its explained part."""
        from matplotlib.figure import Figure

        t = self.indicator_table()
        t = t[t["Chênh lệch"].fillna(0) != 0]
        fig = Figure(figsize=(8, 0.45 * max(len(t), 1) + 1.6), dpi=80)
        ax = fig.add_subplot()
        if len(t):
            pos = range(len(t))
            ax.barh([p - 0.2 for p in pos], t["Chênh lệch"].astype(float), height=0.4,
                    label="Chênh lệch (vnEdu − CSDL)", color=_COLOURS[0])
            ax.barh([p + 0.2 for p in pos], t["Giải thích được"].fillna(0).astype(float),
                    height=0.4, label="Giải thích được bằng bản ghi", color=_COLOURS[2])
            ax.set_yticks(list(pos), list(t["Chỉ tiêu"]))
            ax.invert_yaxis()
            ax.axvline(0, color="black", linewidth=0.8)
            ax.legend(fontsize=8)
        else:
            ax.text(0.5, 0.5, "Không có chênh lệch", ha="center", va="center")
            ax.set_axis_off()
        ax.set_title("Chênh lệch chỉ tiêu của phòng")
        fig.tight_layout()
        return fig


_COLOURS = ("#4472C4", "#ED7D31", "#70AD47", "#FFC000", "#5B9BD5", "#A5A5A5", "#9E480E", "#264478")


def report_of(snap: Snapshot, district: str, as_of: dt.date) -> DistrictReport:
    """The report of one district from a province snapshot already in hand."""
    params = ReportParameters(snap.data, snap.year, snap.period, district, None, as_of, None)
    cut = snap.for_district(district)
    return DistrictReport(params, cut, cut.track(as_of))


def district_report(params: ReportParameters | Mapping[str, Any]) -> DistrictReport:
    """The report of one district and period (parameters checked when given as a mapping)."""
    if not isinstance(params, ReportParameters):
        params = check_parameters(params)
    snap = snapshot(params.data, params.year, params.period, cache=params.cache)
    cut = snap.for_district(params.district)
    return DistrictReport(params, cut, cut.track(params.as_of))


def fix_list(findings: pd.DataFrame, school_names: Mapping[str, str]) -> pd.DataFrame:
    """Findings as tasks (FIX_COLUMNS keys), ordered by school, system, category and name."""
    from eduwb.compare import FIELD_LABELS

    f = findings
    frame = pd.DataFrame({
        "school_code": f["school_code"],
        "school_name": f["school_code"].map(lambda c: school_names.get(c, "")),
        "system": f["category"].map(FIX_SYSTEM),
        "category": f["category"],
        "entity": f["entity"].map(ENTITY_TITLES),
        "full_name": f["full_name"],
        "vnedu_id": f["vnedu_id"],
        "moet_id": f["moet_id"],
        "field": [vocab.LIST_KIND_LABELS.get(x, x) if c == "school_missing"
                  else FIELD_LABELS.get(x) or _FACILITY_LABELS.get(x, x)
                  for c, x in zip(f["category"], f["field"], strict=True)],
        "vnedu_value": [value_label(x, v) for x, v in zip(f["field"], f["vnedu_value"],
                                                           strict=True)],
        "csdl_value": [value_label(x, v) for x, v in zip(f["field"], f["csdl_value"],
                                                         strict=True)],
        "action": f["action"],
    })
    order = {c: i for i, c in enumerate(vocab.CATEGORIES)}
    frame = frame.assign(_o=frame["category"].map(order)).sort_values(
        ["school_code", "_o", "entity", "full_name", "field"], kind="stable").drop(columns="_o")
    frame["category"] = frame["category"].map(vocab.CATEGORY_LABELS)
    return frame.reset_index(drop=True)


# Codes of the canonical values, as people read them (the findings keep the codes).
_VALUE_LABELS: dict[str, dict[str, str]] = {
    "sex": vocab.SEXES,
    "evaluation": vocab.EVALUATIONS,
    "staff_group": vocab.STAFF_GROUPS,
    "disability": {vocab.DISABILITY_NONE: "Không", vocab.DISABILITY_YES: "Có",
                   **vocab.DISABILITY_TYPES},
}
_FLAGS = {"True": "Có", "False": "Không"}
_FACILITY_LABELS = {item: names[0] for item, names in vocab.FACILITY_ITEMS.items()}
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def value_label(field: str, value: object) -> object:
    """A finding's value for people: codes as words (``ht`` → Hoàn thành, ``F`` → Nữ, a flag →
    Có/Không), dates as dd/mm/yyyy."""
    if not isinstance(value, str) or not value:
        return value
    labels = _VALUE_LABELS.get(field)
    if labels is not None and value in labels:
        return labels[value]
    if value in _FLAGS:
        return _FLAGS[value]
    return _ISO_DATE.sub(r"\3/\2/\1", value)


def _short_names(codes, names: Mapping[str, str]) -> list[str]:
    out = []
    for code in codes:
        name = names.get(code, code).replace("Trường Tiểu học và Trung học cơ sở", "TH&THCS")
        name = name.replace("Trường Tiểu học", "TH")
        out.append(f"{name[:28]} ({code})")
    return out


def _share(explained: Any, diff: Any) -> float | None:
    if pd.isna(diff) or not diff:
        return None
    return float(abs(explained) / abs(diff)) if pd.notna(explained) else 0.0


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share:.0%}"
