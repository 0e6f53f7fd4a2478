"""The district report notebook's logic: its parameters checked, its tables and figures computed.

``notebooks/district_report.ipynb`` is parameters, calls to this module and Vietnamese prose; the
batch (:mod:`eduwb.batch`) runs it with papermill for every district and period. Tables come back
as DataFrames with Vietnamese column titles, figures as :class:`matplotlib.figure.Figure` objects
(made without pyplot, so a notebook shows each exactly once).
"""

from __future__ import annotations

import datetime as dt
import inspect
import types
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from eduwb import indicators, vocab
from eduwb.checks import RULE_IDS, SEVERITIES, SEVERITY_LABELS, Checks
from eduwb.errors import EduwbError, ParameterError
from eduwb.load import check_year_period
from eduwb.outputs import ENTITY_TITLES
from eduwb.registry import load_registry
from eduwb.store import Snapshot, snapshot
from eduwb.tracking import STATUS_LABELS, Tracking
from eduwb.views.document import (
    PERSONAL_DATA_NOTICE,
    Html,
    document,
    e,
    fmt_number,
    items,
    table,
    toc,
)
from eduwb.views.fixlist import (
    CHECK_FIX_SYSTEM,
    CHECK_TITLES,
    FIX_COLUMNS,
    FIX_SYSTEM,
    NEW_MARK,
    check_tasks,
    fix_list,
    fix_list_bytes,
    order_tasks,
)

if TYPE_CHECKING:
    from eduwb.history import ProgressReport, Series

PARAMETERS: dict[str, str] = {
    "data": "thư mục dữ liệu / data folder (danh_muc/, YEAR/PERIOD/vnedu|csdl/)",
    "year": "năm học / school year, e.g. 2021-2022",
    "period": "kỳ báo cáo / period: dau_nam | cuoi_hk1 | cuoi_nam",
    "district": "mã phòng GD&ĐT / district office code, e.g. 689",
    "out": "thư mục ghi danh sách cần sửa (.xlsx) / output folder; '' = không ghi / none",
    "as_of": "tính đến ngày / as of YYYY-MM-DD; '' = hôm nay / today",
    "cache": "thư mục lưu kết quả đối chiếu / snapshot cache; '' = $EDUWB_CACHE or ~/.cache/eduwb",
    "history": "kho lịch sử các lần đối chiếu (DuckDB) / history store; '' = $EDUWB_HISTORY, "
               "else ~/.local/share/eduwb/history.duckdb",
}
# The kinds of finding the history keeps, as the report names them.
KIND_TITLES: dict[str, str] = {"discrepancies": "Sai lệch vnEdu - CSDL ngành",
                               "checks": "Lỗi và cảnh báo nhập liệu"}
# Names IPython puts in a notebook's globals: not parameters.
_KERNEL_NAMES = frozenset({"In", "Out", "get_ipython", "exit", "quit", "open"})

# The report's sections: anchor, title (the table of contents and the headings).
SECTIONS: tuple[tuple[str, str], ...] = (
    ("tien-do", "Tiến độ và trách nhiệm"),
    ("thay-doi", "Thay đổi giữa các lần đối chiếu"),
    ("sai-lech", "Sai lệch theo loại và theo trường"),
    ("nhap-lieu", "Chất lượng nhập liệu"),
    ("chi-tieu", "Chỉ tiêu báo cáo trên hai hệ thống"),
    ("truong-lech-nhieu", "Các trường chênh lệch nhiều nhất"),
    ("can-sua", "Danh sách cần sửa"),
)
APPENDIX = ("phu-luc", "Phụ lục: việc cần làm của từng trường")
# A fix list longer than this stays in the Excel workbook instead of the printed report.
PRINTED_TASKS = 400
# Findings open longer than this are "open for long" in the progress section (history.md).
LONG_OPEN_DAYS = 7


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
    history: Path | None = None  # None: the default store (eduwb.history.default_path)


def check_parameters(namespace: Mapping[str, object]) -> ReportParameters:
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
    for key in PARAMETERS:
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
            try:
                registry.check_district(district)
            except ParameterError as exc:
                problems.append(f"district = {district!r}: không có trong danh mục phòng GD&ĐT / "
                                f"{exc}")
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
    out, cache, history = (Path(values[k]) if str(values[k]).strip() else None
                           for k in ("out", "cache", "history"))
    if history is not None:
        problem = _history_problem(history)
        if problem:
            problems.append(f"history = {str(values['history'])!r}: {problem}")
    if problems:
        raise _problems(problems)
    return ReportParameters(data, year, period, district, out, day, cache, history)


