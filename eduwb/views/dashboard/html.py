"""The dashboard's HTML: tiles, tables, heatmap, trend and the run-by-run line, every value from a
file escaped (counts only; the page never shows a person's name)."""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
from collections.abc import Callable

import pandas as pd

from eduwb import calendar, vocab
from eduwb.history import ProgressReport
from eduwb.values import is_missing
from eduwb.views.dashboard.model import (
    DEADLINE_WINDOW_DAYS,
    GROUP_LABELS,
    GROUPS,
    HEAT_CAP,
    KIND_COLOURS,
    KIND_LABELS,
    Model,
    next_deadline,
    open_by_run,
)

# --- HTML ------------------------------------------------------------------------------------------

CSS = """
<style>
.eduwb { font-family: "DejaVu Sans", "Noto Sans", Arial, sans-serif; color: #1f2933; }
.eduwb h1 { font-size: 22px; margin: 4px 0 2px 0; }
.eduwb h2 { font-size: 16px; margin: 14px 0 6px 0; color: #243b53; }
.eduwb .sub { color: #52606d; font-size: 13px; }
.eduwb-tiles { display: flex; flex-wrap: wrap; gap: 10px; }
.eduwb-tile { flex: 1 1 120px; max-width: 190px; border: 1px solid #d9e2ec; border-radius: 8px;
  padding: 8px 12px; background: #f8fafc; box-sizing: border-box; }
.eduwb-tile .value { font-size: 26px; font-weight: bold; color: #102a43; }
.eduwb-tile .total { font-size: 14px; color: #627d98; }
.eduwb-tile .label { font-size: 12.5px; color: #334e68; line-height: 1.25; }
.eduwb-tile.warn { border-color: #f0b429; background: #fffbea; }
.eduwb-tile.bad { border-color: #e12d39; background: #ffeeee; }
.eduwb-tile.good { border-color: #3ebd93; background: #effcf6; }
.eduwb table.t { border-collapse: collapse; font-size: 13px; margin: 2px 0 6px 0; }
.eduwb table.t th, .eduwb table.t td { border: 1px solid #d9e2ec; padding: 3px 8px;
  line-height: 1.35; vertical-align: top; }
.eduwb table.t th { background: #f0f4f8; text-align: left; }
.eduwb table.t td.n { text-align: right; font-variant-numeric: tabular-nums; }
.eduwb .deadline { font-size: 14px; padding: 6px 10px; background: #e6f6ff; border-radius: 6px;
  display: inline-block; }
.eduwb .error { color: #8a041a; background: #ffe3e3; border: 1px solid #e12d39;
  border-radius: 6px; padding: 10px 14px; font-size: 14px; }
.eduwb .hint { color: #627d98; font-size: 13px; font-style: italic; }
.eduwb .legend span { display: inline-block; width: 22px; height: 12px; margin: 0 2px;
  vertical-align: middle; border: 1px solid #d9e2ec; }
</style>
"""


def fmt_int(value: object) -> str:
    """A count as Vietnamese write it (1.234); empty for a missing count."""
    if is_missing(value):
        return "–"
    return f"{int(value):,}".replace(",", ".")


def fmt_pct(value: object) -> str:
    """A share as a Vietnamese percentage (1,5 %); a dash when missing."""
    if is_missing(value):
        return "–"
    return f"{100 * float(value):.1f} %".replace(".", ",")


