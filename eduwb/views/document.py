"""HTML for documents people print and sign (the district report): escaped, paged, never cut.

Every value that came from a file (names of districts, schools, people, signers; codes; findings)
goes through :func:`e` before it reaches a page. :func:`table` renders a DataFrame without an index
column, a size footer or truncation, numbers right-aligned as Vietnamese write them (1.234);
:data:`CSS` lays the document out on A4: a new page per section, table headers repeated on each
page, rows never split, the fix list in landscape. :class:`Html` is what a notebook cell shows.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

import pandas as pd

from eduwb.values import is_missing

# The first page of every document that holds personal data says so (outputs.md).
PERSONAL_DATA_NOTICE = (
    "Báo cáo có dữ liệu cá nhân (họ tên, ngày sinh học sinh và cán bộ; Nghị định 13/2023/NĐ-CP): "
    "chỉ dùng để rà soát và sửa sai lệch, chỉ gửi cho các trường liên quan, không đăng tải "
    "hay chia sẻ ra ngoài. Số định danh cá nhân chỉ hiện 4 chữ số cuối.")

CSS = """
<style>
.eduwb-doc { font-family: "DejaVu Sans", "Noto Sans", Arial, sans-serif; color: #1f2933;
  font-size: 10.5pt; line-height: 1.4; max-width: 1100px; }
