"""Record linkage: pair the records of two tables, one-to-one, with a method and score per link.

:func:`link` is general (keys, blocks and comparisons are arguments) so it can be measured on public
benchmarks (``benchmarks/bench_reconcile.py``: FEBRL4); eduwb's own setting for pupils and staff is
in :mod:`eduwb.compare` (keys there are integer codes of school + MOET code, school + name + birth
date). Order of passes:

1. exact keys, in the order given (e.g. school + MOET code; school + folded name + date of birth):
   a key value unique on both sides links its two records;
2. scored fuzzy matching inside blocks (records sharing a block key value are candidates): each
   candidate pair gets the weighted mean of its comparisons' similarities; pairs above the threshold
   are assigned greedily by score, one-to-one; a record whose best two candidates score within
   ``margin`` of each other is reported as ambiguous instead of guessed (twins, same-name pupils).
   A block with more than ``max_block_pairs`` candidate pairs (a school whose pupils all carry one
   birth date) is skipped: its records are linked through the other blocks or reported ambiguous,
   so time and memory stay linear in the number of records.

Scoring is vectorised over the candidate pairs: ``exact`` and ``date`` in numpy, ``jaro`` with
``rapidfuzz.process.cpdist`` (equal to the scalar Jaro-Winkler up to the last bit), ``name`` per pair.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

from eduwb import text

LINK_COLUMNS = ("left", "right", "method", "score")
# A block with more candidate pairs than this is not scored (see :func:`_bounded_blocks`); real
# blocks (one school's pupils born on one day, or sharing grade and given name) hold a few.
MAX_BLOCK_PAIRS = 2_500


@dataclass(frozen=True)
class Comparison:
    """One field compared between candidate records.

    ``kind``: ``exact`` (1 or 0), ``jaro`` (Jaro-Winkler on folded text), ``name`` (Vietnamese
    family/middle/given name, given name weighted most), ``date`` (1 equal, 0.5 day and month
    swapped or one digit off, else 0). Missing on either side gives ``missing`` (neutral by default).
    """

    field: str
    kind: str = "exact"
    weight: float = 1.0
    missing: float = 0.5


@dataclass(frozen=True)
class Linkage:
    """Links (``left``/``right`` are index labels of the two frames) and ambiguous records."""

    links: pd.DataFrame  # left, right, method, score
    ambiguous_left: tuple = ()
    ambiguous_right: tuple = ()
    stats: dict[str, int] = field(default_factory=dict)


def link(
    left: pd.DataFrame,
    right: pd.DataFrame,
    *,
    exact: Sequence[Sequence[str]] = (),
    blocks: Sequence[Sequence[str]] = (),
    comparisons: Sequence[Comparison] = (),
    threshold: float = 0.85,
    margin: float = 0.02,
    exact_names: Sequence[str] | None = None,
    workers: int = 1,
    max_block_pairs: int = MAX_BLOCK_PAIRS,
) -> Linkage:
    """Link ``left`` and ``right`` one-to-one; see the module docstring for the passes.

    ``workers``: threads for the ``jaro`` comparisons (rapidfuzz; -1 = all cores);
    ``max_block_pairs``: blocks with more candidate pairs are not scored (time stays bounded).
    """
    used = [*(k for keys in exact for k in keys), *(k for keys in blocks for k in keys),
            *(c.field for c in comparisons)]
    cols = list(dict.fromkeys(used))
    left, right = left[cols], right[cols]  # only the columns linking reads
    links: list[pd.DataFrame] = []
    free_l = np.ones(len(left), dtype=bool)
    free_r = np.ones(len(right), dtype=bool)
    stats: dict[str, int] = {}
    for i, keys in enumerate(exact):
        name = exact_names[i] if exact_names else "exact:" + "+".join(keys)
        found = _exact_pass(left[free_l], right[free_r], list(keys))
        if len(found):
            found["method"] = name
            found["score"] = 1.0
            links.append(found)
            free_l[left.index.get_indexer(found["left"])] = False
            free_r[right.index.get_indexer(found["right"])] = False
        stats[name] = len(found)
    amb_l: set = set()
    amb_r: set = set()
    if blocks and comparisons:
        found, amb_l, amb_r = _fuzzy_pass(left[free_l], right[free_r], blocks, comparisons,
                                          threshold, margin, workers, max_block_pairs)
        if len(found):
            links.append(found)
        stats["fuzzy"] = len(found)
    frame = (pd.concat(links, ignore_index=True) if links
             else pd.DataFrame(columns=list(LINK_COLUMNS)))
    frame = frame[list(LINK_COLUMNS)]
    return Linkage(frame, tuple(sorted(amb_l, key=str)), tuple(sorted(amb_r, key=str)), stats)


def _exact_pass(left: pd.DataFrame, right: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Pairs whose key values are complete and unique on both sides."""
    if len(keys) == 1 and pd.api.types.is_integer_dtype(left[keys[0]].dtype) \
            and pd.api.types.is_integer_dtype(right[keys[0]].dtype):
        return _exact_int(left[keys[0]], right[keys[0]])
    lk = left[keys].dropna()
    rk = right[keys].dropna()
    lk = lk[~lk.duplicated(keep=False).to_numpy()]
    rk = rk[~rk.duplicated(keep=False).to_numpy()]
    merged = lk.reset_index(names="left").merge(rk.reset_index(names="right"), on=keys)
    return merged[["left", "right"]].copy()