def fmt_date(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def escape(value: object) -> str:
    return html.escape(str(value))


def tiles_html(frame: pd.DataFrame, prefix: str = "") -> str:
    """The tiles as HTML; each tile carries ``data-key`` (``prefix`` + key) for tests."""
    tone = {"districts_on_time": "good", "districts_late": "warn", "districts_not_sent": "bad",
            "only_in_csdl": "warn", "districts_unassigned": "warn", "sync_blocked": "warn",
            "schools_not_ready": "bad", "signed_changed": "bad"}
    parts = []
    for r in frame.itertuples(index=False):
        cls = tone.get(r.key, "") if pd.notna(r.value) and r.value else ""
        total = "" if pd.isna(r.total) else f'<span class="total"> / {fmt_int(r.total)}</span>'
        parts.append(f'<div class="eduwb-tile {cls}" data-key="{escape(prefix + r.key)}"><div>'
                     f'<span class="value">{fmt_int(r.value)}</span>{total}</div>'
                     f'<div class="label">{escape(r.label)}</div></div>')
    return f'<div class="eduwb-tiles">{"".join(parts)}</div>'


def table_html(frame: pd.DataFrame, titles: dict[str, str], *, key: str = "",
               formats: dict[str, Callable[[object], str]] | None = None) -> str:
    """A plain HTML table with Vietnamese titles; numbers right-aligned."""
    formats = formats or {}
    head = "".join(f"<th>{escape(titles.get(c, c))}</th>" for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = []
        for col, value in zip(frame.columns, row, strict=True):
            fmt = formats.get(col)
            if fmt is not None:
                cells.append(f'<td class="n">{escape(fmt(value))}</td>')
            elif isinstance(value, bool):
                cells.append(f"<td>{'✔' if value else ''}</td>")
            else:
                cells.append(f"<td>{escape('' if pd.isna(value) else value)}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (f'<table class="t" data-key="{escape(key)}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>")


def heat_colour(value: float) -> str:
    """White (no gap) to red (HEAT_CAP and above); grey when unknown."""
    if value != value:
        return "#eceff1"
    t = min(max(value / HEAT_CAP, 0.0), 1.0)
    r, g, b = (255, int(255 - 180 * t), int(255 - 200 * t))
    if value == 0:
        return "#e3f9e5"
    return f"#{r:02x}{g:02x}{b:02x}"


def heatmap_html(grid: pd.DataFrame) -> str:
    """The heatmap as an HTML table: cells coloured by relative gap, the percentage written."""
    head = "<th>Phòng GD&amp;ĐT</th>" + "".join(f"<th>{escape(GROUP_LABELS[g])}</th>" for g in GROUPS)
    rows = []
    for code, r in grid.iterrows():
        cells = "".join(
            f'<td class="n" style="background:{heat_colour(float(r[g]))}" data-group="{g}">'
            f"{fmt_pct(r[g])}</td>" for g in GROUPS)
        rows.append(f'<tr data-district="{escape(code)}"><td>{escape(r["district"])}</td>{cells}</tr>')
    steps = [0, 0.02, 0.04, 0.06, 0.08, 0.10]
    legend = "".join(f'<span style="background:{heat_colour(s)}" title="{fmt_pct(s)}"></span>'
                     for s in steps)
    return (f'<table class="t" data-key="heatmap"><thead><tr>{head}</tr></thead><tbody>'
            f'{"".join(rows)}</tbody></table><div class="legend sub">Chênh lệch tương đối '
            f"|vnEdu − CSDL| / vnEdu: 0 {legend} ≥ {fmt_pct(HEAT_CAP)}</div>")


def trend_png(trend: pd.DataFrame) -> bytes:
    """Two small line charts over the periods: findings, and the province's relative gap."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 2.3), dpi=100)
    ax1, ax2 = fig.subplots(1, 2)
    x = list(range(len(trend)))
    ax1.plot(x, trend["findings"], marker="o", color="#d64545")
    ax1.set_title("Số sai lệch", fontsize=10)
    ax2.plot(x, 100 * trend["relative_gap"], marker="o", color="#2680c2")
    ax2.set_title("Chênh lệch tương đối toàn tỉnh (%)", fontsize=10)
    for ax in (ax1, ax2):
        ax.set_xticks(x, list(trend["label"]), fontsize=8)
        ax.tick_params(axis="y", labelsize=8)
        top = ax.get_lines()[0].get_ydata()
        ax.set_ylim(0, max(1.0, float(pd.Series(top).max(skipna=True) or 0)) * 1.2)
        ax.grid(alpha=0.3)
        ax.margins(x=0.15)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def trend_html(trend: pd.DataFrame) -> str:
    """The trend chart (PNG) and its table."""
    png = base64.b64encode(trend_png(trend)).decode()
    table = pd.DataFrame({
        "label": trend["label"],
        "findings": trend["findings"],
        "sync": [f"{fmt_int(a)} / {fmt_int(b)}" for a, b in zip(trend["schools_in_sync"],
                                                               trend["schools"], strict=True)],
        "sent": [f"{fmt_int(a)} / {fmt_int(b)}" for a, b in zip(trend["districts_sent"],
                                                               trend["districts"], strict=True)],
        "gap": trend["relative_gap"],
    })
    titles = {"label": "Kỳ", "findings": "Sai lệch", "sync": "Trường khớp",
              "sent": "Phòng đã gửi", "gap": "Chênh lệch tương đối"}
    return (f'<img alt="Xu hướng qua các kỳ" style="max-width:100%" '
            f'src="data:image/png;base64,{png}"/>'
            + table_html(table, titles, key="trend", formats={"findings": fmt_int,
                                                              "gap": fmt_pct}))


def history_svg(runs: pd.DataFrame, deadlines: calendar.Deadlines, title: str) -> str:
    """Open findings run by run (one line per kind) up to the period's deadlines, each marked by a
    vertical line (the schools' vnEdu deadline dashed, the offices' EQMS deadline solid), as an
    inline SVG: drawn in a millisecond (a drill-down stays fast), sharp at any zoom, text escaped.
    A deadline further than DEADLINE_WINDOW_DAYS from every run is named in the legend only."""
    days = [pd.Timestamp(d) for d in runs["as_of"]]
    kinds = [k for k in KIND_LABELS if k in runs.columns]
    lines = [("vnedu", deadlines.vnedu, "Hạn trường gửi phòng", "5,4"),
             ("eqms", deadlines.eqms, "Hạn phòng gửi Sở (EQMS)", "")]
    near = [(key, pd.Timestamp(day), label, dash) for key, day, label, dash in lines
            if min(abs(pd.Timestamp(day) - d) for d in days)
            <= pd.Timedelta(days=DEADLINE_WINDOW_DAYS)]
    legend = [(KIND_LABELS[k], KIND_COLOURS[k], "") for k in kinds]
    legend += [(f"{label} {when:%d/%m}", "#243b53", dash) for _, when, label, dash in near]
    legend += [(f"{label} {day:%d/%m/%Y} (ngoài khoảng các lần chạy)", "", "")
               for key, day, label, _ in lines if key not in {n[0] for n in near}]
    columns = 2 if all(len(t) <= 40 for t, _, _ in legend) else 1
    rows = -(-len(legend) // columns)
    width, left, right, top = 640, 48, 24, 30
    height = 240 + 16 * rows
    plot_w, plot_h = width - left - right, 180
    shown = days + [when for _, when, _, _ in near]
    first, last = min(shown) - pd.Timedelta(days=1), max(shown) + pd.Timedelta(days=1)
    span = max((last - first).days, 1)
    values = [int(v) for k in kinds for v in runs[k] if pd.notna(v)]
    step = _nice_step(max([1, *values]) / 4)
    ymax = step * max(1, -(-max([1, *values]) // step))

    def x(day: pd.Timestamp) -> float:
        return round(left + (day - first).days / span * plot_w, 1)

    def y(value: float) -> float:
        return round(top + plot_h - value / ymax * plot_h, 1)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" '
           'style="max-width:100%;height:auto;font-family:DejaVu Sans,Arial,sans-serif">',
           f'<text x="{width / 2}" y="18" text-anchor="middle" font-size="13">{escape(title)}</text>']
    for i in range(int(ymax // step) + 1):  # horizontal grid and the counts
        v = i * step
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y(v)}" y2="{y(v)}" '
                   f'stroke="#d9e2ec"/><text x="{left - 6}" y="{y(v) + 4}" font-size="10" '
                   f'text-anchor="end">{fmt_int(v)}</text>')
    tick = max(1, -(-span // 8))
    fmt = "%d/%m" if span <= 300 else "%m/%Y"
    for n in range(0, span + 1, tick):  # whole days on the time axis
        day = first + pd.Timedelta(days=n)
        out.append(f'<line x1="{x(day)}" x2="{x(day)}" y1="{top + plot_h}" '
                   f'y2="{top + plot_h + 4}" stroke="#52606d"/><text x="{x(day)}" '
                   f'y="{top + plot_h + 16}" font-size="10" text-anchor="middle">'
                   f"{day:{fmt}}</text>")
    out.append(f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" '
               'stroke="#52606d"/>')
    for key, when, _label, dash in near:
        out.append(f'<line data-deadline="{key}" x1="{x(when)}" x2="{x(when)}" y1="{top}" '
                   f'y2="{top + plot_h}" stroke="#243b53" stroke-width="1.5"'
                   + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")
    for kind in kinds:
        colour = KIND_COLOURS[kind]
        points = [(d, int(v)) for d, v in zip(days, runs[kind], strict=True) if pd.notna(v)]
        if len(points) > 1:
            path = " ".join(f"{x(d)},{y(v)}" for d, v in points)
            out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                       'stroke-width="2"/>')
        for d, v in points:
            out.append(f'<circle data-kind="{kind}" cx="{x(d)}" cy="{y(v)}" r="4" '
                       f'fill="{colour}"><title>{escape(KIND_LABELS[kind])}, {d:%d/%m/%Y}: '
                       f"{fmt_int(v)}</title></circle>")
    for i, (text, colour, dash) in enumerate(legend):
        lx = left + (i % columns) * (plot_w / 2)
        ly = top + plot_h + 36 + (i // columns) * 16
        if colour:
            out.append(f'<line x1="{lx}" x2="{lx + 22}" y1="{ly - 4}" y2="{ly - 4}" '
                       f'stroke="{colour}" stroke-width="2"'
                       + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")
        out.append(f'<text x="{lx + 28}" y="{ly}" font-size="10.5">{escape(text)}</text>')
    out.append("</svg>")
    return "".join(out)


def _nice_step(raw: float) -> int:
    """A grid step of 1, 2 or 5 × 10^k at least ``raw``."""
    scale = 1
    while True:
        for m in (1, 2, 5):
            if m * scale >= raw:
                return m * scale
        scale *= 10


def history_html(progress: ProgressReport | str | None, deadlines: calendar.Deadlines, *,
                 level: str = "province", unit: str = vocab.PROVINCE_CODE, key: str = "history",
                 title: str = "") -> str:
    """The open findings run by run (chart and table, counts only), or why there are none."""
    if isinstance(progress, str):
        return f'<div class="hint" data-key="{escape(key)}">{escape(progress)}</div>'
    runs = open_by_run(progress, level, unit)
    if runs.empty:
        return (f'<div class="hint" data-key="{escape(key)}">Chưa có lần đối chiếu nào được ghi '
                "trong lịch sử cho kỳ này (chạy <code>eduwb batch</code> hoặc <code>eduwb "
                "reconcile</code> mỗi ngày để theo dõi tiến độ sửa).</div>")
    table = runs.assign(as_of=[fmt_date(d) for d in runs["as_of"]])
    titles = {"as_of": "Ngày xuất dữ liệu", **{k: f"{v}: còn mở" for k, v in KIND_LABELS.items()}}
    return (f'<div data-key="{escape(key)}-chart">{history_svg(runs, deadlines, title)}</div>'
            + table_html(table, titles, key=key,
                         formats={k: fmt_int for k in KIND_LABELS if k in runs.columns}))


def deadline_html(model: Model, period: str) -> str:
    """The next deadline of the year with days left, and the selected period's two deadlines."""
    nxt = next_deadline((t.deadlines for t in model.trackings.values()), model.as_of)
    who = {"vnedu": "trường gửi Phòng GD&ĐT (vnEdu)", "eqms": "Phòng GD&ĐT gửi Sở (EQMS)"}
    if nxt is None:
        first = f"Đã qua mọi hạn báo cáo của năm học {escape(model.year)}"
    else:
        left = "hôm nay" if nxt["days_left"] == 0 else f"còn <b>{nxt['days_left']}</b> ngày"
        first = (f"Hạn tiếp theo: <b>{fmt_date(nxt['date'])}</b> — "
                 f"{escape(vocab.PERIOD_LABELS[nxt['period']])}, {who[nxt['who']]} ({left})")
    due = model.trackings[period].deadlines
    return (f'<div class="deadline" data-key="deadline">{first}<br/><span class="sub">'
            f"{escape(vocab.PERIOD_LABELS[period])}: hạn trường gửi {fmt_date(due.vnedu)}, hạn phòng "
            f"gửi Sở {fmt_date(due.eqms)} · tính đến ngày {fmt_date(model.as_of)}</span></div>")


def error_html(message: str) -> str:
    """A Vietnamese message in place of a traceback."""
    return f'{CSS}<div class="eduwb"><div class="error" data-key="error">{escape(message)}</div></div>'


SCHOOL_TITLES = {"school_code": "Mã trường", "school_name": "Tên trường", "status": "Báo cáo",
                 "days": "Số ngày", "findings": "Sai lệch", "check_errors": "Lỗi nhập liệu",
                 "ready": "Đủ điều kiện ký", "in_sync": "Khớp số liệu",
                 "sync_blocked": "Sáp nhập, chưa đồng bộ", "action": "Việc cần làm"}
GAP_TITLES = {"label": "Chỉ tiêu", "vnedu": "vnEdu", "csdl": "CSDL ngành", "diff": "Chênh lệch",
              "explained": "Giải thích được", "relative_gap": "Tương đối"}


def signed(value: object) -> str:
    if is_missing(value):
        return "–"
    n = int(value)
    return f"+{fmt_int(n)}" if n > 0 else ("−" + fmt_int(-n) if n < 0 else "0")


# --- widgets ----------------------------------------------------------------------------------------
