"""The header of a sheet: which rows (1 to 3, merged group labels above sub-columns), which list
kind it names, which canonical field each column is, and a column-numbering row under it.

Headers are matched by meaning through :func:`eduwb.text.header_key` and the aliases of
:mod:`eduwb.vocab`; a header written in TCVN3 or VNI is repaired first.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from eduwb import fields, text, vocab
from eduwb.read.sources import Cell, Merge

HEADER_SCAN_ROWS = 15  # the header is looked for in this many rows from the top
MAX_HEADER_ROWS = 3  # a group, a sub-group, the column
MIN_HEADER_MATCHES = 2  # a header row names at least this many known columns
MIN_KIND_SCORE = 4  # KIND_SIGNATURES score a header needs to decide a list kind
MIN_PLAUSIBLE_CELLS = 3  # text cells of a header row of an unknown list


@dataclass
class Header:
    """Where a sheet's header is and what it says (rows 0-based)."""

    top: int  # first header row
    bottom: int  # last header row
    labels: list[tuple[int, str]]  # (column, label) of labelled columns
    kind: str
    fields: list[str | None]
    duplicates: tuple[str, ...]
    legacy: str | None
    matches: int
    numbering: int | None = None  # a column-numbering row under the header ("1 2 3", "(1)", "A B")
    score: int = 0  # the kind's signature score (a weak header loses to a strong one)
    notes: list[str] = field(default_factory=list)


# --- vocabulary lookups --------------------------------------------------------------------------


@cache
def alias_map(kind: str, system: str) -> dict[str, str]:
    """header_key -> field for one list kind as one system writes it (system aliases win)."""
    out: dict[str, str] = {}
    for fld in fields.fields_of(kind):
        for label in fields.aliases(fld, kind):
            out.setdefault(text.header_key(label), fld)
    for fld in fields.fields_of(kind):
        for label in fields.system_aliases(fld, kind, system):
            out[text.header_key(label)] = fld
    return out


@cache
def _all_alias_keys(system: str) -> frozenset[str]:
    keys: set[str] = set()
    for kind in vocab.LIST_KINDS:
        keys.update(alias_map(kind, system))
    return frozenset(keys)


def label(v: Cell) -> str:
    """A header or title cell as text, not yet cleaned (legacy text must be repaired first)."""
    if v is None or v == "":
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


class _Labels:
    """The text cells of the top rows (stripped; other cells ""), each row made when first used."""

    def __init__(self, rows: list[list[Cell]]) -> None:
        self.rows = rows
        self.done: dict[int, list[str]] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> list[str]:
        row = self.done.get(i)
        if row is None:
            row = self.done[i] = [v.strip() if v.__class__ is str else "" for v in self.rows[i]]
        return row

    def all(self) -> list[list[str]]:
        return [self[i] for i in range(len(self.rows))]


def _match_count(labels: list[str], keys: frozenset[str]) -> int:
    key = text.header_key
    return sum(1 for s in labels if s and key(s) in keys)


# --- the header band -----------------------------------------------------------------------------

_DIGIT = re.compile(r"\d")
_DIGITS3 = re.compile(r"\d{3}")


def _header_like(cells: list[Cell], labels: list[str], keys: frozenset[str]) -> bool:
    """A row that can be a lower header row: text only (a data row has a date, a code or a
    number), not a numbering row, and mostly known column names or no digit outside them (a
    class "1A" marks a data row; "Học 2 buổi/ngày" is a column name)."""
    non_empty = [v for v in cells if v is not None and v != ""]
    if not non_empty or any(v.__class__ is not str or _DIGITS3.search(v) for v in non_empty):
        return False
    if numbering_row(cells):
        return False
    known = [bool(s) and text.header_key(s) in keys for s in labels]
    if sum(known) * 2 >= len(non_empty):
        return True
    return not any(s and not k and _DIGIT.search(s) for s, k in zip(labels, known, strict=True))


