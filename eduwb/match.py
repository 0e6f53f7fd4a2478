"""Record linkage: pair the records of two tables, one-to-one, with a method and score per link.

:func:`link` is general (keys, blocks and comparisons are arguments) so it can be measured on public
benchmarks; :func:`link_people` is the setting eduwb uses for pupils and staff. Order of passes:

1. exact keys, in the order given (e.g. school + MOET code; school + folded name + date of birth):
   a key value unique on both sides links its two records;
2. scored fuzzy matching inside blocks (records sharing a block key value are candidates): each
   candidate pair gets the weighted mean of its comparisons' similarities; pairs above the threshold
   are assigned greedily by score, one-to-one; a record whose best two candidates score within
   ``margin`` of each other is reported as ambiguous instead of guessed (twins, same-name pupils).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from rapidfuzz.distance import JaroWinkler

from eduwb import text

LINK_COLUMNS = ("left", "right", "method", "score")


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
) -> Linkage:
    """Link ``left`` and ``right`` one-to-one; see the module docstring for the passes."""
    links: list[pd.DataFrame] = []
    free_l = pd.Series(True, index=left.index)
    free_r = pd.Series(True, index=right.index)
    stats: dict[str, int] = {}
    for i, keys in enumerate(exact):
        name = exact_names[i] if exact_names else "exact:" + "+".join(keys)
        found = _exact_pass(left[free_l], right[free_r], list(keys))
        if len(found):
            found["method"] = name
            found["score"] = 1.0
            links.append(found)
            free_l[found["left"].to_numpy()] = False
            free_r[found["right"].to_numpy()] = False
        stats[name] = len(found)
    amb_l: set = set()
    amb_r: set = set()
    if blocks and comparisons:
        found, amb_l, amb_r = _fuzzy_pass(left[free_l], right[free_r], blocks, comparisons,
                                          threshold, margin)
        if len(found):
            links.append(found)
        stats["fuzzy"] = len(found)
    frame = (pd.concat(links, ignore_index=True) if links
             else pd.DataFrame(columns=list(LINK_COLUMNS)))
    frame = frame[list(LINK_COLUMNS)]
    return Linkage(frame, tuple(sorted(amb_l, key=str)), tuple(sorted(amb_r, key=str)), stats)


def _exact_pass(left: pd.DataFrame, right: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Pairs whose key values are complete and unique on both sides."""
    lk = left[keys].dropna()
    rk = right[keys].dropna()
    lk = lk[~lk.duplicated(keep=False)]
    rk = rk[~rk.duplicated(keep=False)]
    merged = lk.reset_index(names="left").merge(rk.reset_index(names="right"), on=keys)
    return merged[["left", "right"]].copy()


def _fuzzy_pass(
    left: pd.DataFrame,
    right: pd.DataFrame,
    blocks: Sequence[Sequence[str]],
    comparisons: Sequence[Comparison],
    threshold: float,
    margin: float,
) -> tuple[pd.DataFrame, set, set]:
    if left.empty or right.empty:
        return pd.DataFrame(columns=list(LINK_COLUMNS)), set(), set()
    pairs = []
    for keys in blocks:
        keys = list(keys)
        lk = left[keys].dropna().reset_index(names="left")
        rk = right[keys].dropna().reset_index(names="right")
        pairs.append(lk.merge(rk, on=keys)[["left", "right"]])
    cand = pd.concat(pairs, ignore_index=True).drop_duplicates(ignore_index=True)
    if cand.empty:
        return pd.DataFrame(columns=list(LINK_COLUMNS)), set(), set()
    score = np.zeros(len(cand))
    total = sum(c.weight for c in comparisons)
    for comp in comparisons:
        a = left.loc[cand["left"], comp.field].to_numpy()
        b = right.loc[cand["right"], comp.field].to_numpy()
        score += comp.weight * np.fromiter(
            (_similarity(comp, x, y) for x, y in zip(a, b, strict=True)), float, len(cand)
        )
    cand["score"] = score / total
    cand = cand[cand["score"] >= threshold].sort_values(
        ["score", "left", "right"], ascending=[False, True, True], ignore_index=True
    )
    return _assign(cand, margin)


def _assign(cand: pd.DataFrame, margin: float) -> tuple[pd.DataFrame, set, set]:
    """Greedy one-to-one assignment by score; near-ties become ambiguities."""
    best_l = cand.groupby("left")["score"].apply(lambda s: sorted(s, reverse=True)[:2])
    best_r = cand.groupby("right")["score"].apply(lambda s: sorted(s, reverse=True)[:2])

    def tied(scores: list[float]) -> bool:
        return len(scores) > 1 and scores[0] - scores[1] < margin

    amb_l = {k for k, s in best_l.items() if tied(s)}
    amb_r = {k for k, s in best_r.items() if tied(s)}
    used_l: set = set()
    used_r: set = set()
    rows = []
    for lft, rgt, sc in cand[["left", "right", "score"]].itertuples(index=False):
        if lft in used_l or rgt in used_r or lft in amb_l or rgt in amb_r:
            continue
        used_l.add(lft)
        used_r.add(rgt)
        rows.append((lft, rgt, "fuzzy", round(float(sc), 4)))
    # An ambiguous record that another record took without a tie is no longer ambiguous.
    amb_l -= used_l
    amb_r -= used_r
    return pd.DataFrame(rows, columns=list(LINK_COLUMNS)), amb_l, amb_r


def _similarity(comp: Comparison, a: object, b: object) -> float:
    if _missing(a) or _missing(b):
        return comp.missing
    if comp.kind == "exact":
        return 1.0 if a == b else 0.0
    if comp.kind == "jaro":
        return JaroWinkler.normalized_similarity(str(a), str(b))
    if comp.kind == "name":
        return name_similarity(str(a), str(b))
    if comp.kind == "date":
        return _date_similarity(a, b)
    raise ValueError(f"unknown comparison kind {comp.kind!r}")


def _missing(v: object) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


def _date_similarity(a: object, b: object) -> float:
    if a == b:
        return 1.0
    sa, sb = str(a), str(b)
    if len(sa) == len(sb) == 10 and (sa[:4], sa[5:7], sa[8:]) == (sb[:4], sb[8:], sb[5:7]):
        return 0.5  # day and month swapped
    if len(sa) == len(sb) and sum(x != y for x, y in zip(sa, sb, strict=True)) == 1:
        return 0.5  # one digit off
    return 0.0


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

