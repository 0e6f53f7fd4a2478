"""The dashboard page as ipywidgets (:class:`Dashboard`) and :func:`app`, which the notebook calls.

Parameters come from the environment when the notebook calls :func:`app`: ``EDUWB_DATA``,
``EDUWB_YEAR``, ``EDUWB_AS_OF``, ``EDUWB_CACHE``, ``EDUWB_HISTORY``. A callback that fails shows a
Vietnamese sentence in the page, never a traceback.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eduwb import vocab
from eduwb.errors import EduwbError
from eduwb.views.dashboard.html import (
    CSS,
    GAP_TITLES,
    SCHOOL_TITLES,
    deadline_html,
    error_html,
    escape,
    fmt_int,
    fmt_pct,
    heatmap_html,
    history_html,
    signed,
    table_html,
    tiles_html,
    trend_html,
)
from eduwb.views.dashboard.model import (
    ENV_AS_OF,
    ENV_CACHE,
    ENV_DATA,
    ENV_HISTORY,
    ENV_YEAR,
    XLSX_MIME,
    Model,
    default_period,
    district_label,
    district_schools,
    district_tiles,
    findings_by_category,
    fix_list_bytes,
    fix_list_name,
    heatmap_frame,
    open_model,
    school_findings,
    school_gaps,
    tiles,
    trend_frame,
)

if TYPE_CHECKING:
    from ipywidgets import Widget

log = logging.getLogger(__name__)



def _guard(method: Callable[..., None]) -> Callable[..., None]:
    """Run a callback; on any exception show a Vietnamese message in the page, never a traceback."""

    @functools.wraps(method)
    def wrapper(self: Dashboard, *args: Any, **kwargs: Any) -> None:
        try:
            self.message.value = ""
            method(self, *args, **kwargs)
        except EduwbError as exc:
            log.warning("dashboard: %s", exc)
            self.message.value = error_html(f"Không thực hiện được: {exc}")
        except Exception:  # anything else: logged for the operator, a plain message for the reader
            log.exception("dashboard callback failed")
            self.message.value = error_html(
                "Đã xảy ra lỗi khi hiển thị. Vui lòng chọn lại hoặc báo cho bộ phận kỹ thuật.")

    return wrapper


class Dashboard:
    """The ipywidgets page over a :class:`Model`; ``widget`` is what the notebook displays."""

    def __init__(self, model: Model) -> None:
        import ipywidgets as w

        self.model = model
        self._cache: dict[tuple[str, ...], str] = {}
        p0 = default_period(model)
        self.title = w.HTML(
            f'{CSS}<div class="eduwb"><h1>Số liệu tiểu học: đối chiếu vnEdu – CSDL ngành</h1>'
            f'<div class="sub">Sở GD&amp;ĐT tỉnh {escape(vocab.PROVINCE_NAME)} · năm học '
            f"{escape(model.year)} · chỉ số liệu tổng hợp, không có thông tin cá nhân</div></div>")
        self.period = w.ToggleButtons(
            options=[(vocab.PERIOD_LABELS[p], p) for p in model.periods], value=p0,
            description="Kỳ báo cáo:", style={"description_width": "initial",
                                               "button_width": "130px"})
        self.period.add_class("eduwb-period")
        self.deadline = w.HTML()
        self.tiles = w.HTML()
        self.tiles.add_class("eduwb-tiles-box")
        self.categories = w.HTML()
        self.heatmap = w.HTML()
        self.history = w.HTML()
        self.trend = w.HTML()
        self.message = w.HTML()
        self.message.add_class("eduwb-message")
        self.district = w.Dropdown(description="Phòng GD&ĐT:", style={"description_width": "initial"},
                                   layout=w.Layout(width="420px"))
        self.district.add_class("eduwb-district")
        self.district_view = w.HTML()
        self.schools = w.HTML()
        self.school = w.Dropdown(description="Trường:", style={"description_width": "initial"},
                                 layout=w.Layout(width="640px"))
        self.school.add_class("eduwb-school")
        self.school_view = w.HTML()
        self.make_file = w.Button(description="Tạo tệp Excel danh sách cần sửa", icon="file-excel-o",
                                  layout=w.Layout(width="300px"), disabled=True)
        self.make_file.add_class("eduwb-make-file")
        self.download = w.HTML()
        self.download.add_class("eduwb-download")

        codes = list(model.trackings[p0].districts["district_code"])
        names = dict(zip(codes, model.trackings[p0].districts["district_name"], strict=True))
        self.district.options = [("— chọn phòng —", "")] + [
            (f"{c} · {district_label(c, names[c])}", c) for c in codes]
        self.school.options = [("— chọn trường —", "")]
        self.trend.value = (f'<div class="eduwb"><h2>Xu hướng qua các kỳ</h2>'
                            f"{trend_html(trend_frame(model))}<h2>Chi tiết theo phòng và trường"
                            "</h2></div>")
        self.widget = w.VBox([
            self.title, self.message, self.period, self.deadline, self.tiles,
            w.HBox([self.categories, self.heatmap], layout=w.Layout(flex_flow="row wrap",
                                                                    grid_gap="24px")),
            self.history, self.trend, self.district, self.district_view, self.schools,
            w.HBox([self.make_file, self.download]), self.school, self.school_view,
        ], layout=w.Layout(padding="0 12px 24px 12px"))
        self.widget.add_class("eduwb-dashboard")
        self.period.observe(self._on_period, names="value")
        self.district.observe(self._on_district, names="value")
        self.school.observe(self._on_school, names="value")
        self.make_file.on_click(self._on_make_file)
        self._render_period()

    # state -----------------------------------------------------------------------------------
    def _period(self) -> str:
        p = self.period.value
        if p not in self.model.snapshots:  # values can be set to anything from the browser
            raise EduwbError("kỳ báo cáo không hợp lệ")
        return p

    def _district(self) -> str | None:
        d = self.district.value or None
        if d is not None and d not in set(self.model.trackings[self._period()].districts[
                "district_code"]):
            raise EduwbError("phòng GD&ĐT không hợp lệ")
        return d

    def _memo(self, key: tuple[str, ...], make: Callable[[], str]) -> str:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    # rendering -------------------------------------------------------------------------------
    def _render_period(self) -> None:
        p = self._period()
        snap, tr = self.model.snapshots[p], self.model.trackings[p]
        self.deadline.value = self._memo(("deadline", p), lambda: (
            f'<div class="eduwb">{deadline_html(self.model, p)}</div>'))
        progress = self.model.progress(p)
        self.tiles.value = self._memo(("tiles", p), lambda: (
            f'<div class="eduwb">{tiles_html(tiles(snap, tr, progress))}</div>'))
        self.history.value = self._memo(("history", p), lambda: (
            f'<div class="eduwb"><h2>Việc còn mở qua các lần đối chiếu toàn tỉnh '
            f"({escape(vocab.PERIOD_LABELS[p].lower())})</h2>"
            + history_html(progress, tr.deadlines, key="history",
                           title="Toàn tỉnh: việc còn mở theo ngày xuất dữ liệu") + "</div>"))
        self.categories.value = self._memo(("categories", p), lambda: (
            '<div class="eduwb"><h2>Sai lệch theo loại</h2>' + table_html(
                findings_by_category(snap.findings)[["label", "count"]],
                {"label": "Loại sai lệch", "count": "Số bản ghi"}, key="categories",
                formats={"count": fmt_int}) + "</div>"))
        self.heatmap.value = self._memo(("heatmap", p), lambda: (
            '<div class="eduwb"><h2>Mức chênh lệch theo phòng và nhóm chỉ tiêu</h2>'
            f"{heatmap_html(heatmap_frame(snap, tr))}</div>"))
        self._render_district()

    def _render_district(self) -> None:
        p, d = self._period(), self._district()
        self.download.value = ""
        self.make_file.disabled = d is None
        if d is None:
            self.district_view.value = ""
            self.schools.value = ('<div class="eduwb"><div class="hint">Chọn một phòng GD&amp;ĐT '
                                  "để xem các trường.</div></div>")
            self.school.options = [("— chọn trường —", "")]
            self.school_view.value = ""
            return
        tr, snap = self.model.trackings[p], self.model.snapshots[p]
        progress = self.model.progress(p)
        self.district_view.value = self._memo(("district", p, d), lambda: (
            '<div class="eduwb"><div class="eduwb-district-tiles">'
            + tiles_html(district_tiles(snap, tr, progress, d), prefix="district-")
            + "</div>" + history_html(progress, tr.deadlines, level="district", unit=d,
                                       key="district-history",
                                       title=f"Phòng {d}: việc còn mở theo ngày xuất dữ liệu")
            + "</div>"))
        frame = district_schools(tr, d)
        self.schools.value = self._memo(("schools", p, d), lambda: '<div class="eduwb">' + table_html(
            frame, SCHOOL_TITLES, key="schools", formats={"findings": fmt_int,
                                                          "check_errors": fmt_int}) + "</div>")
        options = [("— chọn trường —", "")] + [(f"{c} · {n}", c) for c, n in zip(
            frame["school_code"], frame["school_name"], strict=True)]
        if list(self.school.options) != options:
            keep = self.school.value if self.school.value in set(frame["school_code"]) else ""
            with self.school.hold_trait_notifications():
                self.school.options = options
                self.school.value = keep
        self._render_school()

    def _render_school(self) -> None:
        p, d = self._period(), self._district()
        code = self.school.value or None
        if d is None or code is None:
            self.school_view.value = ""
            return
        tr = self.model.trackings[p]
        if code not in set(tr.schools.loc[tr.schools["district_code"] == d, "school_code"]):
            raise EduwbError("trường không thuộc phòng đã chọn")
        snap = self.model.snapshots[p]

        def make() -> str:
            gaps = school_gaps(snap, code)
            cats = school_findings(snap, code)
            cats = cats[cats["count"] > 0][["label", "count"]]
            left = table_html(gaps.drop(columns=["indicator"]), GAP_TITLES, key="gaps",
                              formats={"vnedu": fmt_int, "csdl": fmt_int, "diff": signed,
                                       "explained": signed, "relative_gap": fmt_pct})
            right = (table_html(cats, {"label": "Loại sai lệch", "count": "Số bản ghi"},
                                key="school-categories", formats={"count": fmt_int})
                     if len(cats) else '<div class="hint">Không có sai lệch.</div>')
            return ('<div class="eduwb" style="display:flex;flex-wrap:wrap;gap:24px">'
                    f"<div><h2>Chỉ tiêu của trường {escape(code)}</h2>{left}</div>"
                    f"<div><h2>Sai lệch của trường theo loại</h2>{right}</div></div>")

        self.school_view.value = self._memo(("school", p, code), make)

    # callbacks -------------------------------------------------------------------------------
    @_guard
    def _on_period(self, change: dict[str, Any]) -> None:
        self._render_period()

    @_guard
    def _on_district(self, change: dict[str, Any]) -> None:
        self._render_district()

    @_guard
    def _on_school(self, change: dict[str, Any]) -> None:
        self._render_school()

    @_guard
    def _on_make_file(self, button: Any) -> None:
        p, d = self._period(), self._district()
        if d is None:
            raise EduwbError("hãy chọn một phòng GD&ĐT trước")
        snap = self.model.snapshots[p]
        payload = base64.b64encode(fix_list_bytes(snap, d, self.model.as_of,
                                                  self.model.history)).decode()
        n = int((snap.findings["district_code"] == d).sum())
        name = fix_list_name(snap, d)
        self.download.value = (
            f'<div class="eduwb" style="padding-top:6px"><a download="{escape(name)}" '
            f'href="data:{XLSX_MIME};base64,{payload}" data-key="fix-list">⬇ Tải {escape(name)}</a> '
            f'<span class="sub">({fmt_int(n)} sai lệch)</span></div>')


def app(data: Path | str | None = None, *, year: str | None = None, as_of: dt.date | str | None = None,
        cache: Path | str | None = None, history: Path | str | None = None) -> Widget:
    """The dashboard widget for the notebook; arguments default to the EDUWB_* environment
    variables. Never raises: a data folder that cannot be read gives a Vietnamese message."""
    import ipywidgets as w

    try:
        data = data or os.environ.get(ENV_DATA)
        if not data:
            raise EduwbError(f"Chưa chỉ định thư mục dữ liệu (biến môi trường {ENV_DATA}; chạy "
                             "`eduwb dashboard DATA`)")
        year = year or os.environ.get(ENV_YEAR) or None
        as_of = as_of or os.environ.get(ENV_AS_OF) or None
        if isinstance(as_of, str):
            try:
                as_of = dt.date.fromisoformat(as_of)
            except ValueError:
                raise EduwbError(f"Ngày {as_of!r} không đúng dạng YYYY-MM-DD") from None
        cache = cache or os.environ.get(ENV_CACHE) or None
        history = history or os.environ.get(ENV_HISTORY) or None
        model = open_model(data, year, as_of=as_of, cache=cache, history=history)
        return Dashboard(model).widget
    except EduwbError as exc:
        message = f"Không mở được bảng điều hành: {exc}"
    except Exception as exc:  # unreadable files, permissions...: the reader gets a sentence
        log.exception("dashboard failed to open")
        message = (f"Không đọc được dữ liệu trong thư mục {data}: {type(exc).__name__}. Kiểm tra "
                   "thư mục dữ liệu rồi tải lại trang.")
    return w.HTML(error_html(message))