def _band(best: int, rows: list[list[Cell]], labels: list[list[str]], merges: list[Merge] | None,
          keys: frozenset[str]) -> tuple[int, int]:
    """(top, bottom) header rows around the best-matching row: at most MAX_HEADER_ROWS rows, a
    group row above (merged labels over sub-columns), sub-column rows below."""
    merges = merges or []
    n = len(labels)

    def filled(r: int, c0: int, c1: int) -> bool:
        return 0 <= r < n and any(labels[r][c] for c in range(c0, min(c1 + 1, len(labels[r]))))

    def is_group_row(up: int, low: int) -> bool:
        for r0, _c0, r1, _c1 in merges:
            if r0 <= up < r1 and r1 >= low:  # a label merged down over both rows
                return True
        group = [m for m in merges
                 if m[0] == up == m[2] and m[3] > m[1] and filled(low, m[1], m[3])]
        if not group:
            return False
        # a group row, not a title merged across: it names a known column, or it has a label
        # above an empty lower cell (a column named by the upper row only)
        if _match_count(labels[up], keys) >= 1:
            return True
        return sum(1 for s in labels[up] if s) >= 2 and any(
            u and not (labels[low][c] if c < len(labels[low]) else "")
            for c, u in enumerate(labels[up])
        )

    def unmerged_lower(up: int, low: int) -> bool:
        """Without merges (CSV, HTML without spans): a row of known sub-columns under a row
        that leaves some of them without a label."""
        lo = labels[low]
        non_empty = [s for s in lo if s]
        hits = _match_count(lo, keys)
        return hits >= 1 and hits * 2 >= len(non_empty) and any(
            u and not lw for u, lw in zip(labels[up], lo, strict=False))

    top = bottom = best
    while bottom - top + 1 < MAX_HEADER_ROWS and bottom + 1 < n:
        low = bottom + 1
        if not _header_like(rows[low], labels[low], keys):
            break
        if is_group_row(bottom, low) or (not merges and unmerged_lower(bottom, low)):
            bottom = low
            continue
        break
    while bottom - top + 1 < MAX_HEADER_ROWS and top >= 1 and is_group_row(top - 1, top):
        top -= 1
    return top, bottom


def combine(top: int, bottom: int, labels: list[list[str]],
            merges: list[Merge] | None) -> list[tuple[int, str]]:
    """(column, label) for every labelled column: the lowest non-empty cell of the header band,
    a label merged across columns counting for each of them."""
    width = max(len(labels[r]) for r in range(top, bottom + 1))
    band = [list(labels[r]) + [""] * (width - len(labels[r])) for r in range(top, bottom + 1)]
    if bottom > top:
        for r0, c0, _r1, c1 in merges or []:
            if c1 > c0 and top <= r0 <= bottom and r0 < bottom:
                row = band[r0 - top]
                for c in range(c0 + 1, min(c1 + 1, width)):
                    row[c] = row[c] or row[c0]
    out = []
    for c in range(width):
        for row in reversed(band):
            if row[c]:
                out.append((c, row[c]))
                break
    return out


# --- column-numbering rows -----------------------------------------------------------------------

_NUM_TOKEN = re.compile(r"^\(?\s*(\d{1,3})\s*\)?\.?$")
_LETTER_TOKEN = re.compile(r"^\(?\s*([A-Z]{1,2})\s*\)?\.?$")


def _token(v: Cell) -> tuple[str, int] | None:
    """A numbering token as (style, number): 3, "3", "(3)" → ("n", 3); "C", "(C)" → ("a", 3)."""
    if v.__class__ is int or (v.__class__ is float and v.is_integer()):
        return ("n", int(v)) if 0 <= v < 1000 else None
    if v.__class__ is not str:
        return None
    s = v.strip()
    m = _NUM_TOKEN.match(s)
    if m:
        return ("n(" if s.startswith("(") else "n", int(m.group(1)))
    m = _LETTER_TOKEN.match(s)
    if m:
        n = 0
        for ch in m.group(1):
            n = n * 26 + ord(ch) - 64
        return ("a(" if s.startswith("(") else "a", n)
    return None


def numbering_row(cells: list[Cell]) -> bool:
    """A row numbering the columns (``1 2 3``, ``(1) (2)``, ``A B C``): not data.

    Every non-empty cell is a token of one style, at least three of them, counting up by one
    from 0, 1 or A, either cell after cell or column after column.
    """
    found = [(c, v) for c, v in enumerate(cells) if v is not None and v != ""]
    if len(found) < 3:
        return False
    tokens = []
    for c, v in found:
        t = _token(v)
        if t is None:
            return False
        tokens.append((c, t))
    styles = {t[0].rstrip("(") for _, t in tokens}
    if len(styles) != 1:
        return False
    nums = [t[1] for _, t in tokens]
    if nums[0] not in (0, 1):
        return False
    in_order = all(b - a == 1 for a, b in itertools.pairwise(nums))
    c0 = tokens[0][0]
    by_column = all(n - nums[0] == c - c0 for (c, _), n in zip(tokens, nums, strict=True))
    return in_order or by_column


# --- kind and fields -----------------------------------------------------------------------------


def kind_scores(labels: list[tuple[int, str]], system: str) -> list[tuple[int, str]]:
    """(score, kind) of every list kind for a header, best first."""
    keys = {text.header_key(s) for _, s in labels}
    scores = []
    for kind in vocab.LIST_KINDS:
        amap = alias_map(kind, system)
        found = {amap[k] for k in keys if k in amap}
        sig = fields.signatures(kind)
        scores.append((sum(sig.get(f, 0) for f in found), kind))
    scores.sort(reverse=True)
    return scores