def _exact_int(left: pd.Series, right: pd.Series) -> pd.DataFrame:
    """:func:`_exact_pass` on one integer key (the same pairs, in the left records' order)."""
    lk = left.dropna()
    rk = right.dropna()
    lk = lk[~lk.duplicated(keep=False).to_numpy()]
    rk = rk[~rk.duplicated(keep=False).to_numpy()]
    at = pd.Index(rk.to_numpy(dtype=np.int64)).get_indexer(lk.to_numpy(dtype=np.int64))
    hit = at >= 0
    return pd.DataFrame({"left": lk.index[hit], "right": rk.index[at[hit]]})


def _fuzzy_pass(
    left: pd.DataFrame,
    right: pd.DataFrame,
    blocks: Sequence[Sequence[str]],
    comparisons: Sequence[Comparison],
    threshold: float,
    margin: float,
    workers: int = 1,
    max_block_pairs: int = MAX_BLOCK_PAIRS,
) -> tuple[pd.DataFrame, set, set]:
    if left.empty or right.empty:
        return pd.DataFrame(columns=list(LINK_COLUMNS)), set(), set()
    pairs, crowded_l, crowded_r = [], set(), set()
    for keys in blocks:
        keys = list(keys)
        lk = left[keys].dropna().reset_index(names="left")
        rk = right[keys].dropna().reset_index(names="right")
        lk, rk, crowded = _bounded_blocks(lk, rk, keys, max_block_pairs)
        crowded_l.update(crowded[0])
        crowded_r.update(crowded[1])
        pairs.append(lk.merge(rk, on=keys)[["left", "right"]])
    cand = pd.concat(pairs, ignore_index=True).drop_duplicates(ignore_index=True)
    if cand.empty:
        return pd.DataFrame(columns=list(LINK_COLUMNS)), crowded_l, crowded_r
    pl = left.index.get_indexer(cand["left"])
    pr = right.index.get_indexer(cand["right"])
    score = np.zeros(len(cand))
    total = sum(c.weight for c in comparisons)
    for comp in comparisons:
        a = left[comp.field].to_numpy(dtype=object)[pl]
        b = right[comp.field].to_numpy(dtype=object)[pr]
        score += comp.weight * similarities(comp, a, b, workers)
    cand["score"] = score / total
    cand = cand[cand["score"] >= threshold].sort_values(
        ["score", "left", "right"], ascending=[False, True, True], ignore_index=True
    )
    found, amb_l, amb_r = _assign(cand, margin)
    # A record of a crowded block that no other block linked could not be told apart.
    amb_l |= crowded_l - set(found["left"])
    amb_r |= crowded_r - set(found["right"])
    return found, amb_l, amb_r


def _bounded_blocks(lk: pd.DataFrame, rk: pd.DataFrame, keys: list[str], limit: int
                    ) -> tuple[pd.DataFrame, pd.DataFrame, tuple[list, list]]:
    """Drop the blocks with more than ``limit`` candidate pairs (a file whose pupils all share one
    birth date, thousands of identical rows): such a block tells nobody apart, and scoring it would
    take time and memory quadratic in its size. Returns both sides without those blocks and the
    records dropped (index labels) of each side."""
    if lk.empty or rk.empty:
        return lk, rk, ([], [])
    sizes_l = lk.groupby(keys, sort=False, observed=True).size()
    sizes_r = rk.groupby(keys, sort=False, observed=True).size()
    both = sizes_l.to_frame("l").join(sizes_r.to_frame("r"), how="inner")
    crowded = both.index[(both["l"] * both["r"] > limit).to_numpy()]
    if not len(crowded):
        return lk, rk, ([], [])
    out = []
    for side in (lk, rk):
        hit = pd.MultiIndex.from_frame(side[keys]).isin(crowded) if len(keys) > 1 else \
            side[keys[0]].isin(crowded).to_numpy()
        out.append((side[~hit], side.loc[hit, side.columns[0]].tolist()))
    (lk, dropped_l), (rk, dropped_r) = out
    return lk, rk, (dropped_l, dropped_r)