def _history_problem(path: Path) -> str | None:
    """Why a history store given as a parameter cannot be read (None: it can, or it does not exist
    yet, which is an empty history)."""
    from eduwb.history import HistoryError
    from eduwb.history.db import connect

    if path.is_dir():
        return "là một thư mục, không phải tệp lịch sử / is a folder, not a history file"
    try:
        with connect(path, write=False):
            pass
    except HistoryError as exc:
        return f"không đọc được kho lịch sử / unreadable history store: {exc}"
    return None


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
        from eduwb.views.document import CSS
        from eduwb.views.forms import MOTTO, NATION, PROVINCE_OFFICE, office_name

        p, d = self.params, self.tracking.districts.iloc[0]
        head = (f'<div class="eduwb-head"><div>{e(PROVINCE_OFFICE)}<br/>'
                f"{e(office_name(self.district_name, p.district))}</div>"
                f"<div>{e(NATION)}<br/>{e(MOTTO)}</div></div>")
        figures = [
            ("Sai lệch giữa hai hệ thống", fmt_number(len(self.snapshot.findings))),
            ("Lỗi nhập liệu / cảnh báo", self._check_counts()),
            ("Trường đủ điều kiện ký", self._ready_count()),
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
        return document(f'<h2 class="eduwb-section" id="{e(anchor)}">{section_number(anchor)}. '
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
        if self.checks is not None:
            lines.append(f"Kiểm tra nhập liệu: <b>{e(self._check_counts())}</b> (lỗi / cảnh "
                         f"báo); trường đủ điều kiện ký: <b>{e(self._ready_count())}</b> "
                         f"(mục {section_number('nhap-lieu')}).")
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
        from eduwb.views.forms import place_name

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
        from eduwb.views.status import STATUS_COLUMNS, status_frame

        frame = status_frame(self.tracking)
        frame = frame[frame["level"] == "Trường"].drop(columns=["level"])
        titles = {c: t for c, t, _ in STATUS_COLUMNS}
        return frame.rename(columns=titles).reset_index(drop=True)

    # ---- data-entry checks ----

    @property
    def checks(self) -> Checks | None:
        """The district's data-entry checks (None: a snapshot made without them)."""
        return self.snapshot.checks

    def _check_counts(self) -> str:
        c = self.checks
        if c is None:
            return "—"
        loi = int((c.findings["severity"] == "loi").sum())
        return f"{fmt_number(loi)} / {fmt_number(len(c.findings) - loi)}"

    def _ready_count(self) -> str:
        c = self.checks
        if c is None:
            return "—"
        schools = self._checked_schools()
        return f"{int(schools['ready'].sum())}/{len(schools)}"

    def _checked_schools(self) -> pd.DataFrame:
        """Every school of the district with its errors and warnings (both systems) and whether
        it may sign: checks.by_school() over the registry's schools and those the checks saw."""
        by = self.checks.by_school().set_index("school_code")
        codes = sorted(set(self.school_names) | set(by.index))
        out = by.reindex(codes)
        out["loi"] = out["loi"].fillna(0).astype("int64")
        out["canh_bao"] = out["canh_bao"].fillna(0).astype("int64")
        out["ready"] = out["loi"] == 0
        return out.rename_axis("school_code").reset_index()

    def checks_summary(self) -> Html:
        """Which systems were checked, errors and warnings, and the schools not ready to sign."""
        c = self.checks
        if c is None:
            return document("<p>Chưa có kết quả kiểm tra nhập liệu cho kỳ này.</p>")
        f = c.findings
        systems = ", ".join(vocab.SYSTEM_LABELS[s] for s in c.systems) or "không hệ thống nào"
        loi = int((f["severity"] == "loi").sum())
        schools = self._checked_schools()
        blocked = schools[~schools["ready"]]
        lines = [f"Đã kiểm tra dữ liệu từng hệ thống: <b>{e(systems)}</b>.",
                 f"<b>{fmt_number(loi)}</b> lỗi (phải sửa trước khi ký) và "
                 f"<b>{fmt_number(len(f) - loi)}</b> cảnh báo (cần xem lại, có thể đúng)."]
        if len(blocked):
            names = ", ".join(f"{e(self.school_names.get(r.school_code, ''))} "
                              f"({e(r.school_code)}): {int(r.loi)} lỗi"
                              for r in blocked.itertuples(index=False))
            lines.append(f"<b>{len(blocked)}/{len(schools)}</b> trường chưa đủ điều kiện ký "
                         f"(còn lỗi nhập liệu): {names}.")
        else:
            lines.append("Mọi trường đủ điều kiện ký: không còn lỗi nhập liệu.")
        if len(c.skipped):
            lines.append(f"{fmt_number(len(c.skipped))} lượt kiểm tra không áp dụng được vì thiếu "
                         "danh sách hoặc thiếu cột (bảng cuối mục): không phải lỗi, nhưng các "
                         "kiểm tra đó chưa được làm.")
        return document(items(lines))

    def checks_by_school(self) -> pd.DataFrame:
        """Per school: errors and warnings in each system checked, and whether it may sign."""
        c = self.checks
        if c is None:
            return pd.DataFrame()
        schools = self._checked_schools()
        counts = c.findings.groupby(["school_code", "system", "severity"]).size()
        table = pd.DataFrame({"Mã trường": schools["school_code"],
                              "Tên trường": schools["school_code"].map(
                                  lambda x: self.school_names.get(x, ""))})
        for system in c.systems:
            for sev in SEVERITIES:
                col = f"{SEVERITY_LABELS[sev]} ({vocab.SYSTEM_LABELS[system]})"
                table[col] = [int(counts.get((code, system, sev), 0))
                              for code in schools["school_code"]]
        table["Ký báo cáo"] = ["Đủ điều kiện" if r else "Chưa: còn lỗi"
                               for r in schools["ready"]]
        return table.reset_index(drop=True)

    def checks_by_rule(self) -> pd.DataFrame:
        """Findings per school, system and rule (errors first within a school and system)."""
        c = self.checks
        if c is None:
            return pd.DataFrame()
        by = c.by_rule()
        by = by.assign(_s=by["severity"].map({s: i for i, s in enumerate(SEVERITIES)}))
        by = by.sort_values(["school_code", "system", "_s"], kind="stable")
        return pd.DataFrame({
            "Trường": [f"{self.school_names.get(x, '')} ({x})".strip() for x in by["school_code"]],
            "Hệ thống": by["system"].map(vocab.SYSTEM_LABELS),
            "Mức độ": by["severity"].map(SEVERITY_LABELS),
            "Kiểm tra": by["title"],
            "Số bản ghi": by["findings"].astype("int64"),
        }).reset_index(drop=True)

    def checks_skipped(self) -> pd.DataFrame:
        """The rules not applied, summarised: system, rule, reason, how many schools and which."""
        c = self.checks
        if c is None or c.skipped.empty:
            return pd.DataFrame(columns=["Hệ thống", "Kiểm tra", "Lý do", "Số trường", "Trường"])
        order = {r: i for i, r in enumerate(RULE_IDS)}
        sk = c.skipped.assign(_o=c.skipped["rule"].map(order))
        rows = []
        for (system, _, rule, reason), part in sk.groupby(["system", "_o", "rule", "reason"],
                                                           sort=True):
            codes = sorted(set(part["school_code"]))
            rows.append({"Hệ thống": vocab.SYSTEM_LABELS.get(system, system),
                         "Kiểm tra": CHECK_TITLES.get(rule, rule), "Lý do": reason,
                         "Số trường": len(codes), "Trường": _some(codes)})
        return pd.DataFrame(rows)

    def checks_skipped_html(self) -> Html:
        """The rules not applied, as a titled table (a sentence when every rule was applied)."""
        frame = self.checks_skipped()
        if frame.empty:
            return document("<p>Mọi kiểm tra đều áp dụng được cho mọi trường.</p>")
        return document("<h3>Các kiểm tra không áp dụng được</h3>", table(frame))

    def checks_section(self) -> Html:
        """The data-entry quality section's body: the summary, per school and system, per rule,
        and the rules not applied."""
        parts = [self.checks_summary()]
        if self.checks is not None:
            parts += [table(self.checks_by_school()), table(self.checks_by_rule()),
                      self.checks_skipped_html()]
        return document(*parts)

    # ---- progress between runs (the history) ----

    @cached_property
    def progress(self) -> ProgressReport | str:
        """The district's history for the period (its own runs, else the province's), read-only;
        a message instead when the store cannot be read."""
        from eduwb.history import HistoryError, default_path, progress_report

        p = self.params
        try:
            return progress_report(p.data, p.year, p.period, district=p.district,
                                   history=p.history or default_path(), source="auto",
                                   changes=False)
        except HistoryError as exc:
            return f"Không đọc được lịch sử các lần đối chiếu: {exc.message}"

    @property
    def series(self) -> Series | None:
        """The history's runs for this report (None when it could not be read)."""
        return None if isinstance(self.progress, str) else self.progress.series

    def progress_summary(self) -> Html:
        """How many runs the history holds, and the last run against the one before."""
        if isinstance(self.progress, str):
            return document(f"<p>{e(self.progress)}</p>")
        series = self.progress.series
        if series.empty:
            return document(
                "<p>Lịch sử chưa có lần đối chiếu nào của kỳ này. Mỗi lần chạy <code>eduwb "
                "batch</code> hoặc <code>eduwb reconcile</code> được ghi lại; từ lần thứ hai, mục "
                "này cho biết việc nào đã sửa, việc nào mới và việc nào tồn đọng lâu.</p>")
        runs = series.runs
        source = (" (đọc từ các lần đối chiếu toàn tỉnh)" if series.source != series.scope
                  else "")
        lines = [f"Lịch sử có <b>{len(runs)}</b> lần đối chiếu kỳ này{source}, từ ngày "
                 f"{runs['as_of'].iloc[0]:%d/%m/%Y} đến ngày {runs['as_of'].iloc[-1]:%d/%m/%Y} "
                 "(ngày xuất dữ liệu mới nhất của mỗi lần)."]
        if len(runs) > 1:
            lines.append(f"Lần gần nhất (ngày {runs['as_of'].iloc[-1]:%d/%m/%Y}) so với lần trước "
                         f"(ngày {runs['as_of'].iloc[-2]:%d/%m/%Y}):")
        else:
            lines.append("Mới có một lần đối chiếu: mọi việc đều là mới.")
        totals = self._progress_rows
        district = totals[totals["level"] == "district"]
        for kind in series.kinds():
            row = district[district["kind"] == kind]
            if row.empty:
                continue
            r = row.iloc[0]
            lines.append(f"{e(KIND_TITLES[kind])}: còn <b>{int(r['open'])}</b>, mới "
                         f"<b>{int(r['new'])}</b>, đã sửa <b>{int(r['fixed'])}</b>; mở quá "
                         f"{LONG_OPEN_DAYS} ngày: <b>{int(r['open_long'])}</b>.")
        changed = self._signed_changed()
        lines.append(f"Trường thay đổi số liệu vnEdu sau khi ký: <b>{len(changed)}</b>."
                     if len(changed) else "Không đơn vị nào thay đổi số liệu vnEdu sau khi ký.")
        return document(items(lines))

    @cached_property
    def _progress_rows(self) -> pd.DataFrame:
        from eduwb.history import overview

        if self.series is None:
            return pd.DataFrame(columns=["level", "unit_code", "kind", "open", "new", "fixed",
                                         "open_long"])
        return overview(self.series, days=LONG_OPEN_DAYS)

    def progress_table(self) -> pd.DataFrame:
        """Per school and kind of finding (and the district): open in the last run, new and fixed
        since the run before, open for more than LONG_OPEN_DAYS days."""
        rows = self._progress_rows
        columns = ["Mã trường", "Tên trường", "Loại", "Còn mở", "Mới", "Đã sửa",
                   f"Mở quá {LONG_OPEN_DAYS} ngày"]
        if rows.empty:
            return pd.DataFrame(columns=columns)
        rank = {k: i for i, k in enumerate(KIND_TITLES)}
        rows = rows.assign(_l=(rows["level"] == "district").astype(int),
                           _k=rows["kind"].map(rank))
        rows = rows.sort_values(["_l", "unit_code", "_k"], kind="stable")
        district = rows["level"] == "district"
        return pd.DataFrame({
            "Mã trường": rows["unit_code"].where(~district, ""),
            "Tên trường": [("Cả phòng" if d else self.school_names.get(u, ""))
                           for u, d in zip(rows["unit_code"], district, strict=True)],
            "Loại": rows["kind"].map(KIND_TITLES),
            "Còn mở": rows["open"], "Mới": rows["new"], "Đã sửa": rows["fixed"],
            f"Mở quá {LONG_OPEN_DAYS} ngày": rows["open_long"],
        }).reset_index(drop=True)

    def _signed_changed(self) -> pd.DataFrame:
        if isinstance(self.progress, str):
            return pd.DataFrame(columns=["level", "unit_code", "signed_on", "changes"])
        after = self.progress.after_signoff
        if after.empty:
            return pd.DataFrame(columns=["level", "unit_code", "signed_on", "changes"])
        rows = [(level, unit, signed_on, _changes_text(part))
                for (level, unit, signed_on), part in after.groupby(
                    ["level", "unit_code", "signed_on"], sort=False)]
        return pd.DataFrame(rows, columns=["level", "unit_code", "signed_on", "changes"])

    def after_signoff_html(self) -> Html:
        """The schools (and the office) whose vnEdu figures changed after they signed: the signed
        paper no longer matches the data, they must sign again."""
        head = "<h3>Đơn vị thay đổi số liệu sau khi ký</h3>"
        if isinstance(self.progress, str):
            return document(head, f"<p>{e(self.progress)}</p>")
        changed = self._signed_changed()
        if changed.empty:
            signed = len(self.progress.signed)
            return document(head, f"<p>Không đơn vị nào thay đổi số liệu vnEdu sau khi ký "
                            f"({signed} đơn vị đã ký kỳ này).</p>")
        frame = pd.DataFrame({
            "Đơn vị": [self._unit_name(lv, u) for lv, u in zip(changed["level"],
                                                               changed["unit_code"], strict=True)],
            "Ngày ký": [f"{d:%d/%m/%Y}" for d in changed["signed_on"]],
            "Chỉ tiêu thay đổi (đã ký → hiện nay)": changed["changes"],
        })
        return document(head, "<p>Số liệu vnEdu của các đơn vị dưới đây đã thay đổi sau ngày ký: "
                        "bản giấy đã ký không còn khớp, cần ký lại.</p>", table(frame))

    def progress_section(self) -> Html:
        """The changes between runs: the summary, per school, and the units that changed after
        signing."""
        parts = [self.progress_summary()]
        if not self._progress_rows.empty:
            parts.append(table(self.progress_table()))
        parts.append(self.after_signoff_html())
        return document(*parts)

    def _unit_name(self, level: str, code: str) -> str:
        if level == "district":
            return self.district_name
        return f"{self.school_names.get(code, '')} ({code})".strip()

    def finding_states(self, kind: str) -> pd.DataFrame:
        """finding_id, state (new / open) and first_seen of the district's findings of ``kind``
        (``discrepancies`` or ``checks``) against the history (empty state without one)."""
        from eduwb.history import current_states

        frame = (self.snapshot.findings if kind == "discrepancies"
                 else self.checks.frame if self.checks is not None else None)
        if frame is None:
            return pd.DataFrame(columns=["finding_id", "state", "first_seen"])
        if self.series is None:
            return pd.DataFrame({"finding_id": None, "state": None, "first_seen": None},
                                index=frame.index)
        return current_states(self.series, kind, frame, self.snapshot.as_of)

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

    @cached_property
    def _tasks(self) -> pd.DataFrame:
        findings = self.snapshot.findings
        frame = fix_list(findings, self.school_names,
                         states=self.finding_states("discrepancies"))
        if self.checks is not None:
            frame = pd.concat([frame, check_tasks(self.checks.frame, self.school_names,
                                                  states=self.finding_states("checks"))],
                              ignore_index=True)
        return order_tasks(frame)

    def fix_list(self) -> pd.DataFrame:
        """Every discrepancy and every data-entry check as a task: school, the system to open,
        where it was found, its severity, what to do, whether it is new since the last run and
        since when it is open (FIX_COLUMNS keys; Vietnamese labels)."""
        return self._tasks.copy()

    def fix_summary(self) -> pd.DataFrame:
        """Tasks per school and system to work in, with the new ones since the last run."""
        fl = self.fix_list()
        codes = sorted(self.school_names)
        table = pd.crosstab(fl["school_code"], fl["system"]) if len(fl) else pd.DataFrame()
        systems = [s for s in dict.fromkeys([*FIX_SYSTEM.values(), CHECK_FIX_SYSTEM])
                   if s in table.columns]
        table = table.reindex(index=codes, columns=systems, fill_value=0).fillna(0).astype(
            "int64")
        table["Tổng"] = table.sum(axis=1)
        loi = fl[fl["severity"] == SEVERITY_LABELS["loi"]].groupby("school_code").size()
        table["Lỗi (phải sửa trước khi ký)"] = [int(loi.get(c, 0)) for c in codes]
        new = fl[fl["state"] == NEW_MARK].groupby("school_code").size()
        table["Mới từ lần trước"] = [int(new.get(c, 0)) for c in codes]
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
        n = len(self._tasks)
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
                         "sửa (mỗi trường một trang tính). Số việc của từng trường ở mục "
                         f"{section_number('can-sua')}.</p>")
            return document(*parts)
        if tasks.empty:
            parts.append("<p>Không có việc cần làm: vnEdu và CSDL ngành khớp nhau và không có "
                         "lỗi nhập liệu.</p>")
            return document(*parts)
        columns = [c for c in FIX_COLUMNS if c not in ("school_code", "school_name")]
        for code, mine in tasks.groupby("school_code", sort=True):
            name = self.school_names.get(code, "")
            parts.append(f"<h3>{e(name)} ({e(code)}): {len(mine)} việc</h3>")
            parts.append(str(table(mine[columns].rename(columns=FIX_COLUMNS), key=code)))
        return document(*parts, landscape=True)

    def _tasks_in_excel_only(self) -> bool:
        return self.params.out is not None and len(self._tasks) > PRINTED_TASKS

    def fix_list_bytes(self) -> bytes:
        """The fix list workbook as .xlsx bytes (the batch writes them, the dashboard offers
        them): a summary sheet, then one sheet per school with its tasks."""
        p = self.params
        subtitle = (f"{self.district_name} - Năm học {p.year} - {vocab.PERIOD_LABELS[p.period]} "
                    f"- tính đến {p.as_of:%d/%m/%Y}")
        return fix_list_bytes(self.fix_list(), self.fix_summary().reset_index(), self.school_names,
                              subtitle)

    def write_fix_list(self) -> Path | None:
        """Write the fix list workbook into the output folder (None when there is none)."""
        if self.params.out is None:
            return None
        path = fix_list_path(self.params.out, self.params.district)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.fix_list_bytes())
        return path

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