def decide_kind(labels: list[tuple[int, str]], system: str) -> tuple[str, int]:
    """The list kind a header names (and its score), or "unknown" (a tie or too weak)."""
    scores = kind_scores(labels, system)
    if scores[0][0] < MIN_KIND_SCORE or (len(scores) > 1 and scores[0][0] == scores[1][0]):
        return vocab.UNKNOWN_KIND, scores[0][0]
    return scores[0][1], scores[0][0]


def _map_fields(labels: list[tuple[int, str]], kind: str,
                system: str) -> tuple[list[str | None], tuple[str, ...]]:
    amap = alias_map(kind, system) if kind != vocab.UNKNOWN_KIND else {}
    seen: set[str] = set()
    fields: list[str | None] = []
    duplicates = []
    for _, lab in labels:
        fld = amap.get(text.header_key(lab))
        if fld is not None and fld in seen:
            duplicates.append(lab)
            fld = None
        elif fld is not None:
            seen.add(fld)
        fields.append(fld)
    return fields, tuple(duplicates)


# --- finding the header --------------------------------------------------------------------------


def find_header(head: list[list[Cell]], merges: list[Merge] | None,
                system: str) -> Header | None:
    """The header in the top rows of a sheet, recognised (kind known) or merely plausible."""
    scan = head[:HEADER_SCAN_ROWS]
    lazy = _Labels(head)
    keys = _all_alias_keys(system)
    found = _header_from_labels(head, lazy, len(scan), merges, system, keys)
    if found is not None and found.kind != vocab.UNKNOWN_KIND:
        return _finish(found, head, system)
    # Nothing recognised: the whole top of the sheet may be typed in TCVN3 / VNI.
    raw = lazy.all()
    flat = [(i, c, s) for i, row in enumerate(raw) for c, s in enumerate(row) if s]
    enc = text.detect_legacy([s for i, _, s in flat if i < HEADER_SCAN_ROWS]) if flat else None
    if enc:
        fixed, enc = text.repair_legacy([s for _, _, s in flat])
        repaired = [list(row) for row in raw]
        for (i, c, _), s in zip(flat, fixed, strict=True):
            repaired[i][c] = s
        legacy = _header_from_labels(head, repaired, len(scan), merges, system, keys)
        if legacy is not None and legacy.kind != vocab.UNKNOWN_KIND:
            legacy.legacy = enc
            return _finish(legacy, head, system)
    if found is None:
        found = _plausible_header(raw, scan)
    return _finish(found, head, system) if found is not None else None


def _header_from_labels(head: list[list[Cell]], labels: Any, n_scan: int,
                        merges: list[Merge] | None, system: str,
                        keys: frozenset[str]) -> Header | None:
    best, best_hits = -1, 0
    for i in range(n_scan):
        if best_hits >= MIN_HEADER_MATCHES and i > best + MAX_HEADER_ROWS + 1:
            break  # well past a header: the rows below are data
        hits = _match_count(labels[i], keys)
        if hits > best_hits:
            best, best_hits = i, hits
    if best_hits < MIN_HEADER_MATCHES:
        return None
    top, bottom = _band(best, head, labels, merges, keys)
    cols = combine(top, bottom, labels, merges)
    kind, score = decide_kind(cols, system)
    return Header(top, bottom, cols, kind, [], (), None, best_hits, score=score)


def _finish(h: Header, head: list[list[Cell]], system: str) -> Header:
    """Repair a legacy-encoded header (detected on its cells as a group), clean it, map fields,
    and spot a column-numbering row under it."""
    values = [s for _, s in h.labels]
    if h.legacy is None:
        fixed, enc = text.repair_legacy(values)
        if enc:
            values, h.legacy = fixed, enc
    h.labels = [(c, text.clean(s) or s) for (c, _), s in zip(h.labels, values, strict=True)]
    if h.kind != vocab.UNKNOWN_KIND or h.legacy:
        h.kind, h.score = decide_kind(h.labels, system)
    h.fields, h.duplicates = _map_fields(h.labels, h.kind, system)
    r = h.bottom + 1
    while r < len(head) and not any(v is not None and v != "" for v in head[r]):
        r += 1
    if r < len(head) and numbering_row(head[r]):
        h.numbering = r
    return h


def _plausible_header(labels: list[list[str]], scan: list[list[Any]]) -> Header | None:
    """A header row of a list of no known kind: the first row of >= 3 text cells, all text."""
    candidates = []
    for i, row in enumerate(scan):
        texts = sum(1 for s in labels[i] if s)
        non_empty = sum(1 for v in row if v is not None and v != "")
        if texts >= MIN_PLAUSIBLE_CELLS:
            candidates.append((texts == non_empty, i))
    if not candidates:
        return None
    i = next((i for all_text, i in candidates if all_text), candidates[0][1])
    cols = [(c, s) for c, s in enumerate(labels[i]) if s]
    return Header(i, i, cols, vocab.UNKNOWN_KIND, [], (), None, 0)