.eduwb-doc h1 { font-size: 17pt; margin: 10px 0 4px 0; text-align: center; }
.eduwb-doc h2.eduwb-section { font-size: 14pt; margin: 18px 0 6px 0; color: #102a43;
  border-bottom: 1px solid #9fb3c8; padding-bottom: 2px; }
.eduwb-doc h3 { font-size: 11.5pt; margin: 12px 0 4px 0; }
.eduwb-doc .eduwb-head { display: flex; justify-content: space-between; text-align: center;
  font-weight: bold; font-size: 10pt; }
.eduwb-doc .eduwb-head div { width: 48%; }
.eduwb-doc .eduwb-sub { text-align: center; color: #334e68; margin-bottom: 10px; }
.eduwb-doc .eduwb-notice { border: 1.5px solid #b44d12; background: #fff8f1; padding: 8px 12px;
  margin: 10px 0; border-radius: 4px; }
.eduwb-doc .eduwb-figures { display: flex; flex-wrap: wrap; gap: 8px; margin: 8px 0; }
.eduwb-doc .eduwb-figure { border: 1px solid #d9e2ec; border-radius: 4px; padding: 4px 10px;
  min-width: 130px; }
.eduwb-doc .eduwb-figure b { font-size: 14pt; display: block; }
.eduwb-doc .eduwb-toc ul { margin: 4px 0 0 0; list-style: none; padding-left: 1em; }
.eduwb-doc .eduwb-toc a { color: #102a43; text-decoration: none; }
.eduwb-doc table.eduwb-table { border-collapse: collapse; margin: 4px 0 10px 0; max-width: 100%;
  font-size: 9.5pt; }
.eduwb-doc.eduwb-landscape table.eduwb-table { width: 100%; }
.eduwb-doc table.eduwb-table th, .eduwb-doc table.eduwb-table td { border: 1px solid #bcccdc;
  padding: 2px 6px; vertical-align: top; text-align: left; overflow-wrap: break-word; }
.eduwb-doc table.eduwb-table th { background: #f0f4f8; }
.eduwb-doc table.eduwb-table td.n { text-align: right; white-space: nowrap;
  font-variant-numeric: tabular-nums; }
.eduwb-doc table.eduwb-table tr.eduwb-total td { font-weight: bold; }
.eduwb-doc .eduwb-note { color: #486581; font-style: italic; }
.eduwb-doc .eduwb-sign { display: flex; justify-content: space-between; margin-top: 24px;
  text-align: center; break-inside: avoid; }
.eduwb-doc .eduwb-sign div { width: 45%; }
.eduwb-doc .eduwb-sign .eduwb-space { height: 80px; }
@page { size: A4; margin: 14mm 12mm 16mm 12mm; }
@page eduwb-landscape { size: A4 landscape; margin: 12mm; }
@media print {
  body, .jp-Notebook { margin: 0 !important; padding: 0 !important; }
  .jp-Cell, .jp-Cell-outputWrapper, .jp-OutputArea-child, .jp-OutputArea-output {
    padding: 0 !important; margin: 0 !important; overflow: visible !important; }
  .jp-OutputPrompt, .jp-InputPrompt, .jp-Collapser, .anchor-link { display: none !important; }
  .eduwb-doc { max-width: none; }
  .eduwb-doc h2.eduwb-section { break-before: page; }
  .eduwb-doc h2.eduwb-section, .eduwb-doc h3 { break-after: avoid; }
  .eduwb-doc thead { display: table-header-group; }
  .eduwb-doc tr, .eduwb-doc .eduwb-notice, .eduwb-doc .eduwb-figure { break-inside: avoid; }
  .eduwb-doc.eduwb-landscape { page: eduwb-landscape; }
  .jp-RenderedImage img, .jp-OutputArea-output img { max-width: 100% !important;
    break-inside: avoid; }
}
</style>
"""


class Html:
    """A piece of the document: HTML for pages and notebooks, plain text for terminals."""

    def __init__(self, markup: str) -> None:
        self.markup = markup

    def _repr_html_(self) -> str:
        return self.markup

    def __str__(self) -> str:
        return self.markup

    def __repr__(self) -> str:
        return plain(self.markup)


def e(value: object) -> str:
    """A value as text in a page: escaped (quotes included), missing values empty."""
    if is_missing(value):
        return ""
    return html.escape(str(value), quote=True)


def plain(markup: str) -> str:
    """Markup reduced to its text (tags dropped, entities decoded, blank lines squeezed)."""
    text = re.sub(r"<style.*?</style>", "", markup, flags=re.S)
    text = re.sub(r"<(br|/p|/li|/tr|/h\d|/div)\s*/?>", "\n", text)
    text = re.sub(r"</t[dh]>", "\t", text)
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def fmt_number(value: object) -> str:
    """A count as Vietnamese write it (1.234; −5); empty when missing."""
    if is_missing(value):
        return ""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    n = int(value)
    return ("−" if n < 0 else "") + f"{abs(n):,}".replace(",", ".")


def table(frame: pd.DataFrame, *, total: bool = False, key: str = "") -> Html:
    """A DataFrame as a document table: a named index becomes the first column, numbers are
    right-aligned and formatted, text escaped, every row shown; ``total``: the last row is a
    total (bold)."""
    if frame.index.name is not None or any(n is not None for n in frame.index.names):
        frame = frame.reset_index()
    if frame.empty:
        return document('<p class="eduwb-note">Không có dòng nào.</p>')
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
               for c in frame.columns]
    head = "".join(f"<th>{e(c)}</th>" for c in frame.columns)
    rows = []
    last = len(frame) - 1
    for i, row in enumerate(frame.itertuples(index=False)):
        cells = "".join(
            f'<td class="n">{fmt_number(v)}</td>' if num else f"<td>{_cell(v)}</td>"
            for v, num in zip(row, numeric, strict=True))
        css = ' class="eduwb-total"' if total and i == last else ""
        rows.append(f"<tr{css}>{cells}</tr>")
    data_key = f' data-key="{e(key)}"' if key else ""
    return document(f'<table class="eduwb-table"{data_key}><thead><tr>{head}</tr></thead><tbody>'
                    + "".join(rows) + "</tbody></table>")


def items(lines: Iterable[str]) -> str:
    """A bulleted list of lines that are already markup."""
    return "<ul>" + "".join(f"<li>{line}</li>" for line in lines) + "</ul>"


def document(*parts: str | Html, landscape: bool = False) -> Html:
    """Parts wrapped in the document's container (``landscape``: printed on landscape pages)."""
    css = "eduwb-doc eduwb-landscape" if landscape else "eduwb-doc"
    return Html(f'<div class="{css}">' + "".join(str(p) for p in parts) + "</div>")


def toc(entries: Sequence[tuple[str, str]]) -> str:
    """A table of contents: (anchor, title) pairs."""
    links = "".join(f'<li><a href="#{e(anchor)}">{e(title)}</a></li>' for anchor, title in entries)
    return f'<div class="eduwb-toc"><b>Nội dung</b><ul>{links}</ul></div>'


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "✔" if value else ""
    return e(value)