def _assign(cand: pd.DataFrame, margin: float) -> tuple[pd.DataFrame, set, set]:
    """Greedy one-to-one assignment by score; near-ties become ambiguities."""
    # ``cand`` is sorted by score, best first: a record's first two rows are its best two.
    amb_l = _tied(cand, "left", margin)
    amb_r = _tied(cand, "right", margin)
    used_l: set = set()
    used_r: set = set()
    rows = []
    for lft, rgt, sc in zip(cand["left"].tolist(), cand["right"].tolist(), cand["score"].tolist(),
                            strict=True):
        if lft in used_l or rgt in used_r or lft in amb_l or rgt in amb_r:
            continue
        used_l.add(lft)
        used_r.add(rgt)
        rows.append((lft, rgt, "fuzzy", round(float(sc), 4)))
    # An ambiguous record that another record took without a tie is no longer ambiguous.
    amb_l -= used_l
    amb_r -= used_r
    return pd.DataFrame(rows, columns=list(LINK_COLUMNS)), amb_l, amb_r


def _tied(cand: pd.DataFrame, side: str, margin: float) -> set:
    """Records whose best two candidate scores are within ``margin``."""
    rank = cand.groupby(side, sort=False).cumcount().to_numpy()
    first = cand.loc[rank == 0, [side, "score"]].set_index(side)["score"]
    second = cand.loc[rank == 1, [side, "score"]].set_index(side)["score"]
    gap = first.reindex(second.index).to_numpy() - second.to_numpy()
    return set(second.index[gap < margin])


COMPARISON_KINDS = ("exact", "jaro", "name", "date")


def similarities(comp: Comparison, a: np.ndarray, b: np.ndarray, workers: int = 1) -> np.ndarray:
    """The similarity of each aligned pair of values (object arrays); ``comp.missing`` where
    either side is missing (see :class:`Comparison` for the kinds)."""
    if comp.kind not in COMPARISON_KINDS:
        raise ValueError(f"unknown comparison kind {comp.kind!r}")
    miss = pd.isna(a) | pd.isna(b)
    out = np.full(len(a), comp.missing, dtype=float)
    ok = np.flatnonzero(~miss)
    if not len(ok):
        return out
    x, y = a[ok], b[ok]
    if comp.kind == "exact":
        out[ok] = (x == y).astype(float)
    elif comp.kind == "jaro":
        out[ok] = process.cpdist([str(v) for v in x], [str(v) for v in y],
                                 scorer=JaroWinkler.normalized_similarity, dtype=np.float64,
                                 workers=workers)
    elif comp.kind == "date":
        out[ok] = _date_similarities(x, y)
    else:
        out[ok] = np.fromiter((name_similarity(str(p), str(q)) for p, q in zip(x, y, strict=True)),
                              float, len(ok))
    return out


def _date_similarities(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Dates (ISO text) compared: 1 equal; 0.5 day and month swapped, or the same length and
    one character off (a mistyped digit); else 0."""
    sa = np.array([str(v) for v in a])
    sb = np.array([str(v) for v in b])
    width = max(sa.dtype.itemsize, sb.dtype.itemsize) // 4
    ca = sa.astype(f"U{width}").view(np.uint32).reshape(len(sa), width)
    cb = sb.astype(f"U{width}").view(np.uint32).reshape(len(sb), width)
    la, lb = np.char.str_len(sa), np.char.str_len(sb)
    out = np.where(sa == sb, 1.0, 0.0)
    if width >= 10:
        swapped = ((la == 10) & (lb == 10) & (ca[:, :4] == cb[:, :4]).all(axis=1)
                   & (ca[:, 5:7] == cb[:, 8:10]).all(axis=1)
                   & (ca[:, 8:10] == cb[:, 5:7]).all(axis=1))
        out[(out == 0) & swapped] = 0.5
    one_off = (la == lb) & ((ca != cb).sum(axis=1) == 1)
    out[(out == 0) & one_off] = 0.5
    return out


def name_similarity(a: str, b: str) -> float:
    """Similarity of two Vietnamese full names (folded): given name 0.5, family 0.25, middle 0.25.

    Order-insensitive fallback covers names written given-name-first.
    """
    fa, ma, ga = text.split_name(text.fold_accents(a))
    fb, mb, gb = text.split_name(text.fold_accents(b))
    parts = 0.5 * JaroWinkler.normalized_similarity(ga, gb)
    parts += 0.25 * JaroWinkler.normalized_similarity(fa, fb)
    parts += 0.25 * (1.0 if ma == mb else JaroWinkler.normalized_similarity(ma, mb))
    if sorted(text.fold_accents(a).split()) == sorted(text.fold_accents(b).split()):
        return max(parts, 0.95)
    return parts