def report_of(snap: Snapshot, district: str, as_of: dt.date,
              history: Path | str | None = None) -> DistrictReport:
    """The report of one district from a province snapshot already in hand (``history``: the
    history store, None for the default one)."""
    params = ReportParameters(snap.data, snap.year, snap.period, district, None, as_of, None,
                              None if history is None else Path(history))
    cut = snap.for_district(district)
    return DistrictReport(params, cut, cut.track(as_of))


def district_report(params: ReportParameters | Mapping[str, object]) -> DistrictReport:
    """The report of one district and period (parameters checked when given as a mapping)."""
    if not isinstance(params, ReportParameters):
        params = check_parameters(params)
    snap = snapshot(params.data, params.year, params.period, cache=params.cache)
    cut = snap.for_district(params.district)
    return DistrictReport(params, cut, cut.track(params.as_of))


def section_number(anchor: str) -> int:
    """The number of a section of the report (its place in SECTIONS)."""
    return next(i for i, (a, _) in enumerate(SECTIONS, start=1) if a == anchor)


def _some(codes: list[str], limit: int = 6) -> str:
    """A few codes and how many more."""
    shown = ", ".join(codes[:limit])
    return shown + (f" và {len(codes) - limit} trường khác" if len(codes) > limit else "")


def _changes_text(rows: pd.DataFrame, limit: int = 4) -> str:
    """An after-signoff unit's changed indicators: label (cell): signed → current."""
    from eduwb.views.explore import cell_label

    parts = []
    for r in rows.head(limit).itertuples(index=False):
        label = indicators.BY_ID[r.indicator].label if r.indicator in indicators.BY_ID \
            else r.indicator
        cell = f" ({cell_label(r.breakdown)})" if r.breakdown else ""
        parts.append(f"{label}{cell}: {fmt_number(r.signed_value) or '—'} → "
                     f"{fmt_number(r.current_value) or '—'}")
    more = len(rows) - limit
    return "; ".join(parts) + (f"; và {more} chỉ tiêu khác" if more > 0 else "")


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
